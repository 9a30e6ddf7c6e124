#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ff_settings_t test_default_settings(void)
{
    ff_settings_t settings;
    ff_settings_default(&settings);
    settings.line_start = (ff_point_t){0.0f, 0.5f};
    settings.line_end = (ff_point_t){1.0f, 0.5f};
    settings.inside = (ff_point_t){0.5f, 1.0f};
    settings.band = 0.02f;
    settings.confirm = 2;
    settings.mode = FF_MODE_IMMEDIATE;
    settings.anchor = FF_ANCHOR_CENTER;
    return settings;
}

static void tally(walk_count_t *count, const ff_crossing_t *crossings, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (count->first_time_ms < 0) {
            count->first_time_ms = crossings[i].time_ms;
        }
        if (crossings[i].direction == FF_DIRECTION_ENTRY) {
            count->entries++;
        } else {
            count->exits++;
        }
    }
}

static uint32_t last_frame(const walk_point_t *points, size_t n)
{
    uint32_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (points[i].frame > last) {
            last = points[i].frame;
        }
    }
    return last;
}

walk_count_t count_tracks(const ff_settings_t *settings, const walk_point_t *points, size_t n)
{
    static ff_counter_t counter;
    ff_crossing_t crossings[FF_COUNTER_MAX_CROSSINGS];
    ff_observation_t observations[16];
    walk_count_t count = {0, 0, -1};
    size_t n_crossings = 0;

    if (ff_counter_init(&counter, settings) != FF_OK) {
        count.entries = -1;
        return count;
    }
    for (uint32_t frame = 0; frame <= last_frame(points, n); frame++) {
        size_t n_observations = 0;
        for (size_t i = 0; i < n && n_observations < 16; i++) {
            if (points[i].frame != frame) {
                continue;
            }
            ff_observation_t *o = &observations[n_observations++];
            o->track_id = points[i].track;
            o->frame = frame;
            o->time_ms = TEST_FRAME_MS(frame);
            o->x = points[i].x;
            o->y = points[i].y;
        }
        ff_counter_update(&counter, frame, observations, n_observations, crossings,
                          FF_COUNTER_MAX_CROSSINGS, &n_crossings);
        tally(&count, crossings, n_crossings);
    }
    ff_counter_flush(&counter, crossings, FF_COUNTER_MAX_CROSSINGS, &n_crossings);
    tally(&count, crossings, n_crossings);
    return count;
}

walk_count_t count_detections(const ff_settings_t *settings, const walk_point_t *points,
                              size_t n)
{
    static ff_counting_t counting;
    ff_crossing_t crossings[FF_COUNTER_MAX_CROSSINGS];
    ff_detection_t detections[16];
    walk_count_t count = {0, 0, -1};
    size_t n_crossings = 0;

    if (ff_counting_init(&counting, settings) != FF_OK) {
        count.entries = -1;
        return count;
    }
    for (uint32_t frame = 0; frame <= last_frame(points, n); frame++) {
        size_t n_detections = 0;
        for (size_t i = 0; i < n && n_detections < 16; i++) {
            if (points[i].frame != frame) {
                continue;
            }
            ff_detection_t *d = &detections[n_detections++];
            d->w = 0.10f;
            d->h = 0.20f;
            d->x = points[i].x - 0.05f;
            d->y = points[i].y - 0.10f;
            d->score = 0.9f;
        }
        ff_counting_process(&counting, detections, n_detections, TEST_FRAME_MS(frame),
                            crossings, FF_COUNTER_MAX_CROSSINGS, &n_crossings);
        tally(&count, crossings, n_crossings);
    }
    ff_counting_finish(&counting, crossings, FF_COUNTER_MAX_CROSSINGS, &n_crossings);
    tally(&count, crossings, n_crossings);
    return count;
}

/* ---- fake service ---- */

static void copy_text(char *target, size_t capacity, const char *value, size_t length)
{
    if (value == NULL) {
        target[0] = '\0';
        return;
    }
    if (length >= capacity) {
        length = capacity - 1u;
    }
    memcpy(target, value, length);
    target[length] = '\0';
}

static ff_err_t fake_send(void *ctx, const ff_http_request_t *request,
                          ff_http_response_t *response)
{
    fake_service_t *service = ctx;
    size_t index = service->request_count;
    if (index >= FAKE_MAX_REQUESTS) {
        return FF_ERR_TRANSPORT;
    }
    service->request_count++;

    recorded_request_t *recorded = &service->requests[index];
    recorded->method = request->method;
    copy_text(recorded->url, sizeof recorded->url, request->url, strlen(request->url));
    copy_text(recorded->api_key, sizeof recorded->api_key, request->api_key,
              request->api_key ? strlen(request->api_key) : 0u);
    copy_text(recorded->if_none_match, sizeof recorded->if_none_match, request->if_none_match,
              request->if_none_match ? strlen(request->if_none_match) : 0u);
    copy_text(recorded->body, sizeof recorded->body, request->body, request->body_length);

    net_fault_t fault = service->next_faults[index];
    if (fault == NET_DOWN) {
        return FF_ERR_TRANSPORT;
    }

    char body[1024];
    char etag[80];
    int32_t status = 500;
    body[0] = '\0';
    etag[0] = '\0';
    service->handler(service, recorded, &status, body, sizeof body, etag, sizeof etag);
    if (fault == NET_LOSE_RESPONSE) {
        return FF_ERR_TRANSPORT;
    }

    size_t length = strlen(body);
    response->status = status;
    response->truncated = length > response->body_capacity;
    response->body_length = (uint32_t)(length > response->body_capacity ? response->body_capacity
                                                                         : length);
    memcpy(response->body, body, response->body_length);
    copy_text(response->etag, response->etag_capacity, etag, strlen(etag));
    return FF_OK;
}

