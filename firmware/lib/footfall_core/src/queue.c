#include "footfall/queue.h"

#include <string.h>

#include "footfall/log.h"

static const char *TAG = "ff_queue";

/* Record types (low nibble of byte 0); 0xF is erased flash. */
enum {
    RECORD_HEADER = 1,     /* seq: next sequence number, value: sector generation */
    RECORD_EVENT = 2,      /* seq: event seq, value: epoch ms, bit 4 of byte 0: exit */
    RECORD_RELEASE = 3,    /* seq: first seq still waiting, value: total dropped */
    RECORD_CHECKPOINT = 4, /* as RELEASE, and marks the sector's checkpoint complete */
    RECORD_ERASED = 0xF
};

#define EXIT_BIT 0x10u

/*
 * A sector must hold the checkpoint of a full queue (header, events, checkpoint mark) and
 * room for records after it, or the log would open a new sector at every record.
 */
#define MIN_SLOTS_PER_SECTOR ((uint32_t)FF_QUEUE_CAPACITY + 2u + 32u)
#define MAX_FIELD_56 ((1ull << 56) - 1ull)
#define MAX_FIELD_48 ((1ull << 48) - 1ull)

typedef struct {
    uint8_t type;
    uint8_t exit;
    uint64_t seq;   /* 56 bits stored */
    uint64_t value; /* 48 bits stored */
} record_t;

size_t ff_queue_sizeof(void)
{
    return sizeof(ff_queue_t);
}

/* ---- record encoding ---- */

static uint16_t crc16(const uint8_t *data, size_t length)
{
    /* CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF. */
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < length; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int bit = 0; bit < 8; bit++) {
            uint32_t shifted = (uint32_t)crc << 1;
            if ((crc & 0x8000u) != 0u) {
                shifted ^= 0x1021u;
            }
            crc = (uint16_t)(shifted & 0xFFFFu);
        }
    }
    return crc;
}

static uint16_t record_crc(const uint8_t *bytes)
{
    uint8_t covered[FF_QUEUE_RECORD_SIZE - 2u];
    covered[0] = bytes[0];
    memcpy(&covered[1], &bytes[3], FF_QUEUE_RECORD_SIZE - 3u);
    return crc16(covered, sizeof covered);
}

static void encode(const record_t *record, uint8_t *bytes)
{
    memset(bytes, 0, FF_QUEUE_RECORD_SIZE);
    bytes[0] = (uint8_t)(record->type | (record->exit ? EXIT_BIT : 0u));
    for (int i = 0; i < 7; i++) {
        bytes[3 + i] = (uint8_t)(record->seq >> (8 * i));
    }
    for (int i = 0; i < 6; i++) {
        bytes[10 + i] = (uint8_t)(record->value >> (8 * i));
    }
    uint16_t crc = record_crc(bytes);
    bytes[1] = (uint8_t)crc;
    bytes[2] = (uint8_t)(crc >> 8);
}

static int is_erased(const uint8_t *bytes)
{
    for (size_t i = 0; i < FF_QUEUE_RECORD_SIZE; i++) {
        if (bytes[i] != 0xFFu) {
            return 0;
        }
    }
    return 1;
}

/* Returns 1 for a valid record, 0 for a torn or foreign one. */
static int decode(const uint8_t *bytes, record_t *record)
{
    uint16_t stored = (uint16_t)(bytes[1] | (bytes[2] << 8));
    if (stored != record_crc(bytes)) {
        return 0;
    }
    record->type = bytes[0] & 0x0Fu;
    record->exit = (bytes[0] & EXIT_BIT) != 0u;
    record->seq = 0;
    for (int i = 0; i < 7; i++) {
        record->seq |= (uint64_t)bytes[3 + i] << (8 * i);
    }
    record->value = 0;
    for (int i = 0; i < 6; i++) {
        record->value |= (uint64_t)bytes[10 + i] << (8 * i);
    }
    return record->type >= RECORD_HEADER && record->type <= RECORD_CHECKPOINT;
}

