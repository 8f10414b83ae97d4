/*
 * The future-event set: a monotone radix heap (Ahuja, Mehlhorn, Orlin and
 * Tarjan 1990) on integer nanoseconds with 6-bit digits instead of single
 * bits, and a FIFO bucket for the current time.
 *
 * Data structure. last_ns is the time of the last minimum moved into `now`.
 * `now` holds the entries whose time equals last_ns, popped from head0 on.
 * Any other entry, of time t > last_ns, sits in bucket level * 64 + digit,
 * where level is the highest 6-bit digit position in which t differs from
 * last_ns and digit is t's digit there (11 levels cover 63 bits). Each bucket
 * is a plain growable array that also records the least time it holds. One
 * 64-bit word per level marks its non-empty buckets, and one word marks the
 * non-empty levels, so the lowest non-empty bucket is two bit scans away.
 *
 * Invariants (sim_queue_check asserts all of them):
 *  - every entry's time is >= last_ns and the entry sits in the bucket its
 *    time names relative to last_ns. Then every time in bucket i is below
 *    every time in bucket j > i (above i's level both agree with last_ns; at
 *    the same level the digit decides), and `now` holds the minimum;
 *  - within each bucket entries are in increasing sequence order. A push
 *    carries the largest sequence yet and appends; a refill empties only the
 *    lowest non-empty bucket, into `now` and buckets below it, all empty at
 *    that moment, walking it in order. So equal times, which always share a
 *    bucket, pop in the order they were scheduled, with no tie comparison;
 *  - a bucket's min_ns is the least time it holds, UINT64_MAX when empty;
 *    the occupancy words agree with the buckets;
 *  - n counts the entries held and n_stale the stale ones among them (an
 *    entry is stale when its timer's seq differs from the entry's).
 *
 * Operations. A push computes its bucket from the highest differing bit and
 * appends: O(1). A pop takes the head of `now`; when `now` is empty it
 * refills: takes the lowest non-empty bucket, makes its min_ns the new
 * last_ns, and moves its entries to lower buckets (a bucket of one entry just
 * swaps arrays with `now`). An entry only moves down, at least one level per
 * move, so at most 11 times: a pop is O(log(T) / 6) amortised for a span T of
 * pending times, whatever the increment distribution. Counted in the hold
 * model below, an entry moves 1.8 times at 1,000 pending and 2.9 times at
 * 100,000. Cancellation is lazy: stale entries are skipped when they reach
 * the head of `now`, and when they exceed both STALE_MIN and the live ones
 * every bucket is filtered in place (stable, so the order invariant holds),
 * O(1) amortised per cancel. Memory: entries (24 bytes) times at most about
 * two (array doubling), plus at most 64 entries' room kept per empty bucket.
 *
 * Measured (hold model, Exp(1 s) increments, 2-core machine with other
 * builds running, so single figures moved by 20 % or more; see
 * bench/README.md), and rejected:
 *  - comparison heaps. The first version (binary heap of 24-byte entries,
 *    lazy cancel) ran at 0.93-1.04 times the bare 4-ary heap at 1,000
 *    pending and 0.68-0.90 at 100,000; a 4-ary heap of 24-byte entries in
 *    this kernel 0.81-1.09 and 0.79-0.94. A comparison heap pays log(n)
 *    levels of unpredictable branches per pop and a sift per push; with the
 *    kernel's liveness check on top it cannot beat the bare heap it copies.
 *    This queue (a build that also prefetched refilled buckets, see below):
 *    1.2-1.7 and 1.8-2.4 in the same runs;
 *  - other digit widths. Queue-only (increments from a table), best of
 *    several runs, ns per event at 1,000 / 100,000 pending: 2 bits 45 / 113,
 *    3 bits 38 / 105, 4 bits 39 / 101, 5 bits 37 / 88, 6 bits 33 / 79,
 *    7 bits 38 / 94, 8 bits 33 / 114. Single bits (the textbook radix heap)
 *    move an entry 5.2 / 8.5 times. Wider digits than 6 mean more bucket
 *    headers (8 bits: 2,048 of them, 64 KB) and cache misses on them;
 *  - 16-byte entries (32-bit sequence and a node index): less copying, but
 *    a truncated sequence can wrap and make a stale entry look live, which
 *    needs forced compactions and still leaves a corner case; not worth it;
 *  - a calendar or ladder queue: also O(1) amortised, but a calendar queue
 *    needs a bucket width estimated from the increments and has known bad
 *    cases for skewed or bursty ones, and a ladder queue needs a sorted
 *    bottom list and rung-spawning thresholds; both need care to keep equal
 *    times FIFO. The radix heap has no parameter that depends on the model
 *    and FIFO ties for free; it needs integer, monotone times, which the
 *    kernel guarantees.
 * At 100,000 pending the cost is dominated by cache misses on the timers of
 * the next events, so every pop prefetches the timer of the next one
 * (sim__queue_prefetch_next); prefetching whole refilled buckets as well
 * measured no better.
 */
