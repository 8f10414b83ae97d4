/*
 * Decisions of adaptive sweeps: estimates and their intervals against
 * values worked out by hand, precision targets, pass/fail/undecided against
 * a threshold, and the log-scale bisection step.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "experiments/search.h"
#include "experiments/spec.h"

#define N_REPS 100

/* reps[1..n]: the first K completed with the given durations. */
static void fill(exp_rep *reps, uint32_t n, uint32_t k, const double *durations)
{
    memset(reps, 0, sizeof(exp_rep) * (n + 1));
    for (uint32_t r = 1; r <= n; r++) {
        reps[r].present = 1;
        reps[r].completed = r <= k;
        reps[r].duration_s = durations ? durations[r - 1] : 1.0;
        reps[r].n_interruptions = r % 2;
        reps[r].interrupted = r % 2;
    }
}

/* Wilson 95 % intervals (score-test inversion), k of n. The decimals were
 * computed once with Python 3 by a different route from the implementation's
 * closed form: z = statistics.NormalDist().inv_cdf(0.975), then each bound
 * found by bisection as the root of (k/n - p)^2 = z^2 p (1 - p) / n on its
 * side of k/n (0 and 1 exactly at k = 0 and k = n); rounded to 10 places. */
static const struct {
    uint32_t k, n;
    double lo, hi;
} wilson95[] = {
    {0, 4, 0.0000000000, 0.4898908365},   {2, 4, 0.1500389892, 0.8499610108},   {3, 4, 0.3006418426, 0.9544127392},
    {4, 4, 0.5101091635, 1.0000000000},   {7, 10, 0.3967781475, 0.8922087326},  {0, 100, 0.0000000000, 0.0369934982},
    {60, 64, 0.8500251491, 0.9754287986}, {64, 64, 0.9433759402, 1.0000000000},
};

Test(search, proportion_estimates_use_the_wilson_interval)
{
    exp_rep reps[N_REPS + 1];
    for (size_t i = 0; i < sizeof wilson95 / sizeof wilson95[0]; i++) {
        uint32_t k = wilson95[i].k, n = wilson95[i].n;
        fill(reps, n, k, NULL);
        exp_estimate e = exp_estimate_outcome(EXP_P_COMPLETE, reps, n);
        cr_expect(fabs(e.value - (double)k / n) < 1e-12, "%u/%u: value %.6f", k, n, e.value);
        cr_expect(fabs(e.lo - wilson95[i].lo) < 1e-4, "%u/%u: lo %.6f, expected %.6f", k, n, e.lo, wilson95[i].lo);
        cr_expect(fabs(e.hi - wilson95[i].hi) < 1e-4, "%u/%u: hi %.6f, expected %.6f", k, n, e.hi, wilson95[i].hi);
    }
    fill(reps, 4, 3, NULL);
    exp_estimate p = exp_estimate_outcome(EXP_P_INTERRUPTED, reps, 4);
    cr_expect_eq(p.value, 0.5);
    cr_expect(fabs(p.lo - 0.1500389892) < 1e-4 && fabs(p.hi - 0.8499610108) < 1e-4, "2/4 interrupted: %.6f..%.6f", p.lo,
              p.hi);
}

Test(search, mean_estimates_use_the_t_interval_over_completed_runs)
{
    exp_rep reps[N_REPS + 1];
    double d[] = {1, 2, 3, 100};
    fill(reps, 4, 3, d); /* the fourth run did not complete: its 100 s do not count */
    exp_estimate e = exp_estimate_outcome(EXP_DURATION_MEAN, reps, 4);
    /* mean 2, s = 1, t(0.975, 2) = 4.302652729911275, half = t / sqrt(3). */
    cr_expect_eq(e.value, 2.0);
    cr_expect(fabs(e.hi - e.lo - 2 * 4.302652729911275 / sqrt(3)) < 1e-9, "width %.12g", e.hi - e.lo);
    exp_estimate none = exp_estimate_outcome(EXP_DURATION_MEAN, reps, 0);
    cr_expect(isnan(none.value));
    fill(reps, 3, 0, d);
    cr_expect(isnan(exp_estimate_outcome(EXP_DURATION_MEAN, reps, 3).value), "no completed run: undefined");
}

Test(search, precision_is_met_only_when_the_interval_is_narrow_enough)
{
    exp_rep reps[N_REPS + 1];
    fill(reps, 4, 3, NULL);
    cr_expect_not(exp_precision_met(EXP_P_COMPLETE, 0.05, reps, 4));
    cr_expect(exp_precision_met(EXP_P_COMPLETE, 0.33, reps, 4));
    double d[] = {5, 5, 5};
    fill(reps, 3, 3, d);
    cr_expect(exp_precision_met(EXP_DURATION_MEAN, 0.01, reps, 3), "no variance: exact");
    fill(reps, 1, 1, d);
    cr_expect_not(exp_precision_met(EXP_DURATION_MEAN, 100, reps, 1), "one run has no interval");
}

Test(search, decisions_pass_fail_or_wait_for_more_runs)
{
    exp_rep reps[N_REPS + 1];
    fill(reps, 10, 0, NULL);
    cr_expect_eq(exp_decide(EXP_P_COMPLETE, 0.95, reps, 10, 0), EXP_FAIL, "0 of 10 is surely below 0.95");
    fill(reps, 10, 10, NULL);
    cr_expect_eq(exp_decide(EXP_P_COMPLETE, 0.95, reps, 10, 0), EXP_UNDECIDED, "10 of 10 cannot show 0.95 yet");
    cr_expect_eq(exp_decide(EXP_P_COMPLETE, 0.95, reps, 10, 1), EXP_PASS, "the point estimate decides at the end");
    fill(reps, 64, 64, NULL);
    /* Wilson lower bound of 64/64 is 0.9434 (table above) < 0.95. */
    cr_expect_eq(exp_decide(EXP_P_COMPLETE, 0.95, reps, 64, 0), EXP_UNDECIDED);
    cr_expect_eq(exp_decide(EXP_P_COMPLETE, 0.9, reps, 64, 0), EXP_PASS);
    fill(reps, 64, 60, NULL);
    cr_expect_eq(exp_decide(EXP_P_COMPLETE, 0.95, reps, 64, 1), EXP_FAIL, "60/64 = 0.9375 < 0.95");
    double d[] = {3, 3, 3};
    fill(reps, 3, 3, d);
    cr_expect_eq(exp_decide(EXP_DURATION_MEAN, 2.5, reps, 3, 0), EXP_PASS);
    cr_expect_eq(exp_decide(EXP_DURATION_MEAN, 3.5, reps, 3, 0), EXP_FAIL);
    fill(reps, 3, 0, d);
    cr_expect_eq(exp_decide(EXP_DURATION_MEAN, 1, reps, 3, 1), EXP_FAIL, "an undefined estimate fails");
}

Test(search, bisection_takes_the_geometric_midpoint_until_the_bracket_is_narrow)
{
    double x = 0;
    cr_assert(exp_bisect(1e6, 4e6, 0.05, 1, &x));
    cr_expect_eq(x, 2e6);
    cr_assert(exp_bisect(4e6, 1e6, 0.05, 1, &x), "either order");
    cr_expect_eq(x, 2e6);
    cr_expect_not(exp_bisect(1e6, 1.04e6, 0.05, 1, &x), "4 %% apart is within 5 %%");
    cr_expect_not(exp_bisect(10, 11, 0.01, 1, &x), "no whole number strictly between");
    cr_assert(exp_bisect(10, 11, 0.01, 0, &x));
    cr_expect(fabs(x - sqrt(110)) < 1e-12);
}
