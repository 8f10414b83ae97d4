/*
 * The results store: opening and checking a database, creating the schema
 * from results/schema.sql (embedded at build time) with one points column
 * per registry parameter, and the prepared statements that write and read
 * experiments, points, runs, interruptions and thresholds.
 *
 * Invariants: a file is written to only after it has been recognised as
 * rekeysim's (application_id, user_version, points columns equal to this
 * build's registry) or found empty; every statement is prepared, values are
 * bound, and the only identifiers ever spliced into SQL are the registry's
 * column names (checked to be [a-z0-9_]); writes happen inside a transaction
 * opened by res_store_begin, so a killed writer loses at most its open batch.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_version.h>
#include "config.h"
#include "models/core/params.h"
#include "results/build_info.h"
#include "results/schema_sql.h"
#include "results/store_int.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define PARAM_PLACEHOLDER "/*@PARAM_COLUMNS@*/"
#define T_QUANTILE_MAX_DF 1000

/* ---- errors ---- */

int res_error_is_input(int rc)
{
    return rc == RES_ENOTOURS || rc == RES_ENEWER || rc == RES_EMISMATCH || rc == RES_ENOENT;
}

const char *res_strerror(int rc)
{
    switch (rc) {
    case 0: return "success";
    case RES_EIO: return "I/O error";
    case RES_EBUSY: return "database is locked by another process";
    case RES_EREADONLY: return "database is read-only";
    case RES_EFULL: return "disk full";
    case RES_ENOMEM: return "out of memory";
    case RES_ENOTOURS: return "not a rekeysim database";
    case RES_ENEWER: return "database written by a newer rekeysim";
    case RES_EMISMATCH: return "databases or experiments do not match";
    case RES_ENOENT: return "no such database";
    }
    return "unknown error";
}

int res__code(int sqlite_rc)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return RES_EBUSY;
    case SQLITE_READONLY: return RES_EREADONLY;
    case SQLITE_FULL: return RES_EFULL;
    case SQLITE_NOMEM: return RES_ENOMEM;
    case SQLITE_NOTADB: return RES_ENOTOURS;
    }
    return RES_EIO;
}

int res__failf(res_store *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
    return rc;
}

int res__fail(res_store *s, int sqlite_rc, const char *what)
{
    int rc = res__code(sqlite_rc);
    if (rc == 0) rc = RES_EIO;
    const char *detail = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(sqlite_rc);
    return res__failf(s, rc, "%s: %s: %s", s->path, what, detail);
}

int res__exec(res_store *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : res__fail(s, rc, "cannot update the database");
}

void res__now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *res_store_errmsg(const res_store *s) { return s->msg; }

/* ---- the registry's columns ---- */

/* The column name of registry entry I, checked to be a plain identifier. */
static void param_column(size_t i, char *buf, size_t n)
{
    scn_param_column(scn_param_at(i), buf, n);
    for (const char *c = buf; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) {
            /* A registry name that is not an identifier is a programming error. */
            fprintf(stderr, "rekeysim: registry column '%s' is not an SQL identifier\n", buf);
            abort();
        }
}

/* "\"a\", \"b\" ..." (QUOTED) or "\"a\" INTEGER, ..." (with types). Caller frees. */
static char *param_column_list(int with_types)
{
    size_t cap = 64 * scn_param_count() + 16, used = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (size_t i = 0; i < scn_param_count(); i++) {
        char col[128];
        param_column(i, col, sizeof col);
        const char *type = scn_param_sql_type(scn_param_at(i));
        used += (size_t)snprintf(out + used, cap - used, "%s\"%s\"%s%s", i ? ", " : "", col, with_types ? " " : "",
                                 with_types ? type : "");
        if (used >= cap) {
            free(out);
            return NULL;
        }
    }
    return out;
}

/* ---- schema ---- */

