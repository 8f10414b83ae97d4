/*
 * Several flows between the two hosts (models/flow.h): pings and extra TCP
 * connections besides the copy, through the same IPsec layer. Every run is a
 * real simulation through the scenario; each test writes down first what the
 * default rule set R1-R5 (doc/domain.md section 4, "Other flows") predicts,
 * then checks the run against it.
 *
 * Common ground of the predictions, kb977526 with lifetimes off
 * (ipsec.qm_lifetime=8h, ipsec.qm_lifetime_kb=0): the copy is set up in
 * 0.5 s (B falls back after its own failed negotiation), then A (Vista,
 * client) holds a clear record and B (XP, server) a soft SA, neither of which
 * ever reaches a lifetime, and the busy copy keeps the idle timer away. So
 * without another flow nothing ever renegotiates and a 1 GiB copy completes
 * without interruption. The copy runs at about 11-12 MB/s.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "models/core/params.h"
#include "models/flow.h"
#include "models/scenario_int.h"
#include "tests/models/sim_helpers.h"

#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * MiB)

static prm_config preset(const char *name)
{
    char kv[96];
    snprintf(kv, sizeof kv, "scenario=%s", name);
    return cfg_of(kv, NULL);
}

/* kb977526-like preset NAME with lifetimes off and a copy of SIZE. */
static prm_config lifetimes_off(const char *name, const char *size)
{
    prm_config c = preset(name);
    cfg_set(&c, "ipsec.qm_lifetime=8h");
    cfg_set(&c, "ipsec.qm_lifetime_kb=0");
    char pair[64];
    snprintf(pair, sizeof pair, "file.size=%s", size);
    cfg_set(&c, pair);
    return c;
}

/* What a sink sees of a run: IKE starts for another flow, the extra TCP
 * connections' endings, and the link's loss draws per direction as indices
 * of the copy's packets (the copy's TCP segments in the order they left). */
#define MAX_LOST 4096
typedef struct watch {
    int n_other_flow_starts[2]; /* IKE starts with cause other_flow, by host */
    int n_flow_opened, n_flow_closed, n_flow_failed;
    uint64_t copy_sent[2];      /* copy segments sent so far, by source host */
    uint64_t lost[2][MAX_LOST]; /* the index of each lost copy segment */
    int n_lost[2];
    int n_icmp_lost;
} watch;

static void watch_fn(void *ctx, const ev_event *e)
{
    watch *w = ctx;
    switch (e->kind) {
    case EV_IKE_START:
        if (e->cause == OUT_CAUSE_OTHER_FLOW && (e->host == 0 || e->host == 1)) w->n_other_flow_starts[e->host]++;
        break;
    case EV_FLOW_OPEN: w->n_flow_opened++; break;
    case EV_FLOW_DONE:
        if (e->detail && strcmp(e->detail, "closed") == 0)
            w->n_flow_closed++;
        else
            w->n_flow_failed++;
        break;
    case EV_TCP_SEND:
    case EV_TCP_RESEND:
        /* the copy's segments, in runs whose extra flows are pings only */
        if (e->host == 0 || e->host == 1) w->copy_sent[e->host]++;
        break;
    case EV_LINK_DROP:
        if (!e->detail || strcmp(e->detail, "loss") != 0) break;
        if (e->msg == PKT_TCP && w->n_lost[e->flags] < MAX_LOST)
            w->lost[e->flags][w->n_lost[e->flags]++] = w->copy_sent[e->flags];
        if (e->msg == PKT_ICMP) w->n_icmp_lost++;
        break;
    default: break;
    }
}

static out_result run_watched(const prm_config *c, uint64_t seed, watch *w, scn_probe *probe)
{
    out_result r;
    memset(w, 0, sizeof *w);
    rec_sink sink = {watch_fn, w, 0};
    cr_assert_eq(scn__run_probe(c, seed, &sink, 1, &r, probe), 0, "scn_run failed");
    return r;
}

