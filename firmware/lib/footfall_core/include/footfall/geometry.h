/*
 * Geometry of the counting line: which side of the line a point lies on.
 *
 *     ff_line_t line;
 *     ff_line_init(&line, settings.line_start, settings.line_end, settings.inside);
 *     int side = ff_line_side(&line, settings.band, point);  // +1 inside, -1 outside, 0 band
 */
#ifndef FOOTFALL_GEOMETRY_H
#define FOOTFALL_GEOMETRY_H

#include "footfall/error.h"
#include "footfall/settings.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A line segment oriented so that positive signed distances are on the inside. */
typedef struct {
    ff_point_t start;
    float dx, dy;        /* unit direction from start to end */
    float length;        /* segment length */
    float inside_sign;   /* +1 or -1: sign of the raw cross product on the inside side */
} ff_line_t;

/* Side of a point relative to the line. */
typedef enum {
    FF_SIDE_OUTSIDE = -1,
    FF_SIDE_NONE = 0, /* in the band, or beyond the ends of the segment */
    FF_SIDE_INSIDE = 1
} ff_side_t;

/*
 * Prepares a line. Returns FF_ERR_INVALID_ARG for a zero-length line or an inside point
 * on the line itself.
 */
ff_err_t ff_line_init(ff_line_t *line, ff_point_t start, ff_point_t end, ff_point_t inside);

/* Returns the perpendicular distance of point from the line, positive on the inside. */
float ff_line_signed_distance(const ff_line_t *line, ff_point_t point);

/*
 * Returns the side of point: FF_SIDE_NONE when its distance is at most band or when its
 * projection falls outside the segment, else FF_SIDE_INSIDE or FF_SIDE_OUTSIDE.
 */
int ff_line_side(const ff_line_t *line, float band, ff_point_t point);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_GEOMETRY_H */
