/*
 * Event queue: overflow, persistence across reboots and power cuts, wear levelling, and
 * stamping of events seen before the clock was set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#define SECTOR 4096u
#define SECTORS 4u
#define EPOCH_MS 1764800000000LL /* 2025-12-03 */

static ff_ram_flash_t ram;
static ff_flash_t flash;
static ff_queue_t queue;

static int setup(void **state)
{
    (void)state;
    ff_ram_flash_init(&ram, SECTOR, SECTORS, &flash);
    return ff_queue_init(&queue, &flash) == FF_OK ? 0 : -1;
}

static void reboot(void)
{
    ff_ram_flash_power_on(&ram);
    memset(&queue, 0xA5, sizeof queue); /* nothing may survive in RAM */
    assert_int_equal(ff_queue_init(&queue, &flash), FF_OK);
}

static void push_many(size_t n, int64_t first_ms)
{
    for (size_t i = 0; i < n; i++) {
        int32_t direction = (int32_t)(i % 2u);
        assert_int_equal(ff_queue_push_stamped(&queue, direction, first_ms + (int64_t)i, NULL),
                         FF_OK);
    }
}

static ff_event_t oldest(void)
{
    ff_event_t event;
    size_t n = 0;
    memset(&event, 0, sizeof event);
    assert_int_equal(ff_queue_peek(&queue, &event, 1, &n), FF_OK);
    assert_int_equal(n, 1);
    return event;
}

static void fresh_flash_is_formatted(void **state)
{
    (void)state;
    assert_int_equal(ff_queue_seq_restored(&queue), 0);
    assert_int_equal(ff_queue_depth(&queue), 0);
    assert_int_equal(ff_queue_next_seq(&queue), 0);
    reboot();
    assert_int_equal(ff_queue_seq_restored(&queue), 1);
}

static void overflow_drops_oldest(void **state)
{
    (void)state;
    push_many(FF_QUEUE_CAPACITY + 5, EPOCH_MS);
    assert_int_equal(ff_queue_depth(&queue), FF_QUEUE_CAPACITY);
    assert_int_equal(ff_queue_dropped(&queue), 5);
    ff_event_t first = oldest();
    assert_int_equal(first.seq, 5);
    assert_int_equal(first.time_ms, EPOCH_MS + 5);
    assert_int_equal(ff_queue_next_seq(&queue), FF_QUEUE_CAPACITY + 5);
}

static void reboot_keeps_unacknowledged(void **state)
{
    (void)state;
    push_many(10, EPOCH_MS);
    assert_int_equal(ff_queue_release(&queue, 3), FF_OK);
    reboot();

    assert_int_equal(ff_queue_depth(&queue), 6);
    assert_int_equal(ff_queue_next_seq(&queue), 10);
    ff_event_t events[FF_QUEUE_CAPACITY];
    size_t n = 0;
    assert_int_equal(ff_queue_peek(&queue, events, FF_QUEUE_CAPACITY, &n), FF_OK);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(events[i].seq, 4 + i);
        assert_int_equal(events[i].time_ms, EPOCH_MS + 4 + (int64_t)i);
        assert_int_equal(events[i].direction, (int32_t)((4 + i) % 2u));
    }

    uint64_t seq = 0;
    assert_int_equal(ff_queue_push_stamped(&queue, FF_DIRECTION_EXIT, EPOCH_MS + 99, &seq), FF_OK);
    assert_int_equal(seq, 10);
}

static void reboot_keeps_drop_count(void **state)
{
    (void)state;
    push_many(FF_QUEUE_CAPACITY + 7, EPOCH_MS);
    reboot();
    assert_int_equal(ff_queue_dropped(&queue), 7);
    assert_int_equal(ff_queue_depth(&queue), FF_QUEUE_CAPACITY);
    assert_int_equal(oldest().seq, 7);
    assert_int_equal(ff_queue_next_seq(&queue), FF_QUEUE_CAPACITY + 7);
}

static void all_released_survives_reboot(void **state)
{
    (void)state;
    push_many(20, EPOCH_MS);
    assert_int_equal(ff_queue_release(&queue, 19), FF_OK);
    reboot();
    assert_int_equal(ff_queue_depth(&queue), 0);
    assert_int_equal(ff_queue_next_seq(&queue), 20);
}

