/*
 * Host implementations of the hardware interfaces, for tests and the Python replay.
 * They are part of the host builds only (FF_BUILD_HOST_FAKES in CMake), never the device.
 *
 *     static ff_ram_flash_t ram;
 *     ff_flash_t flash;
 *     ff_ram_flash_init(&ram, 4096, 4, &flash);
 *     ff_queue_init(&queue, &flash);
 *     ff_ram_flash_cut_after(&ram, 3);   // power cut: the 4th write onward is lost or torn
 *
 * The RAM flash keeps NOR semantics: a write can only clear bits, and programming a byte
 * that is not erased fails, so a log that rewrites a slot is caught.
 */
#ifndef FOOTFALL_HOST_H
#define FOOTFALL_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/error.h"
#include "footfall/hal.h"
#include "footfall/settings.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest RAM flash region: 16 sectors of 4096 bytes. */
#define FF_RAM_FLASH_MAX_BYTES (16u * 4096u)

typedef struct {
    uint8_t bytes[FF_RAM_FLASH_MAX_BYTES];
    uint32_t sector_size;
    uint32_t sector_count;
    uint32_t writes;          /* successful write calls */
    uint32_t erases[16];      /* erase count per sector */
    int64_t writes_left;      /* -1: no power cut planned */
    int32_t powered;          /* 0 after the cut: every call fails */
} ff_ram_flash_t;

/* Returns sizeof(ff_ram_flash_t) for hosts that allocate it (ctypes). */
size_t ff_ram_flash_sizeof(void);

/* Erases the whole region and fills flash with the interface over it. */
ff_err_t ff_ram_flash_init(ff_ram_flash_t *ram, uint32_t sector_size, uint32_t sector_count,
                           ff_flash_t *flash);

/*
 * Plans a power cut: writes succeed writes more times, the next write stores only its
 * first half (a torn record), and every later call fails with FF_ERR_FLASH.
 */
void ff_ram_flash_cut_after(ff_ram_flash_t *ram, uint32_t writes);

/* Powers the region back on (a reboot); the bytes are kept. */
void ff_ram_flash_power_on(ff_ram_flash_t *ram);

/* Returns the highest erase count of any sector. */
uint32_t ff_ram_flash_max_erases(const ff_ram_flash_t *ram);

/* Settings store in RAM: the last saved ETag and JSON. */
typedef struct {
    char etag[80];
    char json[512];
    int32_t saved; /* number of saves */
} ff_ram_settings_store_t;

void ff_ram_settings_store_init(ff_ram_settings_store_t *ram, ff_settings_store_t *store);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_HOST_H */
