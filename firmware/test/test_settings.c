/* Settings validation, the config body parser and its JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static void defaults_are_valid(void **state)
{
    (void)state;
    ff_settings_t settings;
    char reason[160] = "";
    ff_settings_default(&settings);
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason), FF_OK);
    assert_true(settings.band == 0.02f);
    assert_int_equal(settings.confirm, 2);
    assert_int_equal(settings.mode, FF_MODE_IMMEDIATE);
}

static void line_near_edge_rejected(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    char reason[160] = "";
    settings.line_start = (ff_point_t){0.0f, 0.03f};
    settings.line_end = (ff_point_t){1.0f, 0.03f};
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "outside side"));
}

static void inside_near_edge_rejected(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    char reason[160] = "";
    settings.line_start = (ff_point_t){0.0f, 0.97f};
    settings.line_end = (ff_point_t){1.0f, 0.97f};
    settings.inside = (ff_point_t){0.5f, 1.0f};
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "line"));
}

static void zero_length_line_rejected(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    char reason[160] = "";
    settings.line_end = settings.line_start;
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "same point"));
}

static void inside_in_band_rejected(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    char reason[160] = "";
    settings.inside = (ff_point_t){0.5f, 0.51f};
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "line.inside"));
}

static void out_of_range_fields_rejected(void **state)
{
    (void)state;
    char reason[160] = "";
    ff_settings_t settings = test_default_settings();
    settings.confirm = 0;
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "confirm"));

    settings = test_default_settings();
    settings.band = 0.5f;
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "band"));

    settings = test_default_settings();
    settings.inside = (ff_point_t){0.5f, 1.5f};
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "outside the frame"));

    settings = test_default_settings();
    settings.heartbeat_interval_s = 1;
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
    assert_non_null(strstr(reason, "heartbeat_interval_s"));
}

static void metres_pass_geometry_check(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    char reason[160] = "";
    settings.line_start = (ff_point_t){-5.0f, 3.0f};
    settings.line_end = (ff_point_t){12.0f, 3.0f};
    settings.inside = (ff_point_t){0.0f, 10.0f};
    settings.band = 0.2f;
    assert_int_equal(ff_settings_check_geometry(&settings, reason, sizeof reason), FF_OK);
    assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason),
                     FF_ERR_INVALID_SETTINGS);
}

static void config_body_parsed(void **state)
{
    (void)state;
    const char *body =
        "{\"line\": {\"start\": [0.1, 0.6], \"end\": [0.9, 0.4], \"inside\": [0.5, 0.9]},"
        " \"band\": 0.03, \"confirm\": 3, \"mode\": \"deferred\", \"anchor\": \"bottom_center\","
        " \"min_score\": 0.5, \"batch_interval_s\": 10, \"heartbeat_interval_s\": 30,"
        " \"future_field\": {\"nested\": [1, 2]}}";
    ff_settings_t settings = test_default_settings();
    char reason[160] = "";
    assert_int_equal(ff_settings_parse_json(body, strlen(body), &settings, reason, sizeof reason),
                     FF_OK);
    assert_true(settings.line_start.x == 0.1f);
    assert_true(settings.line_end.y == 0.4f);
    assert_true(settings.inside.y == 0.9f);
    assert_true(settings.band == 0.03f);
    assert_int_equal(settings.confirm, 3);
    assert_int_equal(settings.mode, FF_MODE_DEFERRED);
    assert_int_equal(settings.anchor, FF_ANCHOR_BOTTOM_CENTER);
    assert_true(settings.min_score == 0.5f);
    assert_int_equal(settings.batch_interval_s, 10);
    assert_int_equal(settings.heartbeat_interval_s, 30);
}

static void bad_config_leaves_settings(void **state)
{
    (void)state;
    const char *bodies[] = {
        "not json",
        "[1, 2]",
        "{\"band\": \"wide\"}",
        "{\"mode\": \"sometimes\"}",
        "{\"confirm\": 2.5}",
        "{\"line\": {\"start\": [0, 0.03], \"end\": [1, 0.03], \"inside\": [0.5, 1]}}",
        "{\"line\": {\"start\": [0, 0.5], \"end\": [1, 0.5]}}",
        "{\"line\": {\"start\": [0], \"end\": [1, 0.5], \"inside\": [0.5, 1]}}",
        "{\"band\"}",
        "{\"line\": {\"start\"}, \"band\": 0.03}",
        "{\"band\": 0.03",
        "{\"mode\": \"immediate\\",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        ff_settings_t settings = test_default_settings();
        ff_settings_t before = settings;
        char reason[160] = "";
        assert_int_not_equal(ff_settings_parse_json(bodies[i], strlen(bodies[i]), &settings,
                                                    reason, sizeof reason),
                             FF_OK);
        assert_true(ff_settings_equal(&settings, &before));
        assert_true(strlen(reason) > 0);
    }
}

static void json_round_trip(void **state)
{
    (void)state;
    ff_settings_t settings = test_default_settings();
    settings.mode = FF_MODE_DEFERRED;
    settings.confirm = 4;
    char json[512];
    size_t length = 0;
    assert_int_equal(ff_settings_to_json(&settings, json, sizeof json, &length), FF_OK);

    ff_settings_t parsed;
    ff_settings_default(&parsed);
    char reason[160] = "";
    assert_int_equal(ff_settings_parse_json(json, length, &parsed, reason, sizeof reason), FF_OK);
    assert_true(ff_settings_equal(&parsed, &settings));

    char small[16];
    assert_int_equal(ff_settings_to_json(&settings, small, sizeof small, &length),
                     FF_ERR_BUFFER_TOO_SMALL);
}

static void mutated_bodies_never_crash(void **state)
{
    (void)state;
    /* Random byte edits of a valid body; run under ASan this checks every read of the parser. */
    const char *valid =
        "{\"line\":{\"start\":[0,0.5],\"end\":[1,0.5],\"inside\":[0.5,1]},\"band\":0.02,"
        "\"confirm\":2,\"mode\":\"immediate\",\"anchor\":\"center\",\"min_score\":0.7,"
        "\"batch_interval_s\":5,\"heartbeat_interval_s\":60}";
    const char alphabet[] = "{}[]\":,\\ 0123456789.-eEtrufalsn";
    size_t length = strlen(valid);
    uint32_t rng = 12345;
    int accepted = 0;

    for (int round = 0; round < 20000; round++) {
        char body[512];
        memcpy(body, valid, length);
        size_t body_length = length;
        int edits = 1 + (int)(test_rng(&rng) % 4u);
        for (int e = 0; e < edits; e++) {
            size_t at = test_rng(&rng) % body_length;
            body[at] = alphabet[test_rng(&rng) % (sizeof alphabet - 1u)];
        }
        if (test_rng(&rng) % 4u == 0u) {
            body_length = test_rng(&rng) % body_length; /* a truncated body */
        }

        ff_settings_t settings = test_default_settings();
        ff_settings_t before = settings;
        char reason[160] = "";
        ff_err_t err = ff_settings_parse_json(body, body_length, &settings, reason, sizeof reason);
        if (err == FF_OK) {
            accepted++;
            assert_int_equal(ff_settings_validate(&settings, reason, sizeof reason), FF_OK);
        } else {
            assert_true(ff_settings_equal(&settings, &before));
            assert_true(strlen(reason) > 0);
        }
    }
    assert_true(accepted > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_valid),
        cmocka_unit_test(line_near_edge_rejected),
        cmocka_unit_test(inside_near_edge_rejected),
        cmocka_unit_test(zero_length_line_rejected),
        cmocka_unit_test(inside_in_band_rejected),
        cmocka_unit_test(out_of_range_fields_rejected),
        cmocka_unit_test(metres_pass_geometry_check),
        cmocka_unit_test(config_body_parsed),
        cmocka_unit_test(bad_config_leaves_settings),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(mutated_bodies_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
