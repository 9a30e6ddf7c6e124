/*
 * Build-time values of the device glue. platformio.ini passes them as -D flags, the
 * credentials from the git-ignored firmware/settings.ini; the fallbacks below only keep a
 * bare `idf.py build` compiling.
 */
#ifndef FOOTFALL_APP_CONFIG_H
#define FOOTFALL_APP_CONFIG_H

#ifndef FF_WIFI_SSID
#define FF_WIFI_SSID ""
#endif
#ifndef FF_WIFI_PASSWORD
#define FF_WIFI_PASSWORD ""
#endif
#ifndef FF_SERVICE_URL
#define FF_SERVICE_URL ""
#endif
#ifndef FF_DEVICE_KEY
#define FF_DEVICE_KEY ""
#endif
#ifndef FF_FIRMWARE_VERSION
#define FF_FIRMWARE_VERSION "0.0.0-dev"
#endif
/* 1: legacy protocol (POST /movements/?api_key=...), 0: v1. */
#ifndef FF_DEFAULT_LEGACY_PROTOCOL
#define FF_DEFAULT_LEGACY_PROTOCOL 0
#endif

/* SNTP server used to set the clock that stamps events. */
#ifndef FF_SNTP_SERVER
#define FF_SNTP_SERVER "pool.ntp.org"
#endif

/* Label and subtype of the event queue's flash partition (see firmware/partitions.csv). */
#define FF_EVENTS_PARTITION_LABEL "ff_events"
#define FF_EVENTS_PARTITION_SUBTYPE 0x40

/* NVS namespace of the counting settings fetched from the service. */
#define FF_NVS_NAMESPACE "footfall"

#endif /* FOOTFALL_APP_CONFIG_H */
