/*
 * The path on its own: exact serialisation and delay timing, hop by hop
 * store-and-forward with access links, router drop-tail in packets and bytes,
 * a host NIC that never drops, loss rates (statistically) per direction,
 * independent direction streams, the Gilbert-Elliott burst model, the outage
 * window, fragments, the taps, and that every packet comes back to the pool.
 */
#include <criterion/criterion.h>
#include <math.h>
#include "models/link.h"
#include "models/core/params.h"

#define MAX_SEEN 4096

typedef struct sink {
    pkt_pool *pp;
    sim_kernel *k;
    int n;
    sim_time_ns at[MAX_SEEN];
    uint32_t seq[MAX_SEEN];
} sink;

static void sink_fn(void *ctx, pkt *p)
{
    sink *s = ctx;
    if (s->n < MAX_SEEN) {
        s->at[s->n] = sim_kernel_now(s->k);
        s->seq[s->n] = p->seq;
    }
    s->n++;
    pkt_put(s->pp, p);
}

typedef struct rig {
    prm_config cfg;
    sim_kernel *k;
    pkt_pool *pp;
    rec_recorder rec;
    link_p2p *l;
    sink to[2];
} rig;

/* A link of RATE bit/s and DELAY ns with no framing overhead unless set. */
static void rig_init(rig *r, uint64_t rate, sim_time_ns delay, uint64_t seed)
{
    prm_defaults(&r->cfg);
    r->cfg.link.rate_bps = rate;
    r->cfg.link.delay_ns = delay;
    r->cfg.link.overhead_bytes = 0;
    r->k = sim_kernel_new();
    r->pp = pkt_pool_new();
    rec_init(&r->rec, r->k);
    r->l = link_new(r->k, &r->cfg.link, r->pp, &r->rec, seed);
    cr_assert(r->k && r->pp && r->l);
    for (int h = 0; h < 2; h++) {
        r->to[h] = (sink){.pp = r->pp, .k = r->k};
        link_wire(r->l, h, (pkt_port){sink_fn, &r->to[h]});
    }
}

static void rig_fini(rig *r)
{
    link_free(r->l);
    cr_expect_eq(pkt_pool_outstanding(r->pp), 0, "every packet is back in the pool");
    pkt_pool_free(r->pp);
    rec_fini(&r->rec);
    sim_kernel_free(r->k);
}

static void send(rig *r, int src, uint32_t bytes, uint32_t seq)
{
    pkt *p = pkt_get(r->pp);
    p->src = (uint8_t)src;
    p->dst = (uint8_t)(1 - src);
    p->proto = PKT_TCP;
    p->ip_bytes = bytes;
    p->seq = seq;
    link_send(r->l, src, p);
}

typedef struct sender {
    rig *r;
    int src, n_left;
    uint32_t bytes, seq;
    sim_time_ns gap_ns;
    sim_timer t;
} sender;

static void sender_fire(sim_kernel *k, void *arg)
{
    sender *s = arg;
    send(s->r, s->src, s->bytes, s->seq++);
    if (--s->n_left > 0) sim_timer_arm_in(k, &s->t, s->gap_ns);
}

/* Sends N packets of BYTES from SRC, one every GAP_NS starting at START_NS. */
static void paced(rig *r, sender *s, int src, int n, uint32_t bytes, sim_time_ns start_ns, sim_time_ns gap_ns)
{
    *s = (sender){.r = r, .src = src, .n_left = n, .bytes = bytes, .gap_ns = gap_ns};
    sim_timer_init(&s->t, sender_fire, s);
    sim_timer_arm_at(r->k, &s->t, start_ns);
}

Test(link, serialisation_and_delay_are_exact)
{
    rig r;
    rig_init(&r, 8000000, 5000000, 1); /* 8 Mbit/s: one byte per microsecond */
    for (uint32_t i = 0; i < 3; i++) send(&r, PRM_CLIENT, 1000, i);
    cr_expect_eq(link_queue_length(r.l, PRM_CLIENT), 3);
    sim_kernel_run(r.k);
    cr_assert_eq(r.to[PRM_SERVER].n, 3);
    for (int i = 0; i < 3; i++) cr_expect_eq(r.to[PRM_SERVER].at[i], (i + 1) * 1000000 + 5000000, "packet %d", i);
    cr_expect_eq(link_queue_length(r.l, PRM_CLIENT), 0);
    link_stats st = link_get_stats(r.l, PRM_CLIENT);
    cr_expect_eq(st.n_packets, 3);
    cr_expect_eq(st.n_bytes, 3000);
    cr_expect_eq(st.n_delivered, 3);
    cr_expect_eq(r.to[PRM_CLIENT].n, 0, "nothing comes back the other way");
    rig_fini(&r);
}

