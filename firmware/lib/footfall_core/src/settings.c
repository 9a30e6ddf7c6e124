#include "footfall/settings.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "footfall/config.h"
#include "footfall/geometry.h"
#include "json.h"

/* Upper bounds that keep a device usable; the protocol itself sets no limit. */
#define MAX_BAND 0.25f
#define MAX_CONFIRM 10
#define MIN_BATCH_INTERVAL_S 1
#define MAX_INTERVAL_S 3600
#define MIN_HEARTBEAT_INTERVAL_S 5

static ff_err_t reject(char *reason, size_t capacity, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static ff_err_t reject(char *reason, size_t capacity, const char *format, ...)
{
    if (reason != NULL && capacity > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(reason, capacity, format, args);
        va_end(args);
    }
    return FF_ERR_INVALID_SETTINGS;
}

void ff_settings_default(ff_settings_t *settings)
{
    settings->line_start.x = FF_DEFAULT_LINE_START_X;
    settings->line_start.y = FF_DEFAULT_LINE_START_Y;
    settings->line_end.x = FF_DEFAULT_LINE_END_X;
    settings->line_end.y = FF_DEFAULT_LINE_END_Y;
    settings->inside.x = FF_DEFAULT_INSIDE_X;
    settings->inside.y = FF_DEFAULT_INSIDE_Y;
    settings->band = FF_DEFAULT_BAND;
    settings->min_score = FF_DEFAULT_MIN_SCORE;
    settings->confirm = FF_DEFAULT_CONFIRM;
    settings->mode = FF_DEFAULT_MODE;
    settings->anchor = FF_DEFAULT_ANCHOR;
    settings->batch_interval_s = FF_DEFAULT_BATCH_INTERVAL_S;
    settings->heartbeat_interval_s = FF_DEFAULT_HEARTBEAT_INTERVAL_S;
}

static int is_finite_point(ff_point_t p)
{
    return isfinite(p.x) && isfinite(p.y);
}

ff_err_t ff_settings_check_geometry(const ff_settings_t *settings, char *reason,
                                    size_t reason_capacity)
{
    if (settings == NULL) {
        return reject(reason, reason_capacity, "settings missing (NULL pointer)");
    }
    if (!is_finite_point(settings->line_start) || !is_finite_point(settings->line_end) ||
        !is_finite_point(settings->inside)) {
        return reject(reason, reason_capacity,
                      "line: a coordinate is not a finite number; give numbers for start, "
                      "end and inside");
    }
    if (!(settings->band > 0.0f) || !isfinite(settings->band)) {
        char band[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity, "band: %s is invalid; give a positive width",
                      ff_format_decimal(band, (double)settings->band, 6));
    }
    if (settings->confirm < 1) {
        return reject(reason, reason_capacity, "confirm: %d is invalid; give 1 or more",
                      (int)settings->confirm);
    }
    if (settings->mode != FF_MODE_IMMEDIATE && settings->mode != FF_MODE_DEFERRED) {
        return reject(reason, reason_capacity,
                      "mode: %d is unknown; use immediate (0) or deferred (1)",
                      (int)settings->mode);
    }
    if (settings->anchor != FF_ANCHOR_CENTER && settings->anchor != FF_ANCHOR_BOTTOM_CENTER) {
        return reject(reason, reason_capacity,
                      "anchor: %d is unknown; use center (0) or bottom_center (1)",
                      (int)settings->anchor);
    }

    ff_line_t line;
    if (ff_line_init(&line, settings->line_start, settings->line_end, settings->inside) !=
        FF_OK) {
        if (settings->line_start.x == settings->line_end.x &&
            settings->line_start.y == settings->line_end.y) {
            char x[FF_DECIMAL_CAPACITY];
            char y[FF_DECIMAL_CAPACITY];
            return reject(reason, reason_capacity,
                          "line: start and end are the same point (%s, %s); give two "
                          "different points",
                          ff_format_decimal(x, (double)settings->line_start.x, 6),
                          ff_format_decimal(y, (double)settings->line_start.y, 6));
        }
        char x[FF_DECIMAL_CAPACITY];
        char y[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity,
                      "line: start and end are too close or inside (%s, %s) lies on the "
                      "line; move them apart",
                      ff_format_decimal(x, (double)settings->inside.x, 6),
                      ff_format_decimal(y, (double)settings->inside.y, 6));
    }
    float inside_distance = ff_line_signed_distance(&line, settings->inside);
    if (inside_distance <= settings->band) {
        char x[FF_DECIMAL_CAPACITY];
        char y[FF_DECIMAL_CAPACITY];
        char distance[FF_DECIMAL_CAPACITY];
        char band[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity,
                      "line.inside: (%s, %s) is %s from the line, within the band of %s; "
                      "pick a point clearly on the inside",
                      ff_format_decimal(x, (double)settings->inside.x, 6),
                      ff_format_decimal(y, (double)settings->inside.y, 6),
                      ff_format_decimal(distance, (double)inside_distance, 3),
                      ff_format_decimal(band, (double)settings->band, 6));
    }
    return FF_OK;
}

/* Keeps the part of polygon `in` where along-line position a*x + b*y >= limit. */
static size_t clip_half_plane(const ff_point_t *in, size_t n, float a, float b, float limit,
                              ff_point_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        ff_point_t p = in[i];
        ff_point_t q = in[(i + 1) % n];
        float vp = a * p.x + b * p.y - limit;
        float vq = a * q.x + b * q.y - limit;
        if (vp >= 0.0f) {
            out[m++] = p;
        }
        if ((vp >= 0.0f) != (vq >= 0.0f)) {
            float t = vp / (vp - vq);
            ff_point_t cut = {p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)};
            out[m++] = cut;
        }
    }
    return m;
}

