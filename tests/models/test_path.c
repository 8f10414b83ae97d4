/*
 * Whole copies over the path (client - access link - router - bottleneck -
 * router - access link - server) against known answers: lossless copies at
 * 64 kbit/s to 1 Gbit/s within 3 % of their analytic time, window-limited
 * WAN copies within 3 % of window / RTT, a drop-tail router that never
 * exceeds its limits, a buffer of at least the bandwidth-delay product that
 * keeps the bottleneck above 90 % busy, a buffer far below it that costs what
 * Reno's sawtooth predicts, loss on the ACK direction only that leaves the
 * data almost unrepeated, and every path preset combined with kb977526;
 * then the path's keys through the registry (unset directed keys, presets,
 * overrides, bad names, settings without effect).
 */
#include "sim_helpers.h"
#include "models/core/presets.h"
#include "models/host.h"

#define READ_RESP_HDR 64 /* READ_ANDX response header (tests/models/test_smb.c) */
#define WRITE_REQ_HDR 68 /* WRITE_ANDX request header */
#define WIRE_HDR 40      /* IP and TCP headers */
#define ACCESS "10Gbps"  /* access links fast enough never to be the bottleneck */

/* Seconds on the bottleneck towards the client (link.rate.to_client or link.rate). */
static double bn_tx_s(const prm_config *c, double ip_bytes, int to_client)
{
    double rate = (double)(to_client && c->link.rate_to_client_bps ? c->link.rate_to_client_bps : c->link.rate_bps);
    return (ip_bytes + (double)c->link.overhead_bytes) * 8.0 / rate;
}

static double acc_tx_s(const prm_config *c, int host, double ip_bytes)
{
    double rate = (double)c->link.access_rate_bps[host];
    return rate > 0 ? (ip_bytes + (double)c->link.overhead_bytes) * 8.0 / rate : 0;
}

/* The path's propagation round trip: the bottleneck's and both access links' delays, both ways. */
static double prop_rtt_s(const prm_config *c)
{
    return 2 * sim_time_to_s(c->link.delay_ns + c->link.access_delay_ns[0] + c->link.access_delay_ns[1]);
}

/* Seconds for the server to put a read of the file through the bottleneck:
 * every response (64-byte header + data) in its own MSS segments. */
static double read_wire_s(const prm_config *c, double mss)
{
    double size = (double)c->file_size_bytes, rs = (double)host_smb_read_size(c);
    double n_full = floor(size / rs), rest = size - n_full * rs, t = 0;
    double segs = ceil((rs + READ_RESP_HDR) / mss);
    t += n_full * (bn_tx_s(c, 0, 1) * segs + (rs + READ_RESP_HDR + segs * WIRE_HDR) * 8.0 / (double)c->link.rate_bps);
    if (rest > 0) {
        segs = ceil((rest + READ_RESP_HDR) / mss);
        t += bn_tx_s(c, 0, 1) * segs + (rest + READ_RESP_HDR + segs * WIRE_HDR) * 8.0 / (double)c->link.rate_bps;
    }
    return t;
}

/* The most goodput the bottleneck towards the client allows a read (bytes/s). */
static double read_capacity(const prm_config *c, double mss)
{
    double rs = (double)host_smb_read_size(c);
    double segs = ceil((rs + READ_RESP_HDR) / mss);
    return rs / (segs * bn_tx_s(c, 0, 1) + (rs + READ_RESP_HDR + segs * WIRE_HDR) * 8.0 / (double)c->link.rate_bps);
}