Test(link, directions_are_independent_full_duplex)
{
    rig r;
    rig_init(&r, 8000000, 1000, 1);
    send(&r, PRM_CLIENT, 500, 0);
    send(&r, PRM_SERVER, 500, 0);
    sim_kernel_run(r.k);
    cr_expect_eq(r.to[PRM_SERVER].at[0], 501000);
    cr_expect_eq(r.to[PRM_CLIENT].at[0], 501000, "the reverse direction does not wait");
    rig_fini(&r);
}

Test(link, framing_overhead_and_fragments_count_on_the_wire)
{
    rig r;
    rig_init(&r, 8000000, 0, 1);
    r.cfg.link.overhead_bytes = 38;
    cr_expect_eq(link_tx_time(r.l, 1500), 1538000);
    /* 3000 B with MTU 1500: 2980 B of payload in fragments of 1480, 1480, 20,
     * each with a 20-byte IP header and 38 bytes of framing. */
    cr_expect_eq(link_tx_time(r.l, 3000), (2980 + 3 * 58) * 1000);
    r.cfg.link.rate_bps = 7;
    cr_expect_eq(link_tx_time(r.l, 1), (39 * 8 * SIM_NS_PER_S + 6) / 7, "rounds up to the next ns");
    rig_fini(&r);
}

Test(link, a_busy_transmitter_queues_and_a_gap_resets_it)
{
    rig r;
    rig_init(&r, 8000000, 0, 1);
    send(&r, PRM_CLIENT, 1000, 0);
    sim_kernel_run_until(r.k, 3000000); /* idle from 1 ms to 3 ms */
    send(&r, PRM_CLIENT, 1000, 1);
    sim_kernel_run(r.k);
    cr_expect_eq(r.to[PRM_SERVER].at[0], 1000000);
    cr_expect_eq(r.to[PRM_SERVER].at[1], 4000000, "starts at once, not after the first's slot");
    rig_fini(&r);
}

/* The client's router sits between a 1 ns-per-packet access link and the
 * bottleneck; its queue is the drop-tail one (a host's NIC never drops). */
Test(link, drop_tail_refuses_packets_beyond_the_queue_limit)
{
    rig r;
    rig_init(&r, 8000000, 0, 1);
    r.cfg.link.queue_packets = 2;
    r.cfg.link.access_rate_bps[PRM_CLIENT] = 10000000000000; /* 1000 B in 0.8 ns: 1 ns */
    for (uint32_t i = 0; i < 3; i++) send(&r, PRM_CLIENT, 1000, i);
    cr_expect_eq(link_get_stats(r.l, PRM_CLIENT).n_drops_queue, 1);
    cr_expect_eq(link_get_stats(r.l, PRM_CLIENT).n_drops_queue_bottleneck, 1);
    sim_kernel_run_until(r.k, 1000000); /* the first has left the transmitter */
    send(&r, PRM_CLIENT, 1000, 3);
    cr_expect_eq(link_get_stats(r.l, PRM_CLIENT).n_drops_queue, 1, "room again once one has left");
    sim_kernel_run(r.k);
    cr_assert_eq(r.to[PRM_SERVER].n, 3);
    cr_expect_eq(r.to[PRM_SERVER].seq[2], 3);
    cr_expect_eq(r.to[PRM_SERVER].at[2], 3000000 + 1);
    cr_expect_eq(link_get_stats(r.l, PRM_CLIENT).peak_queue_packets, 2, "the queue never exceeds its limit");
    rig_fini(&r);
}

