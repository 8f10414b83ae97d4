/*
 * The results store's rows: the prepared statements that write and read
 * experiments, points, runs, interruptions, thresholds and history, and the
 * transactions they run in. A run's outcome columns are written by iterating
 * the outcome table (models/core/outcome.h), a point's parameter columns by
 * iterating the registry, with the one database <-> base-unit conversion of
 * models/core/params.h. Every value is bound, never spliced.
 *
 * Writes happen inside a transaction opened by res_store_begin, so a killed
 * writer loses at most its open batch.
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "models/core/outcome.h"
#include "models/core/params.h"
#include "results/build_info.h"
#include "results/store_int.h"

static int prepare(res_store *s, sqlite3_stmt **st, const char *sql)
{
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    return rc == SQLITE_OK ? 0 : res__fail(s, rc, "cannot prepare a statement");
}

int res__prepare_reads(res_store *s)
{
    size_t n = strlen(s->param_cols) + 64;
    char *sql = malloc(n);
    if (!sql) return res__failf(s, RES_ENOMEM, "out of memory");
    snprintf(sql, n, "SELECT %s FROM points WHERE point_id = ?", s->param_cols);
    int rc = prepare(s, &s->get_point, sql);
    free(sql);
    return rc;
}

/* INSERT INTO TABLE(HEAD, <every outcome field, or with COPY_ONLY every
 * per-copy one>) VALUES (?, ...) with N_HEAD leading parameters, from the
 * outcome table: the insert of runs and of copies. */
static int prepare_insert_outcomes(res_store *s, sqlite3_stmt **st, const char *table, const char *head, int n_head,
                                   int copy_only)
{
    size_t cap = 128 + 40 * out_field_count(), used;
    char *sql = malloc(cap);
    if (!sql) return res__failf(s, RES_ENOMEM, "out of memory");
    used = (size_t)snprintf(sql, cap, "INSERT INTO %s(%s", table, head);
    int n = n_head;
    for (size_t i = 0; i < out_field_count(); i++)
        if (!copy_only || out_field_at(i)->per_copy) {
            used += (size_t)snprintf(sql + used, cap - used, ", %s", out_field_at(i)->name);
            n++;
        }
    used += (size_t)snprintf(sql + used, cap - used, ") VALUES (?");
    for (int i = 1; i < n; i++) used += (size_t)snprintf(sql + used, cap - used, ", ?");
    snprintf(sql + used, cap - used, ")");
    int rc = used < cap ? prepare(s, st, sql) : res__failf(s, RES_ENOMEM, "statement too long");
    free(sql);
    return rc;
}

