/*
 * `rekeysim status --db FILE`: what a results database holds, for people:
 * its provenance, each experiment's runs done and planned, and the
 * thresholds found by searches (the combination's other axes and the
 * bracket formatted in the searched key's units, from the experiment's own
 * spec section parsed again).
 *
 * It also checks the rows against that spec section and warns on stderr
 * (exit status still 0: the rows are shown as they are) about runs the
 * spec does not make (a replication beyond it, a run id that does not
 * follow from point and replication) and points whose parameters differ
 * from the spec's expansion: both mean the file was changed outside
 * rekeysim, and its summaries and plots are then not the spec's.
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

/* The first registry key on which A and B differ, with both values
 * formatted; 0 when they agree. */
static const prm_entry *first_difference(const prm_config *a, const prm_config *b, char *va, char *vb, size_t n)
{
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        if (prm_load(p, a) == prm_load(p, b)) continue;
        prm_format(p, a, va, n);
        prm_format(p, b, vb, n);
        return p;
    }
    return NULL;
}

/* The parameters spec experiment X makes for stored point POINT_ID of
 * experiment E whose stored parameters are HAVE: 0 and *want_out, or -1. */
static int spec_config(const res_experiment *e, const exp_experiment *x, int64_t point_id, const prm_config *have,
                       prm_config *want_out)
{
    char msg[600];
    int64_t offset = point_id - e->first_point_id;
    if (x->kind != EXP_SEARCH)
        return offset >= 0 && (uint64_t)offset < x->n_points
                   ? exp_point_config(x, (uint64_t)offset, 0, want_out, msg, sizeof msg)
                   : -1;
    if (offset < 0 || x->probes_per_combo == 0) return -1;
    uint64_t combo = (uint64_t)offset / x->probes_per_combo;
    if (combo >= x->n_points) return -1;
    return exp_point_config(x, combo, prm_load(x->axes[x->search_axis].param, have), want_out, msg, sizeof msg);
}

/* Warns about rows of experiment E that its spec X (NULL: it does not
 * parse) does not make. Returns a RES_E* code of a failed read, else 0. */
static int check_rows(res_store *s, const res_experiment *e, const exp_experiment *x)
{
    int64_t n_bad = 0, run = 0, rep = 0;
    int64_t max_rep = !strcmp(e->kind, "grid") ? e->replications : e->max_replications;
    int rc = res_runs_outside_spec(s, e->id, max_rep, &n_bad, &run, &rep);
    if (rc) return rc;
    if (n_bad > 0)
        fprintf(stderr,
                "rekeysim status: warning: experiment %s has %lld run%s that its spec does not make (run %lld, "
                "replication %lld; the spec makes replications 1 to %lld); the database was changed outside "
                "rekeysim\n",
                e->name, (long long)n_bad, n_bad == 1 ? "" : "s", (long long)run, (long long)rep, (long long)max_rep);
    if (!x) return 0;
    int64_t n_diff = 0, first = 0;
    char first_msg[400] = "";
    for (int64_t pid = e->first_point_id; pid < e->first_point_id + e->n_point_ids; pid++) {
        prm_config have, want;
        int exists = 0;
        rc = res_point_get(s, pid, &exists, &have);
        if (rc == RES_EMISMATCH) {
            exists = 0, rc = 0; /* a value no registry entry takes: counted below */
            n_diff++;
            if (!first) snprintf(first_msg, sizeof first_msg, "%s", res_store_errmsg(s)), first = pid;
        }
        if (rc) return rc;
        if (!exists || spec_config(e, x, pid, &have, &want) != 0) continue;
        char va[64], vb[64];
        const prm_entry *p = first_difference(&have, &want, va, vb, sizeof va);
        if (!p) continue;
        if (!n_diff++)
            snprintf(first_msg, sizeof first_msg, "point %lld: %s is %s in the database, %s in the spec",
                     (long long)pid, p->name, va, vb),
                first = pid;
    }
    if (n_diff > 0)
        fprintf(stderr,
                "rekeysim status: warning: experiment %s has %lld point%s that differ%s from its spec (%s); the "
                "database was changed outside rekeysim\n",
                e->name, (long long)n_diff, n_diff == 1 ? "" : "s", n_diff == 1 ? "s" : "", first_msg);
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
        /* A fleet's run completes when every copy does; its failure is its
         * first failed copy's (doc/design.md section 5). */
        printf(", %lld %s did not complete", (long long)(c.n_runs - c.n_completed),
               c.max_copies > 1 ? "runs (fleets)" : "copies");
        /* Why, in the failure vocabulary of the outcome table. */
        const char *sep = " (";
        for (int f = 0; f < OUT_N_FAILURES; f++) {
            if (f == OUT_FAIL_NONE || !c.n_by_failure[f]) continue;
            printf("%s%s %lld", sep, out_failure_name(f), (long long)c.n_by_failure[f]);
            sep = ", ";
        }
        printf("%s\n", sep[0] == ',' ? ")" : "");
        /* Fleets (issue 16): the copies of all runs together. */
        if (c.max_copies > 1)
            printf("    copies: %lld of %lld completed (up to %lld a run)\n", (long long)c.n_copies_completed,
                   (long long)c.n_copies, (long long)c.max_copies);
        exp_spec *spec = NULL;
        char perr[512];
        status_ctx sc = {NULL};
        if (e->spec_text && exp_spec_new_text(e->name, e->spec_text, perr, sizeof perr, &spec) == 0 && spec->n == 1)
            sc.spec = &spec->exps[0];
        if (!strcmp(e->kind, "search") && c.n_thresholds > 0) rc = res_thresholds_scan(s, e->id, print_threshold, &sc);
        if (!rc) rc = check_rows(s, e, sc.spec);
        exp_spec_free(spec);
    }
    if (rc) fprintf(stderr, "rekeysim status: %s\n", res_store_errmsg(s));
    res_experiments_free(list, n);
    res_store_free(s);
    return rc ? (res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME) : EXP_OK;
}
