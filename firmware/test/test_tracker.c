/*
 * Tracker association: a track keeps the box that overlaps its predicted box over a
 * neighbour's box with a closer centre, and a moving track that misses frames is found
 * again at its constant-velocity prediction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

/* Box size of one person, normalised to the frame. */
#define BOX_W 0.05f
#define BOX_H 0.15f

static ff_tracker_t tracker;
static ff_observation_t seen[FF_TRACKER_MAX_OBSERVATIONS];

static ff_detection_t person_at(float cx, float cy)
{
    ff_detection_t d = {cx - 0.5f * BOX_W, cy - 0.5f * BOX_H, BOX_W, BOX_H, 0.9f};
    return d;
}

/* Runs one frame through the tracker and returns the observations it wrote. */
static size_t track_frame(const ff_detection_t *detections, size_t count, uint32_t frame)
{
    size_t n_seen = 0;
    assert_int_equal(ff_tracker_update(&tracker, detections, count, TEST_FRAME_MS(frame), seen,
                                       FF_TRACKER_MAX_OBSERVATIONS, &n_seen),
                     FF_OK);
    return n_seen;
}

static int setup(void **state)
{
    (void)state;
    return ff_tracker_init(&tracker, 0.5f, FF_ANCHOR_CENTER) == FF_OK ? 0 : -1;
}

static void overlapping_box_beats_nearer_centre(void **state)
{
    (void)state;
    ff_detection_t still_box = person_at(0.5f, 0.5f);
    for (uint32_t frame = 0; frame < 3; frame++) {
        track_frame(&still_box, 1, frame);
    }
    assert_int_equal(ff_tracker_confirmed_count(&tracker), 1);

    /*
     * The neighbour's centre is 0.028 to the side, the person's own box moved 0.03 down.
     * The tall, narrow boxes overlap far more after the vertical move (IoU 0.67 against
     * 0.28), so the track must keep its own person although the other centre is nearer.
     */
    ff_detection_t boxes[2] = {person_at(0.528f, 0.5f), person_at(0.5f, 0.53f)};
    size_t n_seen = track_frame(boxes, 2, 3);

    assert_int_equal(n_seen, 1);
    assert_int_equal(seen[0].track_id, 1);
    assert_float_equal(seen[0].x, 0.5f, 1e-4f);
    assert_float_equal(seen[0].y, 0.53f, 1e-4f);
}

static void moving_track_survives_three_missed_frames(void **state)
{
    (void)state;
    /* Walking right at 0.08 a frame, seen in frames 0 to 3. */
    for (uint32_t frame = 0; frame < 4; frame++) {
        ff_detection_t walker = person_at(0.2f + 0.08f * (float)frame, 0.5f);
        track_frame(&walker, 1, frame);
    }

    /* Occluded in frames 4 to 6: no detection, no observation, the track stays. */
    for (uint32_t frame = 4; frame < 7; frame++) {
        assert_int_equal(track_frame(NULL, 0, frame), 0);
    }
    assert_int_equal(ff_tracker_confirmed_count(&tracker), 1);

    /*
     * Seen again in frame 7 at x = 0.76, 0.32 from its last box: beyond the gate of 1.5 box
     * heights (0.225) from the last position, inside it from the predicted one.
     */
    ff_detection_t walker = person_at(0.76f, 0.5f);
    size_t n_seen = track_frame(&walker, 1, 7);

    assert_int_equal(n_seen, 1);
    assert_int_equal(seen[0].track_id, 1);
    assert_int_equal(seen[0].frame, 7);
    assert_int_equal(ff_tracker_confirmed_count(&tracker), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(overlapping_box_beats_nearer_centre, setup),
        cmocka_unit_test_setup(moving_track_survives_three_missed_frames, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