int res__prepare_writes(res_store *s)
{
    size_t np = prm_count();
    size_t n = strlen(s->param_cols) + 4 * np + 256;
    char *sql = malloc(n);
    if (!sql) return res__failf(s, RES_ENOMEM, "out of memory");
    size_t used = (size_t)snprintf(sql, n,
                                   "INSERT INTO points(point_id, experiment_id, point_index, search_combo, "
                                   "search_probe, %s) VALUES (?, ?, ?, ?, ?",
                                   s->param_cols);
    for (size_t i = 0; i < np; i++) used += (size_t)snprintf(sql + used, n - used, ", ?");
    snprintf(sql + used, n - used, ")");
    int rc = prepare(s, &s->ins_point, sql);
    free(sql);
    if (!rc) rc = prepare_insert_outcomes(s, &s->ins_run, "runs", "run_id, point_id, replication, seed", 4, 0);
    if (!rc)
        rc = prepare_insert_outcomes(s, &s->ins_copy, "copies", "run_id, copy, client_os, client_cert, start_s", 5, 1);
    if (!rc)
        rc = prepare(s, &s->ins_intr,
                     "INSERT INTO interruptions(run_id, episode, copy, start_s, end_s, bytes_at_start, cause) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!rc)
        rc = prepare(s, &s->ins_threshold,
                     "INSERT OR REPLACE INTO thresholds(experiment_id, search_combo, point_id, param, outcome, "
                     "target, critical, lo, hi, status, n_probes, n_runs, n_undecided) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    return rc;
}

/* ---- transactions ---- */

int res_store_begin(res_store *s)
{
    if (s->in_tx) return 0;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot start a transaction");
    s->in_tx = 1;
    return 0;
}

int res_store_commit(res_store *s)
{
    if (!s->in_tx) return 0;
    /* Rows committed into a file that was deleted meanwhile reach no one. */
    if (res__check_identity(s) != 0) {
        res_store_rollback(s);
        return RES_EGONE;
    }
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot commit");
    s->in_tx = 0;
    s->n_commits++;
    /* Test-only fault hook (see store.h): die as abruptly as a power cut. */
    if (s->kill_after_commit > 0 && s->n_commits == s->kill_after_commit) kill(getpid(), SIGKILL);
    return 0;
}

void res_store_rollback(res_store *s)
{
    if (!s->in_tx) return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}

int res_store_in_transaction(const res_store *s) { return s->in_tx; }

/* ---- helpers for binding ---- */

void res__bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void res__bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

/* Steps a write statement once and resets it. */
static int step_write(res_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : res__fail(s, rc, what);
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? strdup((const char *)v) : NULL;
}

static double column_real_or_nan(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* ---- experiments ---- */

void res_experiment_fini(res_experiment *e)
{
    char **strs[] = {&e->name, &e->spec_text, &e->spec_hash,      &e->spec_file,    &e->created_at,
                     &e->kind, &e->status,    &e->target_outcome, &e->search_param, &e->search_outcome};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
}

void res_experiments_free(res_experiment *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) res_experiment_fini(&list[i]);
    free(list);
}

#define EXPERIMENT_COLUMNS                                                                                             \
    "experiment_id, name, spec_text, spec_hash, spec_file, created_at, kind, master_seed, replications, "              \
    "max_replications, target_outcome, target_halfwidth, search_param, search_outcome, search_value, "                 \
    "search_precision, n_combos, probes_per_combo, first_point_id, n_point_ids, status"

int res_experiments_list(res_store *s, res_experiment **list_out, size_t *n_out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT " EXPERIMENT_COLUMNS " FROM experiments ORDER BY experiment_id", -1, &st,
                                NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read experiments");
    res_experiment *list = NULL;
    size_t n = 0, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            res_experiment *grown = realloc(list, cap * sizeof *list);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            list = grown;
        }
        res_experiment *e = &list[n++];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(st, 0);
        e->name = column_strdup(st, 1);
        e->spec_text = column_strdup(st, 2);
        e->spec_hash = column_strdup(st, 3);
        e->spec_file = column_strdup(st, 4);
        e->created_at = column_strdup(st, 5);
        e->kind = column_strdup(st, 6);
        e->master_seed = (uint64_t)sqlite3_column_int64(st, 7);
        e->replications = sqlite3_column_int64(st, 8);
        e->max_replications = sqlite3_column_int64(st, 9);
        e->target_outcome = column_strdup(st, 10);
        e->target_halfwidth = column_real_or_nan(st, 11);
        e->search_param = column_strdup(st, 12);
        e->search_outcome = column_strdup(st, 13);
        e->search_value = column_real_or_nan(st, 14);
        e->search_precision = column_real_or_nan(st, 15);
        e->n_combos = sqlite3_column_int64(st, 16);
        e->probes_per_combo = sqlite3_column_int64(st, 17);
        e->first_point_id = sqlite3_column_int64(st, 18);
        e->n_point_ids = sqlite3_column_int64(st, 19);
        e->status = column_strdup(st, 20);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        res_experiments_free(list, n);
        return res__fail(s, rc, "cannot read experiments");
    }
    *list_out = list;
    *n_out = n;
    return 0;
}