static int fill_t_quantiles(res_store *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "INSERT INTO t_quantile(df, q975) VALUES (?, ?)", -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot create the schema");
    for (int df = 1; df <= T_QUANTILE_MAX_DF && rc == SQLITE_OK; df++) {
        sqlite3_bind_int(st, 1, df);
        sqlite3_bind_double(st, 2, sim_t_quantile(0.95, df));
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : res__fail(s, rc, "cannot fill t_quantile");
}

static int put_meta(res_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return rc == SQLITE_DONE || rc == SQLITE_OK ? 0 : res__fail(s, rc, "cannot write meta");
}

static int fill_meta(res_store *s, const char *command_line)
{
    char buf[64], now[32];
    res__now(now, sizeof now);
    snprintf(buf, sizeof buf, "%d", RES_SCHEMA_VERSION);
    const char *dirty = RES_GIT_DIRTY == 1 ? "1" : RES_GIT_DIRTY == 0 ? "0" : "unknown";
    const char *kv[][2] = {
        {"schema_version", buf},
        {"rekeysim_version", PACKAGE_VERSION},
        {"git_commit", RES_GIT_COMMIT},
        {"git_dirty", dirty},
        {"rng_scheme", SIM_RNG_SCHEME},
        {"gsl_version", gsl_version},
        {"sqlite_version", sqlite3_libversion()},
        {"command_line", command_line ? command_line : ""},
        {"created_at", now},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        int rc = put_meta(s, kv[i][0], kv[i][1]);
        if (rc) return rc;
    }
    return 0;
}

/* Creates every table and view in one transaction. */
static int create_schema(res_store *s, const char *command_line)
{
    char *cols = param_column_list(1);
    const char *at = strstr(RES_SCHEMA_SQL, PARAM_PLACEHOLDER);
    if (!cols) return res__failf(s, RES_ENOMEM, "out of memory");
    size_t n = strlen(RES_SCHEMA_SQL) + strlen(cols) + 1;
    char *sql = malloc(n);
    if (!sql || !at) {
        free(cols);
        free(sql);
        return res__failf(s, RES_ENOMEM, "out of memory");
    }
    size_t head = (size_t)(at - RES_SCHEMA_SQL);
    memcpy(sql, RES_SCHEMA_SQL, head);
    strcpy(sql + head, cols);
    strcat(sql, at + strlen(PARAM_PLACEHOLDER));
    free(cols);
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
             RES_APPLICATION_ID, RES_SCHEMA_VERSION);
    int rc = res__exec(s, "BEGIN IMMEDIATE");
    if (!rc) rc = res__exec(s, pragmas);
    if (!rc) rc = res__exec(s, sql);
    if (!rc) rc = fill_t_quantiles(s);
    if (!rc) rc = fill_meta(s, command_line);
    if (!rc) rc = res__exec(s, "COMMIT");
    if (rc) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    free(sql);
    return rc;
}

/* One integer from a single-row query (no parameters). */
static int query_int(res_store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read the database");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : res__fail(s, rc, "cannot read the database");
}

/* Checks that the points table has exactly this build's registry columns. */
static int check_columns(res_store *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT name FROM pragma_table_info('points') ORDER BY cid", -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read the database");
    size_t i = 0, n_fixed_head = 3, np = scn_param_count();
    static const char *const head[] = {"point_id", "experiment_id", "point_index"};
    static const char *const tail[] = {"search_combo", "search_probe", "stop_reason"};
    char want[128], first_bad[160] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *have = (const char *)sqlite3_column_text(st, 0);
        if (i < n_fixed_head) snprintf(want, sizeof want, "%s", head[i]);
        else if (i < n_fixed_head + np) param_column(i - n_fixed_head, want, sizeof want);
        else if (i < n_fixed_head + np + 3) snprintf(want, sizeof want, "%s", tail[i - n_fixed_head - np]);
        else want[0] = 0;
        if (!first_bad[0] && strcmp(want, have ? have : "") != 0)
            snprintf(first_bad, sizeof first_bad, "column %zu is '%s', this build expects '%s'", i + 1,
                     have ? have : "", want[0] ? want : "(none)");
        i++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return res__fail(s, rc, "cannot read the database");
    if (!first_bad[0] && i != n_fixed_head + np + 3)
        snprintf(first_bad, sizeof first_bad, "it has %zu columns, this build expects %zu", i, n_fixed_head + np + 3);
    if (first_bad[0])
        return res__failf(s, RES_EMISMATCH,
                          "%s: its points table was made by a rekeysim with other parameters (%s); "
                          "use a new database",
                          s->path, first_bad);
    return 0;
}

