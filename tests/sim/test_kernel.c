/*
 * The kernel (sim/kernel.c): ordering, cancellation, timers, run loops and
 * counters, with small hand-made cases and an oracle test that runs the
 * kernel in lockstep with a plain array of pending events (least item found
 * by a linear scan: trivially correct) over thousands of random scripts:
 * handlers that schedule, cancel, arm and disarm, equal times, stale
 * handles, run_until bounds and stops.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sim/kernel.h"
#include "tests/sim/leak_check.h"

/* ---- small cases ---- */

#define LOG_MAX 512

static struct {
    int id[LOG_MAX];
    sim_time_ns at_ns[LOG_MAX];
    int n;
} fired;

static void log_fire(sim_kernel *k, void *arg)
{
    cr_assert_lt(fired.n, LOG_MAX);
    fired.id[fired.n] = (int)(intptr_t)arg;
    fired.at_ns[fired.n] = sim_kernel_now(k);
    fired.n++;
}

static void reset_log(void) { memset(&fired, 0, sizeof fired); }

static sim_event at(sim_kernel *k, sim_time_ns t, int id)
{
    sim_event ev = sim_kernel_schedule_at(k, t, log_fire, (void *)(intptr_t)id);
    cr_assert_not_null(ev.node);
    return ev;
}

static void assert_fired(const int *want, int n)
{
    cr_assert_eq(fired.n, n, "%d handlers ran, wanted %d", fired.n, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(fired.id[i], want[i], "position %d: %d, wanted %d", i, fired.id[i], want[i]);
}

/* Schedules id + 1000 at the current time, behind everything already there. */
static void fire_and_schedule_now(sim_kernel *k, void *arg)
{
    log_fire(k, arg);
    int id = (int)(intptr_t)arg;
    if (id < 1000) sim_kernel_schedule_in(k, 0, fire_and_schedule_now, (void *)(intptr_t)(id + 1000));
}

Test(sim_kernel, equal_times_fire_in_schedule_order)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_timer t[4];
    int want[LOG_MAX], n = 0;
    /* 100 events at time 10, interleaved with events at 20 and with timers
     * at 10; each time-10 event schedules one more at the current time. */
    for (int i = 0; i < 100; i++) {
        at(k, 20, 500 + i);
        if (i % 30 == 0) {
            sim_timer_init(&t[i / 30], log_fire, (void *)(intptr_t)(800 + i));
            sim_timer_arm_at(k, &t[i / 30], 10);
        }
        sim_kernel_schedule_at(k, 10, fire_and_schedule_now, (void *)(intptr_t)i);
    }
    /* The time-10 items in schedule order, then the same-time events their
     * handlers added, in the order those handlers ran, then time 20. */
    for (int i = 0; i < 100; i++) {
        if (i % 30 == 0) want[n++] = 800 + i;
        want[n++] = i;
    }
    for (int i = 0; i < 100; i++) want[n++] = 1000 + i;
    for (int i = 0; i < 100; i++) want[n++] = 500 + i;
    sim_kernel_run(k);
    assert_fired(want, n);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, cancelling_the_head_middle_or_last_event_leaves_the_rest_in_order)
{
    for (int same_time = 0; same_time < 2; same_time++)
        for (int victim = 0; victim < 5; victim++) {
            reset_log();
            sim_kernel *k = sim_kernel_new();
            sim_event ev[5];
            for (int i = 0; i < 5; i++) ev[i] = at(k, same_time ? 7 : 10 * (i + 1), i);
            cr_assert(sim_kernel_cancel(k, ev[victim]));
            cr_assert_eq(sim_kernel_pending(k), 4);
            sim_kernel_run(k);
            int want[4], n = 0;
            for (int i = 0; i < 5; i++)
                if (i != victim) want[n++] = i;
            assert_fired(want, n);
            sim_kernel_free(k);
        }
    assert_no_leaks();
}

Test(sim_kernel, cancelling_twice_after_firing_or_a_zero_handle_returns_false)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_event a = at(k, 5, 1), b = at(k, 6, 2);
    cr_assert(sim_kernel_cancel(k, a));
    cr_assert_not(sim_kernel_cancel(k, a));
    sim_kernel_run(k);
    cr_assert_not(sim_kernel_cancel(k, b));
    cr_assert_not(sim_kernel_cancel(k, (sim_event){0}));
    sim_counters c = sim_kernel_counters(k);
    cr_assert_eq(c.n_cancelled, 1);
    cr_assert_eq(c.n_executed, 1);
    sim_kernel_free(k);
    assert_no_leaks();
}