int res_experiment_insert(res_store *s, res_experiment *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO experiments(" EXPERIMENT_COLUMNS ") VALUES (NULL, ?, ?, ?, ?, ?, ?, "
                                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot add the experiment");
    char now[32];
    res__now(now, sizeof now);
    res__bind_text_or_null(st, 1, e->name);
    res__bind_text_or_null(st, 2, e->spec_text);
    res__bind_text_or_null(st, 3, e->spec_hash);
    res__bind_text_or_null(st, 4, e->spec_file);
    res__bind_text_or_null(st, 5, now);
    res__bind_text_or_null(st, 6, e->kind);
    sqlite3_bind_int64(st, 7, (int64_t)e->master_seed);
    sqlite3_bind_int64(st, 8, e->replications);
    sqlite3_bind_int64(st, 9, e->max_replications);
    res__bind_text_or_null(st, 10, e->target_outcome);
    res__bind_real_or_null(st, 11, e->target_halfwidth);
    res__bind_text_or_null(st, 12, e->search_param);
    res__bind_text_or_null(st, 13, e->search_outcome);
    res__bind_real_or_null(st, 14, e->search_value);
    res__bind_real_or_null(st, 15, e->search_precision);
    sqlite3_bind_int64(st, 16, e->n_combos);
    sqlite3_bind_int64(st, 17, e->probes_per_combo);
    sqlite3_bind_int64(st, 18, e->first_point_id);
    sqlite3_bind_int64(st, 19, e->n_point_ids);
    res__bind_text_or_null(st, 20, e->status ? e->status : "running");
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return res__fail(s, rc, "cannot add the experiment");
    e->id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* Runs SQL ("UPDATE ... SET col = ?1 WHERE id = ?2") with TEXT and ID;
 * WHAT names the failure. */
static int update_text(res_store *s, const char *sql, const char *text, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, what);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : res__fail(s, rc, what);
}

int res_experiment_set_status(res_store *s, int64_t experiment_id, const char *status)
{
    return update_text(s, "UPDATE experiments SET status = ?1 WHERE experiment_id = ?2", status, experiment_id,
                       "cannot update the experiment");
}

int res_next_point_id(res_store *s, int64_t *id_out)
{
    int64_t v;
    int rc = res__query_int(s, "SELECT coalesce(max(first_point_id + n_point_ids), 1) FROM experiments", &v);
    if (rc) return rc;
    int64_t p;
    rc = res__query_int(s, "SELECT coalesce(max(point_id) + 1, 1) FROM points", &p);
    if (rc) return rc;
    *id_out = v > p ? v : p;
    return 0;
}

/* ---- points ---- */

int res_point_insert(res_store *s, int64_t point_id, int64_t experiment_id, int64_t point_index, int64_t combo,
                     int64_t probe, const prm_config *cfg)
{
    sqlite3_stmt *st = s->ins_point;
    sqlite3_bind_int64(st, 1, point_id);
    sqlite3_bind_int64(st, 2, experiment_id);
    sqlite3_bind_int64(st, 3, point_index);
    if (combo > 0)
        sqlite3_bind_int64(st, 4, combo);
    else
        sqlite3_bind_null(st, 4);
    if (probe > 0)
        sqlite3_bind_int64(st, 5, probe);
    else
        sqlite3_bind_null(st, 5);
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        int col = 6 + (int)i;
        double v = prm_load(p, cfg);
        switch (p->type) {
        case PRM_ENUM: res__bind_text_or_null(st, col, prm_text(p, cfg)); break;
        case PRM_TIME:
        case PRM_PROB:
        case PRM_REAL: sqlite3_bind_double(st, col, v); break;
        default: sqlite3_bind_int64(st, col, (int64_t)llround(v));
        }
        if (p->type == PRM_TIME) sqlite3_bind_double(st, col, prm_to_db(p, v));
    }
    return step_write(s, st, "cannot add a point");
}

