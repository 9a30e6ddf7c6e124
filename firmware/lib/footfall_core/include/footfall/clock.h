/*
 * Wall clock: maps uptime milliseconds to epoch milliseconds once SNTP has set the time.
 *
 *     ff_clock_t clock;
 *     ff_clock_init(&clock);
 *     // in the SNTP sync callback:
 *     ff_clock_set(&clock, esp_timer_get_time() / 1000, tv.tv_sec * 1000LL + tv.tv_usec / 1000);
 *
 * Events are recorded with their uptime; they are stamped with epoch time once the clock
 * is known, so events seen before the first sync get their real time too.
 */
#ifndef FOOTFALL_CLOCK_H
#define FOOTFALL_CLOCK_H

#include <stdint.h>

#include "footfall/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t known;     /* 1 once set */
    int64_t offset_ms; /* epoch_ms - uptime_ms */
} ff_clock_t;

void ff_clock_init(ff_clock_t *clock);

/* Records that epoch_ms was the wall time at uptime_ms (each SNTP sync). */
void ff_clock_set(ff_clock_t *clock, int64_t uptime_ms, int64_t epoch_ms);

/* Returns 1 once the clock has been set. */
int ff_clock_is_set(const ff_clock_t *clock);

/* Converts an uptime to epoch milliseconds; FF_ERR_NOT_READY before the first set. */
ff_err_t ff_clock_to_epoch(const ff_clock_t *clock, int64_t uptime_ms, int64_t *epoch_ms);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_CLOCK_H */
