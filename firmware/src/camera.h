/*
 * OV3660 camera through the esp32-camera driver: RGB565 at QVGA, frame buffers in PSRAM.
 *
 *     camera_start();
 *     camera_fb_t *frame = esp_camera_fb_get();   // NULL when the capture failed
 *     int64_t captured_ms = camera_capture_ms(frame);
 *     esp_camera_fb_return(frame);
 */
#ifndef FOOTFALL_CAMERA_H_GLUE
#define FOOTFALL_CAMERA_H_GLUE

#include <stdint.h>

#include "esp_camera.h"
#include "esp_err.h"
#include "footfall/hal.h"

/* Initialises the driver. A failure is logged, and the supervision then gets failed captures. */
esp_err_t camera_start(void);

/* Returns the capture time of frame in uptime milliseconds (the driver stamps each frame). */
int64_t camera_capture_ms(const camera_fb_t *frame);

/* Fills ops with the re-initialisation that the camera supervision requests. */
void camera_ops(ff_camera_ops_t *ops);

#endif /* FOOTFALL_CAMERA_H_GLUE */