/* Recognises the file: 1 = empty (new), 0 = ours and usable, or an error. */
static int recognise(res_store *s)
{
    int64_t app, version, n_objects;
    int rc = query_int(s, "PRAGMA application_id", &app);
    if (rc == RES_ENOTOURS || rc == RES_EIO)
        return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (not an SQLite file)", s->path);
    if (!rc) rc = query_int(s, "PRAGMA user_version", &version);
    if (!rc) rc = query_int(s, "SELECT count(*) FROM sqlite_master", &n_objects);
    if (rc) return rc;
    if (app == 0 && version == 0 && n_objects == 0) return 1;
    if (app != RES_APPLICATION_ID)
        return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (an SQLite file of another application)",
                          s->path);
    if (version > RES_SCHEMA_VERSION)
        return res__failf(s, RES_ENEWER,
                          "%s has schema version %lld, newer than this rekeysim's %d; use a newer rekeysim",
                          s->path, (long long)version, RES_SCHEMA_VERSION);
    if (version < 1) return res__failf(s, RES_ENOTOURS, "%s has no rekeysim schema version", s->path);
    /* meta.schema_version is the version users and other tools read; a file
     * whose meta claims a newer schema is refused even if user_version was
     * left behind. */
    int64_t meta_version = 0;
    rc = query_int(s, "SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM meta WHERE key = 'schema_version'",
                   &meta_version);
    if (rc) return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (no readable meta table)", s->path);
    if (meta_version > RES_SCHEMA_VERSION)
        return res__failf(s, RES_ENEWER,
                          "%s has schema version %lld, newer than this rekeysim's %d; use a newer rekeysim",
                          s->path, (long long)meta_version, RES_SCHEMA_VERSION);
    return check_columns(s);
}

static int prepare(res_store *s, sqlite3_stmt **st, const char *sql)
{
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    return rc == SQLITE_OK ? 0 : res__fail(s, rc, "cannot prepare a statement");
}

static int prepare_get_point(res_store *s)
{
    size_t n = strlen(s->param_cols) + 64;
    char *sql = malloc(n);
    if (!sql) return res__failf(s, RES_ENOMEM, "out of memory");
    snprintf(sql, n, "SELECT %s FROM points WHERE point_id = ?", s->param_cols);
    int rc = prepare(s, &s->get_point, sql);
    free(sql);
    return rc;
}

static int prepare_all(res_store *s)
{
    size_t np = scn_param_count();
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
    if (!rc)
        rc = prepare(s, &s->ins_run,
                     "INSERT INTO runs(run_id, point_id, replication, seed, completed, failure, bytes_done, "
                     "setup_s, duration_s, n_interruptions, first_interruption_s, first_interruption_bytes, "
                     "n_negotiations, n_negotiation_failures, n_fallbacks, n_rekeys, n_retransmits, events, "
                     "events_per_s, peak_pending, wall_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                     "?, ?, ?, ?, ?, ?, ?)");
    if (!rc)
        rc = prepare(s, &s->ins_intr,
                     "INSERT INTO interruptions(run_id, episode, start_s, end_s, bytes_at_start, cause) "
                     "VALUES (?, ?, ?, ?, ?, ?)");
    if (!rc)
        rc = prepare(s, &s->ins_threshold,
                     "INSERT OR REPLACE INTO thresholds(experiment_id, search_combo, point_id, param, outcome, "
                     "target, critical, lo, hi, status, n_probes, n_runs, n_undecided) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    return rc;
}

/* Opens the connection; sets *new_out when there is no file or an empty one. */
static int open_db(res_store *s, int flags, int *new_out)
{
    struct stat sb;
    int exists = stat(s->path, &sb) == 0;
    if (!exists && !(flags & RES_OPEN_CREATE))
        return res__failf(s, RES_ENOENT, "%s: no such database", s->path);
    if (exists && S_ISDIR(sb.st_mode)) return res__failf(s, RES_ENOENT, "%s is a directory", s->path);
    if (exists && access(s->path, R_OK) != 0)
        return res__failf(s, RES_EIO, "%s: cannot read: %s", s->path, strerror(errno));
    int oflags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(s->path, &s->db, oflags, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot open");
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 2000);
    *new_out = !exists || sb.st_size == 0;
    return 0;
}

int res_store_new(const char *path, int flags, const char *command_line, char *err, size_t errlen,
                  res_store **store_out)
{
    res_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return RES_ENOMEM;
    }
    s->readonly = (flags & RES_OPEN_READONLY) != 0;
    const char *hook = getenv("REKEYSIM_TEST_KILL_AFTER_COMMIT");
    s->kill_after_commit = hook ? atol(hook) : 0;
    int is_new = 0;
    int rc = open_db(s, flags, &is_new);
    if (!rc) {
        rc = recognise(s);
        if (rc == 1 && s->readonly) rc = res__failf(s, RES_ENOTOURS, "%s is an empty database", path);
        if (rc == 1) is_new = 1, rc = 0;
        else if (rc == 0) is_new = 0;
    }
    if (!rc && !s->readonly && sqlite3_db_readonly(s->db, "main") == 1)
        rc = res__failf(s, RES_EREADONLY, "%s is read-only (file or directory permissions)", path);
    if (!rc && !s->readonly) {
        rc = res__exec(s, "PRAGMA journal_mode = WAL");
        if (!rc) rc = res__exec(s, "PRAGMA synchronous = NORMAL");
    }
    if (!rc) rc = res__exec(s, "PRAGMA foreign_keys = ON");
    if (!rc && is_new) rc = create_schema(s, command_line);
    if (!rc && !(s->param_cols = param_column_list(0))) rc = res__failf(s, RES_ENOMEM, "out of memory");
    if (!rc) rc = prepare_get_point(s);
    if (!rc && !s->readonly) rc = prepare_all(s);
    if (rc) {
        snprintf(err, errlen, "%s", s->msg);
        res_store_free(s);
        return rc;
    }
    *store_out = s;
    return 0;
}

