#include <string.h>

#include "footfall/host.h"

size_t ff_ram_flash_sizeof(void)
{
    return sizeof(ff_ram_flash_t);
}

static ff_err_t ram_read(void *ctx, uint32_t offset, void *buffer, uint32_t length)
{
    ff_ram_flash_t *ram = ctx;
    if (!ram->powered) {
        return FF_ERR_FLASH;
    }
    if ((uint64_t)offset + length > (uint64_t)ram->sector_size * ram->sector_count) {
        return FF_ERR_INVALID_ARG;
    }
    memcpy(buffer, &ram->bytes[offset], length);
    return FF_OK;
}

static ff_err_t ram_write(void *ctx, uint32_t offset, const void *data, uint32_t length)
{
    ff_ram_flash_t *ram = ctx;
    const uint8_t *bytes = data;
    if (!ram->powered) {
        return FF_ERR_FLASH;
    }
    if ((uint64_t)offset + length > (uint64_t)ram->sector_size * ram->sector_count) {
        return FF_ERR_INVALID_ARG;
    }

    /* NOR flash programs erased bytes only; rewriting a used byte is a bug in the log. */
    for (uint32_t i = 0; i < length; i++) {
        if (ram->bytes[offset + i] != 0xFFu) {
            return FF_ERR_FLASH;
        }
    }

    uint32_t stored = length;
    if (ram->writes_left == 0) {
        stored = length / 2u; /* the power fails halfway through this write */
        ram->powered = 0;
    } else if (ram->writes_left > 0) {
        ram->writes_left--;
    }
    for (uint32_t i = 0; i < stored; i++) {
        ram->bytes[offset + i] &= bytes[i];
    }
    if (!ram->powered) {
        return FF_ERR_FLASH;
    }
    ram->writes++;
    return FF_OK;
}

static ff_err_t ram_erase(void *ctx, uint32_t sector)
{
    ff_ram_flash_t *ram = ctx;
    if (!ram->powered) {
        return FF_ERR_FLASH;
    }
    if (sector >= ram->sector_count) {
        return FF_ERR_INVALID_ARG;
    }
    memset(&ram->bytes[sector * ram->sector_size], 0xFF, ram->sector_size);
    ram->erases[sector]++;
    return FF_OK;
}

ff_err_t ff_ram_flash_init(ff_ram_flash_t *ram, uint32_t sector_size, uint32_t sector_count,
                           ff_flash_t *flash)
{
    if (ram == NULL || flash == NULL || sector_count == 0u || sector_count > 16u ||
        (uint64_t)sector_size * sector_count > FF_RAM_FLASH_MAX_BYTES) {
        return FF_ERR_INVALID_ARG;
    }
    memset(ram, 0, sizeof *ram);
    memset(ram->bytes, 0xFF, sizeof ram->bytes);
    ram->sector_size = sector_size;
    ram->sector_count = sector_count;
    ram->writes_left = -1;
    ram->powered = 1;

    flash->ctx = ram;
    flash->sector_size = sector_size;
    flash->sector_count = sector_count;
    flash->read = ram_read;
    flash->write = ram_write;
    flash->erase = ram_erase;
    return FF_OK;
}

void ff_ram_flash_cut_after(ff_ram_flash_t *ram, uint32_t writes)
{
    ram->writes_left = (int64_t)writes;
}

void ff_ram_flash_power_on(ff_ram_flash_t *ram)
{
    ram->powered = 1;
    ram->writes_left = -1;
}

uint32_t ff_ram_flash_max_erases(const ff_ram_flash_t *ram)
{
    uint32_t most = 0;
    for (uint32_t i = 0; i < ram->sector_count; i++) {
        if (ram->erases[i] > most) {
            most = ram->erases[i];
        }
    }
    return most;
}
