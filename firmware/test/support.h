/*
 * Helpers shared by the host tests: walks fed to the counter or the tracker, a scripted
 * HTTP transport, and a camera whose re-initialisations are counted.
 */
#ifndef FOOTFALL_TEST_SUPPORT_H
#define FOOTFALL_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/footfall.h"
#include "footfall/host.h"

/* Frame period of the walks: 7 frames a second. */
#define TEST_FRAME_MS(frame) ((int64_t)(frame) * 1000 / 7)

/* One point of a walk: the centroid of track `track` in frame `frame`. */
typedef struct {
    uint32_t frame;
    uint32_t track;
    float x;
    float y;
} walk_point_t;

typedef struct {
    int entries;
    int exits;
    int64_t first_time_ms; /* time of the first crossing, -1 when none */
} walk_count_t;

/* Settings with the default line (0, .5)-(1, .5), inside (.5, 1), band .02, confirm 2. */
ff_settings_t test_default_settings(void);

/* Feeds the points to the line counter with their track ids, then flushes it. */
walk_count_t count_tracks(const ff_settings_t *settings, const walk_point_t *points, size_t n);

/*
 * Feeds the points to the tracker as boxes 0.10 wide and 0.20 high centred on them, score
 * 0.9, frame by frame (frames without points get no detection), then ends all tracks.
 */
walk_count_t count_detections(const ff_settings_t *settings, const walk_point_t *points,
                              size_t n);

/* ---- scripted HTTP transport ---- */

/* What the fake network does with one request. */
typedef enum {
    NET_RESPOND = 0,     /* forward to the handler and return its response */
    NET_DOWN = 1,       /* no response: the request never arrives */
    NET_LOSE_RESPONSE = 2 /* the request arrives and is handled, the response is lost */
} net_fault_t;

#define FAKE_MAX_REQUESTS 64

typedef struct {
    int32_t method;
    char url[256];
    char api_key[96];
    char if_none_match[80];
    char body[2048];
} recorded_request_t;

typedef struct fake_service fake_service_t;

/* Handles one request that reached the fake service: sets status, body and ETag. */
typedef void (*fake_handler_fn)(fake_service_t *service, const recorded_request_t *request,
                                int32_t *status, char *body, size_t body_capacity, char *etag,
                                size_t etag_capacity);

struct fake_service {
    net_fault_t next_faults[FAKE_MAX_REQUESTS]; /* fault of request i (default: response) */
    recorded_request_t requests[FAKE_MAX_REQUESTS]; /* every request that was sent */
    size_t request_count;
    fake_handler_fn handler;
    /* state of the default handler */
    int64_t stored_seq[256];
    int64_t stored_time_ms[256];
    size_t stored_count;
    int heartbeats;
    char last_heartbeat[2048];
    int32_t events_status; /* status for POST /api/v1/events; 0 means 200 */
    char config_body[512];
    char config_etag[64];
};

void fake_service_init(fake_service_t *service);
ff_http_transport_t fake_service_transport(fake_service_t *service);

/* Default handler: a v1 service that deduplicates (device, seq). */
void fake_service_handle(fake_service_t *service, const recorded_request_t *request,
                         int32_t *status, char *body, size_t body_capacity, char *etag,
                         size_t etag_capacity);

/* Deterministic RNG for jitter: returns the words of a linear congruential sequence. */
uint32_t test_rng(void *ctx);

/* Camera whose re-initialisations are counted. */
typedef struct {
    int reinits;
} fake_camera_t;

ff_camera_ops_t fake_camera_ops(fake_camera_t *camera);

#endif /* FOOTFALL_TEST_SUPPORT_H */