void res_store_free(res_store *s)
{
    if (!s) return;
    if (s->in_tx) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(s->ins_point);
    sqlite3_finalize(s->ins_run);
    sqlite3_finalize(s->ins_intr);
    sqlite3_finalize(s->get_point);
    sqlite3_finalize(s->ins_threshold);
    sqlite3_close(s->db);
    free(s->param_cols);
    free(s->path);
    free(s);
}

int res_store_meta(res_store *s, const char *key, char *buf, size_t n)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int out = RES_ENOENT;
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(buf, n, "%s", v ? (const char *)v : "");
        out = 0;
    } else if (rc != SQLITE_DONE) {
        out = res__fail(s, rc, "cannot read meta");
    }
    sqlite3_finalize(st);
    return out;
}

int res_store_same_build(res_store *s)
{
    char commit[64], version[64];
    if (res_store_meta(s, "git_commit", commit, sizeof commit) ||
        res_store_meta(s, "rekeysim_version", version, sizeof version))
        return -1;
    return !strcmp(commit, RES_GIT_COMMIT) && !strcmp(version, PACKAGE_VERSION);
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

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v)) sqlite3_bind_null(st, i);
    else sqlite3_bind_double(st, i, v);
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
    char **strs[] = {&e->name, &e->spec_text, &e->spec_hash, &e->spec_file, &e->created_at,
                     &e->kind, &e->status, &e->target_outcome, &e->search_param, &e->search_outcome};
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

#define EXPERIMENT_COLUMNS                                                                                    \
    "experiment_id, name, spec_text, spec_hash, spec_file, created_at, kind, master_seed, replications, "   \
    "max_replications, target_outcome, target_halfwidth, search_param, search_outcome, search_value, "       \
    "search_precision, n_combos, probes_per_combo, first_point_id, n_point_ids, status"

