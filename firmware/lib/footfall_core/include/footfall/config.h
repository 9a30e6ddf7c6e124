/*
 * Build-time capacities and counting defaults of the footfall core.
 *
 * Every value can be overridden with a compiler flag, for example in platformio.ini:
 *
 *     build_flags = -DFF_QUEUE_CAPACITY=256 -DFF_DEFAULT_BAND=0.03f
 *
 * The capacities size the static structures, so the core never allocates memory.
 * Host programs that load the core as a shared library must ask for struct sizes with
 * the ff_*_sizeof() functions, since the capacities may differ from these defaults.
 */
#ifndef FOOTFALL_CONFIG_H
#define FOOTFALL_CONFIG_H

/* ---- capacities ---- */

/* Maximum detections taken from one frame; extra detections (lowest score) are ignored. */
#ifndef FF_MAX_DETECTIONS
#define FF_MAX_DETECTIONS 32
#endif

/* Maximum simultaneous tracks (tentative and confirmed) in the tracker. */
#ifndef FF_TRACKER_CAPACITY
#define FF_TRACKER_CAPACITY 16
#endif

/* Maximum tracks the line counter follows, including ended tracks kept for linking. */
#ifndef FF_COUNTER_CAPACITY
#define FF_COUNTER_CAPACITY 24
#endif

/* Maximum events waiting in the queue; an overflow drops the oldest and counts it. */
#ifndef FF_QUEUE_CAPACITY
#define FF_QUEUE_CAPACITY 128
#endif

/* Maximum events in one uplink batch. */
#ifndef FF_UPLINK_BATCH_MAX
#define FF_UPLINK_BATCH_MAX 24
#endif

/* Bytes of the uplink's request body buffer (JSON of one batch or heartbeat). */
#ifndef FF_UPLINK_BODY_CAPACITY
#define FF_UPLINK_BODY_CAPACITY 2048
#endif

/* Bytes of the uplink's response body buffer. */
#ifndef FF_UPLINK_RESPONSE_CAPACITY
#define FF_UPLINK_RESPONSE_CAPACITY 1024
#endif

/* Bytes of a URL, including the terminating NUL. */
#ifndef FF_URL_CAPACITY
#define FF_URL_CAPACITY 160
#endif

/* Bytes of the device key, including the terminating NUL. */
#ifndef FF_KEY_CAPACITY
#define FF_KEY_CAPACITY 96
#endif

/* Bytes of an ETag, including the terminating NUL. */
#ifndef FF_ETAG_CAPACITY
#define FF_ETAG_CAPACITY 72
#endif

/* Bytes of the boot id and firmware version strings, including the terminating NUL. */
#ifndef FF_LABEL_CAPACITY
#define FF_LABEL_CAPACITY 40
#endif

/* Maximum JSON tokens in a parsed response or settings body. */
#ifndef FF_JSON_MAX_TOKENS
#define FF_JSON_MAX_TOKENS 64
#endif

/* ---- tracker rules ---- */

/* Hits after which a track is confirmed; unconfirmed tracks never reach the counter. */
#ifndef FF_TRACK_CONFIRM_HITS
#define FF_TRACK_CONFIRM_HITS 3
#endif

/* Consecutive frames without a matching detection after which a track ends. */
#ifndef FF_TRACK_MAX_MISSED
#define FF_TRACK_MAX_MISSED 5
#endif

/* Missed frames a tentative (unconfirmed) track survives; one more ends it. */
#ifndef FF_TRACK_TENTATIVE_MAX_MISSED
#define FF_TRACK_TENTATIVE_MAX_MISSED 0
#endif

/*
 * Association gate: the distance from the predicted centre to the detection centre,
 * divided by the mean box height, must stay below it. Box heights must also be within a
 * factor of 2 of each other. 1.5 heights a frame is 2.5 m for a 1.7 m person, far faster
 * than walking at 7 frames a second. So the gate only keeps unrelated boxes apart, and the
 * greedy cheapest-first matching decides between close ones.
 */
#ifndef FF_TRACK_GATE
#define FF_TRACK_GATE 1.5f
#endif

/* Identity-switch linking: a track that ends within this normalised distance ... */
#ifndef FF_LINK_DISTANCE
#define FF_LINK_DISTANCE 0.15f
#endif

/* ... and this many frames of where a new track starts continues as that track. */
#ifndef FF_LINK_FRAMES
#define FF_LINK_FRAMES 7
#endif

/* ---- camera supervision ---- */

/* Valid frames the camera must deliver before counting starts. */
#ifndef FF_CAMERA_WARMUP_FRAMES
#define FF_CAMERA_WARMUP_FRAMES 3
#endif

/* Failed captures in a row after which the camera is in fault and is re-initialised. */
#ifndef FF_CAMERA_FAULT_FAILURES
#define FF_CAMERA_FAULT_FAILURES 5
#endif

/* ---- uplink timing ---- */

/* First retry delay after a failed exchange, doubled on each further failure. */
#ifndef FF_BACKOFF_BASE_MS
#define FF_BACKOFF_BASE_MS 1000u
#endif

/* Upper bound of the retry delay. */
#ifndef FF_BACKOFF_MAX_MS
#define FF_BACKOFF_MAX_MS 60000u
#endif

/* ---- counting defaults (section 3 of the device protocol) ---- */

#ifndef FF_DEFAULT_LINE_START_X
#define FF_DEFAULT_LINE_START_X 0.0f
#endif
#ifndef FF_DEFAULT_LINE_START_Y
#define FF_DEFAULT_LINE_START_Y 0.5f
#endif
#ifndef FF_DEFAULT_LINE_END_X
#define FF_DEFAULT_LINE_END_X 1.0f
#endif
#ifndef FF_DEFAULT_LINE_END_Y
#define FF_DEFAULT_LINE_END_Y 0.5f
#endif
#ifndef FF_DEFAULT_INSIDE_X
#define FF_DEFAULT_INSIDE_X 0.5f
#endif
#ifndef FF_DEFAULT_INSIDE_Y
#define FF_DEFAULT_INSIDE_Y 1.0f
#endif
#ifndef FF_DEFAULT_BAND
#define FF_DEFAULT_BAND 0.02f
#endif
#ifndef FF_DEFAULT_CONFIRM
#define FF_DEFAULT_CONFIRM 2
#endif
/* 0 = immediate, 1 = deferred (ff_mode_t). */
#ifndef FF_DEFAULT_MODE
#define FF_DEFAULT_MODE 0
#endif
/* 0 = center, 1 = bottom_center (ff_anchor_t). */
#ifndef FF_DEFAULT_ANCHOR
#define FF_DEFAULT_ANCHOR 0
#endif
#ifndef FF_DEFAULT_MIN_SCORE
#define FF_DEFAULT_MIN_SCORE 0.7f
#endif
#ifndef FF_DEFAULT_BATCH_INTERVAL_S
#define FF_DEFAULT_BATCH_INTERVAL_S 5
#endif
#ifndef FF_DEFAULT_HEARTBEAT_INTERVAL_S
#define FF_DEFAULT_HEARTBEAT_INTERVAL_S 60
#endif

#endif /* FOOTFALL_CONFIG_H */
