/*
 * The recorder (models/core/record.c) on a real kernel: events stamped with
 * the kernel's time, sinks fed every event in the order they were added, the
 * sink limit, the run fingerprint (sensitive to every key field, stable for
 * identical runs), interruption episodes, and out-of-memory, both on a bare
 * recorder and through scn_run with the episode allocation made to fail.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/record.h"
#include "models/core/params.h"
#include "models/scenario.h"
#include "sim/kernel.h"

/* ---- a sink that keeps what it was given ---- */

#define LOG_MAX 64

static struct {
    int sink[LOG_MAX];    /* which sink saw it */
    ev_event ev[LOG_MAX]; /* a copy of the event */
    int n;
} seen;

static void reset_seen(void) { memset(&seen, 0, sizeof seen); }

static void keep(void *ctx, const ev_event *e)
{
    cr_assert_lt(seen.n, LOG_MAX);
    seen.sink[seen.n] = (int)(intptr_t)ctx;
    seen.ev[seen.n] = *e;
    seen.n++;
}

static rec_sink keeper(int id) { return (rec_sink){keep, (void *)(intptr_t)id, 0}; }

static void expect_same_event(const ev_event *a, const ev_event *b, int i)
{
    cr_expect_eq(a->t_ns, b->t_ns, "entry %d: t_ns", i);
    cr_expect_eq(a->kind, b->kind, "entry %d: kind", i);
    cr_expect_eq(a->host, b->host, "entry %d: host", i);
    cr_expect_eq(a->flags, b->flags, "entry %d: flags", i);
    cr_expect_eq(a->xchg, b->xchg, "entry %d: xchg", i);
    cr_expect_eq(a->msg, b->msg, "entry %d: msg", i);
    cr_expect_eq(a->sa, b->sa, "entry %d: sa", i);
    cr_expect_eq(a->cause, b->cause, "entry %d: cause", i);
    cr_expect_eq(a->seq, b->seq, "entry %d: seq", i);
    cr_expect_eq(a->ack, b->ack, "entry %d: ack", i);
    cr_expect_eq(a->len, b->len, "entry %d: len", i);
    cr_expect_eq(a->win, b->win, "entry %d: win", i);
    cr_expect_eq(a->cwnd, b->cwnd, "entry %d: cwnd", i);
    cr_expect_eq(a->bytes, b->bytes, "entry %d: bytes", i);
    cr_expect_eq(a->count, b->count, "entry %d: count", i);
    cr_expect(a->value == b->value, "entry %d: value %g vs %g", i, a->value, b->value);
    cr_expect(a->detail == b->detail || (a->detail && b->detail && !strcmp(a->detail, b->detail)), "entry %d: detail",
              i);
}

/* ---- a script of events emitted by kernel timers at given times ---- */

typedef struct emit_step {
    rec_recorder *r;
    ev_event e; /* emitted at its t_ns (which the recorder overwrites) */
    sim_time_ns at_ns;
    sim_time_ns stamped; /* e.t_ns after rec_emit */
} emit_step;

static void emit_now(sim_kernel *k, void *arg)
{
    (void)k;
    emit_step *s = arg;
    ev_event e = s->e;
    rec_emit(s->r, &e);
    s->stamped = e.t_ns;
}

/* Emits the N events EVS from timers at their t_ns and returns the final
 * fingerprint; SINKS (may be 0) get them. */
static uint64_t run_script(const ev_event *evs, int n, int sinks)
{
    sim_kernel *k = sim_kernel_new();
    cr_assert_not_null(k);
    rec_recorder r;
    rec_init(&r, k);
    for (int i = 0; i < sinks; i++) cr_assert_eq(rec_add_sink(&r, keeper(i)), 0);
    emit_step steps[16];
    sim_timer timers[16];
    cr_assert_leq(n, 16);
    for (int i = 0; i < n; i++) {
        steps[i] = (emit_step){.r = &r, .e = evs[i], .at_ns = evs[i].t_ns};
        sim_timer_init(&timers[i], emit_now, &steps[i]);
        sim_timer_arm_at(k, &timers[i], evs[i].t_ns);
    }
    sim_kernel_run(k);
    uint64_t fp = r.fingerprint;
    rec_fini(&r);
    sim_kernel_free(k);
    return fp;
}

