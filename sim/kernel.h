#ifndef SIM_KERNEL_H
#define SIM_KERNEL_H
/*
 * The event kernel: an integer-nanosecond clock, a future-event set ordered by
 * (time, scheduling sequence), intrusive timers that callers embed in their
 * own state, pooled one-shot events with cancellable handles, and run loops.
 * Events at equal times fire in the order they were scheduled, always.
 * The kernel knows nothing about what a handler means.
 */
#include <stdbool.h>
#include <stdint.h>

typedef int64_t sim_time_ns;
#define SIM_TIME_MAX INT64_MAX
#define SIM_NS_PER_S INT64_C(1000000000)

typedef struct sim_kernel sim_kernel;

/* A handler runs when its event fires; ARG is whatever was given when it was
 * scheduled. Handlers may schedule, cancel, arm and disarm freely. */
typedef void (*sim_handler)(sim_kernel *k, void *arg);

/*
 * An intrusive timer: embedded in the caller's state, never allocated or
 * freed by the kernel. Fields are private to the kernel; use the functions.
 * A timer is armed at most once at a time: arming an armed timer re-arms it.
 * Before its handler runs the timer is disarmed, so the handler may re-arm it.
 */
typedef struct sim_timer {
    sim_handler fn;
    void *arg;
    sim_time_ns at_ns;  /* when it fires, meaningful only while armed */
    uint64_t seq;       /* 0 when disarmed; else the queue entry's sequence */
    uint32_t flags;     /* kernel-private */
    uint32_t pool_next; /* kernel-private */
} sim_timer;

/* A handle to a pooled one-shot event, returned by sim_kernel_schedule_*.
 * A zero handle ({0, 0}) never names an event. */
typedef struct sim_event {
    sim_timer *node;
    uint64_t seq;
} sim_event;

/* Kernel counters, for results and benchmarks. */
typedef struct sim_counters {
    uint64_t n_executed;   /* handlers run */
    uint64_t n_scheduled;  /* events and timer arms accepted */
    uint64_t n_cancelled;  /* cancels and disarms of armed events */
    uint64_t peak_pending; /* largest number of live pending events seen */
} sim_counters;

/* Lifecycle. sim_kernel_new returns NULL when out of memory; the caller frees
 * it with sim_kernel_free (NULL is a no-op). Freeing a kernel with armed
 * intrusive timers is allowed: the timers are simply forgotten. */
sim_kernel *sim_kernel_new(void);
void sim_kernel_free(sim_kernel *k);

/* The current simulated time in ns; 0 before the first event. */
sim_time_ns sim_kernel_now(const sim_kernel *k);
/* The address of K's clock, valid as long as K: for hot paths that read the
 * time on every event without a call. Read-only. */
const sim_time_ns *sim_kernel_clock(const sim_kernel *k);

/* Intrusive timers. sim_timer_init sets the handler (borrowed: the timer must
 * outlive its armed period; once disarmed, or once its handler has started,
 * the kernel never touches it again, so it may be freed at once). Do not
 * re-init an armed timer. Arming at a time before now is a broken invariant
 * (assert), and so is running out of memory while arming (the kernel keeps a
 * pooled node per armed timer). Disarming a disarmed timer is a no-op.
 * Arm, re-arm and disarm are O(1); cancelled entries are dropped lazily. */
void sim_timer_init(sim_timer *t, sim_handler fn, void *arg);
void sim_timer_arm_at(sim_kernel *k, sim_timer *t, sim_time_ns at_ns);
void sim_timer_arm_in(sim_kernel *k, sim_timer *t, sim_time_ns delay_ns);
void sim_timer_disarm(sim_kernel *k, sim_timer *t);
static inline bool sim_timer_is_armed(const sim_timer *t) { return t->seq != 0; }
/* When an armed timer fires; SIM_TIME_MAX when disarmed. */
static inline sim_time_ns sim_timer_when(const sim_timer *t) { return t->seq ? t->at_ns : SIM_TIME_MAX; }

/* One-shot events from the kernel's pool. The handle stays valid until the
 * event fires or is cancelled; cancelling a fired, cancelled or zero handle is
 * a no-op that returns false, even after the kernel has reused the event's
 * node for another event. Returns a zero handle only when out of memory.
 * AT_NS must be >= now (assert). Schedule and cancel are O(1). */
sim_event sim_kernel_schedule_at(sim_kernel *k, sim_time_ns at_ns, sim_handler fn, void *arg);
sim_event sim_kernel_schedule_in(sim_kernel *k, sim_time_ns delay_ns, sim_handler fn, void *arg);
bool sim_kernel_cancel(sim_kernel *k, sim_event ev);

/* Run loops. sim_kernel_run runs until no event is pending or
 * sim_kernel_stop is called; sim_kernel_run_until runs every event with time
 * <= until_ns and then sets the clock to until_ns (if it stopped early, the
 * clock stays at the last event; a bound below the clock runs nothing and
 * leaves the clock alone). Both return the number of handlers run. Running
 * out of memory inside the loop is an assert (the loop has no error return).
 * Cost per event: O(1) for the handler's schedules, and amortised
 * O(log(span) / 6) for the pop, for a span of pending times (a radix heap
 * on integer ns; see sim/queue.c). */
uint64_t sim_kernel_run(sim_kernel *k);
uint64_t sim_kernel_run_until(sim_kernel *k, sim_time_ns until_ns);
/* Makes the running loop return after the current handler. Called outside a
 * run loop it has no effect: each run starts unstopped. */
void sim_kernel_stop(sim_kernel *k);

/* Queries. Pending counts live events only (cancelled ones excluded). */
uint64_t sim_kernel_pending(const sim_kernel *k);
sim_counters sim_kernel_counters(const sim_kernel *k);
/* The name of the future-event set implementation (a static string), so that
 * benchmarks can state what they timed. */
const char *sim_kernel_queue_name(void);

/* Unit helpers for the edges (registry, CLI, database). Rounds to nearest ns. */
static inline sim_time_ns sim_time_from_s(double s) { return (sim_time_ns)(s * 1e9 + (s >= 0 ? 0.5 : -0.5)); }
static inline double sim_time_to_s(sim_time_ns t) { return (double)t / 1e9; }

#endif
