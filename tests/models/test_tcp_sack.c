/*
 * SACK and Windows loss recovery (issue 12) with known answers: the
 * scoreboard against a byte map over random operations; two real TCP
 * endpoints on a scripted wire that drops chosen segments (the SACK blocks
 * on the ACKs, newest first, as 32-bit sequence numbers; exactly the lost
 * segments resent); whole copies where an outage drops a run of segments
 * (RFC 3517 repairs them in one round trip, NewReno one per round trip);
 * throughput under random loss against Padhye et al. with SACK on, SACK off
 * below SACK on, and few spurious retransmissions.
 */
#include <stdlib.h>
#include "models/tcp.h"
#include "models/tcp_sack.h"
#include "sim/rng.h"
#include "sim_helpers.h"

/* ---- the scoreboard against a byte map ---- */

#define MAP_BYTES 512

static uint64_t map_sacked_below(const unsigned char *m, uint64_t una, uint64_t x)
{
    uint64_t n = 0;
    for (uint64_t i = una; i < x && i < MAP_BYTES; i++) n += m[i];
    return n;
}

Test(tcp_sack, the_scoreboard_agrees_with_a_byte_map_over_random_operations)
{
    gsl_rng *r = sim_rng_new(5, "test.sack");
    for (int script = 0; script < 200; script++) {
        tcp_sb sb;
        tcp_sb_init(&sb);
        unsigned char m[MAP_BYTES] = {0};
        uint64_t una = 0;
        for (int op = 0; op < 60; op++) {
            if (gsl_rng_uniform(r) < 0.8) {
                uint64_t s = una + gsl_rng_uniform_int(r, 200), e = s + 1 + gsl_rng_uniform_int(r, 40);
                if (e > MAP_BYTES) e = MAP_BYTES;
                cr_assert_eq(tcp_sb_add(&sb, s, e), 0);
                for (uint64_t i = s; i < e; i++) m[i] = 1;
            } else {
                una += gsl_rng_uniform_int(r, 30);
                if (una > MAP_BYTES - 1) una = MAP_BYTES - 1;
                tcp_sb_trim(&sb, una);
                for (uint64_t i = 0; i < una; i++) m[i] = 0;
            }
            cr_assert_eq(sb.sacked_bytes, map_sacked_below(m, una, MAP_BYTES));
            for (uint32_t i = 0; i + 1 < sb.n; i++)
                cr_assert_lt(sb.r[i].end, sb.r[i + 1].start, "disjoint, not adjacent");
            uint64_t x = una + gsl_rng_uniform_int(r, 260);
            if (x >= MAP_BYTES) x = MAP_BYTES - 1;
            cr_assert_eq(tcp_sb_sacked_below(&sb, x), map_sacked_below(m, una, x));
            uint64_t nu = x;
            while (nu < MAP_BYTES && m[nu]) nu++;
            cr_assert_eq(tcp_sb_next_unsacked(&sb, x), nu);
            /* IsLost(y), RFC 3517: 2 SACKed ranges or 2 x 10 bytes above y. */
            uint64_t lost_end = tcp_sb_lost_end(&sb, una, 2, 20);
            for (uint64_t y = una; y < MAP_BYTES; y++) {
                if (m[y]) continue;
                uint64_t above = 0, runs = 0;
                for (uint64_t z = y + 1; z < MAP_BYTES; z++) {
                    above += m[z];
                    runs += m[z] && !m[z - 1];
                }
                int lost = runs >= 2 || above >= 20;
                cr_assert_eq(y < lost_end, lost, "byte %llu: lost %d, lost_end %llu", (unsigned long long)y, lost,
                             (unsigned long long)lost_end);
            }
        }
        tcp_sb_fini(&sb);
    }
    sim_rng_free(r);
}

/* ---- two endpoints on a scripted wire ---- */

#define WIRE_LOG 256
#define WIRE_DELAY_NS 10000000 /* 10 ms one way */

typedef struct wire wire;
typedef struct delivery {
    wire *w;
    pkt *p;
} delivery;

