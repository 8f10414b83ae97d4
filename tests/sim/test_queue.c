/*
 * The future-event set on its own (sim/queue.c), driven with fake timers whose
 * seq the test sets to make entries live or stale. The oracle test runs the
 * queue beside a plain array searched linearly over random scripts and walks
 * the queue's invariants after every step.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "sim/queue.h"
#include "tests/sim/leak_check.h"

/* A small deterministic generator for the scripts (SplitMix64). */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
    uint64_t x = (rnd_state += UINT64_C(0x9E3779B97F4A7C15));
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

static uint64_t rnd_below(uint64_t n) { return rnd() % n; }

/* Delays with many exact ties, small and huge gaps (to reach every digit). */
static sim_time_ns rnd_delay(void)
{
    switch (rnd_below(5)) {
    case 0: return 0;
    case 1: return (sim_time_ns)rnd_below(8);
    case 2: return (sim_time_ns)rnd_below(1000);
    case 3: return (sim_time_ns)rnd_below(UINT64_C(1) << 36);
    default: return (sim_time_ns)(rnd() >> (4 + rnd_below(20)));
    }
}

Test(sim_queue, pops_in_time_order_and_equal_times_in_push_order)
{
    sim_queue *q = sim_queue_new();
    cr_assert_not_null(q);
    sim_timer t[6] = {{0}};
    sim_time_ns at[6] = {50, 10, 50, 10, 7, 50};
    for (int i = 0; i < 6; i++) {
        t[i].seq = (uint64_t)i + 1;
        cr_assert_eq(sim_queue_push(q, at[i], t[i].seq, &t[i]), 0);
    }
    int want[6] = {4, 1, 3, 0, 2, 5};
    for (int i = 0; i < 6; i++) {
        sim_queue_entry e;
        cr_assert_eq(sim_queue_pop(q, &e), 0);
        cr_assert_eq(e.timer, &t[want[i]], "pop %d gave timer %d", i, (int)(e.timer - t));
        cr_assert_eq(e.at_ns, at[want[i]]);
    }
    sim_queue_entry e;
    cr_assert_eq(sim_queue_pop(q, &e), -1);
    sim_queue_free(q);
    assert_no_leaks();
}

Test(sim_queue, stale_entries_are_skipped_and_peek_sees_only_live_ones)
{
    sim_queue *q = sim_queue_new();
    sim_timer a = {0}, b = {0};
    a.seq = 1;
    b.seq = 2;
    sim_queue_push(q, 5, 1, &a);
    sim_queue_push(q, 9, 2, &b);
    a.seq = 0; /* a was cancelled */
    sim_queue_note_stale(q);
    cr_assert_eq(sim_queue_stale(q), 1);
    cr_assert_eq(sim_queue_peek_time(q), 9);
    sim_queue_entry e;
    cr_assert_eq(sim_queue_pop(q, &e), 0);
    cr_assert_eq(e.timer, &b);
    cr_assert_eq(sim_queue_size(q), 0);
    cr_assert_eq(sim_queue_stale(q), 0);
    cr_assert_eq(sim_queue_peek_time(q), SIM_TIME_MAX);
    sim_queue_free(q);
    assert_no_leaks();
}

Test(sim_queue, peek_does_not_stop_earlier_pushes)
{
    /* A peek must not advance the queue's floor: the kernel's clock may sit
     * well before the next event, and anything from the clock on is valid. */
    sim_queue *q = sim_queue_new();
    sim_timer a = {0}, b = {0};
    a.seq = 1;
    b.seq = 2;
    sim_queue_push(q, 1000000, 1, &a);
    cr_assert_eq(sim_queue_peek_time(q), 1000000);
    sim_queue_push(q, 3, 2, &b);
    cr_assert_eq(sim_queue_peek_time(q), 3);
    sim_queue_entry e;
    sim_queue_pop(q, &e);
    cr_assert_eq(e.timer, &b);
    sim_queue_pop(q, &e);
    cr_assert_eq(e.timer, &a);
    sim_queue_free(q);
    assert_no_leaks();
}

Test(sim_queue, pop_until_leaves_later_entries_and_the_floor_alone)
{
    sim_queue q;
    sim_queue_init(&q);
    sim_timer a = {0}, b = {0}, c = {0};
    a.seq = 1;
    b.seq = 2;
    c.seq = 3;
    sim_queue_push(&q, 100, 1, &a);
    sim_queue_push(&q, 200, 2, &b);
    sim_time_ns at = -1;
    cr_assert_eq(sim_queue_pop_until(&q, 100, &at), &a);
    cr_assert_eq(at, 100);
    cr_assert_null(sim_queue_pop_until(&q, 150, &at));
    /* The kernel's clock is now 150: a push at 150 must still be accepted. */
    sim_queue_push(&q, 150, 3, &c);
    cr_assert_eq(sim_queue_pop_until(&q, 1000, &at), &c);
    cr_assert_eq(at, 150);
    cr_assert_eq(sim_queue_pop_until(&q, 1000, &at), &b);
    cr_assert_null(sim_queue_pop_until(&q, 1000, &at));
    sim_queue_fini(&q);
    assert_no_leaks();
}

