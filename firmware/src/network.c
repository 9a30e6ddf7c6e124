#include "network.h"

#include <string.h>
#include <sys/time.h>

#include "app_config.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_netif_sntp.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

static const char *TAG = "ff_network";

/* Wait between reconnection attempts, so a missing access point does not spin the radio. */
#define RECONNECT_DELAY_MS 5000

static volatile bool s_connected = false;
static bool s_sntp_started = false;
static network_time_fn s_on_time_set = NULL;

static void on_time_sync(struct timeval *tv)
{
    int64_t uptime_ms = esp_timer_get_time() / 1000;
    int64_t epoch_ms = (int64_t)tv->tv_sec * 1000 + tv->tv_usec / 1000;
    ESP_LOGI(TAG, "clock set by SNTP: epoch %lld ms at uptime %lld ms", (long long)epoch_ms,
             (long long)uptime_ms);
    if (s_on_time_set != NULL) {
        s_on_time_set(uptime_ms, epoch_ms);
    }
}

static void start_sntp(void)
{
    if (s_sntp_started) {
        return;
    }
    esp_sntp_config_t config = ESP_NETIF_SNTP_DEFAULT_CONFIG(FF_SNTP_SERVER);
    config.sync_cb = on_time_sync;
    esp_err_t err = esp_netif_sntp_init(&config);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "starting SNTP with %s failed: %s; events stay unstamped until it works",
                 FF_SNTP_SERVER, esp_err_to_name(err));
        return;
    }
    s_sntp_started = true;
}

static void reconnect_later(void *arg)
{
    (void)arg;
    vTaskDelay(pdMS_TO_TICKS(RECONNECT_DELAY_MS));
    esp_wifi_connect();
    vTaskDelete(NULL);
}

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    if (id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    } else if (id == WIFI_EVENT_STA_DISCONNECTED) {
        const wifi_event_sta_disconnected_t *event = data;
        s_connected = false;
        ESP_LOGW(TAG, "Wi-Fi disconnected (reason %d); retrying in %d ms", event->reason,
                 RECONNECT_DELAY_MS);
        xTaskCreate(reconnect_later, "ff_reconnect", 2048, NULL, 3, NULL);
    }
}

static void on_ip_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    if (id != IP_EVENT_STA_GOT_IP) {
        return;
    }
    const ip_event_got_ip_t *event = data;
    ESP_LOGI(TAG, "connected, address " IPSTR, IP2STR(&event->ip_info.ip));
    s_connected = true;
    start_sntp();
}

esp_err_t network_start(network_time_fn on_time_set)
{
    s_on_time_set = on_time_set;
    if (strlen(FF_WIFI_SSID) == 0) {
        ESP_LOGW(TAG, "no Wi-Fi SSID in this build; copy firmware/settings.ini.template to "
                      "firmware/settings.ini, fill it in and flash again");
        return ESP_ERR_INVALID_STATE;
    }

    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    esp_netif_create_default_wifi_sta();

    wifi_init_config_t init_config = WIFI_INIT_CONFIG_DEFAULT();
    ESP_ERROR_CHECK(esp_wifi_init(&init_config));
    ESP_ERROR_CHECK(esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID,
                                                        on_wifi_event, NULL, NULL));
    ESP_ERROR_CHECK(esp_event_handler_instance_register(IP_EVENT, IP_EVENT_STA_GOT_IP,
                                                        on_ip_event, NULL, NULL));

    wifi_config_t wifi_config = {0};
    strlcpy((char *)wifi_config.sta.ssid, FF_WIFI_SSID, sizeof wifi_config.sta.ssid);
    strlcpy((char *)wifi_config.sta.password, FF_WIFI_PASSWORD, sizeof wifi_config.sta.password);
    ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
    ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &wifi_config));
    ESP_ERROR_CHECK(esp_wifi_start());
    ESP_LOGI(TAG, "joining Wi-Fi network '%s'", FF_WIFI_SSID);
    return ESP_OK;
}

bool network_is_connected(void)
{
    return s_connected;
}

int32_t network_rssi_dbm(void)
{
    wifi_ap_record_t access_point;
    if (!s_connected || esp_wifi_sta_get_ap_info(&access_point) != ESP_OK) {
        return 0;
    }
    return access_point.rssi;
}
