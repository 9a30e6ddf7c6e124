/*
 * Uplink: sends the queue's events in batches, the heartbeat, and fetches the settings.
 *
 *     static ff_uplink_t uplink;
 *     ff_uplink_config_t config = {
 *         .base_url = "https://footfall.example.net", .api_key = key,
 *         .protocol = FF_PROTOCOL_V1, .boot_id = boot_id, .firmware = "1.0.0",
 *         .transport = {.ctx = NULL, .send = esp_http_send}, .rng = esp_rng,
 *         .settings_store = &nvs_store,
 *     };
 *     ff_uplink_init(&uplink, &config, &queue, &settings, uptime_ms());
 *     for (;;) {
 *         ff_uplink_result_t result;
 *         ff_uplink_step(&uplink, uptime_ms(), &result);   // at most one HTTP exchange
 *         if (ff_uplink_take_settings(&uplink, &settings) == FF_OK) apply them;
 *         sleep until result.next_due_ms;
 *     }
 *
 * v1 protocol: POST /api/v1/events with the batch; the batch leaves the queue only once
 * the service has acknowledged it with 200 (every event then stored, a duplicate, or rejected
 * and kept by the service). Heartbeats go to POST /api/v1/devices/me/status every
 * heartbeat_interval_s and at once after ff_uplink_request_heartbeat. The config is polled
 * with If-None-Match at every heartbeat; a new body is validated, saved in the settings
 * store and handed out by ff_uplink_take_settings. Legacy protocol: POST
 * /movements/?api_key=KEY with [{"time", "form"}], no heartbeat and no config; a retried
 * legacy batch may be stored twice.
 *
 * Failures (no response, 5xx, 429, 401, 403) keep the batch and retry after an exponential
 * backoff from FF_BACKOFF_BASE_MS to FF_BACKOFF_MAX_MS, the wait drawn uniformly between
 * half and all of it (jitter). A 413 halves the batch size. A 400 on a batch drops it,
 * counted as dropped, because resending the same body cannot succeed.
 *
 * When the queue formatted its flash (seq counter lost), the uplink first posts an empty
 * batch and renumbers the waiting events after the service's last_seq.
 */
#ifndef FOOTFALL_UPLINK_H
#define FOOTFALL_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/config.h"
#include "footfall/error.h"
#include "footfall/hal.h"
#include "footfall/queue.h"
#include "footfall/settings.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FF_PROTOCOL_V1 = 0,
    FF_PROTOCOL_LEGACY = 1
} ff_protocol_t;

/* Uplink configuration; strings are copied. */
typedef struct {
    const char *base_url; /* "http://host:port" or "https://host", no trailing path */
    const char *api_key;
    int32_t protocol;     /* ff_protocol_t */
    const char *boot_id;  /* random per boot, for the heartbeat */
    const char *firmware; /* firmware version, for the heartbeat */
    ff_http_transport_t transport;
    ff_rng_fn rng;        /* NULL: no jitter (full delay) */
    void *rng_ctx;
    const ff_settings_store_t *settings_store; /* NULL: settings are not persisted */
} ff_uplink_config_t;

/* Device facts for the heartbeat that only the glue knows. */
typedef struct {
    float fps;
    int32_t camera;    /* ff_camera_state_t */
    int32_t rssi_dbm;
    int32_t free_heap; /* bytes */
} ff_device_status_t;

/* What one step did. */
typedef enum {
    FF_UPLINK_IDLE = 0,          /* nothing due */
    FF_UPLINK_WAITING = 1,       /* backing off after a failure */
    FF_UPLINK_SENT_BATCH = 2,    /* a batch was acknowledged and released */
    FF_UPLINK_SENT_HEARTBEAT = 3,
    FF_UPLINK_FETCHED_CONFIG = 4, /* 200 or 304 */
    FF_UPLINK_RESUMED_SEQ = 5,   /* the empty probe batch returned last_seq */
    FF_UPLINK_FAILED = 6         /* the exchange failed; see err and http_status */
} ff_uplink_action_t;

