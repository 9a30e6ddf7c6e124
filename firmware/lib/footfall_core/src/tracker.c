#include "footfall/tracker.h"

#include <math.h>
#include <string.h>

#include "footfall/log.h"
#include "footfall/settings.h"

static const char *TAG = "ff_tracker";

/* Weight of the newest displacement in the smoothed velocity. */
#define VELOCITY_GAIN 0.5f

/* Largest ratio between the heights of a track's box and a matched detection's box. */
#define MAX_HEIGHT_RATIO 2.0f

size_t ff_tracker_sizeof(void)
{
    return sizeof(ff_tracker_t);
}

ff_err_t ff_tracker_init(ff_tracker_t *tracker, float min_score, int32_t anchor)
{
    if (tracker == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    memset(tracker, 0, sizeof *tracker);
    tracker->next_id = 1;
    return ff_tracker_configure(tracker, min_score, anchor);
}

ff_err_t ff_tracker_configure(ff_tracker_t *tracker, float min_score, int32_t anchor)
{
    if (tracker == NULL ||
        (anchor != FF_ANCHOR_CENTER && anchor != FF_ANCHOR_BOTTOM_CENTER)) {
        return FF_ERR_INVALID_ARG;
    }
    tracker->min_score = min_score;
    tracker->anchor = anchor;
    return FF_OK;
}

void ff_tracker_reset(ff_tracker_t *tracker)
{
    memset(tracker->tracks, 0, sizeof tracker->tracks);
}

size_t ff_tracker_confirmed_count(const ff_tracker_t *tracker)
{
    size_t count = 0;
    for (size_t i = 0; i < FF_TRACKER_CAPACITY; i++) {
        if (tracker->tracks[i].id != 0 && tracker->tracks[i].confirmed) {
            count++;
        }
    }
    return count;
}

static int is_usable(const ff_detection_t *d, float min_score)
{
    return isfinite(d->x) && isfinite(d->y) && isfinite(d->w) && isfinite(d->h) &&
           d->w > 0.0f && d->h > 0.0f && d->score >= min_score;
}

/*
 * Keeps the indices of the best-scoring usable detections, at most FF_MAX_DETECTIONS,
 * in input order among equals.
 */
static size_t select_detections(const ff_tracker_t *tracker, const ff_detection_t *detections,
                                size_t count, uint16_t *selected)
{
    size_t n = 0;
    if (count > UINT16_MAX) {
        count = UINT16_MAX; /* indices are 16-bit; no detector returns that many boxes */
    }
    for (size_t i = 0; i < count; i++) {
        if (!is_usable(&detections[i], tracker->min_score)) {
            continue;
        }
        if (n < FF_MAX_DETECTIONS) {
            selected[n++] = (uint16_t)i;
            continue;
        }

        /* Full: replace the weakest kept detection when this one scores higher. */
        size_t weakest = 0;
        for (size_t k = 1; k < n; k++) {
            if (detections[selected[k]].score < detections[selected[weakest]].score) {
                weakest = k;
            }
        }
        if (detections[i].score > detections[selected[weakest]].score) {
            selected[weakest] = (uint16_t)i;
        }
    }
    return n;
}

/* Returns the intersection over union of two boxes given by left, top, width and height. */
static float box_iou(float ax, float ay, float aw, float ah, float bx, float by, float bw,
                     float bh)
{
    float overlap_w = fminf(ax + aw, bx + bw) - fmaxf(ax, bx);
    float overlap_h = fminf(ay + ah, by + bh) - fmaxf(ay, by);
    if (overlap_w <= 0.0f || overlap_h <= 0.0f) {
        return 0.0f;
    }
    float intersection = overlap_w * overlap_h;
    return intersection / (aw * ah + bw * bh - intersection);
}

/*
 * Returns the association cost of a track and a detection, or a negative value when the
 * pair is gated out. The track's box is moved to its constant-velocity prediction for this
 * frame. The cost is 1 - IoU of that box and the detection, plus the distance between their
 * centres in mean box heights. The IoU term separates people who stand close together,
 * where the centre distance alone lets a track jump to the neighbour's box. The distance
 * term orders detections that do not overlap the prediction at all.
 */
static float pair_cost(const ff_track_t *track, const ff_detection_t *d)
{
    float steps = (float)(track->missed + 1u);
    float predicted_x = track->cx + track->vx * steps;
    float predicted_y = track->cy + track->vy * steps;
    float dx = (d->x + 0.5f * d->w) - predicted_x;
    float dy = (d->y + 0.5f * d->h) - predicted_y;

    if (d->h > track->h * MAX_HEIGHT_RATIO || track->h > d->h * MAX_HEIGHT_RATIO) {
        return -1.0f;
    }
    float mean_height = 0.5f * (d->h + track->h);
    float distance = sqrtf(dx * dx + dy * dy) / mean_height;
    if (distance >= FF_TRACK_GATE) {
        return -1.0f;
    }

    float iou = box_iou(predicted_x - 0.5f * track->w, predicted_y - 0.5f * track->h, track->w,
                        track->h, d->x, d->y, d->w, d->h);
    return (1.0f - iou) + distance;
}

static ff_point_t anchor_of(const ff_tracker_t *tracker, const ff_detection_t *d)
{
    ff_point_t point = {d->x + 0.5f * d->w, d->y + 0.5f * d->h};
    if (tracker->anchor == FF_ANCHOR_BOTTOM_CENTER) {
        point.y = d->y + d->h;
    }
    return point;
}

static void update_track(ff_track_t *track, const ff_detection_t *d)
{
    float cx = d->x + 0.5f * d->w;
    float cy = d->y + 0.5f * d->h;
    float steps = (float)(track->missed + 1u);
    track->vx = (1.0f - VELOCITY_GAIN) * track->vx + VELOCITY_GAIN * (cx - track->cx) / steps;
    track->vy = (1.0f - VELOCITY_GAIN) * track->vy + VELOCITY_GAIN * (cy - track->cy) / steps;
    track->cx = cx;
    track->cy = cy;
    track->w = d->w;
    track->h = d->h;
    track->hits++;
    track->missed = 0;
}

static ff_err_t emit(ff_observation_t *observations, size_t capacity, size_t *n,
                     uint32_t id, uint32_t frame, int64_t time_ms, float x, float y)
{
    if (*n >= capacity) {
        return FF_ERR_BUFFER_TOO_SMALL;
    }
    ff_observation_t *o = &observations[*n];
    o->track_id = id;
    o->frame = frame;
    o->time_ms = time_ms;
    o->x = x;
    o->y = y;
    (*n)++;
    return FF_OK;
}

/* Writes the observations of a track hit in this frame, with its early hits on confirmation. */
static ff_err_t report_hit(ff_track_t *track, ff_point_t anchor, uint32_t frame, int64_t time_ms,
                           ff_observation_t *observations, size_t capacity, size_t *n)
{
    if (!track->confirmed && track->hits < FF_TRACK_CONFIRM_HITS) {
        ff_track_hit_t *early = &track->early[track->hits - 1u];
        early->frame = frame;
        early->time_ms = time_ms;
        early->x = anchor.x;
        early->y = anchor.y;
        return FF_OK;
    }

    ff_err_t err = FF_OK;
    if (!track->confirmed) {
        track->confirmed = 1;
        for (uint32_t i = 0; i + 1u < FF_TRACK_CONFIRM_HITS && err == FF_OK; i++) {
            const ff_track_hit_t *early = &track->early[i];
            err = emit(observations, capacity, n, track->id, early->frame, early->time_ms,
                       early->x, early->y);
        }
    }
    if (err == FF_OK) {
        err = emit(observations, capacity, n, track->id, frame, time_ms, anchor.x, anchor.y);
    }
    return err;
}

static ff_track_t *free_slot(ff_tracker_t *tracker)
{
    for (size_t i = 0; i < FF_TRACKER_CAPACITY; i++) {
        if (tracker->tracks[i].id == 0) {
            return &tracker->tracks[i];
        }
    }
    return NULL;
}

static void start_track(ff_tracker_t *tracker, ff_track_t *track, const ff_detection_t *d)
{
    memset(track, 0, sizeof *track);
    track->id = tracker->next_id;
    tracker->next_id = tracker->next_id == UINT32_MAX ? 1u : tracker->next_id + 1u;
    track->cx = d->x + 0.5f * d->w;
    track->cy = d->y + 0.5f * d->h;
    track->w = d->w;
    track->h = d->h;
    track->hits = 1;
}

ff_err_t ff_tracker_update(ff_tracker_t *tracker, const ff_detection_t *detections,
                           size_t count, int64_t time_ms, ff_observation_t *observations,
                           size_t capacity, size_t *observation_count)
{
    if (tracker == NULL || observation_count == NULL || (detections == NULL && count > 0) ||
        (observations == NULL && capacity > 0)) {
        return FF_ERR_INVALID_ARG;
    }
    *observation_count = 0;
    uint32_t frame = tracker->frame++;

    uint16_t selected[FF_MAX_DETECTIONS];
    size_t n_selected = select_detections(tracker, detections, count, selected);
    uint8_t detection_used[FF_MAX_DETECTIONS] = {0};
    uint8_t track_hit[FF_TRACKER_CAPACITY] = {0};

    /* Greedy association: take the globally cheapest remaining pair until none passes the gate. */
    for (;;) {
        float best_cost = -1.0f;
        size_t best_track = 0;
        size_t best_detection = 0;
        for (size_t t = 0; t < FF_TRACKER_CAPACITY; t++) {
            if (tracker->tracks[t].id == 0 || track_hit[t]) {
                continue;
            }
            for (size_t k = 0; k < n_selected; k++) {
                if (detection_used[k]) {
                    continue;
                }
                float cost = pair_cost(&tracker->tracks[t], &detections[selected[k]]);
                if (cost >= 0.0f && (best_cost < 0.0f || cost < best_cost)) {
                    best_cost = cost;
                    best_track = t;
                    best_detection = k;
                }
            }
        }
        if (best_cost < 0.0f) {
            break;
        }
        track_hit[best_track] = 1;
        detection_used[best_detection] = 1;

        ff_track_t *track = &tracker->tracks[best_track];
        const ff_detection_t *d = &detections[selected[best_detection]];
        update_track(track, d);
        track->last_frame = frame;
        ff_err_t err = report_hit(track, anchor_of(tracker, d), frame, time_ms, observations,
                                  capacity, observation_count);
        if (err != FF_OK) {
            return err;
        }
    }

    /* Tracks without a hit age; tentative ones end sooner, since they may be false boxes. */
    for (size_t t = 0; t < FF_TRACKER_CAPACITY; t++) {
        ff_track_t *track = &tracker->tracks[t];
        if (track->id == 0 || track_hit[t]) {
            continue;
        }
        track->missed++;
        if ((!track->confirmed && track->missed > FF_TRACK_TENTATIVE_MAX_MISSED) ||
            track->missed >= FF_TRACK_MAX_MISSED) {
            track->id = 0;
        }
    }

    /* Every detection left over starts a tentative track. */
    for (size_t k = 0; k < n_selected; k++) {
        if (detection_used[k]) {
            continue;
        }
        ff_track_t *track = free_slot(tracker);
        if (track == NULL) {
            /* Logged at the 1st, 2nd, 4th, 8th ... overflow so a crowd cannot flood the log. */
            tracker->overflow++;
            if ((tracker->overflow & (tracker->overflow - 1u)) == 0u) {
                FF_LOGW(TAG, "no free track slot for a detection (capacity %d, %u overflows); "
                             "raise FF_TRACKER_CAPACITY",
                        FF_TRACKER_CAPACITY, (unsigned)tracker->overflow);
            }
            continue;
        }
        const ff_detection_t *d = &detections[selected[k]];
        start_track(tracker, track, d);
        track->last_frame = frame;
        ff_err_t err = report_hit(track, anchor_of(tracker, d), frame, time_ms, observations,
                                  capacity, observation_count);
        if (err != FF_OK) {
            return err;
        }
    }
    return FF_OK;
}
