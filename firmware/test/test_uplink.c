/*
 * Uplink against a scripted service: batching, retries with backoff, lost responses,
 * error statuses, the legacy dialect, heartbeats, config polling and the seq probe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#define EPOCH_MS 1764800000000LL
#define KEY "device-key-0123456789"

static fake_service_t service;
static ff_queue_t queue;
static ff_uplink_t uplink;
static ff_ram_settings_store_t stored;
static ff_settings_store_t store;
static uint32_t rng_state;

static void start(int32_t protocol)
{
    fake_service_init(&service);
    ff_ram_settings_store_init(&stored, &store);
    rng_state = 7;
    assert_int_equal(ff_queue_init(&queue, NULL), FF_OK);

    ff_uplink_config_t config;
    memset(&config, 0, sizeof config);
    config.base_url = "http://127.0.0.1:8000/";
    config.api_key = KEY;
    config.protocol = protocol;
    config.boot_id = "boot-1";
    config.firmware = "1.2.3";
    config.transport = fake_service_transport(&service);
    config.rng = test_rng;
    config.rng_ctx = &rng_state;
    config.settings_store = &store;
    ff_settings_t settings = test_default_settings();
    assert_int_equal(ff_uplink_init(&uplink, &config, &queue, &settings, 0), FF_OK);
}

static ff_uplink_result_t step(int64_t now_ms)
{
    ff_uplink_result_t result;
    ff_uplink_step(&uplink, now_ms, &result);
    return result;
}

/* Runs the boot heartbeat and config poll so that later steps deal with batches. */
static void settle(void)
{
    assert_int_equal(step(0).action, FF_UPLINK_SENT_HEARTBEAT);
    assert_int_equal(step(0).action, FF_UPLINK_FETCHED_CONFIG);
}

static void batch_waits_for_interval(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();
    for (int i = 0; i < 3; i++) {
        ff_queue_push_stamped(&queue, i == 1 ? FF_DIRECTION_EXIT : FF_DIRECTION_ENTRY,
                              EPOCH_MS + 250 * i, NULL);
    }
    assert_int_equal(step(1000).action, FF_UPLINK_IDLE);

    ff_uplink_result_t result = step(5000);
    assert_int_equal(result.action, FF_UPLINK_SENT_BATCH);
    assert_int_equal(result.events_sent, 3);
    assert_int_equal(result.accepted, 3);
    assert_int_equal(ff_queue_depth(&queue), 0);
    assert_int_equal(service.stored_count, 3);

    const recorded_request_t *sent = &service.requests[service.request_count - 1];
    assert_string_equal(sent->url, "http://127.0.0.1:8000/api/v1/events");
    assert_string_equal(sent->api_key, KEY);
    assert_string_equal(sent->body,
                        "{\"events\":[{\"seq\":0,\"time\":1764800000.000,\"direction\":\"entry\"},"
                        "{\"seq\":1,\"time\":1764800000.250,\"direction\":\"exit\"},"
                        "{\"seq\":2,\"time\":1764800000.500,\"direction\":\"entry\"}]}");
}

static void full_batch_goes_at_once(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();
    for (int i = 0; i < FF_UPLINK_BATCH_MAX + 3; i++) {
        ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + i, NULL);
    }
    ff_uplink_result_t result = step(10);
    assert_int_equal(result.action, FF_UPLINK_SENT_BATCH);
    assert_true(result.events_sent > 0);
    assert_int_equal(ff_queue_depth(&queue), FF_UPLINK_BATCH_MAX + 3 - result.events_sent);
}

/*
 * Four events; the network is down for 37 s after the first; the response to the first
 * batch is lost, so it is sent again. The service ends with each event once.
 */