static sim_event g_handle;
static int g_cancel_result = -1;

static void cancel_stale_handle(sim_kernel *k, void *arg)
{
    (void)arg;
    g_cancel_result = sim_kernel_cancel(k, g_handle);
}

Test(sim_kernel, a_stale_handle_never_cancels_the_event_that_reused_its_node)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_event old = at(k, 5, 1);
    sim_kernel_run(k);
    /* Schedule until one event lands in the fired event's node. */
    sim_event reused = {0};
    for (int i = 0; i < 4096 && reused.node != old.node; i++) reused = at(k, 10 + i, 100 + i);
    cr_assert_eq(reused.node, old.node, "the pool never handed the node out again");
    int n_pending = (int)sim_kernel_pending(k);
    cr_assert_not(sim_kernel_cancel(k, old));
    cr_assert_eq(sim_kernel_pending(k), (uint64_t)n_pending);
    /* Also from a handler, and for a cancelled (not fired) event's handle. */
    sim_kernel_schedule_at(k, 9, cancel_stale_handle, NULL);
    cr_assert(sim_kernel_cancel(k, reused));
    g_handle = reused;
    sim_event again = {0};
    int again_id = -1;
    for (int i = 0; i < 4096 && again.node != reused.node; i++) {
        again_id = 9000 + i;
        again = at(k, 5000 + i, again_id);
    }
    cr_assert_eq(again.node, reused.node);
    sim_kernel_run(k);
    cr_assert_eq(g_cancel_result, 0, "the handler cancelled through a stale handle");
    int found = 0;
    for (int i = 0; i < fired.n; i++) found |= fired.id[i] == again_id;
    cr_assert(found, "the event in the reused node did not fire");
    cr_assert_eq(sim_kernel_pending(k), 0);
    cr_assert_eq(sim_kernel_counters(k).n_cancelled, 1);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, rearming_a_timer_moves_it_and_it_fires_once)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_timer t;
    sim_timer_init(&t, log_fire, (void *)7);
    cr_assert_not(sim_timer_is_armed(&t));
    cr_assert_eq(sim_timer_when(&t), SIM_TIME_MAX);
    sim_timer_arm_at(k, &t, 100);
    sim_timer_arm_at(k, &t, 50);
    cr_assert(sim_timer_is_armed(&t));
    cr_assert_eq(sim_timer_when(&t), 50);
    cr_assert_eq(sim_kernel_pending(k), 1);
    sim_kernel_run(k);
    cr_assert_eq(fired.n, 1);
    cr_assert_eq(fired.at_ns[0], 50);
    sim_timer_arm_in(k, &t, 10);
    sim_timer_arm_in(k, &t, 150);
    sim_kernel_run(k);
    cr_assert_eq(fired.n, 2);
    cr_assert_eq(fired.at_ns[1], 200);
    cr_assert_not(sim_timer_is_armed(&t));
    sim_timer_disarm(k, &t); /* disarming a disarmed timer: no-op */
    sim_counters c = sim_kernel_counters(k);
    cr_assert_eq(c.n_scheduled, 4);
    cr_assert_eq(c.n_cancelled, 2);
    cr_assert_eq(c.n_executed, 2);
    sim_kernel_free(k);
    assert_no_leaks();
}

typedef struct periodic {
    sim_timer t;
    int left;
    int n_seen_armed;
} periodic;

static void tick(sim_kernel *k, void *arg)
{
    periodic *p = arg;
    p->n_seen_armed += sim_timer_is_armed(&p->t);
    log_fire(k, (void *)1);
    if (--p->left > 0) sim_timer_arm_in(k, &p->t, 10);
}

Test(sim_kernel, a_timer_rearmed_from_its_own_handler_fires_periodically)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    periodic p = {.left = 5};
    sim_timer_init(&p.t, tick, &p);
    sim_timer_arm_at(k, &p.t, 10);
    sim_kernel_run(k);
    cr_assert_eq(fired.n, 5);
    for (int i = 0; i < 5; i++) cr_assert_eq(fired.at_ns[i], 10 * (i + 1));
    cr_assert_eq(p.n_seen_armed, 0, "the timer must be disarmed when its handler runs");
    sim_kernel_free(k);
    assert_no_leaks();
}

static sim_timer *g_victim;