int res_point_set_stop(res_store *s, int64_t point_id, const char *reason)
{
    return update_text(s, "UPDATE points SET stop_reason = ?1 WHERE point_id = ?2", reason, point_id,
                       "cannot update a point");
}

/* The base-unit value of registry entry P from column I of ST. */
static int column_value(const prm_entry *p, sqlite3_stmt *st, int i, double *out)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return -1;
    switch (p->type) {
    case PRM_ENUM: {
        const char *name = (const char *)sqlite3_column_text(st, i);
        for (int k = 0; p->choices[k]; k++)
            if (!strcmp(p->choices[k], name)) {
                *out = k;
                return 0;
            }
        return -1;
    }
    case PRM_TIME:
    case PRM_PROB:
    case PRM_REAL: *out = prm_from_db(p, sqlite3_column_double(st, i)); return 0;
    default: *out = (double)sqlite3_column_int64(st, i); return 0;
    }
}

int res_point_get(res_store *s, int64_t point_id, int *exists_out, prm_config *cfg_out)
{
    sqlite3_stmt *st = s->get_point;
    sqlite3_bind_int64(st, 1, point_id);
    int rc = sqlite3_step(st), out = 0;
    if (rc == SQLITE_ROW && cfg_out) {
        prm_config cfg;
        prm_defaults(&cfg);
        for (size_t i = 0; i < prm_count() && !out; i++) {
            const prm_entry *p = prm_at(i);
            double v;
            if (column_value(p, st, (int)i, &v) != 0)
                out = res__failf(s, RES_EMISMATCH, "%s: point %lld has no valid value for %s", s->path,
                                 (long long)point_id, p->name);
            else
                prm_store(p, &cfg, v);
        }
        if (!out) *cfg_out = cfg;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = res__fail(s, rc, "cannot read a point");
    }
    if (!out) *exists_out = rc == SQLITE_ROW;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return out;
}

int res_point_origin(res_store *s, int64_t point_id, int64_t *experiment_id_out, int64_t *point_index_out)
{
    sqlite3_stmt *st;
    int rc =
        sqlite3_prepare_v2(s->db, "SELECT experiment_id, point_index FROM points WHERE point_id = ?", -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read a point");
    sqlite3_bind_int64(st, 1, point_id);
    rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW) {
        *experiment_id_out = sqlite3_column_int64(st, 0);
        *point_index_out = sqlite3_column_int64(st, 1);
    } else if (rc == SQLITE_DONE) {
        out = res__failf(s, RES_ENOENT, "%s has no point %lld", s->path, (long long)point_id);
    } else {
        out = res__fail(s, rc, "cannot read a point");
    }
    sqlite3_finalize(st);
    return out;
}

/* ---- runs ---- */

static int insert_interruptions(res_store *s, int64_t run_id, const out_result *r)
{
    for (uint64_t i = 0; i < r->n_interruptions && r->interruptions; i++) {
        const out_interruption *in = &r->interruptions[i];
        sqlite3_stmt *st = s->ins_intr;
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_int64(st, 3, out_interruption_copy(in));
        sqlite3_bind_double(st, 4, in->start_s);
        res__bind_real_or_null(st, 5, in->end_s);
        sqlite3_bind_int64(st, 6, (int64_t)in->bytes_at_start);
        sqlite3_bind_text(st, 7, out_cause_name(in->cause), -1, SQLITE_STATIC);
        int rc = step_write(s, st, "cannot add an interruption");
        if (rc) return rc;
    }
    return 0;
}

/* Binds R's outcome fields (COPY_ONLY: its per-copy fields) to ST from
 * parameter K on, in table order. */