Test(link, a_host_nic_never_drops_its_own_packets_and_counts_its_backlog)
{
    rig r;
    rig_init(&r, 8000000, 0, 1);
    r.cfg.link.queue_packets = 2; /* a router limit: no router on this path */
    r.cfg.link.nic_ring_packets = 2;
    for (uint32_t i = 0; i < 5; i++) send(&r, PRM_CLIENT, 1000, i);
    cr_expect_eq(link_queue_length(r.l, PRM_CLIENT), 5);
    link_stats st = link_get_stats(r.l, PRM_CLIENT);
    cr_expect_eq(st.n_drops_queue, 0);
    cr_expect_eq(st.n_backlogged, 3, "three found the ring full");
    cr_expect_eq(st.peak_backlog, 3);
    sim_kernel_run(r.k);
    cr_assert_eq(r.to[PRM_SERVER].n, 5);
    for (int i = 0; i < 5; i++) cr_expect_eq(r.to[PRM_SERVER].at[i], (i + 1) * 1000000, "FIFO at the wire rate");
    rig_fini(&r);
}

Test(link, the_router_queue_byte_limit_refuses_what_would_exceed_it)
{
    rig r;
    rig_init(&r, 8000000, 0, 1);
    r.cfg.link.queue_bytes = 2500;
    r.cfg.link.access_rate_bps[PRM_CLIENT] = 10000000000000;
    uint32_t sizes[] = {1000, 1000, 600, 400, 200};
    for (uint32_t i = 0; i < 5; i++) send(&r, PRM_CLIENT, sizes[i], i);
    link_stats st = link_get_stats(r.l, PRM_CLIENT);
    cr_expect_eq(st.n_drops_queue_bottleneck, 2, "600 B does not fit beside 2000 B; 400 B does, 200 B no more");
    cr_expect_eq(st.peak_queue_bytes, 2400);
    cr_expect(st.peak_queue_bytes <= 2500);
    sim_kernel_run(r.k);
    cr_assert_eq(r.to[PRM_SERVER].n, 3);
    cr_expect_eq(r.to[PRM_SERVER].seq[2], 3);
    rig_fini(&r);
}

/* client --1 Gbit/s, 10 us-- router --8 Mbit/s, 5 ms-- router --100 Mbit/s, 20 us-- server */
static void wan_rig(rig *r)
{
    rig_init(r, 8000000, 5000000, 1);
    r->cfg.link.access_rate_bps[PRM_CLIENT] = 1000000000;
    r->cfg.link.access_delay_ns[PRM_CLIENT] = 10000;
    r->cfg.link.access_rate_bps[PRM_SERVER] = 100000000;
    r->cfg.link.access_delay_ns[PRM_SERVER] = 20000;
}

Test(link, a_packet_is_stored_and_forwarded_hop_by_hop)
{
    rig r;
    wan_rig(&r);
    r.cfg.link.rate_to_client_bps = 4000000;
    for (uint32_t i = 0; i < 2; i++) send(&r, PRM_CLIENT, 1000, i);
    send(&r, PRM_SERVER, 1000, 0);
    sim_kernel_run(r.k);
    /* 1000 B: 8 us at 1 Gbit/s, 1 ms at 8 Mbit/s, 2 ms at 4 Mbit/s, 80 us at 100 Mbit/s. */
    cr_assert_eq(r.to[PRM_SERVER].n, 2);
    cr_expect_eq(r.to[PRM_SERVER].at[0], 8000 + 10000 + 1000000 + 5000000 + 80000 + 20000);
    cr_expect_eq(r.to[PRM_SERVER].at[1], r.to[PRM_SERVER].at[0] + 1000000, "the second waits at the bottleneck");
    cr_assert_eq(r.to[PRM_CLIENT].n, 1);
    cr_expect_eq(r.to[PRM_CLIENT].at[0], 80000 + 20000 + 2000000 + 5000000 + 8000 + 10000,
                 "link.rate.to_client sets the rate towards the client");
    rig_fini(&r);
}

