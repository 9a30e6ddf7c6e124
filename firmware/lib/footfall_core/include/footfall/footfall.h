/*
 * Footfall core: the portable part of the people-counting firmware.
 *
 * From boxes to an acknowledged event:
 *
 *     #include "footfall/footfall.h"
 *
 *     static ff_queue_t queue;
 *     static ff_pipeline_t pipeline;
 *     static ff_uplink_t uplink;
 *
 *     ff_settings_t settings;
 *     ff_settings_default(&settings);
 *     ff_queue_init(&queue, &flash);                       // hal.h: flash region
 *     ff_pipeline_init(&pipeline, &settings, &queue, &camera_ops);
 *     ff_uplink_init(&uplink, &uplink_config, &queue, &settings, now_ms);
 *
 *     // camera task, every capture:
 *     ff_pipeline_on_frame(&pipeline, now_ms, frame_ok, boxes, n_boxes, NULL);
 *     // uplink task, in a loop:
 *     ff_uplink_step(&uplink, now_ms, &result);
 *
 * The core includes no ESP-IDF header, allocates no memory, and sizes everything with the
 * capacities of footfall/config.h. Hardware is reached through footfall/hal.h only.
 */
#ifndef FOOTFALL_FOOTFALL_H
#define FOOTFALL_FOOTFALL_H

#include "footfall/camera.h"
#include "footfall/clock.h"
#include "footfall/config.h"
#include "footfall/counter.h"
#include "footfall/counting.h"
#include "footfall/error.h"
#include "footfall/geometry.h"
#include "footfall/hal.h"
#include "footfall/log.h"
#include "footfall/pipeline.h"
#include "footfall/queue.h"
#include "footfall/settings.h"
#include "footfall/tracker.h"
#include "footfall/uplink.h"

#endif /* FOOTFALL_FOOTFALL_H */