static out_result run(const prm_config *c, uint64_t seed)
{
    watch w;
    return run_watched(c, seed, &w, NULL);
}

/* The length of episode I in seconds; INFINITY when the copy died inside it. */
static double stall_s(const out_result *r, uint64_t i)
{
    return isnan(r->interruptions[i].end_s) ? INFINITY : r->interruptions[i].end_s - r->interruptions[i].start_s;
}

/*
 * Prediction (rules at their defaults). The first echo request leaves A at
 * 10 s. It is a new flow A opened, and A holds only a clear record, no hard
 * SA: negotiation discovery triggers IKE for it (R5 `opened`, per-flow
 * acquire), cause other_flow; the echo itself goes in clear. B takes A's MM1
 * as responder about 0.3 ms later, drops its soft SA (R2 `drop-soft`) and, as
 * the responder, waits for A's negotiation (R3 `initiator`), which fails for
 * want of A's certificate: B keeps holding its READ_ANDX data for its 60 s
 * responder time-out. TCP gives up first: 5 retransmissions at the 300 ms
 * RTO floor, 0.3 x 63 = 18.9 s. So: exactly one interruption, cause
 * other_flow, beginning at 10.0 s (B's next data segment, within a few ms),
 * never ending; `tcp_abort` at about 10 + 18.9 = 28.9 s, with the bytes of
 * about 9.5 s of copying delivered (setup took 0.5 s).
 */
Test(flows, a_ping_every_10s_from_a_cuts_the_copy_at_the_first_echo, .timeout = 0)
{
    prm_config c = lifetimes_off("kb977526", "1GiB");
    out_result quiet = run(&c, 1);
    cr_expect(quiet.completed, "without another flow the copy completes (failure %s)", out_failure_name(quiet.failure));
    cr_expect_eq(quiet.n_interruptions, 0, "lifetimes off and no other flow: %llu interruptions",
                 (unsigned long long)quiet.n_interruptions);

    cfg_set(&c, "flow.ping.from=client");
    cfg_set(&c, "flow.ping.every=10s");
    watch w;
    out_result r = run_watched(&c, 1, &w, NULL);
    cr_expect(!r.completed);
    cr_expect_eq(r.failure, OUT_FAIL_TCP_ABORT, "failure %s", out_failure_name(r.failure));
    cr_assert_eq(r.n_interruptions, 1, "%llu interruptions", (unsigned long long)r.n_interruptions);
    cr_expect_eq(r.interruptions[0].cause, OUT_CAUSE_OTHER_FLOW, "cause %s", out_cause_name(r.interruptions[0].cause));
    cr_expect(r.interruptions[0].start_s >= 10.0 && r.interruptions[0].start_s < 10.05, "begins at %.4f s",
              r.interruptions[0].start_s);
    cr_expect(isinf(stall_s(&r, 0)), "the copy died inside the episode");
    cr_expect(r.duration_s > 28.4 && r.duration_s < 29.5, "tcp_abort at %.3f s, 10 + 18.9 s predicted", r.duration_s);
    double at = (double)r.interruptions[0].bytes_at_start;
    cr_expect(at > 9.5 * 10e6 && at < 10.0 * 12.5e6, "%.0f bytes before the first echo", at);
    /* A started IKE for the first echo's flow and, B being held, for the
     * second one at 20 s: both attributed to their flows. */
    cr_expect_eq(w.n_other_flow_starts[0], 2, "A: %d negotiations for other flows", w.n_other_flow_starts[0]);
    cr_expect_eq(w.n_other_flow_starts[1], 0, "B never negotiates before the copy dies");
    out_result_fini(&quiet);
    out_result_fini(&r);
}

/*
 * Prediction: a ping from B (XP) goes in clear under B's soft SA, with no
 * negotiation (XP/2003 have no per-flow acquire: the record covers every
 * flow). A answers in clear; the echo's flow is one A did not open, so
 * under R5 `opened` A starts no IKE for it. The copy completes with no
 * interruption. Under R5 `all` A starts IKE for B's flow when it replies, B
 * drops its soft SA and waits, and the copy dies as above (other_flow, at
 * 10 s plus the echo's wait behind B's data in the link queue).
 */