/*
 * Finds how far the visible frame reaches on each side of the line, within the strip
 * swept by the segment, since a person is only counted there.
 */
static void frame_depths(const ff_line_t *line, float *inside_depth, float *outside_depth)
{
    ff_point_t frame[8] = {{0.0f, 0.0f}, {1.0f, 0.0f}, {1.0f, 1.0f}, {0.0f, 1.0f}};
    ff_point_t half[8];
    ff_point_t strip[8];

    float start_along = line->dx * line->start.x + line->dy * line->start.y;
    size_t n = clip_half_plane(frame, 4, line->dx, line->dy, start_along, half);
    n = clip_half_plane(half, n, -line->dx, -line->dy, -(start_along + line->length), strip);

    *inside_depth = 0.0f;
    *outside_depth = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float d = ff_line_signed_distance(line, strip[i]);
        if (d > *inside_depth) {
            *inside_depth = d;
        }
        if (-d > *outside_depth) {
            *outside_depth = -d;
        }
    }
}

static int in_frame(ff_point_t p)
{
    return p.x >= 0.0f && p.x <= 1.0f && p.y >= 0.0f && p.y <= 1.0f;
}

ff_err_t ff_settings_validate(const ff_settings_t *settings, char *reason,
                              size_t reason_capacity)
{
    ff_err_t err = ff_settings_check_geometry(settings, reason, reason_capacity);
    if (err != FF_OK) {
        return err;
    }

    const struct {
        const char *name;
        ff_point_t point;
    } points[] = {
        {"line.start", settings->line_start},
        {"line.end", settings->line_end},
        {"line.inside", settings->inside},
    };
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        if (!in_frame(points[i].point)) {
            char x[FF_DECIMAL_CAPACITY];
            char y[FF_DECIMAL_CAPACITY];
            return reject(reason, reason_capacity,
                          "%s: (%s, %s) is outside the frame; coordinates are normalised "
                          "from 0 to 1",
                          points[i].name, ff_format_decimal(x, (double)points[i].point.x, 6),
                          ff_format_decimal(y, (double)points[i].point.y, 6));
        }
    }
    if (settings->band > MAX_BAND) {
        char band[FF_DECIMAL_CAPACITY];
        char limit[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity, "band: %s is too wide; give at most %s",
                      ff_format_decimal(band, (double)settings->band, 6),
                      ff_format_decimal(limit, (double)MAX_BAND, 6));
    }
    if (settings->confirm > MAX_CONFIRM) {
        return reject(reason, reason_capacity, "confirm: %d is too many; give 1 to %d",
                      (int)settings->confirm, MAX_CONFIRM);
    }
    if (!(settings->min_score >= 0.0f && settings->min_score <= 1.0f)) {
        char score[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity, "min_score: %s is invalid; give 0 to 1",
                      ff_format_decimal(score, (double)settings->min_score, 6));
    }
    if (settings->batch_interval_s < MIN_BATCH_INTERVAL_S ||
        settings->batch_interval_s > MAX_INTERVAL_S) {
        return reject(reason, reason_capacity,
                      "batch_interval_s: %d is invalid; give %d to %d seconds",
                      (int)settings->batch_interval_s, MIN_BATCH_INTERVAL_S, MAX_INTERVAL_S);
    }
    if (settings->heartbeat_interval_s < MIN_HEARTBEAT_INTERVAL_S ||
        settings->heartbeat_interval_s > MAX_INTERVAL_S) {
        return reject(reason, reason_capacity,
                      "heartbeat_interval_s: %d is invalid; give %d to %d seconds",
                      (int)settings->heartbeat_interval_s, MIN_HEARTBEAT_INTERVAL_S,
                      MAX_INTERVAL_S);
    }

    /* A person must be seen clearly on both sides, or the line can never count. */
    ff_line_t line;
    ff_line_init(&line, settings->line_start, settings->line_end, settings->inside);
    float inside_depth = 0.0f;
    float outside_depth = 0.0f;
    frame_depths(&line, &inside_depth, &outside_depth);
    float needed = settings->band + FF_MIN_SIDE_DEPTH;
    if (outside_depth < needed) {
        char depth[FF_DECIMAL_CAPACITY];
        char need[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity,
                      "line: the outside side reaches only %s from the line, the band "
                      "and a margin need %s; move the line away from the frame edge",
                      ff_format_decimal(depth, (double)outside_depth, 3),
                      ff_format_decimal(need, (double)needed, 3));
    }
    if (inside_depth < needed) {
        char depth[FF_DECIMAL_CAPACITY];
        char need[FF_DECIMAL_CAPACITY];
        return reject(reason, reason_capacity,
                      "line: the inside side reaches only %s from the line, the band and "
                      "a margin need %s; move the line away from the frame edge",
                      ff_format_decimal(depth, (double)inside_depth, 3),
                      ff_format_decimal(need, (double)needed, 3));
    }
    return FF_OK;
}

