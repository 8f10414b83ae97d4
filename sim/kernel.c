/*
 * The kernel: a clock, an embedded sim_queue of (time, seq, node) entries, and
 * a pool of nodes (sim_timer structs owned by the kernel).
 *
 * Data structure. Every queue entry points at a pool node, never at a
 * caller's memory. A node serves either as a one-shot event (its own fn and
 * arg) or as the proxy of an armed intrusive timer (FLAG_PROXY; arg points at
 * the caller's timer, whose pool_next holds the proxy's pool index). The
 * proxy is what makes lazy cancellation safe for intrusive timers: once a
 * timer is disarmed its owner may free it at once, while its stale queue
 * entry lives on and is still read when it reaches the head; that read must
 * land in kernel memory.
 *
 * Invariants:
 *  - a node or timer is armed iff its seq is non-zero; an armed node has
 *    exactly one live queue entry, the one carrying its seq; an armed
 *    intrusive timer t has t->seq == proxy->seq;
 *  - a pool node is on the free list iff it is disarmed; the free list runs
 *    through arg; pool_next of a pool node is its own index;
 *  - pool chunks never move or shrink until sim_kernel_free, so a stale entry
 *    may point at a node that was recycled: its seq differs, sequences are
 *    never reused, so the entry stays stale;
 *  - n_live is the number of armed nodes, which is the number of live
 *    entries; the clock never decreases and every entry's time is >= it;
 *  - the queue's floor (the last time it popped) never exceeds the clock
 *    between operations, so any time from the clock on may be scheduled:
 *    the queue only moves its floor to a time it pops, or, when dropping
 *    stale entries, to a time <= the run_until bound the clock then takes.
 * In SIM_DEBUG builds kernel_check asserts these after every operation.
 *
 * Rejected: eager removal on cancel (each node remembering its entry's
 * position) costs a write to the node every time an entry moves in a refill,
 * and those writes are cache misses when many events are pending; lazy
 * cancellation with compaction costs one stale entry per cancel, bounded.
 */
#include "config.h"
#include <assert.h>
#include <stdlib.h>
#include "sim/kernel.h"
#include "sim/queue.h"

#define POOL_CHUNK 1024u
#define FLAG_POOLED 1u
#define FLAG_PROXY 2u

struct sim_kernel {
    sim_queue q;
    sim_time_ns now_ns;
    uint64_t next_seq;
    uint64_t n_live;
    sim_counters c;
    int stop;
    sim_timer *free_list;
    sim_timer **chunks;
    size_t n_chunks, cap_chunks;
};

sim_kernel *sim_kernel_new(void)
{
    sim_kernel *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    sim_queue_init(&k->q);
    k->next_seq = 1;
    return k;
}

void sim_kernel_free(sim_kernel *k)
{
    if (!k) return;
    sim_queue_fini(&k->q);
    for (size_t i = 0; i < k->n_chunks; i++) free(k->chunks[i]);
    free(k->chunks);
    free(k);
}

sim_time_ns sim_kernel_now(const sim_kernel *k) { return k->now_ns; }

const sim_time_ns *sim_kernel_clock(const sim_kernel *k) { return &k->now_ns; }

/* The kernel's own invariants on top of the queue's, which the queue walks
 * itself after each of its operations (SIM_DEBUG builds). */
static void kernel_check(const sim_kernel *k)
{
#ifdef SIM_DEBUG
    sim_queue_check(&k->q);
    assert(k->n_live == sim_queue_size(&k->q) - sim_queue_stale(&k->q));
    assert((sim_time_ns)k->q.last_ns <= k->now_ns || sim_queue_size(&k->q) == 0);
    assert(k->c.peak_pending >= k->n_live);
#else
    (void)k;
#endif
}

