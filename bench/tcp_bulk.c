/*
 * TCP bulk-copy benchmark: the whole packet-level path (SMB READ_ANDX
 * pipeline, TCP with delayed ACKs, each host's IPsec layer with policy none, the link)
 * moving a large file without IPsec (scenario no-ipsec), timed on the wall
 * clock. Cases, each run in its own child process so that peak_rss_kib is the
 * measurement's own:
 *
 *   1g-1ms      FILE bytes over 1 Gbit/s, 1 ms one way
 *   100m-10ms   FILE bytes over 100 Mbit/s, 10 ms one way
 *   1g-1ms-ipsec, 100m-10ms-ipsec   the same with IPsec on (scenario
 *               kb977526-a-has-cert: hard SAs, ESP on every packet, quick-mode
 *               rekeys); ratio ipsec_over_plain_* (target <= 1.2)
 *   rss-small / rss-large   16 MiB and 1 GiB over 1 Gbit/s, 1 ms: the same
 *               peak RSS shows that memory does not depend on the file size
 *   wan-10m-40ms-loss1[-rfc3517]   100 MB over 10 Mbit/s, 40 ms one way, 1 %
 *               loss each way (issue 12): SACK loss recovery, XP/2003
 *               (newreno-sack) and Vista/2008 (RFC 3517, F-RTO) senders
 *   pcap_over_plain_1g   the 1g-1ms copy with a packet capture at the client
 *               (`run --pcap`, headers only, into a temporary file) over the
 *               same copy without, back-to-back pairs (issue 14: target <= 2)
 *
 * Settings for every case: tcp.mss=1448 (the ns-3 reference's segments),
 * client.tcp.window=1MiB (four bandwidth-delay products at both rates, so the
 * window never limits, and small enough that the 1,000-packet queue never
 * overflows), server.os=2003 and smb.client_outstanding=50 (the pipeline
 * never limits). FILE defaults to 1 GB (10^9 bytes); REPS (default 3)
 * repetitions per case, the median reported.
 *
 * In the same run a bare 4-ary min-heap of 32-byte entries (time, sequence,
 * handler, argument; no cancel) runs the hold model with 1,000 pending events
 * and Exp(1 s) increments; each case reports its cost per data segment in
 * those bare-heap events (heap_events_per_segment).
 *
 * Usage: tcp_bulk [FILE_BYTES [REPS]]. Output: key=value lines beginning with
 * impl= (DESIGN.md), then impl=ratio lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "bench/measure.h"
#include "models/core/params.h"
#include "models/scenario_int.h"
#include "models/link.h"
#include "results/capture.h"
#include "sim/rng.h"

#define DEFAULT_FILE_BYTES UINT64_C(1000000000)
#define DEFAULT_REPS 3
#define WAN_FILE_BYTES UINT64_C(100000000) /* issue 12: the lossy WAN case moves 100 MB */
#define MAX_REPS 21
#define HEAP_PENDING 1000
#define HEAP_EVENTS UINT64_C(10000000)
#define NS3_US_PER_SEGMENT_1G 17.0   /* DESIGN.md: ns-3 3.37, 1 GB, 1 Gbps / 1 ms */
#define NS3_US_PER_SEGMENT_100M 14.0 /* DESIGN.md: ns-3 3.37, 1 GB, 100 Mbps / 10 ms */

/* ---- the bare reference heap and its hold loop ---- */

typedef struct entry {
    int64_t at_ns;
    uint64_t seq;
    void (*fn)(void *heap, void *arg);
    void *arg;
} entry;
_Static_assert(sizeof(entry) == 32, "the reference entry is 32 bytes");

typedef struct heap {
    entry *a;
    size_t n;
    int64_t now_ns;
    uint64_t seq;
    gsl_rng *rng;
} heap;

static inline int before(const entry *x, const entry *y)
{
    return x->at_ns < y->at_ns || (x->at_ns == y->at_ns && x->seq < y->seq);
}

static void heap_push(heap *h, int64_t at_ns, void (*fn)(void *, void *), void *arg)
{
    entry e = {at_ns, h->seq++, fn, arg};
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!before(&e, &h->a[p])) break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = e;
}

static entry heap_pop(heap *h)
{
    entry top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 4 * i + 1, best = c;
        if (c >= h->n) break;
        for (size_t k = c + 1; k < c + 4 && k < h->n; k++)
            if (before(&h->a[k], &h->a[best])) best = k;
        if (!before(&h->a[best], &last)) break;
        h->a[i] = h->a[best];
        i = best;
    }
    if (h->n) h->a[i] = last;
    return top;
}

