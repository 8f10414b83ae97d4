/*
 * Fleet benchmark (issue 16): N clients each copying FILE bytes from the one
 * server through a shared bottleneck (scenario no-ipsec), timed on the wall
 * clock. Cases, each run in its own child process so that peak_rss_kib is
 * the case's own:
 *
 *   n1, n10, n100, n1000   fleet.clients = 1, 10, 100, 1,000, FILE each
 *   n100-large             N = 100 with LARGE bytes each: the same peak RSS
 *                          as n100 shows memory independent of file size
 *   n1-long                one client copying 1,000 x FILE: the same data
 *                          segments as n1000 on one connection, so that its
 *                          cost per segment is not dominated by start-up (n1
 *                          runs for about 2 ms of wall time)
 *   s1-long, s10, s100, s1000   series 2, "shared window": the same 16 MiB
 *                          of receive window shared by the clients (16 MiB /
 *                          N each; s1-long copies 1,000 x FILE), so that every
 *                          case has the same data in flight and differs only
 *                          in the number of flows. In series 1 every client
 *                          has 1 MiB and the server's NIC, which never drops,
 *                          holds N x 1 MiB: at N = 1,000 about 723,000
 *                          packets wait ~6 s, so that series also measures
 *                          DRAM misses on packets that went cold while they
 *                          waited, which a server with bounded send buffers
 *                          would not have
 *
 * The path, the same for every case (N = 1 included, so that every case has
 * the same topology and the same per-packet work): the server on a 1 Gbit/s,
 * 1 ms one-way bottleneck (link.rate, link.delay) into the branch router, and
 * each client on its own 1 Gbit/s, 50 us access link (client.access.rate,
 * client.access.delay). The access links run at the bottleneck's rate, so
 * the aggregate is 1 Gbit/s whatever N and the cases differ only in the
 * number of flows sharing it: makespan ~ N x FILE / 1 Gbit/s.
 *
 * The queue: link.queue=100000. The server has no access link, so the data
 * direction's one queue is the server's own NIC, which never drops
 * (host.nic_ring: its excess waits): at N = 1,000 it holds every client's
 * whole window, 723,501 packets (about 6 s at 1 Gbit/s); the branch
 * router's egress towards each client never fills (access rate = bottleneck
 * rate). link.queue limits the branch router's egress onto the bottleneck
 * towards the server, where the clients' SYNs, SMB set-ups, READ requests
 * (up to smb.client_outstanding=50 each) and ACKs merge: at N = 1,000 it
 * peaks at 2,768 packets, so the default 1,000 would drop SYNs and requests
 * at the start and put copies into retransmission timeouts of seconds, and
 * the case would measure loss recovery instead of the fleet's cost per
 * segment. 100,000 is twice the worst burst the clients could send at once
 * (1,000 x 50 requests) and costs nothing until used (rings grow by
 * doubling). No case drops a packet; n1000 still retransmits about 0.05 %
 * of its segments, timeouts while the server's backlog (the RTT) grows
 * faster than the RTO estimate [I]. Each case prints retransmits and
 * n_completed; the benchmark fails unless every copy completes.
 *
 * Settings for every case, as bench/tcp_bulk: tcp.mss=1448,
 * client.tcp.window=1MiB (series 1; 16 MiB / N in series 2), server.os=2003 (no session limit),
 * smb.client_outstanding=50. fleet.cert_share=-1 (every client as
 * client.cert). FILE defaults to 16 MiB, LARGE to 64 MiB; REPS (default 3)
 * repetitions per case, the median reported.
 *
 * Figures per case: seconds = the median wall time of the kernel run
 * (out_result.wall_s: building and freeing the N client pairs excluded;
 * total_seconds includes them); data_segments = the server's data segments:
 * N x client 1's (scn_probe reports the first pair's TCP counters), exact
 * for N = 1 and for lossless copies of the same file cut the same way,
 * corrected by the run's retransmits (the probe's first pair's retransmits
 * out, the run's total in); file_segments = N x ceil(FILE / mss) for
 * comparison (SMB headers make data_segments slightly larger);
 * us_per_segment = seconds / data_segments; peak_rss_kib = the largest of
 * the REPS children's; events_per_segment = kernel
 * events / data_segments; makespan_s; n_completed of n_copies.
 *
 * Ratios: fleet_cost_1000_over_1 = us_per_segment of n1000 over n1
 * (target <= 1.5); fleet_cost_1000_over_1_long, the same over n1-long;
 * fleet_cost_shared_window_1000_over_1_long and _100_over_1_long, s1000 and
 * s100 over s1-long (the same target);
 * events_per_segment_1000_over_1, the same in kernel
 * events (deterministic); rss_kib_per_client_100_to_1000 = peak RSS growth
 * per client between N = 100 and N = 1,000; rss_large_over_small_n100 =
 * peak RSS of n100-large over n100 (target 1 within a few per cent).
 *
 * Usage: fleet [FILE_BYTES [REPS [LARGE_BYTES]]]. Output: key=value lines
 * beginning with impl= (DESIGN.md), then impl=ratio lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench/measure.h"
#include "models/core/params.h"
#include "models/scenario_int.h"

#define DEFAULT_FILE_BYTES (16 * UINT64_C(1048576))
#define DEFAULT_LARGE_BYTES (64 * UINT64_C(1048576))
#define DEFAULT_REPS 3
#define MAX_REPS 21
#define MSS 1448

typedef struct fleet_run {
    double wall_s, total_s, makespan_s;
    uint64_t events, segments, retransmits, peak_pending, n_copies, n_completed, pkts_outstanding;
    long rss_kib;
} fleet_run;

static fleet_run run_fleet(uint32_t n_clients, uint64_t file_bytes, uint64_t window_bytes)
{
    prm_config c;
    char err[256], kv[64];
    prm_defaults(&c);
    const char *pairs[] = {"scenario=no-ipsec",        "tcp.mss=1448",
                           "server.os=2003",           "smb.client_outstanding=50",
                           "link.rate=1Gbps",          "link.delay=1ms",
                           "client.access.rate=1Gbps", "client.access.delay=50us",
                           "link.queue=100000",        NULL};
    for (const char **p = pairs; *p; p++)
        if (prm_set_pair(&c, *p, err, sizeof err) != 0) {
            fprintf(stderr, "fleet: %s\n", err);
            exit(2);
        }
    snprintf(kv, sizeof kv, "file.size=%" PRIu64, file_bytes);
    if (prm_set_pair(&c, kv, err, sizeof err) != 0) exit(2);
    snprintf(kv, sizeof kv, "client.tcp.window=%" PRIu64, window_bytes);
    if (prm_set_pair(&c, kv, err, sizeof err) != 0) exit(2);
    /* Set directly: every client as client.cert. */
    c.fleet.clients = n_clients;
    c.fleet.cert_share = -1;
    out_result r;
    scn_probe pr;
    double t0 = bench_now_s();
    int rc = scn__run_probe(&c, 1, NULL, 0, &r, &pr);
    if (rc != 0) {
        fprintf(stderr, "fleet: the run failed: %s\n", scn_strerror(rc));
        exit(1);
    }
    const tcp_stats *srv = &pr.tcp[PRM_SERVER];
    fleet_run f = {.wall_s = r.wall_s,
                   .total_s = bench_now_s() - t0,
                   .makespan_s = r.makespan_s,
                   .events = r.events,
                   .segments = n_clients * (srv->n_data_segs_sent - srv->n_retransmits) + r.n_retransmits,
                   .retransmits = r.n_retransmits,
                   .peak_pending = r.peak_pending,
                   .n_copies = r.n_copies,
                   .n_completed = r.n_completed,
                   .pkts_outstanding = pr.pkts_outstanding,
                   .rss_kib = bench_peak_rss_kib()};
    out_result_fini(&r);
    return f;
}

