/*
 * Hardware interfaces that the device glue (ESP-IDF) and the host fakes implement.
 *
 * The core calls hardware only through these structs of function pointers, so the same
 * sources run on the ESP32-S3, in host tests and in the Python replay (ctypes).
 *
 *     ff_flash_t flash = {
 *         .ctx = partition, .sector_size = 4096, .sector_count = 8,
 *         .read = partition_read, .write = partition_write, .erase = partition_erase,
 *     };
 *     ff_queue_init(&queue, &flash);
 *
 * Every function returns FF_OK on success and an ff_err_t otherwise.
 */
#ifndef FOOTFALL_HAL_H
#define FOOTFALL_HAL_H

#include <stdint.h>

#include "footfall/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * NOR flash region used by the event queue (an esp_partition on the device).
 * Erased bytes read 0xFF; a write may only clear bits of erased bytes; an erase covers
 * one whole sector. Offsets are relative to the start of the region.
 */
typedef struct {
    void *ctx;
    uint32_t sector_size;  /* bytes of one erase sector, a multiple of 16 (4096 on ESP32) */
    uint32_t sector_count; /* sectors in the region; at least 2 */
    ff_err_t (*read)(void *ctx, uint32_t offset, void *buffer, uint32_t length);
    ff_err_t (*write)(void *ctx, uint32_t offset, const void *data, uint32_t length);
    ff_err_t (*erase)(void *ctx, uint32_t sector);
} ff_flash_t;

/* HTTP method of a request. */
typedef enum {
    FF_HTTP_GET = 0,
    FF_HTTP_POST = 1
} ff_http_method_t;

/*
 * One HTTP request built by the uplink. The transport sends `Authorization: Bearer <api_key>`
 * when api_key is not NULL, `If-None-Match` when if_none_match is not NULL, and
 * `Content-Type: application/json` when body is not NULL. With an https:// URL the
 * transport must verify the server certificate.
 */
typedef struct {
    int32_t method;            /* ff_http_method_t */
    const char *url;           /* NUL-terminated absolute URL */
    const char *api_key;       /* NULL when the key travels in the URL (legacy protocol) */
    const char *if_none_match; /* NULL or an ETag to revalidate */
    const char *body;          /* NULL for GET */
    uint32_t body_length;
} ff_http_request_t;

/*
 * Response filled by the transport. The core provides the buffers; the transport stores at
 * most body_capacity bytes (setting truncated when the body was longer) and writes the
 * ETag header, NUL-terminated, or an empty string when there is none.
 */
typedef struct {
    int32_t status; /* HTTP status code */
    char *body;
    uint32_t body_capacity;
    uint32_t body_length;
    int32_t truncated; /* 1 when the body did not fit */
    char *etag;
    uint32_t etag_capacity;
} ff_http_response_t;

/*
 * Sends one request and waits for the response. Returns FF_OK when an HTTP response (any
 * status) arrived, FF_ERR_TRANSPORT when none did (refused, timed out, TLS failure).
 */
typedef ff_err_t (*ff_http_send_fn)(void *ctx, const ff_http_request_t *request,
                                    ff_http_response_t *response);

typedef struct {
    void *ctx;
    ff_http_send_fn send;
} ff_http_transport_t;

/* Returns 32 random bits; used for retry jitter (esp_random on the device). */
typedef uint32_t (*ff_rng_fn)(void *ctx);

/*
 * Persistent store of the validated counting settings (NVS on the device): the settings
 * JSON as the service sent it and its ETag. load returns FF_ERR_EMPTY when nothing is
 * stored and writes NUL-terminated strings.
 */
typedef struct {
    void *ctx;
    ff_err_t (*load)(void *ctx, char *etag, uint32_t etag_capacity, char *json,
                     uint32_t json_capacity);
    ff_err_t (*save)(void *ctx, const char *etag, const char *json);
} ff_settings_store_t;

/* Camera driver control used by the camera supervision (esp_camera_deinit + init). */
typedef struct {
    void *ctx;
    ff_err_t (*reinit)(void *ctx);
} ff_camera_ops_t;

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_HAL_H */
