#include <string.h>

#include "footfall/host.h"

static ff_err_t ram_load(void *ctx, char *etag, uint32_t etag_capacity, char *json,
                         uint32_t json_capacity)
{
    ff_ram_settings_store_t *ram = ctx;
    if (ram->saved == 0) {
        return FF_ERR_EMPTY;
    }
    if (strlen(ram->etag) >= etag_capacity || strlen(ram->json) >= json_capacity) {
        return FF_ERR_BUFFER_TOO_SMALL;
    }
    strcpy(etag, ram->etag);
    strcpy(json, ram->json);
    return FF_OK;
}

static ff_err_t ram_save(void *ctx, const char *etag, const char *json)
{
    ff_ram_settings_store_t *ram = ctx;
    if (strlen(etag) >= sizeof ram->etag || strlen(json) >= sizeof ram->json) {
        return FF_ERR_BUFFER_TOO_SMALL;
    }
    strcpy(ram->etag, etag);
    strcpy(ram->json, json);
    ram->saved++;
    return FF_OK;
}

void ff_ram_settings_store_init(ff_ram_settings_store_t *ram, ff_settings_store_t *store)
{
    memset(ram, 0, sizeof *ram);
    store->ctx = ram;
    store->load = ram_load;
    store->save = ram_save;
}