Test(flows, a_ping_from_b_leaves_the_copy_alone_unless_a_negotiates_for_every_flow, .timeout = 0)
{
    prm_config c = lifetimes_off("kb977526", "1GiB");
    cfg_set(&c, "flow.ping.from=server");
    watch w;
    out_result r = run_watched(&c, 1, &w, NULL);
    cr_expect(r.completed, "failure %s", out_failure_name(r.failure));
    cr_expect_eq(r.n_interruptions, 0);
    cr_expect_eq(w.n_other_flow_starts[0] + w.n_other_flow_starts[1], 0, "no negotiation for B's pings");

    cfg_set(&c, "ipsec.rule.discovery=all");
    out_result all = run(&c, 1);
    cr_expect(!all.completed);
    cr_assert_eq(all.n_interruptions, 1);
    cr_expect_eq(all.interruptions[0].cause, OUT_CAUSE_OTHER_FLOW, "cause %s",
                 out_cause_name(all.interruptions[0].cause));
    cr_expect(all.interruptions[0].start_s >= 10.0 && all.interruptions[0].start_s < 10.5, "begins at %.4f s",
              all.interruptions[0].start_s);
    out_result_fini(&r);
    out_result_fini(&all);
}

/*
 * Prediction: when the series of echoes is one flow (flow.ping.flows=one),
 * its acquire is spent on the first echo: one negotiation for it at 10 s,
 * none after. With tolerant timers (tcp.data_retries=30,
 * smb.session_timeout=1h) the copy rides out B's wait: one stall of the
 * responder time-out plus B's own 500 ms fallback, 60.5 s (when its wait
 * ends B negotiates for its held data as initiator, the hold's cause carried
 * over, and falls back), and then it completes. With every echo its own flow (the default) each echo starts a
 * new exchange, each restarts B's responder wait, and B never sends again:
 * the copy ends by smb_timeout an hour later.
 */
Test(flows, one_flow_for_the_pings_costs_one_wait_each_echo_a_flow_never_lets_go, .timeout = 0)
{
    prm_config c = lifetimes_off("kb977526", "1GiB");
    cfg_set(&c, "flow.ping.from=client");
    cfg_set(&c, "tcp.data_retries=30");
    cfg_set(&c, "smb.session_timeout=1h");
    cfg_set(&c, "flow.ping.flows=one");
    watch w;
    out_result one = run_watched(&c, 1, &w, NULL);
    cr_expect(one.completed, "failure %s", out_failure_name(one.failure));
    cr_assert_eq(one.n_interruptions, 1);
    cr_expect_eq(one.interruptions[0].cause, OUT_CAUSE_OTHER_FLOW);
    cr_expect(fabs(stall_s(&one, 0) - 60.5) < 0.3, "stall %.3f s, 60.5 s predicted", stall_s(&one, 0));
    cr_expect_eq(w.n_other_flow_starts[0], 1, "A: %d negotiations for the ping flow", w.n_other_flow_starts[0]);
    cr_expect_eq(w.n_other_flow_starts[1], 1, "B: %d negotiations after its wait", w.n_other_flow_starts[1]);

    cfg_set(&c, "flow.ping.flows=each");
    out_result each = run(&c, 1);
    cr_expect_eq(each.failure, OUT_FAIL_SMB_TIMEOUT, "failure %s", out_failure_name(each.failure));
    cr_expect_eq(each.n_interruptions, 1);
    cr_expect(each.duration_s > 3600.0 && each.duration_s < 3620.0, "ends at %.1f s", each.duration_s);
    out_result_fini(&one);
    out_result_fini(&each);
}

