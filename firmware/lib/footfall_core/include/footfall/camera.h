/*
 * Camera supervision: counting starts only after a few valid frames, and a run of failed
 * captures puts the camera in fault and requests a re-initialisation.
 *
 *     ff_camera_supervisor_t camera;
 *     ff_camera_supervisor_init(&camera);
 *     ff_camera_verdict_t verdict = ff_camera_supervisor_on_capture(&camera, frame != NULL);
 *     if (verdict.reinit) { esp_camera_deinit(); esp_camera_init(&config); }
 *     if (verdict.count) { run the detector and the counting on the frame }
 *
 * States: starting (until FF_CAMERA_WARMUP_FRAMES valid frames in a row), ok, fault (after
 * FF_CAMERA_FAULT_FAILURES failed captures in a row). In fault, re-initialisation is asked
 * again after twice as many further failures each time, up to 64 times the threshold.
 */
#ifndef FOOTFALL_CAMERA_H
#define FOOTFALL_CAMERA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FF_CAMERA_STARTING = 0,
    FF_CAMERA_OK = 1,
    FF_CAMERA_FAULT = 2
} ff_camera_state_t;

/* What to do with one capture. */
typedef struct {
    int32_t count;         /* 1: feed this frame to the detector and the counting */
    int32_t reinit;        /* 1: re-initialise the camera driver now */
    int32_t state_changed; /* 1: the state changed; send a heartbeat now */
    int32_t reset_tracks;  /* 1: drop all tracks, the scene was not watched */
} ff_camera_verdict_t;

typedef struct {
    int32_t state; /* ff_camera_state_t */
    uint32_t good_in_row;
    uint32_t failed_in_row;
    uint32_t next_reinit_at; /* failed_in_row value of the next re-initialisation */
    uint32_t reinits;        /* re-initialisations asked since start */
    uint32_t faults;         /* transitions into fault since start */
} ff_camera_supervisor_t;

void ff_camera_supervisor_init(ff_camera_supervisor_t *camera);

/* Records one capture attempt (1 = a valid frame, 0 = failed) and returns the verdict. */
ff_camera_verdict_t ff_camera_supervisor_on_capture(ff_camera_supervisor_t *camera,
                                                    int32_t valid);

/* Returns "starting", "ok" or "fault", the heartbeat's camera field. */
const char *ff_camera_state_name(int32_t state);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_CAMERA_H */