Test(link, each_direction_has_its_own_loss_probability)
{
    rig r;
    rig_init(&r, 1000000000, 1000, 3);
    r.cfg.link.loss = 0.5;
    r.cfg.link.loss_to_server = 0; /* the other direction keeps link.loss */
    sender a, b;
    paced(&r, &a, PRM_CLIENT, 2000, 100, 0, 10000);
    paced(&r, &b, PRM_SERVER, 2000, 100, 0, 10000);
    sim_kernel_run(r.k);
    cr_expect_eq(r.to[PRM_SERVER].n, 2000, "nothing lost towards the server");
    double rate = 1.0 - r.to[PRM_CLIENT].n / 2000.0;
    cr_expect(fabs(rate - 0.5) < 4 * sqrt(0.25 / 2000), "towards the client %g of 0.5", rate);
    rig_fini(&r);
}

/* The order of packets delivered with loss P set as KEY (0 undirected, 1 to the server). */
static int loss_pattern(int directed, double p, uint32_t *seq_out, int n)
{
    rig r;
    rig_init(&r, 1000000000, 1000, 21);
    if (directed)
        r.cfg.link.loss_to_server = p;
    else
        r.cfg.link.loss = p;
    sender s;
    paced(&r, &s, PRM_CLIENT, n, 100, 0, 10000);
    sim_kernel_run(r.k);
    int got = r.to[PRM_SERVER].n;
    for (int i = 0; i < got && i < MAX_SEEN; i++) seq_out[i] = r.to[PRM_SERVER].seq[i];
    rig_fini(&r);
    return got;
}

Test(link, a_directed_loss_draws_the_same_stream_as_the_undirected_one)
{
    static uint32_t a[MAX_SEEN], b[MAX_SEEN];
    int na = loss_pattern(0, 0.2, a, 3000), nb = loss_pattern(1, 0.2, b, 3000);
    cr_assert_eq(na, nb);
    for (int i = 0; i < na && i < MAX_SEEN; i++) cr_assert_eq(a[i], b[i], "packet %d", i);
}

/* ---- taps ---- */

#define MAX_TAPPED 64

typedef struct tapped {
    sim_kernel *k;
    int n;
    sim_time_ns t[MAX_TAPPED];
    uint32_t seq[MAX_TAPPED];
    uint8_t src[MAX_TAPPED];
    int out[MAX_TAPPED];
    int bad;           /* calls from the future, or before an earlier call of any tap */
    sim_time_ns *last; /* the latest time any tap of the path was called with */
} tapped;

static void tap_fn(void *ctx, const pkt *p, sim_time_ns t_ns, int outbound)
{
    tapped *s = ctx;
    if (t_ns > sim_kernel_now(s->k) || t_ns < *s->last) s->bad++;
    *s->last = t_ns;
    if (s->n < MAX_TAPPED) {
        s->t[s->n] = t_ns;
        s->seq[s->n] = p->seq;
        s->src[s->n] = p->src;
        s->out[s->n] = outbound;
    }
    s->n++;
}

Test(link, taps_see_each_wire_as_tcpdump_there_would)
{
    rig r;
    wan_rig(&r);
    r.cfg.link.queue_packets = 2;
    sim_time_ns last = 0;
    tapped tc = {.k = r.k, .last = &last}, ts = {.k = r.k, .last = &last}, tb = {.k = r.k, .last = &last};
    link_set_tap(r.l, LINK_TAP_CLIENT, (pkt_tap){tap_fn, &tc});
    link_set_tap(r.l, LINK_TAP_SERVER, (pkt_tap){tap_fn, &ts});
    link_set_tap(r.l, LINK_TAP_BOTTLENECK, (pkt_tap){tap_fn, &tb});
    for (uint32_t i = 0; i < 3; i++) send(&r, PRM_CLIENT, 1000, i); /* the third overflows the router */
    send(&r, PRM_SERVER, 1000, 9);
    sim_counters before = sim_kernel_counters(r.k);
    sim_kernel_run(r.k);
    cr_expect_eq(sim_kernel_counters(r.k).n_executed - before.n_executed, 3,
                 "one event per delivered packet (three); taps add none");
    cr_expect_eq(tc.bad + ts.bad + tb.bad, 0, "all calls in time order, none from the future");
    /* Client: three transmission starts 8 us apart, then the server's packet arriving. */
    cr_assert_eq(tc.n, 4);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(tc.t[i], i * 8000);
        cr_expect_eq(tc.out[i], 1);
    }
    cr_expect_eq(tc.out[3], 0);
    cr_expect_eq(tc.seq[3], 9);
    cr_expect_eq(tc.t[3], r.to[PRM_CLIENT].at[0]);
    /* Bottleneck: every packet when its transmission onto the bottleneck
     * starts, both directions, in time order: the client's two admitted ones
     * (the dropped one is not seen) and the server's, which starts at the
     * server's router after its access link (80 us) and its delay (20 us). */
    cr_assert_eq(tb.n, 3);
    cr_expect(tb.seq[0] == 0 && tb.t[0] == 8000 + 10000 && tb.out[0] == 1);
    cr_expect(tb.seq[1] == 9 && tb.t[1] == 80000 + 20000 && tb.out[1] == 1,
              "to the client: when it enters the bottleneck");
    cr_expect(tb.seq[2] == 1 && tb.t[2] == 8000 + 10000 + 1000000 && tb.out[2] == 1, "the dropped one is not seen");
    /* Server: its own start at 0, then the two delivered. */
    cr_assert_eq(ts.n, 3);
    cr_expect(ts.t[0] == 0 && ts.out[0] == 1 && ts.seq[0] == 9);
    cr_expect(ts.out[1] == 0 && ts.t[1] == r.to[PRM_SERVER].at[0] && ts.t[2] == r.to[PRM_SERVER].at[1]);
    rig_fini(&r);
}