Test(record, rec_emit_stamps_each_event_with_the_kernel_time_it_is_emitted_at)
{
    static const sim_time_ns when[] = {0, 1, 1500000, 2000000000, 2000000000, 86400000000000};
    enum { N = sizeof when / sizeof when[0] };
    sim_kernel *k = sim_kernel_new();
    rec_recorder r;
    rec_init(&r, k);
    cr_assert_eq(rec_add_sink(&r, keeper(0)), 0);
    emit_step steps[N];
    sim_timer timers[N];
    /* Armed in reverse, each event claiming a time of its own: the recorder
     * must use the kernel's clock, not the caller's field. */
    for (int i = N - 1; i >= 0; i--) {
        steps[i] = (emit_step){
            .r = &r, .e = {.kind = EV_TCP_ESTABLISHED, .t_ns = 777, .count = (uint64_t)i}, .at_ns = when[i]};
        sim_timer_init(&timers[i], emit_now, &steps[i]);
        sim_timer_arm_at(k, &timers[i], when[i]);
    }
    reset_seen();
    sim_kernel_run(k);
    cr_assert_eq(seen.n, N);
    for (int i = 0; i < N; i++) {
        cr_expect_eq(seen.ev[i].t_ns, when[i], "event %d: the sink saw %lld ns, emitted at %lld ns", i,
                     (long long)seen.ev[i].t_ns, (long long)when[i]);
        cr_expect_eq(steps[i].stamped, when[i], "event %d: the caller's event stamped %lld ns", i,
                     (long long)steps[i].stamped);
    }
    rec_fini(&r);
    sim_kernel_free(k);
}

Test(record, every_sink_receives_every_event_in_the_order_the_sinks_were_added_with_identical_content)
{
    static const char det[] = "AuthIP-MM1";
    const ev_event evs[] = {
        {.t_ns = 10,
         .kind = EV_TCP_SEND,
         .host = 0,
         .flags = 0x12,
         .seq = 1,
         .ack = 2,
         .len = 1400,
         .win = 65536,
         .cwnd = 2800},
        {.t_ns = 20, .kind = EV_IKE_SEND, .host = 1, .xchg = 16777217, .msg = 11, .detail = det},
        {.t_ns = 20, .kind = EV_TCP_TIMEOUT, .host = 0, .value = 0.3, .count = 2, .seq = 5935},
        {.t_ns = 30, .kind = EV_LINK_DROP, .host = -1, .sa = 3, .cause = 4, .bytes = 40, .detail = "loss"},
    };
    enum { N = sizeof evs / sizeof evs[0] };
    reset_seen();
    run_script(evs, N, REC_MAX_SINKS);
    cr_assert_eq(seen.n, N * REC_MAX_SINKS, "%d deliveries for %d events to %d sinks", seen.n, N, REC_MAX_SINKS);
    for (int i = 0; i < seen.n; i++) {
        cr_expect_eq(seen.sink[i], i % REC_MAX_SINKS, "delivery %d went to sink %d", i, seen.sink[i]);
        expect_same_event(&seen.ev[i], &evs[i / REC_MAX_SINKS], i);
    }
}

Test(record, a_sink_beyond_rec_max_sinks_is_refused_and_never_called)
{
    sim_kernel *k = sim_kernel_new();
    rec_recorder r;
    rec_init(&r, k);
    for (int i = 0; i < REC_MAX_SINKS; i++) cr_expect_eq(rec_add_sink(&r, keeper(i)), 0, "sink %d refused", i);
    cr_expect_eq(rec_add_sink(&r, keeper(REC_MAX_SINKS)), -1, "a sink beyond REC_MAX_SINKS was accepted");
    cr_expect_eq(r.n_sinks, REC_MAX_SINKS);
    reset_seen();
    rec_emit(&r, &(ev_event){.kind = EV_TCP_CLOSED});
    cr_expect_eq(seen.n, REC_MAX_SINKS);
    for (int i = 0; i < seen.n; i++) cr_expect_neq(seen.sink[i], REC_MAX_SINKS, "the refused sink was called");
    rec_fini(&r);
    sim_kernel_free(k);
}

