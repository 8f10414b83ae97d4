#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H
/*
 * The future-event set behind the kernel (internal to sim/): a monotone radix
 * heap of (time, sequence, timer) entries. The sequence is unique and
 * increasing, so (time, sequence) is a strict total order and equal times pop
 * in insertion order. Times are non-negative and never below the time of the
 * last entry popped (the kernel's clock only moves forward), which is what
 * lets an integer radix structure replace a comparison heap.
 * Cancellation is lazy: an entry whose timer no longer carries the entry's
 * sequence is stale and skipped; the owner reports each entry it makes stale
 * (sim_queue_note_stale) and the queue compacts when stale entries outnumber
 * live ones, so they never pile up. Every timer an entry points at must stay
 * readable for as long as the entry is held (the kernel points entries only at
 * its own pooled nodes for this reason).
 *
 * The structure is declared here, not hidden in queue.c, so that the pop fast
 * path can be inlined into the kernel's run loop; only queue.c and the tests
 * look inside it.
 */
#include <stddef.h>
#include <stdint.h>
#include "sim/kernel.h"

typedef struct sim_queue_entry {
    sim_time_ns at_ns;
    uint64_t seq;
    sim_timer *timer;
} sim_queue_entry;

/*
 * Times are split into 6-bit digits, 11 of them (66 >= 63 bits). An entry
 * whose time equals last_ns sits in the bucket `now`; any other entry sits in
 * the bucket named by the highest digit in which its time differs from
 * last_ns (the level) and the value of its time's digit there: index
 * level * 64 + digit. With 64 digits, one 64-bit word per level records
 * which of the level's buckets hold entries.
 */
#define SIM_QUEUE_DIGIT_BITS 6
#define SIM_QUEUE_N_LEVELS 11
#define SIM_QUEUE_N_BUCKETS (SIM_QUEUE_N_LEVELS * 64)

typedef struct sim__queue_bucket {
    sim_queue_entry *a;
    size_t n, cap;
    uint64_t min_ns; /* least time held; UINT64_MAX when empty */
} sim__queue_bucket;

typedef struct sim_queue {
    uint64_t last_ns;                      /* time of the last minimum taken into `now` */
    size_t head0;                          /* next entry of `now` to pop; entries before it are gone */
    size_t n;                              /* entries held, live and stale (`now` from head0) */
    size_t n_stale;                        /* entries held whose timer moved on */
    int failed;                            /* set when a refill could not allocate */
    sim__queue_bucket now;                 /* entries at exactly last_ns, a FIFO */
    uint64_t levels;                       /* bit l set iff some bucket of level l holds entries */
    uint64_t nonempty[SIM_QUEUE_N_LEVELS]; /* bit d of word l set iff b[l * 64 + d] does */
    sim__queue_bucket b[SIM_QUEUE_N_BUCKETS];
} sim_queue;

/* Lifecycle: sim_queue_init/fini for an embedded queue (fini frees the
 * buckets), sim_queue_new/free for a heap-allocated one (new returns NULL when
 * out of memory; free of NULL is a no-op). Entries are not owned: their timers
 * are borrowed. */
void sim_queue_init(sim_queue *q);
void sim_queue_fini(sim_queue *q);
sim_queue *sim_queue_new(void);
void sim_queue_free(sim_queue *q);

/* The name of this implementation, for benchmarks to assert what they timed. */
const char *sim_queue_impl_name(void);

/* Pops the least live entry into *out; returns 0, or -1 when no live entry is
 * held (*out untouched). Stale entries met on the way are dropped. */
int sim_queue_pop(sim_queue *q, sim_queue_entry *out);

/* The time of the least live entry, or SIM_TIME_MAX when none is held. Does
 * not move the queue's notion of the last popped time, so anything at or
 * after that time may still be pushed. */
sim_time_ns sim_queue_peek_time(sim_queue *q);

/* Tells the queue one of its entries went stale; may compact. */
void sim_queue_note_stale(sim_queue *q);

/* Entries held, live and stale; stale entries held. */
size_t sim_queue_size(const sim_queue *q);
size_t sim_queue_stale(const sim_queue *q);

/* Walks every entry and asserts the structure's invariants (O(n)). Called
 * by the kernel after each of its operations in --enable-debug builds
 * (SIM_DEBUG, from config.h, tested only in .c files); tests may call it too. */
