#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Deepest nesting accepted; the core's bodies nest three levels at most. */
#define MAX_DEPTH 16

static ff_err_t add_token(ff_json_t *doc, uint8_t type, int32_t start, int32_t end,
                          int32_t *index)
{
    if (doc->count >= FF_JSON_MAX_TOKENS) {
        return FF_ERR_CAPACITY;
    }
    ff_json_token_t *token = &doc->tokens[doc->count];
    token->type = type;
    token->start = start;
    token->end = end;
    token->size = 0;
    *index = doc->count;
    doc->count++;
    return FF_OK;
}

/*
 * Counts a child of an array or object. Object children alternate key and value, so a
 * child at an even position is a key and must be a string. Returns 0 when it is not.
 */
static int add_child(ff_json_t *doc, int32_t parent, int32_t child)
{
    ff_json_token_t *container = &doc->tokens[parent];
    if (container->type == FF_JSON_OBJECT && container->size % 2 == 0 &&
        doc->tokens[child].type != FF_JSON_STRING) {
        return 0;
    }
    container->size++;
    return 1;
}

static int is_primitive_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
           c == '.' || c == 'E';
}

ff_err_t ff_json_parse(ff_json_t *doc, const char *text, size_t length)
{
    int32_t stack[MAX_DEPTH];
    int32_t depth = 0;
    int expect_value = 1; /* a value may start here (not after another value) */
    int32_t root_values = 0;
    ff_err_t err;

    doc->text = text;
    doc->length = length;
    doc->count = 0;

    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        int32_t index;

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        }

        if (c == '{' || c == '[') {
            if (!expect_value || depth >= MAX_DEPTH) {
                return FF_ERR_PARSE;
            }
            err = add_token(doc, c == '{' ? FF_JSON_OBJECT : FF_JSON_ARRAY, (int32_t)i, -1,
                            &index);
            if (err != FF_OK) {
                return err;
            }
            if (depth > 0) {
                if (!add_child(doc, stack[depth - 1], index)) {
                    return FF_ERR_PARSE;
                }
            } else {
                root_values++;
            }
            stack[depth++] = index;
            continue;
        }

        if (c == '}' || c == ']') {
            if (depth == 0) {
                return FF_ERR_PARSE;
            }
            ff_json_token_t *open = &doc->tokens[stack[depth - 1]];
            if ((c == '}') != (open->type == FF_JSON_OBJECT)) {
                return FF_ERR_PARSE;
            }
            if (open->type == FF_JSON_OBJECT && open->size % 2 != 0) {
                return FF_ERR_PARSE; /* a key without a value */
            }
            open->end = (int32_t)i + 1;
            depth--;
            expect_value = 0;
            continue;
        }

        if (c == ',' || c == ':') {
            expect_value = 1;
            continue;
        }

        if (!expect_value) {
            return FF_ERR_PARSE;
        }

        if (c == '"') {
            size_t j = i + 1;
            while (j < length && text[j] != '"') {
                if (text[j] == '\\') {
                    j++;
                }
                j++;
            }
            if (j >= length) {
                return FF_ERR_PARSE;
            }
            err = add_token(doc, FF_JSON_STRING, (int32_t)i + 1, (int32_t)j, &index);
            if (err != FF_OK) {
                return err;
            }
            i = j;
        } else if (is_primitive_char(c)) {
            size_t j = i;
            while (j < length && is_primitive_char(text[j])) {
                j++;
            }
            err = add_token(doc, FF_JSON_PRIMITIVE, (int32_t)i, (int32_t)j, &index);
            if (err != FF_OK) {
                return err;
            }
            i = j - 1;
        } else {
            return FF_ERR_PARSE;
        }

        if (depth > 0) {
            if (!add_child(doc, stack[depth - 1], index)) {
                return FF_ERR_PARSE;
            }
        } else {
            root_values++;
        }
        expect_value = 0;
    }

    if (depth != 0 || root_values != 1) {
        return FF_ERR_PARSE;
    }
    return FF_OK;
}

int32_t ff_json_next(const ff_json_t *doc, int32_t index)
{
    int32_t end = doc->tokens[index].end;
    int32_t next = index + 1;
    while (next < doc->count && doc->tokens[next].start < end) {
        next++;
    }
    return next;
}

