/*
 * Settings store in NVS: the last validated settings JSON from the service and its ETag.
 *
 *     ff_settings_store_t store;
 *     hal_settings_store(&store);
 */
#ifndef FOOTFALL_HAL_SETTINGS_STORE_H
#define FOOTFALL_HAL_SETTINGS_STORE_H

#include "footfall/hal.h"

/* Fills store with functions over the FF_NVS_NAMESPACE namespace; nvs_flash_init first. */
void hal_settings_store(ff_settings_store_t *store);

#endif /* FOOTFALL_HAL_SETTINGS_STORE_H */