/*
 * Prediction: an extra TCP connection opened by A at 5 s is a new flow A
 * opened: the same chain as the ping (other_flow at 5 s, tcp_abort about
 * 18.9 s later). One opened by B at 5 s goes in clear under B's soft SA, A
 * starts nothing for it (R5 `opened`), the copy completes and so does the
 * connection (4 KiB, closed cleanly). With a connection every 2 minutes from
 * 30 s on and tolerant timers, the period is the flow's, not the lifetime's:
 * 60.5 s stalls beginning at 30, 150, 270 ... s.
 */
Test(flows, extra_tcp_connections_from_a_interrupt_the_copy_at_their_own_period, .timeout = 0)
{
    prm_config c = lifetimes_off("kb977526", "1GiB");
    cfg_set(&c, "flow.tcp.from=client");
    cfg_set(&c, "flow.tcp.at=5s");
    out_result a = run(&c, 1);
    cr_expect_eq(a.failure, OUT_FAIL_TCP_ABORT, "failure %s", out_failure_name(a.failure));
    cr_assert_eq(a.n_interruptions, 1);
    cr_expect_eq(a.interruptions[0].cause, OUT_CAUSE_OTHER_FLOW);
    cr_expect(a.interruptions[0].start_s >= 5.0 && a.interruptions[0].start_s < 5.05, "begins at %.4f s",
              a.interruptions[0].start_s);
    cr_expect(a.duration_s > 23.4 && a.duration_s < 24.5, "ends at %.3f s", a.duration_s);

    cfg_set(&c, "flow.tcp.from=server");
    watch w;
    out_result b = run_watched(&c, 1, &w, NULL);
    cr_expect(b.completed, "failure %s", out_failure_name(b.failure));
    cr_expect_eq(b.n_interruptions, 0);
    cr_expect_eq(w.n_flow_closed, 1, "B's connection closed cleanly (%d, %d failed)", w.n_flow_closed, w.n_flow_failed);

    prm_config p = lifetimes_off("kb977526", "4GiB");
    cfg_set(&p, "flow.tcp.from=client");
    cfg_set(&p, "flow.tcp.at=30s");
    cfg_set(&p, "flow.tcp.every=2min");
    cfg_set(&p, "tcp.data_retries=30");
    cfg_set(&p, "smb.session_timeout=1h");
    out_result per = run(&p, 1);
    cr_expect(per.completed, "failure %s", out_failure_name(per.failure));
    cr_assert_geq(per.n_interruptions, 3);
    for (uint64_t i = 0; i < per.n_interruptions; i++) {
        double want = 30.0 + 120.0 * (double)i;
        cr_expect(per.interruptions[i].cause == OUT_CAUSE_OTHER_FLOW, "episode %llu: %s", (unsigned long long)i,
                  out_cause_name(per.interruptions[i].cause));
        cr_expect(fabs(per.interruptions[i].start_s - want) < 0.05, "episode %llu at %.3f s, %.0f s predicted",
                  (unsigned long long)i, per.interruptions[i].start_s, want);
        cr_expect(fabs(stall_s(&per, i) - 60.5) < 0.3, "episode %llu lasts %.3f s", (unsigned long long)i,
                  stall_s(&per, i));
    }
    out_result_fini(&a);
    out_result_fini(&b);
    out_result_fini(&per);
}

/*
 * Prediction, kb977526-b-initiates (B, XP, is the client; A, Vista, the
 * server): flows B opens (pings, connections) ride B's soft SA with no
 * negotiation and the copy completes; pings A sends start A's acquire, B
 * (here the client) drops its soft SA and holds its requests and ACKs, and
 * the copy dies at 10 s + 18.9 s. So a period from flows that the *client*
 * opens is consistent with both KB directions (fact 1 and fact 2), one from
 * flows A opens whatever its role is not.
 */