static ff_err_t read_point(const ff_json_t *doc, int32_t index, const char *name,
                           ff_point_t *point, char *reason, size_t capacity)
{
    double x = 0.0;
    double y = 0.0;
    if (doc->tokens[index].type != FF_JSON_ARRAY || doc->tokens[index].size != 2 ||
        ff_json_number(doc, ff_json_item(doc, index, 0), &x) != FF_OK ||
        ff_json_number(doc, ff_json_item(doc, index, 1), &y) != FF_OK) {
        reject(reason, capacity, "%s: expected [x, y] with two numbers", name);
        return FF_ERR_PARSE;
    }
    point->x = (float)x;
    point->y = (float)y;
    return FF_OK;
}

static ff_err_t read_number(const ff_json_t *doc, int32_t object, const char *name,
                            double *value, int *present, char *reason, size_t capacity)
{
    int32_t index = ff_json_get(doc, object, name);
    *present = index >= 0;
    if (index < 0) {
        return FF_OK;
    }
    if (ff_json_number(doc, index, value) != FF_OK) {
        reject(reason, capacity, "%s: expected a number", name);
        return FF_ERR_PARSE;
    }
    return FF_OK;
}

static ff_err_t read_integer(const ff_json_t *doc, int32_t object, const char *name,
                             int32_t *value, char *reason, size_t capacity)
{
    double number = 0.0;
    int present = 0;
    ff_err_t err = read_number(doc, object, name, &number, &present, reason, capacity);
    if (err != FF_OK || !present) {
        return err;
    }
    if (number != floor(number) || number < -1e9 || number > 1e9) {
        char value_text[FF_DECIMAL_CAPACITY];
        reject(reason, capacity, "%s: %s is not an integer", name,
               ff_format_decimal(value_text, number, 6));
        return FF_ERR_PARSE;
    }
    *value = (int32_t)number;
    return FF_OK;
}

static ff_err_t read_line(const ff_json_t *doc, int32_t root, ff_settings_t *parsed,
                          char *reason, size_t capacity)
{
    int32_t line = ff_json_get(doc, root, "line");
    if (line < 0) {
        return FF_OK;
    }
    if (doc->tokens[line].type != FF_JSON_OBJECT) {
        reject(reason, capacity, "line: expected an object with start, end and inside");
        return FF_ERR_PARSE;
    }

    const char *names[3] = {"start", "end", "inside"};
    const char *full_names[3] = {"line.start", "line.end", "line.inside"};
    ff_point_t *targets[3] = {&parsed->line_start, &parsed->line_end, &parsed->inside};
    for (int i = 0; i < 3; i++) {
        int32_t index = ff_json_get(doc, line, names[i]);
        if (index < 0) {
            reject(reason, capacity, "%s: missing; the line needs start, end and inside",
                   full_names[i]);
            return FF_ERR_PARSE;
        }
        ff_err_t err = read_point(doc, index, full_names[i], targets[i], reason, capacity);
        if (err != FF_OK) {
            return err;
        }
    }
    return FF_OK;
}

static ff_err_t read_choice(const ff_json_t *doc, int32_t root, const char *name,
                            const char *first, const char *second, int32_t *value,
                            char *reason, size_t capacity)
{
    int32_t index = ff_json_get(doc, root, name);
    if (index < 0) {
        return FF_OK;
    }
    if (ff_json_string_is(doc, index, first)) {
        *value = 0;
    } else if (ff_json_string_is(doc, index, second)) {
        *value = 1;
    } else {
        reject(reason, capacity, "%s: unknown value; use \"%s\" or \"%s\"", name, first,
               second);
        return FF_ERR_PARSE;
    }
    return FF_OK;
}