Test(link, a_packet_lost_on_the_bottleneck_is_seen_where_it_enters_it_not_after)
{
    rig r;
    wan_rig(&r);
    r.cfg.link.loss = 0.9999999;
    sim_time_ns last = 0;
    tapped tc = {.k = r.k, .last = &last}, ts = {.k = r.k, .last = &last}, tb = {.k = r.k, .last = &last};
    link_set_tap(r.l, LINK_TAP_CLIENT, (pkt_tap){tap_fn, &tc});
    link_set_tap(r.l, LINK_TAP_SERVER, (pkt_tap){tap_fn, &ts});
    link_set_tap(r.l, LINK_TAP_BOTTLENECK, (pkt_tap){tap_fn, &tb});
    send(&r, PRM_CLIENT, 1000, 1);
    send(&r, PRM_SERVER, 1000, 2);
    sim_kernel_run_until(r.k, 1000000000); /* the clock passes both transmissions */
    /* Nothing is delivered, so the kept calls come when the path is freed. */
    link_free(r.l);
    r.l = NULL;
    cr_expect_eq(tc.bad + ts.bad + tb.bad, 0);
    cr_expect_eq(tc.n, 1, "the client's own, when sent");
    cr_expect_eq(ts.n, 1, "the server's own, when sent");
    cr_expect_eq(tb.n, 2, "both seen where they enter the bottleneck, before its loss");
    cr_expect(tb.n == 2 && tb.seq[0] == 1 && tb.seq[1] == 2);
    rig_fini(&r);
}

static int run_loss(double loss, int model, uint64_t seed, int src, int n, link_stats *st_out)
{
    rig r;
    rig_init(&r, 1000000000, 1000, seed);
    r.cfg.link.loss = loss;
    r.cfg.link.loss_model = model;
    sender s;
    paced(&r, &s, src, n, 100, 0, 10000);
    sim_kernel_run(r.k);
    *st_out = link_get_stats(r.l, src);
    int got = r.to[1 - src].n;
    rig_fini(&r);
    return got;
}

Test(link, bernoulli_loss_matches_its_probability)
{
    const int n = 200000;
    for (double p = 0.01; p < 0.5; p *= 4) {
        link_stats st;
        int got = run_loss(p, PRM_LOSS_BERNOULLI, 7, PRM_CLIENT, n, &st);
        double rate = 1.0 - (double)got / n, sd = sqrt(p * (1 - p) / n);
        cr_expect(fabs(rate - p) < 4 * sd, "p=%g measured %g (4 sd = %g)", p, rate, 4 * sd);
        cr_expect_eq(st.n_drops_loss + st.n_delivered, (uint64_t)n);
    }
}

