/*
 * Pedestrian detector: Espressif's pedestrian_detect model on ESP-DL, behind a C interface.
 *
 *     detector_start();
 *     size_t n = detector_run(frame->buf, frame->width, frame->height, boxes, FF_MAX_DETECTIONS);
 */
#ifndef FOOTFALL_DETECTOR_H
#define FOOTFALL_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "footfall/tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads the model from the pedestrian_det partition. Call once at start-up. */
esp_err_t detector_start(void);

/*
 * Runs the model on one RGB565 frame and writes at most capacity boxes, normalised to the
 * frame (left, top, width, height, score). Returns the number written.
 */
size_t detector_run(const uint8_t *rgb565, int width, int height, ff_detection_t *boxes,
                    size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_DETECTOR_H */