static void hold_handler(void *hp, void *arg)
{
    heap *h = hp;
    heap_push(h, h->now_ns + (int64_t)(gsl_ran_exponential(h->rng, 1e9) + 0.5), hold_handler, arg);
}

/* Runs the hold model; returns events per second. */
static double bare_heap_hold(uint64_t n_events)
{
    heap h = {.a = malloc((HEAP_PENDING + 1) * sizeof(entry)), .rng = sim_rng_new(1, "bench.hold")};
    if (!h.a || !h.rng) exit(1);
    for (size_t i = 0; i < HEAP_PENDING; i++)
        heap_push(&h, (int64_t)(gsl_ran_exponential(h.rng, 1e9) + 0.5), hold_handler, NULL);
    double t0 = bench_now_s();
    for (uint64_t i = 0; i < n_events; i++) {
        entry e = heap_pop(&h);
        h.now_ns = e.at_ns;
        e.fn(&h, e.arg);
    }
    double dt = bench_now_s() - t0;
    free(h.a);
    sim_rng_free(h.rng);
    return (double)n_events / dt;
}

/* ---- the copy ---- */

typedef struct bulk {
    double wall_s, sim_s, goodput_bps;
    uint64_t events, segments, retransmits, peak_pending;
    long rss_kib;
    int completed;
} bulk;

/* When set, run_copy also writes a packet capture there (headers only, at the
 * client), as `rekeysim run --pcap` does. */
static const char *capture_path;

/* EXTRA: further KEY=VALUE pairs (NULL-terminated), or NULL. */
static bulk run_copy(const char *scenario, uint64_t file_bytes, const char *rate, const char *delay,
                     const char *const *extra)
{
    prm_config c;
    char err[256], kv[64];
    prm_defaults(&c);
    const char *pairs[] = {
        scenario, "tcp.mss=1448", "client.tcp.window=1MiB", "server.os=2003", "smb.client_outstanding=50", rate, delay,
        NULL};
    for (const char **p = pairs; *p; p++)
        if (prm_set_pair(&c, *p, err, sizeof err) != 0) {
            fprintf(stderr, "tcp_bulk: %s\n", err);
            exit(2);
        }
    snprintf(kv, sizeof kv, "file.size=%" PRIu64, file_bytes);
    if (prm_set_pair(&c, kv, err, sizeof err) != 0) exit(2);
    for (const char *const *p = extra; p && *p; p++)
        if (prm_set_pair(&c, *p, err, sizeof err) != 0) {
            fprintf(stderr, "tcp_bulk: %s\n", err);
            exit(2);
        }
    out_result r;
    scn_probe pr;
    double t0 = bench_now_s();
    if (capture_path) {
        cap_capture *cap;
        if (cap_new(capture_path, &c, LINK_TAP_CLIENT, CAP_SNAPLEN_HEADERS, err, sizeof err, &cap) != 0) {
            fprintf(stderr, "tcp_bulk: %s\n", err);
            exit(1);
        }
        rec_sink sink = cap_sink(cap);
        scn_tap tap = {LINK_TAP_CLIENT, cap_tap(cap)};
        if (scn_run_tapped(&c, 1, &sink, 1, &tap, &r) != 0 || cap_close(cap, 0, err, sizeof err) != 0) exit(1);
        memset(&pr, 0, sizeof pr); /* a captured copy is compared by wall time only */
    } else if (scn__run_probe(&c, 1, NULL, 0, &r, &pr) != 0)
        exit(1);
    bulk b = {.wall_s = bench_now_s() - t0,
              .sim_s = r.duration_s,
              .events = r.events,
              .segments = pr.tcp[PRM_SERVER].n_data_segs_sent,
              .retransmits = r.n_retransmits,
              .peak_pending = r.peak_pending,
              .rss_kib = bench_peak_rss_kib(),
              .completed = r.completed};
    b.goodput_bps = r.duration_s > 0 ? (double)r.bytes_done * 8 / r.duration_s : 0;
    out_result_fini(&r);
    return b;
}

/* run_in_child's arguments. */
typedef struct copy_args {
    const char *scenario, *rate, *delay;
    uint64_t file_bytes;
    const char *const *extra;
} copy_args;

static void copy_in_child(void *ctx, void *out)
{
    const copy_args *a = ctx;
    *(bulk *)out = run_copy(a->scenario, a->file_bytes, a->rate, a->delay, a->extra);
}

/* Runs one copy in a child process (own peak RSS) and reads its figures back. */
static bulk run_in_child(const char *scenario, uint64_t file_bytes, const char *rate, const char *delay,
                         const char *const *extra)
{
    copy_args a = {scenario, rate, delay, file_bytes, extra};
    bulk b = {0};
    fflush(stdout);
    if (bench_in_child(copy_in_child, &a, &b, sizeof b) != 0) {
        fprintf(stderr, "tcp_bulk: the measurement process failed\n");
        exit(1);
    }
    return b;
}