#include "config.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "sim/queue.h"

_Static_assert((1 << SIM_QUEUE_DIGIT_BITS) == 64, "one occupancy word per level");
_Static_assert(SIM_QUEUE_N_LEVELS *SIM_QUEUE_DIGIT_BITS >= 63, "levels cover every time");
/* Compaction is not worth its walk for a handful of stale entries. */
#define STALE_MIN 64
#define BUCKET_CAP0 16
/* Empty buckets keep arrays up to this many entries (all of them together at
 * most about 1 MB); larger ones are freed. Without this every bucket would
 * keep the largest array it ever needed: the bucket for "the next second" of
 * a busy run holds most pending events once, and the 64 of one level each
 * take that turn in time, so memory grew to many times the live entries. */
#define KEEP_CAP 64

const char *sim_queue_impl_name(void) { return "radix-heap"; }

#define bucket_of sim__queue_bucket_of

static inline void mark(sim_queue *q, int i)
{
    q->nonempty[i / 64] |= UINT64_C(1) << (i % 64);
    q->levels |= UINT64_C(1) << (i / 64);
}

static inline void unmark(sim_queue *q, int i)
{
    if (!(q->nonempty[i / 64] &= ~(UINT64_C(1) << (i % 64)))) q->levels &= ~(UINT64_C(1) << (i / 64));
}

/* The lowest non-empty bucket, or -1: two bit scans. */
static inline int lowest(const sim_queue *q)
{
    if (!q->levels) return -1;
    int l = __builtin_ctzll(q->levels);
    return l * 64 + __builtin_ctzll(q->nonempty[l]);
}

static void bucket_init(sim__queue_bucket *b)
{
    b->a = NULL;
    b->n = b->cap = 0;
    b->min_ns = UINT64_MAX;
}

void sim_queue_init(sim_queue *q)
{
    memset(q, 0, sizeof *q);
    bucket_init(&q->now);
    for (int i = 0; i < SIM_QUEUE_N_BUCKETS; i++) bucket_init(&q->b[i]);
}

void sim_queue_fini(sim_queue *q)
{
    free(q->now.a);
    for (int i = 0; i < SIM_QUEUE_N_BUCKETS; i++) free(q->b[i].a);
    sim_queue_init(q);
}

sim_queue *sim_queue_new(void)
{
    sim_queue *q = malloc(sizeof *q);
    if (q) sim_queue_init(q);
    return q;
}

void sim_queue_free(sim_queue *q)
{
    if (!q) return;
    sim_queue_fini(q);
    free(q);
}

/* Grows bucket B to hold at least one more entry. */
static int bucket_grow(sim__queue_bucket *b)
{
    size_t cap = b->cap ? 2 * b->cap : BUCKET_CAP0;
    sim_queue_entry *a = realloc(b->a, cap * sizeof *a);
    if (!a) return -1;
    b->a = a;
    b->cap = cap;
    return 0;
}

/* Frees the array of an emptied bucket if it is large (see KEEP_CAP). */
static void bucket_release(sim__queue_bucket *b)
{
    assert(b->n == 0);
    if (b->cap > KEEP_CAP) {
        free(b->a);
        b->a = NULL;
        b->cap = 0;
    }
}

/* Makes room for one more entry in `now`. It is a FIFO: before growing it,
 * the popped prefix is reclaimed, so a `now` that never quite drains
 * (same-time events rescheduling each other) stays bounded. */
static int now_reserve(sim_queue *q)
{
    sim__queue_bucket *b = &q->now;
    if (b->n < b->cap) return 0;
    if (q->head0 > 0 && q->head0 >= b->cap / 2) {
        memmove(b->a, b->a + q->head0, (b->n - q->head0) * sizeof *b->a);
        b->n -= q->head0;
        q->head0 = 0;
        return 0;
    }
    return bucket_grow(b);
}

