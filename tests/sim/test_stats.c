/*
 * Statistics helpers (sim/stats.c) against tabulated quantiles, a two-pass
 * computation and worked examples, including the edges a results table hits
 * (no runs, all or none completed).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include "sim/rng.h"
#include "sim/stats.h"

#define NEAR(x, want, tol)                                                                                             \
    cr_assert(fabs((x) - (want)) <= (tol), "%s = %.6f, wanted %.6f", #x, (double)(x), (double)(want))

Test(sim_stats, t_quantiles_match_the_printed_table)
{
    /* Two-sided 95 %, i.e. t_0.975, from any printed t table (3 decimals). */
    NEAR(sim_t_quantile(0.95, 1), 12.706, 5e-4);
    NEAR(sim_t_quantile(0.95, 5), 2.571, 5e-4);
    NEAR(sim_t_quantile(0.95, 10), 2.228, 5e-4);
    NEAR(sim_t_quantile(0.95, 30), 2.042, 5e-4);
    NEAR(sim_t_quantile(0.99, 10), 3.169, 5e-4);
    NEAR(sim_t_quantile(0.90, 5), 2.015, 5e-4);
}

Test(sim_stats, welford_agrees_with_a_two_pass_computation)
{
    /* Values with a large mean and a small spread, where the one-pass
     * sum-of-squares formula loses every significant digit. */
    enum { N = 10000 };
    static double x[N];
    uint64_t state = 12345;
    for (int i = 0; i < N; i++) {
        state = state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        x[i] = 1e9 + (double)(state >> 11) / 9007199254740992.0;
    }
    sim_stat s;
    sim_stat_init(&s);
    for (int i = 0; i < N; i++) sim_stat_add(&s, x[i]);
    long double mean = 0, ss = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < N; i++) {
        mean += x[i];
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    mean /= N;
    for (int i = 0; i < N; i++) ss += (x[i] - mean) * (x[i] - mean);
    double var = (double)(ss / (N - 1));
    cr_assert_eq(s.n, N);
    NEAR(s.mean, (double)mean, 1e-6);
    cr_assert(fabs(sim_stat_variance(&s) - var) <= 1e-6 * var, "variance %.12g, two-pass %.12g", sim_stat_variance(&s),
              var);
    /* Uniform on [0, 1): the variance is near 1/12, a check on the check. */
    NEAR(var, 1.0 / 12, 0.005);
    cr_assert_eq(s.min, lo);
    cr_assert_eq(s.max, hi);
}

Test(sim_stats, empty_and_single_value_stats_have_zero_variance_and_no_interval)
{
    sim_stat s;
    sim_stat_init(&s);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(sim_stat_variance(&s), 0.0);
    double lo = -7, hi = -7;
    cr_assert_eq(sim_stat_t_interval(&s, 0.95, &lo, &hi), -1);
    sim_stat_add(&s, 3.5);
    cr_assert_eq(sim_stat_variance(&s), 0.0);
    cr_assert_eq(sim_stat_t_interval(&s, 0.95, &lo, &hi), -1);
    cr_assert_eq(lo, -7, "bounds must be left untouched");
    cr_assert_eq(hi, -7);
    cr_assert_eq(s.min, 3.5);
    cr_assert_eq(s.max, 3.5);
}

Test(sim_stats, t_interval_of_one_to_five_is_the_worked_example)
{
    /* mean 3, s^2 = 2.5, se = sqrt(2.5 / 5) = 0.70711, t_0.975,4 = 2.77645:
     * 3 -+ 1.96324. */
    sim_stat s;
    sim_stat_init(&s);
    for (int i = 1; i <= 5; i++) sim_stat_add(&s, i);
    NEAR(s.mean, 3.0, 1e-12);
    NEAR(sim_stat_variance(&s), 2.5, 1e-12);
    double lo, hi;
    cr_assert_eq(sim_stat_t_interval(&s, 0.95, &lo, &hi), 0);
    NEAR(lo, 1.03676, 1e-4);
    NEAR(hi, 4.96324, 1e-4);
}

Test(sim_stats, wilson_interval_of_8_of_10_is_the_worked_example)
{
    double lo, hi;
    sim_wilson_interval(8, 10, 0.95, &lo, &hi);
    NEAR(lo, 0.490, 5e-4);
    NEAR(hi, 0.943, 5e-4);
}

Test(sim_stats, wilson_interval_edges_are_exact)
{
    double lo, hi;
    sim_wilson_interval(0, 0, 0.95, &lo, &hi);
    cr_assert_eq(lo, 0.0);
    cr_assert_eq(hi, 1.0);
    /* k = 0 of 10: [0, z^2 / (n + z^2)] = [0, 0.2775]. */
    sim_wilson_interval(0, 10, 0.95, &lo, &hi);
    cr_assert_eq(lo, 0.0);
    NEAR(hi, 0.2775, 5e-4);
    /* k = n = 10: [n / (n + z^2), 1] = [0.7225, 1]. */
    sim_wilson_interval(10, 10, 0.95, &lo, &hi);
    NEAR(lo, 0.7225, 5e-4);
    cr_assert_eq(hi, 1.0);
    /* Symmetry: k of n and n - k of n mirror each other. */
    double lo2, hi2;
    sim_wilson_interval(3, 17, 0.95, &lo, &hi);
    sim_wilson_interval(14, 17, 0.95, &lo2, &hi2);
    NEAR(lo, 1 - hi2, 1e-12);
    NEAR(hi, 1 - lo2, 1e-12);
}

/* GSL's default handler aborts the process on any error. Once sim/ has been
 * used (here: a random stream), a GSL error must come back as a status: this
 * test's process would crash on the abort otherwise. */
Test(stats, a_gsl_error_after_sim_is_used_is_a_status_not_an_abort)
{
    gsl_rng *r = sim_rng_new(1, "test.stream");
    cr_assert_not_null(r);
    gsl_error("provoked by the test", __FILE__, __LINE__, GSL_EINVAL);
    double v = gsl_cdf_tdist_Pinv(0.975, -1.0); /* invalid df: GSL's domain error */
    cr_expect(isnan(v) || !isfinite(v) || v == v, "GSL returned instead of aborting");
    sim_rng_free(r);
}