/* Median-of-REPS figures of one case; prints its impl= line and returns us per segment. */
static double measure(const char *name, const char *scenario, uint64_t file_bytes, const char *rate, const char *delay,
                      const char *const *extra, int reps, double heap_ns_per_event)
{
    double wall[MAX_REPS];
    bulk b = {0};
    for (int i = 0; i < reps; i++) {
        b = run_in_child(scenario, file_bytes, rate, delay, extra);
        if (!b.completed) {
            fprintf(stderr, "tcp_bulk: case %s did not complete\n", name);
            exit(1);
        }
        wall[i] = b.wall_s;
    }
    qsort(wall, (size_t)reps, sizeof wall[0], bench_cmp_double);
    double med = wall[reps / 2], us = med * 1e6 / (double)b.segments;
    printf("impl=rekeysim case=%s file_bytes=%" PRIu64 " %s %s mss=1448 reps=%d seconds=%.4f events=%" PRIu64
           " data_segments=%" PRIu64 " retransmits=%" PRIu64 " us_per_segment=%.4f events_per_segment=%.3f"
           " heap_events_per_segment=%.2f sim_seconds=%.4f goodput_bps=%.0f peak_pending=%" PRIu64
           " peak_rss_kib=%ld\n",
           name, file_bytes, rate, delay, reps, med, b.events, b.segments, b.retransmits, us,
           (double)b.events / (double)b.segments, us * 1e3 / heap_ns_per_event, b.sim_s, b.goodput_bps, b.peak_pending,
           b.rss_kib);
    fflush(stdout);
    return us;
}

/* The per-segment cost of IPsec on over off, as the median of ratios of
 * back-to-back pairs, so that load from other processes, which changes over
 * seconds, hits both sides of each pair alike. */
static double paired_ratio(const char *name, const char *plain, const char *esp, uint64_t file_bytes, const char *rate,
                           const char *delay, int reps)
{
    double r[MAX_REPS];
    for (int i = 0; i < reps; i++) {
        bulk a = run_in_child(plain, file_bytes, rate, delay, NULL);
        bulk b = run_in_child(esp, file_bytes, rate, delay, NULL);
        if (!a.completed || !b.completed) {
            fprintf(stderr, "tcp_bulk: case %s did not complete\n", name);
            exit(1);
        }
        r[i] = (b.wall_s / (double)b.segments) / (a.wall_s / (double)a.segments);
    }
    qsort(r, (size_t)reps, sizeof r[0], bench_cmp_double);
    printf("impl=ratio name=%s value=%.3f pairs=%d min=%.3f max=%.3f\n", name, r[reps / 2], reps, r[0], r[reps - 1]);
    return r[reps / 2];
}

/* The per-segment cost of a capture: like paired_ratio, the same copy with
 * and without `--pcap` back to back (the same trajectory, so the same
 * segments: the ratio of wall times is the ratio per segment). */
static double paired_capture_ratio(const char *name, const char *scenario, uint64_t file_bytes, const char *rate,
                                   const char *delay, int reps)
{
    double r[MAX_REPS];
    char path[] = "/tmp/tcp_bulk_pcap_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) exit(1);
    close(fd);
    for (int i = 0; i < reps; i++) {
        bulk a = run_in_child(scenario, file_bytes, rate, delay, NULL);
        capture_path = path;
        bulk b = run_in_child(scenario, file_bytes, rate, delay, NULL);
        capture_path = NULL;
        if (!a.completed || !b.completed) {
            fprintf(stderr, "tcp_bulk: case %s did not complete\n", name);
            exit(1);
        }
        r[i] = b.wall_s / a.wall_s;
    }
    unlink(path);
    qsort(r, (size_t)reps, sizeof r[0], bench_cmp_double);
    printf("impl=ratio name=%s value=%.3f pairs=%d min=%.3f max=%.3f\n", name, r[reps / 2], reps, r[0], r[reps - 1]);
    return r[reps / 2];
}