int sim__queue_push_slow(sim_queue *q, sim_time_ns at_ns, uint64_t seq, sim_timer *timer)
{
    assert(at_ns >= 0 && (uint64_t)at_ns >= q->last_ns);
    uint64_t t = (uint64_t)at_ns;
    sim__queue_bucket *b;
    if (t == q->last_ns) {
        if (now_reserve(q) != 0) return -1;
        b = &q->now;
    } else {
        int i = bucket_of(t, q->last_ns);
        b = &q->b[i];
        if (b->n == b->cap && bucket_grow(b) != 0) return -1;
        mark(q, i);
    }
    b->a[b->n++] = (sim_queue_entry){at_ns, seq, timer};
    if (t < b->min_ns) b->min_ns = t;
    q->n++;
#ifdef SIM_DEBUG
    sim_queue_check(q);
#endif
    return 0;
}

/* Empties the buckets below I and `now`: the undo of a failed redistribute,
 * which only ever appended to these, all empty when it started. */
static void undo_redistribute(sim_queue *q, int i)
{
    q->now.n = 0;
    q->now.min_ns = UINT64_MAX;
    for (int j = 0; j < i; j++) {
        q->b[j].n = 0;
        q->b[j].min_ns = UINT64_MAX;
        unmark(q, j);
    }
}

/* Moves bucket I's entries to where they belong under the new last_ns, the
 * least time in bucket I, in one pass. Every destination is `now` or a bucket
 * below I, all empty, so appending in order keeps each one sorted by
 * sequence. The source is only read, so a failed allocation is undone by
 * emptying the destinations again. */
static int redistribute(sim_queue *q, int i)
{
    sim__queue_bucket *src = &q->b[i];
    uint64_t min_ns = src->min_ns;
    for (const sim_queue_entry *e = src->a, *end = src->a + src->n; e < end; e++) {
        uint64_t t = (uint64_t)e->at_ns;
        sim__queue_bucket *b = &q->now;
        if (t != min_ns) {
            int d = bucket_of(t, min_ns);
            b = &q->b[d];
            mark(q, d);
        }
        if (__builtin_expect(b->n == b->cap, 0) && bucket_grow(b) != 0) {
            undo_redistribute(q, i);
            return -1;
        }
        b->a[b->n++] = *e;
        b->min_ns = t < b->min_ns ? t : b->min_ns;
    }
    src->n = 0;
    src->min_ns = UINT64_MAX;
    bucket_release(src);
    unmark(q, i);
    q->last_ns = min_ns;
    return 0;
}

int sim__queue_refill(sim_queue *q, sim_time_ns until_ns)
{
    assert(q->head0 == 0 && q->now.n == 0);
    int i = lowest(q);
    if (i < 0) {
        /* Empty: any time is acceptable again. This matters when the pop
         * that emptied the queue dropped stale entries after the last live
         * one, leaving last_ns ahead of the caller's clock. */
        q->last_ns = 0;
        return -1;
    }
    sim__queue_bucket *src = &q->b[i];
    if (until_ns < 0 || src->min_ns > (uint64_t)until_ns) return -1;
    if (src->n == 1) {
        /* Common with few events pending: swap arrays instead of copying. */
        sim__queue_bucket t = q->now;
        q->now = *src;
        *src = t;
        bucket_release(src);
        unmark(q, i);
        q->last_ns = q->now.min_ns;
    } else if (redistribute(q, i) != 0) {
        q->failed = 1;
        return -1;
    }
#ifdef SIM_DEBUG
    sim_queue_check(q);
#endif
    return 0;
}

/* Drops the entry at the head of `now`, which the caller has read. */
static inline void now_drop_head(sim_queue *q)
{
    if (++q->head0 == q->now.n) {
        q->head0 = q->now.n = 0;
        q->now.min_ns = UINT64_MAX;
    }
    q->n--;
}

static int entry_live(const sim_queue_entry *e) { return e->timer->seq == e->seq; }

int sim_queue_pop(sim_queue *q, sim_queue_entry *out)
{
    for (;;) {
        if (q->head0 == q->now.n && sim__queue_refill(q, SIM_TIME_MAX) != 0) return -1;
        sim_queue_entry e = q->now.a[q->head0];
        now_drop_head(q);
        if (entry_live(&e)) {
            *out = e;
#ifdef SIM_DEBUG
            sim_queue_check(q);
#endif
            return 0;
        }
        q->n_stale--;
    }
}

sim_time_ns sim_queue_peek_time(sim_queue *q)
{
    while (q->head0 < q->now.n && !entry_live(&q->now.a[q->head0])) {
        now_drop_head(q);
        q->n_stale--;
    }
    if (q->now.n) return (sim_time_ns)q->last_ns;
    /* Buckets are ordered, so the first bucket with a live entry holds the
     * answer; scanning rather than refilling keeps last_ns where it is. */
    for (int w = 0; w < SIM_QUEUE_N_LEVELS; w++)
        for (uint64_t m = q->nonempty[w]; m; m &= m - 1) {
            const sim__queue_bucket *b = &q->b[w * 64 + __builtin_ctzll(m)];
            uint64_t best = UINT64_MAX;
            for (size_t j = 0; j < b->n; j++)
                if (entry_live(&b->a[j]) && (uint64_t)b->a[j].at_ns < best) best = (uint64_t)b->a[j].at_ns;
            if (best != UINT64_MAX) return (sim_time_ns)best;
        }
    return SIM_TIME_MAX;
}

