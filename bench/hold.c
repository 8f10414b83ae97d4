/*
 * The hold model: N events pending; each handler schedules exactly one new
 * event at now + Exp(mean 1 s) (drawn with gsl_ran_exponential on a sim_rng
 * stream, rounded to integer ns), so the population stays N; M handler runs
 * are timed. The same model runs through the kernel (pooled one-shot events,
 * sim_kernel_schedule_in) and through a bare 4-ary min-heap of 32-byte
 * entries (time, sequence, handler, argument; no cancellation) written here,
 * both fed the same increments from identically seeded streams.
 *
 * Both orders are (time, sequence), so both runs execute the same events in
 * the same order and must end on the same clock: the program checks this and
 * exits 1 if not, so a wrong queue cannot post a fast figure. Repetitions
 * alternate kernel and bare heap so drift in the machine hits both; the
 * median of the repetitions is reported.
 *
 * Output: one line per measurement, key=value pairs starting with impl= (see
 * bench/README.md), then one impl=ratio line per size (kernel events/s over
 * bare heap events/s) and the process's peak resident set.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include "sim/kernel.h"
#include "sim/rng.h"

#define DEFAULT_SIZES "1000,100000"
#define DEFAULT_EVENTS UINT64_C(4000000)
#define DEFAULT_REPS 5
#define DEFAULT_SEED UINT64_C(1)
#define MAX_SIZES 16
#define MAX_REPS 101
#define MEAN_INCREMENT_NS 1e9

/* One stream, one remaining-count: the handler state of either run. */
typedef struct hold_ctx {
    gsl_rng *rng;
    uint64_t n_left;
} hold_ctx;

static inline sim_time_ns draw_increment_ns(gsl_rng *rng)
{
    return (sim_time_ns)(gsl_ran_exponential(rng, MEAN_INCREMENT_NS) + 0.5);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the bare reference: a 4-ary min-heap of 32-byte entries ---- */

typedef struct bare_heap bare_heap;
typedef void (*bare_handler)(bare_heap *h, void *arg);

typedef struct bare_entry {
    int64_t at_ns;
    uint64_t seq;
    bare_handler fn;
    void *arg;
} bare_entry;

_Static_assert(sizeof(bare_entry) == 32, "the reference entry is 32 bytes");

struct bare_heap {
    bare_entry *a;
    size_t n, cap;
    int64_t now_ns;
    uint64_t next_seq;
    int stop;
};

static inline int bare_less(const bare_entry *x, const bare_entry *y)
{
    return x->at_ns < y->at_ns || (x->at_ns == y->at_ns && x->seq < y->seq);
}

static inline void bare_push(bare_heap *h, int64_t at_ns, bare_handler fn, void *arg)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 1024;
        bare_entry *a = realloc(h->a, cap * sizeof *a);
        if (!a) {
            fprintf(stderr, "hold: out of memory\n");
            exit(1);
        }
        h->a = a;
        h->cap = cap;
    }
    bare_entry e = {at_ns, h->next_seq++, fn, arg};
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!bare_less(&e, &h->a[p])) break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = e;
}

static inline bare_entry bare_pop(bare_heap *h)
{
    bare_entry top = h->a[0];
    bare_entry e = h->a[--h->n];
    size_t n = h->n, i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n) break;
        size_t best = c, end = c + 4 < n ? c + 4 : n;
        for (size_t j = c + 1; j < end; j++)
            if (bare_less(&h->a[j], &h->a[best])) best = j;
        if (!bare_less(&h->a[best], &e)) break;
        h->a[i] = h->a[best];
        i = best;
    }
    if (n) h->a[i] = e;
    return top;
}

static void bare_fire(bare_heap *h, void *arg)
{
    hold_ctx *c = arg;
    if (--c->n_left == 0) h->stop = 1;
    bare_push(h, h->now_ns + draw_increment_ns(c->rng), bare_fire, c);
}

static double bare_run(uint64_t run_seed, size_t n_pending, uint64_t n_events, int64_t *final_ns_out)
{
    bare_heap h = {0};
    h.next_seq = 1;
    hold_ctx c = {sim_rng_new(run_seed, "hold.increment"), n_events};
    if (!c.rng) {
        fprintf(stderr, "hold: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n_pending; i++) bare_push(&h, draw_increment_ns(c.rng), bare_fire, &c);
    double t0 = now_s();
    while (!h.stop && h.n) {
        bare_entry e = bare_pop(&h);
        h.now_ns = e.at_ns;
        e.fn(&h, e.arg);
    }
    double t1 = now_s();
    *final_ns_out = h.now_ns;
    free(h.a);
    sim_rng_free(c.rng);
    return t1 - t0;
}

/* ---- the kernel ---- */

static void kernel_fire(sim_kernel *k, void *arg)
{
    hold_ctx *c = arg;
    if (--c->n_left == 0) sim_kernel_stop(k);
    sim_kernel_schedule_in(k, draw_increment_ns(c->rng), kernel_fire, c);
}

static double kernel_run(uint64_t run_seed, size_t n_pending, uint64_t n_events, int64_t *final_ns_out)
{
    sim_kernel *k = sim_kernel_new();
    hold_ctx c = {sim_rng_new(run_seed, "hold.increment"), n_events};
    if (!k || !c.rng) {
        fprintf(stderr, "hold: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n_pending; i++) {
        sim_event ev = sim_kernel_schedule_in(k, draw_increment_ns(c.rng), kernel_fire, &c);
        if (!ev.node) {
            fprintf(stderr, "hold: out of memory\n");
            exit(1);
        }
    }
    double t0 = now_s();
    uint64_t ran = sim_kernel_run(k);
    double t1 = now_s();
    if (ran != n_events || sim_kernel_pending(k) != n_pending) {
        fprintf(stderr, "hold: kernel ran %" PRIu64 " events with %" PRIu64 " pending; wanted %" PRIu64 " and %zu\n",
                ran, sim_kernel_pending(k), n_events, n_pending);
        exit(1);
    }
    *final_ns_out = sim_kernel_now(k);
    sim_kernel_free(k);
    sim_rng_free(c.rng);
    return t1 - t0;
}

/* ---- driver ---- */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hold [-n N[,N...]] [-m EVENTS] [-r REPS] [-s SEED]\n"
            "The hold model (each event schedules one more at now + Exp(mean 1 s)) through\n"
            "the sim kernel and through a bare 4-ary heap of 32-byte entries, same increments.\n"
            "  -n LIST   pending-event populations, comma-separated (default " DEFAULT_SIZES ")\n"
            "  -m M      events timed per repetition (default %" PRIu64 ")\n"
            "  -r R      repetitions per size and implementation; the median is reported\n"
            "            (default %d, at most %d)\n"
            "  -s SEED   master seed of the increment stream (default %" PRIu64 ")\n"
            "Prints key=value lines starting with impl=; exits 1 if the two runs disagree.\n",
            DEFAULT_EVENTS, DEFAULT_REPS, MAX_REPS, DEFAULT_SEED);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0) return -1;
    *out = v;
    return 0;
}

