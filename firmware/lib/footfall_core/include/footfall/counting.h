/*
 * Counting: the tracker and the line counter chained, from detector boxes to crossings.
 * This is what the host replay drives frame by frame.
 *
 *     static ff_counting_t counting;
 *     ff_counting_init(&counting, &settings);               // validated settings
 *     for each frame:
 *         ff_counting_process(&counting, boxes, n_boxes, capture_ms, crossings,
 *                             FF_COUNTER_MAX_CROSSINGS, &n_crossings);
 *     ff_counting_finish(&counting, crossings, FF_COUNTER_MAX_CROSSINGS, &n_crossings);
 */
#ifndef FOOTFALL_COUNTING_H
#define FOOTFALL_COUNTING_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/counter.h"
#include "footfall/error.h"
#include "footfall/settings.h"
#include "footfall/tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    ff_settings_t settings;
    ff_tracker_t tracker;
    ff_counter_t counter;
    ff_observation_t observations[FF_TRACKER_MAX_OBSERVATIONS];
    uint32_t entries; /* totals since init */
    uint32_t exits;
} ff_counting_t;

/* Returns sizeof(ff_counting_t) for hosts that allocate it (ctypes). */
size_t ff_counting_sizeof(void);

/*
 * Prepares counting with settings after ff_settings_check_geometry (the frame checks of
 * ff_settings_validate are left to the caller, so replays in metres work).
 */
ff_err_t ff_counting_init(ff_counting_t *counting, const ff_settings_t *settings);

/* Replaces the settings; tracks are kept when only score, intervals or confirm change. */
ff_err_t ff_counting_apply_settings(ff_counting_t *counting, const ff_settings_t *settings);

/* Processes one frame captured at time_ms and writes the crossings counted. */
ff_err_t ff_counting_process(ff_counting_t *counting, const ff_detection_t *detections,
                             size_t count, int64_t time_ms, ff_crossing_t *crossings,
                             size_t capacity, size_t *crossing_count);

/*
 * Processes one frame of tracks whose ids come from elsewhere (ground truth or another
 * tracker), skipping the tracker: each observation is (track id, anchor point).
 */
ff_err_t ff_counting_process_tracks(ff_counting_t *counting,
                                    const ff_observation_t *observations, size_t count,
                                    ff_crossing_t *crossings, size_t capacity,
                                    size_t *crossing_count);

/* Ends every track and writes the deferred-mode crossings that follow. */
ff_err_t ff_counting_finish(ff_counting_t *counting, ff_crossing_t *crossings,
                            size_t capacity, size_t *crossing_count);

/* Drops every track without counting. */
void ff_counting_reset(ff_counting_t *counting);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_COUNTING_H */