/* ---- the fingerprint ---- */

static void base_events(ev_event evs[3])
{
    evs[0] = (ev_event){.t_ns = 1000,
                        .kind = EV_TCP_SEND,
                        .host = 0,
                        .flags = 0x10,
                        .seq = 100,
                        .ack = 200,
                        .len = 1400,
                        .win = 65536,
                        .cwnd = 14000};
    evs[1] = (ev_event){.t_ns = 2000,
                        .kind = EV_IKE_SEND,
                        .host = 1,
                        .flags = 1,
                        .xchg = 33554433,
                        .msg = 11,
                        .sa = 1,
                        .cause = 2,
                        .seq = 7,
                        .ack = 8,
                        .len = 9,
                        .win = 10,
                        .cwnd = 11,
                        .bytes = 12,
                        .count = 13,
                        .value = 0.25,
                        .detail = "AuthIP-MM1"};
    evs[2] = (ev_event){.t_ns = 3000, .kind = EV_COPY_END, .host = 0, .cause = 2, .detail = "tcp_abort"};
}

Test(record, the_fingerprint_changes_when_any_single_key_field_of_one_event_changes)
{
    ev_event evs[3];
    base_events(evs);
    uint64_t base = run_script(evs, 3, 0);
    cr_expect_neq(base, REC_FINGERPRINT_SEED, "three events left the fingerprint at its seed");
    enum { N_VAR = 17 };
    static const char *const what[N_VAR] = {"time", "kind", "host", "flags", "seq",        "ack",
                                            "len",  "win",  "cwnd", "bytes", "count",      "cause",
                                            "xchg", "msg",  "sa",   "value", "detail text"};
    uint64_t fp[N_VAR];
    for (int v = 0; v < N_VAR; v++) {
        base_events(evs);
        ev_event *e = &evs[1];
        switch (v) {
        case 0: e->t_ns += 1; break;
        case 1: e->kind = EV_IKE_RECV; break;
        case 2: e->host = 0; break;
        case 3: e->flags ^= 2; break;
        case 4: e->seq += 1; break;
        case 5: e->ack += 1; break;
        case 6: e->len += 1; break;
        case 7: e->win += 1; break;
        case 8: e->cwnd += 1; break;
        case 9: e->bytes += 1; break;
        case 10: e->count += 1; break;
        case 11: e->cause += 1; break;
        case 12: e->xchg += 1; break;
        case 13: e->msg += 1; break;
        case 14: e->sa += 1; break;
        case 15: e->value = 0.5; break;
        case 16: e->detail = "AuthIP-MM2"; break;
        }
        fp[v] = run_script(evs, 3, 0);
        cr_expect_neq(fp[v], base, "changing the %s of one event left the fingerprint at %016llx", what[v],
                      (unsigned long long)base);
        for (int u = 0; u < v; u++)
            cr_expect_neq(fp[u], fp[v], "changing the %s and changing the %s give the same fingerprint", what[u],
                          what[v]);
    }
}

Test(record, identical_event_sequences_give_the_same_fingerprint_whatever_the_detail_strings_address)
{
    ev_event a[3], b[3];
    base_events(a);
    base_events(b);
    char copy[3][32];
    strcpy(copy[1], a[1].detail);
    strcpy(copy[2], a[2].detail);
    b[1].detail = copy[1];
    b[2].detail = copy[2];
    cr_assert_neq(a[1].detail, b[1].detail);
    uint64_t fa = run_script(a, 3, 0), fb = run_script(b, 3, 0), fa2 = run_script(a, 3, 0);
    cr_expect_eq(fa, fa2, "the same run twice: %016llx then %016llx", (unsigned long long)fa, (unsigned long long)fa2);
    cr_expect_eq(fa, fb, "the same text at another address: %016llx vs %016llx", (unsigned long long)fa,
                 (unsigned long long)fb);
    /* One event fewer is another trajectory. */
    cr_expect_neq(run_script(a, 2, 0), fa);
}

/* ---- interruption episodes ---- */

