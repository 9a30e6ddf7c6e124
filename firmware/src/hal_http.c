/*
 * ff_http_send_fn over esp_http_client (ESP-IDF 5.x).
 *
 * One client per exchange: the uplink sends at most one request every few seconds, and a
 * fresh client never carries a half-read response or a dead keep-alive socket into the next
 * exchange.
 */
#include "hal_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esp_crt_bundle.h"
#include "esp_http_client.h"
#include "esp_log.h"
#include "footfall/config.h"

static const char *TAG = "ff_http";

/* Authorization header: "Bearer " + key + NUL. */
#define AUTH_HEADER_CAPACITY (FF_KEY_CAPACITY + 8)

static esp_err_t on_http_event(esp_http_client_event_t *event)
{
    ff_http_response_t *response = event->user_data;
    if (event->event_id != HTTP_EVENT_ON_HEADER || response == NULL) {
        return ESP_OK;
    }
    if (strcasecmp(event->header_key, "ETag") == 0 && response->etag_capacity > 0) {
        strlcpy(response->etag, event->header_value, response->etag_capacity);
    }
    return ESP_OK;
}

static ff_err_t read_body(esp_http_client_handle_t client, ff_http_response_t *response)
{
    response->body_length = 0;
    response->truncated = 0;

    for (;;) {
        uint32_t room = response->body_capacity - response->body_length;
        if (room == 0) {
            /* Drain the rest so the response is complete, and mark the body truncated. */
            char scratch[64];
            int drained = esp_http_client_read(client, scratch, sizeof scratch);
            if (drained < 0) {
                return FF_ERR_TRANSPORT;
            }
            if (drained == 0) {
                return FF_OK;
            }
            response->truncated = 1;
            continue;
        }

        int read = esp_http_client_read(client, response->body + response->body_length, (int)room);
        if (read < 0) {
            return FF_ERR_TRANSPORT;
        }
        if (read == 0) {
            return FF_OK;
        }
        response->body_length += (uint32_t)read;
    }
}

static ff_err_t exchange(const ff_http_request_t *request, ff_http_response_t *response)
{
    esp_http_client_config_t config = {
        .url = request->url,
        .method = request->method == FF_HTTP_POST ? HTTP_METHOD_POST : HTTP_METHOD_GET,
        .timeout_ms = HAL_HTTP_TIMEOUT_MS,
        .event_handler = on_http_event,
        .user_data = response,
        /* Used only for https:// URLs: verify the server against the bundled roots. */
        .crt_bundle_attach = esp_crt_bundle_attach,
        .disable_auto_redirect = true,
    };
    esp_http_client_handle_t client = esp_http_client_init(&config);
    if (client == NULL) {
        ESP_LOGE(TAG, "esp_http_client_init failed for %s", request->url);
        return FF_ERR_TRANSPORT;
    }

    char authorization[AUTH_HEADER_CAPACITY];
    if (request->api_key != NULL) {
        snprintf(authorization, sizeof authorization, "Bearer %s", request->api_key);
        esp_http_client_set_header(client, "Authorization", authorization);
    }
    if (request->if_none_match != NULL) {
        esp_http_client_set_header(client, "If-None-Match", request->if_none_match);
    }
    if (request->body != NULL) {
        esp_http_client_set_header(client, "Content-Type", "application/json");
    }

    ff_err_t result = FF_ERR_TRANSPORT;
    int body_length = request->body != NULL ? (int)request->body_length : 0;
    esp_err_t err = esp_http_client_open(client, body_length);
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "connecting for %s failed: %s", request->url, esp_err_to_name(err));
        goto done;
    }
    if (body_length > 0 && esp_http_client_write(client, request->body, body_length) != body_length) {
        ESP_LOGW(TAG, "sending %d bytes failed", body_length);
        goto done;
    }
    if (esp_http_client_fetch_headers(client) < 0) {
        ESP_LOGW(TAG, "no response headers from %s", request->url);
        goto done;
    }

    response->status = esp_http_client_get_status_code(client);
    result = read_body(client, response);
    if (result != FF_OK) {
        ESP_LOGW(TAG, "reading the response body (HTTP %d) failed", (int)response->status);
    }

done:
    esp_http_client_close(client);
    esp_http_client_cleanup(client);
    return result;
}

static ff_err_t send_request(void *ctx, const ff_http_request_t *request, ff_http_response_t *response)
{
    SemaphoreHandle_t *queue_lock = ctx;
    if (response->etag_capacity > 0) {
        response->etag[0] = '\0';
    }
    response->status = 0;

    /* NOTE: this relies on ff_uplink_step not touching the queue while it waits for the
     * transport, which the core's uplink keeps by copying the batch before sending. */
    if (queue_lock != NULL) {
        xSemaphoreGive(*queue_lock);
    }
    ff_err_t result = exchange(request, response);
    if (queue_lock != NULL) {
        xSemaphoreTake(*queue_lock, portMAX_DELAY);
    }
    return result;
}

void hal_http_transport(ff_http_transport_t *transport, SemaphoreHandle_t *queue_lock)
{
    transport->ctx = queue_lock;
    transport->send = send_request;
}