/* ---- ring ---- */

static ff_event_t *ring_at(ff_queue_t *queue, uint32_t position)
{
    return &queue->ring[(queue->head + position) % FF_QUEUE_CAPACITY];
}

static const ff_event_t *ring_at_const(const ff_queue_t *queue, uint32_t position)
{
    return &queue->ring[(queue->head + position) % FF_QUEUE_CAPACITY];
}

static void ring_drop_front(ff_queue_t *queue)
{
    queue->head = (queue->head + 1u) % FF_QUEUE_CAPACITY;
    queue->count--;
}

/* Removes events below the release mark. */
static void ring_apply_release(ff_queue_t *queue)
{
    while (queue->count > 0 && ring_at(queue, 0)->seq < queue->released) {
        ring_drop_front(queue);
    }
}

/* ---- flash log ---- */

static ff_err_t write_slot(ff_queue_t *queue, uint32_t sector, uint32_t slot,
                           const record_t *record)
{
    uint8_t bytes[FF_QUEUE_RECORD_SIZE];
    encode(record, bytes);
    uint32_t offset = sector * queue->flash.sector_size + slot * FF_QUEUE_RECORD_SIZE;
    ff_err_t err = queue->flash.write(queue->flash.ctx, offset, bytes, FF_QUEUE_RECORD_SIZE);
    if (err != FF_OK) {
        FF_LOGE(TAG, "flash write failed at offset %u (%s); the record is lost from flash "
                     "but kept in RAM",
                (unsigned)offset, ff_err_name(err));
    }
    return err;
}

static record_t state_record(const ff_queue_t *queue, uint8_t type)
{
    record_t record = {type, 0, queue->released, queue->dropped};
    return record;
}

static record_t event_record(const ff_event_t *event)
{
    record_t record = {RECORD_EVENT, (uint8_t)(event->direction != 0), event->seq,
                       (uint64_t)event->time_ms};
    return record;
}

/*
 * Opens the next sector in turn and writes a checkpoint of the whole state to it, so
 * that the older sectors are no longer needed. Spreading the openings over all sectors
 * levels the wear.
 */
static ff_err_t open_next_sector(ff_queue_t *queue)
{
    uint32_t sector = (queue->sector + 1u) % queue->flash.sector_count;
    ff_err_t err = queue->flash.erase(queue->flash.ctx, sector);
    if (err != FF_OK) {
        FF_LOGE(TAG, "flash erase of sector %u failed (%s)", (unsigned)sector, ff_err_name(err));
        return err;
    }
    queue->erases++;
    queue->sector = sector;
    queue->generation++;
    queue->write_slot = 0;

    record_t header = {RECORD_HEADER, 0, queue->next_seq, queue->generation};
    err = write_slot(queue, sector, queue->write_slot++, &header);
    for (uint32_t i = 0; i < queue->count && err == FF_OK; i++) {
        const ff_event_t *event = ring_at(queue, i);
        if (!event->stamped) {
            break; /* unstamped events are the newest and are persisted once stamped */
        }
        record_t record = event_record(event);
        err = write_slot(queue, sector, queue->write_slot++, &record);
    }
    if (err == FF_OK) {
        record_t checkpoint = state_record(queue, RECORD_CHECKPOINT);
        err = write_slot(queue, sector, queue->write_slot++, &checkpoint);
    }
    return err;
}

/* Appends a record, or opens a new sector whose checkpoint already contains the change. */
static ff_err_t persist(ff_queue_t *queue, const record_t *record)
{
    if (!queue->has_flash) {
        return FF_OK;
    }
    if (queue->write_slot >= queue->slots_per_sector) {
        return open_next_sector(queue);
    }
    return write_slot(queue, queue->sector, queue->write_slot++, record);
}

static ff_err_t read_record(ff_queue_t *queue, uint32_t sector, uint32_t slot, uint8_t *bytes)
{
    uint32_t offset = sector * queue->flash.sector_size + slot * FF_QUEUE_RECORD_SIZE;
    return queue->flash.read(queue->flash.ctx, offset, bytes, FF_QUEUE_RECORD_SIZE);
}