int main(int argc, char **argv)
{
    uint64_t file_bytes = DEFAULT_FILE_BYTES;
    int reps = DEFAULT_REPS;
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: tcp_bulk [FILE_BYTES [REPS]]   (defaults 1000000000 and 3)\n");
        return 0;
    }
    if (argc > 1) file_bytes = strtoull(argv[1], NULL, 10);
    if (argc > 2) reps = atoi(argv[2]);
    if (file_bytes < 1 || reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "tcp_bulk: FILE_BYTES must be positive and REPS 1..%d\n", MAX_REPS);
        return 2;
    }
    double heap_eps = bare_heap_hold(HEAP_EVENTS);
    double heap_ns = 1e9 / heap_eps;
    printf("impl=bare-heap pending=%d events=%" PRIu64 " seconds=%.4f events_per_s=%.0f ns_per_event=%.2f\n",
           HEAP_PENDING, HEAP_EVENTS, (double)HEAP_EVENTS / heap_eps, heap_eps, heap_ns);
    const char *plain = "scenario=no-ipsec", *esp = "scenario=kb977526-a-has-cert";
    double us1 = measure("1g-1ms", plain, file_bytes, "link.rate=1Gbps", "link.delay=1ms", NULL, reps, heap_ns);
    double us2 = measure("100m-10ms", plain, file_bytes, "link.rate=100Mbps", "link.delay=10ms", NULL, reps, heap_ns);
    /* IPsec on: hard SAs, ESP on every packet, a quick-mode rekey every
     * ~92 MB; the target is at most 20 % above the plain per-segment cost. */
    double us3 = measure("1g-1ms-ipsec", esp, file_bytes, "link.rate=1Gbps", "link.delay=1ms", NULL, reps, heap_ns);
    double us4 =
        measure("100m-10ms-ipsec", esp, file_bytes, "link.rate=100Mbps", "link.delay=10ms", NULL, reps, heap_ns);
    /* Issue 12: a lossy WAN (1 % loss each way, 10 Mbit/s, 80 ms round trip,
     * 100 MB): SACK recovery at work, XP/2003's newreno-sack and Vista/2008's
     * RFC 3517 with F-RTO. */
    static const char *const wan_xp[] = {"link.loss=0.01", NULL};
    static const char *const wan_2008[] = {"link.loss=0.01", "server.os=2008", NULL};
    double us5 = measure("wan-10m-40ms-loss1", plain, WAN_FILE_BYTES, "link.rate=10Mbps", "link.delay=40ms", wan_xp,
                         reps, heap_ns);
    double us6 = measure("wan-10m-40ms-loss1-rfc3517", plain, WAN_FILE_BYTES, "link.rate=10Mbps", "link.delay=40ms",
                         wan_2008, reps, heap_ns);
    bulk small = run_in_child(plain, 16 * UINT64_C(1048576), "link.rate=1Gbps", "link.delay=1ms", NULL);
    bulk large = run_in_child(plain, UINT64_C(1073741824), "link.rate=1Gbps", "link.delay=1ms", NULL);
    printf("impl=rekeysim case=rss-small file_bytes=%d seconds=%.4f peak_rss_kib=%ld\n", 16 * 1048576, small.wall_s,
           small.rss_kib);
    printf("impl=rekeysim case=rss-large file_bytes=%d seconds=%.4f peak_rss_kib=%ld\n", 1073741824, large.wall_s,
           large.rss_kib);
    printf("impl=ratio name=us_per_segment_1g_vs_target_0.5 value=%.3f\n", us1 / 0.5);
    printf("impl=ratio name=us_per_segment_100m_vs_target_0.5 value=%.3f\n", us2 / 0.5);
    printf("impl=ratio name=speedup_vs_ns3_1g value=%.1f\n", NS3_US_PER_SEGMENT_1G / us1);
    printf("impl=ratio name=speedup_vs_ns3_100m value=%.1f\n", NS3_US_PER_SEGMENT_100M / us2);
    printf("impl=ratio name=us_per_segment_1g_vs_target_0.25 value=%.3f\n", us1 / 0.25);
    printf("impl=ratio name=us_per_segment_100m_vs_target_0.25 value=%.3f\n", us2 / 0.25);
    printf("impl=ratio name=wan_loss1_us_per_segment_in_heap_events value=%.2f\n", us5 * 1e3 / heap_ns);
    printf("impl=ratio name=wan_loss1_rfc3517_us_per_segment_in_heap_events value=%.2f\n", us6 * 1e3 / heap_ns);
    (void)us3;
    (void)us4;
    paired_ratio("ipsec_over_plain_1g", plain, esp, file_bytes, "link.rate=1Gbps", "link.delay=1ms", reps);
    paired_ratio("ipsec_over_plain_100m", plain, esp, file_bytes, "link.rate=100Mbps", "link.delay=10ms", reps);
    paired_capture_ratio("pcap_over_plain_1g", plain, file_bytes, "link.rate=1Gbps", "link.delay=1ms", reps);
    printf("impl=ratio name=rss_large_over_small value=%.3f\n", (double)large.rss_kib / (double)small.rss_kib);
    return 0;
}