Test(flows, the_b_initiated_copy_survives_flows_b_opens_but_not_pings_from_a, .timeout = 0)
{
    prm_config c = lifetimes_off("kb977526-b-initiates", "1GiB");
    cfg_set(&c, "flow.ping.from=client");
    out_result b = run(&c, 1);
    cr_expect(b.completed, "failure %s", out_failure_name(b.failure));
    cr_expect_eq(b.n_interruptions, 0);

    cfg_set(&c, "flow.ping.from=none");
    cfg_set(&c, "flow.tcp.from=client");
    cfg_set(&c, "flow.tcp.at=5s");
    cfg_set(&c, "flow.tcp.every=10s");
    out_result t = run(&c, 1);
    cr_expect(t.completed, "failure %s", out_failure_name(t.failure));
    cr_expect_eq(t.n_interruptions, 0);

    cfg_set(&c, "flow.tcp.from=none");
    cfg_set(&c, "flow.ping.from=server");
    out_result a = run(&c, 1);
    cr_expect_eq(a.failure, OUT_FAIL_TCP_ABORT, "failure %s", out_failure_name(a.failure));
    cr_assert_eq(a.n_interruptions, 1);
    cr_expect_eq(a.interruptions[0].cause, OUT_CAUSE_OTHER_FLOW);
    cr_expect(a.interruptions[0].start_s >= 10.0 && a.interruptions[0].start_s < 10.05);
    out_result_fini(&b);
    out_result_fini(&t);
    out_result_fini(&a);
}

/*
 * Prediction: with ICMP exempt from the policy (flow.ping.ipsec=exempt, the
 * "All ICMP Traffic" permit rule), the echoes bypass IPsec on both hosts: no
 * negotiation for them and the copy completes. With a valid certificate on
 * A (kb977526-a-has-cert) the hard SA covers the echoes: no new negotiation
 * either (there is nothing to acquire), and they go over ESP.
 */
Test(flows, exempt_or_hard_sa_covered_pings_start_no_negotiation, .timeout = 0)
{
    prm_config c = lifetimes_off("kb977526", "1GiB");
    cfg_set(&c, "flow.ping.from=client");
    cfg_set(&c, "flow.ping.ipsec=exempt");
    watch w;
    out_result r = run_watched(&c, 1, &w, NULL);
    cr_expect(r.completed, "failure %s", out_failure_name(r.failure));
    cr_expect_eq(w.n_other_flow_starts[0] + w.n_other_flow_starts[1], 0);

    prm_config h = lifetimes_off("kb977526-a-has-cert", "1GiB");
    cfg_set(&h, "flow.ping.from=client");
    out_result hard = run_watched(&h, 1, &w, NULL);
    cr_expect(hard.completed, "failure %s", out_failure_name(hard.failure));
    cr_expect_eq(hard.n_interruptions, 0);
    cr_expect_eq(w.n_other_flow_starts[0] + w.n_other_flow_starts[1], 0);
    out_result_fini(&r);
    out_result_fini(&hard);
}

/*
 * The streams: the link draws the copy's losses from "link.loss.ab" /
 * "link.loss.ba" and an extra flow's from a stream of its slot
 * ("link.loss.ba.flow1" for the pings), so the n-th copy segment in a
 * direction meets the same draw with or without pings. On a lossy link
 * without IPsec (the pings cannot disturb the copy there, only share the
 * wire), the copy's lost segments, numbered in the order the copy sent
 * them, are the same in both runs, in both directions, although the pings
 * lose packets too and the runs differ (fingerprints).
 */
