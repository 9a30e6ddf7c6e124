/*
 * Line counter and tracker on the reference walks: each walk is fed once as tracker output
 * (track ids given) and once as detector boxes through the tracker, with the same counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#define N(points) (sizeof(points) / sizeof((points)[0]))

/* Track 1 walking straight down at x = .5, one point per frame. */
#define DOWN(frame, y) {frame, 1, 0.5f, y}

static const walk_point_t jitter[] = {
    DOWN(0, 0.30f), DOWN(1, 0.40f), DOWN(2, 0.48f), DOWN(3, 0.52f), DOWN(4, 0.49f),
    DOWN(5, 0.53f), DOWN(6, 0.51f), DOWN(7, 0.55f), DOWN(8, 0.65f), DOWN(9, 0.80f),
};

static const walk_point_t standing[] = {
    DOWN(0, 0.40f), DOWN(1, 0.46f), DOWN(2, 0.50f), DOWN(3, 0.50f), DOWN(4, 0.50f),
    DOWN(5, 0.50f), DOWN(6, 0.50f), DOWN(7, 0.50f), DOWN(8, 0.58f), DOWN(9, 0.70f),
};

static const walk_point_t fast[] = {
    DOWN(0, 0.20f), DOWN(1, 0.32f), DOWN(2, 0.44f),
    DOWN(3, 0.56f), DOWN(4, 0.68f), DOWN(5, 0.80f),
};

static const walk_point_t diagonal[] = {
    {0, 1, 0.30f, 0.60f}, {1, 1, 0.50f, 0.45f}, {2, 1, 0.70f, 0.40f},
    {0, 2, 0.25f, 0.40f}, {1, 2, 0.50f, 0.40f}, {2, 2, 0.70f, 0.45f},
};

static const walk_point_t short_walk[] = {
    DOWN(0, 0.2f), DOWN(1, 0.4f), DOWN(2, 0.6f), DOWN(3, 0.8f),
};

static const walk_point_t identity_switch[] = {
    {0, 1, 0.5f, 0.10f}, {1, 1, 0.5f, 0.25f}, {2, 1, 0.5f, 0.40f}, {3, 1, 0.5f, 0.46f},
    {5, 2, 0.5f, 0.56f}, {6, 2, 0.5f, 0.72f}, {7, 2, 0.5f, 0.90f},
};

static const walk_point_t u_turn[] = {
    DOWN(0, 0.30f), DOWN(1, 0.45f), DOWN(2, 0.60f), DOWN(3, 0.70f),
    DOWN(4, 0.55f), DOWN(5, 0.40f), DOWN(6, 0.30f),
};

typedef walk_count_t (*count_fn)(const ff_settings_t *, const walk_point_t *, size_t);

static void expect_counts(count_fn count, const ff_settings_t *settings,
                          const walk_point_t *points, size_t n, int entries, int exits)
{
    walk_count_t counted = count(settings, points, n);
    assert_int_equal(counted.entries, entries);
    assert_int_equal(counted.exits, exits);
}

/* Every case runs twice: track ids given to the counter, and boxes through the tracker. */
static void check_both(const ff_settings_t *settings, const walk_point_t *points, size_t n,
                       int entries, int exits)
{
    expect_counts(count_tracks, settings, points, n, entries, exits);
    expect_counts(count_detections, settings, points, n, entries, exits);
}

static void jitter_counts_one_entry(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    check_both(&settings, jitter, N(jitter), 1, 0);
}

static void standing_on_line_counts_one_entry(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    check_both(&settings, standing, N(standing), 1, 0);
}

static void fast_mover_counts_one_entry(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    check_both(&settings, fast, N(fast), 1, 0);
}

static void fast_mover_stamped_on_first_inside_frame(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    walk_count_t counted = count_tracks(&settings, fast, N(fast));
    assert_int_equal(counted.first_time_ms, TEST_FRAME_MS(3));
    counted = count_detections(&settings, fast, N(fast));
    assert_int_equal(counted.first_time_ms, TEST_FRAME_MS(3));
}

static void diagonal_line_counts_two_entries(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.line_start = (ff_point_t){0.2f, 0.2f};
    settings.line_end = (ff_point_t){0.8f, 0.8f};
    settings.inside = (ff_point_t){0.8f, 0.2f};
    check_both(&settings, diagonal, N(diagonal), 2, 0);
}