static void outage_and_lost_response(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();

    const int64_t push_at[4] = {1000, 12000, 25000, 40000};
    const int64_t down_from = 5001;
    const int64_t down_until = down_from + 37000;
    int pushed = 0;
    int64_t now = 0;
    int64_t failed_at[32];
    int failures = 0;
    size_t first_batch_request = 0;

    while (now < 120000) {
        while (pushed < 4 && push_at[pushed] <= now) {
            ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + push_at[pushed], NULL);
            pushed++;
        }

        size_t index = service.request_count;
        if (now >= down_from && now < down_until) {
            service.next_faults[index] = NET_DOWN;
        } else if (now >= 5000 && first_batch_request == 0) {
            service.next_faults[index] = NET_LOSE_RESPONSE; /* the first batch's response */
            first_batch_request = index + 1;
        }

        ff_uplink_result_t result = step(now);
        if (result.action == FF_UPLINK_FAILED && failures < 32) {
            failed_at[failures++] = now;
        }

        /* Jump to the next moment with work: the uplink's due time or the next push. */
        int64_t next = result.next_due_ms;
        if (pushed < 4 && push_at[pushed] < next) {
            next = push_at[pushed];
        }
        now = next > now ? next : now + 1;
        if (next == INT64_MAX) {
            break;
        }
    }

    assert_int_equal(pushed, 4);
    assert_int_equal(ff_queue_depth(&queue), 0);
    assert_int_equal(service.stored_count, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(service.stored_seq[i], (int64_t)i);
        assert_int_equal(service.stored_time_ms[i], EPOCH_MS + push_at[i]);
    }

    /* The first batch reached the service twice: once with its response lost, once more. */
    int first_batch_sends = 0;
    for (size_t i = 0; i < service.request_count; i++) {
        first_batch_sends += service.next_faults[i] != NET_DOWN &&
                             strstr(service.requests[i].body, "{\"seq\":0,") != NULL;
    }
    assert_int_equal(first_batch_sends, 2);

    /* The lost response and the outage each made failures; retries backed off with jitter. */
    assert_true(failures >= 5);
    for (int i = 1; i < failures - 1; i++) {
        int64_t gap = failed_at[i] - failed_at[i - 1];
        int64_t nominal = (int64_t)FF_BACKOFF_BASE_MS << (i - 1);
        if (nominal > (int64_t)FF_BACKOFF_MAX_MS) {
            nominal = FF_BACKOFF_MAX_MS;
        }
        assert_true(gap >= nominal / 2);
        assert_true(gap <= nominal);
    }
}

static void server_error_keeps_batch(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();
    ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, NULL);
    service.events_status = 503;
    ff_uplink_result_t result = step(5000);
    assert_int_equal(result.action, FF_UPLINK_FAILED);
    assert_int_equal(result.http_status, 503);
    assert_int_equal(ff_queue_depth(&queue), 1);
    assert_int_equal(step(5001).action, FF_UPLINK_WAITING);

    service.events_status = 0;
    result = step(result.next_due_ms);
    assert_int_equal(result.action, FF_UPLINK_SENT_BATCH);
    assert_int_equal(ff_queue_depth(&queue), 0);
}

static void bad_request_drops_batch(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();
    ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, NULL);
    ff_queue_push_stamped(&queue, FF_DIRECTION_EXIT, EPOCH_MS, NULL);
    service.events_status = 400;
    ff_uplink_result_t result = step(5000);
    assert_int_equal(result.http_status, 400);
    assert_int_equal(ff_queue_depth(&queue), 0);

    /* The heartbeat reports the dropped events. */
    ff_uplink_request_heartbeat(&uplink);
    assert_int_equal(step(5001).action, FF_UPLINK_SENT_HEARTBEAT);
    assert_non_null(strstr(service.last_heartbeat, "\"dropped\":2"));
}

static void heartbeat_reports_overflow(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    for (int i = 0; i < FF_QUEUE_CAPACITY + 9; i++) {
        ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + i, NULL);
    }
    assert_int_equal(step(0).action, FF_UPLINK_SENT_HEARTBEAT);
    assert_non_null(strstr(service.last_heartbeat, "\"dropped\":9,"));
    char depth[40];
    snprintf(depth, sizeof depth, "\"queue_depth\":%d,", FF_QUEUE_CAPACITY);
    assert_non_null(strstr(service.last_heartbeat, depth));
}