static int parse_sizes(const char *s, size_t *sizes, int *n_out)
{
    char buf[256];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        uint64_t v;
        if (n == MAX_SIZES || parse_u64(tok, &v) != 0) return -1;
        sizes[n++] = (size_t)v;
    }
    if (!n) return -1;
    *n_out = n;
    return 0;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int measure(size_t n_pending, uint64_t n_events, int reps, uint64_t seed)
{
    double tk[MAX_REPS] = {0}, tb[MAX_REPS] = {0};
    for (int r = 0; r < reps; r++) {
        uint64_t run_seed = sim_rng_run_seed(seed, (uint32_t)r);
        int64_t end_k, end_b;
        tk[r] = kernel_run(run_seed, n_pending, n_events, &end_k);
        tb[r] = bare_run(run_seed, n_pending, n_events, &end_b);
        if (end_k != end_b) {
            fprintf(stderr, "hold: kernel ended at %" PRId64 " ns, bare heap at %" PRId64 " ns\n", end_k, end_b);
            return -1;
        }
    }
    double lo_k = tk[0], hi_k = tk[0], lo_b = tb[0], hi_b = tb[0];
    for (int r = 1; r < reps; r++) {
        lo_k = tk[r] < lo_k ? tk[r] : lo_k;
        hi_k = tk[r] > hi_k ? tk[r] : hi_k;
        lo_b = tb[r] < lo_b ? tb[r] : lo_b;
        hi_b = tb[r] > hi_b ? tb[r] : hi_b;
    }
    double mk = median(tk, reps), mb = median(tb, reps);
    printf("impl=sim-queue queue=%s pending=%zu events=%" PRIu64 " reps=%d seconds=%.4f"
           " seconds_min=%.4f seconds_max=%.4f events_per_s=%.0f ns_per_event=%.1f check=same_final_clock\n",
           sim_kernel_queue_name(), n_pending, n_events, reps, mk, lo_k, hi_k, (double)n_events / mk,
           mk * 1e9 / (double)n_events);
    printf("impl=bare-4ary-heap entry_bytes=%zu pending=%zu events=%" PRIu64 " reps=%d seconds=%.4f"
           " seconds_min=%.4f seconds_max=%.4f events_per_s=%.0f ns_per_event=%.1f\n",
           sizeof(bare_entry), n_pending, n_events, reps, mb, lo_b, hi_b, (double)n_events / mb,
           mb * 1e9 / (double)n_events);
    printf("impl=ratio name=kernel_vs_bare_%zu value=%.3f\n", n_pending, mb / mk);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    size_t sizes[MAX_SIZES];
    int n_sizes = 0;
    uint64_t n_events = DEFAULT_EVENTS, reps = DEFAULT_REPS, seed = DEFAULT_SEED;
    parse_sizes(DEFAULT_SIZES, sizes, &n_sizes);
    /* Options come in pairs (flag, value), --help alone. */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-n")) {
            bad = parse_sizes(v ? v : "", sizes, &n_sizes);
        } else if (!strcmp(a, "-m")) {
            bad = parse_u64(v, &n_events);
        } else if (!strcmp(a, "-r")) {
            bad = parse_u64(v, &reps) || reps > MAX_REPS;
        } else if (!strcmp(a, "-s")) {
            /* Seed 0 is a valid master seed. */
            bad = v && !strcmp(v, "0") ? (seed = 0, 0) : parse_u64(v, &seed);
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "hold: bad argument %s%s%s\n", a, v ? " " : "", v ? v : "");
            usage(stderr);
            return 2;
        }
    }
    printf("# hold model: Exp(mean 1 s) increments, kernel queue %s, median of %d\n", sim_kernel_queue_name(),
           (int)reps);
    for (int i = 0; i < n_sizes; i++)
        if (measure(sizes[i], n_events, (int)reps, seed) != 0) return 1;
    printf("impl=memory peak_rss_kib=%ld\n", peak_rss_kib());
    return 0;
}
