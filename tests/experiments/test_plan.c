/*
 * experiments/plan.c: the expansion order of a spec's points, run counts
 * computed by arithmetic (checked against enumerating every run), and the
 * shard rule (every run in exactly one shard, whole units per shard for
 * adaptive experiments).
 */
#include <criterion/criterion.h>
#include <string.h>
#include "experiments/runner_int.h"
#include "models/core/params.h"

static exp_spec *parse(const char *text)
{
    exp_spec *s = NULL;
    char err[512];
    int rc = exp_spec_new_text("t.ini", text, err, sizeof err, &s);
    cr_assert_eq(rc, 0, "spec refused: %s", err);
    return s;
}

static double value_of(const prm_config *cfg, const char *key) { return prm_load(prm_find(key), cfg); }

Test(exp_plan, points_follow_key_order_with_the_last_key_varying_fastest)
{
    exp_spec *s = parse("[experiment g]\nlink.rate = 10Mbps, 100Mbps\nfile.size = 1MiB, 2MiB, 4MiB\n");
    const exp_experiment *e = &s->exps[0];
    cr_assert_eq(e->n_points, 6);
    static const double rates[] = {1e7, 1e7, 1e7, 1e8, 1e8, 1e8};
    static const double sizes[] = {1 << 20, 2 << 20, 4 << 20, 1 << 20, 2 << 20, 4 << 20};
    for (uint64_t k = 0; k < 6; k++) {
        prm_config cfg;
        char err[256];
        cr_assert_eq(exp_point_config(e, k, 0, &cfg, err, sizeof err), 0, "%s", err);
        cr_expect_eq(value_of(&cfg, "link.rate"), rates[k], "point %llu: link.rate", (unsigned long long)k);
        cr_expect_eq(value_of(&cfg, "file.size"), sizes[k], "point %llu: file.size", (unsigned long long)k);
    }
    exp_spec_free(s);
}

Test(exp_plan, a_billion_points_are_counted_without_enumerating_them)
{
    exp_spec *s = parse("[experiment big]\nfile.size = 1MiB..1GiB log 1000\nlink.rate = 1Mbps..1Gbps log 1000\n"
                        "link.loss = 0..0.02 lin 1000\nreplications = 7\n");
    const exp_experiment *e = &s->exps[0];
    cr_expect_eq(e->n_points, 1000000000ull);
    cr_expect_eq(exp__plan_n_runs(e, 1, 1), 7000000000ull);
    /* Runs 0 .. 7e9-1 in order, round robin: shard 3 of 4 has those = 2 mod 4. */
    cr_expect_eq(exp__plan_n_runs(e, 3, 4), 1750000000ull);
    cr_expect_eq(exp__plan_n_units(e, 3, 4), 1000000000ull, "grid: every point has runs in every shard");
    exp_spec_free(s);
}

/* Enumerates every run of E over N shards and checks the plan's counts,
 * units and point locations against it. */