void sim_queue_check(const sim_queue *q);

/* Internal to the queue (used by the inline functions below). */

/* Refills `now` from the lowest non-empty bucket if that bucket's least time
 * is <= until_ns. Returns 0 when `now` then holds entries, -1 when nothing is
 * due by until_ns or when out of memory (then failed is set); in both cases
 * nothing moved. */
int sim__queue_refill(sim_queue *q, sim_time_ns until_ns);

/* The bucket of time T > LAST. */
static inline int sim__queue_bucket_of(uint64_t t, uint64_t last)
{
    int level = (63 - __builtin_clzll(t ^ last)) / SIM_QUEUE_DIGIT_BITS;
    return level * 64 + (int)((t >> (level * SIM_QUEUE_DIGIT_BITS)) & 63);
}

/* sim_queue_push when the destination is full (or the arguments are wrong,
 * which it asserts). */
int sim__queue_push_slow(sim_queue *q, sim_time_ns at_ns, uint64_t seq, sim_timer *timer);

/* Inserts an entry; 0 <= at_ns, at_ns >= the time of the last entry popped
 * (assert), and seq greater than that of every entry ever pushed before.
 * Returns 0, or -1 when out of memory (the queue is unchanged). O(1); the
 * common case (room in the destination bucket) is inline. */
static inline int sim_queue_push(sim_queue *q, sim_time_ns at_ns, uint64_t seq, sim_timer *timer)
{
    uint64_t t = (uint64_t)at_ns;
    if (at_ns < 0 || t < q->last_ns) return sim__queue_push_slow(q, at_ns, seq, timer);
    sim__queue_bucket *b = &q->now;
    int i = -1;
    if (t != q->last_ns) {
        i = sim__queue_bucket_of(t, q->last_ns);
        b = &q->b[i];
    }
    if (__builtin_expect(b->n == b->cap, 0)) return sim__queue_push_slow(q, at_ns, seq, timer);
    b->a[b->n++] = (sim_queue_entry){at_ns, seq, timer};
    if (t < b->min_ns) b->min_ns = t;
    if (i >= 0) {
        q->nonempty[i / 64] |= UINT64_C(1) << (i % 64);
        q->levels |= UINT64_C(1) << (i / 64);
    }
    q->n++;
    return 0;
}

/* Starts fetching the timer of the entry most likely to pop next: the next
 * one in `now`, else the first one of the lowest bucket. With many events
 * pending, timers are cold, and this overlaps the miss with the handler
 * about to run instead of stalling the next pop on it. */
static inline void sim__queue_prefetch_next(const sim_queue *q)
{
    if (q->head0 < q->now.n) {
        __builtin_prefetch(q->now.a[q->head0].timer);
    } else if (q->levels) {
        int l = __builtin_ctzll(q->levels);
        __builtin_prefetch(q->b[l * 64 + __builtin_ctzll(q->nonempty[l])].a[0].timer);
    }
}

/*
 * Pops the least live entry if its time is <= until_ns: returns its timer and
 * writes its time to *at_out, or returns NULL when no live entry is due by
 * until_ns. In that case stale entries due by until_ns may have been dropped,
 * which moves the floor (the last popped time) to at most max(until_ns, the
 * floor before); nothing later is touched, so once the caller's clock is
 * there it may push anything from the clock on. The popped timer still
 * carries the entry's sequence; the caller retires it. This is the kernel's
 * hot path, so the common case (`now` not empty) is inline.
 */
static inline sim_timer *sim_queue_pop_until(sim_queue *q, sim_time_ns until_ns, sim_time_ns *at_out)
{
    for (;;) {
        sim__queue_bucket *b0 = &q->now;
        if (q->head0 == b0->n) {
            if (sim__queue_refill(q, until_ns) != 0) return NULL;
        } else if ((sim_time_ns)q->last_ns > until_ns) {
            return NULL;
        }
        sim_queue_entry *e = &b0->a[q->head0++];
        sim_timer *t = e->timer;
        uint64_t seq = e->seq;
        if (q->head0 == b0->n) {
            q->head0 = b0->n = 0;
            b0->min_ns = UINT64_MAX;
        }
        q->n--;
        if (t->seq == seq) {
            sim__queue_prefetch_next(q);
            *at_out = (sim_time_ns)q->last_ns;
            return t;
        }
        q->n_stale--;
    }
}

#endif
