#include "footfall/clock.h"

#include <stddef.h>

void ff_clock_init(ff_clock_t *clock)
{
    clock->known = 0;
    clock->offset_ms = 0;
}

void ff_clock_set(ff_clock_t *clock, int64_t uptime_ms, int64_t epoch_ms)
{
    clock->offset_ms = epoch_ms - uptime_ms;
    clock->known = 1;
}

int ff_clock_is_set(const ff_clock_t *clock)
{
    return clock != NULL && clock->known;
}

ff_err_t ff_clock_to_epoch(const ff_clock_t *clock, int64_t uptime_ms, int64_t *epoch_ms)
{
    if (clock == NULL || epoch_ms == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    if (!clock->known) {
        return FF_ERR_NOT_READY;
    }
    *epoch_ms = uptime_ms + clock->offset_ms;
    return FF_OK;
}
