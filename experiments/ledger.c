/*
 * The database as the sweep's ledger. The parent process is the one
 * writer: it holds an flock on the database file for the whole sweep (so a
 * second sweep on the same file stops at once, with a message), and writes
 * in batched transactions of about COMMIT_RUNS runs or COMMIT_SECONDS,
 * whichever comes first, because a transaction per run would spend more
 * time syncing than simulating. Runs count as stored (n_committed, what a
 * failed sweep reports) only once their transaction committed: a batch that
 * fails to commit (disk full) is rolled back whole.
 *
 * Resuming is reading the ledger: each spec experiment is found again by
 * its name family (NAME, NAME-2 ...) and spec hash, and the runs stored are
 * loaded into the units' point records, so that a sweep makes only what is
 * missing and an interrupted sweep, rerun, ends with the rows an
 * uninterrupted one writes.
 *
 * Invariants: every write happens inside the open transaction; a unit's
 * final writes (stop reason, threshold) go in the same transaction as its
 * last run, so a run being committed implies the decisions after it are;
 * nothing at all (not even a history row) is written by a sweep that has
 * nothing to do. This is the only file of the sweep that writes the store.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "experiments/runner_int.h"
#include "models/core/params.h"

#define COMMIT_RUNS 256
#define COMMIT_SECONDS 0.5

/* ---- opening ---- */

/* Creates the directory of PATH (one level, as for the default results/). */
static int make_dir_of(exp__sweep *s, const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return exp__fail(s, EXP_SWEEP_ERUNTIME, "cannot create the directory %s: %s", dir, strerror(errno));
    return 0;
}

/* The store's writer lock (the one `merge` takes too); its descriptor goes
 * to the pool, whose workers close it. */
static int lock_db(exp__sweep *s)
{
    int rc = res_store_lock(s->db);
    if (rc == RES_EBUSY)
        return exp__fail(s, EXP_SWEEP_ERUNTIME,
                         "%s is being written by another rekeysim sweep; wait for it or use "
                         "another --db",
                         s->o->db_path);
    if (rc) return exp__fail_store(s, rc);
    s->lock_fd = res_store_lock_fd(s->db);
    return 0;
}

int exp__ledger_open(exp__sweep *s)
{
    char msg[1024];
    const char *every = getenv("REKEYSIM_TEST_COMMIT_EVERY"); /* test-only: runs per commit */
    s->commit_every = every && atol(every) > 0 ? atol(every) : COMMIT_RUNS;
    /* A name the store cannot use is refused before the directory is made. */
    int rc = res_store_check_name(s->o->db_path, msg, sizeof msg);
    if (rc) return exp__fail(s, EXP_SWEEP_EINPUT, "%s", msg);
    if (s->o->make_db_dir && make_dir_of(s, s->o->db_path)) return s->fatal;
    rc = res_store_new(s->o->db_path, RES_OPEN_CREATE, s->o->command_line, msg, sizeof msg, &s->db);
    if (rc) return exp__fail(s, res_error_is_input(rc) ? EXP_SWEEP_EINPUT : EXP_SWEEP_ERUNTIME, "%s", msg);
    if (lock_db(s)) return s->fatal;
    s->rep->other_build = res_store_same_build(s->db) == 0;
    return 0;
}

void exp__ledger_close(exp__sweep *s)
{
    res_store_free(s->db); /* releases the lock too */
    s->db = NULL;
    s->lock_fd = -1;
}

/* Commits the open transaction; on success its runs count as stored. */
static int commit_tx(exp__sweep *s)
{
    int rc = res_store_commit(s->db);
    if (rc == 0) {
        s->n_committed += s->tx_runs;
        s->tx_runs = 0;
    } else if (rc == RES_EGONE) {
        s->db_gone = 1;
    }
    return rc;
}

/* Rolls the open transaction back: its runs are not stored. */
static void rollback_tx(exp__sweep *s)
{
    res_store_rollback(s->db);
    s->tx_runs = 0;
}

/* ---- transactions ---- */

int exp__ledger_begin(exp__sweep *s)
{
    if (s->fatal) return s->fatal;
    if (res_store_in_transaction(s->db)) return 0;
    int rc = res_store_begin(s->db);
    if (rc) return exp__fail_store(s, rc);
    s->tx_start = exp__now_s();
    s->tx_runs = 0;
    if (!s->wrote) {
        s->wrote = 1;
        rc = res_history_begin(s->db, s->o->command_line, &s->history_id);
        if (rc) return exp__fail_store(s, rc);
    }
    return 0;
}

