/*
 * `rekeysim status --db FILE`: what a results database holds, for people:
 * its provenance, each experiment's runs done and planned, and the
 * thresholds found by searches (the combination's other axes and the
 * bracket formatted in the searched key's units, from the experiment's own
 * spec section parsed again).
 */
#include <stdio.h>
#include <string.h>
#include "experiments/commands.h"
#include "experiments/opts.h"
#include "experiments/spec.h"
#include "models/core/params.h"
#include "results/store.h"

typedef struct status_ctx {
    const exp_experiment *spec; /* the experiment's own spec section, parsed again */
} status_ctx;

static int print_threshold(void *ctx, const res_threshold *t, const prm_config *cfg)
{
    status_ctx *sc = ctx;
    const prm_entry *p = prm_find(t->param);
    char combo[512] = "", lo[64] = "?", hi[64] = "?", crit[64] = "-";
    size_t used = 0;
    for (size_t i = 0; sc->spec && cfg && i < sc->spec->n_axes; i++) {
        const exp_axis *ax = &sc->spec->axes[i];
        if (i == sc->spec->search_axis || ax->n < 2) continue;
        char v[64];
        prm_format(ax->param, cfg, v, sizeof v);
        used += (size_t)snprintf(combo + used, sizeof combo - used, "%s%s=%s", used ? " " : "", ax->param->name, v);
        if (used >= sizeof combo) break;
    }
    if (p && cfg) {
        prm_config c = *cfg;
        prm_store(p, &c, t->lo);
        prm_format(p, &c, lo, sizeof lo);
        prm_store(p, &c, t->hi);
        prm_format(p, &c, hi, sizeof hi);
        if (t->critical == t->critical) {
            prm_store(p, &c, t->critical);
            prm_format(p, &c, crit, sizeof crit);
        }
    }
    printf("    combination %lld%s%s: %s, critical %s in [%s, %s], %lld probes, %lld runs%s\n", (long long)t->combo,
           combo[0] ? " " : "", combo, t->status, crit, lo, hi, (long long)t->n_probes, (long long)t->n_runs,
           t->n_undecided ? " (some probes decided by the point estimate)" : "");
    return 0;
}

int exp_cmd_status(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = "";
        if (exp_opt_is(argv[i], "--help", "-h")) {
            printf("usage: rekeysim status --db FILE\n\nLists the database's experiments with their runs done "
                   "and planned, and the thresholds found.\n");
            return EXP_OK;
        } else if (exp_opt_value(argc, argv, &i, "--db", &v) > 0 && *v) {
            db = v;
        } else {
            fprintf(stderr, "rekeysim status: unexpected argument '%s'; usage: rekeysim status --db FILE\n", argv[i]);
            return EXP_INPUT;
        }
    }
    if (!db) {
        fprintf(stderr, "rekeysim status: usage: rekeysim status --db FILE\n");
        return EXP_INPUT;
    }
    char err[1024], created[64] = "?", version[64] = "?", commit[64] = "?", dirty[16] = "?";
    res_store *s = NULL;
    int rc = res_store_new(db, RES_OPEN_READONLY, NULL, err, sizeof err, &s);
    if (rc) {
        fprintf(stderr, "rekeysim status: %s\n", err);
        return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    res_store_meta(s, "created_at", created, sizeof created);
    res_store_meta(s, "rekeysim_version", version, sizeof version);
    res_store_meta(s, "git_commit", commit, sizeof commit);
    res_store_meta(s, "git_dirty", dirty, sizeof dirty);
    printf("%s: created %s by rekeysim %s (git %s%s)\n", db, created, version, commit,
           !strcmp(dirty, "1") ? ", modified tree" : "");
    res_experiment *list = NULL;
    size_t n = 0;
    rc = res_experiments_list(s, &list, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        const res_experiment *e = &list[i];
        res_counts c;
        rc = res_experiment_counts(s, e->id, &c);
        if (rc) break;
        printf("experiment %s (%s, %s, seed %llu): ", e->name, e->kind, e->status, (unsigned long long)e->master_seed);
        if (!strcmp(e->kind, "grid")) {
            printf("%lld points, %lld/%lld runs", (long long)c.n_points, (long long)c.n_runs,
                   (long long)(c.n_points * e->replications));
        } else if (!strcmp(e->kind, "target")) {
            printf("%lld points (%lld decided), %lld runs (at least %lld, at most %lld), target %s +-%g",
                   (long long)c.n_points, (long long)c.n_stopped, (long long)c.n_runs,
                   (long long)(c.n_points * e->replications), (long long)(c.n_points * e->max_replications),
                   e->target_outcome, e->target_halfwidth);
        } else {
            printf("search %s for %s = %g: %lld/%lld combinations done, %lld probes, %lld runs", e->search_param,
                   e->search_outcome, e->search_value, (long long)c.n_thresholds, (long long)e->n_combos,
                   (long long)c.n_points, (long long)c.n_runs);
        }
        printf(", %lld copies did not complete", (long long)(c.n_runs - c.n_completed));
        /* Why, in the failure vocabulary of the outcome table. */
        const char *sep = " (";
        for (int f = 0; f < OUT_N_FAILURES; f++) {
            if (f == OUT_FAIL_NONE || !c.n_by_failure[f]) continue;
            printf("%s%s %lld", sep, out_failure_name(f), (long long)c.n_by_failure[f]);
            sep = ", ";
        }
        printf("%s\n", sep[0] == ',' ? ")" : "");
        if (!strcmp(e->kind, "search") && c.n_thresholds > 0) {
            exp_spec *spec = NULL;
            char perr[512];
            status_ctx sc = {NULL};
            if (e->spec_text && exp_spec_new_text(e->name, e->spec_text, perr, sizeof perr, &spec) == 0 && spec->n == 1)
                sc.spec = &spec->exps[0];
            rc = res_thresholds_scan(s, e->id, print_threshold, &sc);
            exp_spec_free(spec);
        }
    }
    if (rc) fprintf(stderr, "rekeysim status: %s\n", res_store_errmsg(s));
    res_experiments_free(list, n);
    res_store_free(s);
    return rc ? (res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME) : EXP_OK;
}