void fake_service_init(fake_service_t *service)
{
    memset(service, 0, sizeof *service);
    service->handler = fake_service_handle;
    snprintf(service->config_etag, sizeof service->config_etag, "\"v1\"");
    snprintf(service->config_body, sizeof service->config_body,
             "{\"line\":{\"start\":[0,0.5],\"end\":[1,0.5],\"inside\":[0.5,1]},\"band\":0.02,"
             "\"confirm\":2,\"mode\":\"immediate\",\"anchor\":\"center\",\"min_score\":0.7,"
             "\"batch_interval_s\":5,\"heartbeat_interval_s\":60}");
}

ff_http_transport_t fake_service_transport(fake_service_t *service)
{
    ff_http_transport_t transport = {service, fake_send};
    return transport;
}

static int has_suffix_path(const char *url, const char *path)
{
    const char *found = strstr(url, path);
    return found != NULL;
}

static void store_events(fake_service_t *service, const char *body, size_t *accepted,
                         size_t *duplicates)
{
    const char *cursor = body;
    while ((cursor = strstr(cursor, "\"seq\":")) != NULL) {
        int64_t seq = strtoll(cursor + 6, NULL, 10);
        const char *time_field = strstr(cursor, "\"time\":");
        double seconds = time_field ? strtod(time_field + 7, NULL) : 0.0;
        cursor += 6;

        int known = 0;
        for (size_t i = 0; i < service->stored_count; i++) {
            known |= service->stored_seq[i] == seq;
        }
        if (known) {
            (*duplicates)++;
            continue;
        }
        if (service->stored_count < 256) {
            service->stored_seq[service->stored_count] = seq;
            service->stored_time_ms[service->stored_count] = (int64_t)llround(seconds * 1000.0);
            service->stored_count++;
        }
        (*accepted)++;
    }
}

void fake_service_handle(fake_service_t *service, const recorded_request_t *request,
                         int32_t *status, char *body, size_t body_capacity, char *etag,
                         size_t etag_capacity)
{
    if (has_suffix_path(request->url, "/api/v1/events")) {
        if (service->events_status != 0 && service->events_status != 200) {
            *status = service->events_status;
            snprintf(body, body_capacity, "{\"title\":\"rejected by the test\"}");
            return;
        }
        size_t accepted = 0;
        size_t duplicates = 0;
        store_events(service, request->body, &accepted, &duplicates);
        int64_t last = -1;
        for (size_t i = 0; i < service->stored_count; i++) {
            if (service->stored_seq[i] > last) {
                last = service->stored_seq[i];
            }
        }
        *status = 200;
        if (last < 0) {
            snprintf(body, body_capacity,
                     "{\"accepted\":%zu,\"duplicates\":%zu,\"rejected\":[],\"last_seq\":null}",
                     accepted, duplicates);
        } else {
            snprintf(body, body_capacity,
                     "{\"accepted\":%zu,\"duplicates\":%zu,\"rejected\":[],\"last_seq\":%lld}",
                     accepted, duplicates, (long long)last);
        }
        return;
    }
    if (has_suffix_path(request->url, "/api/v1/devices/me/status")) {
        service->heartbeats++;
        snprintf(service->last_heartbeat, sizeof service->last_heartbeat, "%s", request->body);
        *status = 200;
        snprintf(body, body_capacity, "{\"ok\":true}");
        return;
    }
    if (has_suffix_path(request->url, "/api/v1/devices/me/config")) {
        snprintf(etag, etag_capacity, "%s", service->config_etag);
        if (strcmp(request->if_none_match, service->config_etag) == 0) {
            *status = 304;
            return;
        }
        *status = 200;
        snprintf(body, body_capacity, "%s", service->config_body);
        return;
    }
    if (has_suffix_path(request->url, "/movements/")) {
        size_t stored = 0;
        for (const char *c = strstr(request->body, "\"time\":"); c != NULL;
             c = strstr(c + 1, "\"time\":")) {
            stored++;
        }
        *status = 200;
        snprintf(body, body_capacity, "{\"stored\":%zu,\"rejected\":0}", stored);
        return;
    }
    *status = 404;
    snprintf(body, body_capacity, "{\"title\":\"not found\"}");
}

uint32_t test_rng(void *ctx)
{
    uint32_t *state = ctx;
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

static ff_err_t fake_camera_reinit(void *ctx)
{
    fake_camera_t *camera = ctx;
    camera->reinits++;
    return FF_OK;
}

ff_camera_ops_t fake_camera_ops(fake_camera_t *camera)
{
    ff_camera_ops_t ops = {camera, fake_camera_reinit};
    return ops;
}
