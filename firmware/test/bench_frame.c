/*
 * Cost benchmark of the device pipeline: frames with ten people walking through the scene,
 * through camera supervision, tracker, line counter and the event queue on a RAM flash.
 *
 *     bench_frame FRAMES     run FRAMES frames and print the crossings counted
 *     bench_frame --sizes    print the bytes of the structs a device keeps in static memory
 *
 * benchmarks/firmware_cost.sh runs it under valgrind to count instructions per frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "footfall/footfall.h"
#include "footfall/host.h"

#define PEOPLE 10

/* The instances a device keeps; static, as on the device, so that size(1) counts them. */
static ff_queue_t queue;
static ff_pipeline_t pipeline;
static ff_uplink_t uplink;
static ff_ram_flash_t ram;

static void print_sizes(void)
{
    size_t total = sizeof pipeline + sizeof queue + sizeof uplink;
    printf("ff_pipeline_t %zu\n", sizeof pipeline);
    printf("  ff_counting_t %zu (tracker %zu, counter %zu)\n", sizeof(ff_counting_t),
           sizeof(ff_tracker_t), sizeof(ff_counter_t));
    printf("ff_queue_t %zu\n", sizeof queue);
    printf("ff_uplink_t %zu\n", sizeof uplink);
    printf("total %zu\n", total);
}

/* Person p's box in frame `frame`: ten people walking up or down, each at its own speed. */
static ff_detection_t person_box(int p, long frame)
{
    float speed = 0.02f + 0.003f * (float)p; /* frame heights per frame */
    float travel = (float)frame * speed + 0.1f * (float)p;
    travel -= (float)(long)travel; /* wrap: the person leaves and a new one enters */
    float y = 0.05f + 0.9f * travel;
    if (p % 2 == 1) {
        y = 1.0f - y;
    }
    ff_detection_t box = {0.04f + 0.09f * (float)p, y - 0.1f, 0.08f, 0.2f, 0.9f};
    return box;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_frame FRAMES | --sizes\n");
        return 2;
    }
    if (strcmp(argv[1], "--sizes") == 0) {
        print_sizes();
        return 0;
    }
    long frames = strtol(argv[1], NULL, 10);
    if (frames <= 0) {
        fprintf(stderr, "bench_frame: FRAMES must be a positive integer, got '%s'\n", argv[1]);
        return 2;
    }

    ff_flash_t flash;
    ff_settings_t settings;
    ff_settings_default(&settings);
    if (ff_ram_flash_init(&ram, 4096, 4, &flash) != FF_OK ||
        ff_queue_init(&queue, &flash) != FF_OK ||
        ff_pipeline_init(&pipeline, &settings, &queue, NULL) != FF_OK) {
        fprintf(stderr, "bench_frame: initialisation failed\n");
        return 1;
    }
    ff_pipeline_set_clock(&pipeline, 0, 1764800000000LL);

    ff_detection_t boxes[PEOPLE];
    size_t events = 0;
    for (long frame = 0; frame < frames; frame++) {
        for (int p = 0; p < PEOPLE; p++) {
            boxes[p] = person_box(p, frame);
        }
        size_t n = 0;
        ff_pipeline_on_frame(&pipeline, frame * 143L, 1, boxes, PEOPLE, &n);
        events += n;

        /* Acknowledge as a reachable service would, so the queue never overflows. */
        if (frame % 35 == 34) {
            ff_queue_release(&queue, ff_queue_next_seq(&queue));
        }
    }
    printf("frames %ld events %zu entries %u exits %u\n", frames, events,
           (unsigned)pipeline.counting.entries, (unsigned)pipeline.counting.exits);
    return 0;
}