/* Keeps the live entries of bucket B from index FROM on, in order, and
 * recomputes its least time; returns how many it kept. */
static size_t bucket_filter(sim__queue_bucket *b, size_t from)
{
    size_t m = 0;
    uint64_t min_ns = UINT64_MAX;
    for (size_t j = from; j < b->n; j++)
        if (entry_live(&b->a[j])) {
            b->a[m++] = b->a[j];
            if ((uint64_t)b->a[j].at_ns < min_ns) min_ns = (uint64_t)b->a[j].at_ns;
        }
    b->n = m;
    b->min_ns = min_ns;
    if (b->cap > KEEP_CAP && m < b->cap / 4) {
        /* Mostly stale entries went: give back what the rest do not need. */
        size_t cap = KEEP_CAP;
        while (cap < 2 * m) cap *= 2;
        sim_queue_entry *a = m ? realloc(b->a, cap * sizeof *a) : NULL;
        if (!m) free(b->a);
        if (a || !m) {
            b->a = a;
            b->cap = m ? cap : 0;
        }
    }
    return m;
}

/* Filters every bucket in place, keeping order; last_ns does not move, so no
 * entry changes bucket. */
static void compact(sim_queue *q)
{
    size_t n = bucket_filter(&q->now, q->head0);
    q->head0 = 0;
    for (int w = 0; w < SIM_QUEUE_N_LEVELS; w++)
        for (uint64_t m = q->nonempty[w]; m; m &= m - 1) {
            int i = w * 64 + __builtin_ctzll(m);
            size_t kept = bucket_filter(&q->b[i], 0);
            if (!kept) unmark(q, i);
            n += kept;
        }
    assert(n + q->n_stale == q->n);
    q->n = n;
    q->n_stale = 0;
}

void sim_queue_note_stale(sim_queue *q)
{
    q->n_stale++;
    assert(q->n_stale <= q->n);
    if (q->n_stale > STALE_MIN && q->n_stale > q->n - q->n_stale) compact(q);
#ifdef SIM_DEBUG
    sim_queue_check(q);
#endif
}

size_t sim_queue_size(const sim_queue *q) { return q->n; }

size_t sim_queue_stale(const sim_queue *q) { return q->n_stale; }

/* Checks one bucket from index FROM on; I is its index, -1 for `now`.
 * Adds its entries and stale entries to *N and *STALE. */
static void check_bucket(const sim_queue *q, const sim__queue_bucket *b, int i, size_t from, size_t *n, size_t *stale)
{
    uint64_t min_ns = UINT64_MAX;
    assert(b->n <= b->cap);
    for (size_t j = from; j < b->n; j++) {
        const sim_queue_entry *e = &b->a[j];
        uint64_t t = (uint64_t)e->at_ns;
        assert(e->at_ns >= 0 && e->seq != 0 && e->timer);
        if (i < 0)
            assert(t == q->last_ns);
        else
            assert(t > q->last_ns && bucket_of(t, q->last_ns) == i);
        assert(j == from || b->a[j - 1].seq < e->seq);
        if (t < min_ns) min_ns = t;
        if (!entry_live(e)) ++*stale;
    }
    assert(b->min_ns == min_ns);
    *n += b->n - from;
}

void sim_queue_check(const sim_queue *q)
{
    size_t n = 0, stale = 0;
    assert(q->head0 < q->now.n || (q->head0 == 0 && q->now.n == 0));
    check_bucket(q, &q->now, -1, q->head0, &n, &stale);
    for (int l = 0; l < SIM_QUEUE_N_LEVELS; l++) assert(!!(q->levels & (UINT64_C(1) << l)) == (q->nonempty[l] != 0));
    assert(q->levels >> SIM_QUEUE_N_LEVELS == 0);
    for (int i = 0; i < SIM_QUEUE_N_BUCKETS; i++) {
        int marked = (q->nonempty[i / 64] >> (i % 64)) & 1;
        assert(marked == (q->b[i].n != 0));
        check_bucket(q, &q->b[i], i, 0, &n, &stale);
    }
    assert(n == q->n);
    assert(stale == q->n_stale);
    (void)n;
    (void)stale;
}