static int pool_grow(sim_kernel *k)
{
    if (k->n_chunks == k->cap_chunks) {
        size_t cap = k->cap_chunks ? 2 * k->cap_chunks : 16;
        sim_timer **chunks = realloc(k->chunks, cap * sizeof *chunks);
        if (!chunks) return -1;
        k->chunks = chunks;
        k->cap_chunks = cap;
    }
    if ((uint64_t)(k->n_chunks + 1) * POOL_CHUNK > UINT32_MAX) return -1;
    sim_timer *c = calloc(POOL_CHUNK, sizeof *c);
    if (!c) return -1;
    uint32_t base = (uint32_t)(k->n_chunks * POOL_CHUNK);
    k->chunks[k->n_chunks++] = c;
    /* Linked so that the lowest addresses are handed out first. */
    for (uint32_t i = POOL_CHUNK; i-- > 0;) {
        c[i].flags = FLAG_POOLED;
        c[i].pool_next = base + i;
        c[i].arg = k->free_list;
        k->free_list = &c[i];
    }
    return 0;
}

static inline sim_timer *pool_get(sim_kernel *k)
{
    if (__builtin_expect(!k->free_list, 0) && pool_grow(k) != 0) return NULL;
    sim_timer *t = k->free_list;
    k->free_list = t->arg;
    return t;
}

static inline void pool_put(sim_kernel *k, sim_timer *t)
{
    t->arg = k->free_list;
    k->free_list = t;
}

static inline sim_timer *pool_node(const sim_kernel *k, uint32_t index)
{
    assert(index / POOL_CHUNK < k->n_chunks);
    return &k->chunks[index / POOL_CHUNK][index % POOL_CHUNK];
}

/* Arms pool node T at AT_NS under a fresh sequence. The node carries its seq
 * before the push so that the queue's invariant walker sees a live entry.
 * Returns 0, or -1 when out of memory (T left disarmed). */
static inline int node_arm(sim_kernel *k, sim_timer *t, sim_time_ns at_ns)
{
    assert(at_ns >= k->now_ns);
    uint64_t seq = k->next_seq++;
    t->seq = seq;
    t->at_ns = at_ns;
    if (__builtin_expect(sim_queue_push(&k->q, at_ns, seq, t) != 0, 0)) {
        t->seq = 0;
        return -1;
    }
    k->c.n_scheduled++;
    if (++k->n_live > k->c.peak_pending) k->c.peak_pending = k->n_live;
    kernel_check(k);
    return 0;
}

/* Disarms armed pool node T, making its entry stale, and frees the node. */
static void node_cancel(sim_kernel *k, sim_timer *t)
{
    assert(t->seq != 0 && (t->flags & FLAG_POOLED));
    t->seq = 0;
    pool_put(k, t);
    k->n_live--;
    k->c.n_cancelled++;
    sim_queue_note_stale(&k->q);
    kernel_check(k);
}

void sim_timer_init(sim_timer *t, sim_handler fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->at_ns = 0;
    t->seq = 0;
    t->flags = 0;
    t->pool_next = 0;
}

void sim_timer_disarm(sim_kernel *k, sim_timer *t)
{
    if (!t->seq) return;
    sim_timer *proxy = pool_node(k, t->pool_next);
    assert(proxy->seq == t->seq && (proxy->flags & FLAG_PROXY) && proxy->arg == t);
    node_cancel(k, proxy);
    t->seq = 0;
}

void sim_timer_arm_at(sim_kernel *k, sim_timer *t, sim_time_ns at_ns)
{
    assert(!(t->flags & FLAG_POOLED) && "arming a kernel node as a timer");
    sim_timer_disarm(k, t);
    sim_timer *proxy = pool_get(k);
    int rc = proxy ? 0 : -1;
    if (proxy) {
        proxy->flags = FLAG_POOLED | FLAG_PROXY;
        proxy->arg = t;
        rc = node_arm(k, proxy, at_ns);
        if (rc != 0) pool_put(k, proxy);
    }
    assert(rc == 0 && "out of memory arming a timer");
    if (rc != 0) return;
    t->seq = proxy->seq;
    t->at_ns = at_ns;
    t->pool_next = proxy->pool_next;
}

