/*
 * DVP camera pins of the board. These match the Freenove ESP32-S3-WROOM CAM board, whose
 * camera connector uses the same pins as Espressif's ESP32-S3-EYE.
 * NOTE: taken from the board vendors' published pin maps, not yet checked on hardware;
 * compare with the schematic of your board before the first flash.
 */
#ifndef FOOTFALL_CAMERA_PINS_H
#define FOOTFALL_CAMERA_PINS_H

#define CAM_PIN_PWDN -1
#define CAM_PIN_RESET -1
#define CAM_PIN_XCLK 15
#define CAM_PIN_SIOD 4
#define CAM_PIN_SIOC 5
#define CAM_PIN_D7 16
#define CAM_PIN_D6 17
#define CAM_PIN_D5 18
#define CAM_PIN_D4 12
#define CAM_PIN_D3 10
#define CAM_PIN_D2 8
#define CAM_PIN_D1 9
#define CAM_PIN_D0 11
#define CAM_PIN_VSYNC 6
#define CAM_PIN_HREF 7
#define CAM_PIN_PCLK 13

#endif /* FOOTFALL_CAMERA_PINS_H */
