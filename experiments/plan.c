/*
 * The plan of a sweep: the spec's experiments as work. An experiment's
 * points are expanded by spec.c in canonical order (point index i from 0);
 * each point has replications r = 1..R, so a grid experiment is the runs
 * (i, r) in the order i * R + r - 1. The work is cut into units (a grid or
 * target point, or a search combination with its probes) and the units
 * into shards by the rule in runner.h: grid runs go round-robin over the
 * shards in that order, target points and search combinations whole.
 *
 * Invariants: every run of a spec is in exactly one shard; a unit lies in
 * one shard with every run its decisions read, so adaptive decisions never
 * need another shard's runs; every count here is arithmetic (a sweep of
 * 10^12 points is counted as fast as one of ten); the run seed depends only
 * on the experiment's master seed and the replication.
 */
#include <stdlib.h>
#include "experiments/runner_int.h"
#include "sim/rng.h"

unsigned exp__plan_shard_of(const exp_experiment *e, uint64_t index, uint32_t rep, unsigned shard_n)
{
    uint64_t k = e->kind == EXP_GRID ? index * e->replications + (rep - 1) : index;
    return (unsigned)(k % shard_n) + 1;
}

/* How many of 0 .. X-1 are = K - 1 modulo N. */
static uint64_t count_mod(uint64_t x, unsigned shard_k, unsigned shard_n)
{
    uint64_t k = shard_k - 1;
    return x > k ? (x - k + shard_n - 1) / shard_n : 0;
}

uint64_t exp__plan_n_units(const exp_experiment *e, unsigned shard_k, unsigned shard_n)
{
    return e->kind == EXP_GRID ? e->n_points : count_mod(e->n_points, shard_k, shard_n);
}

uint64_t exp__plan_unit_index(const exp_experiment *e, uint64_t j, unsigned shard_k, unsigned shard_n)
{
    return e->kind == EXP_GRID ? j : j * shard_n + (shard_k - 1);
}

uint64_t exp__plan_unit_runs(const exp_experiment *e, uint64_t index, unsigned shard_k, unsigned shard_n)
{
    if (e->kind == EXP_SEARCH) return (uint64_t)e->probes_per_combo * e->replications;
    if (e->kind == EXP_TARGET) return e->replications;
    uint64_t first = index * e->replications;
    return count_mod(first + e->replications, shard_k, shard_n) - count_mod(first, shard_k, shard_n);
}

uint64_t exp__plan_n_runs(const exp_experiment *e, unsigned shard_k, unsigned shard_n)
{
    if (e->kind == EXP_GRID) return count_mod(e->n_runs_min, shard_k, shard_n);
    return exp__plan_n_units(e, shard_k, shard_n) * exp__plan_unit_runs(e, 0, shard_k, shard_n);
}

int exp__plan_locate(const exp_experiment *e, int64_t offset, unsigned shard_k, unsigned shard_n, uint64_t *pos_out,
                     uint32_t *probe_out)
{
    int search = e->kind == EXP_SEARCH;
    uint64_t idx = search ? (uint64_t)offset / e->probes_per_combo : (uint64_t)offset;
    if (offset < 0 || idx >= e->n_points) return 0;
    uint64_t pos = idx;
    if (e->kind != EXP_GRID) {
        if (idx % shard_n != shard_k - 1) return 0;
        pos = idx / shard_n;
    }
    *pos_out = pos;
    *probe_out = search ? (uint32_t)((uint64_t)offset % e->probes_per_combo) : 0;
    return 1;
}

uint64_t exp__plan_run_seed(const exp_experiment *e, uint32_t rep) { return sim_rng_run_seed(e->seed, rep); }

/* ---- on the sweep ---- */

/* The run guard comes first and is arithmetic (n_runs_min, O(axes) per
 * experiment): checking every point of a 1000^4 grid before refusing it
 * took hours. Only a spec within the guard, or one the user confirmed with
 * --yes, has its points checked. */
int exp__plan_check(exp__sweep *s)
{
    uint64_t runs = 0;
    char msg[600];
    for (size_t i = 0; i < s->spec->n; i++) {
        const exp_experiment *e = &s->spec->exps[i];
        runs = runs + e->n_runs_min < runs ? UINT64_MAX : runs + e->n_runs_min;
    }
    if (runs > EXP_SWEEP_GUARD && !s->o->yes)
        return exp__fail(
            s, EXP_SWEEP_EINPUT,
            "%s asks for %llu runs or more, beyond the guard of %d; check the spec, or add --yes to run it",
            s->spec->path, (unsigned long long)runs, EXP_SWEEP_GUARD);
    for (size_t i = 0; i < s->spec->n; i++) {
        const exp_experiment *e = &s->spec->exps[i];
        prm_config cfg;
        for (uint64_t k = 0; k < e->n_points; k++) {
            int bad = e->kind == EXP_SEARCH
                          ? exp_point_config(e, k, e->axes[e->search_axis].values[0], &cfg, msg, sizeof msg) ||
                                exp_point_config(e, k, e->axes[e->search_axis].values[1], &cfg, msg, sizeof msg)
                          : exp_point_config(e, k, 0, &cfg, msg, sizeof msg);
            if (bad) return exp__fail(s, EXP_SWEEP_EINPUT, "%s: %s", s->spec->path, msg);
        }
    }
    return 0;
}

int exp__plan_units(exp__sweep *s)
{
    unsigned k = s->o->shard_k, n = s->o->shard_n;
    size_t total = 0;
    for (size_t i = 0; i < s->spec->n; i++) {
        size_t nu = (size_t)exp__plan_n_units(s->xps[i].e, k, n);
        s->xps[i].first_unit = total;
        s->xps[i].n_units = nu;
        total += nu;
    }
    s->units = calloc(total ? total : 1, sizeof *s->units);
    if (!s->units) return exp__fail(s, EXP_SWEEP_ERUNTIME, "%s", exp_strerror(EXP_ENOMEM));
    s->n_units = total;
    for (size_t i = 0; i < s->spec->n; i++) {
        const exp_experiment *e = s->xps[i].e;
        for (size_t j = 0; j < s->xps[i].n_units; j++) {
            exp__unit *u = &s->units[s->xps[i].first_unit + j];
            u->xp = (uint32_t)i;
            u->index = exp__plan_unit_index(e, j, k, n);
            u->est = (int64_t)exp__plan_unit_runs(e, u->index, k, n);
        }
        s->rep->n_total += exp__plan_n_runs(e, k, n);
    }
    return 0;
}

void exp__plan_count_present(exp__sweep *s)
{
    unsigned k = s->o->shard_k, n = s->o->shard_n;
    for (size_t i = 0; i < s->n_units; i++) {
        exp__unit *u = &s->units[i];
        const exp_experiment *e = s->xps[u->xp].e;
        if (!u->recs || e->kind == EXP_SEARCH) continue;
        for (uint32_t r = 1; r <= u->recs[0].cap && r <= e->replications; r++)
            if (u->recs[0].reps[r].present && exp__plan_shard_of(e, u->index, r, n) == k && u->est > 0)
                u->est--, s->rep->n_total--;
    }
}