int exp__ledger_commit(exp__sweep *s)
{
    if (!res_store_in_transaction(s->db)) return 0;
    int rc = commit_tx(s);
    return rc ? exp__fail_store(s, rc) : 0;
}

void exp__ledger_maybe_commit(exp__sweep *s)
{
    if (!res_store_in_transaction(s->db)) return;
    if ((long)s->tx_runs >= s->commit_every || exp__now_s() - s->tx_start >= COMMIT_SECONDS) exp__ledger_commit(s);
}

/* ---- experiments ---- */

/* NAME is BASE or BASE-<digits>; *suffix_out = 1 for BASE, else the number. */
static int in_family(const char *name, const char *base, long *suffix_out)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0) return 0;
    if (name[n] == 0) return *suffix_out = 1, 1;
    if (name[n] != '-' || !name[n + 1]) return 0;
    char *end;
    long k = strtol(name + n + 1, &end, 10);
    if (*end || k < 2) return 0;
    *suffix_out = k;
    return 1;
}

/* Refuses a changed spec without --force-new. */
int exp__ledger_match(exp__sweep *s, char **new_names)
{
    res_experiment *list = NULL;
    size_t n = 0;
    int rc = res_experiments_list(s->db, &list, &n);
    if (rc) return exp__fail_store(s, rc);
    for (size_t i = 0; i < s->spec->n && !s->fatal; i++) {
        const exp_experiment *e = &s->spec->exps[i];
        long max_suffix = 0, suffix;
        int exact = -1, same = -1;
        for (size_t j = 0; j < n; j++) {
            if (!in_family(list[j].name, e->name, &suffix)) continue;
            if (suffix > max_suffix) max_suffix = suffix;
            if (suffix == 1) exact = (int)j;
            if (list[j].spec_hash && !strcmp(list[j].spec_hash, e->hash)) same = (int)j;
        }
        /* The same text read to another seed: the first round read "seed =
         * 010" as octal 8, numbers are decimal now. Resuming would mix the
         * two seeds' runs in one experiment. */
        if (same >= 0 && list[same].master_seed != e->seed && s->o->force_new) {
            same = -1; /* stored beside it as NAME-N below */
        } else if (same >= 0 && list[same].master_seed != e->seed) {
            exp__fail(s, EXP_SWEEP_EINPUT,
                      "%s:%d: experiment '%s' in %s was made with master seed %llu, but this rekeysim reads the "
                      "spec's seed as %llu (whole numbers are decimal); write the seed you mean, and use "
                      "--force-new or another --db for a new experiment",
                      s->spec->path, e->line, e->name, s->o->db_path, (unsigned long long)list[same].master_seed,
                      (unsigned long long)e->seed);
            break;
        }
        exp__xp *x = &s->xps[i];
        x->e = e;
        char name[300];
        if (same >= 0) {
            x->id = list[same].id;
            x->first_point_id = list[same].first_point_id;
            x->complete_in_db = list[same].status && !strcmp(list[same].status, "complete");
            continue;
        }
        if (exact >= 0 && !s->o->force_new) {
            exp__fail(s, EXP_SWEEP_EINPUT,
                      "%s:%d: experiment '%s' in %s was made from a different spec (created %s); its results are kept. "
                      "Rerun with --force-new to store this spec as '%s-%ld' beside it, or use another --db",
                      s->spec->path, e->line, e->name, s->o->db_path, list[exact].created_at, e->name,
                      max_suffix < 2 ? 2 : max_suffix + 1);
            break;
        }
        if (exact >= 0)
            snprintf(name, sizeof name, "%s-%ld", e->name, max_suffix < 2 ? 2 : max_suffix + 1);
        else
            snprintf(name, sizeof name, "%s", e->name);
        x->is_new = 1;
        if (!(new_names[i] = strdup(name))) exp__fail(s, EXP_SWEEP_ERUNTIME, "%s", exp_strerror(EXP_ENOMEM));
    }
    res_experiments_free(list, n);
    return s->fatal;
}