struct wire {
    sim_kernel *k;
    pkt_pool *pp;
    tcp_conn *to;
    pkt log[WIRE_LOG]; /* every packet handed to the wire, in order */
    int n_log;
    uint64_t drop_first_copy_of[8]; /* payload offsets (from the sender's ISN + 1) lost on first sending */
    int n_drop;
    int drop_copies[8];                      /* how many copies of each are lost (0 = 1: the first only) */
    uint32_t iss1;                           /* the sender's ISN + 1 */
    sim_time_ns hold_from_ns, hold_until_ns; /* a delay spike: packets sent inside wait until its end */
};

static void deliver(sim_kernel *k, void *arg)
{
    (void)k;
    delivery *d = arg;
    tcp_input(d->w->to, d->p);
    free(d);
}

static void wire_fn(void *ctx, pkt *p)
{
    wire *w = ctx;
    int seen_before = 0;
    for (int i = 0; i < w->n_log; i++) seen_before += w->log[i].len && w->log[i].seq == p->seq;
    if (w->n_log < WIRE_LOG) w->log[w->n_log++] = *p;
    for (int i = 0; i < w->n_drop; i++)
        if (p->len && seen_before < (w->drop_copies[i] ? w->drop_copies[i] : 1) &&
            p->seq - w->iss1 == w->drop_first_copy_of[i]) {
            pkt_put(w->pp, p);
            return;
        }
    delivery *d = malloc(sizeof *d);
    cr_assert(d);
    *d = (delivery){w, p};
    sim_time_ns now = sim_kernel_now(w->k), extra = 0;
    if (now >= w->hold_from_ns && now < w->hold_until_ns) extra = w->hold_until_ns - now;
    sim_kernel_schedule_in(w->k, WIRE_DELAY_NS + extra, deliver, d);
}

/* A client and a server TCP on the wires UP (client to server) and DOWN,
 * connected; the server then sends N_BYTES. HP: both hosts' settings. */
typedef struct pair {
    sim_kernel *k;
    pkt_pool *pp;
    rec_recorder rec;
    prm_config c;
    tcp_conn *cl, *sv;
} pair;

static void pair_open2(pair *pr, const tcp_host_params *hp_client, const tcp_host_params *hp_server, wire *up,
                       wire *down)
{
    pr->k = sim_kernel_new();
    pr->pp = pkt_pool_new();
    rec_init(&pr->rec, pr->k);
    pr->c = cfg_of("tcp.init_cwnd=20", NULL); /* the whole pattern in the first flight */
    pr->cl = tcp_new(pr->k, &pr->c.tcp, hp_client, PRM_CLIENT, 1, pr->pp, &pr->rec);
    pr->sv = tcp_new(pr->k, &pr->c.tcp, hp_server, PRM_SERVER, 1, pr->pp, &pr->rec);
    up->k = down->k = pr->k;
    up->pp = down->pp = pr->pp;
    up->to = pr->sv;
    down->to = pr->cl;
    tcp_wire(pr->cl, (pkt_port){wire_fn, up});
    tcp_wire(pr->sv, (pkt_port){wire_fn, down});
    tcp_listen(pr->sv);
    tcp_connect(pr->cl);
    sim_kernel_run_until(pr->k, sim_time_from_s(0.1));
    down->iss1 = down->log[0].seq + 1;
}

static void pair_open(pair *pr, const tcp_host_params *hp, wire *up, wire *down) { pair_open2(pr, hp, hp, up, down); }

static void pair_close(pair *pr)
{
    tcp_free(pr->cl);
    tcp_free(pr->sv);
    sim_kernel_free(pr->k);
    rec_fini(&pr->rec);
    pkt_pool_free(pr->pp);
}