static void disarm_victim(sim_kernel *k, void *arg)
{
    log_fire(k, arg);
    sim_timer_disarm(k, g_victim);
}

Test(sim_kernel, a_timer_disarmed_by_an_earlier_handler_at_the_same_time_does_not_fire)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_timer a, b;
    sim_timer_init(&a, disarm_victim, (void *)1);
    sim_timer_init(&b, log_fire, (void *)2);
    g_victim = &b;
    sim_timer_arm_at(k, &a, 30);
    sim_timer_arm_at(k, &b, 30);
    sim_kernel_run(k);
    int want[] = {1};
    assert_fired(want, 1);
    sim_kernel_free(k);
    assert_no_leaks();
}

static void must_not_run(sim_kernel *k, void *arg)
{
    (void)k;
    (void)arg;
    cr_assert_fail("a disarmed timer's handler ran");
}

Test(sim_kernel, a_disarmed_timer_may_be_freed_at_once)
{
    /* After disarming, the owner frees the timer and the memory is reused:
     * here it is refilled with the timer's armed image, so a kernel that
     * still read it through the stale queue entry would run must_not_run. */
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_timer *t = malloc(sizeof *t);
    sim_timer_init(t, must_not_run, NULL);
    sim_timer_arm_at(k, t, 100);
    sim_timer image = *t;
    sim_timer_disarm(k, t);
    free(t);
    sim_timer *reused = malloc(sizeof *reused);
    memcpy(reused, &image, sizeof image);
    at(k, 200, 1);
    sim_kernel_run(k);
    int want[] = {1};
    assert_fired(want, 1);
    free(reused);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, freeing_a_kernel_with_armed_timers_and_events_is_allowed)
{
    sim_kernel *k = sim_kernel_new();
    sim_timer t;
    sim_timer_init(&t, log_fire, NULL);
    sim_timer_arm_at(k, &t, 10);
    for (int i = 0; i < 3000; i++) at(k, i, i);
    sim_kernel_free(k);
    sim_kernel_free(NULL);
    assert_no_leaks();
}

Test(sim_kernel, run_until_fires_events_at_exactly_until_and_leaves_the_clock_there)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    at(k, 100, 1);
    at(k, 200, 2);
    at(k, 201, 3);
    cr_assert_eq(sim_kernel_run_until(k, 200), 2);
    cr_assert_eq(sim_kernel_now(k), 200);
    cr_assert_eq(sim_kernel_pending(k), 1);
    /* An earlier bound runs nothing and never moves the clock back. */
    cr_assert_eq(sim_kernel_run_until(k, 150), 0);
    cr_assert_eq(sim_kernel_now(k), 200);
    /* Scheduling between the clock and the next event is still fine. */
    at(k, 200, 4);
    at(k, 200, 5);
    cr_assert_eq(sim_kernel_run_until(k, 200), 2);
    cr_assert_eq(sim_kernel_run_until(k, 1000), 1);
    cr_assert_eq(sim_kernel_now(k), 1000);
    cr_assert_eq(sim_kernel_run_until(k, 5000), 0);
    cr_assert_eq(sim_kernel_now(k), 5000, "an empty run_until still advances the clock");
    int want[] = {1, 2, 4, 5, 3};
    assert_fired(want, 5);
    sim_kernel_free(k);
    assert_no_leaks();
}

static void fire_and_stop(sim_kernel *k, void *arg)
{
    log_fire(k, arg);
    sim_kernel_stop(k);
}

/* Schedules id + 1 at the current time, then stops the loop. */
static void schedule_now_and_stop(sim_kernel *k, void *arg)
{
    log_fire(k, arg);
    sim_kernel_schedule_in(k, 0, log_fire, (void *)((intptr_t)arg + 1));
    sim_kernel_stop(k);
}

