/*
 * Named random streams (sim/rng.c): reproducible from (master seed,
 * replication, name), independent of one another and of which other streams
 * exist, and pinned to the documented scheme by known answers.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/rng.h"
#include "tests/sim/leak_check.h"

#define N_DRAWS 10000

static double correlation(const double *x, const double *y, int n)
{
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static void draw(uint64_t run_seed, const char *name, double *out, int n)
{
    gsl_rng *r = sim_rng_new(run_seed, name);
    cr_assert_not_null(r);
    for (int i = 0; i < n; i++) out[i] = gsl_rng_uniform(r);
    sim_rng_free(r);
}

Test(sim_rng, the_same_seed_and_name_give_the_same_values)
{
    static double a[N_DRAWS], b[N_DRAWS];
    uint64_t run = sim_rng_run_seed(42, 3);
    cr_assert_eq(run, sim_rng_run_seed(42, 3));
    draw(run, "link.loss.ab", a, N_DRAWS);
    draw(run, "link.loss.ab", b, N_DRAWS);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    assert_no_leaks();
}

Test(sim_rng, different_names_give_uncorrelated_sequences)
{
    static double a[N_DRAWS], b[N_DRAWS];
    /* Names that differ in one character or only in order are the risky
     * ones for a weak hash. */
    const char *pairs[][2] = {
        {"link.loss.ab", "link.loss.ba"},
        {"a", "b"},
        {"ike.jitter.client", "ike.jitter.server"},
        {"x1", "x2"},
        {"stream", "stream."},
    };
    for (uint32_t rep = 0; rep < 3; rep++) {
        uint64_t run = sim_rng_run_seed(7, rep);
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
            draw(run, pairs[p][0], a, N_DRAWS);
            draw(run, pairs[p][1], b, N_DRAWS);
            cr_assert_neq(memcmp(a, b, sizeof a), 0, "%s and %s gave the same sequence", pairs[p][0], pairs[p][1]);
            double r = correlation(a, b, N_DRAWS);
            cr_assert_lt(fabs(r), 0.05, "%s vs %s: r = %f", pairs[p][0], pairs[p][1], r);
            /* Lagged by one draw too, to catch streams that are shifted copies. */
            r = correlation(a, b + 1, N_DRAWS - 1);
            cr_assert_lt(fabs(r), 0.05, "%s vs %s lagged: r = %f", pairs[p][0], pairs[p][1], r);
        }
    }
    assert_no_leaks();
}

Test(sim_rng, a_stream_is_unchanged_by_other_streams_being_created_and_used)
{
    static double alone[1000];
    draw(sim_rng_run_seed(1, 0), "tcp.a", alone, 1000);
    uint64_t run = sim_rng_run_seed(1, 0);
    gsl_rng *others[3] = {sim_rng_new(run, "x"), NULL, sim_rng_new(run, "y")};
    gsl_rng *a = sim_rng_new(run, "tcp.a");
    others[1] = sim_rng_new(run, "z");
    for (int i = 0; i < 1000; i++) {
        for (int j = 0; j < 3; j++) gsl_rng_uniform(others[j]);
        cr_assert_eq(gsl_rng_uniform(a), alone[i], "draw %d changed", i);
    }
    for (int j = 0; j < 3; j++) sim_rng_free(others[j]);
    sim_rng_free(a);
    sim_rng_free(NULL);
    assert_no_leaks();
}

Test(sim_rng, run_seeds_differ_by_replication_and_master_seed)
{
    enum { N = 20000 };
    static uint64_t seen[2 * N];
    int n = 0;
    for (uint64_t master = 1; master <= 2; master++)
        for (uint32_t rep = 0; rep < N; rep++) {
            uint64_t s = sim_rng_run_seed(master, rep);
            cr_assert_neq(s, 0);
            seen[n++] = s;
        }
    qsort(seen, (size_t)n, sizeof seen[0], cmp_u64);
    for (int i = 1; i < n; i++)
        cr_assert_neq(seen[i], seen[i - 1], "two runs share seed %llx", (unsigned long long)seen[i]);
}

Test(sim_rng, replications_see_different_values_on_the_same_stream)
{
    static double a[100], b[100];
    draw(sim_rng_run_seed(1, 0), "link.loss.ab", a, 100);
    draw(sim_rng_run_seed(1, 1), "link.loss.ab", b, 100);
    cr_assert_neq(memcmp(a, b, sizeof a), 0);
    assert_no_leaks();
}

Test(sim_rng, the_scheme_gives_its_documented_known_answers)
{
    /* These pin SIM_RNG_SCHEME: if this test has to change, the scheme's
     * name and version in rng.h must change with it, since stored results
     * record it. */
    cr_assert_str_eq(SIM_RNG_SCHEME, "splitmix64-fnv1a/mt19937 v1");
    uint64_t run = sim_rng_run_seed(1, 0);
    cr_assert_eq(run, UINT64_C(0xe9fd6049d65af21e));
    cr_assert_eq(sim_rng_run_seed(1, 1), UINT64_C(0xe06dd043328bd285));
    cr_assert_eq(sim_rng_stream_seed(run, "link.loss.ab"), UINT64_C(0xefd41f33caf694a3));
    gsl_rng *r = sim_rng_new(run, "link.loss.ab");
    cr_assert_eq(gsl_rng_get(r), 930336057UL);
    cr_assert_eq(gsl_rng_get(r), 3469167019UL);
    sim_rng_free(r);
    assert_no_leaks();
}

Test(sim_rng, streams_of_one_run_get_distinct_generator_seeds)
{
    /* mt19937 takes 32 bits of seed: check that a few hundred plausible
     * names in one run do not collide after the fold. */
    enum { N = 600 };
    static unsigned long folded[N];
    char name[64];
    uint64_t run = sim_rng_run_seed(5, 2);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "%s.%d.%s", i % 2 ? "host" : "link", i / 2, i % 3 ? "ab" : "ba");
        uint64_t s = sim_rng_stream_seed(run, name);
        folded[i] = (unsigned long)((s >> 32) ^ (s & 0xffffffffu));
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) cr_assert_neq(folded[i], folded[j], "streams %d and %d collide", i, j);
}