int32_t ff_json_get(const ff_json_t *doc, int32_t object, const char *key)
{
    if (object < 0 || object >= doc->count || doc->tokens[object].type != FF_JSON_OBJECT) {
        return -1;
    }
    int32_t end = doc->tokens[object].end;
    int32_t index = object + 1;
    while (index < doc->count && doc->tokens[index].start < end) {
        /* A key without a value (malformed object) must not borrow the next token. */
        int32_t value = index + 1;
        if (value >= doc->count || doc->tokens[value].start >= end) {
            return -1;
        }
        if (ff_json_string_is(doc, index, key)) {
            return value;
        }
        index = ff_json_next(doc, value);
    }
    return -1;
}

int32_t ff_json_item(const ff_json_t *doc, int32_t array, int32_t position)
{
    if (array < 0 || array >= doc->count || doc->tokens[array].type != FF_JSON_ARRAY) {
        return -1;
    }
    int32_t end = doc->tokens[array].end;
    int32_t index = array + 1;
    for (int32_t i = 0; index < doc->count && doc->tokens[index].start < end; i++) {
        if (i == position) {
            return index;
        }
        index = ff_json_next(doc, index);
    }
    return -1;
}

static int primitive_is(const ff_json_t *doc, int32_t index, const char *word)
{
    const ff_json_token_t *token = &doc->tokens[index];
    size_t length = (size_t)(token->end - token->start);
    return token->type == FF_JSON_PRIMITIVE && strlen(word) == length &&
           memcmp(doc->text + token->start, word, length) == 0;
}

int ff_json_is_null(const ff_json_t *doc, int32_t index)
{
    return index >= 0 && index < doc->count && primitive_is(doc, index, "null");
}

/*
 * Parses a JSON number without strtod, because newlib's strtod may allocate. Integers up
 * to 2^53 come out exact. Fractions may be off by a few units in the last place of a
 * double, far below a float's precision.
 */
static int parse_number(const char *text, size_t length, double *value)
{
    size_t i = 0;
    int negative = 0;
    uint64_t mantissa = 0;
    int exponent = 0;
    int digits = 0;

    if (i < length && text[i] == '-') {
        negative = 1;
        i++;
    }
    for (; i < length && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
        if (mantissa < 100000000000000000ull) {
            mantissa = mantissa * 10u + (uint64_t)(text[i] - '0');
        } else {
            exponent++; /* digits past 17 only scale the value */
        }
    }
    if (i < length && text[i] == '.') {
        i++;
        int fraction_digits = 0;
        for (; i < length && text[i] >= '0' && text[i] <= '9'; i++, fraction_digits++) {
            if (mantissa < 100000000000000000ull) {
                mantissa = mantissa * 10u + (uint64_t)(text[i] - '0');
                exponent--;
            }
        }
        if (fraction_digits == 0) {
            return 0;
        }
    }
    if (digits == 0) {
        return 0;
    }
    if (i < length && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        int exponent_negative = 0;
        if (i < length && (text[i] == '+' || text[i] == '-')) {
            exponent_negative = text[i] == '-';
            i++;
        }
        int explicit_exponent = 0;
        int exponent_digits = 0;
        for (; i < length && text[i] >= '0' && text[i] <= '9'; i++, exponent_digits++) {
            if (explicit_exponent < 10000) {
                explicit_exponent = explicit_exponent * 10 + (text[i] - '0');
            }
        }
        if (exponent_digits == 0) {
            return 0;
        }
        exponent += exponent_negative ? -explicit_exponent : explicit_exponent;
    }
    if (i != length) {
        return 0;
    }

    double result = (double)mantissa;
    if (mantissa != 0u) {
        for (; exponent > 0; exponent--) {
            result *= 10.0;
        }
        for (; exponent < 0; exponent++) {
            result /= 10.0;
        }
    }
    *value = negative ? -result : result;
    return 1;
}

ff_err_t ff_json_number(const ff_json_t *doc, int32_t index, double *value)
{
    if (index < 0 || index >= doc->count) {
        return FF_ERR_PARSE;
    }
    const ff_json_token_t *token = &doc->tokens[index];
    size_t length = (size_t)(token->end - token->start);
    if (token->type != FF_JSON_PRIMITIVE || length == 0) {
        return FF_ERR_PARSE;
    }
    double parsed = 0.0;
    if (!parse_number(doc->text + token->start, length, &parsed)) {
        return FF_ERR_PARSE;
    }
    *value = parsed;
    return FF_OK;
}