/* run_in_child's arguments. */
typedef struct fleet_args {
    uint32_t n_clients;
    uint64_t file_bytes, window_bytes;
} fleet_args;

static void fleet_in_child(void *ctx, void *out)
{
    const fleet_args *a = ctx;
    *(fleet_run *)out = run_fleet(a->n_clients, a->file_bytes, a->window_bytes);
}

/* Runs one fleet in a child process (own peak RSS) and reads its figures back. */
static fleet_run run_in_child(uint32_t n_clients, uint64_t file_bytes, uint64_t window_bytes)
{
    fleet_args a = {n_clients, file_bytes, window_bytes};
    fleet_run f = {0};
    fflush(stdout);
    if (bench_in_child(fleet_in_child, &a, &f, sizeof f) != 0) {
        fprintf(stderr, "fleet: the measurement process failed\n");
        exit(1);
    }
    return f;
}

typedef struct fleet_case {
    double us_per_segment, events_per_segment;
    long rss_kib;
} fleet_case;

/* Median-of-REPS figures of one case; prints its impl= line. */
static fleet_case measure(const char *name, uint32_t n_clients, uint64_t file_bytes, uint64_t window_bytes, int reps)
{
    double wall[MAX_REPS], total[MAX_REPS];
    fleet_run f = {0};
    long rss_max = 0;
    for (int i = 0; i < reps; i++) {
        f = run_in_child(n_clients, file_bytes, window_bytes);
        if (f.n_completed != n_clients || f.n_copies != n_clients) {
            fprintf(stderr, "fleet: case %s: %" PRIu64 " of %" PRIu64 " copies completed\n", name, f.n_completed,
                    f.n_copies);
            exit(1);
        }
        wall[i] = f.wall_s;
        total[i] = f.total_s;
        if (f.rss_kib > rss_max) rss_max = f.rss_kib;
    }
    qsort(wall, (size_t)reps, sizeof wall[0], bench_cmp_double);
    qsort(total, (size_t)reps, sizeof total[0], bench_cmp_double);
    double med = wall[reps / 2], us = med * 1e6 / (double)f.segments;
    uint64_t file_segs = n_clients * ((file_bytes + MSS - 1) / MSS);
    fleet_case fc = {us, (double)f.events / (double)f.segments, rss_max};
    printf("impl=rekeysim case=%s clients=%" PRIu32 " file_bytes=%" PRIu64 " client.tcp.window=%" PRIu64
           " link.rate=1Gbps link.delay=1ms client.access.rate=1Gbps client.access.delay=50us link.queue=100000"
           " mss=1448 reps=%d seconds=%.4f total_seconds=%.4f events=%" PRIu64 " data_segments=%" PRIu64
           " file_segments=%" PRIu64 " retransmits=%" PRIu64 " us_per_segment=%.4f events_per_segment=%.3f"
           " makespan_s=%.4f n_copies=%" PRIu64 " n_completed=%" PRIu64 " peak_pending=%" PRIu64
           " pkts_outstanding=%" PRIu64 " peak_rss_kib=%ld\n",
           name, n_clients, file_bytes, window_bytes, reps, med, total[reps / 2], f.events, f.segments, file_segs,
           f.retransmits, us, fc.events_per_segment, f.makespan_s, f.n_copies, f.n_completed, f.peak_pending,
           f.pkts_outstanding, rss_max);
    fflush(stdout);
    return fc;
}

