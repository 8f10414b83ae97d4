/*
 * Decisions on a point's runs: the estimate of an outcome with its 95 %
 * interval (Wilson for proportions, Student t for means), whether a
 * precision target is met, whether a point passes a threshold, and the next
 * probe of a threshold search (bisection on a log scale).
 *
 * Every function here is pure: its answer depends only on the runs
 * 1..n of one point, never on the order they arrived in, which is what
 * makes adaptive sweeps identical whatever --jobs, sharding or resuming.
 *
 * The search brackets a critical value with probes at the range's ends and
 * then at geometric midpoints; a probe first gets one batch of replications
 * and another batch while its interval still contains the threshold, up to
 * max_replications, after which the point estimate decides (counted as
 * undecided). Rejected: stochastic approximation (Robbins-Monro) and
 * probit fits, which need many more runs and a noise model to give the same
 * bracket; bisection's answer is a bracket anyone can check in points.
 *
 * The search's state (exp_search) lives in the caller's unit; the caller
 * makes and stores each probe's runs and the final threshold, this file
 * decides everything else, so the bisection can be tested without runs.
 */
#include <math.h>
#include <string.h>
#include "experiments/search.h"
#include "experiments/spec.h"
#include "sim/stats.h"

/* The stages of exp_search: probing the range's first end, its second end,
 * then the bisection between the ends that decide differently. */
enum { S_LO = 0, S_HI, S_BISECT };

exp_estimate exp_estimate_outcome(int outcome, const exp_rep *reps, uint32_t n)
{
    exp_estimate e = {n, NAN, NAN, NAN};
    if (n == 0) return e;
    if (exp_outcome_is_proportion(outcome)) {
        uint64_t k = 0;
        for (uint32_t r = 1; r <= n; r++) k += outcome == EXP_P_COMPLETE ? reps[r].completed : reps[r].interrupted;
        e.value = (double)k / n;
        sim_wilson_interval(k, n, 0.95, &e.lo, &e.hi);
        return e;
    }
    sim_stat st;
    sim_stat_init(&st);
    for (uint32_t r = 1; r <= n; r++) {
        if (outcome == EXP_DURATION_MEAN) {
            if (reps[r].completed && !isnan(reps[r].duration_s)) sim_stat_add(&st, reps[r].duration_s);
        } else {
            sim_stat_add(&st, reps[r].n_interruptions);
        }
    }
    if (st.n == 0) return e;
    e.value = st.mean;
    if (sim_stat_t_interval(&st, 0.95, &e.lo, &e.hi) != 0) e.lo = e.hi = NAN;
    return e;
}

int exp_precision_met(int outcome, double halfwidth, const exp_rep *reps, uint32_t n)
{
    exp_estimate e = exp_estimate_outcome(outcome, reps, n);
    if (isnan(e.lo) || isnan(e.hi)) return 0;
    return (e.hi - e.lo) / 2 <= halfwidth;
}

int exp_decide(int outcome, double value, const exp_rep *reps, uint32_t n, int final)
{
    exp_estimate e = exp_estimate_outcome(outcome, reps, n);
    if (!isnan(e.lo) && !isnan(e.hi)) {
        if (e.lo >= value) return EXP_PASS;
        if (e.hi < value) return EXP_FAIL;
    }
    if (!final) return EXP_UNDECIDED;
    return !isnan(e.value) && e.value >= value ? EXP_PASS : EXP_FAIL;
}

int exp_bisect(double a, double b, double precision, int integral, double *x_out)
{
    double lo = a < b ? a : b, hi = a < b ? b : a;
    if (hi / lo <= 1 + precision) return 0;
    double x = sqrt(lo) * sqrt(hi);
    if (integral) x = round(x);
    if (!(x > lo && x < hi)) return 0;
    *x_out = x;
    return 1;
}

double exp_search_begin(exp_search *st, const exp_experiment *e)
{
    st->stage = S_LO;
    return e->axes[e->search_axis].values[0];
}

uint32_t exp_search_started(exp_search *st, double x)
{
    st->x = x;
    return ++st->n_probes;
}

static int finish(exp_search *st, const char *status, double lo, double hi)
{
    st->status = status;
    st->lo = lo;
    st->hi = hi;
    st->critical = !strcmp(status, EXP_SEARCH_BRACKETED) ? sqrt(lo) * sqrt(hi) : NAN;
    return EXP_SEARCH_DONE;
}

/* The probe in hand is decided (D): the next probe, or the end. */
static int next_probe(exp_search *st, const exp_experiment *e, int d, double *x_out)
{
    const exp_axis *ax = &e->axes[e->search_axis];
    int integral = ax->param->type != PRM_REAL && ax->param->type != PRM_PROB;
    if (st->stage == S_LO) {
        st->pass_a = d;
        st->a = ax->values[0];
        st->stage = S_HI;
        *x_out = ax->values[1];
        return EXP_SEARCH_PROBE;
    }
    if (st->stage == S_HI) {
        st->b = ax->values[1];
        if (d == st->pass_a)
            return finish(st, d == EXP_PASS ? EXP_SEARCH_ALL_PASS : EXP_SEARCH_NONE_PASS, st->a, st->b);
        st->stage = S_BISECT;
    } else if (d == st->pass_a) {
        st->a = st->x;
    } else {
        st->b = st->x;
    }
    if (st->n_probes < e->probes_per_combo && exp_bisect(st->a, st->b, e->precision, integral, x_out))
        return EXP_SEARCH_PROBE;
    return finish(st, EXP_SEARCH_BRACKETED, fmin(st->a, st->b), fmax(st->a, st->b));
}

int exp_search_step(exp_search *st, const exp_experiment *e, const exp_rep *reps, uint32_t goal, const char **stop_out,
                    double *x_out)
{
    int final = goal >= e->max_replications;
    int d = exp_decide(e->outcome, e->search_value, reps, goal, final);
    if (d == EXP_UNDECIDED) return EXP_SEARCH_MORE;
    int undecided = exp_decide(e->outcome, e->search_value, reps, goal, 0) == EXP_UNDECIDED;
    st->n_undecided += (uint32_t)undecided;
    st->n_runs += goal;
    *stop_out = undecided ? EXP_STOP_MAX_REPLICATIONS : EXP_STOP_DECIDED;
    return next_probe(st, e, d, x_out);
}
