/* The core's JSON reader and number formatting, which avoid strtod and float printf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static ff_json_t doc;

static double number_of(const char *text, ff_err_t expected)
{
    double value = -12345.0;
    assert_int_equal(ff_json_parse(&doc, text, strlen(text)), FF_OK);
    assert_int_equal(ff_json_number(&doc, 0, &value), expected);
    return value;
}

static void numbers_parsed(void **state)
{
    (void)state;
    assert_true(number_of("0", FF_OK) == 0.0);
    assert_true(number_of("17", FF_OK) == 17.0);
    assert_true(number_of("-3", FF_OK) == -3.0);
    assert_true(number_of("9007199254740991", FF_OK) == 9007199254740991.0);
    assert_float_equal(number_of("0.02", FF_OK), 0.02, 1e-15);
    assert_float_equal(number_of("-0.5", FF_OK), -0.5, 1e-15);
    assert_float_equal(number_of("1.5e3", FF_OK), 1500.0, 1e-9);
    assert_float_equal(number_of("25E-2", FF_OK), 0.25, 1e-15);
    assert_float_equal(number_of("1764800000.25", FF_OK), 1764800000.25, 1e-6);
}

static void malformed_numbers_rejected(void **state)
{
    (void)state;
    const char *bad[] = {"-", "1.", ".5", "1e", "1e+", "true", "nul", "1.2.3", "--1", "1-2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double value = 0.0;
        ff_err_t err = ff_json_parse(&doc, bad[i], strlen(bad[i]));
        if (err == FF_OK) {
            err = ff_json_number(&doc, 0, &value);
        }
        assert_int_not_equal(err, FF_OK);
    }
}

static void objects_and_arrays_read(void **state)
{
    (void)state;
    const char *text = "{\"a\": [1, {\"b\": null}, \"x\\\"y\"], \"c\": true, \"d\": {}}";
    assert_int_equal(ff_json_parse(&doc, text, strlen(text)), FF_OK);
    int32_t a = ff_json_get(&doc, 0, "a");
    assert_int_equal(doc.tokens[a].type, FF_JSON_ARRAY);
    assert_int_equal(doc.tokens[a].size, 3);
    assert_true(ff_json_is_null(&doc, ff_json_get(&doc, ff_json_item(&doc, a, 1), "b")));
    char string[8];
    assert_int_equal(ff_json_string(&doc, ff_json_item(&doc, a, 2), string, sizeof string), FF_OK);
    assert_string_equal(string, "x\"y");
    int flag = 0;
    assert_int_equal(ff_json_bool(&doc, ff_json_get(&doc, 0, "c"), &flag), FF_OK);
    assert_int_equal(flag, 1);
    assert_int_equal(ff_json_get(&doc, 0, "missing"), -1);
    assert_int_equal(ff_json_item(&doc, a, 3), -1);
    char tiny[3];
    assert_int_equal(ff_json_string(&doc, ff_json_item(&doc, a, 2), tiny, sizeof tiny),
                     FF_ERR_BUFFER_TOO_SMALL);
}

static void malformed_documents_rejected(void **state)
{
    (void)state;
    const char *bad[] = {"", "{", "}", "[1,", "{\"a\"}", "{1: 2}", "{\"a\": 1} 2", "[1 2]",
                         "\"open", "{[1]: 2}", "@"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(ff_json_parse(&doc, bad[i], strlen(bad[i])), FF_OK);
    }
}

static void too_many_tokens_rejected(void **state)
{
    (void)state;
    char text[4 * FF_JSON_MAX_TOKENS + 8];
    size_t length = 0;
    text[length++] = '[';
    for (int i = 0; i < FF_JSON_MAX_TOKENS; i++) {
        text[length++] = '1';
        text[length++] = ',';
    }
    text[length++] = '1';
    text[length++] = ']';
    assert_int_equal(ff_json_parse(&doc, text, length), FF_ERR_CAPACITY);
}

static void decimals_formatted(void **state)
{
    (void)state;
    char out[FF_DECIMAL_CAPACITY];
    assert_string_equal(ff_format_decimal(out, 0.02, 6), "0.02");
    assert_string_equal(ff_format_decimal(out, 0.02f, 6), "0.02");
    assert_string_equal(ff_format_decimal(out, 1.0, 6), "1");
    assert_string_equal(ff_format_decimal(out, -0.5, 6), "-0.5");
    assert_string_equal(ff_format_decimal(out, 0.0104, 3), "0.01");
    assert_string_equal(ff_format_decimal(out, -0.0001, 3), "0");
    assert_string_equal(ff_format_decimal(out, 123456.75, 1), "123456.8");
    assert_string_equal(ff_format_decimal(out, 1e13, 2), "out-of-range");
    assert_string_equal(ff_format_decimal(out, 0.0 / 0.0, 2), "nan");
}

static void epoch_seconds_formatted(void **state)
{
    (void)state;
    char buffer[32];
    ff_text_t text;
    ff_text_init(&text, buffer, sizeof buffer);
    ff_text_append_epoch_seconds(&text, 1764800000250LL);
    assert_string_equal(buffer, "1764800000.250");
    ff_text_init(&text, buffer, sizeof buffer);
    ff_text_append_epoch_seconds(&text, 7);
    assert_string_equal(buffer, "0.007");

    char small[6];
    ff_text_init(&text, small, sizeof small);
    ff_text_append_epoch_seconds(&text, 1764800000250LL);
    assert_int_equal(text.overflow, 1);
    assert_string_equal(small, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_parsed),
        cmocka_unit_test(malformed_numbers_rejected),
        cmocka_unit_test(objects_and_arrays_read),
        cmocka_unit_test(malformed_documents_rejected),
        cmocka_unit_test(too_many_tokens_rejected),
        cmocka_unit_test(decimals_formatted),
        cmocka_unit_test(epoch_seconds_formatted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
