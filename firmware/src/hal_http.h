/*
 * HTTP transport of the uplink over esp_http_client. With an https:// URL the server
 * certificate is verified against the ESP-IDF certificate bundle.
 *
 *     ff_http_transport_t transport;
 *     hal_http_transport(&transport, &queue_lock);
 */
#ifndef FOOTFALL_HAL_HTTP_H
#define FOOTFALL_HAL_HTTP_H

#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"

#include "footfall/hal.h"

/* Milliseconds an exchange may take before it counts as no response. */
#define HAL_HTTP_TIMEOUT_MS 10000

/*
 * Fills transport. When queue_lock is not NULL, the caller holds it while calling
 * ff_uplink_step, and the transport gives it back for the network round trip and takes it
 * again before returning, so the camera task can queue events meanwhile.
 */
void hal_http_transport(ff_http_transport_t *transport, SemaphoreHandle_t *queue_lock);

#endif /* FOOTFALL_HAL_HTTP_H */
