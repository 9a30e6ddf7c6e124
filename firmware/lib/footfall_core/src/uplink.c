#include "footfall/uplink.h"

#include <stdio.h>
#include <string.h>

#include "footfall/camera.h"
#include "footfall/counter.h"
#include "footfall/log.h"
#include "json.h"

static const char *TAG = "ff_uplink";

/* Rejection reasons logged per response; the service keeps all of them anyway. */
#define MAX_LOGGED_REJECTIONS 3

/* Static because the token array is large for a task stack; steps are not reentrant. */
static ff_json_t response_doc;

size_t ff_uplink_sizeof(void)
{
    return sizeof(ff_uplink_t);
}

static ff_err_t copy_string(char *target, size_t capacity, const char *value, const char *name)
{
    if (value == NULL) {
        value = "";
    }
    size_t length = strlen(value);
    if (length >= capacity) {
        FF_LOGE(TAG, "%s is %u characters long, the limit is %u; shorten it or raise the "
                     "capacity in footfall/config.h",
                name, (unsigned)length, (unsigned)(capacity - 1u));
        return FF_ERR_CAPACITY;
    }
    memcpy(target, value, length + 1u);
    return FF_OK;
}

ff_err_t ff_uplink_init(ff_uplink_t *uplink, const ff_uplink_config_t *config,
                        ff_queue_t *queue, const ff_settings_t *settings, int64_t now_ms)
{
    if (uplink == NULL || config == NULL || queue == NULL || settings == NULL ||
        config->transport.send == NULL || config->base_url == NULL ||
        (config->protocol != FF_PROTOCOL_V1 && config->protocol != FF_PROTOCOL_LEGACY)) {
        return FF_ERR_INVALID_ARG;
    }
    memset(uplink, 0, sizeof *uplink);

    ff_err_t err = copy_string(uplink->base_url, sizeof uplink->base_url, config->base_url,
                               "the service URL");
    if (err == FF_OK) {
        err = copy_string(uplink->api_key, sizeof uplink->api_key, config->api_key,
                          "the device key");
    }
    if (err == FF_OK) {
        err = copy_string(uplink->boot_id, sizeof uplink->boot_id, config->boot_id, "boot_id");
    }
    if (err == FF_OK) {
        err = copy_string(uplink->firmware, sizeof uplink->firmware, config->firmware,
                          "firmware");
    }
    if (err != FF_OK) {
        return err;
    }

    /* Paths are appended to the base, so a trailing slash would double. */
    size_t length = strlen(uplink->base_url);
    while (length > 0 && uplink->base_url[length - 1u] == '/') {
        uplink->base_url[--length] = '\0';
    }
    if (strncmp(uplink->base_url, "http://", 7) != 0 &&
        strncmp(uplink->base_url, "https://", 8) != 0) {
        FF_LOGE(TAG, "service URL '%s' is invalid; give http://host:port or https://host",
                uplink->base_url);
        return FF_ERR_INVALID_ARG;
    }

    uplink->protocol = config->protocol;
    uplink->transport = config->transport;
    uplink->rng = config->rng;
    uplink->rng_ctx = config->rng_ctx;
    uplink->settings_store = config->settings_store;
    uplink->queue = queue;
    uplink->settings = *settings;
    uplink->status.camera = FF_CAMERA_STARTING;
    uplink->boot_ms = now_ms;
    uplink->next_batch_ms = now_ms + (int64_t)settings->batch_interval_s * 1000;
    uplink->next_heartbeat_ms = now_ms;
    uplink->next_config_ms = now_ms;
    uplink->batch_limit = FF_UPLINK_BATCH_MAX;
    uplink->server_last_seq = -1;
    return FF_OK;
}

void ff_uplink_set_status(ff_uplink_t *uplink, const ff_device_status_t *status)
{
    uplink->status = *status;
}

void ff_uplink_request_heartbeat(ff_uplink_t *uplink)
{
    uplink->next_heartbeat_ms = INT64_MIN;
}