Test(path, a_lossless_read_takes_the_bottleneck_serialisation_plus_its_round_trips, .timeout = 0)
{
    /* 64 kbit/s: eight 61,440-byte responses queued take 61 s, past today's static
     * 60 s SMB timer, so smb.session_timeout is raised here (the dynamic timer of
     * KB 102067 is another part of issue 12). */
    static const char *const cases[][4] = {
        {"link.rate=64kbps", "link.delay=10ms", "file.size=3MiB", "smb.session_timeout=600s"},
        {"link.rate=1544kbps", "link.delay=25ms", "file.size=10MiB", "tcp.mss=1460"},
        {"link.rate=100Mbps", "link.delay=1ms", "file.size=100MiB", "tcp.mss=1460"},
        {"link.rate=1Gbps", "link.delay=250us", "file.size=1GiB", "tcp.mss=1460"}};
    for (size_t i = 0; i < 4; i++) {
        prm_config c = cfg_of("client.access.rate=" ACCESS, "client.access.delay=20us", "server.access.rate=" ACCESS,
                              "server.access.delay=20us", "client.tcp.window=4MiB", cases[i][0], cases[i][1],
                              cases[i][2], cases[i][3], NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1, "%s: %s", cases[i][0], out_failure_name(r.failure));
        /* Nothing is lost on the path. Below 2 Mbit/s today's TCP still
         * retransmits a few segments spuriously (a 300 ms RTO floor against
         * two full segments taking 385 ms at 64 kbit/s, and requests whose
         * ACK rides on data queued in the router): 0 retransmissions is
         * asserted where the TCP model gives it; the lead tightens the rest
         * once the SACK / F-RTO part of issue 12 is merged. */
        for (int h = 0; h < 2; h++)
            cr_expect_eq(pr.link[h].n_drops_queue + pr.link[h].n_drops_loss + pr.link[h].n_drops_outage, 0,
                         "%s: lossless path", cases[i][0]);
        if (c.link.rate_bps >= 100000000) cr_expect_eq(r.n_retransmits, 0, "%s: no retransmission", cases[i][0]);
        cr_log_info("%s: %.3f s, analytic %.3f s, %llu retransmissions", cases[i][0], r.duration_s,
                    read_wire_s(&c, (double)pr.mss_bytes) + 8 * prop_rtt_s(&c), (unsigned long long)r.n_retransmits);
        /* handshake, 5 set-up exchanges, CLOSE, FIN: 8 round trips (tests/models/test_tcp.c) */
        double want = read_wire_s(&c, (double)pr.mss_bytes) + 8 * prop_rtt_s(&c);
        expect_within(r.duration_s, want, 0.03, cases[i][0]);
        out_result_fini(&r);
    }
}

Test(path, a_window_limited_wan_copy_moves_one_window_per_round_trip, .timeout = 0)
{
    /* XP's 17,520-byte window over the MPLS and satellite presets: far below
     * their bandwidth-delay products, so the window sets the pace. */
    static const char *const cases[][3] = {{"path=mpls-10m", "copy.direction=read", "client.tcp.window=17520"},
                                           {"path=mpls-10m", "copy.direction=write", "server.os=xp"},
                                           {"path=satellite", "copy.direction=read", "client.tcp.window=17520"}};
    for (size_t i = 0; i < 3; i++) {
        prm_config c = cfg_of(cases[i][0], cases[i][1], cases[i][2], "file.size=20MiB", NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1);
        cr_expect_eq(r.n_retransmits, 0);
        int rcv = c.direction == PRM_COPY_READ ? PRM_CLIENT : PRM_SERVER, snd = 1 - rcv;
        double w = (double)pr.tcp[rcv].rcv_window_bytes, mss = (double)pr.mss_bytes;
        double hdr = c.direction == PRM_COPY_READ ? READ_RESP_HDR : WRITE_REQ_HDR;
        double stream = (double)c.file_size_bytes * (1 + hdr / (double)host_smb_read_size(&c));
        /* A window's first byte comes back acknowledged after the delays both
         * ways, its segment on the sender's access link, two segments on the
         * bottleneck (delayed ACK), one on the receiver's access link, and the
         * ACK on all three. */
        double seg = mss + WIRE_HDR;
        double cycle = prop_rtt_s(&c) + acc_tx_s(&c, snd, seg) + 2 * bn_tx_s(&c, seg, rcv == PRM_CLIENT) +
                       acc_tx_s(&c, rcv, seg) + acc_tx_s(&c, rcv, WIRE_HDR) + bn_tx_s(&c, WIRE_HDR, rcv != PRM_CLIENT) +
                       acc_tx_s(&c, snd, WIRE_HDR);
        double want = window_rounds_s(stream, w, mss, (double)c.tcp.init_cwnd_segments, cycle) + 8 * cycle;
        char what[160];
        snprintf(what, sizeof what, "%s %s %s", cases[i][0], cases[i][1], cases[i][2]);
        cr_log_info("%s: %.3f s, window model %.3f s; goodput %.0f B/s, window / RTT %.0f B/s", what, r.duration_s,
                    want, (double)r.bytes_done / r.duration_s, floor(w / mss) * mss / cycle);
        expect_within(r.duration_s, want, 0.03, what);
        /* and so the goodput is within 3 % of window / RTT */
        expect_within((double)r.bytes_done / r.duration_s,
                      floor(w / mss) * mss / cycle / (1 + hdr / (double)host_smb_read_size(&c)), 0.03, what);
        out_result_fini(&r);
    }
}