/* The experiments row of E, to be created as NAME from the first point id NEXT. */
static res_experiment experiment_row(const exp__sweep *s, const exp_experiment *e, char *name, int64_t next)
{
    int search = e->kind == EXP_SEARCH;
    res_experiment r;
    memset(&r, 0, sizeof r);
    r.name = name;
    r.spec_text = e->text;
    r.spec_hash = (char *)e->hash;
    r.spec_file = s->spec->path;
    r.kind = (char *)exp_kind_name(e->kind);
    r.master_seed = e->seed;
    r.replications = e->replications;
    r.max_replications = e->max_replications;
    r.target_outcome = e->kind == EXP_TARGET ? (char *)exp_outcome_name(e->outcome) : NULL;
    r.target_halfwidth = e->kind == EXP_TARGET ? e->target_halfwidth : NAN;
    r.search_param = search ? (char *)e->axes[e->search_axis].param->name : NULL;
    r.search_outcome = search ? (char *)exp_outcome_name(e->outcome) : NULL;
    r.search_value = search ? e->search_value : NAN;
    r.search_precision = search ? e->precision : NAN;
    r.n_combos = search ? (int64_t)e->n_points : 0;
    r.probes_per_combo = search ? e->probes_per_combo : 0;
    r.first_point_id = next;
    r.n_point_ids = (int64_t)e->n_points * (search ? e->probes_per_combo : 1);
    r.status = "running";
    return r;
}

int exp__ledger_create(exp__sweep *s, char **new_names)
{
    int64_t next = 0;
    for (size_t i = 0; i < s->spec->n && !s->fatal; i++) {
        exp__xp *x = &s->xps[i];
        const exp_experiment *e = x->e;
        if (!x->is_new) continue;
        if (exp__ledger_begin(s)) return s->fatal;
        int rc = next ? 0 : res_next_point_id(s->db, &next);
        if (rc) return exp__fail_store(s, rc);
        res_experiment r = experiment_row(s, e, new_names[i], next);
        rc = res_experiment_insert(s->db, &r);
        if (rc) return exp__fail_store(s, rc);
        x->id = r.id;
        x->first_point_id = next;
        next += r.n_point_ids;
        s->rep->n_new_experiments++;
        for (uint64_t k = 0; e->kind != EXP_SEARCH && k < e->n_points; k++) {
            prm_config cfg;
            char msg[600];
            if (exp_point_config(e, k, 0, &cfg, msg, sizeof msg)) return exp__fail(s, EXP_SWEEP_EINPUT, "%s", msg);
            rc = res_point_insert(s->db, x->first_point_id + (int64_t)k, x->id, (int64_t)k + 1, 0, 0, &cfg);
            if (rc) return exp__fail_store(s, rc);
        }
    }
    return exp__ledger_commit(s);
}

/* ---- what is already there ---- */

/* The record of point POINT_ID of experiment XI, if a unit of this shard
 * holds it (its unit's records are allocated on the way). */
static exp__point_rec *point_record_of(exp__sweep *s, size_t xi, int64_t point_id)
{
    exp__xp *x = &s->xps[xi];
    const exp_experiment *e = x->e;
    uint64_t pos;
    uint32_t probe;
    if (!exp__plan_locate(e, point_id - x->first_point_id, s->o->shard_k, s->o->shard_n, &pos, &probe)) return NULL;
    exp__unit *u = &s->units[x->first_unit + pos];
    uint32_t n_recs = e->kind == EXP_SEARCH ? e->probes_per_combo : 1;
    if (!u->recs && !(u->recs = calloc(n_recs, sizeof *u->recs))) return NULL;
    u->recs[probe].point_id = point_id;
    return &u->recs[probe];
}

typedef struct load_ctx {
    exp__sweep *s;
    size_t xi;
} load_ctx;

static int load_run(void *ctx, const res_run_brief *b)
{
    load_ctx *lc = ctx;
    exp__sweep *s = lc->s;
    exp__point_rec *pr = point_record_of(s, lc->xi, b->point_id);
    if (!pr || b->replication < 1 || b->replication > RES_MAX_REPLICATIONS) return 0;
    if (exp__rec_reserve(pr, b->replication)) return exp__fail(s, EXP_SWEEP_ERUNTIME, "%s", exp_strerror(EXP_ENOMEM));
    exp_rep *r = &pr->reps[b->replication];
    if (!r->present) s->rep->n_present++;
    r->present = 1;
    r->completed = (uint8_t)(b->completed != 0);
    r->interrupted = (uint8_t)(b->n_interruptions > 0);
    r->duration_s = b->duration_s;
    r->n_interruptions = b->n_interruptions;
    return 0;
}

int exp__ledger_load(exp__sweep *s)
{
    for (size_t i = 0; i < s->spec->n; i++) {
        if (s->xps[i].is_new) continue;
        load_ctx lc = {s, i};
        int rc = res_runs_scan(s->db, s->xps[i].id, load_run, &lc);
        if (rc && !s->fatal) return exp__fail_store(s, rc);
        if (s->fatal) return s->fatal;
    }
    return 0;
}

/* ---- writes as the sweep goes ---- */