void sim_timer_arm_in(sim_kernel *k, sim_timer *t, sim_time_ns delay_ns)
{
    assert(delay_ns >= 0 && delay_ns <= SIM_TIME_MAX - k->now_ns);
    sim_timer_arm_at(k, t, k->now_ns + delay_ns);
}

sim_event sim_kernel_schedule_at(sim_kernel *k, sim_time_ns at_ns, sim_handler fn, void *arg)
{
    sim_timer *t = pool_get(k);
    if (__builtin_expect(!t, 0)) return (sim_event){0};
    t->fn = fn;
    t->arg = arg;
    t->flags = FLAG_POOLED;
    if (__builtin_expect(node_arm(k, t, at_ns) != 0, 0)) {
        pool_put(k, t);
        return (sim_event){0};
    }
    return (sim_event){t, t->seq};
}

sim_event sim_kernel_schedule_in(sim_kernel *k, sim_time_ns delay_ns, sim_handler fn, void *arg)
{
    assert(delay_ns >= 0 && delay_ns <= SIM_TIME_MAX - k->now_ns);
    return sim_kernel_schedule_at(k, k->now_ns + delay_ns, fn, arg);
}

bool sim_kernel_cancel(sim_kernel *k, sim_event ev)
{
    /* A handle names a one-shot event only while the node still carries the
     * handle's sequence; proxies never match, as their sequences were never
     * handed out. */
    if (!ev.node || !ev.seq || ev.node->seq != ev.seq || (ev.node->flags & FLAG_PROXY)) return false;
    node_cancel(k, ev.node);
    return true;
}

/*
 * The hot path. Per event: one inline pop (the head of the queue's `now`
 * bucket in the common case, which also prefetches the next event's node),
 * one read of the node, which is then at once back on the free list, so a
 * handler that schedules one event (the usual case) gets the same, cache-hot
 * node back. No function call but the handler's, except when the queue
 * refills `now`.
 */
static uint64_t run_loop(sim_kernel *k, sim_time_ns until_ns)
{
    uint64_t n = 0;
    sim_time_ns at_ns;
    k->stop = 0;
    while (!k->stop) {
        sim_timer *t = sim_queue_pop_until(&k->q, until_ns, &at_ns);
        if (!t) break;
        sim_handler fn = t->fn;
        void *arg = t->arg;
        if (t->flags & FLAG_PROXY) {
            sim_timer *user = arg;
            assert(user->seq == t->seq);
            user->seq = 0;
            fn = user->fn;
            arg = user->arg;
        }
        t->seq = 0;
        pool_put(k, t);
        k->n_live--;
        k->now_ns = at_ns;
        k->c.n_executed++;
        n++;
        kernel_check(k);
        fn(k, arg);
    }
    /* The run loop has no error return; an allocation failure while
     * refilling the queue leaves it intact but ends the run. */
    assert(!k->q.failed && "out of memory in the event queue");
    return n;
}

uint64_t sim_kernel_run(sim_kernel *k)
{
    uint64_t n = run_loop(k, SIM_TIME_MAX);
    kernel_check(k);
    return n;
}

uint64_t sim_kernel_run_until(sim_kernel *k, sim_time_ns until_ns)
{
    uint64_t n = run_loop(k, until_ns);
    if (!k->stop && k->now_ns < until_ns) k->now_ns = until_ns;
    kernel_check(k);
    return n;
}

void sim_kernel_stop(sim_kernel *k) { k->stop = 1; }

uint64_t sim_kernel_pending(const sim_kernel *k) { return k->n_live; }

sim_counters sim_kernel_counters(const sim_kernel *k) { return k->c; }

const char *sim_kernel_queue_name(void) { return sim_queue_impl_name(); }