static void check_shards(const exp_experiment *e, unsigned n)
{
    uint64_t per_shard[16] = {0};
    uint64_t per_index_runs = e->kind == EXP_SEARCH ? (uint64_t)e->probes_per_combo * e->replications : e->replications;
    for (uint64_t i = 0; i < e->n_points; i++)
        for (uint32_t r = 1; r <= e->replications; r++) {
            unsigned k = exp__plan_shard_of(e, i, r, n);
            cr_assert(k >= 1 && k <= n, "run (%llu, %u) in shard %u of %u", (unsigned long long)i, r, k, n);
            per_shard[k] += e->kind == EXP_SEARCH ? e->probes_per_combo : 1;
            if (e->kind != EXP_GRID)
                cr_assert_eq(k, exp__plan_shard_of(e, i, 1, n), "an adaptive unit is split across shards");
        }
    uint64_t total = 0, units = 0;
    for (unsigned k = 1; k <= n; k++) {
        uint64_t sum = 0;
        for (uint64_t j = 0; j < exp__plan_n_units(e, k, n); j++) {
            uint64_t idx = exp__plan_unit_index(e, j, k, n);
            cr_assert_lt(idx, e->n_points);
            if (e->kind != EXP_GRID) cr_assert_eq(exp__plan_shard_of(e, idx, 1, n), k);
            sum += exp__plan_unit_runs(e, idx, k, n);
        }
        cr_expect_eq(sum, per_shard[k], "%s, shard %u/%u: units' runs %llu, enumerated %llu", e->name, k, n,
                     (unsigned long long)sum, (unsigned long long)per_shard[k]);
        cr_expect_eq(exp__plan_n_runs(e, k, n), per_shard[k], "%s, shard %u/%u: run count", e->name, k, n);
        total += per_shard[k];
        units += exp__plan_n_units(e, k, n);
    }
    cr_expect_eq(total, e->n_points * per_index_runs, "%s over %u shards: every run exactly once", e->name, n);
    if (e->kind != EXP_GRID) cr_expect_eq(units, e->n_points, "%s over %u shards: every unit exactly once", e->name, n);
    /* Every point id of the block is found in exactly one shard's unit. */
    uint32_t per_index_points = e->kind == EXP_SEARCH ? e->probes_per_combo : 1;
    for (int64_t off = 0; off < (int64_t)(e->n_points * per_index_points); off++) {
        int found = 0;
        for (unsigned k = 1; k <= n; k++) {
            uint64_t pos;
            uint32_t probe;
            if (!exp__plan_locate(e, off, k, n, &pos, &probe)) continue;
            if (e->kind != EXP_GRID)
                found++;
            else
                found = 1;
            cr_expect_eq(exp__plan_unit_index(e, pos, k, n) * per_index_points + probe, (uint64_t)off);
        }
        cr_expect_eq(found, 1, "%s: point offset %lld located in %d shards of %u", e->name, (long long)off, found, n);
    }
    cr_expect_not(exp__plan_locate(e, -1, 1, n, &(uint64_t){0}, &(uint32_t){0}));
    cr_expect_not(exp__plan_locate(e, (int64_t)(e->n_points * per_index_points), 1, n, &(uint64_t){0}, &(uint32_t){0}));
}

Test(exp_plan, every_run_is_in_exactly_one_shard)
{
    exp_spec *s = parse("[experiment grid]\nlink.rate = 10Mbps, 100Mbps\nfile.size = 64KiB..2MiB log 5\n"
                        "replications = 3\n"
                        "[experiment target]\nfile.size = 1MiB, 2MiB, 3MiB, 4MiB, 5MiB\n"
                        "target = p_complete +-0.1\nreplications = 4\n"
                        "[experiment search]\nscenario = kb977526\nlink.rate = 10Mbps, 100Mbps, 1Gbps\n"
                        "file.size = 64KiB..8MiB\nsearch = file.size for p_complete = 0.5\nreplications = 2\n");
    cr_assert_eq(s->n, 3);
    for (size_t x = 0; x < s->n; x++)
        for (unsigned n = 1; n <= 7; n++) check_shards(&s->exps[x], n);
    exp_spec_free(s);
}

Test(exp_plan, run_seeds_depend_on_the_replication_only)
{
    exp_spec *s = parse("[experiment a]\nseed = 5\nfile.size = 1MiB, 2MiB\n[experiment b]\nseed = 6\n");
    cr_expect_eq(exp__plan_run_seed(&s->exps[0], 3), exp__plan_run_seed(&s->exps[0], 3));
    cr_expect_neq(exp__plan_run_seed(&s->exps[0], 3), exp__plan_run_seed(&s->exps[0], 4));
    cr_expect_neq(exp__plan_run_seed(&s->exps[0], 3), exp__plan_run_seed(&s->exps[1], 3), "another master seed");
    exp_spec_free(s);
}

Test(exp_plan, a_grid_past_the_guard_is_refused_before_any_point_is_checked, .timeout = 20)
{
    /* 1000^4 points: checking each one first took hours. */
    exp_spec *spec = parse("[experiment huge]\nfile.size = 1MiB..1GiB log 1000\nlink.rate = 1Mbps..1Gbps log 1000\n"
                           "link.loss = 0..0.02 lin 1000\nlink.delay = 1ms..1s log 1000\n");
    exp_sweep_options o;
    memset(&o, 0, sizeof o);
    exp__sweep s;
    memset(&s, 0, sizeof s);
    char err[600] = "";
    s.o = &o;
    s.spec = spec;
    s.err = err;
    s.errlen = sizeof err;
    cr_expect_eq(exp__plan_check(&s), EXP_SWEEP_EINPUT);
    cr_expect(strstr(err, "1000000000000 runs") && strstr(err, "--yes"), "%s", err);
    exp_spec_free(spec);
}
