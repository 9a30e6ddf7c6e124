/*
 * Multi-object tracker: turns the detector's boxes, frame by frame, into tracks.
 *
 *     static ff_tracker_t tracker;
 *     ff_tracker_init(&tracker, settings.min_score, settings.anchor);
 *     ff_observation_t seen[FF_TRACKER_MAX_OBSERVATIONS];
 *     size_t n_seen = 0;
 *     ff_tracker_update(&tracker, boxes, n_boxes, capture_ms, seen, FF_TRACKER_MAX_OBSERVATIONS,
 *                       &n_seen);
 *     // pass seen[0..n_seen) to ff_counter_update()
 *
 * Detections are associated greedily, cheapest pair first. The cost of a pair is 1 - IoU of
 * the detection and the track's box moved to its constant-velocity prediction, plus the
 * distance between their centres divided by the mean box height. That distance must stay
 * below FF_TRACK_GATE. A track is confirmed after FF_TRACK_CONFIRM_HITS hits and ends
 * after FF_TRACK_MAX_MISSED frames without a hit.
 * Only confirmed tracks produce observations, so an unconfirmed track never counts; when a
 * track is confirmed, its earlier hits are reported too, oldest first, so the counter
 * receives the whole path. Identity switches are linked by the line counter, not here.
 */
#ifndef FOOTFALL_TRACKER_H
#define FOOTFALL_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/config.h"
#include "footfall/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One detector box, normalised to the frame: left, top, width, height, and its score. */
typedef struct {
    float x;
    float y;
    float w;
    float h;
    float score;
} ff_detection_t;

/* The anchor point of one track in one frame: the line counter's input. */
typedef struct {
    uint32_t track_id; /* never 0 */
    uint32_t frame;    /* frame index of the observation */
    int64_t time_ms;   /* capture time of that frame (uptime or epoch milliseconds) */
    float x;
    float y;
} ff_observation_t;

/* Observations one update can produce: every track with its pre-confirmation hits. */
#define FF_TRACKER_MAX_OBSERVATIONS (FF_TRACKER_CAPACITY * FF_TRACK_CONFIRM_HITS)

/* A hit remembered before confirmation, reported once the track is confirmed. */
typedef struct {
    uint32_t frame;
    int64_t time_ms;
    float x;
    float y;
} ff_track_hit_t;

typedef struct {
    uint32_t id;      /* 0 for a free slot */
    float cx, cy;     /* box centre at the last hit */
    float w, h;       /* box size at the last hit */
    float vx, vy;     /* smoothed centre velocity per frame */
    uint32_t hits;
    uint32_t missed;  /* frames since the last hit */
    uint32_t last_frame;
    int32_t confirmed;
    ff_track_hit_t early[FF_TRACK_CONFIRM_HITS];
} ff_track_t;

typedef struct {
    ff_track_t tracks[FF_TRACKER_CAPACITY];
    uint32_t next_id;
    uint32_t frame; /* index of the next frame */
    float min_score;
    int32_t anchor; /* ff_anchor_t */
    uint32_t overflow; /* detections that found no free track slot */
} ff_tracker_t;

/* Returns sizeof(ff_tracker_t) for hosts that allocate it (ctypes). */
size_t ff_tracker_sizeof(void);

/* Clears all tracks and sets the score threshold and the anchor (ff_anchor_t). */
ff_err_t ff_tracker_init(ff_tracker_t *tracker, float min_score, int32_t anchor);

/* Changes the score threshold and anchor without dropping tracks. */
ff_err_t ff_tracker_configure(ff_tracker_t *tracker, float min_score, int32_t anchor);

/*
 * Processes one frame's detections (at most FF_MAX_DETECTIONS, the best-scoring kept)
 * captured at time_ms, and writes the anchor points of confirmed tracks that were hit in
 * this frame. Returns FF_ERR_BUFFER_TOO_SMALL if capacity is below the observations to
 * write (use FF_TRACKER_MAX_OBSERVATIONS).
 */
ff_err_t ff_tracker_update(ff_tracker_t *tracker, const ff_detection_t *detections,
                           size_t count, int64_t time_ms, ff_observation_t *observations,
                           size_t capacity, size_t *observation_count);

/* Ends every track without output (used after a camera fault). */
void ff_tracker_reset(ff_tracker_t *tracker);

/* Returns the number of confirmed tracks alive. */
size_t ff_tracker_confirmed_count(const ff_tracker_t *tracker);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_TRACKER_H */
