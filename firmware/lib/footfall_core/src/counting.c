#include "footfall/counting.h"

#include <string.h>

#include "footfall/log.h"

static const char *TAG = "ff_counting";

size_t ff_counting_sizeof(void)
{
    return sizeof(ff_counting_t);
}

ff_err_t ff_counting_init(ff_counting_t *counting, const ff_settings_t *settings)
{
    if (counting == NULL || settings == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    memset(counting, 0, sizeof *counting);
    ff_err_t err = ff_counter_init(&counting->counter, settings);
    if (err != FF_OK) {
        return err;
    }
    err = ff_tracker_init(&counting->tracker, settings->min_score, settings->anchor);
    if (err != FF_OK) {
        return err;
    }
    counting->settings = *settings;
    return FF_OK;
}

ff_err_t ff_counting_apply_settings(ff_counting_t *counting, const ff_settings_t *settings)
{
    if (counting == NULL || settings == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    const ff_settings_t *old = &counting->settings;
    int same_geometry = old->line_start.x == settings->line_start.x &&
                        old->line_start.y == settings->line_start.y &&
                        old->line_end.x == settings->line_end.x &&
                        old->line_end.y == settings->line_end.y &&
                        old->inside.x == settings->inside.x &&
                        old->inside.y == settings->inside.y && old->band == settings->band &&
                        old->mode == settings->mode && old->anchor == settings->anchor;

    /* Sides measured against an old line or anchor mean nothing against a new one. */
    ff_counter_t fresh;
    ff_err_t err = ff_counter_init(&fresh, settings);
    if (err != FF_OK) {
        return err;
    }
    if (same_geometry) {
        counting->counter.confirm = settings->confirm;
    } else {
        FF_LOGI(TAG, "new line settings: dropping %u tracks without counting them",
                (unsigned)ff_tracker_confirmed_count(&counting->tracker));
        fresh.frame = counting->counter.frame;
        counting->counter = fresh;
        ff_tracker_reset(&counting->tracker);
    }
    ff_tracker_configure(&counting->tracker, settings->min_score, settings->anchor);
    counting->settings = *settings;
    return FF_OK;
}

static void add_totals(ff_counting_t *counting, const ff_crossing_t *crossings, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (crossings[i].direction == FF_DIRECTION_ENTRY) {
            counting->entries++;
        } else {
            counting->exits++;
        }
    }
}

ff_err_t ff_counting_process(ff_counting_t *counting, const ff_detection_t *detections,
                             size_t count, int64_t time_ms, ff_crossing_t *crossings,
                             size_t capacity, size_t *crossing_count)
{
    if (counting == NULL || crossing_count == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    *crossing_count = 0;
    size_t n_observations = 0;
    ff_err_t err = ff_tracker_update(&counting->tracker, detections, count, time_ms,
                                     counting->observations, FF_TRACKER_MAX_OBSERVATIONS,
                                     &n_observations);
    if (err != FF_OK) {
        return err;
    }

    uint32_t frame = counting->tracker.frame - 1u;
    err = ff_counter_update(&counting->counter, frame, counting->observations, n_observations,
                            crossings, capacity, crossing_count);
    add_totals(counting, crossings, *crossing_count);
    return err;
}

ff_err_t ff_counting_process_tracks(ff_counting_t *counting,
                                    const ff_observation_t *observations, size_t count,
                                    ff_crossing_t *crossings, size_t capacity,
                                    size_t *crossing_count)
{
    if (counting == NULL || crossing_count == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    uint32_t frame = counting->counter.frame;
    for (size_t i = 0; i < count; i++) {
        if (observations[i].frame > frame) {
            frame = observations[i].frame;
        }
    }
    ff_err_t err = ff_counter_update(&counting->counter, frame, observations, count, crossings,
                                     capacity, crossing_count);
    add_totals(counting, crossings, *crossing_count);
    return err;
}

ff_err_t ff_counting_finish(ff_counting_t *counting, ff_crossing_t *crossings, size_t capacity,
                            size_t *crossing_count)
{
    if (counting == NULL || crossing_count == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    ff_err_t err = ff_counter_flush(&counting->counter, crossings, capacity, crossing_count);
    add_totals(counting, crossings, *crossing_count);
    ff_tracker_reset(&counting->tracker);
    return err;
}

void ff_counting_reset(ff_counting_t *counting)
{
    ff_tracker_reset(&counting->tracker);
    ff_counter_reset(&counting->counter);
}
