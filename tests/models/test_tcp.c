/*
 * TCP behaviour through whole small simulations with known answers: the
 * connect time-out (3 + 6 + 12 s), the doubling retransmission schedule from
 * the 300 ms floor, the abort after tcp.data_retries (63 x RTO), fast
 * retransmit without a time-out, delayed ACKs, auto-tuning, completion times
 * of rate- and window-limited bulk copies, and long-run throughput under
 * random loss against Mathis et al. (delayed-ACK constant 0.87) and Padhye et
 * al. where time-outs matter.
 */
#include "sim_helpers.h"
#include "models/host.h" /* issue 12: host_smb_read_size (smb.read_size 0 = copy engine) */

Test(tcp, an_unreachable_server_gives_connect_timeout_after_21_s)
{
    prm_config c = cfg_of("link.outage.start=0", "link.outage.duration=1h", NULL);
    FILE *tr = tmpfile();
    scn_probe pr;
    out_result r = run_probe(&c, 1, tr, &pr);
    fflush(tr);
    cr_expect_eq(r.completed, 0);
    cr_expect_str_eq(out_failure_name(r.failure), "connect_timeout");
    expect_within(r.duration_s, 21.0, 0.01, "connect failure time");
    cr_expect(isnan(r.setup_s), "never established");
    cr_expect_eq(r.bytes_done, 0);
    double t[8];
    cr_expect_eq(trace_times(tr, t, 8, "client tcp send S ", NULL), 3, "the SYN and two retransmissions");
    fclose(tr);
    out_result_fini(&r);

    c = cfg_of("link.loss=0.999999", NULL);
    r = run_probe(&c, 1, NULL, NULL);
    cr_expect_str_eq(out_failure_name(r.failure), "connect_timeout", "a link that loses nearly everything");
    expect_within(r.duration_s, 21.0, 0.01, "connect failure time");
    out_result_fini(&r);
}

Test(tcp, syn_retransmissions_follow_3_6_12_s)
{
    prm_config c = cfg_of("link.outage.start=0", "link.outage.duration=1h", NULL);
    FILE *tr = tmpfile();
    out_result r = run_probe(&c, 1, tr, NULL);
    fflush(tr);
    double t[8];
    int n = trace_times(tr, t, 8, "client tcp timeout", NULL);
    cr_assert_eq(n, 3, "two retransmissions, then the failure");
    cr_expect_float_eq(t[0], 3.0, 1e-9);
    cr_expect_float_eq(t[1], 9.0, 1e-9);
    cr_expect_float_eq(t[2], 21.0, 1e-9);
    fclose(tr);
    out_result_fini(&r);
}

Test(tcp, a_lost_syn_ack_costs_one_initial_rto)
{
    /* The SYN leaves at 0 and arrives at 0.25 ms; the SYN-ACK sent then is lost. */
    prm_config c = cfg_of("link.outage.start=0.1ms", "link.outage.duration=1ms", "file.size=1MiB", NULL);
    out_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1);
    expect_within(r.setup_s, 3.0 + 0.000513, 0.001, "setup after one SYN retransmission");
    out_result_fini(&r);
}

/* Retransmission timer expiries of each host (t[host][i], n[host]) during an
 * outage from 1 s lasting OUTAGE, on a LAN, so the RTO sits on its 300 ms
 * floor. Both hosts have unacknowledged data when the outage begins: the
 * server its READ responses, the client its next requests. */
static void outage_timeouts(const char *outage, double t[2][16], int n[2], out_result *out, scn_probe *pr)
{
    prm_config c = cfg_of("link.outage.start=1s", outage, "file.size=100MiB", NULL);
    FILE *tr = tmpfile();
    *out = run_probe(&c, 1, tr, pr);
    fflush(tr);
    n[PRM_CLIENT] = trace_times(tr, t[PRM_CLIENT], 16, "client tcp timeout", NULL);
    n[PRM_SERVER] = trace_times(tr, t[PRM_SERVER], 16, "server tcp timeout", NULL);
    fclose(tr);
}