/*
 * Replays one sector into the RAM state. Returns 1 when its checkpoint is complete (the
 * state is then valid), 0 otherwise.
 */
static int replay_sector(ff_queue_t *queue, uint32_t sector, const record_t *header)
{
    uint8_t bytes[FF_QUEUE_RECORD_SIZE];
    record_t record;
    int complete = 0;

    queue->head = 0;
    queue->count = 0;
    queue->next_seq = header->seq;
    queue->released = 0;
    queue->dropped = 0;
    queue->write_slot = queue->slots_per_sector;

    for (uint32_t slot = 1; slot < queue->slots_per_sector; slot++) {
        if (read_record(queue, sector, slot, bytes) != FF_OK) {
            return 0;
        }
        if (is_erased(bytes)) {
            queue->write_slot = slot;
            break;
        }
        if (!decode(bytes, &record)) {
            /* A record torn by a power cut; the slot stays used, the next one is free. */
            FF_LOGW(TAG, "skipping a damaged record in sector %u slot %u", (unsigned)sector,
                    (unsigned)slot);
            continue;
        }

        if (record.type == RECORD_EVENT) {
            if (record.seq >= queue->released) {
                if (queue->count == FF_QUEUE_CAPACITY) {
                    ring_drop_front(queue);
                }
                ff_event_t *event = ring_at(queue, queue->count);
                event->seq = record.seq;
                event->time_ms = (int64_t)record.value;
                event->direction = record.exit;
                event->stamped = 1;
                queue->count++;
            }
            if (record.seq + 1u > queue->next_seq) {
                queue->next_seq = record.seq + 1u;
            }
        } else if (record.type == RECORD_RELEASE || record.type == RECORD_CHECKPOINT) {
            if (record.seq > queue->released) {
                queue->released = record.seq;
            }
            queue->dropped = (uint32_t)record.value;
            ring_apply_release(queue);
            complete |= record.type == RECORD_CHECKPOINT;
        }
    }
    if (queue->released > queue->next_seq) {
        queue->next_seq = queue->released;
    }
    return complete;
}

static ff_err_t format(ff_queue_t *queue)
{
    FF_LOGW(TAG, "no valid event log in flash; formatting it and starting at seq 0");
    queue->head = 0;
    queue->count = 0;
    queue->next_seq = 0;
    queue->released = 0;
    queue->dropped = 0;
    queue->seq_restored = 0;
    queue->sector = queue->flash.sector_count - 1u; /* so the first opened sector is 0 */
    return open_next_sector(queue);
}

static ff_err_t mount(ff_queue_t *queue)
{
    uint8_t bytes[FF_QUEUE_RECORD_SIZE];
    record_t headers[32];
    uint32_t sectors = queue->flash.sector_count;
    uint32_t newest_generation = 0;

    for (uint32_t s = 0; s < sectors; s++) {
        headers[s].type = 0;
        if (read_record(queue, s, 0, bytes) == FF_OK && decode(bytes, &headers[s]) &&
            headers[s].type == RECORD_HEADER) {
            if ((uint32_t)headers[s].value > newest_generation) {
                newest_generation = (uint32_t)headers[s].value;
            }
        } else {
            headers[s].type = 0;
        }
    }

    /* Newest sector first; one whose checkpoint was cut by a power loss is passed over. */
    uint32_t tried_generation = UINT32_MAX;
    for (;;) {
        uint32_t best = sectors;
        for (uint32_t s = 0; s < sectors; s++) {
            uint32_t generation = (uint32_t)headers[s].value;
            if (headers[s].type == RECORD_HEADER && generation < tried_generation &&
                (best == sectors || generation > (uint32_t)headers[best].value)) {
                best = s;
            }
        }
        if (best == sectors) {
            queue->generation = newest_generation;
            return format(queue);
        }
        tried_generation = (uint32_t)headers[best].value;
        if (replay_sector(queue, best, &headers[best])) {
            queue->sector = best;
            queue->generation = newest_generation;
            queue->seq_restored = 1;
            FF_LOGI(TAG, "restored %u waiting events, next seq %llu, %u dropped",
                    (unsigned)queue->count, (unsigned long long)queue->next_seq,
                    (unsigned)queue->dropped);
            return FF_OK;
        }
    }
}

