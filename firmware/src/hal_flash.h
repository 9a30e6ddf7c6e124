/*
 * Event queue storage: the `ff_events` data partition as the core's ff_flash_t.
 *
 *     ff_flash_t flash;
 *     if (hal_flash_open(&flash) == ESP_OK) ff_queue_init(&queue, &flash);
 */
#ifndef FOOTFALL_HAL_FLASH_H
#define FOOTFALL_HAL_FLASH_H

#include "esp_err.h"
#include "footfall/hal.h"

/* Physical sectors grouped into one queue sector (see hal_flash.c). */
#define HAL_FLASH_SECTORS_PER_QUEUE_SECTOR 2u

/*
 * Finds the partition and fills flash. Returns ESP_ERR_NOT_FOUND when the partition table
 * has no `ff_events` partition, ESP_ERR_INVALID_SIZE when it is smaller than two queue sectors.
 */
esp_err_t hal_flash_open(ff_flash_t *flash);

#endif /* FOOTFALL_HAL_FLASH_H */
