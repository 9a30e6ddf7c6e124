#include "hal_settings_store.h"

#include "app_config.h"
#include "esp_log.h"
#include "nvs.h"

static const char *TAG = "ff_settings_nvs";

static ff_err_t load_string(nvs_handle_t handle, const char *key, char *buffer, uint32_t capacity)
{
    size_t length = capacity;
    esp_err_t err = nvs_get_str(handle, key, buffer, &length);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        return FF_ERR_EMPTY;
    }
    if (err == ESP_ERR_NVS_INVALID_LENGTH) {
        ESP_LOGE(TAG, "stored '%s' is longer than %u bytes; ignoring it", key, (unsigned)capacity);
        return FF_ERR_BUFFER_TOO_SMALL;
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "reading '%s' from NVS failed: %s", key, esp_err_to_name(err));
        return FF_ERR_FLASH;
    }
    return FF_OK;
}

static ff_err_t store_load(void *ctx, char *etag, uint32_t etag_capacity, char *json,
                           uint32_t json_capacity)
{
    (void)ctx;
    nvs_handle_t handle;
    esp_err_t err = nvs_open(FF_NVS_NAMESPACE, NVS_READONLY, &handle);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        return FF_ERR_EMPTY; /* first boot: the namespace does not exist yet */
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "opening NVS namespace '%s' failed: %s", FF_NVS_NAMESPACE,
                 esp_err_to_name(err));
        return FF_ERR_FLASH;
    }

    ff_err_t result = load_string(handle, "json", json, json_capacity);
    if (result == FF_OK) {
        result = load_string(handle, "etag", etag, etag_capacity);
        if (result == FF_ERR_EMPTY) {
            etag[0] = '\0'; /* settings without an ETag are still usable */
            result = FF_OK;
        }
    }
    nvs_close(handle);
    return result;
}

static ff_err_t store_save(void *ctx, const char *etag, const char *json)
{
    (void)ctx;
    nvs_handle_t handle;
    esp_err_t err = nvs_open(FF_NVS_NAMESPACE, NVS_READWRITE, &handle);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "opening NVS namespace '%s' for writing failed: %s", FF_NVS_NAMESPACE,
                 esp_err_to_name(err));
        return FF_ERR_FLASH;
    }

    err = nvs_set_str(handle, "json", json);
    if (err == ESP_OK) {
        err = nvs_set_str(handle, "etag", etag != NULL ? etag : "");
    }
    if (err == ESP_OK) {
        err = nvs_commit(handle);
    }
    nvs_close(handle);

    if (err != ESP_OK) {
        ESP_LOGE(TAG, "saving the settings to NVS failed: %s", esp_err_to_name(err));
        return FF_ERR_FLASH;
    }
    return FF_OK;
}

void hal_settings_store(ff_settings_store_t *store)
{
    store->ctx = NULL;
    store->load = store_load;
    store->save = store_save;
}