int main(int argc, char **argv)
{
    uint64_t file_bytes = DEFAULT_FILE_BYTES, large_bytes = DEFAULT_LARGE_BYTES;
    int reps = DEFAULT_REPS;
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: fleet [FILE_BYTES [REPS [LARGE_BYTES]]]   (defaults 16777216, 3 and 67108864)\n");
        return 0;
    }
    if (argc > 1) file_bytes = strtoull(argv[1], NULL, 10);
    if (argc > 2) reps = atoi(argv[2]);
    if (argc > 3) large_bytes = strtoull(argv[3], NULL, 10);
    if (file_bytes < 1 || large_bytes < 1 || reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "fleet: FILE_BYTES and LARGE_BYTES must be positive and REPS 1..%d\n", MAX_REPS);
        return 2;
    }
    /* Series 1: every client with a 1 MiB window (the model's server NIC
     * keeps N x 1 MiB waiting: a stress of the packets' memory). */
    uint64_t w1 = 1048576;
    fleet_case n1 = measure("n1", 1, file_bytes, w1, reps);
    measure("n10", 10, file_bytes, w1, reps);
    fleet_case n100 = measure("n100", 100, file_bytes, w1, reps);
    fleet_case n1000 = measure("n1000", 1000, file_bytes, w1, reps);
    fleet_case n100l = measure("n100-large", 100, large_bytes, w1, reps);
    fleet_case n1l = measure("n1-long", 1, 1000 * file_bytes, w1, reps);
    /* Series 2: the same 16 MiB of windows shared by the N clients (16 MiB / N
     * each), so that every case has the same data in flight and differs only
     * in the number of flows. */
    uint64_t agg = 16777216;
    fleet_case s1l = measure("s1-long", 1, 1000 * file_bytes, agg, reps);
    measure("s10", 10, file_bytes, agg / 10, reps);
    fleet_case s100 = measure("s100", 100, file_bytes, agg / 100, reps);
    fleet_case s1000 = measure("s1000", 1000, file_bytes, agg / 1000, reps);
    printf("impl=ratio name=fleet_cost_1000_over_1 value=%.3f target=1.5\n", n1000.us_per_segment / n1.us_per_segment);
    printf("impl=ratio name=fleet_cost_1000_over_1_long value=%.3f target=1.5\n",
           n1000.us_per_segment / n1l.us_per_segment);
    printf("impl=ratio name=fleet_cost_shared_window_1000_over_1_long value=%.3f target=1.5\n",
           s1000.us_per_segment / s1l.us_per_segment);
    printf("impl=ratio name=fleet_cost_shared_window_100_over_1_long value=%.3f target=1.5\n",
           s100.us_per_segment / s1l.us_per_segment);
    printf("impl=ratio name=events_per_segment_1000_over_1 value=%.3f\n",
           n1000.events_per_segment / n1.events_per_segment);
    printf("impl=ratio name=rss_kib_per_client_100_to_1000 value=%.2f\n",
           (double)(n1000.rss_kib - n100.rss_kib) / 900.0);
    printf("impl=ratio name=rss_kib_per_client_shared_window_100_to_1000 value=%.2f\n",
           (double)(s1000.rss_kib - s100.rss_kib) / 900.0);
    printf("impl=ratio name=rss_large_over_small_n100 value=%.3f\n", (double)n100l.rss_kib / (double)n100.rss_kib);
    return 0;
}
