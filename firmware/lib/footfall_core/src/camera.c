#include "footfall/camera.h"

#include <string.h>

#include "footfall/config.h"

/* Re-initialisations in fault are spaced out up to this many times the failure threshold. */
#define MAX_REINIT_SPACING 64u

void ff_camera_supervisor_init(ff_camera_supervisor_t *camera)
{
    memset(camera, 0, sizeof *camera);
    camera->state = FF_CAMERA_STARTING;
    camera->next_reinit_at = FF_CAMERA_FAULT_FAILURES;
}

ff_camera_verdict_t ff_camera_supervisor_on_capture(ff_camera_supervisor_t *camera,
                                                    int32_t valid)
{
    ff_camera_verdict_t verdict = {0, 0, 0, 0};

    if (valid) {
        camera->failed_in_row = 0;
        camera->next_reinit_at = FF_CAMERA_FAULT_FAILURES;
        camera->good_in_row++;
        if (camera->state != FF_CAMERA_OK && camera->good_in_row >= FF_CAMERA_WARMUP_FRAMES) {
            camera->state = FF_CAMERA_OK;
            verdict.state_changed = 1;
        }
        /* The frame that completes the warm-up is the first one counted. */
        verdict.count = camera->state == FF_CAMERA_OK;
        return verdict;
    }

    /* An isolated failed capture is only a skipped frame; tracks survive it. */
    camera->good_in_row = 0;
    camera->failed_in_row++;
    if (camera->failed_in_row < camera->next_reinit_at) {
        return verdict;
    }

    if (camera->state != FF_CAMERA_FAULT) {
        /* The scene went unwatched, so tracks from before cannot be trusted to continue. */
        verdict.reset_tracks = camera->state == FF_CAMERA_OK;
        camera->state = FF_CAMERA_FAULT;
        camera->faults++;
        verdict.state_changed = 1;
    }
    verdict.reinit = 1;
    camera->reinits++;

    /*
     * Each failed re-initialisation doubles the wait before the next one: after 5 failures,
     * then after 15, 35, 75 ... (gaps of 10, 20, 40 with the default threshold).
     */
    uint32_t gap = camera->failed_in_row + FF_CAMERA_FAULT_FAILURES;
    if (gap > FF_CAMERA_FAULT_FAILURES * MAX_REINIT_SPACING) {
        gap = FF_CAMERA_FAULT_FAILURES * MAX_REINIT_SPACING;
    }
    camera->next_reinit_at = camera->failed_in_row + gap;
    return verdict;
}

const char *ff_camera_state_name(int32_t state)
{
    switch (state) {
    case FF_CAMERA_OK:
        return "ok";
    case FF_CAMERA_FAULT:
        return "fault";
    default:
        return "starting";
    }
}