Test(tcp_sack, acks_carry_the_newest_block_first_and_only_lost_segments_are_resent)
{
    static wire up, down; /* up: client -> server; down: server -> client */
    up = (wire){0};
    down = (wire){.n_drop = 3, .drop_first_copy_of = {5000, 7000, 9000}};
    tcp_host_params hp = {.mss_bytes = 1000, .rcv_window_bytes = 65536, .sack = 1, .sack_rfc3517 = 1};
    pair pr;
    pair_open(&pr, &hp, &up, &down);
    cr_assert_eq(tcp_get_stats(pr.cl).sack_ok, 1, "both SYNs offered SACK");
    cr_assert_eq(tcp_get_stats(pr.sv).sack_ok, 1);
    cr_expect(up.log[0].sack_permitted && down.log[0].sack_permitted, "SYN and SYN-ACK carry SACK-permitted");
    cr_expect_eq(up.log[0].ip_bytes, 48, "SYN: 40 B of headers, MSS option, NOP NOP SACK-permitted");
    tcp_send(pr.sv, 30000);
    sim_kernel_run_until(pr.k, sim_time_from_s(5));
    cr_expect_eq(tcp_get_stats(pr.cl).n_bytes_received, 30000, "everything arrived");
    tcp_stats s = tcp_get_stats(pr.sv);
    cr_expect_eq(s.n_retransmits, 3, "exactly the three lost segments resent");
    cr_expect_eq(s.n_timeouts, 0);
    cr_expect_eq(tcp_get_stats(pr.cl).n_dup_data_received, 0, "no spurious retransmission");
    /* The client's ACKs with SACK blocks, as offsets of the server's stream. */
    int checked = 0;
    uint32_t b = down.iss1;
    for (int i = 0; i < up.n_log; i++) {
        const pkt *a = &up.log[i];
        if (!a->n_sack) continue;
        cr_expect_eq(a->ip_bytes, 40 + 4 + 8 * a->n_sack, "option bytes in the IP length");
        uint32_t l0 = a->sack[0][0] - b, r0 = a->sack[0][1] - b;
        if (a->ack - b == 5000 && l0 == 8000) { /* after segment 8: blocks 8 then 6 */
            cr_expect_eq(a->n_sack, 2);
            cr_expect_eq(r0, 9000);
            cr_expect_eq(a->sack[1][0] - b, 6000);
            cr_expect_eq(a->sack[1][1] - b, 7000);
            checked |= 1;
        }
        if (a->ack - b == 5000 && l0 == 10000 && a->n_sack == 3) { /* after segment 10 */
            cr_expect_eq(a->sack[1][0] - b, 8000, "then the previous newest");
            cr_expect_eq(a->sack[2][0] - b, 6000);
            checked |= 2;
        }
        if (a->ack - b == 7000) { /* segment 5's copy filled the first hole */
            cr_expect_geq(a->n_sack, 2);
            cr_expect_eq(a->sack[a->n_sack - 1][0] - b, 8000, "blocks below the ACK are gone");
            checked |= 4;
        }
    }
    cr_expect_eq(checked, 7, "saw the three ACKs checked (mask %d)", checked);
    /* The server's sequence numbers wrap 2^32 (ISN 0xFFFF0000): the blocks do too. */
    cr_expect_gt(down.iss1, 0xF0000000u);
    pair_close(&pr);
}

Test(tcp_sack, a_host_that_does_not_offer_sack_gets_no_blocks)
{
    for (int who = 0; who < 2; who++) {
        static wire up, down;
        up = (wire){0};
        down = (wire){.n_drop = 1, .drop_first_copy_of = {5000}};
        tcp_host_params on = {.mss_bytes = 1000, .rcv_window_bytes = 65536, .sack = 1, .sack_rfc3517 = 1};
        tcp_host_params off = on;
        off.sack = 0;
        pair pr;
        pair_open2(&pr, who == 0 ? &off : &on, who == 0 ? &on : &off, &up, &down);
        cr_expect_eq(down.log[0].sack_permitted, 0, "a SYN-ACK offers SACK only if the SYN did (RFC 2018)");
        tcp_send(pr.sv, 30000);
        sim_kernel_run_until(pr.k, sim_time_from_s(5));
        cr_expect_eq(tcp_get_stats(pr.cl).sack_ok, 0);
        cr_expect_eq(tcp_get_stats(pr.sv).sack_ok, 0);
        cr_expect_eq(tcp_get_stats(pr.cl).n_bytes_received, 30000);
        for (int i = 0; i < up.n_log; i++) cr_expect_eq(up.log[i].n_sack, 0, "no SACK blocks");
        pair_close(&pr);
    }
}

