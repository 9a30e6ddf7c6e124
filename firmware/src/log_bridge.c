#include "log_bridge.h"

#include "esp_log.h"
#include "footfall/log.h"

static void forward(int level, const char *tag, const char *message)
{
    switch (level) {
    case FF_LOG_ERROR:
        ESP_LOGE(tag, "%s", message);
        break;
    case FF_LOG_WARN:
        ESP_LOGW(tag, "%s", message);
        break;
    case FF_LOG_INFO:
        ESP_LOGI(tag, "%s", message);
        break;
    default:
        ESP_LOGD(tag, "%s", message);
        break;
    }
}

void log_bridge_install(void)
{
    ff_log_set_sink(forward, FF_LOG_INFO);
}