Test(path, a_drop_tail_router_never_holds_more_than_its_limits, .timeout = 0)
{
    /* Vista's auto-tuned window lets the XP server burst its 8 pipelined
     * responses (about 330 segments) into a T1 router. */
    static const char *const limits[][2] = {{"link.queue=20", "link.queue_bytes=0"},
                                            {"link.queue=1000", "link.queue_bytes=12000"},
                                            {"link.queue=10", "link.queue_bytes=30000"}};
    for (size_t i = 0; i < 3; i++) {
        prm_config c = cfg_of("path=branch-t1", "file.size=5MiB", limits[i][0], limits[i][1], NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1);
        const link_stats *st = &pr.link[PRM_SERVER];
        cr_expect_gt(st->n_drops_queue_bottleneck, 0, "%s %s: the router overflows", limits[i][0], limits[i][1]);
        cr_expect_leq(st->peak_queue_packets, (uint64_t)c.link.queue_packets, "%s: packets", limits[i][0]);
        if (c.link.queue_bytes) cr_expect_leq(st->peak_queue_bytes, c.link.queue_bytes, "%s: bytes", limits[i][1]);
        cr_expect_eq(pr.link[PRM_SERVER].n_drops_loss, 0);
        out_result_fini(&r);
    }
}

/* A read over 10 Mbit/s and DELAY one way with a router queue of QUEUE packets:
 * its goodput as a fraction of what the bottleneck allows, and P, the
 * bandwidth-delay product in data packets. */