int exp__ledger_put_run(exp__sweep *s, exp__unit *u, uint32_t rep, const out_result *r)
{
    exp__point_rec *pr = &u->recs[u->cur];
    if (exp__ledger_begin(s)) return s->fatal;
    int rc = res_run_insert(s->db, pr->point_id, rep, exp__plan_run_seed(s->xps[u->xp].e, rep), r);
    if (rc) return exp__fail_store(s, rc);
    exp_rep *x = &pr->reps[rep];
    x->present = 1;
    x->completed = (uint8_t)(r->completed != 0);
    x->interrupted = (uint8_t)(r->n_interruptions > 0);
    x->duration_s = r->duration_s;
    x->n_interruptions = (double)r->n_interruptions;
    s->rep->n_done++;
    s->rep->n_failed_copies += !r->completed;
    s->tx_runs++;
    return 0;
}

static int params_equal(const prm_config *a, const prm_config *b)
{
    for (size_t i = 0; i < prm_count(); i++)
        if (prm_load(prm_at(i), a) != prm_load(prm_at(i), b)) return 0;
    return 1;
}

int exp__ledger_probe_point(exp__sweep *s, exp__unit *u, uint32_t probe, const prm_config *cfg, int64_t *point_id_out)
{
    const exp__xp *xx = &s->xps[u->xp];
    const exp_experiment *e = xx->e;
    int64_t index = (int64_t)u->index * e->probes_per_combo + probe;
    int64_t pid = xx->first_point_id + index - 1;
    int exists = 0;
    prm_config have;
    int rc = res_point_get(s->db, pid, &exists, &have);
    if (rc) return exp__fail_store(s, rc);
    if (exists && !params_equal(&have, cfg))
        return exp__fail(s, EXP_SWEEP_EINPUT,
                         "%s: point %lld (probe %u of combination %llu of %s) holds other parameters "
                         "than the search makes now; the database does not belong to this spec",
                         s->o->db_path, (long long)pid, probe, (unsigned long long)u->index + 1, e->name);
    if (!exists) {
        if (exp__ledger_begin(s)) return s->fatal;
        rc = res_point_insert(s->db, pid, xx->id, index, (int64_t)u->index + 1, probe, cfg);
        if (rc) return exp__fail_store(s, rc);
        u->touched = 1;
    }
    *point_id_out = pid;
    return 0;
}

int exp__ledger_set_stop(exp__sweep *s, exp__unit *u, const char *reason)
{
    if (!u->touched) return 0;
    if (exp__ledger_begin(s)) return s->fatal;
    int rc = res_point_set_stop(s->db, u->recs[u->cur].point_id, reason);
    return rc ? exp__fail_store(s, rc) : 0;
}

int exp__ledger_put_threshold(exp__sweep *s, const exp__unit *u)
{
    const exp_experiment *e = s->xps[u->xp].e;
    const exp_search *st = &u->search;
    res_threshold t = {s->xps[u->xp].id,
                       (int64_t)u->index + 1,
                       u->recs[0].point_id,
                       e->axes[e->search_axis].param->name,
                       exp_outcome_name(e->outcome),
                       st->status,
                       e->search_value,
                       st->critical,
                       st->lo,
                       st->hi,
                       st->n_probes,
                       (int64_t)st->n_runs,
                       st->n_undecided};
    if (!u->touched) return 0;
    if (exp__ledger_begin(s)) return s->fatal;
    int rc = res_threshold_put(s->db, &t);
    return rc ? exp__fail_store(s, rc) : 0;
}

void exp__ledger_finish(exp__sweep *s, int interrupted)
{
    if (!s->db) return;
    /* Runs made before a failure are good: keep them if the database takes them. */
    if (s->fatal && res_store_in_transaction(s->db) && commit_tx(s) != 0) rollback_tx(s);
    for (size_t i = 0; !s->fatal && !interrupted && i < s->spec->n; i++) {
        exp__xp *x = &s->xps[i];
        if (x->failed || x->n_done_units != x->n_units || x->complete_in_db) continue;
        if (exp__ledger_begin(s)) break;
        int rc = res_experiment_set_status(s->db, x->id, "complete");
        if (rc) exp__fail_store(s, rc);
    }
    if (!s->wrote) return;
    const char *outcome = s->fatal ? "failed" : interrupted ? "interrupted" : s->rep->n_errors ? "errors" : "complete";
    int ok = res_store_in_transaction(s->db) || res_store_begin(s->db) == 0;
    ok = ok && res_history_end(s->db, s->history_id, outcome) == 0;
    int rc = ok ? commit_tx(s) : 0;
    if (!ok) rollback_tx(s);
    if (rc && !s->fatal) exp__fail_store(s, rc);
}