Test(sim_kernel, a_bound_below_the_clock_runs_nothing_even_with_events_due_at_the_clock)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_kernel_schedule_at(k, 100, schedule_now_and_stop, (void *)1);
    at(k, 100, 5);
    cr_assert_eq(sim_kernel_run(k), 1);
    cr_assert_eq(sim_kernel_now(k), 100);
    cr_assert_eq(sim_kernel_run_until(k, 50), 0, "ran events at 100 for a bound of 50");
    cr_assert_eq(sim_kernel_now(k), 100);
    cr_assert_eq(sim_kernel_run_until(k, 100), 2);
    int want[] = {1, 5, 2};
    assert_fired(want, 3);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, stop_makes_the_loop_return_after_the_current_handler)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    at(k, 10, 1);
    sim_kernel_schedule_at(k, 20, fire_and_stop, (void *)2);
    at(k, 20, 3);
    at(k, 30, 4);
    sim_kernel_stop(k); /* outside a run: no effect on the next one */
    cr_assert_eq(sim_kernel_run(k), 2);
    cr_assert_eq(sim_kernel_now(k), 20);
    cr_assert_eq(sim_kernel_pending(k), 2);
    /* Stopped run_until: the clock stays at the last event, not the bound. */
    sim_kernel_schedule_at(k, 25, fire_and_stop, (void *)5);
    cr_assert_eq(sim_kernel_run_until(k, 100), 2);
    cr_assert_eq(sim_kernel_now(k), 25);
    cr_assert_eq(sim_kernel_run(k), 1);
    cr_assert_eq(sim_kernel_now(k), 30);
    int want[] = {1, 2, 3, 5, 4};
    assert_fired(want, 5);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, pending_and_peak_count_live_events_only)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_event ev[10];
    for (int i = 0; i < 10; i++) ev[i] = at(k, 10 + i, i);
    for (int i = 0; i < 4; i++) sim_kernel_cancel(k, ev[2 * i]);
    cr_assert_eq(sim_kernel_pending(k), 6);
    at(k, 50, 50);
    cr_assert_eq(sim_kernel_pending(k), 7);
    cr_assert_eq(sim_kernel_run(k), 7);
    cr_assert_eq(sim_kernel_pending(k), 0);
    sim_counters c = sim_kernel_counters(k);
    cr_assert_eq(c.peak_pending, 10);
    cr_assert_eq(c.n_scheduled, 11);
    cr_assert_eq(c.n_cancelled, 4);
    cr_assert_eq(c.n_executed, 7);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, large_times_keep_their_order)
{
    reset_log();
    sim_kernel *k = sim_kernel_new();
    sim_time_ns big = INT64_C(1) << 62;
    at(k, big + 1, 3);
    at(k, big, 1);
    at(k, SIM_TIME_MAX, 4);
    at(k, big, 2);
    sim_kernel_run(k);
    int want[] = {1, 2, 3, 4};
    assert_fired(want, 4);
    cr_assert_eq(sim_kernel_now(k), SIM_TIME_MAX);
    sim_kernel_free(k);
    assert_no_leaks();
}

Test(sim_kernel, names_its_queue) { cr_assert_str_eq(sim_kernel_queue_name(), "radix-heap"); }

/* ---- the oracle ---- */

#define N_TIMERS 16
#define MAX_PENDING 8192
#define MAX_OLD 256

typedef struct rec {
    sim_time_ns at_ns;
    uint64_t order; /* the model's own scheduling counter */
    int id;         /* unique per scheduling */
    int timer;      /* timer index, or -1 for a one-shot event */
    sim_event handle;
} rec;

static struct {
    sim_kernel *k;
    sim_timer timers[N_TIMERS];
    rec pend[MAX_PENDING];
    int n_pend;
    uint64_t order;
    int next_id;
    sim_time_ns now_ns;
    sim_counters c;
    sim_event old[MAX_OLD]; /* handles of fired or cancelled events */
    int n_old;
    int stop_after; /* stop after this many more handlers; 0: never */
    int budget;     /* actions handlers may still take */
    uint64_t rnd;
    int script;
} o;

