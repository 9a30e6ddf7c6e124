/*
 * Footfall door counter: camera -> detector -> core pipeline -> flash queue -> uplink.
 *
 * Two tasks share the core's state. The camera task (core 1) captures, detects and runs
 * ff_pipeline_on_frame; the uplink task (core 0) runs ff_uplink_step. The queue and the
 * pipeline are guarded by one mutex, which the HTTP transport gives back during network
 * round trips. Everything is allocated statically or once at start-up.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_config.h"
#include "camera.h"
#include "detector.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "footfall/footfall.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#include "hal_flash.h"
#include "hal_http.h"
#include "hal_settings_store.h"
#include "log_bridge.h"
#include "network.h"
#include "nvs_flash.h"

static const char *TAG = "ff_main";

/* Maximum sleep of the uplink task, so a heartbeat request or a Wi-Fi reconnect is handled soon. */
#define UPLINK_MAX_SLEEP_MS 1000

static ff_settings_t s_settings;
static ff_queue_t s_queue;
static ff_pipeline_t s_pipeline;
static ff_uplink_t s_uplink;
static ff_flash_t s_flash;
static ff_settings_store_t s_settings_store;
static ff_camera_ops_t s_camera_ops;
static ff_detection_t s_boxes[FF_MAX_DETECTIONS];
static char s_boot_id[FF_LABEL_CAPACITY];

static SemaphoreHandle_t s_lock;
static TaskHandle_t s_uplink_task;

/* Set by the SNTP task, applied by the camera task under the lock. */
static portMUX_TYPE s_time_mux = portMUX_INITIALIZER_UNLOCKED;
static bool s_time_pending = false;
static int64_t s_time_uptime_ms;
static int64_t s_time_epoch_ms;

static int64_t uptime_ms(void)
{
    return esp_timer_get_time() / 1000;
}

static uint32_t hardware_random(void *ctx)
{
    (void)ctx;
    return esp_random();
}

static void on_time_set(int64_t at_uptime_ms, int64_t epoch_ms)
{
    portENTER_CRITICAL(&s_time_mux);
    s_time_uptime_ms = at_uptime_ms;
    s_time_epoch_ms = epoch_ms;
    s_time_pending = true;
    portEXIT_CRITICAL(&s_time_mux);
}

static void apply_pending_time(void)
{
    bool pending;
    int64_t at_uptime_ms;
    int64_t epoch_ms;
    portENTER_CRITICAL(&s_time_mux);
    pending = s_time_pending;
    at_uptime_ms = s_time_uptime_ms;
    epoch_ms = s_time_epoch_ms;
    s_time_pending = false;
    portEXIT_CRITICAL(&s_time_mux);

    if (pending) {
        ff_err_t err = ff_pipeline_set_clock(&s_pipeline, at_uptime_ms, epoch_ms);
        if (err != FF_OK) {
            ESP_LOGE(TAG, "stamping queued events failed: %s", ff_err_name(err));
        }
    }
}

static void camera_task(void *arg)
{
    (void)arg;
    for (;;) {
        camera_fb_t *frame = esp_camera_fb_get();
        int64_t captured_ms = frame != NULL ? camera_capture_ms(frame) : uptime_ms();
        size_t box_count = 0;
        if (frame != NULL) {
            box_count = detector_run(frame->buf, frame->width, frame->height, s_boxes,
                                     FF_MAX_DETECTIONS);
            /* Return the buffer before the pipeline may re-initialise the driver. */
            esp_camera_fb_return(frame);
        }

        xSemaphoreTake(s_lock, portMAX_DELAY);
        apply_pending_time();
        size_t events = 0;
        ff_err_t err = ff_pipeline_on_frame(&s_pipeline, captured_ms, frame != NULL, s_boxes,
                                            box_count, &events);
        int state_changed = ff_pipeline_take_state_change(&s_pipeline);
        xSemaphoreGive(s_lock);

        if (err != FF_OK) {
            ESP_LOGE(TAG, "pipeline failed on the frame of %" PRId64 " ms: %s", captured_ms,
                     ff_err_name(err));
        }
        if (state_changed) {
            xTaskNotifyGive(s_uplink_task);
        }
        if (frame == NULL) {
            /* A failed capture returns at once; pace retries at about the frame rate. */
            vTaskDelay(pdMS_TO_TICKS(140));
        }
    }
}

static void refresh_status(void)
{
    ff_device_status_t status = {0};
    xSemaphoreTake(s_lock, portMAX_DELAY);
    ff_pipeline_fill_status(&s_pipeline, &status);
    xSemaphoreGive(s_lock);
    status.rssi_dbm = network_rssi_dbm();
    status.free_heap = (int32_t)esp_get_free_heap_size();
    ff_uplink_set_status(&s_uplink, &status);
}

static void apply_new_settings(void)
{
    ff_settings_t fetched;
    if (ff_uplink_take_settings(&s_uplink, &fetched) != FF_OK) {
        return;
    }
    xSemaphoreTake(s_lock, portMAX_DELAY);
    ff_err_t err = ff_pipeline_apply_settings(&s_pipeline, &fetched);
    xSemaphoreGive(s_lock);
    if (err == FF_OK) {
        s_settings = fetched;
        ESP_LOGI(TAG, "new counting settings applied without a reboot");
    } else {
        ESP_LOGE(TAG, "applying the fetched settings failed: %s; keeping the previous ones",
                 ff_err_name(err));
    }
}

