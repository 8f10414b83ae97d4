/*
 * The kernel: a clock, a sim_queue of (time, seq, timer) entries, and a pool
 * of timers for one-shot events. Invariants: a timer is armed iff its seq is
 * non-zero, and then exactly one live queue entry carries that seq; pooled
 * timers are on the free list iff disarmed. Pool chunks never move, so stale
 * entries may still point at a recycled pooled timer safely (its seq differs).
 */
#include <assert.h>
#include <stdlib.h>
#include "sim/kernel.h"
#include "sim/queue.h"

#define POOL_CHUNK 1024
#define FLAG_POOLED 1u

struct sim_kernel {
    sim_time_ns now_ns;
    uint64_t next_seq;
    uint64_t n_live;
    sim_queue *q;
    sim_counters c;
    int stop;
    sim_timer **chunks;
    size_t n_chunks;
    sim_timer *free_list; /* pooled timers, linked through arg */
};

sim_kernel *sim_kernel_new(void)
{
    sim_kernel *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->next_seq = 1;
    k->q = sim_queue_new();
    if (!k->q) {
        free(k);
        return NULL;
    }
    return k;
}

void sim_kernel_free(sim_kernel *k)
{
    if (!k) return;
    sim_queue_free(k->q);
    for (size_t i = 0; i < k->n_chunks; i++) free(k->chunks[i]);
    free(k->chunks);
    free(k);
}

sim_time_ns sim_kernel_now(const sim_kernel *k) { return k->now_ns; }

void sim_timer_init(sim_timer *t, sim_handler fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->at_ns = 0;
    t->seq = 0;
    t->flags = 0;
    t->pool_next = 0;
}

static void disarm(sim_kernel *k, sim_timer *t)
{
    t->seq = 0;
    k->n_live--;
    k->c.n_cancelled++;
    sim_queue_note_stale(k->q);
}

static int arm(sim_kernel *k, sim_timer *t, sim_time_ns at_ns)
{
    assert(at_ns >= k->now_ns);
    if (t->seq) disarm(k, t);
    uint64_t seq = k->next_seq++;
    if (sim_queue_push(k->q, at_ns, seq, t) != 0) return -1;
    t->seq = seq;
    t->at_ns = at_ns;
    k->n_live++;
    k->c.n_scheduled++;
    if (k->n_live > k->c.peak_pending) k->c.peak_pending = k->n_live;
    return 0;
}

void sim_timer_arm_at(sim_kernel *k, sim_timer *t, sim_time_ns at_ns)
{
    int rc = arm(k, t, at_ns);
    assert(rc == 0 && "out of memory arming a timer");
    (void)rc;
}

void sim_timer_arm_in(sim_kernel *k, sim_timer *t, sim_time_ns delay_ns)
{
    sim_timer_arm_at(k, t, k->now_ns + delay_ns);
}

void sim_timer_disarm(sim_kernel *k, sim_timer *t)
{
    if (t->seq) disarm(k, t);
}

static sim_timer *pool_get(sim_kernel *k)
{
    if (!k->free_list) {
        sim_timer **chunks = realloc(k->chunks, (k->n_chunks + 1) * sizeof *chunks);
        if (!chunks) return NULL;
        k->chunks = chunks;
        sim_timer *c = calloc(POOL_CHUNK, sizeof *c);
        if (!c) return NULL;
        k->chunks[k->n_chunks++] = c;
        for (size_t i = 0; i < POOL_CHUNK; i++) {
            c[i].flags = FLAG_POOLED;
            c[i].arg = k->free_list;
            k->free_list = &c[i];
        }
    }
    sim_timer *t = k->free_list;
    k->free_list = t->arg;
    return t;
}

static void pool_put(sim_kernel *k, sim_timer *t)
{
    t->arg = k->free_list;
    k->free_list = t;
}

sim_event sim_kernel_schedule_at(sim_kernel *k, sim_time_ns at_ns, sim_handler fn, void *arg)
{
    sim_timer *t = pool_get(k);
    if (!t) return (sim_event){0};
    t->fn = fn;
    t->arg = arg;
    if (arm(k, t, at_ns) != 0) {
        pool_put(k, t);
        return (sim_event){0};
    }
    return (sim_event){t, t->seq};
}

sim_event sim_kernel_schedule_in(sim_kernel *k, sim_time_ns delay_ns, sim_handler fn, void *arg)
{
    return sim_kernel_schedule_at(k, k->now_ns + delay_ns, fn, arg);
}

bool sim_kernel_cancel(sim_kernel *k, sim_event ev)
{
    if (!ev.node || !ev.seq || ev.node->seq != ev.seq) return false;
    disarm(k, ev.node);
    pool_put(k, ev.node);
    return true;
}

static uint64_t run_loop(sim_kernel *k, sim_time_ns until_ns)
{
    uint64_t n = 0;
    sim_queue_entry e;
    k->stop = 0;
    while (!k->stop) {
        if (sim_queue_peek_time(k->q) > until_ns) break;
        if (sim_queue_pop(k->q, &e) != 0) break;
        sim_timer *t = e.timer;
        assert(t->seq == e.seq);
        t->seq = 0;
        k->n_live--;
        k->now_ns = e.at_ns;
        sim_handler fn = t->fn;
        void *arg = t->arg;
        if (t->flags & FLAG_POOLED) pool_put(k, t);
        k->c.n_executed++;
        n++;
        fn(k, arg);
    }
    return n;
}

uint64_t sim_kernel_run(sim_kernel *k) { return run_loop(k, SIM_TIME_MAX); }

uint64_t sim_kernel_run_until(sim_kernel *k, sim_time_ns until_ns)
{
    uint64_t n = run_loop(k, until_ns);
    if (!k->stop && k->now_ns < until_ns) k->now_ns = until_ns;
    return n;
}

void sim_kernel_stop(sim_kernel *k) { k->stop = 1; }

uint64_t sim_kernel_pending(const sim_kernel *k) { return k->n_live; }

sim_counters sim_kernel_counters(const sim_kernel *k) { return k->c; }