ff_err_t ff_queue_init(ff_queue_t *queue, const ff_flash_t *flash)
{
    if (queue == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    memset(queue, 0, sizeof *queue);
    if (flash == NULL) {
        /* A RAM-only queue has no earlier counter to lose. */
        queue->seq_restored = 1;
        return FF_OK;
    }

    if (flash->read == NULL || flash->write == NULL || flash->erase == NULL ||
        flash->sector_count < 2u || flash->sector_count > 32u ||
        flash->sector_size % FF_QUEUE_RECORD_SIZE != 0u) {
        FF_LOGE(TAG, "flash region rejected: %u sectors of %u bytes; give 2 to 32 sectors "
                     "whose size is a multiple of %u",
                (unsigned)flash->sector_count, (unsigned)flash->sector_size,
                (unsigned)FF_QUEUE_RECORD_SIZE);
        return FF_ERR_INVALID_ARG;
    }
    uint32_t slots = flash->sector_size / FF_QUEUE_RECORD_SIZE;
    if (slots < MIN_SLOTS_PER_SECTOR) {
        FF_LOGE(TAG, "flash sectors of %u bytes hold %u records, a queue of %d needs %u; use "
                     "larger sectors or a smaller FF_QUEUE_CAPACITY",
                (unsigned)flash->sector_size, (unsigned)slots, FF_QUEUE_CAPACITY,
                (unsigned)MIN_SLOTS_PER_SECTOR);
        return FF_ERR_CAPACITY;
    }

    queue->flash = *flash;
    queue->has_flash = 1;
    queue->slots_per_sector = slots;
    return mount(queue);
}

static ff_err_t append(ff_queue_t *queue, int32_t direction, int64_t time_ms, int32_t stamped,
                       uint64_t *seq)
{
    if (queue->next_seq > MAX_FIELD_56 || (stamped && (uint64_t)time_ms > MAX_FIELD_48)) {
        return FF_ERR_INVALID_ARG;
    }
    ff_err_t err = FF_OK;

    if (queue->count == FF_QUEUE_CAPACITY) {
        const ff_event_t *oldest = ring_at(queue, 0);
        queue->released = oldest->seq + 1u;
        queue->dropped++;
        ring_drop_front(queue);
        /* Logged at the 1st, 2nd, 4th, 8th ... drop; the heartbeat reports the exact count. */
        if ((queue->dropped & (queue->dropped - 1u)) == 0u) {
            FF_LOGW(TAG, "queue full (%d events): dropped the oldest, %u dropped so far",
                    FF_QUEUE_CAPACITY, (unsigned)queue->dropped);
        }
        record_t release = state_record(queue, RECORD_RELEASE);
        err = persist(queue, &release);
    }

    ff_event_t *event = ring_at(queue, queue->count);
    event->seq = queue->next_seq++;
    event->time_ms = time_ms;
    event->direction = direction;
    event->stamped = stamped;
    queue->count++;
    if (seq != NULL) {
        *seq = event->seq;
    }

    if (stamped) {
        record_t record = event_record(event);
        ff_err_t persist_err = persist(queue, &record);
        if (err == FF_OK) {
            err = persist_err;
        }
    }
    return err;
}

ff_err_t ff_queue_push(ff_queue_t *queue, int32_t direction, int64_t uptime_ms,
                       const ff_clock_t *clock, uint64_t *seq)
{
    if (queue == NULL || (direction != 0 && direction != 1)) {
        return FF_ERR_INVALID_ARG;
    }
    int64_t epoch_ms = 0;
    if (clock != NULL && ff_clock_to_epoch(clock, uptime_ms, &epoch_ms) == FF_OK) {
        /* Older unstamped events go first so that stamped events stay in seq order. */
        ff_err_t err = ff_queue_stamp(queue, clock);
        if (err != FF_OK) {
            FF_LOGW(TAG, "stamping waiting events failed (%s)", ff_err_name(err));
        }
        return append(queue, direction, epoch_ms, 1, seq);
    }
    return append(queue, direction, uptime_ms, 0, seq);
}

ff_err_t ff_queue_push_stamped(ff_queue_t *queue, int32_t direction, int64_t epoch_ms,
                               uint64_t *seq)
{
    if (queue == NULL || (direction != 0 && direction != 1) || epoch_ms < 0) {
        return FF_ERR_INVALID_ARG;
    }
    return append(queue, direction, epoch_ms, 1, seq);
}

ff_err_t ff_queue_stamp(ff_queue_t *queue, const ff_clock_t *clock)
{
    if (queue == NULL || clock == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    if (!ff_clock_is_set(clock)) {
        return FF_ERR_NOT_READY;
    }
    ff_err_t err = FF_OK;
    for (uint32_t i = 0; i < queue->count; i++) {
        ff_event_t *event = ring_at(queue, i);
        if (event->stamped) {
            continue;
        }
        ff_clock_to_epoch(clock, event->time_ms, &event->time_ms);
        event->stamped = 1;
        record_t record = event_record(event);
        ff_err_t persist_err = persist(queue, &record);
        if (err == FF_OK) {
            err = persist_err;
        }
    }
    return err;
}

ff_err_t ff_queue_peek(const ff_queue_t *queue, ff_event_t *events, size_t max, size_t *count)
{
    if (queue == NULL || count == NULL || (events == NULL && max > 0)) {
        return FF_ERR_INVALID_ARG;
    }
    size_t n = 0;
    while (n < max && n < queue->count) {
        const ff_event_t *event = ring_at_const(queue, (uint32_t)n);
        if (!event->stamped) {
            break;
        }
        events[n++] = *event;
    }
    *count = n;
    return n == 0 ? FF_ERR_EMPTY : FF_OK;
}

ff_err_t ff_queue_release(ff_queue_t *queue, uint64_t through_seq)
{
    if (queue == NULL) {
        return FF_ERR_INVALID_ARG;
    }
    if (through_seq + 1u <= queue->released) {
        return FF_OK;
    }
    queue->released = through_seq + 1u;
    ring_apply_release(queue);
    record_t release = state_record(queue, RECORD_RELEASE);
    return persist(queue, &release);
}

ff_err_t ff_queue_resume_after(ff_queue_t *queue, int64_t last_seq)
{
    if (queue == NULL || last_seq < -1 || (uint64_t)(last_seq + 1) > MAX_FIELD_56) {
        return FF_ERR_INVALID_ARG;
    }
    uint64_t first = (uint64_t)(last_seq + 1);
    FF_LOGW(TAG, "renumbering %u waiting events from seq %llu after the service's last seq",
            (unsigned)queue->count, (unsigned long long)first);
    for (uint32_t i = 0; i < queue->count; i++) {
        ring_at(queue, i)->seq = first + i;
    }
    queue->next_seq = first + queue->count;
    queue->released = first;
    queue->seq_restored = 1;

    /* The records in flash carry the old numbers, so a fresh checkpoint replaces them. */
    if (!queue->has_flash) {
        return FF_OK;
    }
    return open_next_sector(queue);
}

size_t ff_queue_depth(const ff_queue_t *queue)
{
    return queue->count;
}

uint32_t ff_queue_dropped(const ff_queue_t *queue)
{
    return queue->dropped;
}

uint64_t ff_queue_next_seq(const ff_queue_t *queue)
{
    return queue->next_seq;
}

int64_t ff_queue_last_seq(const ff_queue_t *queue)
{
    return (int64_t)queue->next_seq - 1;
}

int ff_queue_seq_restored(const ff_queue_t *queue)
{
    return queue->seq_restored;
}