typedef struct {
    int32_t action;      /* ff_uplink_action_t */
    int32_t err;         /* ff_err_t of the exchange */
    int32_t http_status; /* 0 when there was no response */
    uint32_t events_sent;
    uint32_t accepted;
    uint32_t duplicates;
    uint32_t rejected;
    int64_t next_due_ms; /* uptime at which the next step has work */
} ff_uplink_result_t;

typedef struct {
    char base_url[FF_URL_CAPACITY];
    char api_key[FF_KEY_CAPACITY];
    char boot_id[FF_LABEL_CAPACITY];
    char firmware[FF_LABEL_CAPACITY];
    int32_t protocol;
    ff_http_transport_t transport;
    ff_rng_fn rng;
    void *rng_ctx;
    const ff_settings_store_t *settings_store;
    ff_queue_t *queue;

    ff_settings_t settings;
    int32_t settings_pending; /* new settings for ff_uplink_take_settings */
    char etag[FF_ETAG_CAPACITY];
    ff_device_status_t status;

    int64_t boot_ms;
    int64_t next_batch_ms;
    int64_t next_heartbeat_ms;
    int64_t next_config_ms;
    int64_t retry_at_ms;
    uint32_t failures; /* consecutive failed exchanges */
    uint32_t batch_limit;
    uint32_t dropped_batches_events; /* events dropped after a 400 */
    int64_t server_last_seq;         /* -1 when unknown */

    /* counters for the heartbeat log and tests */
    uint32_t batches_sent;
    uint32_t heartbeats_sent;
    uint32_t exchanges_failed;

    ff_event_t batch[FF_UPLINK_BATCH_MAX];
    char url[FF_URL_CAPACITY + FF_KEY_CAPACITY + 32];
    char body[FF_UPLINK_BODY_CAPACITY];
    char response[FF_UPLINK_RESPONSE_CAPACITY];
    char response_etag[FF_ETAG_CAPACITY];
} ff_uplink_t;

/* Returns sizeof(ff_uplink_t) for hosts that allocate it (ctypes). */
size_t ff_uplink_sizeof(void);

/*
 * Prepares the uplink over queue with the current settings; the first heartbeat and
 * config poll are due at once. Returns FF_ERR_CAPACITY when a string does not fit.
 */
ff_err_t ff_uplink_init(ff_uplink_t *uplink, const ff_uplink_config_t *config,
                        ff_queue_t *queue, const ff_settings_t *settings, int64_t now_ms);

/*
 * Performs at most one HTTP exchange due at uptime now_ms and reports it in result.
 * Returns the exchange's ff_err_t (FF_OK when nothing was due).
 */
ff_err_t ff_uplink_step(ff_uplink_t *uplink, int64_t now_ms, ff_uplink_result_t *result);

/* Updates the device facts sent in the next heartbeat. */
void ff_uplink_set_status(ff_uplink_t *uplink, const ff_device_status_t *status);

/* Makes a heartbeat due at once (after a camera state change). */
void ff_uplink_request_heartbeat(ff_uplink_t *uplink);

/* Copies new settings fetched from the service; FF_ERR_EMPTY when none arrived. */
ff_err_t ff_uplink_take_settings(ff_uplink_t *uplink, ff_settings_t *settings);

/*
 * Restores the settings kept in the settings store and their ETag, so that the first
 * config poll revalidates them. FF_ERR_EMPTY when none are stored, FF_ERR_INVALID_SETTINGS
 * when the stored ones fail validation (they are then ignored).
 */
ff_err_t ff_uplink_load_stored_settings(ff_uplink_t *uplink, ff_settings_t *settings);

/*
 * Returns the uptime at which the next step has work: INT64_MAX when nothing waits (legacy
 * protocol, empty queue). Events pushed later do not move it earlier, so the glue should
 * also wake once per batch interval.
 */
int64_t ff_uplink_next_due_ms(const ff_uplink_t *uplink);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_UPLINK_H */
