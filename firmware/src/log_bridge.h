/* Forwards the core's log messages (footfall/log.h) to ESP_LOGx. */
#ifndef FOOTFALL_LOG_BRIDGE_H
#define FOOTFALL_LOG_BRIDGE_H

/* Installs the bridge; the core then logs at INFO and above. */
void log_bridge_install(void);

#endif /* FOOTFALL_LOG_BRIDGE_H */