static void bind_outcomes(sqlite3_stmt *st, int k, const out_result *r, int copy_only)
{
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *f = out_field_at(i);
        if (copy_only && !f->per_copy) continue;
        switch (f->type) {
        case OUT_BOOL: sqlite3_bind_int(st, k, out_get_int(f, r) ? 1 : 0); break;
        case OUT_ENUM: sqlite3_bind_text(st, k, f->name_of(out_get_int(f, r)), -1, SQLITE_STATIC); break;
        case OUT_COUNT: sqlite3_bind_int64(st, k, (int64_t)out_get_u64(f, r)); break;
        case OUT_REAL: res__bind_real_or_null(st, k, out_get_real(f, r)); break;
        case OUT_WHOLE: {
            double v = out_get_real(f, r);
            if (isnan(v))
                sqlite3_bind_null(st, k);
            else
                sqlite3_bind_int64(st, k, (int64_t)llround(v));
            break;
        }
        case OUT_HEX64: {
            char hex[17];
            snprintf(hex, sizeof hex, "%016" PRIx64, out_get_u64(f, r));
            sqlite3_bind_text(st, k, hex, -1, SQLITE_TRANSIENT);
            break;
        }
        }
        k++;
    }
}

/* The registry's choice name of value V of KEY ("client.os": "vista"). */
static const char *choice_name(const char *key, int v)
{
    const prm_entry *p = prm_find(key);
    for (int k = 0; p && p->choices && p->choices[k]; k++)
        if (k == v) return p->choices[k];
    return "?";
}

static int insert_copies(res_store *s, int64_t run_id, const out_result *view)
{
    for (uint64_t i = 0; i < view->n_copies; i++) {
        const out_copy *c = &view->copies[i];
        sqlite3_stmt *st = s->ins_copy;
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, c->index ? c->index : (int64_t)i + 1);
        sqlite3_bind_text(st, 3, choice_name("client.os", c->client_os), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, choice_name("client.cert", c->client_cert), -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, c->start_s);
        bind_outcomes(st, 6, &c->r, 1);
        int rc = step_write(s, st, "cannot add a copy");
        if (rc) return rc;
    }
    return 0;
}

int res_run_insert(res_store *s, int64_t point_id, uint32_t replication, uint64_t seed, const out_result *r)
{
    /* A result without copies (before fleets) is one copy equal to the
     * run, whose client is the point's. */
    out_result view;
    out_copy one;
    prm_config cfg;
    prm_defaults(&cfg);
    if (!r->copies) {
        int exists = 0, rc = res_point_get(s, point_id, &exists, &cfg);
        if (rc) return rc;
    }
    out_result_view(r, cfg.host[PRM_CLIENT].os, cfg.host[PRM_CLIENT].cert, &one, &view);
    sqlite3_stmt *st = s->ins_run;
    int64_t run_id = point_id * RES_RUN_ID_STRIDE + replication;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, point_id);
    sqlite3_bind_int64(st, 3, replication);
    sqlite3_bind_int64(st, 4, (int64_t)seed);
    bind_outcomes(st, 5, &view, 0);
    int rc = step_write(s, st, "cannot add a run");
    if (!rc) rc = insert_copies(s, run_id, &view);
    return rc ? rc : insert_interruptions(s, run_id, r);
}

/* Reads column I of ST into field F of R (the inverse of bind_outcomes);
 * -1 for a value the field cannot hold. */
static int column_outcome(sqlite3_stmt *st, int i, const out_field *f, out_result *r)
{
    int null = sqlite3_column_type(st, i) == SQLITE_NULL;
    const char *text = (const char *)sqlite3_column_text(st, i);
    switch (f->type) {
    case OUT_BOOL: out_set_int(f, r, sqlite3_column_int(st, i)); return null ? -1 : 0;
    case OUT_ENUM: {
        int v = text ? out_failure_from_name(text) : -1; /* failure is the only enum field */
        out_set_int(f, r, v);
        return v < 0 ? -1 : 0;
    }
    case OUT_COUNT: out_set_u64(f, r, (uint64_t)sqlite3_column_int64(st, i)); return null ? -1 : 0;
    case OUT_REAL:
    case OUT_WHOLE: out_set_real(f, r, column_real_or_nan(st, i)); return 0;
    case OUT_HEX64: {
        char *end = NULL;
        out_set_u64(f, r, text ? strtoull(text, &end, 16) : 0);
        return text && end && *end == 0 && strlen(text) == 16 ? 0 : -1;
    }
    }
    return -1;
}