static void power_cut_tears_one_record(void **state)
{
    (void)state;
    push_many(5, EPOCH_MS);
    ff_ram_flash_cut_after(&ram, 2);
    for (int i = 0; i < 4; i++) {
        /* The RAM queue takes them; flash takes two, tears the third, then is dead. */
        ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + 100 + i, NULL);
    }
    reboot();

    assert_int_equal(ff_queue_depth(&queue), 7);
    assert_int_equal(ff_queue_next_seq(&queue), 7);
    uint64_t seq = 0;
    assert_int_equal(ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + 200, &seq),
                     FF_OK);
    assert_int_equal(seq, 7);
    reboot();
    assert_int_equal(ff_queue_depth(&queue), 8);
}

static void power_cut_in_checkpoint_falls_back(void **state)
{
    (void)state;
    /* Fill the first sector until the next record opens sector 1 with a checkpoint. */
    size_t pushed = 0;
    while (queue.sector == 0) {
        ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + (int64_t)pushed, NULL);
        pushed++;
        if (pushed % 4u == 0u) {
            ff_queue_release(&queue, pushed - 3u);
        }
    }
    size_t waiting = ff_queue_depth(&queue);
    uint64_t next = ff_queue_next_seq(&queue);

    /* Now release everything; the checkpoint of that release is cut after its header. */
    while (queue.write_slot < queue.slots_per_sector) {
        ff_queue_push_stamped(&queue, FF_DIRECTION_EXIT, EPOCH_MS, NULL);
    }
    waiting = ff_queue_depth(&queue);
    next = ff_queue_next_seq(&queue);
    ff_ram_flash_cut_after(&ram, 1);
    ff_queue_push_stamped(&queue, FF_DIRECTION_EXIT, EPOCH_MS, NULL);
    reboot();

    /* The newest complete sector wins: the state just before the cut. */
    assert_int_equal(ff_queue_depth(&queue), waiting);
    assert_int_equal(ff_queue_next_seq(&queue), next);
}

static void wear_spreads_over_sectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < 6000; i++) {
        uint64_t seq = 0;
        assert_int_equal(ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, &seq), FF_OK);
        if (i % 10u == 9u) {
            assert_int_equal(ff_queue_release(&queue, seq), FF_OK);
        }
    }
    uint32_t least = UINT32_MAX;
    for (uint32_t s = 0; s < SECTORS; s++) {
        if (ram.erases[s] < least) {
            least = ram.erases[s];
        }
    }
    assert_true(least > 0);
    assert_true(ff_ram_flash_max_erases(&ram) - least <= 1);
    reboot();
    assert_int_equal(ff_queue_next_seq(&queue), 6000);
    assert_int_equal(ff_queue_depth(&queue), 0);
}

static void events_before_clock_stamped_later(void **state)
{
    (void)state;
    ff_clock_t clock;
    ff_clock_init(&clock);
    assert_int_equal(ff_queue_push(&queue, FF_DIRECTION_ENTRY, 1500, &clock, NULL), FF_OK);
    assert_int_equal(ff_queue_push(&queue, FF_DIRECTION_EXIT, 2500, &clock, NULL), FF_OK);

    ff_event_t events[4];
    size_t n = 0;
    assert_int_equal(ff_queue_peek(&queue, events, 4, &n), FF_ERR_EMPTY);
    assert_int_equal(ff_queue_depth(&queue), 2);

    /* SNTP: at uptime 10 s the wall clock read EPOCH_MS. */
    ff_clock_set(&clock, 10000, EPOCH_MS);
    assert_int_equal(ff_queue_stamp(&queue, &clock), FF_OK);
    assert_int_equal(ff_queue_push(&queue, FF_DIRECTION_ENTRY, 11000, &clock, NULL), FF_OK);
    assert_int_equal(ff_queue_peek(&queue, events, 4, &n), FF_OK);
    assert_int_equal(n, 3);
    assert_int_equal(events[0].time_ms, EPOCH_MS - 8500);
    assert_int_equal(events[1].time_ms, EPOCH_MS - 7500);
    assert_int_equal(events[2].time_ms, EPOCH_MS + 1000);
    assert_int_equal(events[0].seq, 0);
    assert_int_equal(events[2].seq, 2);

    reboot();
    assert_int_equal(ff_queue_depth(&queue), 3);
}

static void unstamped_events_lost_on_reboot(void **state)
{
    (void)state;
    ff_clock_t clock;
    ff_clock_init(&clock);
    push_many(2, EPOCH_MS);
    ff_queue_push(&queue, FF_DIRECTION_ENTRY, 1500, &clock, NULL);
    reboot();
    assert_int_equal(ff_queue_depth(&queue), 2);
}