Test(sim_queue, pop_until_keeps_current_time_entries_past_a_lower_bound)
{
    sim_queue q;
    sim_queue_init(&q);
    sim_timer a = {0}, b = {0};
    a.seq = 1;
    b.seq = 2;
    sim_queue_push(&q, 50, 1, &a);
    sim_queue_push(&q, 50, 2, &b);
    sim_time_ns at;
    cr_assert_eq(sim_queue_pop_until(&q, 100, &at), &a);
    cr_assert_null(sim_queue_pop_until(&q, 40, &at), "popped an entry at 50 for a bound of 40");
    cr_assert_eq(sim_queue_pop_until(&q, 50, &at), &b);
    sim_queue_fini(&q);
    assert_no_leaks();
}

Test(sim_queue, a_queue_emptied_through_stale_entries_accepts_earlier_times)
{
    /* Popping drops a stale entry at 500 and then finds nothing live: the
     * caller's clock is still 100, so 200 must be accepted afterwards. */
    sim_queue q;
    sim_queue_init(&q);
    sim_timer a = {0}, b = {0}, c = {0};
    a.seq = 1;
    b.seq = 2;
    sim_queue_push(&q, 100, 1, &a);
    sim_queue_push(&q, 500, 2, &b);
    sim_queue_entry e;
    cr_assert_eq(sim_queue_pop(&q, &e), 0);
    b.seq = 0;
    sim_queue_note_stale(&q);
    cr_assert_eq(sim_queue_pop(&q, &e), -1);
    c.seq = 3;
    cr_assert_eq(sim_queue_push(&q, 200, 3, &c), 0);
    cr_assert_eq(sim_queue_pop(&q, &e), 0);
    cr_assert_eq(e.timer, &c);
    sim_queue_fini(&q);
    assert_no_leaks();
}

Test(sim_queue, stale_entries_stay_bounded_by_compaction)
{
    /* One timer re-armed a million times, never run: without compaction the
     * queue would hold a million entries. */
    sim_queue q;
    sim_queue_init(&q);
    sim_timer t = {0}, other[10] = {{0}};
    uint64_t seq = 1;
    for (int i = 0; i < 10; i++) {
        other[i].seq = seq;
        sim_queue_push(&q, 1000 + i, seq++, &other[i]);
    }
    size_t most = 0;
    for (int i = 0; i < 1000000; i++) {
        if (t.seq) {
            t.seq = 0;
            sim_queue_note_stale(&q);
        }
        t.seq = seq;
        sim_queue_push(&q, 5 + (i % 3000), seq++, &t);
        if (sim_queue_size(&q) > most) most = sim_queue_size(&q);
    }
    cr_assert_leq(most, 11 + 64 + 2, "queue held %zu entries for 11 live ones", most);
    sim_queue_check(&q);
    sim_queue_fini(&q);
    assert_no_leaks();
}

Test(sim_queue, a_current_time_fifo_that_never_drains_stays_bounded)
{
    /* Two entries at the current time, each popped and replaced by a new one
     * at the same time, forever: the FIFO must reuse its space. */
    sim_queue q;
    sim_queue_init(&q);
    sim_timer t[2] = {{0}};
    uint64_t seq = 1;
    for (int i = 0; i < 2; i++) {
        t[i].seq = seq;
        sim_queue_push(&q, 42, seq++, &t[i]);
    }
    for (int i = 0; i < 100000; i++) {
        sim_queue_entry e;
        cr_assert_eq(sim_queue_pop(&q, &e), 0);
        cr_assert_eq(e.timer, &t[i % 2]);
        e.timer->seq = seq;
        sim_queue_push(&q, 42, seq++, e.timer);
    }
    cr_assert_leq(q.now.cap, 64, "FIFO grew to %zu for 2 entries", q.now.cap);
    sim_queue_fini(&q);
    assert_no_leaks();
}

static size_t capacity_held(const sim_queue *q)
{
    size_t cap = q->now.cap;
    for (int i = 0; i < SIM_QUEUE_N_BUCKETS; i++) cap += q->b[i].cap;
    return cap;
}