static void expect_doubling(const double *t, int n, const char *who)
{
    cr_expect(t[0] > 1.0 && t[0] < 1.31, "%s: first expiry one RTO after the outage began: %f", who, t[0]);
    for (int i = 1; i < n; i++) expect_within(t[i] - t[i - 1], 0.3 * (1 << i), 0.01, who);
}

Test(tcp, a_short_outage_is_survived_with_a_doubling_retransmission_schedule)
{
    double t[2][16];
    int n[2];
    out_result r;
    scn_probe pr;
    outage_timeouts("link.outage.duration=8s", t, n, &r, &pr);
    cr_expect_eq(r.completed, 1, "failure %s", out_failure_name(r.failure));
    /* Expiries 0.3, 0.6, 1.2, 2.4 and 4.8 s apart (about 1.3, 1.9, 3.1, 5.5
     * and 10.3 s): the fifth and last allowed retransmission, after the
     * outage, gets through; the first host to get through repairs the other's
     * loss before its fifth expiry. */
    cr_assert(n[0] >= 4 && n[1] >= 4, "expiries: client %d, server %d", n[0], n[1]);
    cr_expect(n[0] == 5 || n[1] == 5, "one host used all five retransmissions");
    expect_doubling(t[PRM_CLIENT], n[PRM_CLIENT], "client");
    expect_doubling(t[PRM_SERVER], n[PRM_SERVER], "server");
    for (int h = 0; h < 2; h++) {
        cr_expect(t[h][3] < 9.0, "four expiries inside the outage");
        if (n[h] == 5) cr_expect(t[h][4] > 9.0, "the fifth after it");
    }
    cr_expect_geq(r.n_retransmits, 5);
    out_result_fini(&r);
}

Test(tcp, a_long_outage_aborts_after_63_rto)
{
    double t[2][16];
    int n[2];
    out_result r;
    scn_probe pr;
    outage_timeouts("link.outage.duration=60s", t, n, &r, &pr);
    cr_expect_str_eq(out_failure_name(r.failure), "tcp_abort");
    cr_expect_eq(r.completed, 0);
    cr_assert(pr.fail_host == PRM_CLIENT || pr.fail_host == PRM_SERVER);
    int h = pr.fail_host;
    cr_assert_eq(n[h], 6, "five retransmissions and the abort");
    expect_doubling(t[h], n[h], "aborting host");
    /* The abort comes 63 x 0.3 s after the last progress, i.e. t[0] - 0.3 + 18.9. */
    expect_within(r.duration_s, t[h][0] - 0.3 + 18.9, 0.001, "abort time");
    expect_within(r.duration_s, 19.9, 0.01, "abort time from the outage start");
    cr_expect_gt(r.bytes_done, 0);
    cr_expect_lt(r.bytes_done, 100 * 1048576ull);
    out_result_fini(&r);
}

Test(tcp, a_single_loss_is_repaired_by_fast_retransmit)
{
    /* A 100 us outage on a 100 Mbit/s link loses one or two segments mid-copy. */
    prm_config c = cfg_of("link.outage.start=0.5s", "link.outage.duration=100us", "file.size=20MiB", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(r.completed, 1);
    cr_expect_geq(pr.link[PRM_SERVER].n_drops_outage, 1);
    cr_expect_geq(pr.tcp[PRM_SERVER].n_fast_retransmits, 1);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_timeouts, 0, "no retransmission timeout needed");
    cr_expect_geq(r.n_retransmits, 1);
    out_result_fini(&r);
}