static double read_utilisation(const char *delay, const char *queue, const char *size, double *pipe_out)
{
    prm_config c = cfg_of("path=mpls-10m", delay, queue, size, NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_eq(r.completed, 1, "%s %s: %s", delay, queue, out_failure_name(r.failure));
    double mss = (double)pr.mss_bytes, seg = mss + WIRE_HDR;
    double rtt = prop_rtt_s(&c) + bn_tx_s(&c, seg, 1) + acc_tx_s(&c, PRM_SERVER, seg) + acc_tx_s(&c, PRM_CLIENT, seg) +
                 bn_tx_s(&c, WIRE_HDR, 0) + acc_tx_s(&c, PRM_SERVER, WIRE_HDR) + acc_tx_s(&c, PRM_CLIENT, WIRE_HDR);
    *pipe_out = rtt / bn_tx_s(&c, seg, 1);
    double u = (double)r.bytes_done / r.duration_s / read_capacity(&c, mss);
    out_result_fini(&r);
    return u;
}

Test(path, a_buffer_of_at_least_the_bdp_keeps_the_bottleneck_above_90_percent_busy, .timeout = 0)
{
    double pipe;
    /* mpls-10m: P is about 33 packets; queues of 34, 64 and 200 packets. */
    static const char *const queues[] = {"link.queue=34", "link.queue=64", "link.queue=200"};
    for (size_t i = 0; i < 3; i++) {
        double u = read_utilisation("link.delay=20ms", queues[i], "file.size=100MiB", &pipe);
        cr_expect(pipe <= 34, "P = %.1f packets", pipe);
        cr_expect_gt(u, 0.90, "%s (P = %.1f): utilisation %.3f", queues[i], pipe, u);
        cr_log_info("%s: P = %.1f packets: utilisation %.3f", queues[i], pipe, u);
    }
}

/* Reno's sawtooth through a drop-tail buffer of B packets in front of a pipe
 * of P packets (B < P): the window W grows by a constant per round trip from
 * (P + B) / 2 to P + B, then halves. While W < P the link idles for part of
 * each round trip of the base RTT; while W >= P it is busy. Utilisation is
 * the packets sent in a cycle over what the link could have sent in its
 * duration:
 *   U = [ (P - W0)(P + W0) / 2 + B (2P + B) / 2 ] / [ (P - W0) P + B (2P + B) / 2 ],
 * W0 = (P + B) / 2; U = 3/4 at B = 0 and 1 at B = P. The queue limit counts
 * the packet being sent, so B = link.queue - 1. */
static double reno_sawtooth_utilisation(double pipe, double buffer)
{
    double w0 = (pipe + buffer) / 2, busy = buffer * (2 * pipe + buffer) / 2;
    return ((pipe - w0) * (pipe + w0) / 2 + busy) / ((pipe - w0) * pipe + busy);
}

Test(path, a_buffer_far_below_the_bdp_costs_what_the_reno_sawtooth_predicts, .timeout = 0)
{
    /* 10 Mbit/s, 50 ms one way: P is about 82 packets; buffers of 4, 10 and 20
     * packets, a 200 MiB read (about 25 sawtooth cycles). Within 8 %: slow
     * start, recovery and the burstiness of delayed ACKs are outside the model. */
    static const char *const queues[] = {"link.queue=5", "link.queue=11", "link.queue=21"};
    double prev = 0;
    for (size_t i = 0; i < 3; i++) {
        double pipe;
        double u = read_utilisation("link.delay=50ms", queues[i], "file.size=200MiB", &pipe);
        double b = atof(queues[i] + strlen("link.queue=")) - 1;
        cr_expect(b < pipe / 4, "a buffer far below the BDP");
        double want = reno_sawtooth_utilisation(pipe, b);
        expect_within(u, want, 0.08, queues[i]);
        cr_log_info("%s: P = %.1f packets, B = %.0f: utilisation %.3f, sawtooth %.3f", queues[i], pipe, b, u, want);
        cr_expect_gt(u, prev, "a larger buffer, more throughput");
        prev = u;
    }
}

Test(path, loss_on_the_ack_direction_only_leaves_data_retransmissions_near_zero, .timeout = 0)
{
    /* 2 % loss on the bottleneck, in one direction; router queues large enough
     * never to overflow, so every data retransmission comes from the loss. */
    static const char *const cases[][3] = {
        {"copy.direction=read", "link.loss.to_server=2%", "link.loss.to_client=2%"},
        {"copy.direction=write", "link.loss.to_client=2%", "link.loss.to_server=2%"}};
    for (size_t i = 0; i < 2; i++) {
        prm_config ack = cfg_of("path=mpls-10m", "link.queue=1000", "file.size=20MiB", cases[i][0], cases[i][1], NULL);
        prm_config data = cfg_of("path=mpls-10m", "link.queue=1000", "file.size=20MiB", cases[i][0], cases[i][2], NULL);
        scn_probe pa, pd;
        out_result ra = run_probe(&ack, 1, NULL, &pa), rd = run_probe(&data, 1, NULL, &pd);
        cr_expect(ra.completed && rd.completed);
        double segs = (double)ack.file_size_bytes / 1460;
        int snd = ack.direction == PRM_COPY_READ ? PRM_SERVER : PRM_CLIENT;
        cr_expect_gt(pa.link[1 - snd].n_drops_loss, 0, "%s: ACKs are lost", cases[i][1]);
        cr_expect_eq(pa.link[snd].n_drops_loss, 0, "%s: no data lost", cases[i][1]);
        /* The file's sender repeats nothing. The other host's own segments
         * (its SMB requests, or WRITE responses) do cross the lossy direction:
         * it retransmits those, never more often than they were lost. */
        cr_expect_leq((double)pa.tcp[snd].n_retransmits, 0.001 * segs,
                      "%s: %llu file-data retransmissions of %.0f segments", cases[i][1],
                      (unsigned long long)pa.tcp[snd].n_retransmits, segs);
        cr_expect_leq(pa.tcp[1 - snd].n_retransmits, pa.link[1 - snd].n_drops_loss,
                      "%s: the requests' retransmissions answer their losses", cases[i][1]);
        cr_expect_geq((double)rd.n_retransmits, 0.01 * segs, "%s: the same loss on the data direction repeats data",
                      cases[i][2]);
        cr_log_info("%s: %llu data retransmissions; %s: %llu, of %.0f segments", cases[i][1],
                    (unsigned long long)ra.n_retransmits, cases[i][2], (unsigned long long)rd.n_retransmits, segs);
        out_result_fini(&ra);
        out_result_fini(&rd);
    }
}

Test(path, every_path_preset_runs_with_the_kb977526_scenario, .timeout = 0)
{
    for (size_t i = 0; i < path_count; i++) {
        char path[64];
        snprintf(path, sizeof path, "path=%s", path_table[i].name);
        prm_config c = cfg_of("scenario=kb977526", path, "file.size=2MiB", "smb.session_timeout=600s", NULL);
        cr_expect_eq(c.host[PRM_CLIENT].cert, PRM_CERT_NONE, "the scenario's settings survive the path");
        cr_expect_eq(c.path, (int)i);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1, "%s: %s", path, out_failure_name(r.failure));
        out_result_fini(&r);
    }
}