Test(sim_queue, bucket_arrays_stay_proportional_to_the_entries_held)
{
    /* A hold model long enough for every bucket of a busy level to take its
     * turn holding a large share of the pending entries: the arrays must not
     * all keep that size. Bound: twice the entries (doubling) plus 64 kept
     * per bucket. */
    enum { N = 4000, STEPS = 100000 };
    static sim_timer t[N];
    sim_queue q;
    sim_queue_init(&q);
    rnd_state = 99;
    uint64_t seq = 1;
    for (int i = 0; i < N; i++) {
        t[i].seq = seq;
        sim_queue_push(&q, (sim_time_ns)rnd_below(UINT64_C(1) << 21), seq++, &t[i]);
    }
    size_t most = 0;
    for (int s = 0; s < STEPS; s++) {
        sim_time_ns at;
        sim_timer *x = sim_queue_pop_until(&q, SIM_TIME_MAX, &at);
        cr_assert_not_null(x);
        x->seq = seq;
        sim_queue_push(&q, at + (sim_time_ns)rnd_below(UINT64_C(1) << 21), seq++, x);
        size_t cap = capacity_held(&q);
        if (cap > most) most = cap;
    }
    size_t bound = 2 * N + (SIM_QUEUE_N_BUCKETS + 1) * 64;
    cr_assert_leq(most, bound, "arrays held %zu entries' room for %d entries (bound %zu)", most, N, bound);
    sim_queue_fini(&q);
    assert_no_leaks();
}

/* The oracle: a plain array, least (time, seq) found by a linear scan. */
typedef struct ref_entry {
    sim_time_ns at_ns;
    uint64_t seq;
    sim_timer *timer;
} ref_entry;

static int ref_min(const ref_entry *r, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (best < 0 || r[i].at_ns < r[best].at_ns || (r[i].at_ns == r[best].at_ns && r[i].seq < r[best].seq)) best = i;
    return best;
}

#define ORACLE_TIMERS 64

Test(sim_queue, matches_a_plain_array_reference_over_random_scripts)
{
    static sim_timer timers[ORACLE_TIMERS];
    static ref_entry ref[ORACLE_TIMERS];
    for (int script = 0; script < 2000; script++) {
        rnd_state = (uint64_t)script * 7919;
        sim_queue q;
        sim_queue_init(&q);
        memset(timers, 0, sizeof timers);
        int n_ref = 0;
        uint64_t seq = 1;
        sim_time_ns now = (script % 7 == 0) ? (sim_time_ns)(rnd() >> 3) : 0;
        int steps = 20 + (int)rnd_below(300);
        for (int s = 0; s < steps; s++) {
            uint64_t op = rnd_below(10);
            sim_timer *t = &timers[rnd_below(ORACLE_TIMERS)];
            if (op < 5) { /* arm or re-arm */
                if (t->seq) {
                    for (int i = 0; i < n_ref; i++)
                        if (ref[i].timer == t) ref[i] = ref[--n_ref];
                    t->seq = 0;
                    sim_queue_note_stale(&q);
                }
                sim_time_ns d = rnd_delay();
                sim_time_ns at = d > SIM_TIME_MAX - now ? now : now + d;
                t->seq = seq;
                cr_assert_eq(sim_queue_push(&q, at, seq, t), 0);
                ref[n_ref++] = (ref_entry){at, seq, t};
                seq++;
            } else if (op < 6) { /* cancel */
                if (t->seq) {
                    for (int i = 0; i < n_ref; i++)
                        if (ref[i].timer == t) ref[i] = ref[--n_ref];
                    t->seq = 0;
                    sim_queue_note_stale(&q);
                }
            } else if (op < 7) { /* peek */
                int m = ref_min(ref, n_ref);
                cr_assert_eq(sim_queue_peek_time(&q), m < 0 ? SIM_TIME_MAX : ref[m].at_ns, "script %d step %d", script,
                             s);
            } else { /* pop up to a bound */
                sim_time_ns until = now + (sim_time_ns)rnd_below(2000);
                if (rnd_below(4) == 0) until = SIM_TIME_MAX;
                int m = ref_min(ref, n_ref);
                sim_time_ns at = -1;
                sim_timer *got = sim_queue_pop_until(&q, until, &at);
                if (m < 0 || ref[m].at_ns > until) {
                    cr_assert_null(got, "script %d step %d: popped past %lld", script, s, (long long)until);
                    if (until != SIM_TIME_MAX && until > now) now = until;
                } else {
                    cr_assert_eq(got, ref[m].timer, "script %d step %d: wrong entry", script, s);
                    cr_assert_eq(at, ref[m].at_ns);
                    cr_assert_eq(got->seq, ref[m].seq);
                    now = at;
                    got->seq = 0;
                    ref[m] = ref[--n_ref];
                }
            }
            sim_queue_check(&q);
            cr_assert_eq(sim_queue_size(&q) - sim_queue_stale(&q), (size_t)n_ref);
        }
        sim_queue_fini(&q);
    }
    assert_no_leaks();
}

Test(sim_queue, names_its_implementation) { cr_assert_str_eq(sim_queue_impl_name(), "radix-heap"); }