static void too_large_halves_batch(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();
    for (int i = 0; i < 8; i++) {
        ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS + i, NULL);
    }
    service.events_status = 413;
    ff_uplink_result_t result = step(5000);
    assert_int_equal(result.http_status, 413);
    assert_int_equal(result.events_sent, 8);
    assert_int_equal(ff_queue_depth(&queue), 8);

    service.events_status = 0;
    result = step(5000);
    assert_int_equal(result.action, FF_UPLINK_SENT_BATCH);
    assert_int_equal(result.events_sent, 4);
    assert_int_equal(ff_queue_depth(&queue), 4);
}

static void legacy_dialect_body(void **state)
{
    (void)state;
    start(FF_PROTOCOL_LEGACY);
    ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, NULL);
    ff_queue_push_stamped(&queue, FF_DIRECTION_EXIT, EPOCH_MS + 1500, NULL);

    /* Legacy has no heartbeat and no config: the first step is the batch. */
    ff_uplink_result_t result = step(5000);
    assert_int_equal(result.action, FF_UPLINK_SENT_BATCH);
    assert_int_equal(result.accepted, 2);
    assert_int_equal(service.request_count, 1);
    const recorded_request_t *sent = &service.requests[0];
    assert_string_equal(sent->url, "http://127.0.0.1:8000/movements/?api_key=" KEY);
    assert_string_equal(sent->api_key, "");
    assert_string_equal(sent->body,
                        "[{\"time\":1764800000.000,\"form\":true},"
                        "{\"time\":1764800001.500,\"form\":false}]");
}

static void heartbeat_reports_status(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, NULL);
    ff_device_status_t status = {6.5f, FF_CAMERA_FAULT, -61, 81234};
    ff_uplink_set_status(&uplink, &status);
    assert_int_equal(step(42000).action, FF_UPLINK_SENT_HEARTBEAT);
    assert_string_equal(service.last_heartbeat,
                        "{\"boot_id\":\"boot-1\",\"uptime_s\":42,\"firmware\":\"1.2.3\","
                        "\"fps\":6.50,\"queue_depth\":1,\"dropped\":0,\"camera\":\"fault\","
                        "\"rssi_dbm\":-61,\"free_heap\":81234,\"last_seq\":0}");
    assert_string_equal(service.requests[0].url,
                        "http://127.0.0.1:8000/api/v1/devices/me/status");

    /* The next one is due a heartbeat interval later. */
    ff_uplink_step(&uplink, 42000, &(ff_uplink_result_t){0});
    assert_int_equal(service.heartbeats, 1);
}

static void config_revalidated_with_etag(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    settle();
    ff_settings_t settings;
    assert_int_equal(ff_uplink_take_settings(&uplink, &settings), FF_OK);
    assert_int_equal(ff_uplink_take_settings(&uplink, &settings), FF_ERR_EMPTY);
    assert_int_equal(stored.saved, 1);
    assert_string_equal(stored.etag, "\"v1\"");

    /* The same ETag: 304, nothing new. */
    ff_uplink_result_t result = step(60000);
    assert_int_equal(result.action, FF_UPLINK_SENT_HEARTBEAT);
    result = step(60000);
    assert_int_equal(result.action, FF_UPLINK_FETCHED_CONFIG);
    assert_int_equal(result.http_status, 304);
    assert_string_equal(service.requests[service.request_count - 1].if_none_match, "\"v1\"");
    assert_int_equal(ff_uplink_take_settings(&uplink, &settings), FF_ERR_EMPTY);

    /* New settings are applied without a reboot and kept in the store. */
    snprintf(service.config_etag, sizeof service.config_etag, "\"v2\"");
    snprintf(service.config_body, sizeof service.config_body,
             "{\"line\":{\"start\":[0,0.6],\"end\":[1,0.6],\"inside\":[0.5,0]},\"band\":0.03,"
             "\"confirm\":3,\"mode\":\"deferred\",\"anchor\":\"bottom_center\","
             "\"min_score\":0.6,\"batch_interval_s\":10,\"heartbeat_interval_s\":30}");
    step(120000);
    result = step(120000);
    assert_int_equal(result.http_status, 200);
    assert_int_equal(ff_uplink_take_settings(&uplink, &settings), FF_OK);
    assert_int_equal(settings.mode, FF_MODE_DEFERRED);
    assert_int_equal(settings.confirm, 3);
    assert_int_equal(settings.heartbeat_interval_s, 30);
    assert_string_equal(stored.etag, "\"v2\"");
    assert_int_equal(stored.saved, 2);

    /* A reboot restores them from the store. */
    ff_ram_settings_store_t kept = stored;
    start(FF_PROTOCOL_V1);
    stored = kept;
    ff_settings_t restored;
    assert_int_equal(ff_uplink_load_stored_settings(&uplink, &restored), FF_OK);
    assert_int_equal(restored.mode, FF_MODE_DEFERRED);
}

