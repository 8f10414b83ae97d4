#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H
/*
 * The future-event set behind the kernel (internal to sim/). Entries are
 * (time, sequence, timer); the sequence is unique and increasing, so
 * (time, sequence) is a strict total order and equal times pop in insertion
 * order. Cancellation is lazy: an entry whose timer no longer carries the
 * entry's sequence is stale and skipped; stale entries are bounded by
 * compaction so they never pile up.
 */
#include <stddef.h>
#include <stdint.h>
#include "sim/kernel.h"

typedef struct sim_queue_entry {
    sim_time_ns at_ns;
    uint64_t seq;
    sim_timer *timer;
} sim_queue_entry;

typedef struct sim_queue sim_queue;

sim_queue *sim_queue_new(void);
void sim_queue_free(sim_queue *q);
/* Inserts an entry; at_ns must be >= the time of the last entry popped.
 * Returns 0, or -1 when out of memory. */
int sim_queue_push(sim_queue *q, sim_time_ns at_ns, uint64_t seq, sim_timer *timer);
/* Pops the least live entry into *out; returns 0, or -1 when empty. */
int sim_queue_pop(sim_queue *q, sim_queue_entry *out);
/* The time of the least live entry, or SIM_TIME_MAX when empty. */
sim_time_ns sim_queue_peek_time(sim_queue *q);
/* Tells the queue one of its entries went stale (for compaction). */
void sim_queue_note_stale(sim_queue *q);
/* Entries held, live and stale. */
size_t sim_queue_size(const sim_queue *q);

#endif
