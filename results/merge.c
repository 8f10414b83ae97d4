/*
 * Merging results databases (`rekeysim merge OUT IN...`), typically the
 * shards of one sweep. The input is ATTACHed to the output connection and
 * copied with INSERT ... SELECT inside one transaction per input, after
 * checks that make the union meaningful:
 *   - experiments are matched by name; a name present in both must have the
 *     same spec hash and the same point-id block (experiment_id,
 *     first_point_id, n_point_ids), and a new experiment must not collide
 *     with another's id or point-id block;
 *   - points with the same point_id must hold identical parameters;
 *   - a run present in both (same point_id and replication, hence the same
 *     run_id) must be identical apart from wall_s and events_per_s, and so
 *     must a copy present in both (same run_id and copy), its client and
 *     start included.
 * point_id and run_id are kept (both are functions of the spec, never of the
 * order runs were made), so merging shards gives the single sweep's rows.
 * Rejected alternative: remapping ids on conflict; it would silently merge
 * different specs, which is the mistake the checks are there to catch.
 *
 * The input is attached with the URI its own read-only open chose
 * (schema.c), so an input on read-only media is read as `status` reads it.
 * Messages name the file at fault: a failure to read the input or a row of
 * the input that the output's constraints refuse names the input; a failure
 * to write names the output. History rows already in the output (the same
 * input merged twice) are not copied again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/outcome.h"
#include "results/store_int.h"

/* Runs a query that returns one integer (bound: nothing). */
static int count_of(res_store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot compare the databases");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : res__fail(s, rc, "cannot compare the databases");
}

/* Runs one copy from the input; a row the output's constraints refuse is
 * the input's fault (its rows are inconsistent: a run without its point,
 * say), anything else the output's. */
static int copy_rows(res_store *s, const char *in_path, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return res__failf(s, RES_EMISMATCH, "%s: its rows cannot be merged: %s; the input was changed outside rekeysim",
                          in_path, sqlite3_errmsg(s->db));
    return res__fail(s, rc, "cannot update the database");
}

/* Records a failure to read the input, naming it. */
static int fail_in(res_store *s, int sqlite_rc, const char *in_path)
{
    int rc = res__code(sqlite_rc);
    return res__failf(s, rc ? rc : RES_EIO, "%s: cannot read it as a merge input: %s", in_path, sqlite3_errmsg(s->db));
}

/* Checks experiments of src against main and copies the new ones. */
static int merge_experiments(res_store *s, const char *in_path)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT x.name, x.experiment_id, x.spec_hash, x.first_point_id, x.n_point_ids,"
        " m.experiment_id, m.spec_hash, m.first_point_id, m.n_point_ids,"
        " (SELECT count(*) FROM main.experiments o WHERE o.name != x.name AND"
        "   (o.experiment_id = x.experiment_id OR (o.first_point_id < x.first_point_id + x.n_point_ids"
        "    AND x.first_point_id < o.first_point_id + o.n_point_ids)))"
        " FROM src.experiments x LEFT JOIN main.experiments m ON m.name = x.name ORDER BY x.experiment_id",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return fail_in(s, rc, in_path);
    int out = 0;
    while (!out && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int in_main = sqlite3_column_type(st, 5) != SQLITE_NULL;
        if (in_main && strcmp((const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 6)))
            out = res__failf(s, RES_EMISMATCH,
                             "experiment '%s' has a different spec in %s than in %s; only shards of the same "
                             "spec can be merged",
                             name, in_path, s->path);
        else if (in_main && (sqlite3_column_int64(st, 1) != sqlite3_column_int64(st, 5) ||
                             sqlite3_column_int64(st, 3) != sqlite3_column_int64(st, 7) ||
                             sqlite3_column_int64(st, 4) != sqlite3_column_int64(st, 8)))
            out = res__failf(s, RES_EMISMATCH,
                             "experiment '%s' has different experiment or point ids in %s than in %s (the "
                             "databases were filled in a different order); merge shards of one spec file",
                             name, in_path, s->path);
        else if (!in_main && sqlite3_column_int64(st, 9) > 0)
            out = res__failf(s, RES_EMISMATCH,
                             "experiment '%s' of %s uses ids that another experiment of %s already uses", name, in_path,
                             s->path);
    }
    if (!out && rc != SQLITE_DONE) out = fail_in(s, rc, in_path);
    sqlite3_finalize(st);
    if (!out)
        out = copy_rows(s, in_path,
                        "INSERT INTO main.experiments SELECT * FROM src.experiments x"
                        " WHERE NOT EXISTS (SELECT 1 FROM main.experiments m WHERE m.name = x.name)");
    /* An experiment is complete once every input says so. */
    if (!out)
        out = res__exec(s, "UPDATE main.experiments SET status = 'running' WHERE name IN"
                           " (SELECT name FROM src.experiments WHERE status != 'complete')");
    return out;
}

