#ifndef EXPERIMENTS_SEARCH_H
#define EXPERIMENTS_SEARCH_H
/*
 * Decisions of adaptive sweeps on one point's runs 1..n: precision targets
 * (add replications until the 95 % interval is narrow enough) and the whole
 * threshold search (does a probe pass, i.e. is the outcome at or above the
 * threshold; where to probe next; when the bracket is found). Pure
 * functions of the runs: the runner stores what they decide.
 */
#include <stdint.h>
#include "experiments/spec.h"

enum { EXP_FAIL = 0, EXP_PASS = 1, EXP_UNDECIDED = -1 };

/* The statuses a finished search writes to thresholds.status (documented in
 * results/schema.sql); this is the one place they are spelled. */
#define EXP_SEARCH_BRACKETED "bracketed" /* one end passes and the other does not */
#define EXP_SEARCH_ALL_PASS "all_pass"   /* both ends of the range pass */
#define EXP_SEARCH_NONE_PASS "none_pass" /* neither end passes */

/* The stop reasons an adaptive point writes to points.stop_reason. */
#define EXP_STOP_PRECISION "precision"               /* target: the interval is narrow enough */
#define EXP_STOP_DECIDED "decided"                   /* search: the interval excludes the threshold */
#define EXP_STOP_MAX_REPLICATIONS "max_replications" /* either: decided by max_replications */

/* What a point's runs 1..n say about an outcome. */
typedef struct exp_rep {
    uint8_t present, in_flight, completed, interrupted;
    double duration_s;
    double n_interruptions;
} exp_rep;

typedef struct exp_estimate {
    uint32_t n;
    double value;  /* NAN when undefined (no completed run for a duration) */
    double lo, hi; /* 95 % interval; lo = hi = value when degenerate, NAN when undefined */
} exp_estimate;

/* Estimate of OUTCOME (exp_outcome) over REPS[1..n] (all present). */
exp_estimate exp_estimate_outcome(int outcome, const exp_rep *reps, uint32_t n);

/* Whether the 95 % interval of OUTCOME over REPS[1..n] has a half-width
 * ((hi - lo) / 2) of at most HALFWIDTH. An undefined interval is not. */
int exp_precision_met(int outcome, double halfwidth, const exp_rep *reps, uint32_t n);

/* EXP_PASS when the interval lies at or above VALUE, EXP_FAIL when wholly
 * below, else EXP_UNDECIDED; with FINAL the point estimate decides instead
 * of EXP_UNDECIDED (an undefined estimate fails). */
int exp_decide(int outcome, double value, const exp_rep *reps, uint32_t n, int final);

/* The geometric midpoint of A and B (rounded when INTEGRAL) into *x_out and
 * 1, or 0 when max/min <= 1 + PRECISION or no value lies strictly between. */
int exp_bisect(double a, double b, double precision, int integral, double *x_out);

/* ---- the threshold search of one combination ---- */

/* A caller-allocated value struct; zero it, then exp_search_begin. */
typedef struct exp_search {
    uint8_t stage;        /* range's first end, second end, bisecting */
    int pass_a;           /* the decision at bracket end a */
    uint32_t n_probes;    /* probes started */
    uint32_t n_undecided; /* probes decided by the point estimate */
    uint64_t n_runs;      /* runs of the decided probes */
    double a, b, x;       /* bracket ends and the probe in hand */
    /* Once exp_search_step returned EXP_SEARCH_DONE: */
    const char *status; /* EXP_SEARCH_BRACKETED, _ALL_PASS or _NONE_PASS */
    double lo, hi;      /* the final bracket, lo <= hi */
    double critical;    /* bracketed: the geometric mean of lo and hi; else NAN */
} exp_search;

enum { EXP_SEARCH_MORE = 0, EXP_SEARCH_PROBE = 1, EXP_SEARCH_DONE = 2 };

/* Starts the search of E (a search experiment): returns the first probe's
 * value, the searched range's first end. */
double exp_search_begin(exp_search *st, const exp_experiment *e);
/* The caller starts the probe at X (the value begin or step gave); returns
 * the probe's number, from 1 (at most e->probes_per_combo if the spec's
 * count is right). */
uint32_t exp_search_started(exp_search *st, double x);
/* The probe in hand has runs REPS[1..GOAL], all present. Returns
 * EXP_SEARCH_MORE when it is undecided below max_replications (add a
 * batch); else the probe is decided, *stop_out is its stop reason
 * (EXP_STOP_*), and the result is EXP_SEARCH_PROBE with the next probe's
 * value in *x_out, or EXP_SEARCH_DONE with status, lo, hi and critical set. */
int exp_search_step(exp_search *st, const exp_experiment *e, const exp_rep *reps, uint32_t goal, const char **stop_out,
                    double *x_out);

#endif