Test(tcp, the_receiver_acknowledges_every_second_segment)
{
    prm_config c = cfg_of("file.size=20MiB", "link.delay=5ms", "client.tcp.window=1MiB", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(r.completed, 1);
    double ratio = (double)pr.tcp[PRM_CLIENT].n_segs_sent / (double)pr.tcp[PRM_SERVER].n_data_segs_sent;
    cr_expect(ratio > 0.45 && ratio < 0.56, "client segments per server data segment: %f", ratio);
    out_result_fini(&r);
}

Test(tcp, vista_auto_tunes_its_window_and_xp_keeps_17520)
{
    prm_config c = cfg_of("file.size=100MiB", "link.delay=20ms", "link.rate=1Gbps", "server.os=2003",
                          "smb.client_outstanding=50", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(r.completed, 1);
    cr_expect_gt(pr.tcp[PRM_CLIENT].rcv_window_bytes, 1048576, "grew to %llu",
                 (unsigned long long)pr.tcp[PRM_CLIENT].rcv_window_bytes);
    cr_expect_leq(pr.tcp[PRM_CLIENT].rcv_window_bytes, 16 * 1048576ull);
    cr_expect_eq(pr.tcp[PRM_SERVER].rcv_window_bytes, 17520, "XP: 16 KiB in whole segments");
    out_result_fini(&r);
    c = cfg_of("client.os=xp", "file.size=1MiB", NULL);
    r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(pr.tcp[PRM_CLIENT].rcv_window_bytes, 17520);
    out_result_fini(&r);
}

/* ---- lossless bulk copies against analytic completion times ---- */

/* Stream bytes the server sends for a read of the file in C: every response
 * (64-byte header + data), framing and TCP/IP headers counted as if each
 * response went in its own segments, plus the small setup responses. */
static double read_wire_s(const prm_config *c, double mss)
{
    double size = (double)c->file_size_bytes, rs = (double)host_smb_read_size(c);
    double n_full = floor(size / rs), rest = size - n_full * rs;
    double t = n_full * msg_tx_s(c, rs + 64, mss);
    if (rest > 0) t += msg_tx_s(c, rest + 64, mss);
    return t;
}

Test(tcp, a_rate_limited_read_completes_at_the_wire_rate)
{
    static const char *const rates[][3] = {{"link.rate=100Mbps", "link.delay=250us", "file.size=50MiB"},
                                           {"link.rate=10Mbps", "link.delay=5ms", "file.size=10MiB"},
                                           {"link.rate=1Gbps", "link.delay=100us", "file.size=200MiB"}};
    for (size_t i = 0; i < 3; i++) {
        prm_config c = cfg_of(rates[i][0], rates[i][1], rates[i][2], "client.tcp.window=4MiB", NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1);
        double rtt = 2 * sim_time_to_s(c.link.delay_ns);
        double want = read_wire_s(&c, (double)pr.mss_bytes) + 8 * rtt; /* handshake, 5 set-up exchanges, CLOSE, FIN */
        expect_within(r.duration_s, want, 0.03, rates[i][0]);
        cr_expect_eq(r.n_retransmits, 0);
        out_result_fini(&r);
    }
}

Test(tcp, a_window_limited_copy_moves_one_window_per_round_trip)
{
    /* Read with a fixed client window, and write to an XP server (its default
     * 17,520-byte window), over 10 ms one way. */
    static const char *const cases[][3] = {{"copy.direction=read", "client.tcp.window=17520", "link.rate=100Mbps"},
                                           {"copy.direction=write", "server.os=xp", "link.rate=100Mbps"},
                                           {"copy.direction=read", "client.tcp.window=64KiB", "link.rate=1Gbps"}};
    for (size_t i = 0; i < 3; i++) {
        prm_config c = cfg_of(cases[i][0], cases[i][1], cases[i][2], "link.delay=10ms", "file.size=10MiB", NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1);
        int rcv = c.direction == PRM_COPY_READ ? PRM_CLIENT : PRM_SERVER;
        double w = (double)pr.tcp[rcv].rcv_window_bytes, mss = (double)pr.mss_bytes;
        double hdr = c.direction == PRM_COPY_READ ? 64 : 68;
        double stream = (double)c.file_size_bytes * (1 + hdr / (double)host_smb_read_size(&c));
        /* A window's first byte comes back acknowledged after the delay both
         * ways plus two segments (delayed ACK) and one ACK on the wire. */
        double cycle = 2 * sim_time_to_s(c.link.delay_ns) + 2 * tx_s(&c, mss + 40) + tx_s(&c, 40);
        double want = window_rounds_s(stream, w, mss, (double)c.tcp.init_cwnd_segments, cycle) + 8 * cycle;
        char what[128];
        snprintf(what, sizeof what, "%s %s %s", cases[i][0], cases[i][1], cases[i][2]);
        expect_within(r.duration_s, want, 0.03, what);
        out_result_fini(&r);
    }
}

/* ---- random loss: Mathis et al. and Padhye et al. ---- */

/* Mean goodput (bytes/s) over REPS replications of a read over a lossy link. */
static double lossy_goodput(double p, double delay_s, int reps)
{
    double mss = 1460, sum = 0;
    char loss[64], delay[64], size[64];
    snprintf(loss, sizeof loss, "link.loss=%g", p);
    snprintf(delay, sizeof delay, "link.delay=%gs", delay_s);
    snprintf(size, sizeof size, "file.size=%.0f", 300 / p * mss); /* about 300 losses per copy */
    for (int s = 1; s <= reps; s++) {
        prm_config c = cfg_of(loss, delay, size, NULL);
        out_result r = run_probe(&c, (uint64_t)s, NULL, NULL);
        cr_expect_eq(r.completed, 1, "p=%g seed %d: %s", p, s, out_failure_name(r.failure));
        sum += (double)r.bytes_done / r.duration_s;
        out_result_fini(&r);
    }
    return sum / reps;
}

Test(tcp, throughput_under_random_loss_follows_mathis_with_delayed_acks, .timeout = 120)
{
    static const double ps[] = {0.0005, 0.001, 0.003}, delays[] = {0.05, 0.1};
    for (size_t d = 0; d < 2; d++)
        for (size_t i = 0; i < 3; i++) {
            double rtt = 2 * delays[d];
            double mathis = 1460 / rtt * 0.87 / sqrt(ps[i]);
            double got = lossy_goodput(ps[i], delays[d], 5);
            cr_expect(fabs(got / mathis - 1) < 0.30, "p=%g RTT=%g s: %.0f B/s vs Mathis %.0f B/s (ratio %.3f)", ps[i],
                      rtt, got, mathis, got / mathis);
        }
}

Test(tcp, throughput_at_one_percent_loss_follows_padhye_with_timeouts, .timeout = 120)
{
    /* At 1 % the retransmission time-outs (RTO floor 0.3 s) matter: Padhye et
     * al. (1998), b = 2 segments per ACK, T0 = 0.3 s. */
    static const double delays[] = {0.05, 0.1};
    for (size_t d = 0; d < 2; d++) {
        double p = 0.01, b = 2, t0 = 0.3, rtt = 2 * delays[d];
        double pps = 1 / (rtt * sqrt(2 * b * p / 3) + t0 * fmin(1, 3 * sqrt(3 * b * p / 8)) * p * (1 + 32 * p * p));
        double padhye = pps * 1460;
        double got = lossy_goodput(p, delays[d], 5);
        cr_expect(fabs(got / padhye - 1) < 0.30, "RTT=%g s: %.0f B/s vs Padhye %.0f B/s (ratio %.3f)", rtt, got, padhye,
                  got / padhye);
    }
}

Test(tcp, a_copy_larger_than_4_gib_crosses_the_sequence_space, .timeout = 60)
{
    prm_config c = cfg_of("file.size=4500MiB", "link.rate=10Gbps", "link.delay=50us", "server.os=2003",
                          "smb.client_outstanding=16", NULL);
    out_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1, "%s", out_failure_name(r.failure));
    cr_expect_eq(r.bytes_done, 4500 * 1048576ull);
    cr_expect_eq(r.n_retransmits, 0);
    out_result_fini(&r);
}