/* ---- the path's keys through the registry ---- */

Test(path_keys, directed_keys_default_to_the_undirected_ones)
{
    prm_config c = cfg_of("link.loss=1%", NULL);
    cr_expect_eq(c.link.loss_to_server, -1, "unset");
    cr_expect_eq(c.link.rate_to_client_bps, 0, "unset");
    char err[512];
    cr_expect_eq(prm_set(&c, "link.loss.to_client", "0", err, sizeof err), 0);
    cr_expect_eq(c.link.loss_to_client, 0, "0 is a loss probability, not 'unset'");
    cr_expect_eq(prm_set(&c, "link.loss.to_server", "-2", err, sizeof err), PRM_ERANGE);
    cr_expect(strstr(err, "link.loss.to_server"), "%s", err);
    cr_expect_eq(prm_set(&c, "link.queue_bytes", "1000", err, sizeof err), 0);
    cr_expect_eq(prm_check(&c, err, sizeof err), PRM_ERANGE, "a byte limit below one full packet");
    cr_expect(strstr(err, "link.queue_bytes"), "%s", err);
}

Test(path_keys, a_path_preset_sets_every_path_key_and_keys_after_it_override)
{
    prm_config c = cfg_of("scenario=kb977526", "path=adsl-8-1", "link.delay=40ms", NULL);
    cr_expect_eq(c.link.rate_bps, 1000000);
    cr_expect_eq(c.link.rate_to_client_bps, 8000000);
    cr_expect_eq(c.link.access_rate_bps[PRM_CLIENT], 100000000);
    cr_expect_eq(c.link.delay_ns, 40000000, "the explicit key wins");
    cr_expect_eq(c.host[PRM_SERVER].ipsec_ikeflags, 0x14, "the scenario stays");
    prm_config back = cfg_of("path=satellite", "path=lan", NULL), def = cfg_of(NULL);
    cr_expect_eq(memcmp(&back.link, &def.link, sizeof back.link), 0, "path=lan restores the default path");
    char err[512];
    cr_expect_eq(prm_set(&c, "path", "dsl", err, sizeof err), PRM_ESCENARIO);
    cr_expect(strstr(err, "unknown path 'dsl'") && strstr(err, "branch-t1"), "%s", err);
    char why[256];
    cr_expect_eq(prm_has_effect(prm_find("link.queue"), &def, why, sizeof why), 0, "no router on the LAN");
    cr_expect_eq(prm_has_effect(prm_find("link.queue"), &c, why, sizeof why), 1);
}