Test(link, each_direction_draws_from_its_own_stream)
{
    rig r;
    rig_init(&r, 1000000000, 1000, 3);
    r.cfg.link.loss = 0.5;
    sender a, b;
    paced(&r, &a, PRM_CLIENT, 64, 100, 0, 10000);
    paced(&r, &b, PRM_SERVER, 64, 100, 0, 10000);
    sim_kernel_run(r.k);
    int same = r.to[PRM_SERVER].n == r.to[PRM_CLIENT].n;
    for (int i = 0; same && i < r.to[PRM_SERVER].n; i++) same = r.to[PRM_SERVER].seq[i] == r.to[PRM_CLIENT].seq[i];
    cr_expect(!same, "the two directions lose different packets");
    rig_fini(&r);
    /* The same seed gives the same pattern; another seed another one. */
    link_stats s1, s2, s3;
    int g1 = run_loss(0.3, PRM_LOSS_BERNOULLI, 11, PRM_CLIENT, 5000, &s1);
    int g2 = run_loss(0.3, PRM_LOSS_BERNOULLI, 11, PRM_CLIENT, 5000, &s2);
    int g3 = run_loss(0.3, PRM_LOSS_BERNOULLI, 12, PRM_CLIENT, 5000, &s3);
    cr_expect_eq(g1, g2);
    cr_expect_neq(g1, g3);
}

Test(link, gilbert_elliott_loses_in_bursts_at_its_stationary_rate)
{
    rig r;
    rig_init(&r, 1000000000, 1000, 5);
    r.cfg.link.loss_model = PRM_LOSS_GILBERT;
    r.cfg.link.loss = 0;
    r.cfg.link.ge_p_good_bad = 0.01;
    r.cfg.link.ge_p_bad_good = 0.25;
    r.cfg.link.ge_loss_bad = 1;
    const int n = 200000;
    sender s;
    paced(&r, &s, PRM_CLIENT, n, 100, 0, 10000);
    sim_kernel_run(r.k);
    /* Runs of consecutive losses, from the gaps in the delivered sequence numbers. */
    sink *k = &r.to[PRM_SERVER];
    int n_seen = k->n < MAX_SEEN ? k->n : MAX_SEEN;
    double runs = 0, lost_in_runs = 0;
    for (int i = 1; i < n_seen; i++)
        if (k->seq[i] != k->seq[i - 1] + 1) {
            runs++;
            lost_in_runs += k->seq[i] - k->seq[i - 1] - 1;
        }
    double rate = 1.0 - (double)k->n / n, want = 0.01 / (0.01 + 0.25);
    cr_expect(fabs(rate - want) < 0.2 * want, "stationary loss %g, expected %g", rate, want);
    cr_expect(fabs(lost_in_runs / runs - 4.0) < 1.0, "mean burst %g, expected 1/p_bg = 4", lost_in_runs / runs);
    rig_fini(&r);
}

Test(link, everything_sent_in_the_outage_window_is_lost)
{
    rig r;
    rig_init(&r, 1000000000, 1000, 1);
    r.cfg.link.outage_start_ns = 1000000;   /* 1 ms */
    r.cfg.link.outage_duration_ns = 500000; /* 0.5 ms */
    sender a, b;
    paced(&r, &a, PRM_CLIENT, 300, 100, 0, 10000); /* every 10 us for 3 ms */
    paced(&r, &b, PRM_SERVER, 300, 100, 0, 10000);
    sim_kernel_run(r.k);
    for (int h = 0; h < 2; h++) {
        cr_expect_eq(link_get_stats(r.l, h).n_drops_outage, 50, "direction %d", h);
        cr_expect_eq(r.to[1 - h].n, 250);
        for (int i = 0; i < r.to[1 - h].n; i++) {
            uint32_t q = r.to[1 - h].seq[i];
            cr_expect(q < 100 || q >= 150, "packet %u was sent inside the outage", q);
        }
    }
    rig_fini(&r);
}

Test(link, freeing_a_link_returns_packets_in_flight)
{
    rig r;
    rig_init(&r, 1000000, 1000000000, 1);
    for (uint32_t i = 0; i < 10; i++) send(&r, PRM_CLIENT, 1000, i);
    cr_expect_eq(pkt_pool_outstanding(r.pp), 10);
    rig_fini(&r); /* checks the pool is empty after link_free */
}