Test(flows, adding_a_ping_flow_leaves_the_copys_loss_draws_as_they_were, .timeout = 0)
{
    prm_config c = preset("no-ipsec");
    cfg_set(&c, "file.size=16MiB");
    cfg_set(&c, "link.loss=0.02");
    static watch plain, pinged;
    scn_probe pp, pq;
    out_result r0 = run_watched(&c, 7, &plain, &pp);
    cfg_set(&c, "flow.ping.from=client");
    cfg_set(&c, "flow.ping.every=100ms");
    out_result r1 = run_watched(&c, 7, &pinged, &pq);
    cr_expect(r0.completed && r1.completed);
    cr_expect_neq(r0.fingerprint, r1.fingerprint, "the pings are in the second run");
    cr_expect_eq(pq.pkts_outstanding, 0, "every echo back in the pool");
    cr_expect_gt(pinged.n_icmp_lost, 0, "some echoes were lost too");
    for (int d = 0; d < 2; d++) {
        /* a queue drop takes no draw: none may happen for the numbering to hold */
        cr_assert_eq(pp.link[d].n_drops_queue + pq.link[d].n_drops_queue, 0);
        cr_assert_gt(plain.n_lost[d], 10, "direction %d: %d losses", d, plain.n_lost[d]);
        uint64_t upto = plain.copy_sent[d] < pinged.copy_sent[d] ? plain.copy_sent[d] : pinged.copy_sent[d];
        int i = 0, j = 0, compared = 0;
        while (i < plain.n_lost[d] && plain.lost[d][i] <= upto && j < pinged.n_lost[d] && pinged.lost[d][j] <= upto) {
            cr_expect_eq(plain.lost[d][i], pinged.lost[d][j], "direction %d, loss %d: segment %llu vs %llu", d, i,
                         (unsigned long long)plain.lost[d][i], (unsigned long long)pinged.lost[d][j]);
            i++, j++, compared++;
        }
        cr_expect_gt(compared, 10, "direction %d: %d losses compared", d, compared);
    }
    out_result_fini(&r0);
    out_result_fini(&r1);
}

Test(flows, the_registry_has_the_flow_keys_and_refuses_a_tcp_period_below_100ms)
{
    static const char *const keys[] = {"flow.ping.from", "flow.ping.every", "flow.ping.flows", "flow.ping.ipsec",
                                       "flow.tcp.from",  "flow.tcp.at",     "flow.tcp.every",  "flow.tcp.bytes"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const prm_entry *p = prm_find(keys[i]);
        cr_assert_not_null(p, "%s", keys[i]);
        cr_expect(p->source && *p->source && p->desc && *p->desc, "%s has a source and a description", keys[i]);
    }
    prm_config c;
    prm_defaults(&c);
    cr_expect_eq(flow_any(&c), 0, "no extra flow by default");
    char err[256];
    cr_expect_eq(prm_check(&c, err, sizeof err), 0, "%s", err);
    cfg_set(&c, "flow.tcp.every=50ms");
    cr_expect_eq(prm_check(&c, err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "flow.tcp.every") != NULL, "%s", err);
    cr_expect_eq(prm_set_pair(&c, "flow.ping.every=10ms", err, sizeof err), PRM_ERANGE, "%s", err);
    cr_expect_eq(prm_set_pair(&c, "flow.ping.from=both", err, sizeof err), PRM_EVALUE, "%s", err);
}

/*
 * Many short connections (one every 100 ms from 0.1 s, 4 KiB each) beside a
 * copy without IPsec: each one opens, carries its bytes, and closes; the
 * ones that finished are freed while the copy runs, and no packet is left
 * out of the pool at the end. About 10 connections per simulated second.
 */
Test(flows, short_connections_every_100ms_all_close_and_leave_nothing_behind, .timeout = 0)
{
    prm_config c = preset("no-ipsec");
    cfg_set(&c, "file.size=512MiB"); /* about 46 s: longer than the 30 s a finished connection lingers */
    cfg_set(&c, "flow.tcp.from=server");
    cfg_set(&c, "flow.tcp.at=100ms");
    cfg_set(&c, "flow.tcp.every=100ms");
    watch w;
    scn_probe probe;
    out_result r = run_watched(&c, 1, &w, &probe);
    cr_expect(r.completed, "failure %s", out_failure_name(r.failure));
    double want = floor((r.duration_s - 0.1) / 0.1) + 1;
    cr_expect(fabs(w.n_flow_opened - want) <= 1, "%d connections opened in %.2f s", w.n_flow_opened, r.duration_s);
    cr_expect_geq(w.n_flow_closed, w.n_flow_opened - 2, "%d of %d closed", w.n_flow_closed, w.n_flow_opened);
    cr_expect_eq(w.n_flow_failed, 0);
    cr_expect_eq(probe.pkts_outstanding, 0);
    out_result_fini(&r);
}
