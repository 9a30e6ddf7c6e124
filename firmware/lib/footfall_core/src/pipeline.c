#include "footfall/pipeline.h"

#include <string.h>

#include "footfall/log.h"

static const char *TAG = "ff_pipeline";

/* Window over which the frame rate is measured. */
#define FPS_WINDOW_MS 1000

size_t ff_pipeline_sizeof(void)
{
    return sizeof(ff_pipeline_t);
}

ff_err_t ff_pipeline_init(ff_pipeline_t *pipeline, const ff_settings_t *settings,
                          ff_queue_t *queue, const ff_camera_ops_t *camera_ops)
{
    if (pipeline == NULL || settings == NULL || queue == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    memset(pipeline, 0, sizeof *pipeline);
    char reason[160];
    if (ff_settings_validate(settings, reason, sizeof reason) != FF_OK) {
        FF_LOGE(TAG, "settings rejected: %s", reason);
        return FF_ERR_INVALID_SETTINGS;
    }
    ff_err_t err = ff_counting_init(&pipeline->counting, settings);
    if (err != FF_OK) {
        return err;
    }
    ff_camera_supervisor_init(&pipeline->camera);
    ff_clock_init(&pipeline->clock);
    pipeline->queue = queue;
    if (camera_ops != NULL) {
        pipeline->camera_ops = *camera_ops;
    }
    return FF_OK;
}

static void measure_fps(ff_pipeline_t *pipeline, int64_t uptime_ms)
{
    if (pipeline->fps_window_frames == 0) {
        pipeline->fps_window_start_ms = uptime_ms;
    }
    pipeline->fps_window_frames++;
    int64_t elapsed = uptime_ms - pipeline->fps_window_start_ms;
    if (elapsed >= FPS_WINDOW_MS) {
        pipeline->fps = (float)(pipeline->fps_window_frames - 1u) * 1000.0f / (float)elapsed;
        pipeline->fps_window_frames = 1;
        pipeline->fps_window_start_ms = uptime_ms;
    }
}

static void reinit_camera(ff_pipeline_t *pipeline)
{
    if (pipeline->camera_ops.reinit == NULL) {
        return;
    }
    FF_LOGW(TAG, "camera in fault after %u failed captures in a row; re-initialising it",
            (unsigned)pipeline->camera.failed_in_row);
    ff_err_t err = pipeline->camera_ops.reinit(pipeline->camera_ops.ctx);
    if (err != FF_OK) {
        FF_LOGE(TAG, "camera re-initialisation failed (%s); retrying after more failures",
                ff_err_name(err));
    }
}

ff_err_t ff_pipeline_on_frame(ff_pipeline_t *pipeline, int64_t uptime_ms, int32_t valid,
                              const ff_detection_t *detections, size_t count,
                              size_t *event_count)
{
    if (pipeline == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    if (event_count != NULL) {
        *event_count = 0;
    }

    ff_camera_verdict_t verdict = ff_camera_supervisor_on_capture(&pipeline->camera, valid);
    if (verdict.state_changed) {
        pipeline->state_changed = 1;
        FF_LOGI(TAG, "camera state: %s", ff_camera_state_name(pipeline->camera.state));
    }
    if (verdict.reset_tracks) {
        ff_counting_reset(&pipeline->counting);
    }
    if (verdict.reinit) {
        reinit_camera(pipeline);
    }
    if (valid) {
        measure_fps(pipeline, uptime_ms);
    }
    if (!verdict.count) {
        return FF_OK;
    }

    size_t n_crossings = 0;
    ff_err_t err = ff_counting_process(&pipeline->counting, detections, count, uptime_ms,
                                       pipeline->crossings, FF_COUNTER_MAX_CROSSINGS,
                                       &n_crossings);
    if (err != FF_OK) {
        FF_LOGE(TAG, "counting failed on a frame of %u detections (%s)", (unsigned)count,
                ff_err_name(err));
    }

    /* An event failing to persist stays queued in RAM, so it is still reported. */
    for (size_t i = 0; i < n_crossings; i++) {
        ff_err_t push_err = ff_queue_push(pipeline->queue, pipeline->crossings[i].direction,
                                          pipeline->crossings[i].time_ms, &pipeline->clock, NULL);
        if (push_err != FF_OK && err == FF_OK) {
            err = push_err;
        }
    }
    if (event_count != NULL) {
        *event_count = n_crossings;
    }
    return err;
}

ff_err_t ff_pipeline_set_clock(ff_pipeline_t *pipeline, int64_t uptime_ms, int64_t epoch_ms)
{
    if (pipeline == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    ff_clock_set(&pipeline->clock, uptime_ms, epoch_ms);
    return ff_queue_stamp(pipeline->queue, &pipeline->clock);
}

ff_err_t ff_pipeline_apply_settings(ff_pipeline_t *pipeline, const ff_settings_t *settings)
{
    if (pipeline == NULL || settings == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    char reason[160];
    if (ff_settings_validate(settings, reason, sizeof reason) != FF_OK) {
        FF_LOGE(TAG, "settings rejected: %s", reason);
        return FF_ERR_INVALID_SETTINGS;
    }
    return ff_counting_apply_settings(&pipeline->counting, settings);
}

int ff_pipeline_take_state_change(ff_pipeline_t *pipeline)
{
    int changed = pipeline->state_changed;
    pipeline->state_changed = 0;
    return changed;
}

void ff_pipeline_fill_status(const ff_pipeline_t *pipeline, ff_device_status_t *status)
{
    status->fps = pipeline->fps;
    status->camera = pipeline->camera.state;
}