Test(tcp_sack, after_a_lost_retransmission_the_timeout_resends_only_what_was_not_sacked)
{
    /* Segment 5 is lost twice (its fast retransmission too), segment 7 once:
     * the RTO then resends segment 5 alone; everything else was SACKed. */
    static wire up, down;
    up = (wire){0};
    down = (wire){.n_drop = 2, .drop_first_copy_of = {5000, 7000}, .drop_copies = {2, 1}};
    tcp_host_params hp = {.mss_bytes = 1000, .rcv_window_bytes = 65536, .sack = 1, .sack_rfc3517 = 1, .frto = 1};
    pair pr;
    pair_open(&pr, &hp, &up, &down);
    tcp_send(pr.sv, 20000);
    sim_kernel_run_until(pr.k, sim_time_from_s(5));
    cr_expect_eq(tcp_get_stats(pr.cl).n_bytes_received, 20000);
    tcp_stats s = tcp_get_stats(pr.sv);
    cr_expect_eq(s.n_timeouts, 1, "the lost retransmission waits for the RTO (RFC 3517)");
    cr_expect_eq(s.n_retransmits, 3, "5, 7, then 5 again");
    cr_expect_eq(tcp_get_stats(pr.cl).n_dup_data_received, 0, "nothing SACKed was resent");
    pair_close(&pr);
}

/* New segments (offset >= 20,000, past the first flight) the server sent
 * before it resent the segment at 5,000, lost on its first sending. */
static int new_before_fast_retransmit(int limited_transmit)
{
    static wire up, down;
    up = (wire){0};
    down = (wire){.n_drop = 1, .drop_first_copy_of = {5000}};
    tcp_host_params hp = {
        .mss_bytes = 1000, .rcv_window_bytes = 65536, .sack = 1, .limited_transmit = limited_transmit};
    pair pr;
    pair_open(&pr, &hp, &up, &down);
    tcp_send(pr.sv, 40000);
    sim_kernel_run_until(pr.k, sim_time_from_s(5));
    cr_expect_eq(tcp_get_stats(pr.cl).n_bytes_received, 40000);
    cr_expect_eq(tcp_get_stats(pr.sv).n_timeouts, 0);
    int n = 0, copies = 0;
    for (int i = 1; i < down.n_log && copies < 2; i++) {
        uint32_t off = down.log[i].seq - down.iss1;
        if (down.log[i].len && off == 5000)
            copies++;
        else if (down.log[i].len && off >= 20000 && copies == 1)
            n++;
    }
    pair_close(&pr);
    return n;
}

Test(tcp_sack, limited_transmit_sends_one_new_segment_on_the_first_duplicate_ack)
{
    /* With TcpMaxDupAcks = 2 only the first duplicate ACK is below the
     * threshold: one new segment more than without (RFC 3042). */
    int with = new_before_fast_retransmit(1), without = new_before_fast_retransmit(0);
    cr_expect_eq(with, without + 1, "new segments before the fast retransmit: %d with, %d without", with, without);
    cr_log_info("new segments before the fast retransmit: %d with limited transmit, %d without", with, without);
}

/* ACKs held for 0.6 s from 0.11 s (a delay spike on the return path): the
 * server's RTO (0.3 s floor) fires although nothing was lost. */
