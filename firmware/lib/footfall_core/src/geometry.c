#include "footfall/geometry.h"

#include <math.h>

/* Below this length a line has no usable direction. */
#define MIN_LINE_LENGTH 1e-6f

ff_err_t ff_line_init(ff_line_t *line, ff_point_t start, ff_point_t end, ff_point_t inside)
{
    float dx = end.x - start.x;
    float dy = end.y - start.y;
    float length = sqrtf(dx * dx + dy * dy);
    if (!(length > MIN_LINE_LENGTH)) {
        return FF_ERR_INVALID_ARG;
    }

    line->start = start;
    line->dx = dx / length;
    line->dy = dy / length;
    line->length = length;
    line->inside_sign = 1.0f;

    /* The inside point fixes the sign, so swapping the endpoints changes nothing. */
    float raw = ff_line_signed_distance(line, inside);
    if (raw == 0.0f) {
        return FF_ERR_INVALID_ARG;
    }
    line->inside_sign = raw > 0.0f ? 1.0f : -1.0f;
    return FF_OK;
}

float ff_line_signed_distance(const ff_line_t *line, ff_point_t point)
{
    float px = point.x - line->start.x;
    float py = point.y - line->start.y;
    return line->inside_sign * (line->dx * py - line->dy * px);
}

int ff_line_side(const ff_line_t *line, float band, ff_point_t point)
{
    float px = point.x - line->start.x;
    float py = point.y - line->start.y;

    /* Beyond the ends of the segment a person walks around the line, not across it. */
    float along = line->dx * px + line->dy * py;
    if (along < 0.0f || along > line->length) {
        return FF_SIDE_NONE;
    }

    float distance = ff_line_signed_distance(line, point);
    if (distance > band) {
        return FF_SIDE_INSIDE;
    }
    if (distance < -band) {
        return FF_SIDE_OUTSIDE;
    }
    return FF_SIDE_NONE;
}