int res_experiments_list(res_store *s, res_experiment **list_out, size_t *n_out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT " EXPERIMENT_COLUMNS " FROM experiments ORDER BY experiment_id",
                                -1, &st, NULL);
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
    bind_text_or_null(st, 1, e->name);
    bind_text_or_null(st, 2, e->spec_text);
    bind_text_or_null(st, 3, e->spec_hash);
    bind_text_or_null(st, 4, e->spec_file);
    bind_text_or_null(st, 5, now);
    bind_text_or_null(st, 6, e->kind);
    sqlite3_bind_int64(st, 7, (int64_t)e->master_seed);
    sqlite3_bind_int64(st, 8, e->replications);
    sqlite3_bind_int64(st, 9, e->max_replications);
    bind_text_or_null(st, 10, e->target_outcome);
    bind_real_or_null(st, 11, e->target_halfwidth);
    bind_text_or_null(st, 12, e->search_param);
    bind_text_or_null(st, 13, e->search_outcome);
    bind_real_or_null(st, 14, e->search_value);
    bind_real_or_null(st, 15, e->search_precision);
    sqlite3_bind_int64(st, 16, e->n_combos);
    sqlite3_bind_int64(st, 17, e->probes_per_combo);
    sqlite3_bind_int64(st, 18, e->first_point_id);
    sqlite3_bind_int64(st, 19, e->n_point_ids);
    bind_text_or_null(st, 20, e->status ? e->status : "running");
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
    int rc = query_int(s, "SELECT coalesce(max(first_point_id + n_point_ids), 1) FROM experiments", &v);
    if (rc) return rc;
    int64_t p;
    rc = query_int(s, "SELECT coalesce(max(point_id) + 1, 1) FROM points", &p);
    if (rc) return rc;
    *id_out = v > p ? v : p;
    return 0;
}

/* ---- points ---- */

int res_point_insert(res_store *s, int64_t point_id, int64_t experiment_id, int64_t point_index,
                     int64_t combo, int64_t probe, const scn_config *cfg)
{
    sqlite3_stmt *st = s->ins_point;
    sqlite3_bind_int64(st, 1, point_id);
    sqlite3_bind_int64(st, 2, experiment_id);
    sqlite3_bind_int64(st, 3, point_index);
    if (combo > 0) sqlite3_bind_int64(st, 4, combo);
    else sqlite3_bind_null(st, 4);
    if (probe > 0) sqlite3_bind_int64(st, 5, probe);
    else sqlite3_bind_null(st, 5);
    for (size_t i = 0; i < scn_param_count(); i++) {
        const scn_param *p = scn_param_at(i);
        int col = 6 + (int)i;
        double v = scn_param_load(p, cfg);
        switch (p->type) {
        case PRM_ENUM: bind_text_or_null(st, col, scn_param_text(p, cfg)); break;
        case PRM_TIME: sqlite3_bind_double(st, col, v / 1e9); break;
        case PRM_PROB:
        case PRM_REAL: sqlite3_bind_double(st, col, v); break;
        default: sqlite3_bind_int64(st, col, (int64_t)llround(v));
        }
    }
    return step_write(s, st, "cannot add a point");
}

int res_point_set_stop(res_store *s, int64_t point_id, const char *reason)
{
    return update_text(s, "UPDATE points SET stop_reason = ?1 WHERE point_id = ?2", reason, point_id,
                       "cannot update a point");
}

/* The base-unit value of registry entry P from column I of ST. */
static int column_value(const scn_param *p, sqlite3_stmt *st, int i, double *out)
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
    case PRM_TIME: *out = (double)llround(sqlite3_column_double(st, i) * 1e9); return 0;
    case PRM_PROB:
    case PRM_REAL: *out = sqlite3_column_double(st, i); return 0;
    default: *out = (double)sqlite3_column_int64(st, i); return 0;
    }
}