static tcp_stats spurious_timeout(int frto, tcp_stats *client)
{
    static wire up, down;
    up = (wire){.hold_from_ns = sim_time_from_s(0.11), .hold_until_ns = sim_time_from_s(0.71)};
    down = (wire){0};
    tcp_host_params hp = {.mss_bytes = 1000, .rcv_window_bytes = 65536, .sack = 1, .sack_rfc3517 = 1, .frto = frto};
    pair pr;
    pair_open(&pr, &hp, &up, &down);
    tcp_send(pr.sv, 60000);
    sim_kernel_run_until(pr.k, sim_time_from_s(5));
    cr_expect_eq(tcp_get_stats(pr.cl).n_bytes_received, 60000);
    tcp_stats s = tcp_get_stats(pr.sv);
    *client = tcp_get_stats(pr.cl);
    pair_close(&pr);
    return s;
}

Test(tcp_sack, frto_detects_a_spurious_timeout_and_resends_only_the_head)
{
    tcp_stats cl, s = spurious_timeout(1, &cl);
    cr_expect_eq(s.n_timeouts, 1);
    cr_expect_eq(s.n_spurious_rtos, 1, "F-RTO (Vista/2008) found the timeout spurious");
    cr_expect_eq(s.n_retransmits, 1, "only the head segment was resent");
    cr_expect_eq(cl.n_dup_data_received, 1);
    tcp_stats s0 = spurious_timeout(0, &cl);
    cr_expect_eq(s0.n_timeouts, 1);
    cr_expect_eq(s0.n_spurious_rtos, 0);
    cr_expect_geq(s0.n_retransmits, 5, "without F-RTO (XP/2003) go-back-N resends what was in flight: %llu",
                  (unsigned long long)s0.n_retransmits);
    cr_expect_eq(cl.n_dup_data_received, s0.n_retransmits, "and every copy was spurious");
    cr_log_info("spurious timeout: %llu retransmission(s) with F-RTO, %llu without",
                (unsigned long long)s.n_retransmits, (unsigned long long)s0.n_retransmits);
}

Test(tcp_sack, sack_is_used_only_when_both_syns_offer_it)
{
    prm_config c = cfg_of("file.size=1MiB", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(pr.tcp[PRM_CLIENT].sack_ok, 1, "on by default for Vista and XP (KB 224829)");
    cr_expect_eq(pr.tcp[PRM_SERVER].sack_ok, 1);
    out_result_fini(&r);
    c = cfg_of("file.size=1MiB", "tcp.sack=off", NULL);
    r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(pr.tcp[PRM_CLIENT].sack_ok, 0);
    cr_expect_eq(pr.tcp[PRM_SERVER].sack_ok, 0);
    cr_expect_eq(r.completed, 1);
    out_result_fini(&r);
}

/* ---- a run of losses in one window ---- */

/* A 600 us outage at 1.5 s on 100 Mbit/s, 40 ms round trip: five of the
 * server's data segments in a row are lost. Returns the spread between the
 * server's first and last retransmission. */
static double outage_recovery(const char *how, scn_probe *pr, out_result *out)
{
    prm_config c = cfg_of("link.delay=20ms", "file.size=20MiB", "client.tcp.window=4MiB", "link.outage.start=1.5s",
                          "link.outage.duration=600us", how, NULL);
    FILE *tr = tmpfile();
    *out = run_probe(&c, 1, tr, pr);
    fflush(tr);
    double t[64];
    int n = trace_times(tr, t, 64, "server tcp resend", NULL);
    fclose(tr);
    cr_assert_geq(n, 2);
    return t[n - 1] - t[0];
}

Test(tcp_sack, rfc3517_repairs_a_run_of_losses_in_one_round_trip_and_newreno_in_one_per_hole)
{
    scn_probe pr;
    out_result r;
    double rtt = 0.04;
    double spread = outage_recovery("server.os=2008", &pr, &r);
    uint64_t lost = pr.link[PRM_SERVER].n_drops_outage;
    cr_assert_geq(lost, 3, "a run of losses: %llu", (unsigned long long)lost);
    cr_expect_eq(r.completed, 1);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_retransmits, lost, "only the lost segments resent");
    cr_expect_eq(pr.tcp[PRM_SERVER].n_timeouts, 0);
    cr_expect_lt(spread, rtt, "Vista/2008 (RFC 3517): all holes within one round trip, %.4f s", spread);
    double t_sack = r.duration_s;
    out_result_fini(&r);

    spread = outage_recovery("tcp.sack=off", &pr, &r);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_retransmits, pr.link[PRM_SERVER].n_drops_outage);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_timeouts, 0);
    expect_within(spread, (double)(pr.link[PRM_SERVER].n_drops_outage - 1) * rtt, 0.05,
                  "NewReno: one hole per round trip");
    cr_expect_lt(t_sack, r.duration_s - 2 * rtt, "SACK %.3f s against NewReno %.3f s", t_sack, r.duration_s);
    out_result_fini(&r);

    /* XP/2003 default (newreno-sack) recovers as NewReno does, one hole per round trip. */
    spread = outage_recovery("server.os=2003", &pr, &r);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_retransmits, pr.link[PRM_SERVER].n_drops_outage);
    expect_within(spread, (double)(pr.link[PRM_SERVER].n_drops_outage - 1) * rtt, 0.05, "XP: one hole per round trip");
    out_result_fini(&r);
}