static void endpoint_order_changes_nothing(void **state)
{
    (void)state;
    ff_settings_t forward = test_default_settings();
    ff_settings_t backward = test_default_settings();
    backward.line_start = (ff_point_t){1.0f, 0.5f};
    backward.line_end = (ff_point_t){0.0f, 0.5f};
    check_both(&forward, short_walk, N(short_walk), 1, 0);
    check_both(&backward, short_walk, N(short_walk), 1, 0);
}

static void inside_point_sets_direction(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.inside = (ff_point_t){0.5f, 0.0f};
    check_both(&settings, short_walk, N(short_walk), 0, 1);
}

static void identity_switch_counts_one_entry(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    check_both(&settings, identity_switch, N(identity_switch), 1, 0);
}

static void identity_switch_far_away_not_linked(void **state)
{
    (void)state;
    /* The second track starts 0.3 away: a different person, so nothing is crossed. */
    static const walk_point_t apart[] = {
        {0, 1, 0.2f, 0.10f}, {1, 1, 0.2f, 0.25f}, {2, 1, 0.2f, 0.40f}, {3, 1, 0.2f, 0.46f},
        {5, 2, 0.5f, 0.56f}, {6, 2, 0.5f, 0.72f}, {7, 2, 0.5f, 0.90f},
    };
    ff_settings_t settings = test_default_settings();
    expect_counts(count_tracks, &settings, apart, N(apart), 0, 0);
}

static void deferred_u_turn_counts_nothing(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.mode = FF_MODE_DEFERRED;
    check_both(&settings, u_turn, N(u_turn), 0, 0);
}

static void immediate_u_turn_counts_both_ways(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    check_both(&settings, u_turn, N(u_turn), 1, 1);
}

static void deferred_walk_counts_at_end(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.mode = FF_MODE_DEFERRED;
    check_both(&settings, jitter, N(jitter), 1, 0);
    check_both(&settings, identity_switch, N(identity_switch), 1, 0);
}

static void confirm_three_needs_three_points(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.confirm = 3;
    /* Two points inside, then back out: never confirmed inside. */
    static const walk_point_t dip[] = {
        DOWN(0, 0.30f), DOWN(1, 0.40f), DOWN(2, 0.60f), DOWN(3, 0.62f), DOWN(4, 0.40f),
        DOWN(5, 0.30f),
    };
    expect_counts(count_tracks, &settings, dip, N(dip), 0, 0);
    expect_counts(count_tracks, &settings, jitter, N(jitter), 1, 0);
}

static void unconfirmed_track_never_counts(void **state)
{
    (void)state;
    /* Two detections only: the tracker never confirms the track. */
    static const walk_point_t glimpse[] = {DOWN(0, 0.30f), DOWN(1, 0.70f)};
    ff_settings_t settings = test_default_settings();
    expect_counts(count_detections, &settings, glimpse, N(glimpse), 0, 0);
}

static void past_segment_end_has_no_side(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.line_start = (ff_point_t){0.0f, 0.5f};
    settings.line_end = (ff_point_t){0.4f, 0.5f};
    /* x = .5 passes beside the short line, not across it. */
    expect_counts(count_tracks, &settings, short_walk, N(short_walk), 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jitter_counts_one_entry),
        cmocka_unit_test(standing_on_line_counts_one_entry),
        cmocka_unit_test(fast_mover_counts_one_entry),
        cmocka_unit_test(fast_mover_stamped_on_first_inside_frame),
        cmocka_unit_test(diagonal_line_counts_two_entries),
        cmocka_unit_test(endpoint_order_changes_nothing),
        cmocka_unit_test(inside_point_sets_direction),
        cmocka_unit_test(identity_switch_counts_one_entry),
        cmocka_unit_test(identity_switch_far_away_not_linked),
        cmocka_unit_test(deferred_u_turn_counts_nothing),
        cmocka_unit_test(immediate_u_turn_counts_both_ways),
        cmocka_unit_test(deferred_walk_counts_at_end),
        cmocka_unit_test(confirm_three_needs_three_points),
        cmocka_unit_test(unconfirmed_track_never_counts),
        cmocka_unit_test(past_segment_end_has_no_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