const char *ff_format_decimal(char *out, double value, int decimals)
{
    if (value != value) {
        snprintf(out, FF_DECIMAL_CAPACITY, "nan");
        return out;
    }
    if (decimals < 0) {
        decimals = 0;
    }
    if (decimals > 6) {
        decimals = 6;
    }
    double magnitude = value < 0.0 ? -value : value;
    if (!(magnitude < 1e12)) {
        snprintf(out, FF_DECIMAL_CAPACITY, "out-of-range");
        return out;
    }

    long long scale = 1;
    for (int i = 0; i < decimals; i++) {
        scale *= 10;
    }
    long long scaled = (long long)(magnitude * (double)scale + 0.5);
    long long whole = scaled / scale;
    long long fraction = scaled % scale;
    const char *sign = value < 0.0 && scaled != 0 ? "-" : "";
    if (decimals == 0 || fraction == 0) {
        snprintf(out, FF_DECIMAL_CAPACITY, "%s%lld", sign, whole);
        return out;
    }

    int width = decimals;
    while (fraction % 10 == 0) {
        fraction /= 10;
        width--;
    }
    snprintf(out, FF_DECIMAL_CAPACITY, "%s%lld.%0*lld", sign, whole, width, fraction);
    return out;
}

ff_err_t ff_json_bool(const ff_json_t *doc, int32_t index, int *value)
{
    if (index < 0 || index >= doc->count) {
        return FF_ERR_PARSE;
    }
    if (primitive_is(doc, index, "true")) {
        *value = 1;
        return FF_OK;
    }
    if (primitive_is(doc, index, "false")) {
        *value = 0;
        return FF_OK;
    }
    return FF_ERR_PARSE;
}

ff_err_t ff_json_string(const ff_json_t *doc, int32_t index, char *out, size_t capacity)
{
    if (index < 0 || index >= doc->count || doc->tokens[index].type != FF_JSON_STRING ||
        capacity == 0) {
        return FF_ERR_PARSE;
    }
    const ff_json_token_t *token = &doc->tokens[index];
    size_t written = 0;
    for (int32_t i = token->start; i < token->end; i++) {
        char c = doc->text[i];
        if (c == '\\' && i + 1 < token->end) {
            i++;
            char escaped = doc->text[i];
            switch (escaped) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'u':
                /* \u escapes become '?': the core's own fields are ASCII. */
                c = '?';
                i += 4;
                break;
            default:
                c = escaped;
                break;
            }
        }
        if (written + 1 >= capacity) {
            out[0] = '\0';
            return FF_ERR_BUFFER_TOO_SMALL;
        }
        out[written++] = c;
    }
    out[written] = '\0';
    return FF_OK;
}

int ff_json_string_is(const ff_json_t *doc, int32_t index, const char *text)
{
    if (index < 0 || index >= doc->count || doc->tokens[index].type != FF_JSON_STRING) {
        return 0;
    }
    const ff_json_token_t *token = &doc->tokens[index];
    size_t length = (size_t)(token->end - token->start);
    return strlen(text) == length && memcmp(doc->text + token->start, text, length) == 0;
}

void ff_text_init(ff_text_t *text, char *data, size_t capacity)
{
    text->data = data;
    text->capacity = capacity;
    text->length = 0;
    text->overflow = 0;
    if (capacity > 0) {
        data[0] = '\0';
    }
}

void ff_text_append(ff_text_t *text, const char *format, ...)
{
    if (text->overflow) {
        return;
    }
    size_t room = text->capacity - text->length;
    va_list args;
    va_start(args, format);
    int needed = vsnprintf(text->data + text->length, room, format, args);
    va_end(args);
    if (needed < 0 || (size_t)needed >= room) {
        text->overflow = 1;
        text->data[text->length] = '\0';
        return;
    }
    text->length += (size_t)needed;
}

void ff_text_append_string(ff_text_t *text, const char *value)
{
    ff_text_append(text, "\"");
    for (const char *c = value; *c != '\0'; c++) {
        unsigned char u = (unsigned char)*c;
        if (u == '"' || u == '\\') {
            ff_text_append(text, "\\%c", *c);
        } else if (u < 0x20) {
            ff_text_append(text, "\\u%04x", u);
        } else {
            ff_text_append(text, "%c", *c);
        }
    }
    ff_text_append(text, "\"");
}

void ff_text_append_epoch_seconds(ff_text_t *text, int64_t epoch_ms)
{
    const char *sign = epoch_ms < 0 ? "-" : "";
    int64_t magnitude = epoch_ms < 0 ? -epoch_ms : epoch_ms;
    ff_text_append(text, "%s%lld.%03d", sign, (long long)(magnitude / 1000),
                   (int)(magnitude % 1000));
}
