/*
 * Camera supervision through the device pipeline: no counting before the warm-up, one
 * fault heartbeat and a re-initialisation after failed captures, no events from them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#define EPOCH_MS 1764800000000LL

static ff_queue_t queue;
static ff_pipeline_t pipeline;
static ff_uplink_t uplink;
static fake_service_t service;
static fake_camera_t camera;
static int64_t now_ms;

static int setup(void **state)
{
    (void)state;
    memset(&camera, 0, sizeof camera);
    fake_service_init(&service);
    now_ms = 0;
    ff_settings_t settings = test_default_settings();
    ff_camera_ops_t ops = fake_camera_ops(&camera);
    if (ff_queue_init(&queue, NULL) != FF_OK ||
        ff_pipeline_init(&pipeline, &settings, &queue, &ops) != FF_OK) {
        return -1;
    }
    ff_pipeline_set_clock(&pipeline, 0, EPOCH_MS);

    ff_uplink_config_t config;
    memset(&config, 0, sizeof config);
    config.base_url = "http://127.0.0.1:8000";
    config.api_key = "device-key-0123456789";
    config.boot_id = "boot";
    config.firmware = "test";
    config.transport = fake_service_transport(&service);
    return ff_uplink_init(&uplink, &config, &queue, &settings, 0) == FF_OK ? 0 : -1;
}

/* One capture as the glue does it: pipeline, then a heartbeat on a camera state change. */
static void capture(int valid, float person_y)
{
    ff_detection_t person = {0.45f, person_y - 0.10f, 0.10f, 0.20f, 0.9f};
    ff_pipeline_on_frame(&pipeline, now_ms, valid, &person, 1, NULL);
    if (ff_pipeline_take_state_change(&pipeline)) {
        ff_device_status_t status = {0.0f, 0, -60, 100000};
        ff_pipeline_fill_status(&pipeline, &status);
        ff_uplink_set_status(&uplink, &status);
        ff_uplink_request_heartbeat(&uplink);
    }
    ff_uplink_result_t result;
    ff_uplink_step(&uplink, now_ms, &result);
    now_ms += 143;
}

static int heartbeats_with(const char *camera_field)
{
    int count = 0;
    for (size_t i = 0; i < service.request_count; i++) {
        count += strstr(service.requests[i].url, "/status") != NULL &&
                 strstr(service.requests[i].body, camera_field) != NULL;
    }
    return count;
}

static void warmup_frames_not_counted(void **state)
{
    (void)state;
    /* Two frames while starting: they never reach the tracker. */
    capture(1, 0.20f);
    capture(1, 0.32f);
    assert_int_equal(pipeline.camera.state, FF_CAMERA_STARTING);
    assert_int_equal(pipeline.counting.tracker.frame, 0);

    capture(1, 0.44f);
    assert_int_equal(pipeline.camera.state, FF_CAMERA_OK);
    assert_int_equal(pipeline.counting.tracker.frame, 1);
    assert_int_equal(heartbeats_with("\"camera\":\"ok\""), 1);
}

static void failed_captures_fault_once(void **state)
{
    (void)state;
    capture(1, 0.20f);
    capture(1, 0.32f);

    /* The person crosses while every capture fails: the stale box must not count. */
    for (int i = 0; i < 12; i++) {
        capture(0, i < 6 ? 0.40f : 0.70f);
    }
    assert_int_equal(pipeline.camera.state, FF_CAMERA_FAULT);
    assert_int_equal(camera.reinits, 1);
    assert_int_equal(heartbeats_with("\"camera\":\"fault\""), 1);
    assert_int_equal(ff_queue_depth(&queue), 0);
    assert_int_equal(pipeline.counting.entries + pipeline.counting.exits, 0);
}

static void reinit_spacing_doubles(void **state)
{
    (void)state;
    for (int i = 0; i < 5 + 10 + 20; i++) {
        capture(0, 0.5f);
    }
    assert_int_equal(camera.reinits, 3);
    assert_int_equal(heartbeats_with("\"camera\":\"fault\""), 1);
}

static void recovery_counts_again(void **state)
{
    (void)state;
    for (int i = 0; i < 6; i++) {
        capture(0, 0.5f);
    }
    assert_int_equal(pipeline.camera.state, FF_CAMERA_FAULT);

    /* Warm-up after the re-initialisation, then a walk across the line. */
    const float walk[] = {0.10f, 0.12f, 0.14f, 0.20f, 0.32f, 0.44f, 0.56f, 0.68f, 0.80f};
    for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
        capture(1, walk[i]);
    }
    assert_int_equal(pipeline.camera.state, FF_CAMERA_OK);
    assert_int_equal(heartbeats_with("\"camera\":\"ok\""), 1);
    assert_int_equal(pipeline.counting.entries, 1);
    assert_int_equal(ff_queue_depth(&queue) + service.stored_count, 1);
}

static void single_failure_keeps_tracks(void **state)
{
    (void)state;
    const float before[] = {0.10f, 0.20f, 0.30f, 0.40f, 0.46f};
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
        capture(1, before[i]);
    }
    capture(0, 0.0f);
    capture(1, 0.60f);
    capture(1, 0.70f);
    assert_int_equal(pipeline.camera.state, FF_CAMERA_OK);
    assert_int_equal(pipeline.counting.entries, 1);
    assert_int_equal(camera.reinits, 0);
}

static void settings_applied_without_reboot(void **state)
{
    (void)state;
    const float warmup[] = {0.05f, 0.05f, 0.05f};
    for (size_t i = 0; i < 3; i++) {
        capture(1, warmup[i]);
    }

    /* The service flips the inside to the top of the frame: walking down is now an exit. */
    ff_settings_t flipped = test_default_settings();
    flipped.inside = (ff_point_t){0.5f, 0.0f};
    assert_int_equal(ff_pipeline_apply_settings(&pipeline, &flipped), FF_OK);
    const float walk[] = {0.20f, 0.32f, 0.44f, 0.56f, 0.68f, 0.80f};
    for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
        capture(1, walk[i]);
    }
    assert_int_equal(pipeline.counting.exits, 1);
    assert_int_equal(pipeline.counting.entries, 0);

    /* Settings that cannot work are rejected and the current ones stay. */
    ff_settings_t broken = test_default_settings();
    broken.line_start = (ff_point_t){0.0f, 0.03f};
    broken.line_end = (ff_point_t){1.0f, 0.03f};
    assert_int_equal(ff_pipeline_apply_settings(&pipeline, &broken), FF_ERR_INVALID_SETTINGS);
    assert_true(ff_settings_equal(&pipeline.counting.settings, &flipped));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(warmup_frames_not_counted, setup),
        cmocka_unit_test_setup(failed_captures_fault_once, setup),
        cmocka_unit_test_setup(reinit_spacing_doubles, setup),
        cmocka_unit_test_setup(recovery_counts_again, setup),
        cmocka_unit_test_setup(single_failure_keeps_tracks, setup),
        cmocka_unit_test_setup(settings_applied_without_reboot, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