int res_point_get(res_store *s, int64_t point_id, int *exists_out, scn_config *cfg_out)
{
    sqlite3_stmt *st = s->get_point;
    sqlite3_bind_int64(st, 1, point_id);
    int rc = sqlite3_step(st), out = 0;
    if (rc == SQLITE_ROW && cfg_out) {
        scn_config cfg;
        scn_config_defaults(&cfg);
        for (size_t i = 0; i < scn_param_count() && !out; i++) {
            const scn_param *p = scn_param_at(i);
            double v;
            if (column_value(p, st, (int)i, &v) != 0)
                out = res__failf(s, RES_EMISMATCH, "%s: point %lld has no valid value for %s", s->path,
                                 (long long)point_id, p->name);
            else scn_param_store(p, &cfg, v);
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

/* ---- runs ---- */

static int insert_interruptions(res_store *s, int64_t run_id, const scn_result *r)
{
    for (uint64_t i = 0; i < r->n_interruptions && r->interruptions; i++) {
        const scn_interruption *in = &r->interruptions[i];
        sqlite3_stmt *st = s->ins_intr;
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_double(st, 3, in->start_s);
        bind_real_or_null(st, 4, in->end_s);
        sqlite3_bind_int64(st, 5, (int64_t)in->bytes_at_start);
        sqlite3_bind_text(st, 6, scn_cause_name(in->cause), -1, SQLITE_STATIC);
        int rc = step_write(s, st, "cannot add an interruption");
        if (rc) return rc;
    }
    return 0;
}

int res_run_insert(res_store *s, int64_t point_id, uint32_t replication, uint64_t seed, const scn_result *r)
{
    sqlite3_stmt *st = s->ins_run;
    int64_t run_id = point_id * RES_RUN_ID_STRIDE + replication;
    int k = 1;
    sqlite3_bind_int64(st, k++, run_id);
    sqlite3_bind_int64(st, k++, point_id);
    sqlite3_bind_int64(st, k++, replication);
    sqlite3_bind_int64(st, k++, (int64_t)seed);
    sqlite3_bind_int(st, k++, r->completed ? 1 : 0);
    sqlite3_bind_text(st, k++, scn_failure_name(r->failure), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, k++, (int64_t)r->bytes_done);
    bind_real_or_null(st, k++, r->setup_s);
    bind_real_or_null(st, k++, r->duration_s);
    sqlite3_bind_int64(st, k++, (int64_t)r->n_interruptions);
    bind_real_or_null(st, k++, r->first_interruption_s);
    if (isnan(r->first_interruption_bytes)) sqlite3_bind_null(st, k++);
    else sqlite3_bind_int64(st, k++, (int64_t)llround(r->first_interruption_bytes));
    sqlite3_bind_int64(st, k++, (int64_t)r->n_negotiations);
    sqlite3_bind_int64(st, k++, (int64_t)r->n_negotiation_failures);
    sqlite3_bind_int64(st, k++, (int64_t)r->n_fallbacks);
    sqlite3_bind_int64(st, k++, (int64_t)r->n_rekeys);
    sqlite3_bind_int64(st, k++, (int64_t)r->n_retransmits);
    sqlite3_bind_int64(st, k++, (int64_t)r->events);
    bind_real_or_null(st, k++, r->events_per_s);
    sqlite3_bind_int64(st, k++, (int64_t)r->peak_pending);
    bind_real_or_null(st, k++, r->wall_s);
    int rc = step_write(s, st, "cannot add a run");
    return rc ? rc : insert_interruptions(s, run_id, r);
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

/* ---- thresholds ---- */

int res_threshold_put(res_store *s, const res_threshold *t)
{
    sqlite3_stmt *st = s->ins_threshold;
    sqlite3_bind_int64(st, 1, t->experiment_id);
    sqlite3_bind_int64(st, 2, t->combo);
    sqlite3_bind_int64(st, 3, t->point_id);
    bind_text_or_null(st, 4, t->param);
    bind_text_or_null(st, 5, t->outcome);
    sqlite3_bind_double(st, 6, t->target);
    bind_real_or_null(st, 7, t->critical);
    bind_real_or_null(st, 8, t->lo);
    bind_real_or_null(st, 9, t->hi);
    bind_text_or_null(st, 10, t->status);
    sqlite3_bind_int64(st, 11, t->n_probes);
    sqlite3_bind_int64(st, 12, t->n_runs);
    sqlite3_bind_int64(st, 13, t->n_undecided);
    return step_write(s, st, "cannot add a threshold");
}

int res_thresholds_scan(res_store *s, int64_t experiment_id,
                        int (*fn)(void *ctx, const res_threshold *t, const scn_config *cfg), void *ctx)
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
        scn_config cfg;
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
        " (SELECT count(*) FROM points WHERE experiment_id = ?1 AND stop_reason IS NOT NULL)",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot count runs");
    sqlite3_bind_int64(st, 1, experiment_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        res_counts c = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                        sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5)};
        *out = c;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : res__fail(s, rc, "cannot count runs");
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
    int rc = sqlite3_prepare_v2(s->db, "UPDATE history SET finished_at = ?, outcome = ? WHERE history_id = ?", -1,
                                &st, NULL);
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
