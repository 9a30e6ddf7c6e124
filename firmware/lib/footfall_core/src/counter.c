#include "footfall/counter.h"

#include <string.h>

#include "footfall/log.h"

static const char *TAG = "ff_counter";

/* Frames a lost track is kept: the link window plus the frames a new track needs to confirm. */
#define KEEP_LOST_FRAMES ((uint32_t)FF_LINK_FRAMES + (uint32_t)FF_TRACK_CONFIRM_HITS)

/* Output cursor that counts what does not fit instead of writing past the buffer. */
typedef struct {
    ff_crossing_t *items;
    size_t capacity;
    size_t count;
    uint32_t lost;
} crossing_out_t;

size_t ff_counter_sizeof(void)
{
    return sizeof(ff_counter_t);
}

ff_err_t ff_counter_init(ff_counter_t *counter, const ff_settings_t *settings)
{
    if (counter == NULL || settings == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    char reason[160];
    if (ff_settings_check_geometry(settings, reason, sizeof reason) != FF_OK) {
        FF_LOGE(TAG, "line counter settings rejected: %s", reason);
        return FF_ERR_INVALID_SETTINGS;
    }

    memset(counter, 0, sizeof *counter);
    ff_line_init(&counter->line, settings->line_start, settings->line_end, settings->inside);
    counter->band = settings->band;
    counter->confirm = settings->confirm;
    counter->mode = settings->mode;
    return FF_OK;
}

void ff_counter_reset(ff_counter_t *counter)
{
    memset(counter->tracks, 0, sizeof counter->tracks);
}

static void emit(crossing_out_t *out, uint32_t track_id, int32_t side, int64_t time_ms)
{
    if (out->count >= out->capacity) {
        out->lost++;
        return;
    }
    ff_crossing_t *crossing = &out->items[out->count++];
    crossing->track_id = track_id;
    crossing->direction = side == FF_SIDE_INSIDE ? FF_DIRECTION_ENTRY : FF_DIRECTION_EXIT;
    crossing->time_ms = time_ms;
}

/* Applies one observation to a track's side state, counting in immediate mode. */
static void observe(ff_counter_t *counter, ff_counter_track_t *track,
                    const ff_observation_t *observation, crossing_out_t *out)
{
    ff_point_t point = {observation->x, observation->y};
    int32_t side = (int32_t)ff_line_side(&counter->line, counter->band, point);

    track->last_frame = observation->frame;
    track->last_x = observation->x;
    track->last_y = observation->y;

    /* In the band (or past the segment's ends) a point has no side and changes nothing. */
    if (side == FF_SIDE_NONE) {
        return;
    }
    if (track->side == FF_SIDE_NONE) {
        track->side = side;
        track->first_side = side;
        track->side_since_ms = observation->time_ms;
        return;
    }
    if (side == track->side) {
        track->pending_side = FF_SIDE_NONE;
        track->pending_count = 0;
        return;
    }

    if (track->pending_side != side) {
        track->pending_side = side;
        track->pending_count = 0;
        track->pending_since_ms = observation->time_ms;
    }
    track->pending_count++;
    if (track->pending_count < counter->confirm) {
        return;
    }

    track->side = side;
    track->side_since_ms = track->pending_since_ms;
    track->pending_side = FF_SIDE_NONE;
    track->pending_count = 0;
    if (counter->mode == FF_MODE_IMMEDIATE) {
        emit(out, track->id, side, track->side_since_ms);
    }
}

/* Ends a track: in deferred mode it counts once if its first and last sides differ. */
static void finish(ff_counter_t *counter, ff_counter_track_t *track, crossing_out_t *out)
{
    if (counter->mode == FF_MODE_DEFERRED && track->first_side != FF_SIDE_NONE &&
        track->side != FF_SIDE_NONE && track->first_side != track->side) {
        emit(out, track->id, track->side, track->side_since_ms);
    }
    memset(track, 0, sizeof *track);
}

static ff_counter_track_t *find(ff_counter_t *counter, uint32_t id)
{
    for (size_t i = 0; i < FF_COUNTER_CAPACITY; i++) {
        if (counter->tracks[i].id == id) {
            return &counter->tracks[i];
        }
    }
    return NULL;
}

/*
 * Finds the lost track a new track continues: not observed in this update, last seen
 * 1 to FF_LINK_FRAMES frames before the new track's first observation, within
 * FF_LINK_DISTANCE; the nearest wins.
 */
static ff_counter_track_t *find_link(ff_counter_t *counter, const ff_observation_t *first,
                                     const uint8_t *updated)
{
    ff_counter_track_t *best = NULL;
    float best_distance_sq = FF_LINK_DISTANCE * FF_LINK_DISTANCE;
    for (size_t i = 0; i < FF_COUNTER_CAPACITY; i++) {
        ff_counter_track_t *track = &counter->tracks[i];
        if (track->id == 0 || updated[i] || track->last_frame >= first->frame ||
            first->frame - track->last_frame > (uint32_t)FF_LINK_FRAMES) {
            continue;
        }
        float dx = first->x - track->last_x;
        float dy = first->y - track->last_y;
        float distance_sq = dx * dx + dy * dy;
        if (distance_sq <= best_distance_sq) {
            best_distance_sq = distance_sq;
            best = track;
        }
    }
    return best;
}

/* Returns a free slot, ending the longest-lost track when all are taken. */
static ff_counter_track_t *claim_slot(ff_counter_t *counter, const uint8_t *updated,
                                      crossing_out_t *out)
{
    ff_counter_track_t *oldest = NULL;
    for (size_t i = 0; i < FF_COUNTER_CAPACITY; i++) {
        ff_counter_track_t *track = &counter->tracks[i];
        if (track->id == 0) {
            return track;
        }
        if (!updated[i] && (oldest == NULL || track->last_frame < oldest->last_frame)) {
            oldest = track;
        }
    }
    if (oldest != NULL && oldest->last_frame < counter->frame) {
        finish(counter, oldest, out);
        return oldest;
    }
    return NULL;
}

/* Marks in `updated`: a slot observed in this update, known before it or new. */
#define UPDATED_KNOWN 1
#define UPDATED_NEW 2

static void observe_new(ff_counter_t *counter, const ff_observation_t *observation,
                        uint8_t *updated, crossing_out_t *out)
{
    ff_counter_track_t *track = find_link(counter, observation, updated);
    if (track != NULL) {
        FF_LOGD(TAG, "track %u continues track %u (identity switch)",
                (unsigned)observation->track_id, (unsigned)track->id);
        track->id = observation->track_id;
        counter->links++;
    } else {
        track = claim_slot(counter, updated, out);
        if (track == NULL) {
            /* Logged at the 1st, 2nd, 4th, 8th ... overflow so a crowd cannot flood the log. */
            counter->overflow++;
            if ((counter->overflow & (counter->overflow - 1u)) == 0u) {
                FF_LOGW(TAG, "no free slot for track %u (capacity %d, %u overflows); raise "
                             "FF_COUNTER_CAPACITY",
                        (unsigned)observation->track_id, FF_COUNTER_CAPACITY,
                        (unsigned)counter->overflow);
            }
            return;
        }
        memset(track, 0, sizeof *track);
        track->id = observation->track_id;
    }
    updated[track - counter->tracks] = UPDATED_NEW;
    observe(counter, track, observation, out);
}

static void process(ff_counter_t *counter, const ff_observation_t *observations, size_t count,
                    crossing_out_t *out)
{
    uint8_t updated[FF_COUNTER_CAPACITY] = {0};

    /*
     * Known tracks go first, so a track observed in this frame is never mistaken for a lost
     * one that a new track could continue.
     */
    for (size_t i = 0; i < count; i++) {
        if (observations[i].track_id == 0) {
            continue; /* 0 marks a free slot, never a track */
        }
        ff_counter_track_t *track = find(counter, observations[i].track_id);
        if (track != NULL) {
            updated[track - counter->tracks] = UPDATED_KNOWN;
            observe(counter, track, &observations[i], out);
        }
    }

    /* Then the tracks seen for the first time, each linked to a lost track or given a slot. */
    for (size_t i = 0; i < count; i++) {
        const ff_observation_t *observation = &observations[i];
        if (observation->track_id == 0) {
            continue;
        }
        ff_counter_track_t *track = find(counter, observation->track_id);
        if (track == NULL) {
            observe_new(counter, observation, updated, out);
        } else if (updated[track - counter->tracks] == UPDATED_NEW) {
            observe(counter, track, observation, out);
        }
    }
}

ff_err_t ff_counter_update(ff_counter_t *counter, uint32_t frame,
                           const ff_observation_t *observations, size_t count,
                           ff_crossing_t *crossings, size_t capacity, size_t *crossing_count)
{
    if (counter == NULL || crossing_count == NULL || (observations == NULL && count > 0) ||
        (crossings == NULL && capacity > 0)) {
        return FF_ERR_INVALID_ARG;
    }
    crossing_out_t out = {crossings, capacity, 0, 0};
    if (frame > counter->frame) {
        counter->frame = frame;
    }

    process(counter, observations, count, &out);

    /* Tracks lost for longer than the link window can no longer be continued. */
    for (size_t i = 0; i < FF_COUNTER_CAPACITY; i++) {
        ff_counter_track_t *track = &counter->tracks[i];
        if (track->id != 0 && counter->frame - track->last_frame > KEEP_LOST_FRAMES) {
            finish(counter, track, &out);
        }
    }

    *crossing_count = out.count;
    counter->lost_crossings += out.lost;
    return out.lost > 0 ? FF_ERR_BUFFER_TOO_SMALL : FF_OK;
}

ff_err_t ff_counter_flush(ff_counter_t *counter, ff_crossing_t *crossings, size_t capacity,
                          size_t *crossing_count)
{
    if (counter == NULL || crossing_count == NULL || (crossings == NULL && capacity > 0)) {
        return FF_ERR_INVALID_ARG;
    }
    crossing_out_t out = {crossings, capacity, 0, 0};
    for (size_t i = 0; i < FF_COUNTER_CAPACITY; i++) {
        if (counter->tracks[i].id != 0) {
            finish(counter, &counter->tracks[i], &out);
        }
    }
    *crossing_count = out.count;
    counter->lost_crossings += out.lost;
    return out.lost > 0 ? FF_ERR_BUFFER_TOO_SMALL : FF_OK;
}
