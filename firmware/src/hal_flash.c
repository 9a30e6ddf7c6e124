/*
 * ff_flash_t over an esp_partition. The core's log needs room for 2 * FF_QUEUE_CAPACITY + 4
 * records of 16 bytes in one sector. At the default capacity of 128 events that is more
 * than one 4 KB flash sector, so two physical sectors form one queue sector and are erased
 * together.
 */
#include "hal_flash.h"

#include "app_config.h"
#include "esp_log.h"
#include "esp_partition.h"
#include "footfall/queue.h"

static const char *TAG = "ff_flash";

static ff_err_t flash_read(void *ctx, uint32_t offset, void *buffer, uint32_t length)
{
    const esp_partition_t *partition = ctx;
    esp_err_t err = esp_partition_read(partition, offset, buffer, length);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "read of %u bytes at 0x%x failed: %s", (unsigned)length, (unsigned)offset,
                 esp_err_to_name(err));
        return FF_ERR_FLASH;
    }
    return FF_OK;
}

static ff_err_t flash_write(void *ctx, uint32_t offset, const void *data, uint32_t length)
{
    const esp_partition_t *partition = ctx;
    esp_err_t err = esp_partition_write(partition, offset, data, length);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "write of %u bytes at 0x%x failed: %s", (unsigned)length, (unsigned)offset,
                 esp_err_to_name(err));
        return FF_ERR_FLASH;
    }
    return FF_OK;
}

static ff_err_t flash_erase(void *ctx, uint32_t sector)
{
    const esp_partition_t *partition = ctx;
    uint32_t sector_bytes = partition->erase_size * HAL_FLASH_SECTORS_PER_QUEUE_SECTOR;
    esp_err_t err = esp_partition_erase_range(partition, sector * sector_bytes, sector_bytes);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "erase of queue sector %u failed: %s", (unsigned)sector, esp_err_to_name(err));
        return FF_ERR_FLASH;
    }
    return FF_OK;
}

esp_err_t hal_flash_open(ff_flash_t *flash)
{
    const esp_partition_t *partition = esp_partition_find_first(
        ESP_PARTITION_TYPE_DATA, (esp_partition_subtype_t)FF_EVENTS_PARTITION_SUBTYPE,
        FF_EVENTS_PARTITION_LABEL);
    if (partition == NULL) {
        ESP_LOGE(TAG, "partition '%s' (data, 0x%x) not found; flash a table that has it "
                      "(firmware/partitions.csv)",
                 FF_EVENTS_PARTITION_LABEL, FF_EVENTS_PARTITION_SUBTYPE);
        return ESP_ERR_NOT_FOUND;
    }

    uint32_t sector_bytes = partition->erase_size * HAL_FLASH_SECTORS_PER_QUEUE_SECTOR;
    uint32_t sector_count = partition->size / sector_bytes;
    if (sector_count < 2) {
        ESP_LOGE(TAG, "partition '%s' has %u bytes, fewer than two queue sectors of %u bytes",
                 FF_EVENTS_PARTITION_LABEL, (unsigned)partition->size, (unsigned)sector_bytes);
        return ESP_ERR_INVALID_SIZE;
    }

    flash->ctx = (void *)partition;
    flash->sector_size = sector_bytes;
    flash->sector_count = sector_count;
    flash->read = flash_read;
    flash->write = flash_write;
    flash->erase = flash_erase;
    ESP_LOGI(TAG, "event queue on '%s': %u sectors of %u bytes", FF_EVENTS_PARTITION_LABEL,
             (unsigned)sector_count, (unsigned)sector_bytes);
    return ESP_OK;
}
