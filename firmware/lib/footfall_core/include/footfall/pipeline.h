/*
 * Device pipeline: camera supervision, counting, clock and event queue for one camera.
 * The glue's camera task calls ff_pipeline_on_frame for every capture attempt.
 *
 *     static ff_pipeline_t pipeline;
 *     ff_pipeline_init(&pipeline, &settings, &queue, &camera_ops);
 *     for (;;) {
 *         camera_fb_t *frame = esp_camera_fb_get();
 *         int64_t now = esp_timer_get_time() / 1000;
 *         n = frame ? run_detector(frame, boxes) : 0;
 *         ff_pipeline_on_frame(&pipeline, now, frame != NULL, boxes, n, &events);
 *         if (ff_pipeline_take_state_change(&pipeline)) ff_uplink_request_heartbeat(&uplink);
 *     }
 *
 * No frame is counted while the camera is starting or in fault; tracks are dropped
 * without counting when the camera leaves the ok state, so no event comes from a period
 * the camera did not watch.
 */
#ifndef FOOTFALL_PIPELINE_H
#define FOOTFALL_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/camera.h"
#include "footfall/clock.h"
#include "footfall/counting.h"
#include "footfall/error.h"
#include "footfall/hal.h"
#include "footfall/queue.h"
#include "footfall/uplink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    ff_counting_t counting;
    ff_camera_supervisor_t camera;
    ff_camera_ops_t camera_ops;
    ff_clock_t clock;
    ff_queue_t *queue;
    ff_crossing_t crossings[FF_COUNTER_MAX_CROSSINGS];
    int32_t state_changed;

    /* frame rate over the last second of captures */
    int64_t fps_window_start_ms;
    uint32_t fps_window_frames;
    float fps;
} ff_pipeline_t;

/* Returns sizeof(ff_pipeline_t) for hosts that allocate it (ctypes). */
size_t ff_pipeline_sizeof(void);

/*
 * Prepares the pipeline with validated settings (ff_settings_validate), the queue the
 * events go to, and the camera control (camera_ops may be NULL: no re-initialisation).
 */
ff_err_t ff_pipeline_init(ff_pipeline_t *pipeline, const ff_settings_t *settings,
                          ff_queue_t *queue, const ff_camera_ops_t *camera_ops);

/*
 * Handles one capture attempt at uptime_ms: valid is 1 when a frame arrived, and then
 * detections are the detector's boxes for it. Pushes the crossings to the queue and writes
 * their number to event_count (may be NULL).
 */
ff_err_t ff_pipeline_on_frame(ff_pipeline_t *pipeline, int64_t uptime_ms, int32_t valid,
                              const ff_detection_t *detections, size_t count,
                              size_t *event_count);

/* Sets the wall clock (each SNTP sync) and stamps the events waiting for it. */
ff_err_t ff_pipeline_set_clock(ff_pipeline_t *pipeline, int64_t uptime_ms, int64_t epoch_ms);

/* Applies new validated settings without a reboot. */
ff_err_t ff_pipeline_apply_settings(ff_pipeline_t *pipeline, const ff_settings_t *settings);

/* Returns 1 once after each camera state change (the heartbeat should go out now). */
int ff_pipeline_take_state_change(ff_pipeline_t *pipeline);

/* Fills the heartbeat facts the pipeline knows (fps, camera state); others are kept. */
void ff_pipeline_fill_status(const ff_pipeline_t *pipeline, ff_device_status_t *status);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_PIPELINE_H */