ff_err_t ff_uplink_take_settings(ff_uplink_t *uplink, ff_settings_t *settings)
{
    if (uplink == NULL || settings == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    if (!uplink->settings_pending) {
        return FF_ERR_EMPTY;
    }
    *settings = uplink->settings;
    uplink->settings_pending = 0;
    return FF_OK;
}

ff_err_t ff_uplink_load_stored_settings(ff_uplink_t *uplink, ff_settings_t *settings)
{
    if (uplink == NULL || settings == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    const ff_settings_store_t *store = uplink->settings_store;
    if (store == NULL || store->load == NULL) {
        return FF_ERR_EMPTY;
    }

    /* The response buffers are idle between steps, so they hold the stored copy. */
    ff_err_t err = store->load(store->ctx, uplink->response_etag, sizeof uplink->response_etag,
                               uplink->response, sizeof uplink->response);
    if (err != FF_OK) {
        return err;
    }
    ff_settings_t stored;
    ff_settings_default(&stored);
    char reason[160];
    if (ff_settings_parse_json(uplink->response, strlen(uplink->response), &stored, reason,
                               sizeof reason) != FF_OK) {
        FF_LOGE(TAG, "stored settings ignored: %s", reason);
        return FF_ERR_INVALID_SETTINGS;
    }
    memcpy(uplink->etag, uplink->response_etag, sizeof uplink->etag);
    uplink->settings = stored;
    *settings = stored;
    return FF_OK;
}

int64_t ff_uplink_next_due_ms(const ff_uplink_t *uplink)
{
    /* Without events waiting, only the heartbeat and the config poll fall due. */
    int64_t due = INT64_MAX;
    ff_event_t first;
    size_t n = 0;
    if (ff_queue_peek(uplink->queue, &first, 1, &n) == FF_OK && n > 0) {
        due = uplink->next_batch_ms;
    }
    if (uplink->protocol == FF_PROTOCOL_V1) {
        if (!ff_queue_seq_restored(uplink->queue)) {
            due = INT64_MIN;
        }
        if (uplink->next_heartbeat_ms < due) {
            due = uplink->next_heartbeat_ms;
        }
        if (uplink->next_config_ms < due) {
            due = uplink->next_config_ms;
        }
    }
    if (uplink->retry_at_ms > due) {
        due = uplink->retry_at_ms;
    }
    return due;
}

/* ---- exchange helpers ---- */

static int is_retryable_status(int32_t status)
{
    return status >= 500 || status == 429 || status == 401 || status == 403 || status == 404 ||
           status == 408;
}

/* Schedules the retry after a failure: exponential backoff with jitter. */
static void back_off(ff_uplink_t *uplink, int64_t now_ms)
{
    uplink->failures++;
    uplink->exchanges_failed++;
    uint32_t delay = FF_BACKOFF_BASE_MS;
    for (uint32_t i = 1; i < uplink->failures && delay < FF_BACKOFF_MAX_MS; i++) {
        delay *= 2u;
    }
    if (delay > FF_BACKOFF_MAX_MS) {
        delay = FF_BACKOFF_MAX_MS;
    }

    /* Drawing between half and all of the delay keeps many devices from retrying in step. */
    uint32_t wait = delay;
    if (uplink->rng != NULL) {
        uint32_t half = delay / 2u;
        wait = half + uplink->rng(uplink->rng_ctx) % (delay - half + 1u);
    }
    uplink->retry_at_ms = now_ms + (int64_t)wait;
    FF_LOGW(TAG, "exchange failed (%u in a row); retrying in %u ms", (unsigned)uplink->failures,
            (unsigned)wait);
}

static ff_err_t exchange(ff_uplink_t *uplink, int32_t method, const char *if_none_match,
                         const char *body, size_t body_length, ff_uplink_result_t *result)
{
    ff_http_request_t request;
    request.method = method;
    request.url = uplink->url;
    request.api_key = uplink->protocol == FF_PROTOCOL_V1 ? uplink->api_key : NULL;
    request.if_none_match = if_none_match;
    request.body = body;
    request.body_length = (uint32_t)body_length;

    ff_http_response_t response;
    memset(&response, 0, sizeof response);
    response.body = uplink->response;
    response.body_capacity = sizeof uplink->response - 1u;
    response.etag = uplink->response_etag;
    response.etag_capacity = sizeof uplink->response_etag;
    uplink->response_etag[0] = '\0';

    ff_err_t err = uplink->transport.send(uplink->transport.ctx, &request, &response);
    if (err != FF_OK) {
        result->err = FF_ERR_TRANSPORT;
        /* The legacy URL carries the key in its query, which must not reach the log. */
        FF_LOGW(TAG, "no response from %.*s (%s)", (int)strcspn(uplink->url, "?"), uplink->url,
                ff_err_name(err));
        return FF_ERR_TRANSPORT;
    }

    /* Keep the body a C string and never trust the transport's length past the buffer. */
    if (response.body_length > response.body_capacity) {
        response.body_length = response.body_capacity;
    }
    uplink->response[response.body_length] = '\0';
    uplink->response_etag[sizeof uplink->response_etag - 1u] = '\0';
    result->http_status = response.status;
    return FF_OK;
}

static void build_url(ff_uplink_t *uplink, const char *path)
{
    snprintf(uplink->url, sizeof uplink->url, "%s%s", uplink->base_url, path);
}

static void build_legacy_url(ff_uplink_t *uplink)
{
    ff_text_t text;
    ff_text_init(&text, uplink->url, sizeof uplink->url);
    ff_text_append(&text, "%s/movements/?api_key=", uplink->base_url);
    for (const char *c = uplink->api_key; *c != '\0'; c++) {
        unsigned char u = (unsigned char)*c;
        int unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                         (u >= '0' && u <= '9') || u == '-' || u == '_' || u == '.' || u == '~';
        if (unreserved) {
            ff_text_append(&text, "%c", *c);
        } else {
            ff_text_append(&text, "%%%02X", u);
        }
    }
}

static uint32_t response_count(int32_t object, const char *name)
{
    double value = 0.0;
    if (ff_json_number(&response_doc, ff_json_get(&response_doc, object, name), &value) != FF_OK ||
        value < 0.0) {
        return 0;
    }
    return (uint32_t)value;
}

/* Reads last_seq from a v1 response: -1 for null, -2 when missing or unreadable. */
static int64_t response_last_seq(void)
{
    int32_t index = ff_json_get(&response_doc, 0, "last_seq");
    double value = 0.0;
    if (ff_json_is_null(&response_doc, index)) {
        return -1;
    }
    if (ff_json_number(&response_doc, index, &value) != FF_OK || value < 0.0) {
        return -2;
    }
    return (int64_t)value;
}

static void read_v1_response(ff_uplink_t *uplink, ff_uplink_result_t *result)
{
    if (ff_json_parse(&response_doc, uplink->response, strlen(uplink->response)) != FF_OK ||
        response_doc.tokens[0].type != FF_JSON_OBJECT) {
        /* 200 already says every event was dealt with; the body only adds detail. */
        FF_LOGW(TAG, "events response not readable (%u bytes); the batch is released anyway",
                (unsigned)strlen(uplink->response));
        return;
    }
    result->accepted = response_count(0, "accepted");
    result->duplicates = response_count(0, "duplicates");

    int32_t rejected = ff_json_get(&response_doc, 0, "rejected");
    if (rejected >= 0 && response_doc.tokens[rejected].type == FF_JSON_ARRAY) {
        result->rejected = (uint32_t)response_doc.tokens[rejected].size;
        for (int32_t i = 0; i < response_doc.tokens[rejected].size && i < MAX_LOGGED_REJECTIONS;
             i++) {
            char reason[96];
            int32_t item = ff_json_item(&response_doc, rejected, i);
            if (ff_json_string(&response_doc, ff_json_get(&response_doc, item, "reason"), reason,
                               sizeof reason) != FF_OK) {
                snprintf(reason, sizeof reason, "(no reason given)");
            }
            FF_LOGW(TAG, "service rejected event %u of the batch: %s",
                    (unsigned)response_count(item, "index"), reason);
        }
    }

    int64_t last_seq = response_last_seq();
    if (last_seq >= -1) {
        uplink->server_last_seq = last_seq;
    }
}

/* ---- exchanges ---- */

/*
 * Encodes the first n events of the batch; returns how many fit in the body buffer.
 */
static size_t encode_batch(ff_uplink_t *uplink, size_t n, size_t *body_length)
{
    int v1 = uplink->protocol == FF_PROTOCOL_V1;
    ff_text_t text;
    ff_text_init(&text, uplink->body, sizeof uplink->body);
    ff_text_append(&text, v1 ? "{\"events\":[" : "[");

    /* Room for the closing brackets is kept back while events are added. */
    const size_t closing = v1 ? 2u : 1u;
    size_t encoded = 0;
    for (size_t i = 0; i < n; i++) {
        const ff_event_t *event = &uplink->batch[i];
        size_t before = text.length;
        ff_text_append(&text, "%s{", i == 0 ? "" : ",");
        if (v1) {
            ff_text_append(&text, "\"seq\":%llu,\"time\":", (unsigned long long)event->seq);
            ff_text_append_epoch_seconds(&text, event->time_ms);
            ff_text_append(&text, ",\"direction\":\"%s\"}",
                           event->direction == FF_DIRECTION_ENTRY ? "entry" : "exit");
        } else {
            ff_text_append(&text, "\"time\":");
            ff_text_append_epoch_seconds(&text, event->time_ms);
            ff_text_append(&text, ",\"form\":%s}",
                           event->direction == FF_DIRECTION_ENTRY ? "true" : "false");
        }
        if (text.overflow || text.length + closing >= text.capacity) {
            text.overflow = 0;
            text.length = before;
            text.data[before] = '\0';
            break;
        }
        encoded++;
    }
    ff_text_append(&text, v1 ? "]}" : "]");
    *body_length = text.length;
    return encoded;
}

static ff_err_t send_batch(ff_uplink_t *uplink, int64_t now_ms, ff_uplink_result_t *result)
{
    size_t n = 0;
    size_t limit = uplink->batch_limit < FF_UPLINK_BATCH_MAX ? uplink->batch_limit
                                                             : FF_UPLINK_BATCH_MAX;
    ff_queue_peek(uplink->queue, uplink->batch, limit, &n);
    size_t body_length = 0;
    n = encode_batch(uplink, n, &body_length);
    if (n == 0) {
        return FF_OK;
    }

    if (uplink->protocol == FF_PROTOCOL_V1) {
        build_url(uplink, "/api/v1/events");
    } else {
        build_legacy_url(uplink);
    }
    result->events_sent = (uint32_t)n;
    ff_err_t err = exchange(uplink, FF_HTTP_POST, NULL, uplink->body, body_length, result);
    if (err != FF_OK) {
        result->action = FF_UPLINK_FAILED;
        back_off(uplink, now_ms);
        return err;
    }

    uint64_t last = uplink->batch[n - 1u].seq;
    int32_t status = result->http_status;
    if (status == 200 || status == 201) {
        if (uplink->protocol == FF_PROTOCOL_V1) {
            read_v1_response(uplink, result);
        } else if (ff_json_parse(&response_doc, uplink->response, strlen(uplink->response)) ==
                   FF_OK) {
            result->accepted = response_count(0, "stored");
            result->rejected = response_count(0, "rejected");
        }
        ff_queue_release(uplink->queue, last);
        uplink->failures = 0;
        uplink->batches_sent++;
        uplink->next_batch_ms = now_ms + (int64_t)uplink->settings.batch_interval_s * 1000;
        result->action = FF_UPLINK_SENT_BATCH;
        FF_LOGI(TAG, "batch of %u events up to seq %llu acknowledged: %u accepted, %u duplicates, "
                     "%u rejected",
                (unsigned)n, (unsigned long long)last, (unsigned)result->accepted,
                (unsigned)result->duplicates, (unsigned)result->rejected);
        return FF_OK;
    }

    result->action = FF_UPLINK_FAILED;
    result->err = FF_ERR_HTTP_STATUS;
    if (status == 413) {
        /* The service's batch limit is lower than ours: send smaller batches from now on. */
        if (n > 1u) {
            uplink->batch_limit = (uint32_t)(n / 2u);
            FF_LOGW(TAG, "batch of %u events too large (413); sending %u at most", (unsigned)n,
                    (unsigned)uplink->batch_limit);
            return FF_ERR_HTTP_STATUS;
        }
    }
    if (status == 400 || status == 413 || status == 422) {
        /* The service will never take these bytes, so resending them would loop forever. */
        ff_queue_release(uplink->queue, last);
        uplink->dropped_batches_events += (uint32_t)n;
        FF_LOGE(TAG, "service rejected a batch of %u events up to seq %llu with HTTP %d; "
                     "dropped it: %.120s",
                (unsigned)n, (unsigned long long)last, (int)status, uplink->response);
        return FF_ERR_HTTP_STATUS;
    }
    FF_LOGW(TAG, "batch of %u events got HTTP %d; kept for a retry: %.120s",
            (unsigned)n, (int)status, uplink->response);
    back_off(uplink, now_ms);
    return FF_ERR_HTTP_STATUS;
}

/* Learns the service's last seq after the queue lost its counter (flash formatted). */
static ff_err_t probe_last_seq(ff_uplink_t *uplink, int64_t now_ms, ff_uplink_result_t *result)
{
    static const char empty_batch[] = "{\"events\":[]}";
    build_url(uplink, "/api/v1/events");
    ff_err_t err = exchange(uplink, FF_HTTP_POST, NULL, empty_batch, sizeof empty_batch - 1u,
                            result);
    if (err == FF_OK && result->http_status == 200) {
        uplink->server_last_seq = -2;
        read_v1_response(uplink, result);
        if (uplink->server_last_seq >= -1) {
            uplink->failures = 0;
            result->action = FF_UPLINK_RESUMED_SEQ;
            return ff_queue_resume_after(uplink->queue, uplink->server_last_seq);
        }
        err = FF_ERR_PARSE;
    }
    if (err == FF_OK && !is_retryable_status(result->http_status)) {
        /* A service that cannot say its last seq: keep our numbering rather than stall. */
        FF_LOGW(TAG, "seq probe got HTTP %d; keeping seq %llu",
                (int)result->http_status, (unsigned long long)ff_queue_next_seq(uplink->queue));
        result->action = FF_UPLINK_FAILED;
        result->err = FF_ERR_HTTP_STATUS;
        return ff_queue_resume_after(uplink->queue, ff_queue_last_seq(uplink->queue) -
                                                        (int64_t)ff_queue_depth(uplink->queue));
    }
    result->action = FF_UPLINK_FAILED;
    if (err == FF_OK) {
        err = FF_ERR_HTTP_STATUS;
    }
    result->err = err;
    back_off(uplink, now_ms);
    return err;
}

static ff_err_t send_heartbeat(ff_uplink_t *uplink, int64_t now_ms, ff_uplink_result_t *result)
{
    const ff_device_status_t *status = &uplink->status;
    int64_t uptime_s = (now_ms - uplink->boot_ms) / 1000;
    int32_t fps_hundredths = (int32_t)(status->fps * 100.0f + 0.5f);
    if (fps_hundredths < 0) {
        fps_hundredths = 0;
    }

    ff_text_t text;
    ff_text_init(&text, uplink->body, sizeof uplink->body);
    ff_text_append(&text, "{\"boot_id\":");
    ff_text_append_string(&text, uplink->boot_id);
    ff_text_append(&text, ",\"uptime_s\":%lld,\"firmware\":", (long long)uptime_s);
    ff_text_append_string(&text, uplink->firmware);
    ff_text_append(&text,
                   ",\"fps\":%d.%02d,\"queue_depth\":%u,\"dropped\":%u,\"camera\":\"%s\","
                   "\"rssi_dbm\":%d,\"free_heap\":%d,\"last_seq\":%lld}",
                   (int)(fps_hundredths / 100), (int)(fps_hundredths % 100),
                   (unsigned)ff_queue_depth(uplink->queue),
                   (unsigned)(ff_queue_dropped(uplink->queue) + uplink->dropped_batches_events),
                   ff_camera_state_name(status->camera), (int)status->rssi_dbm,
                   (int)status->free_heap, (long long)ff_queue_last_seq(uplink->queue));
    if (text.overflow) {
        return FF_ERR_BUFFER_TOO_SMALL;
    }

    build_url(uplink, "/api/v1/devices/me/status");
    ff_err_t err = exchange(uplink, FF_HTTP_POST, NULL, uplink->body, text.length, result);
    int64_t interval_ms = (int64_t)uplink->settings.heartbeat_interval_s * 1000;
    if (err == FF_OK && result->http_status == 200) {
        uplink->failures = 0;
        uplink->heartbeats_sent++;
        uplink->next_heartbeat_ms = now_ms + interval_ms;
        result->action = FF_UPLINK_SENT_HEARTBEAT;
        return FF_OK;
    }

    result->action = FF_UPLINK_FAILED;
    if (err == FF_OK && !is_retryable_status(result->http_status)) {
        /* The service will not take this heartbeat; try the next one at the usual time. */
        FF_LOGE(TAG, "heartbeat rejected with HTTP %d: %.120s", (int)result->http_status,
                uplink->response);
        uplink->next_heartbeat_ms = now_ms + interval_ms;
        result->err = FF_ERR_HTTP_STATUS;
        return FF_ERR_HTTP_STATUS;
    }
    if (err == FF_OK) {
        err = FF_ERR_HTTP_STATUS;
        result->err = err;
    }
    back_off(uplink, now_ms);
    return err;
}

static void accept_settings(ff_uplink_t *uplink)
{
    ff_settings_t parsed = uplink->settings;
    char reason[160];
    size_t length = strlen(uplink->response);

    /* The rejected ETag is remembered too, so the same bad body is not fetched again. */
    memcpy(uplink->etag, uplink->response_etag, sizeof uplink->etag);
    if (ff_settings_parse_json(uplink->response, length, &parsed, reason, sizeof reason) !=
        FF_OK) {
        FF_LOGE(TAG, "settings from the service rejected, keeping the current ones: %s",
                reason);
        return;
    }

    if (uplink->settings_store != NULL && uplink->settings_store->save != NULL) {
        ff_err_t err = uplink->settings_store->save(uplink->settings_store->ctx, uplink->etag,
                                                    uplink->response);
        if (err != FF_OK) {
            FF_LOGE(TAG, "saving the new settings failed (%s); they apply until reboot",
                    ff_err_name(err));
        }
    }
    uplink->settings = parsed;
    uplink->settings_pending = 1;
    FF_LOGI(TAG, "new settings received (ETag %s)", uplink->etag);
}

static ff_err_t fetch_config(ff_uplink_t *uplink, int64_t now_ms, ff_uplink_result_t *result)
{
    build_url(uplink, "/api/v1/devices/me/config");
    const char *etag = uplink->etag[0] != '\0' ? uplink->etag : NULL;
    ff_err_t err = exchange(uplink, FF_HTTP_GET, etag, NULL, 0, result);
    int64_t interval_ms = (int64_t)uplink->settings.heartbeat_interval_s * 1000;
    if (err == FF_OK && (result->http_status == 200 || result->http_status == 304)) {
        if (result->http_status == 200) {
            accept_settings(uplink);
        }
        uplink->failures = 0;
        uplink->next_config_ms = now_ms + interval_ms;
        result->action = FF_UPLINK_FETCHED_CONFIG;
        return FF_OK;
    }

    result->action = FF_UPLINK_FAILED;
    if (err == FF_OK && !is_retryable_status(result->http_status)) {
        FF_LOGE(TAG, "config request got HTTP %d: %.120s", (int)result->http_status,
                uplink->response);
        uplink->next_config_ms = now_ms + interval_ms;
        result->err = FF_ERR_HTTP_STATUS;
        return FF_ERR_HTTP_STATUS;
    }
    if (err == FF_OK) {
        err = FF_ERR_HTTP_STATUS;
        result->err = err;
    }
    back_off(uplink, now_ms);
    return err;
}

static int batch_due(const ff_uplink_t *uplink, int64_t now_ms)
{
    ff_event_t first;
    size_t n = 0;
    if (ff_queue_peek(uplink->queue, &first, 1, &n) != FF_OK || n == 0) {
        return 0;
    }
    return now_ms >= uplink->next_batch_ms ||
           ff_queue_depth(uplink->queue) >= (size_t)uplink->batch_limit;
}

ff_err_t ff_uplink_step(ff_uplink_t *uplink, int64_t now_ms, ff_uplink_result_t *result)
{
    if (uplink == NULL || result == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    memset(result, 0, sizeof *result);
    ff_err_t err = FF_OK;
    int v1 = uplink->protocol == FF_PROTOCOL_V1;

    if (now_ms < uplink->retry_at_ms) {
        result->action = FF_UPLINK_WAITING;
    } else if (v1 && !ff_queue_seq_restored(uplink->queue)) {
        err = probe_last_seq(uplink, now_ms, result);
    } else if (v1 && now_ms >= uplink->next_heartbeat_ms) {
        err = send_heartbeat(uplink, now_ms, result);
    } else if (v1 && now_ms >= uplink->next_config_ms) {
        err = fetch_config(uplink, now_ms, result);
    } else if (batch_due(uplink, now_ms)) {
        err = send_batch(uplink, now_ms, result);
    }

    /* Work left for right now (a full queue, a heartbeat) makes the next step due at once. */
    result->next_due_ms = ff_uplink_next_due_ms(uplink);
    if (batch_due(uplink, now_ms) && now_ms >= uplink->retry_at_ms) {
        result->next_due_ms = now_ms;
    }
    if (result->err == FF_OK) {
        result->err = err;
    }
    return err;
}
