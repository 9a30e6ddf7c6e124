// C wrapper of ESP-DL's PedestrianDetect (espressif/pedestrian_detect component).
// The model and its tensors are allocated once in detector_start; run() reuses them.
#include "detector.h"

#include <algorithm>
#include <list>

#include "esp_log.h"
#include "pedestrian_detect.hpp"

static const char *TAG = "ff_detector";
static PedestrianDetect *s_detector = nullptr;

extern "C" esp_err_t detector_start(void)
{
    if (s_detector != nullptr) {
        return ESP_OK;
    }
    s_detector = new PedestrianDetect();
    if (s_detector == nullptr) {
        ESP_LOGE(TAG, "loading the pedestrian model failed; check the pedestrian_det partition");
        return ESP_ERR_NO_MEM;
    }
    ESP_LOGI(TAG, "pedestrian detector loaded");
    return ESP_OK;
}

static float clamp_unit(float value)
{
    return std::min(1.0f, std::max(0.0f, value));
}

extern "C" size_t detector_run(const uint8_t *rgb565, int width, int height, ff_detection_t *boxes,
                               size_t capacity)
{
    if (s_detector == nullptr || rgb565 == nullptr || width <= 0 || height <= 0) {
        return 0;
    }

    dl::image::img_t image;
    image.data = const_cast<uint8_t *>(rgb565);
    image.width = static_cast<uint16_t>(width);
    image.height = static_cast<uint16_t>(height);
    // NOTE: esp32-camera delivers RGB565 with the high byte first; whether this ESP-DL
    // version expects that order for DL_IMAGE_PIX_TYPE_RGB565 is unverified on hardware.
    image.pix_type = dl::image::DL_IMAGE_PIX_TYPE_RGB565;

    std::list<dl::detect::result_t> &results = s_detector->run(image);

    size_t count = 0;
    for (const dl::detect::result_t &result : results) {
        if (count == capacity) {
            break;
        }
        // box is x1, y1, x2, y2 in pixels of the input frame.
        float left = clamp_unit(static_cast<float>(result.box[0]) / width);
        float top = clamp_unit(static_cast<float>(result.box[1]) / height);
        float right = clamp_unit(static_cast<float>(result.box[2]) / width);
        float bottom = clamp_unit(static_cast<float>(result.box[3]) / height);
        if (right <= left || bottom <= top) {
            continue;
        }
        boxes[count].x = left;
        boxes[count].y = top;
        boxes[count].w = right - left;
        boxes[count].h = bottom - top;
        boxes[count].score = result.score;
        count++;
    }
    return count;
}