/* The index of NAME among the registry choices of KEY, or -1. */
static int choice_index(const char *key, const unsigned char *name)
{
    const prm_entry *p = prm_find(key);
    for (int k = 0; name && p && p->choices && p->choices[k]; k++)
        if (!strcmp(p->choices[k], (const char *)name)) return k;
    return -1;
}

int res_copies_get(res_store *s, int64_t run_id, out_copy **copies_out, uint64_t *n_out)
{
    size_t cap = 128 + 40 * out_field_count(), used;
    char *sql = malloc(cap);
    if (!sql) return res__failf(s, RES_ENOMEM, "out of memory");
    used = (size_t)snprintf(sql, cap, "SELECT copy, client_os, client_cert, start_s");
    for (size_t i = 0; i < out_field_count(); i++)
        if (out_field_at(i)->per_copy) used += (size_t)snprintf(sql + used, cap - used, ", %s", out_field_at(i)->name);
    snprintf(sql + used, cap - used, " FROM copies WHERE run_id = ? ORDER BY copy");
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read copies");
    sqlite3_bind_int64(st, 1, run_id);
    out_copy *list = NULL;
    uint64_t n = 0, room = 0;
    int out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == room) {
            room = room ? 2 * room : 8;
            out_copy *grown = realloc(list, room * sizeof *list);
            if (!grown) {
                out = res__failf(s, RES_ENOMEM, "out of memory");
                break;
            }
            list = grown;
        }
        out_copy *c = &list[n++];
        memset(c, 0, sizeof *c);
        c->index = (uint32_t)sqlite3_column_int64(st, 0);
        c->client_os = choice_index("client.os", sqlite3_column_text(st, 1));
        c->client_cert = choice_index("client.cert", sqlite3_column_text(st, 2));
        c->start_s = sqlite3_column_double(st, 3);
        int bad = c->client_os < 0 || c->client_cert < 0;
        for (size_t i = 0, k = 4; i < out_field_count(); i++)
            if (out_field_at(i)->per_copy && column_outcome(st, (int)k++, out_field_at(i), &c->r) != 0) bad = 1;
        if (bad)
            out = res__failf(s, RES_EMISMATCH,
                             "%s: copy %u of run %lld has a value rekeysim does not write; the "
                             "database was changed outside rekeysim",
                             s->path, (unsigned)c->index, (long long)run_id);
    }
    if (!out && rc != SQLITE_DONE) out = res__fail(s, rc, "cannot read copies");
    sqlite3_finalize(st);
    if (out) {
        free(list);
        return out;
    }
    *copies_out = list;
    *n_out = n;
    return 0;
}

int res_run_get(res_store *s, int64_t run_id, int64_t *point_id_out, uint64_t *seed_out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT point_id, seed FROM runs WHERE run_id = ?", -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read runs");
    sqlite3_bind_int64(st, 1, run_id);
    rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW) {
        *point_id_out = sqlite3_column_int64(st, 0);
        *seed_out = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (rc == SQLITE_DONE) {
        out = res__failf(s, RES_ENOENT, "%s has no run %lld", s->path, (long long)run_id);
    } else {
        out = res__fail(s, rc, "cannot read runs");
    }
    sqlite3_finalize(st);
    return out;
}

