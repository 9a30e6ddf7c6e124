/*
 * Minimal JSON reader and writer for the core's own bodies: fixed token array, no
 * allocation. Internal to the core.
 */
#ifndef FOOTFALL_JSON_H
#define FOOTFALL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/config.h"
#include "footfall/error.h"

typedef enum {
    FF_JSON_OBJECT = 1,
    FF_JSON_ARRAY = 2,
    FF_JSON_STRING = 3,
    FF_JSON_PRIMITIVE = 4 /* number, true, false, null */
} ff_json_type_t;

typedef struct {
    uint8_t type;
    int32_t start; /* offset of the first character (after the quote for strings) */
    int32_t end;   /* offset after the last character (before the quote for strings) */
    int32_t size;  /* children: keys and values for objects, items for arrays */
} ff_json_token_t;

typedef struct {
    const char *text;
    size_t length;
    int32_t count;
    ff_json_token_t tokens[FF_JSON_MAX_TOKENS];
} ff_json_t;

/* Tokenises text. FF_ERR_PARSE on malformed JSON, FF_ERR_CAPACITY on too many tokens. */
ff_err_t ff_json_parse(ff_json_t *doc, const char *text, size_t length);

/* Returns the index of the token after the value at index and all its children. */
int32_t ff_json_next(const ff_json_t *doc, int32_t index);

/* Returns the value token of key in the object at index, or -1. */
int32_t ff_json_get(const ff_json_t *doc, int32_t object, const char *key);

/* Returns the token of item position in the array at index, or -1. */
int32_t ff_json_item(const ff_json_t *doc, int32_t array, int32_t position);

int ff_json_is_null(const ff_json_t *doc, int32_t index);
ff_err_t ff_json_number(const ff_json_t *doc, int32_t index, double *value);
ff_err_t ff_json_bool(const ff_json_t *doc, int32_t index, int *value);

/* Copies a string value, unescaping it; FF_ERR_BUFFER_TOO_SMALL when it does not fit. */
ff_err_t ff_json_string(const ff_json_t *doc, int32_t index, char *out, size_t capacity);

/* Returns 1 when the token is a string equal to text. */
int ff_json_string_is(const ff_json_t *doc, int32_t index, const char *text);

/* Append-only text buffer that records overflow instead of writing past its end. */
typedef struct {
    char *data;
    size_t capacity;
    size_t length;
    int overflow;
} ff_text_t;

void ff_text_init(ff_text_t *text, char *data, size_t capacity);
void ff_text_append(ff_text_t *text, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Appends a JSON string literal with escapes. */
void ff_text_append_string(ff_text_t *text, const char *value);

/* Bytes a formatted decimal needs: sign, 13 integer digits, point, 6 decimals, NUL. */
#define FF_DECIMAL_CAPACITY 24

/*
 * Writes value with at most `decimals` (0 to 6) decimals, trailing zeros trimmed, and
 * returns out. Uses integer printing only, since newlib's floating-point printf may
 * allocate. Magnitudes of 1e12 and more are written as "out-of-range".
 */
const char *ff_format_decimal(char *out, double value, int decimals);

/* Appends epoch milliseconds as seconds with three decimals, without floating point. */
void ff_text_append_epoch_seconds(ff_text_t *text, int64_t epoch_ms);

#endif /* FOOTFALL_JSON_H */