/* "a.c IS NOT b.c OR ..." over the registry columns plus EXTRA. Caller frees. */
static char *differs(const res_store *s, const char *a, const char *b, const char *const *extra)
{
    size_t n = 4 * strlen(s->param_cols) + 1024, used = 0;
    char *out = malloc(n);
    if (!out) return NULL;
    out[0] = 0;
    char *cols = strdup(s->param_cols);
    if (!cols) {
        free(out);
        return NULL;
    }
    for (char *tok = strtok(cols, ", "); tok; tok = strtok(NULL, ", "))
        used += (size_t)snprintf(out + used, n - used, "%s%s.%s IS NOT %s.%s", used ? " OR " : "", a, tok, b, tok);
    for (size_t i = 0; extra && extra[i]; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%s.%s IS NOT %s.%s", used ? " OR " : "", a, extra[i], b,
                                 extra[i]);
    free(cols);
    return out;
}

static int merge_points(res_store *s, const char *in_path)
{
    static const char *const extra[] = {"experiment_id", "point_index", "search_combo", "search_probe", NULL};
    char *cond = differs(s, "x", "m", extra);
    if (!cond) return res__failf(s, RES_ENOMEM, "out of memory");
    size_t n = strlen(cond) + 256;
    char *sql = malloc(n);
    int64_t bad = 0;
    int rc = sql ? 0 : res__failf(s, RES_ENOMEM, "out of memory");
    if (!rc) {
        snprintf(sql, n, "SELECT count(*) FROM src.points x JOIN main.points m ON m.point_id = x.point_id WHERE %s",
                 cond);
        rc = count_of(s, sql, &bad);
    }
    free(sql);
    free(cond);
    if (!rc && bad)
        rc = res__failf(s, RES_EMISMATCH, "%lld points of %s differ from the points with the same id in %s",
                        (long long)bad, in_path, s->path);
    if (!rc) rc = copy_rows(s, in_path, "INSERT OR IGNORE INTO main.points SELECT * FROM src.points");
    if (!rc)
        rc = res__exec(s, "UPDATE main.points SET stop_reason = (SELECT x.stop_reason FROM src.points x"
                          " WHERE x.point_id = main.points.point_id) WHERE stop_reason IS NULL");
    return rc;
}

/* The number of rows of TABLE in both databases (joined ON) that differ in
 * a column the model determines: those of SAME, then each outcome field
 * that is not wall-clock (COPY_ONLY: each such per-copy field), from the
 * outcome table. */
static int count_differing(res_store *s, const char *table, const char *on, const char *same, int copy_only,
                           int64_t *bad_out)
{
    char cond[4096];
    size_t used = (size_t)snprintf(cond, sizeof cond, "%s", same);
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *f = out_field_at(i);
        if (f->wall_clock || (copy_only && !f->per_copy)) continue;
        used += (size_t)snprintf(cond + used, sizeof cond - used, " OR x.%s IS NOT m.%s", f->name, f->name);
    }
    if (used >= sizeof cond) return res__failf(s, RES_ENOMEM, "too many outcome fields to compare");
    char sql[4600];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM src.%s x JOIN main.%s m ON %s WHERE %s", table, table, on, cond);
    return count_of(s, sql, bad_out);
}