int res_runs_scan(res_store *s, int64_t experiment_id, int (*fn)(void *ctx, const res_run_brief *b), void *ctx)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT r.point_id, r.replication, r.completed, r.duration_s, r.n_interruptions "
                                "FROM runs r JOIN points p ON p.point_id = r.point_id WHERE p.experiment_id = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read runs");
    sqlite3_bind_int64(st, 1, experiment_id);
    int out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        res_run_brief b;
        b.point_id = sqlite3_column_int64(st, 0);
        b.replication = (uint32_t)sqlite3_column_int64(st, 1);
        b.completed = sqlite3_column_int(st, 2);
        b.duration_s = column_real_or_nan(st, 3);
        b.n_interruptions = (double)sqlite3_column_int64(st, 4);
        out = fn(ctx, &b);
    }
    if (!out && rc != SQLITE_DONE) out = res__fail(s, rc, "cannot read runs");
    sqlite3_finalize(st);
    return out;
}

int res_runs_outside_spec(res_store *s, int64_t experiment_id, int64_t max_replication, int64_t *n_out,
                          int64_t *first_run_out, int64_t *first_rep_out)
{
    sqlite3_stmt *st;
    int rc =
        sqlite3_prepare_v2(s->db,
                           "WITH bad AS (SELECT r.run_id, r.replication FROM runs r JOIN points p USING (point_id)"
                           " WHERE p.experiment_id = ?1 AND (r.replication < 1 OR r.replication > ?2"
                           " OR r.run_id != r.point_id * ?3 + r.replication))"
                           " SELECT (SELECT count(*) FROM bad), run_id, replication FROM bad ORDER BY run_id LIMIT 1",
                           -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read runs");
    sqlite3_bind_int64(st, 1, experiment_id);
    sqlite3_bind_int64(st, 2, max_replication);
    sqlite3_bind_int64(st, 3, RES_RUN_ID_STRIDE);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n_out = sqlite3_column_int64(st, 0);
        *first_run_out = sqlite3_column_int64(st, 1);
        *first_rep_out = sqlite3_column_int64(st, 2);
    } else if (rc == SQLITE_DONE) {
        *n_out = 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : res__fail(s, rc, "cannot read runs");
}

/* ---- thresholds ---- */

int res_threshold_put(res_store *s, const res_threshold *t)
{
    sqlite3_stmt *st = s->ins_threshold;
    sqlite3_bind_int64(st, 1, t->experiment_id);
    sqlite3_bind_int64(st, 2, t->combo);
    sqlite3_bind_int64(st, 3, t->point_id);
    res__bind_text_or_null(st, 4, t->param);
    res__bind_text_or_null(st, 5, t->outcome);
    sqlite3_bind_double(st, 6, t->target);
    res__bind_real_or_null(st, 7, t->critical);
    res__bind_real_or_null(st, 8, t->lo);
    res__bind_real_or_null(st, 9, t->hi);
    res__bind_text_or_null(st, 10, t->status);
    sqlite3_bind_int64(st, 11, t->n_probes);
    sqlite3_bind_int64(st, 12, t->n_runs);
    sqlite3_bind_int64(st, 13, t->n_undecided);
    return step_write(s, st, "cannot add a threshold");
}

int res_thresholds_scan(res_store *s, int64_t experiment_id,
                        int (*fn)(void *ctx, const res_threshold *t, const prm_config *cfg), void *ctx)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT search_combo, point_id, param, outcome, target, critical, lo, hi, status, "
                                "n_probes, n_runs, n_undecided FROM thresholds WHERE experiment_id = ? "
                                "ORDER BY search_combo",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read thresholds");
    sqlite3_bind_int64(st, 1, experiment_id);
    int out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        res_threshold t = {experiment_id,
                           sqlite3_column_int64(st, 0),
                           sqlite3_column_int64(st, 1),
                           (const char *)sqlite3_column_text(st, 2),
                           (const char *)sqlite3_column_text(st, 3),
                           (const char *)sqlite3_column_text(st, 8),
                           sqlite3_column_double(st, 4),
                           column_real_or_nan(st, 5),
                           column_real_or_nan(st, 6),
                           column_real_or_nan(st, 7),
                           sqlite3_column_int64(st, 9),
                           sqlite3_column_int64(st, 10),
                           sqlite3_column_int64(st, 11)};
        prm_config cfg;
        int exists = 0;
        out = res_point_get(s, t.point_id, &exists, &cfg);
        if (!out) out = fn(ctx, &t, exists ? &cfg : NULL);
    }
    if (!out && rc != SQLITE_DONE) out = res__fail(s, rc, "cannot read thresholds");
    sqlite3_finalize(st);
    return out;
}

