/*
 * Line counter: turns tracks' anchor points into entries and exits.
 *
 *     static ff_counter_t counter;
 *     ff_counter_init(&counter, &settings);
 *     ff_crossing_t crossings[FF_COUNTER_MAX_CROSSINGS];
 *     size_t n_crossings = 0;
 *     ff_counter_update(&counter, frame, seen, n_seen, crossings, FF_COUNTER_MAX_CROSSINGS,
 *                       &n_crossings);
 *
 * A point has a side when its distance from the line exceeds the band. Immediate mode
 * counts when a track seen on one side is then seen `confirm` times on the other side
 * (in-band points ignored); the track counts again only after a confirmed crossing back.
 * Deferred mode counts once, when the track ends, if its first and last confirmed sides
 * differ. A track id seen for the first time within FF_LINK_DISTANCE and FF_LINK_FRAMES of
 * where a recently lost track was last seen continues that track's state, so an identity
 * switch of the tracker neither adds nor loses a count.
 */
#ifndef FOOTFALL_COUNTER_H
#define FOOTFALL_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/config.h"
#include "footfall/error.h"
#include "footfall/geometry.h"
#include "footfall/settings.h"
#include "footfall/tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FF_DIRECTION_ENTRY = 0, /* outside to inside */
    FF_DIRECTION_EXIT = 1   /* inside to outside */
} ff_direction_t;

/*
 * Crossings one update can produce from tracker output: one per observation at most, plus
 * one per track ended by the update.
 */
#define FF_COUNTER_MAX_CROSSINGS (FF_TRACKER_MAX_OBSERVATIONS + FF_COUNTER_CAPACITY)

/* One counted crossing. */
typedef struct {
    uint32_t track_id;  /* id of the track when the crossing was counted */
    int32_t direction;  /* ff_direction_t */
    int64_t time_ms;    /* time of the first observation on the new side */
} ff_crossing_t;

/* State of one followed track (an identity chain after linking). */
typedef struct {
    uint32_t id;          /* 0 for a free slot */
    uint32_t last_frame;  /* frame of the last observation */
    float last_x, last_y;
    int32_t first_side;   /* first confirmed side, 0 while unknown */
    int32_t side;         /* current confirmed side, 0 while unknown */
    int32_t pending_side; /* side being confirmed, 0 when none */
    int32_t pending_count;
    int64_t pending_since_ms;
    int64_t side_since_ms; /* time the current side was first observed */
} ff_counter_track_t;

typedef struct {
    ff_line_t line;
    float band;
    int32_t confirm;
    int32_t mode; /* ff_mode_t */
    uint32_t frame;
    ff_counter_track_t tracks[FF_COUNTER_CAPACITY];
    uint32_t links;          /* identity switches linked */
    uint32_t overflow;       /* observations dropped for lack of a free slot */
    uint32_t lost_crossings; /* crossings that did not fit the caller's buffer */
} ff_counter_t;

/* Returns sizeof(ff_counter_t) for hosts that allocate it (ctypes). */
size_t ff_counter_sizeof(void);

/*
 * Prepares an empty counter. Checks only the geometry (ff_settings_check_geometry), so
 * coordinates may be in any unit; devices validate settings fully before.
 */
ff_err_t ff_counter_init(ff_counter_t *counter, const ff_settings_t *settings);

/*
 * Processes the observations of frame `frame` (observations may carry earlier frames,
 * oldest first) and then ends tracks not observed for more than
 * FF_LINK_FRAMES + FF_TRACK_CONFIRM_HITS frames. Writes the crossings counted.
 * Frames must not go backwards. A capacity of count + FF_COUNTER_CAPACITY always
 * suffices (FF_COUNTER_MAX_CROSSINGS for tracker output); with less, the state stays
 * consistent but the crossings that did not fit are counted in lost_crossings and
 * FF_ERR_BUFFER_TOO_SMALL is returned.
 */
ff_err_t ff_counter_update(ff_counter_t *counter, uint32_t frame,
                           const ff_observation_t *observations, size_t count,
                           ff_crossing_t *crossings, size_t capacity, size_t *crossing_count);

/* Ends every track, writing the deferred-mode crossings (end of a replay). */
ff_err_t ff_counter_flush(ff_counter_t *counter, ff_crossing_t *crossings, size_t capacity,
                          size_t *crossing_count);

/* Forgets every track without counting (camera fault, new settings). */
void ff_counter_reset(ff_counter_t *counter);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_COUNTER_H */