typedef struct rig {
    sim_kernel *k;
    rec_recorder r;
} rig;

static void rig_init(rig *g)
{
    g->k = sim_kernel_new();
    cr_assert_not_null(g->k);
    rec_init(&g->r, g->k);
    cr_assert_eq(rec_add_sink(&g->r, keeper(0)), 0);
    reset_seen();
}

static void rig_fini(rig *g)
{
    rec_fini(&g->r);
    sim_kernel_free(g->k);
}

static void at_s(rig *g, double s) { sim_kernel_run_until(g->k, sim_time_from_s(s)); }

Test(record, an_interruption_before_establishment_is_ignored)
{
    rig g;
    rig_init(&g);
    at_s(&g, 1.0);
    rec_start(&g.r);
    at_s(&g, 2.0);
    rec_episode_begin(&g.r, 1, OUT_CAUSE_PEER_NEGOTIATION); /* IPsec holds the SYN: setup, not an interruption */
    cr_expect_eq(g.r.n_eps, 0, "an episode was opened before the connection was established");
    cr_expect_eq(g.r.in_episode, 0);
    cr_expect_eq(seen.n, 0, "an event was emitted for an ignored episode");
    rec_traffic_flows(&g.r, 1);
    cr_expect_eq(seen.n, 0, "traffic flowing with no episode open emitted an event");
    rig_fini(&g);
}

Test(record, an_episode_opens_with_the_current_bytes_and_cause_and_closes_only_when_the_same_host_passes_traffic)
{
    rig g;
    rig_init(&g);
    at_s(&g, 1.0);
    rec_start(&g.r);
    at_s(&g, 1.5);
    rec_established(&g.r);
    g.r.bytes_done = 12345;
    at_s(&g, 2.5);
    rec_episode_begin(&g.r, 1, OUT_CAUSE_EXPIRY);
    cr_assert_eq(g.r.n_eps, 1, "no episode opened after establishment");
    const out_interruption *ep = &g.r.eps[0];
    cr_expect_eq(ep->start_s, 1.5, "start %.9f s, expected 1.5 s after the time origin", ep->start_s);
    cr_expect(isnan(ep->end_s), "an open episode has end %.9f", ep->end_s);
    cr_expect_eq(ep->bytes_at_start, 12345);
    cr_expect_str_eq(out_cause_name(ep->cause), "expiry");
    cr_assert_eq(seen.n, 1, "interruption_begin emitted %d times", seen.n);
    cr_expect_str_eq(ev_name(seen.ev[0].kind), "interruption_begin");
    cr_expect_eq(seen.ev[0].host, 1);
    cr_expect_eq(seen.ev[0].cause, OUT_CAUSE_EXPIRY);
    cr_expect_eq(seen.ev[0].bytes, 12345);
    cr_expect_eq(seen.ev[0].t_ns, sim_time_from_s(2.5));

    /* A second cause while one is open is the same episode. */
    g.r.bytes_done = 20000;
    at_s(&g, 3.0);
    rec_episode_begin(&g.r, 0, OUT_CAUSE_IDLE);
    cr_expect_eq(g.r.n_eps, 1, "a second begin while open opened another episode");
    cr_expect_eq(g.r.eps[0].bytes_at_start, 12345);
    cr_expect_eq(g.r.eps[0].cause, OUT_CAUSE_EXPIRY);
    cr_expect_eq(seen.n, 1);

    /* The other host's traffic does not end it: the blocking host still holds. */
    at_s(&g, 3.5);
    rec_traffic_flows(&g.r, 0);
    cr_expect_eq(g.r.in_episode, 1, "traffic through the other host closed the episode");
    cr_expect(isnan(g.r.eps[0].end_s));
    cr_expect_eq(seen.n, 1);

    at_s(&g, 4.0);
    rec_traffic_flows(&g.r, 1);
    cr_expect_eq(g.r.in_episode, 0, "traffic through the blocking host left the episode open");
    cr_expect_eq(g.r.eps[0].end_s, 3.0, "end %.9f s, expected 3 s after the time origin", g.r.eps[0].end_s);
    cr_assert_eq(seen.n, 2);
    cr_expect_str_eq(ev_name(seen.ev[1].kind), "interruption_end");
    cr_expect_eq(seen.ev[1].host, 1);
    cr_expect_eq(seen.ev[1].t_ns, sim_time_from_s(4.0));

    /* Closed, the next hold is a new episode. */
    at_s(&g, 5.0);
    rec_episode_begin(&g.r, 0, OUT_CAUSE_IDLE);
    cr_expect_eq(g.r.n_eps, 2);
    cr_expect_eq(g.r.eps[1].bytes_at_start, 20000);
    rig_fini(&g);
}

