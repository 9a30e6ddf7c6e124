/*
 * Event queue: a bounded ring of entries and exits waiting for the service's response,
 * persisted in a flash region so that it survives a reboot or a power cut.
 *
 *     static ff_queue_t queue;
 *     ff_queue_init(&queue, &flash);          // mounts: restores unacknowledged events and seq
 *     ff_queue_push(&queue, FF_DIRECTION_ENTRY, capture_uptime_ms, &clock, &seq);
 *     ff_event_t batch[FF_UPLINK_BATCH_MAX];
 *     size_t n = 0;
 *     ff_queue_peek(&queue, batch, FF_UPLINK_BATCH_MAX, &n);
 *     // after the service acknowledged the batch:
 *     ff_queue_release(&queue, batch[n - 1].seq);
 *
 * Every event gets the next sequence number; the counter only grows and survives reboots.
 * When the ring is full, the oldest event is dropped and counted (ff_queue_dropped), and
 * the heartbeat reports the count.
 *
 * Events are persisted when they are stamped with wall time. An event pushed before the
 * clock is known waits, unstamped and in RAM only, until ff_queue_stamp; such events are
 * lost by a reboot before the first SNTP sync because their time could not be recovered.
 *
 * Flash layout: a log of 16-byte records with a CRC, written append-only across the
 * region's sectors in turn so that erases are spread evenly (wear levelling). A sector
 * opens with a header record (generation, next sequence number) followed by a checkpoint:
 * a copy of every unacknowledged event and the release mark. Event records and release records
 * (all events up to seq acknowledged or dropped) follow. Mounting reads the newest sector with a
 * complete checkpoint; a record torn by a power cut fails its CRC and is skipped. Each
 * sector must hold at least FF_QUEUE_CAPACITY + 34 records (4096-byte sectors hold 256).
 *
 * The queue has no lock: on the device the glue serialises calls with a mutex.
 */
#ifndef FOOTFALL_QUEUE_H
#define FOOTFALL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "footfall/clock.h"
#include "footfall/config.h"
#include "footfall/error.h"
#include "footfall/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of one flash record. */
#define FF_QUEUE_RECORD_SIZE 16u

/* One queued entry or exit. */
typedef struct {
    uint64_t seq;      /* sequence number, 0 <= seq < 2^53 */
    int64_t time_ms;   /* epoch ms when stamped, else capture uptime ms */
    int32_t direction; /* ff_direction_t */
    int32_t stamped;   /* 1 when time_ms is epoch time */
} ff_event_t;

typedef struct {
    ff_event_t ring[FF_QUEUE_CAPACITY];
    uint32_t head;  /* index of the oldest event */
    uint32_t count; /* events in the ring */
    uint64_t next_seq;
    uint64_t released; /* events with seq < released are acknowledged or dropped */
    uint32_t dropped;  /* events dropped since the flash region was formatted */
    int32_t seq_restored; /* 0 after formatting an empty or unreadable region */

    /* flash log state; has_flash is 0 for a RAM-only queue */
    ff_flash_t flash;
    int32_t has_flash;
    uint32_t sector;         /* sector being written */
    uint32_t write_slot;     /* next free record slot in that sector */
    uint32_t generation;     /* generation of that sector's header */
    uint32_t slots_per_sector;
    uint32_t erases;         /* sector erases since init, for wear statistics */
} ff_queue_t;

/* Returns sizeof(ff_queue_t) for hosts that allocate it (ctypes). */
size_t ff_queue_sizeof(void);

/*
 * Prepares the queue. With flash (not NULL), mounts the log: restores unacknowledged events,
 * the sequence counter and the drop count, or formats the region when it contains no valid
 * log (ff_queue_seq_restored then returns 0). With NULL, the queue lives in RAM only.
 * Returns FF_ERR_CAPACITY when a sector is too small for the queue capacity.
 */
ff_err_t ff_queue_init(ff_queue_t *queue, const ff_flash_t *flash);

/*
 * Appends an event seen at uptime_ms, stamped through clock when it is set. Writes its
 * sequence number to seq (may be NULL). A full ring drops its oldest event first.
 */
ff_err_t ff_queue_push(ff_queue_t *queue, int32_t direction, int64_t uptime_ms,
                       const ff_clock_t *clock, uint64_t *seq);

/* Appends an event whose epoch time is already known (replay, tests). */
ff_err_t ff_queue_push_stamped(ff_queue_t *queue, int32_t direction, int64_t epoch_ms,
                               uint64_t *seq);

/* Stamps and persists the events pushed before the clock was set. */
ff_err_t ff_queue_stamp(ff_queue_t *queue, const ff_clock_t *clock);

/* Copies up to max of the oldest stamped events, in sequence order, without removing them. */
ff_err_t ff_queue_peek(const ff_queue_t *queue, ff_event_t *events, size_t max, size_t *count);

/* Removes every event with seq <= through_seq (the service acknowledged them). */
ff_err_t ff_queue_release(ff_queue_t *queue, uint64_t through_seq);

/*
 * Renumbers the waiting events to follow last_seq and moves the counter past it. Used
 * when the flash was erased and the service reports the highest seq it stores (last_seq);
 * pass -1 when the service stores none. Marks the counter as restored.
 */
ff_err_t ff_queue_resume_after(ff_queue_t *queue, int64_t last_seq);

/* Returns the number of events waiting (stamped or not). */
size_t ff_queue_depth(const ff_queue_t *queue);

/* Returns the number of events dropped by overflow since the region was formatted. */
uint32_t ff_queue_dropped(const ff_queue_t *queue);

/* Returns the sequence number the next event will get. */
uint64_t ff_queue_next_seq(const ff_queue_t *queue);

/* Returns the highest sequence number assigned, or -1 when none was. */
int64_t ff_queue_last_seq(const ff_queue_t *queue);

/* Returns 1 when the sequence counter was restored from flash or from the service. */
int ff_queue_seq_restored(const ff_queue_t *queue);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_QUEUE_H */
