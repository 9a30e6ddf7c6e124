#include "camera.h"

#include "camera_pins.h"
#include "esp_log.h"

static const char *TAG = "ff_camera";

static const camera_config_t CAMERA_CONFIG = {
    .pin_pwdn = CAM_PIN_PWDN,
    .pin_reset = CAM_PIN_RESET,
    .pin_xclk = CAM_PIN_XCLK,
    .pin_sccb_sda = CAM_PIN_SIOD,
    .pin_sccb_scl = CAM_PIN_SIOC,
    .pin_d7 = CAM_PIN_D7,
    .pin_d6 = CAM_PIN_D6,
    .pin_d5 = CAM_PIN_D5,
    .pin_d4 = CAM_PIN_D4,
    .pin_d3 = CAM_PIN_D3,
    .pin_d2 = CAM_PIN_D2,
    .pin_d1 = CAM_PIN_D1,
    .pin_d0 = CAM_PIN_D0,
    .pin_vsync = CAM_PIN_VSYNC,
    .pin_href = CAM_PIN_HREF,
    .pin_pclk = CAM_PIN_PCLK,
    .xclk_freq_hz = 20000000,
    .ledc_timer = LEDC_TIMER_0,
    .ledc_channel = LEDC_CHANNEL_0,
    /* The detector takes RGB565 directly, so no JPEG decode on the device. */
    .pixel_format = PIXFORMAT_RGB565,
    .frame_size = FRAMESIZE_QVGA,
    .jpeg_quality = 12,
    .fb_count = 2,
    .fb_location = CAMERA_FB_IN_PSRAM,
    /* The detector takes ~130 ms a frame; always hand it the newest frame. */
    .grab_mode = CAMERA_GRAB_LATEST,
};

esp_err_t camera_start(void)
{
    esp_err_t err = esp_camera_init(&CAMERA_CONFIG);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "esp_camera_init failed: %s; check the ribbon cable and camera_pins.h",
                 esp_err_to_name(err));
        return err;
    }
    ESP_LOGI(TAG, "camera started: RGB565 QVGA, 2 frame buffers in PSRAM");
    return ESP_OK;
}

int64_t camera_capture_ms(const camera_fb_t *frame)
{
    return (int64_t)frame->timestamp.tv_sec * 1000 + frame->timestamp.tv_usec / 1000;
}

static ff_err_t camera_reinit(void *ctx)
{
    (void)ctx;
    ESP_LOGW(TAG, "re-initialising the camera after repeated failed captures");
    esp_camera_deinit();
    return camera_start() == ESP_OK ? FF_OK : FF_ERR_NOT_READY;
}

void camera_ops(ff_camera_ops_t *ops)
{
    ops->ctx = NULL;
    ops->reinit = camera_reinit;
}
