/*
 * Counting settings: the line, its inside side, the band and the counting mode.
 *
 *     ff_settings_t settings;
 *     ff_settings_default(&settings);
 *     char reason[160];
 *     if (ff_settings_parse_json(body, body_length, &settings, reason, sizeof reason) != FF_OK) {
 *         FF_LOGE(TAG, "config rejected: %s", reason);
 *     }
 *
 * Coordinates are normalised to the frame: 0 to 1, x to the right, y down. The inside
 * side of the line is the side of the `inside` point, whatever the order of the endpoints.
 */
#ifndef FOOTFALL_SETTINGS_H
#define FOOTFALL_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    float x;
    float y;
} ff_point_t;

/* When a crossing is counted. */
typedef enum {
    FF_MODE_IMMEDIATE = 0, /* as soon as the track is confirmed on the other side */
    FF_MODE_DEFERRED = 1   /* once, when the track ends, if its first and last sides differ */
} ff_mode_t;

/* Which point of a detection box is counted. */
typedef enum {
    FF_ANCHOR_CENTER = 0,
    FF_ANCHOR_BOTTOM_CENTER = 1
} ff_anchor_t;

/* Counting settings; enums are stored as int32_t so the layout is fixed for ctypes. */
typedef struct {
    ff_point_t line_start;
    ff_point_t line_end;
    ff_point_t inside;            /* any point on the inside side of the line */
    float band;                   /* half width of the no-side band around the line */
    float min_score;              /* detections scoring below are ignored */
    int32_t confirm;              /* observations outside the band that confirm a side */
    int32_t mode;                 /* ff_mode_t */
    int32_t anchor;               /* ff_anchor_t */
    int32_t batch_interval_s;     /* seconds between event batches */
    int32_t heartbeat_interval_s; /* seconds between heartbeats */
} ff_settings_t;

/* Minimum depth, beyond the band, that the visible frame must have on each side of the line. */
#define FF_MIN_SIDE_DEPTH 0.05f

/* Fills settings with the build-time defaults (FF_DEFAULT_* in footfall/config.h). */
void ff_settings_default(ff_settings_t *settings);

/*
 * Checks only the geometry: a line of non-zero length, an inside point outside the band,
 * a positive band, confirm >= 1, known mode and anchor. Coordinates may be in any unit
 * (for example metres in the replay of trajectory files). On failure writes a reason.
 */
ff_err_t ff_settings_check_geometry(const ff_settings_t *settings, char *reason,
                                    size_t reason_capacity);

/*
 * Checks everything a device needs: the geometry above, coordinates inside the frame
 * (0 to 1), the frame visible at least FF_MIN_SIDE_DEPTH beyond the band on both sides of
 * the line, band at most 0.25, confirm 1 to 10, min_score 0 to 1, batch interval 1 to
 * 3600 s, heartbeat interval 5 to 3600 s. Returns FF_ERR_INVALID_SETTINGS and writes a
 * reason naming the field, its value and what to change.
 */
ff_err_t ff_settings_validate(const ff_settings_t *settings, char *reason,
                              size_t reason_capacity);

/*
 * Parses the config body of GET /api/v1/devices/me/config into settings and validates it.
 * Fields missing from the body keep the values that settings contains on entry. On any error
 * settings is left unchanged and a reason is written.
 * NOTE: not reentrant, because the JSON tokens live in a static buffer; call it from one
 * task only (the uplink's on the device).
 */
ff_err_t ff_settings_parse_json(const char *json, size_t length, ff_settings_t *settings,
                                char *reason, size_t reason_capacity);

/* Writes settings as JSON in the config body's format (NUL-terminated). */
ff_err_t ff_settings_to_json(const ff_settings_t *settings, char *buffer, size_t capacity,
                             size_t *length);

/* Returns 1 when two settings are equal field by field, else 0. */
int ff_settings_equal(const ff_settings_t *a, const ff_settings_t *b);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_SETTINGS_H */
