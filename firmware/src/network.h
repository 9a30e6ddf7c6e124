/*
 * Wi-Fi station and SNTP.
 *
 *     network_start(on_time_set);       // returns at once; connects in the background
 *     if (network_is_connected()) ...
 */
#ifndef FOOTFALL_NETWORK_H
#define FOOTFALL_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"

/* Called from the SNTP task after each sync with the uptime and the wall time it maps to. */
typedef void (*network_time_fn)(int64_t uptime_ms, int64_t epoch_ms);

/*
 * Starts Wi-Fi with the SSID and password of the build and SNTP once an address is
 * obtained. Returns ESP_ERR_INVALID_STATE when the build has no SSID (firmware/settings.ini
 * missing): the device then counts into its queue without sending.
 */
esp_err_t network_start(network_time_fn on_time_set);

/* Returns true while the station has an IP address. */
bool network_is_connected(void);

/* Returns the RSSI of the access point in dBm, or 0 when not connected. */
int32_t network_rssi_dbm(void);

#endif /* FOOTFALL_NETWORK_H */