/* ---- out of memory ---- */

static void oom_now(sim_kernel *k, void *arg)
{
    (void)k;
    rec_out_of_memory(arg);
}

static void count_fire(sim_kernel *k, void *arg)
{
    (void)k;
    (*(int *)arg)++;
}

Test(record, out_of_memory_stops_the_kernel_after_the_current_handler)
{
    sim_kernel *k = sim_kernel_new();
    rec_recorder r;
    rec_init(&r, k);
    int later = 0;
    sim_timer t_oom, t_later;
    sim_timer_init(&t_oom, oom_now, &r);
    sim_timer_init(&t_later, count_fire, &later);
    sim_timer_arm_at(k, &t_oom, sim_time_from_s(1.0));
    sim_timer_arm_at(k, &t_later, sim_time_from_s(2.0));
    sim_kernel_run(k);
    cr_expect_eq(r.oom, 1, "the run is not marked out of memory");
    cr_expect_eq(later, 0, "an event after the failed allocation still ran");
    cr_expect_eq(sim_kernel_now(k), sim_time_from_s(1.0), "the clock moved on to %lld ns",
                 (long long)sim_kernel_now(k));
    cr_expect_eq(sim_kernel_pending(k), 1);
    rec_fini(&r);
    sim_kernel_free(k);
}

/* The recorder's own allocation (the first block of episodes) made to fail
 * through the linker (tests/models.mk links this suite with
 * -Wl,--wrap=realloc). Armed from a sink once the copy's first packet is
 * held after establishment; from then on every episode-sized first
 * allocation fails, and each failing call site is remembered so that the
 * test can tell that only one site (the recorder's) was refused. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static int fail_episode_realloc;
static int n_failed, n_other_sites;
static void *failed_site;

void *__wrap_realloc(void *p, size_t n)
{
    if (fail_episode_realloc && p == NULL && n == 16 * sizeof(out_interruption)) {
        void *site = __builtin_return_address(0);
        if (!failed_site) failed_site = site;
        n_other_sites += site != failed_site;
        n_failed++;
        return NULL;
    }
    return __real_realloc(p, n);
}

static struct {
    int n, n_begin, n_sim_limit, established;
    sim_time_ns last_ns;
} run_log;

/* IPsec reports the first held packet of the copy and then opens the
 * episode: the next episode-sized allocation after that event is the
 * recorder's. */
static void arm_after_established(void *ctx, const ev_event *e)
{
    int *arm = ctx;
    if (e->kind == EV_TCP_ESTABLISHED) run_log.established = 1;
    if (e->kind == EV_IPSEC_HOLD && run_log.established && *arm) {
        fail_episode_realloc = 1;
        *arm = 0;
    }
    run_log.n++;
    run_log.n_begin += e->kind == EV_INTERRUPTION_BEGIN;
    run_log.n_sim_limit += e->kind == EV_SIM_LIMIT;
    run_log.last_ns = e->t_ns;
}