static void resume_renumbers_waiting(void **state)
{
    (void)state;
    push_many(3, EPOCH_MS);
    assert_int_equal(ff_queue_resume_after(&queue, 41), FF_OK);
    assert_int_equal(oldest().seq, 42);
    assert_int_equal(ff_queue_next_seq(&queue), 45);
    reboot();
    assert_int_equal(oldest().seq, 42);
    assert_int_equal(ff_queue_next_seq(&queue), 45);
    assert_int_equal(ff_queue_depth(&queue), 3);
}

/* Checks what must hold after any mount: seq order, counter ahead of every event. */
static void check_mounted_queue(void)
{
    ff_event_t events[FF_QUEUE_CAPACITY];
    size_t n = 0;
    ff_queue_peek(&queue, events, FF_QUEUE_CAPACITY, &n);
    assert_int_equal(n, ff_queue_depth(&queue));
    assert_true(n <= FF_QUEUE_CAPACITY);
    for (size_t i = 0; i < n; i++) {
        assert_true(events[i].seq < ff_queue_next_seq(&queue));
        if (i > 0) {
            assert_true(events[i].seq > events[i - 1].seq);
        }
        assert_int_equal(events[i].stamped, 1);
    }
}

static void power_cut_anywhere_mounts(void **state)
{
    (void)state;
    /* Cut the power after every possible number of writes of one workload. */
    for (uint32_t cut = 0; cut < 700; cut += 3) {
        ff_ram_flash_init(&ram, SECTOR, SECTORS, &flash);
        assert_int_equal(ff_queue_init(&queue, &flash), FF_OK);
        ff_ram_flash_cut_after(&ram, cut);

        uint64_t released_before_cut = 0;
        for (int i = 0; i < 400 && ram.powered; i++) {
            uint64_t seq = 0;
            ff_queue_push_stamped(&queue, i % 3 == 0 ? FF_DIRECTION_EXIT : FF_DIRECTION_ENTRY,
                                  EPOCH_MS + i, &seq);
            if (i % 7 == 6 && ram.powered) {
                ff_err_t err = ff_queue_release(&queue, seq - 2u);
                if (err == FF_OK && ram.powered) {
                    released_before_cut = seq - 1u;
                }
            }
        }
        reboot();
        check_mounted_queue();

        /* Releases written before the cut stay released. */
        size_t n = 0;
        ff_event_t first;
        if (ff_queue_peek(&queue, &first, 1, &n) == FF_OK) {
            assert_true(first.seq >= released_before_cut);
        }
        uint64_t seq = 0;
        assert_int_equal(ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, &seq), FF_OK);
        assert_true(seq + 1u == ff_queue_next_seq(&queue));
    }
}

static void small_sectors_rejected(void **state)
{
    (void)state;
    static ff_ram_flash_t small_ram;
    ff_flash_t small;
    ff_queue_t other;
    ff_ram_flash_init(&small_ram, 1024, 4, &small);
    assert_int_equal(ff_queue_init(&other, &small), FF_ERR_CAPACITY);
}

static void ram_queue_has_no_flash(void **state)
{
    (void)state;
    ff_queue_t ram_queue;
    assert_int_equal(ff_queue_init(&ram_queue, NULL), FF_OK);
    assert_int_equal(ff_queue_seq_restored(&ram_queue), 1);
    uint64_t seq = 99;
    assert_int_equal(ff_queue_push_stamped(&ram_queue, FF_DIRECTION_ENTRY, EPOCH_MS, &seq), FF_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(ff_queue_push_stamped(&ram_queue, 7, EPOCH_MS, &seq), FF_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(fresh_flash_is_formatted, setup),
        cmocka_unit_test_setup(overflow_drops_oldest, setup),
        cmocka_unit_test_setup(reboot_keeps_unacknowledged, setup),
        cmocka_unit_test_setup(reboot_keeps_drop_count, setup),
        cmocka_unit_test_setup(all_released_survives_reboot, setup),
        cmocka_unit_test_setup(power_cut_tears_one_record, setup),
        cmocka_unit_test_setup(power_cut_in_checkpoint_falls_back, setup),
        cmocka_unit_test_setup(wear_spreads_over_sectors, setup),
        cmocka_unit_test_setup(events_before_clock_stamped_later, setup),
        cmocka_unit_test_setup(unstamped_events_lost_on_reboot, setup),
        cmocka_unit_test_setup(resume_renumbers_waiting, setup),
        cmocka_unit_test(power_cut_anywhere_mounts),
        cmocka_unit_test(small_sectors_rejected),
        cmocka_unit_test(ram_queue_has_no_flash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