/* ---- random loss: Padhye et al. ---- */

typedef struct lossy {
    double goodput;   /* bytes/s, mean over the replications */
    double rtx, dups; /* server retransmissions, client duplicate data segments (spurious), summed */
} lossy;

/* A read over a lossy link of about 300 losses per copy, REPS seeds. The
 * client's window (16 MiB) never limits: Padhye's window term stays out. */
static lossy lossy_run(double p, double delay_s, const char *how, int reps)
{
    char loss[64], delay[64], size[64];
    snprintf(loss, sizeof loss, "link.loss=%g", p);
    snprintf(delay, sizeof delay, "link.delay=%gs", delay_s);
    snprintf(size, sizeof size, "file.size=%.0f", 300 / p * 1460);
    lossy l = {0};
    for (int s = 1; s <= reps; s++) {
        prm_config c = cfg_of(loss, delay, size, "client.tcp.window=16MiB", how, NULL);
        scn_probe pr;
        out_result r = run_probe(&c, (uint64_t)s, NULL, &pr);
        cr_expect_eq(r.completed, 1, "p=%g seed %d: %s", p, s, out_failure_name(r.failure));
        l.goodput += (double)r.bytes_done / r.duration_s / reps;
        l.rtx += (double)pr.tcp[PRM_SERVER].n_retransmits;
        l.dups += (double)pr.tcp[PRM_CLIENT].n_dup_data_received;
        out_result_fini(&r);
    }
    return l;
}

/* Padhye et al. (1998), segments per second times the MSS, without the
 * window limit: b segments per ACK, T0 the retransmission timeout. */
static double padhye_bps(double p, double rtt, double t0, double b)
{
    return 1460 / (rtt * sqrt(2 * b * p / 3) + t0 * fmin(1, 3 * sqrt(3 * b * p / 8)) * p * (1 + 32 * p * p));
}

Test(tcp_sack, throughput_with_sack_under_random_loss_follows_padhye, .timeout = 0)
{
    /* b = 2: Windows acknowledges every second segment (TcpAckFrequency).
     * T0 = the 300 ms floor, or RTT + 20 % where the round trip is longer
     * (RFC 6298: RTO = SRTT + 4 RTTVAR, RTTVAR small once the round trip is
     * steady). The points span 0.1-2 % and 50-300 ms. */
    static const double pts[][2] = {{0.001, 0.025}, {0.01, 0.05}, {0.02, 0.15}, {0.005, 0.15}};
    for (size_t i = 0; i < 4; i++) {
        double p = pts[i][0], rtt = 2 * pts[i][1], t0 = fmax(0.3, 1.2 * rtt);
        double want = padhye_bps(p, rtt, t0, 2);
        static const char *const senders[] = {"server.os=2008", "server.os=xp"};
        for (size_t s = 0; s < 2; s++) {
            lossy l = lossy_run(p, pts[i][1], senders[s], 3);
            cr_expect(fabs(l.goodput / want - 1) < 0.25, "%s p=%g RTT=%g s: %.0f B/s vs Padhye %.0f (ratio %.3f)",
                      senders[s], p, rtt, l.goodput, want, l.goodput / want);
            cr_log_info("%s p=%g RTT=%g: ratio to Padhye %.3f", senders[s], p, rtt, l.goodput / want);
        }
    }
}