/* ---- counts and history ---- */

int res_experiment_counts(res_store *s, int64_t experiment_id, res_counts *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT (SELECT count(*) FROM points WHERE experiment_id = ?1),"
        " (SELECT count(DISTINCT r.point_id) FROM runs r JOIN points p USING (point_id) WHERE p.experiment_id = ?1),"
        " (SELECT count(*) FROM runs r JOIN points p USING (point_id) WHERE p.experiment_id = ?1),"
        " (SELECT coalesce(sum(r.completed), 0) FROM runs r JOIN points p USING (point_id)"
        "  WHERE p.experiment_id = ?1),"
        " (SELECT count(*) FROM thresholds WHERE experiment_id = ?1),"
        " (SELECT count(*) FROM points WHERE experiment_id = ?1 AND stop_reason IS NOT NULL),"
        " (SELECT coalesce(max(r.n_copies), 0) FROM runs r JOIN points p USING (point_id)"
        "  WHERE p.experiment_id = ?1),"
        " (SELECT coalesce(sum(r.n_copies), 0) FROM runs r JOIN points p USING (point_id)"
        "  WHERE p.experiment_id = ?1),"
        " (SELECT coalesce(sum(r.n_completed), 0) FROM runs r JOIN points p USING (point_id)"
        "  WHERE p.experiment_id = ?1)",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot count runs");
    sqlite3_bind_int64(st, 1, experiment_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        res_counts c = {.n_points = sqlite3_column_int64(st, 0),
                        .n_points_with_runs = sqlite3_column_int64(st, 1),
                        .n_runs = sqlite3_column_int64(st, 2),
                        .n_completed = sqlite3_column_int64(st, 3),
                        .n_thresholds = sqlite3_column_int64(st, 4),
                        .n_stopped = sqlite3_column_int64(st, 5),
                        .max_copies = sqlite3_column_int64(st, 6),
                        .n_copies = sqlite3_column_int64(st, 7),
                        .n_copies_completed = sqlite3_column_int64(st, 8)};
        *out = c;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return res__fail(s, rc, "cannot count runs");
    /* The failure breakdown, over the failure vocabulary of the outcome table. */
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT r.failure, count(*) FROM runs r JOIN points p USING (point_id)"
                            " WHERE p.experiment_id = ?1 GROUP BY r.failure",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot count runs");
    sqlite3_bind_int64(st, 1, experiment_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int f = out_failure_from_name((const char *)sqlite3_column_text(st, 0));
        if (f >= 0) out->n_by_failure[f] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : res__fail(s, rc, "cannot count runs");
}

int res_history_begin(res_store *s, const char *command_line, int64_t *id_out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO history(started_at, command_line, rekeysim, git_commit) "
                                "VALUES (?, ?, ?, ?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot write history");
    char now[32];
    res__now(now, sizeof now);
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, command_line ? command_line : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, PACKAGE_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, RES_GIT_COMMIT, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return res__fail(s, rc, "cannot write history");
    *id_out = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int res_history_end(res_store *s, int64_t history_id, const char *outcome)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "UPDATE history SET finished_at = ?, outcome = ? WHERE history_id = ?", -1, &st,
                                NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot write history");
    char now[32];
    res__now(now, sizeof now);
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, outcome, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, history_id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : res__fail(s, rc, "cannot write history");
}