static int merge_runs(res_store *s, const char *in_path, int64_t *added_out)
{
    int64_t bad = 0, bad_copies = 0, before = 0, after = 0;
    int rc = count_differing(s, "runs", "m.point_id = x.point_id AND m.replication = x.replication",
                             "x.run_id IS NOT m.run_id OR x.seed IS NOT m.seed", 0, &bad);
    if (!rc && bad)
        rc = res__failf(s, RES_EMISMATCH,
                        "%lld runs of %s differ from the same runs (point, replication) in %s: different builds "
                        "or a nondeterministic model",
                        (long long)bad, in_path, s->path);
    if (!rc)
        rc = count_differing(s, "copies", "m.run_id = x.run_id AND m.copy = x.copy",
                             "x.client_os IS NOT m.client_os OR x.client_cert IS NOT m.client_cert OR "
                             "x.start_s IS NOT m.start_s",
                             1, &bad_copies);
    if (!rc && bad_copies)
        rc = res__failf(s, RES_EMISMATCH,
                        "%lld copies of %s differ from the same copies (run, copy) in %s: different builds "
                        "or a nondeterministic model",
                        (long long)bad_copies, in_path, s->path);
    if (!rc) rc = count_of(s, "SELECT count(*) FROM main.runs", &before);
    if (!rc) rc = copy_rows(s, in_path, "INSERT OR IGNORE INTO main.runs SELECT * FROM src.runs");
    if (!rc) rc = copy_rows(s, in_path, "INSERT OR IGNORE INTO main.copies SELECT * FROM src.copies");
    if (!rc) rc = copy_rows(s, in_path, "INSERT OR IGNORE INTO main.interruptions SELECT * FROM src.interruptions");
    if (!rc) rc = copy_rows(s, in_path, "INSERT OR IGNORE INTO main.thresholds SELECT * FROM src.thresholds");
    /* A history row the output already has (this input merged before) is
     * the same event: it is not copied twice. */
    if (!rc)
        rc = copy_rows(s, in_path,
                       "INSERT INTO main.history(started_at, finished_at, command_line, rekeysim, git_commit,"
                       " outcome) SELECT started_at, finished_at, command_line, rekeysim, git_commit, outcome"
                       " FROM src.history x WHERE NOT EXISTS (SELECT 1 FROM main.history m WHERE"
                       " m.started_at IS x.started_at AND m.finished_at IS x.finished_at AND"
                       " m.command_line IS x.command_line AND m.rekeysim IS x.rekeysim AND"
                       " m.git_commit IS x.git_commit AND m.outcome IS x.outcome) ORDER BY history_id");
    if (!rc) rc = count_of(s, "SELECT count(*) FROM main.runs", &after);
    if (!rc) *added_out = after - before;
    return rc;
}

static int builds_differ(res_store *s, int *out)
{
    int64_t n = 0;
    int rc = count_of(s,
                      "SELECT count(*) FROM src.meta x JOIN main.meta m ON m.key = x.key"
                      " WHERE x.key IN ('git_commit', 'rekeysim_version') AND x.value IS NOT m.value",
                      &n);
    if (!rc) *out = n > 0;
    return rc;
}

int res_store_merge(res_store *s, const char *in_path, int64_t *runs_added_out, int *builds_differ_out)
{
    /* Open the input on its own first: it must be a readable rekeysim
     * database with this build's columns (res_store_new checks it). */
    char err[600];
    res_store *in = NULL;
    int rc = res_store_new(in_path, RES_OPEN_READONLY, NULL, err, sizeof err, &in);
    char *uri = rc ? NULL : strdup(in->uri);
    res_store_free(in);
    if (rc) return res__failf(s, rc, "%s", err);
    if (!uri) return res__failf(s, RES_ENOMEM, "out of memory");
    if (s->in_tx) {
        free(uri);
        return res__failf(s, RES_EIO, "merge inside an open transaction");
    }

    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(s->db, "ATTACH DATABASE ? AS src", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    free(uri);
    if (rc != SQLITE_DONE && rc != SQLITE_OK) return fail_in(s, rc, in_path);

    int64_t added = 0;
    int differ = 0;
    rc = res_store_begin(s);
    if (!rc) rc = builds_differ(s, &differ);
    if (!rc) rc = merge_experiments(s, in_path);
    if (!rc) rc = merge_points(s, in_path);
    if (!rc) rc = merge_runs(s, in_path, &added);
    if (!rc)
        rc = res_store_commit(s);
    else
        res_store_rollback(s);
    sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
    if (rc) return rc;
    *runs_added_out = added;
    *builds_differ_out = differ;
    return 0;
}