static int run_kb977526(int fail, out_result *out)
{
    prm_config c;
    char err[256];
    prm_defaults(&c);
    cr_assert_eq(prm_apply_preset(&c, "kb977526", err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set_pair(&c, "file.size=30MiB", err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set_pair(&c, "ipsec.qm_lifetime_kb=20480", err, sizeof err), 0, "%s", err);
    memset(&run_log, 0, sizeof run_log);
    fail_episode_realloc = 0;
    n_failed = n_other_sites = 0;
    failed_site = NULL;
    int arm = fail;
    rec_sink s = {arm_after_established, &arm, 0};
    int rc = scn_run_sinks(&c, 1, &s, 1, out);
    fail_episode_realloc = 0;
    return rc;
}

Test(record, a_failed_allocation_inside_a_run_makes_scn_run_an_out_of_memory_error_not_an_outcome)
{
    /* The same copy without the fault: one interruption (a rekey), then a
     * TCP abort much later. */
    out_result ok;
    cr_assert_eq(run_kb977526(0, &ok), 0);
    cr_assert_eq(ok.n_interruptions, 1, "the reference run has %llu interruptions",
                 (unsigned long long)ok.n_interruptions);
    cr_assert_eq(run_log.n_begin, 1);
    sim_time_ns ok_end = run_log.last_ns;
    double first_s = ok.first_interruption_s, setup_s = ok.setup_s;
    out_result_fini(&ok);

    out_result r;
    memset(&r, 0xA5, sizeof r);
    int rc = run_kb977526(1, &r);
    cr_expect_eq(rc, SCN_ENOMEM, "scn_run returned %d (%s), expected SCN_ENOMEM", rc, scn_strerror(rc));
    cr_expect_str_eq(scn_strerror(rc), "out of memory");
    cr_expect_geq(n_failed, 1, "no allocation was refused");
    cr_expect_eq(n_other_sites, 0, "allocations of %d call sites were refused, not only the recorder's",
                 n_other_sites + 1);
    cr_expect_eq(run_log.n_begin, 0, "an episode that could not be stored was still announced");
    /* The kernel stopped at the failed allocation (the moment the episode
     * would have begun), long before the reference run's end. */
    cr_expect_lt(run_log.last_ns, ok_end);
    double t0_s = 0.0; /* the client sends at time 0 in this preset */
    cr_expect(fabs(sim_time_to_s(run_log.last_ns) - (t0_s + first_s)) < 1e-9,
              "the run stopped at %.9f s, the episode began at %.9f s (setup %.9f s)", sim_time_to_s(run_log.last_ns),
              t0_s + first_s, setup_s);
    unsigned char untouched[sizeof r];
    memset(untouched, 0xA5, sizeof untouched);
    cr_expect(memcmp(&r, untouched, sizeof r) == 0, "the result was written on an error");
}

/* TCP segments take the lean path (rec_emit_tcp); it must hash and deliver
 * exactly what rec_emit of the same event would. */
Test(record, a_tcp_segment_through_the_lean_path_hashes_and_arrives_as_through_rec_emit)
{
    sim_kernel *k = sim_kernel_new();
    cr_assert_not_null(k);
    rec_recorder a, b;
    rec_init(&a, k);
    rec_init(&b, k);
    reset_seen();
    cr_assert_eq(rec_add_sink(&a, keeper(0)), 0);
    cr_assert_eq(rec_add_sink(&b, keeper(1)), 0);
    static const int kinds[] = {EV_TCP_SEND, EV_TCP_RESEND, EV_TCP_RECV};
    for (int i = 0; i < 3; i++) {
        ev_event e = {.kind = (uint16_t)kinds[i],
                      .host = (int8_t)(i & 1),
                      .flags = 0x12,
                      .seq = 90418 + (uint64_t)i,
                      .ack = 87274977,
                      .len = 1448,
                      .win = 1048576,
                      .cwnd = 2920u * (unsigned)(i + 1)};
        rec_emit(&a, &e);
        rec_emit_tcp(&b, kinds[i], i & 1, 0x12, 90418 + (uint64_t)i, 87274977, 1448, 1048576,
                     2920u * (unsigned)(i + 1));
    }
    cr_expect_eq(a.fingerprint, b.fingerprint, "lean %016llx, full %016llx", (unsigned long long)b.fingerprint,
                 (unsigned long long)a.fingerprint);
    cr_expect_neq(a.fingerprint, REC_FINGERPRINT_SEED);
    cr_assert_eq(seen.n, 6, "each sink saw its three events");
    for (int i = 0; i < 3; i++) expect_same_event(&seen.ev[2 * i], &seen.ev[2 * i + 1], i);
    rec_fini(&a);
    rec_fini(&b);
    sim_kernel_free(k);
}