Test(tcp_sack, sack_off_is_slower_than_rfc3517_and_spurious_retransmissions_are_few, .timeout = 0)
{
    /* Spurious: data segments that arrived although every byte was there
     * already. What remains with SACK and F-RTO is mostly the head segment
     * resent by a spurious timeout: with the 300 ms RTO floor, a round trip
     * of 100-300 ms plus a 200 ms delayed ACK outlasts the RTO. */
    static const double pts[][3] = {{0.01, 0.05, 0.05}, {0.02, 0.15, 0.5}};
    for (size_t i = 0; i < 2; i++) {
        double p = pts[i][0];
        lossy on = lossy_run(p, pts[i][1], "server.os=2008", 3);
        lossy off = lossy_run(p, pts[i][1], "tcp.sack=off", 3);
        cr_expect_lt(off.goodput, on.goodput, "p=%g: SACK off %.0f B/s, RFC 3517 %.0f B/s", p, off.goodput, on.goodput);
        cr_expect_lt(on.dups, pts[i][2] * on.rtx, "p=%g: %.0f spurious of %.0f retransmissions with SACK", p, on.dups,
                     on.rtx);
        cr_expect_lt(on.dups, 0.5 * off.dups, "p=%g: spurious with SACK %.0f, without %.0f", p, on.dups, off.dups);
        cr_log_info("p=%g: goodput on %.0f off %.0f; spurious on %.0f/%.0f off %.0f/%.0f", p, on.goodput, off.goodput,
                    on.dups, on.rtx, off.dups, off.rtx);
    }
}

/* ---- the MSS under IPsec (KB 2524732) ---- */

Test(tcp_sack, the_mss_drops_by_the_esp_overhead_only_when_the_handshake_ran_under_esp)
{
    /* kb977526-a-has-cert: A (Vista) sends its SYN in clear while IKE
     * starts; B (XP) holds its SYN-ACK until the hard SA is up and sends it
     * under ESP. kb977526: both handshake segments go in clear. */
    prm_config c = cfg_of("scenario=kb977526-a-has-cert", "file.size=300MiB", "tcp.ipsec_mss=handshake", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(r.completed, 1);
    cr_expect_eq(pr.tcp[PRM_SERVER].mss_bytes, 1400, "1460 - 60 B of ESP");
    cr_expect_eq(pr.tcp[PRM_CLIENT].mss_bytes, 1460, "A's SYN left in clear");
    double t_clamped = r.duration_s;
    out_result_fini(&r);
    c = cfg_of("scenario=kb977526-a-has-cert", "file.size=300MiB", NULL); /* the default, plain */
    r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(pr.tcp[PRM_SERVER].mss_bytes, 1460);
    /* Plain: each 1,460-byte segment + 40 B headers + 60 B ESP = 1,560 B
     * leaves as two fragments, 1,540 B of IP payload with two 20 B headers
     * and two 38 B framings: 1,656 wire bytes per 1,460 data bytes, against
     * 1,538 per 1,400 clamped. */
    expect_within(r.duration_s / t_clamped, (1656.0 / 1460) / (1538.0 / 1400), 0.01, "fragmented over clamped");
    out_result_fini(&r);
    c = cfg_of("scenario=kb977526", "file.size=10MiB", "tcp.ipsec_mss=handshake", NULL);
    r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(pr.tcp[PRM_SERVER].mss_bytes, 1460, "a handshake in clear keeps the full MSS");
    cr_expect_eq(pr.tcp[PRM_CLIENT].mss_bytes, 1460);
    out_result_fini(&r);
}