static uint64_t rnd(void)
{
    uint64_t x = (o.rnd += UINT64_C(0x9E3779B97F4A7C15));
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

static uint64_t rnd_below(uint64_t n) { return rnd() % n; }

static sim_time_ns rnd_delay(void)
{
    sim_time_ns d;
    switch (rnd_below(6)) {
    case 0: d = 0; break;
    case 1: d = (sim_time_ns)rnd_below(4); break;
    case 2: d = (sim_time_ns)rnd_below(100); break;
    case 3: d = (sim_time_ns)rnd_below(100000); break;
    case 4: d = (sim_time_ns)rnd_below(UINT64_C(1) << 40); break;
    default: d = (sim_time_ns)(rnd() >> (3 + rnd_below(30))); break;
    }
    return d > SIM_TIME_MAX - o.now_ns ? 0 : d;
}

static int model_min(void)
{
    int best = -1;
    for (int i = 0; i < o.n_pend; i++)
        if (best < 0 || o.pend[i].at_ns < o.pend[best].at_ns ||
            (o.pend[i].at_ns == o.pend[best].at_ns && o.pend[i].order < o.pend[best].order))
            best = i;
    return best;
}

static void model_remove(int i) { o.pend[i] = o.pend[--o.n_pend]; }

static int model_find_timer(int t)
{
    for (int i = 0; i < o.n_pend; i++)
        if (o.pend[i].timer == t) return i;
    return -1;
}

static void model_add(sim_time_ns at_ns, int timer, sim_event h)
{
    cr_assert_lt(o.n_pend, MAX_PENDING);
    o.pend[o.n_pend++] = (rec){at_ns, o.order++, o.next_id++, timer, h};
    o.c.n_scheduled++;
    if ((uint64_t)o.n_pend > o.c.peak_pending) o.c.peak_pending = (uint64_t)o.n_pend;
}

static void remember_old(sim_event h)
{
    if (o.n_old < MAX_OLD)
        o.old[o.n_old++] = h;
    else
        o.old[rnd_below(MAX_OLD)] = h;
}

static void check_state(const char *where)
{
    sim_counters c = sim_kernel_counters(o.k);
    cr_assert_eq(sim_kernel_pending(o.k), (uint64_t)o.n_pend, "script %d %s: pending", o.script, where);
    cr_assert_eq(sim_kernel_now(o.k), o.now_ns, "script %d %s: clock", o.script, where);
    cr_assert_eq(c.n_executed, o.c.n_executed, "script %d %s: executed", o.script, where);
    cr_assert_eq(c.n_scheduled, o.c.n_scheduled, "script %d %s: scheduled", o.script, where);
    cr_assert_eq(c.n_cancelled, o.c.n_cancelled, "script %d %s: cancelled", o.script, where);
    cr_assert_eq(c.peak_pending, o.c.peak_pending, "script %d %s: peak", o.script, where);
    for (int t = 0; t < N_TIMERS; t++) {
        int i = model_find_timer(t);
        cr_assert_eq(sim_timer_is_armed(&o.timers[t]), i >= 0, "script %d %s: timer %d armed", o.script, where, t);
        cr_assert_eq(sim_timer_when(&o.timers[t]), i >= 0 ? o.pend[i].at_ns : SIM_TIME_MAX);
    }
}

static void on_event(sim_kernel *k, void *arg);
static void on_timer(sim_kernel *k, void *arg);

static void random_action(void)
{
    uint64_t op = rnd_below(20);
    int t = (int)rnd_below(N_TIMERS);
    if (op < 7) {
        sim_time_ns d = rnd_delay();
        sim_event h = op < 4 ? sim_kernel_schedule_in(o.k, d, on_event, (void *)(intptr_t)o.next_id)
                             : sim_kernel_schedule_at(o.k, o.now_ns + d, on_event, (void *)(intptr_t)o.next_id);
        cr_assert_not_null(h.node);
        model_add(o.now_ns + d, -1, h);
    } else if (op < 12) {
        int i = model_find_timer(t);
        if (i >= 0) {
            model_remove(i);
            o.c.n_cancelled++;
        }
        sim_time_ns d = rnd_delay();
        if (op < 10)
            sim_timer_arm_in(o.k, &o.timers[t], d);
        else
            sim_timer_arm_at(o.k, &o.timers[t], o.now_ns + d);
        model_add(o.now_ns + d, t, (sim_event){0});
    } else if (op < 14) {
        int i = model_find_timer(t);
        if (i >= 0) {
            model_remove(i);
            o.c.n_cancelled++;
        }
        sim_timer_disarm(o.k, &o.timers[t]);
    } else if (op < 17) {
        int n_events = 0;
        for (int i = 0; i < o.n_pend; i++) n_events += o.pend[i].timer < 0;
        if (!n_events) return;
        int pick = (int)rnd_below((uint64_t)n_events);
        for (int i = 0; i < o.n_pend; i++)
            if (o.pend[i].timer < 0 && pick-- == 0) {
                sim_event h = o.pend[i].handle;
                cr_assert(sim_kernel_cancel(o.k, h), "script %d: cancel of a pending event failed", o.script);
                model_remove(i);
                o.c.n_cancelled++;
                remember_old(h);
                break;
            }
    } else if (op < 19) {
        if (!o.n_old) return;
        cr_assert_not(sim_kernel_cancel(o.k, o.old[rnd_below((uint64_t)o.n_old)]),
                      "script %d: a stale handle cancelled something", o.script);
    } else {
        cr_assert_not(sim_kernel_cancel(o.k, (sim_event){0}));
    }
}

/* Every handler: the model's least pending item must be the one firing. */
static void fire_common(sim_kernel *k, int timer, int id)
{
    int m = model_min();
    cr_assert_geq(m, 0, "script %d: a handler ran with nothing pending", o.script);
    rec r = o.pend[m];
    cr_assert_eq(r.timer, timer, "script %d: timer %d fired, wanted %d", o.script, timer, r.timer);
    if (timer < 0) cr_assert_eq(id, r.id, "script %d: event %d fired, wanted %d", o.script, id, r.id);
    cr_assert_eq(sim_kernel_now(k), r.at_ns, "script %d: fired at the wrong time", o.script);
    model_remove(m);
    o.now_ns = r.at_ns;
    o.c.n_executed++;
    if (timer < 0) {
        remember_old(r.handle);
        cr_assert_not(sim_kernel_cancel(k, r.handle), "script %d: cancelled the running event", o.script);
    } else {
        cr_assert_not(sim_timer_is_armed(&o.timers[timer]));
    }
    if (o.stop_after > 0 && --o.stop_after == 0) sim_kernel_stop(k);
    for (int n = (int)rnd_below(4); n > 0 && o.budget > 0; n--, o.budget--) random_action();
    check_state("in a handler");
}

static void on_event(sim_kernel *k, void *arg) { fire_common(k, -1, (int)(intptr_t)arg); }

static void on_timer(sim_kernel *k, void *arg) { fire_common(k, (int)(intptr_t)arg, -1); }

/* Runs sim_kernel_run_until (sometimes below the clock, sometimes exactly at
 * a pending time) or sim_kernel_run, maybe with a stop after a few handlers,
 * and checks what is left. */
static void run_step(void)
{
    uint64_t before = o.c.n_executed;
    int stop_after = rnd_below(3) == 0 ? 1 + (int)rnd_below(5) : 0;
    o.stop_after = stop_after;
    sim_time_ns until;
    uint64_t kind = rnd_below(10);
    if (kind == 0)
        until = o.now_ns - 1 - (sim_time_ns)rnd_below((uint64_t)o.now_ns + 1);
    else if (kind < 5 && o.n_pend)
        until = o.pend[rnd_below((uint64_t)o.n_pend)].at_ns;
    else
        until = o.now_ns + rnd_delay();
    int full = kind == 9;
    uint64_t ran = full ? sim_kernel_run(o.k) : sim_kernel_run_until(o.k, until);
    cr_assert_eq(ran, o.c.n_executed - before, "script %d: run returned %llu", o.script, (unsigned long long)ran);
    int stopped = stop_after > 0 && o.stop_after == 0;
    o.stop_after = 0;
    if (!stopped) {
        int m = model_min();
        if (full) {
            cr_assert_lt(m, 0, "script %d: run returned with events pending", o.script);
        } else {
            cr_assert(m < 0 || o.pend[m].at_ns > until, "script %d: run_until left a due event", o.script);
            if (until > o.now_ns) o.now_ns = until;
        }
    }
    check_state("after a run");
}

Test(sim_kernel, matches_a_plain_array_reference_over_random_scripts)
{
    for (int script = 0; script < 3000; script++) {
        memset(&o, 0, sizeof o);
        o.script = script;
        o.rnd = UINT64_C(0x5eed) + (uint64_t)script;
        o.k = sim_kernel_new();
        cr_assert_not_null(o.k);
        for (int t = 0; t < N_TIMERS; t++) sim_timer_init(&o.timers[t], on_timer, (void *)(intptr_t)t);
        /* Mostly short scripts; every tenth a long one that seldom runs, so
         * that hundreds of events pile up and stale entries get compacted. */
        int steps = script % 10 ? 10 + (int)rnd_below(120) : 3000;
        int run_every = script % 10 ? 4 : 40;
        o.budget = steps * 3;
        for (int s = 0; s < steps; s++) {
            if (rnd_below((uint64_t)run_every) == 0)
                run_step();
            else
                random_action();
            check_state("after a step");
        }
        /* Drain: handlers take no more actions. */
        o.budget = 0;
        o.stop_after = 0;
        sim_kernel_run(o.k);
        cr_assert_eq(o.n_pend, 0, "script %d: the model still has events", script);
        check_state("at the end");
        sim_kernel_free(o.k);
    }
    assert_no_leaks();
}
