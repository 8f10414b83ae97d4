/*
 * Helpers shared by the whole-simulation suites: build a config from
 * KEY=VALUE pairs through the registry (as a user would), run it with the
 * internal probe, and read a trace back. Header-only, static functions.
 */
#ifndef TESTS_MODELS_SIM_HELPERS_H
#define TESTS_MODELS_SIM_HELPERS_H
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "models/core/params.h"
#include "models/scenario_int.h"

/* A config: defaults, then the NULL-terminated KEY=VALUE pairs. */
static inline prm_config cfg_of(const char *first, ...)
{
    prm_config c;
    char err[512];
    prm_defaults(&c);
    va_list ap;
    va_start(ap, first);
    for (const char *kv = first; kv; kv = va_arg(ap, const char *))
        cr_assert_eq(prm_set_pair(&c, kv, err, sizeof err), 0, "%s: %s", kv, err);
    va_end(ap);
    return c;
}

/* Sets one KEY=VALUE PAIR on C through the registry. */
static inline void cfg_set(prm_config *c, const char *pair)
{
    char err[512];
    cr_assert_eq(prm_set_pair(c, pair, err, sizeof err), 0, "%s: %s", pair, err);
}

/* Runs CFG with SEED; checks that no packet leaked; TRACE may be NULL. */
static inline out_result run_probe(const prm_config *c, uint64_t seed, FILE *trace, scn_probe *probe)
{
    out_result r;
    scn_probe pr;
    rec_sink text = {rec_sink_text, trace, 0};
    cr_assert_eq(scn__run_probe(c, seed, &text, trace ? 1 : 0, &r, &pr), 0, "scn_run failed");
    cr_expect_eq(pr.pkts_outstanding, 0, "packets leaked: %llu", (unsigned long long)pr.pkts_outstanding);
    if (probe) *probe = pr;
    return r;
}

/* Wire time in seconds of an IP packet of IP_BYTES (framing included, no fragments). */
static inline double tx_s(const prm_config *c, double ip_bytes)
{
    return (ip_bytes + (double)c->link.overhead_bytes) * 8.0 / (double)c->link.rate_bps;
}

/* Wire time in seconds of one message of LEN stream bytes sent alone in MSS segments. */
static inline double msg_tx_s(const prm_config *c, double len, double mss)
{
    double segs = ceil(len / mss);
    return tx_s(c, 0) * segs + (len + segs * 40.0) * 8.0 / (double)c->link.rate_bps;
}

/* Times (seconds) of the lines of the trace F (a readable stream, such as a
 * tmpfile) containing NEEDLE and, if not NULL, NEEDLE2; at most MAX. */
static inline int trace_times(FILE *f, double *out, int max, const char *needle, const char *needle2)
{
    char line[512];
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle) && (!needle2 || strstr(line, needle2)) && n < max) out[n++] = atof(line);
    return n;
}

static inline void expect_within(double got, double want, double rel, const char *what)
{
    cr_expect(fabs(got - want) <= rel * want, "%s: got %.6f, expected %.6f (within %.1f %%), ratio %.4f", what, got,
              want, rel * 100, got / want);
}

/* Seconds to move STREAM bytes through a window of W bytes when every round
 * trip takes CYCLE: a round model of slow start with delayed ACKs (the
 * congestion window starts at IW segments and grows by one segment per ACK,
 * one ACK per two segments) until the window limits. The sender only sends
 * whole segments into the window (silly-window avoidance), so W counts whole
 * segments. */
static inline double window_rounds_s(double stream, double w, double mss, double iw, double cycle)
{
    double cwnd = iw * mss, sent = 0, rounds = 0, wseg = floor(w / mss) * mss;
    while (sent < stream) {
        double round = cwnd < wseg ? cwnd : wseg;
        sent += round;
        cwnd += round / mss / 2 * mss;
        rounds++;
    }
    return rounds * cycle - (sent - stream) / wseg * cycle;
}

#endif