ff_err_t ff_settings_parse_json(const char *json, size_t length, ff_settings_t *settings,
                                char *reason, size_t reason_capacity)
{
    /* Static because the token array is large for a task stack; parsing is not reentrant. */
    static ff_json_t doc;
    ff_settings_t parsed = *settings;
    double number = 0.0;
    int present = 0;
    ff_err_t err;

    if (json == NULL || ff_json_parse(&doc, json, length) != FF_OK || doc.count == 0 ||
        doc.tokens[0].type != FF_JSON_OBJECT) {
        reject(reason, reason_capacity, "settings body: not a JSON object");
        return FF_ERR_PARSE;
    }

    err = read_line(&doc, 0, &parsed, reason, reason_capacity);
    if (err == FF_OK) {
        err = read_number(&doc, 0, "band", &number, &present, reason, reason_capacity);
        if (err == FF_OK && present) {
            parsed.band = (float)number;
        }
    }
    if (err == FF_OK) {
        err = read_number(&doc, 0, "min_score", &number, &present, reason, reason_capacity);
        if (err == FF_OK && present) {
            parsed.min_score = (float)number;
        }
    }
    if (err == FF_OK) {
        err = read_integer(&doc, 0, "confirm", &parsed.confirm, reason, reason_capacity);
    }
    if (err == FF_OK) {
        err = read_integer(&doc, 0, "batch_interval_s", &parsed.batch_interval_s, reason,
                           reason_capacity);
    }
    if (err == FF_OK) {
        err = read_integer(&doc, 0, "heartbeat_interval_s", &parsed.heartbeat_interval_s,
                           reason, reason_capacity);
    }
    if (err == FF_OK) {
        err = read_choice(&doc, 0, "mode", "immediate", "deferred", &parsed.mode, reason,
                          reason_capacity);
    }
    if (err == FF_OK) {
        err = read_choice(&doc, 0, "anchor", "center", "bottom_center", &parsed.anchor,
                          reason, reason_capacity);
    }
    if (err != FF_OK) {
        return err;
    }

    err = ff_settings_validate(&parsed, reason, reason_capacity);
    if (err != FF_OK) {
        return err;
    }
    *settings = parsed;
    return FF_OK;
}

ff_err_t ff_settings_to_json(const ff_settings_t *settings, char *buffer, size_t capacity,
                             size_t *length)
{
    /* Six decimals keep coordinates to a millionth of the frame, finer than any pixel. */
    char number[8][FF_DECIMAL_CAPACITY];
    ff_text_t text;
    ff_text_init(&text, buffer, capacity);
    ff_text_append(&text,
                   "{\"line\":{\"start\":[%s,%s],\"end\":[%s,%s],\"inside\":[%s,%s]},"
                   "\"band\":%s,\"confirm\":%d,\"mode\":\"%s\",\"anchor\":\"%s\","
                   "\"min_score\":%s,\"batch_interval_s\":%d,\"heartbeat_interval_s\":%d}",
                   ff_format_decimal(number[0], (double)settings->line_start.x, 6),
                   ff_format_decimal(number[1], (double)settings->line_start.y, 6),
                   ff_format_decimal(number[2], (double)settings->line_end.x, 6),
                   ff_format_decimal(number[3], (double)settings->line_end.y, 6),
                   ff_format_decimal(number[4], (double)settings->inside.x, 6),
                   ff_format_decimal(number[5], (double)settings->inside.y, 6),
                   ff_format_decimal(number[6], (double)settings->band, 6),
                   (int)settings->confirm,
                   settings->mode == FF_MODE_DEFERRED ? "deferred" : "immediate",
                   settings->anchor == FF_ANCHOR_BOTTOM_CENTER ? "bottom_center" : "center",
                   ff_format_decimal(number[7], (double)settings->min_score, 6),
                   (int)settings->batch_interval_s, (int)settings->heartbeat_interval_s);
    if (length != NULL) {
        *length = text.length;
    }
    return text.overflow ? FF_ERR_BUFFER_TOO_SMALL : FF_OK;
}

int ff_settings_equal(const ff_settings_t *a, const ff_settings_t *b)
{
    return a->line_start.x == b->line_start.x && a->line_start.y == b->line_start.y &&
           a->line_end.x == b->line_end.x && a->line_end.y == b->line_end.y &&
           a->inside.x == b->inside.x && a->inside.y == b->inside.y && a->band == b->band &&
           a->min_score == b->min_score && a->confirm == b->confirm && a->mode == b->mode &&
           a->anchor == b->anchor && a->batch_interval_s == b->batch_interval_s &&
           a->heartbeat_interval_s == b->heartbeat_interval_s;
}