static void uplink_task(void *arg)
{
    (void)arg;
    for (;;) {
        /* A camera state change requests a heartbeat now. */
        if (ulTaskNotifyTake(pdTRUE, 0) > 0) {
            ff_uplink_request_heartbeat(&s_uplink);
        }

        int64_t wait_ms = UPLINK_MAX_SLEEP_MS;
        if (network_is_connected()) {
            refresh_status();
            ff_uplink_result_t result;
            xSemaphoreTake(s_lock, portMAX_DELAY);
            ff_uplink_step(&s_uplink, uptime_ms(), &result);
            xSemaphoreGive(s_lock);
            if (result.action == FF_UPLINK_FAILED) {
                ESP_LOGW(TAG, "uplink exchange failed: %s, HTTP %d; retrying with backoff",
                         ff_err_name((ff_err_t)result.err), (int)result.http_status);
            }
            apply_new_settings();
            wait_ms = result.next_due_ms - uptime_ms();
        }

        if (wait_ms > UPLINK_MAX_SLEEP_MS) {
            wait_ms = UPLINK_MAX_SLEEP_MS;
        }
        /* Sleep until the next step is due or the camera task requests a heartbeat. */
        if (wait_ms > 0 && ulTaskNotifyTake(pdTRUE, pdMS_TO_TICKS(wait_ms)) > 0) {
            ff_uplink_request_heartbeat(&s_uplink);
        }
    }
}

static void start_nvs(void)
{
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        /* The NVS partition was written by another layout: erase it, the settings come back
         * from the service at the next config poll. */
        ESP_LOGW(TAG, "NVS partition unreadable (%s); erasing it", esp_err_to_name(err));
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    ESP_ERROR_CHECK(err);
}

static void start_queue(void)
{
    ff_err_t err = FF_ERR_FLASH;
    if (hal_flash_open(&s_flash) == ESP_OK) {
        err = ff_queue_init(&s_queue, &s_flash);
    }
    if (err != FF_OK) {
        /* Counting goes on; only persistence across reboots is lost. */
        ESP_LOGE(TAG, "flash event queue unavailable (%s); queueing in RAM only", ff_err_name(err));
        err = ff_queue_init(&s_queue, NULL);
        if (err != FF_OK) {
            ESP_LOGE(TAG, "RAM event queue setup failed: %s", ff_err_name(err));
            abort();
        }
    }
    ESP_LOGI(TAG, "event queue: %u waiting, next seq %llu, %u dropped so far",
             (unsigned)ff_queue_depth(&s_queue), (unsigned long long)ff_queue_next_seq(&s_queue),
             (unsigned)ff_queue_dropped(&s_queue));
}

static void start_uplink(void)
{
    static ff_http_transport_t transport;
    hal_http_transport(&transport, &s_lock);
    hal_settings_store(&s_settings_store);
    snprintf(s_boot_id, sizeof s_boot_id, "%08" PRIx32 "%08" PRIx32, esp_random(), esp_random());

    ff_uplink_config_t config = {
        .base_url = FF_SERVICE_URL,
        .api_key = FF_DEVICE_KEY,
        .protocol = FF_DEFAULT_LEGACY_PROTOCOL ? FF_PROTOCOL_LEGACY : FF_PROTOCOL_V1,
        .boot_id = s_boot_id,
        .firmware = FF_FIRMWARE_VERSION,
        .transport = transport,
        .rng = hardware_random,
        .rng_ctx = NULL,
        .settings_store = &s_settings_store,
    };
    ff_err_t err = ff_uplink_init(&s_uplink, &config, &s_queue, &s_settings, uptime_ms());
    if (err != FF_OK) {
        ESP_LOGE(TAG, "uplink setup failed: %s; check the length of the service URL and key",
                 ff_err_name(err));
        abort();
    }

    /* Settings validated on an earlier boot apply before the service is reachable. */
    ff_settings_t stored = s_settings;
    if (ff_uplink_load_stored_settings(&s_uplink, &stored) == FF_OK) {
        s_settings = stored;
        ESP_LOGI(TAG, "counting settings restored from NVS");
    }
}

void app_main(void)
{
    log_bridge_install();
    ESP_LOGI(TAG, "Footfall counter %s starting", FF_FIRMWARE_VERSION);

    s_lock = xSemaphoreCreateMutex();
    if (s_lock == NULL) {
        ESP_LOGE(TAG, "creating the queue mutex failed: out of memory");
        abort();
    }

    start_nvs();
    ff_settings_default(&s_settings);
    start_queue();
    start_uplink();

    camera_start(); /* a failure shows as failed captures and a camera fault heartbeat */
    ESP_ERROR_CHECK(detector_start());
    camera_ops(&s_camera_ops);
    ff_err_t err = ff_pipeline_init(&s_pipeline, &s_settings, &s_queue, &s_camera_ops);
    if (err != FF_OK) {
        ESP_LOGE(TAG, "pipeline setup failed: %s", ff_err_name(err));
        abort();
    }

    if (strlen(FF_SERVICE_URL) == 0 || strlen(FF_DEVICE_KEY) == 0) {
        ESP_LOGW(TAG, "no service URL or device key in this build; events stay queued "
                      "(fill in firmware/settings.ini and flash again)");
    }
    network_start(on_time_set);

    xTaskCreatePinnedToCore(uplink_task, "ff_uplink", 8192, NULL, 4, &s_uplink_task, 0);
    xTaskCreatePinnedToCore(camera_task, "ff_camera", 8192, NULL, 5, NULL, 1);
}