static void invalid_config_not_applied(void **state)
{
    (void)state;
    start(FF_PROTOCOL_V1);
    snprintf(service.config_body, sizeof service.config_body,
             "{\"line\":{\"start\":[0,0.03],\"end\":[1,0.03],\"inside\":[0.5,1]}}");
    settle();
    ff_settings_t settings;
    assert_int_equal(ff_uplink_take_settings(&uplink, &settings), FF_ERR_EMPTY);
    assert_int_equal(stored.saved, 0);
}

static void formatted_queue_probes_last_seq(void **state)
{
    (void)state;
    static ff_ram_flash_t ram;
    ff_flash_t flash;
    start(FF_PROTOCOL_V1);
    ff_ram_flash_init(&ram, 4096, 4, &flash);
    assert_int_equal(ff_queue_init(&queue, &flash), FF_OK);
    assert_int_equal(ff_queue_seq_restored(&queue), 0);
    ff_queue_push_stamped(&queue, FF_DIRECTION_ENTRY, EPOCH_MS, NULL);

    /* The service already stores seq 0 to 41 from before the flash was erased. */
    for (int64_t seq = 0; seq < 42; seq++) {
        service.stored_seq[service.stored_count++] = seq;
    }
    ff_uplink_result_t result = step(0);
    assert_int_equal(result.action, FF_UPLINK_RESUMED_SEQ);
    assert_string_equal(service.requests[0].body, "{\"events\":[]}");
    ff_event_t first;
    size_t n = 0;
    ff_queue_peek(&queue, &first, 1, &n);
    assert_int_equal(first.seq, 42);
    assert_int_equal(ff_queue_next_seq(&queue), 43);
}

static void invalid_url_rejected(void **state)
{
    (void)state;
    fake_service_init(&service);
    ff_queue_init(&queue, NULL);
    ff_uplink_config_t config;
    memset(&config, 0, sizeof config);
    config.base_url = "ftp://example";
    config.api_key = KEY;
    config.transport = fake_service_transport(&service);
    ff_settings_t settings = test_default_settings();
    assert_int_equal(ff_uplink_init(&uplink, &config, &queue, &settings, 0), FF_ERR_INVALID_ARG);

    char long_key[FF_KEY_CAPACITY + 8];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    config.base_url = "https://example.net";
    config.api_key = long_key;
    assert_int_equal(ff_uplink_init(&uplink, &config, &queue, &settings, 0), FF_ERR_CAPACITY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_waits_for_interval),
        cmocka_unit_test(full_batch_goes_at_once),
        cmocka_unit_test(outage_and_lost_response),
        cmocka_unit_test(server_error_keeps_batch),
        cmocka_unit_test(bad_request_drops_batch),
        cmocka_unit_test(heartbeat_reports_overflow),
        cmocka_unit_test(too_large_halves_batch),
        cmocka_unit_test(legacy_dialect_body),
        cmocka_unit_test(heartbeat_reports_status),
        cmocka_unit_test(config_revalidated_with_etag),
        cmocka_unit_test(invalid_config_not_applied),
        cmocka_unit_test(formatted_queue_probes_last_seq),
        cmocka_unit_test(invalid_url_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
