/*
 * The results store's connection and schema: opening a database, telling
 * rekeysim's files from others (application_id, user_version, meta, and the
 * columns of points and runs), creating the schema from results/schema.sql
 * (embedded at build time) with one points column per registry parameter and
 * one runs column per outcome field, the build's meta, and the error codes.
 * Row reads and writes are in rows.c.
 *
 * Invariants: a file is written to only after it has been recognised as
 * rekeysim's or found empty; the only identifiers ever spliced into SQL are
 * the registry's and the outcome table's column names (checked to be
 * [a-z0-9_]); the schema is created in one transaction, by whichever of two
 * racing creators gets the write lock first; a reader leaves nothing beside
 * the file that was not there (reader_mode says how each case is opened).
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_version.h>
#include "config.h"
#include "models/core/outcome.h"
#include "models/core/params.h"
#include "results/build_info.h"
#include "results/schema_sql.h"
#include "results/store_int.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define PARAM_PLACEHOLDER "/*@PARAM_COLUMNS@*/"
#define OUTCOME_PLACEHOLDER "/*@OUTCOME_COLUMNS@*/"
#define COPY_PLACEHOLDER "/*@COPY_COLUMNS@*/"
#define T_QUANTILE_MAX_DF 1000

/* ---- errors ---- */

int res_error_is_input(int rc)
{
    return rc == RES_ENOTOURS || rc == RES_ENEWER || rc == RES_EMISMATCH || rc == RES_ENOENT || rc == RES_ENAME;
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
    case RES_EGONE: return "database deleted or replaced while being written";
    case RES_ENAME: return "file name too long for a database";
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

/* The column name of registry entry I. The registry's names are dotted
 * identifiers, so the column is [a-z0-9_]+; the test of the registry checks
 * every name, and this assert keeps SQL splicing safe in debug builds. */
static void param_column(size_t i, char *buf, size_t n)
{
    prm_column(prm_at(i), buf, n);
    for (const char *c = buf; *c; c++) assert((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
}

/* "\"a\", \"b\" ..." (QUOTED) or "\"a\" INTEGER, ..." (with types). Caller frees. */
static char *param_column_list(int with_types)
{
    size_t cap = 64 * prm_count() + 16, used = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (size_t i = 0; i < prm_count(); i++) {
        char col[128];
        param_column(i, col, sizeof col);
        const char *type = prm_sql_type(prm_at(i));
        used += (size_t)snprintf(out + used, cap - used, "%s\"%s\"%s%s", i ? ", " : "", col, with_types ? " " : "",
                                 with_types ? type : "");
        if (used >= cap) {
            free(out);
            return NULL;
        }
    }
    return out;
}

/* "    name TYPE,\n" for every outcome field (COPY_ONLY: every per-copy
 * field), in table order. Caller frees. */
static char *outcome_column_list(int copy_only)
{
    size_t cap = 96 * out_field_count() + 16, used = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *f = out_field_at(i);
        if (copy_only && !f->per_copy) continue;
        used += (size_t)snprintf(out + used, cap - used, "%s    %-25s %s", used ? ",\n" : "", f->name,
                                 out_field_sql_decl(f));
        if (used >= cap) {
            free(out);
            return NULL;
        }
    }
    return out;
}

/* TEXT with the first occurrence of MARK replaced by WITH. Caller frees. */
static char *replace_mark(const char *text, const char *mark, const char *with)
{
    const char *at = strstr(text, mark);
    if (!at) return NULL;
    size_t head = (size_t)(at - text), n = strlen(text) + strlen(with) + 1;
    char *out = malloc(n);
    if (!out) return NULL;
    memcpy(out, text, head);
    strcpy(out + head, with);
    strcat(out, at + strlen(mark));
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
        double t = sim_t_quantile(0.95, df);
        if (isnan(t)) {
            sqlite3_finalize(st);
            return res__failf(s, RES_EIO, "GSL could not compute the t quantile for df %d", df);
        }
        sqlite3_bind_double(st, 2, t);
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

/* Creates every table and view in one transaction. Returns 0, 1 when the
 * file turned out to have a schema already (made by another process since
 * it was found empty), or a RES_E* code. */
static int create_schema(res_store *s, const char *command_line)
{
    char *cols = param_column_list(1), *outs = outcome_column_list(0), *copy_outs = outcome_column_list(1);
    char *with_params = cols && outs && copy_outs ? replace_mark(RES_SCHEMA_SQL, PARAM_PLACEHOLDER, cols) : NULL;
    char *with_outs = with_params ? replace_mark(with_params, OUTCOME_PLACEHOLDER, outs) : NULL;
    char *sql = with_outs ? replace_mark(with_outs, COPY_PLACEHOLDER, copy_outs) : NULL;
    free(cols);
    free(outs);
    free(copy_outs);
    free(with_params);
    free(with_outs);
    if (!sql) return res__failf(s, RES_ENOMEM, "out of memory");
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d;", RES_APPLICATION_ID,
             RES_SCHEMA_VERSION);
    int rc = res__exec(s, "BEGIN IMMEDIATE");
    /* Two sweeps may both have found the file empty; the second to get
     * here must not create the schema again. */
    int64_t n_objects = 0;
    if (!rc) rc = res__query_int(s, "SELECT count(*) FROM sqlite_master", &n_objects);
    if (!rc && n_objects > 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        free(sql);
        return 1;
    }
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
int res__query_int(res_store *s, const char *sql, int64_t *out)
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
    size_t i = 0, n_fixed_head = 3, np = prm_count();
    static const char *const head[] = {"point_id", "experiment_id", "point_index"};
    static const char *const tail[] = {"search_combo", "search_probe", "stop_reason"};
    char want[128], first_bad[160] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *have = (const char *)sqlite3_column_text(st, 0);
        if (i < n_fixed_head)
            snprintf(want, sizeof want, "%s", head[i]);
        else if (i < n_fixed_head + np)
            param_column(i - n_fixed_head, want, sizeof want);
        else if (i < n_fixed_head + np + 3)
            snprintf(want, sizeof want, "%s", tail[i - n_fixed_head - np]);
        else
            want[0] = 0;
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

/* The name of the Kth outcome field (COPY_ONLY: the Kth per-copy field), or
 * "(none)". */
static const char *outcome_column(size_t k, int copy_only)
{
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *f = out_field_at(i);
        if (copy_only && !f->per_copy) continue;
        if (k-- == 0) return f->name;
    }
    return "(none)";
}

/* Checks that TABLE (runs, or copies with COPY_ONLY) has the N_HEAD columns
 * HEAD and then this build's outcome columns, in order. */
static int check_outcome_columns(res_store *s, const char *table, const char *const *head, size_t n_head, int copy_only)
{
    sqlite3_stmt *st;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') ORDER BY cid", table);
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot read the database");
    size_t i = 0, n_want = n_head;
    while (strcmp(outcome_column(n_want - n_head, copy_only), "(none)")) n_want++;
    char first_bad[200] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *have = (const char *)sqlite3_column_text(st, 0);
        const char *want = i < n_head ? head[i] : i < n_want ? outcome_column(i - n_head, copy_only) : "(none)";
        if (!first_bad[0] && strcmp(want, have ? have : "") != 0)
            snprintf(first_bad, sizeof first_bad, "column %zu is '%s', this build expects '%s'", i + 1,
                     have ? have : "", want);
        i++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return res__fail(s, rc, "cannot read the database");
    if (!first_bad[0] && i != n_want)
        snprintf(first_bad, sizeof first_bad, "it has %zu columns, this build expects %zu", i, n_want);
    if (first_bad[0])
        return res__failf(s, RES_EMISMATCH,
                          "%s: its %s table was made by a rekeysim with other outcome fields (%s); "
                          "use a new database",
                          s->path, table, first_bad);
    return 0;
}

static int check_run_columns(res_store *s)
{
    static const char *const runs_head[] = {"run_id", "point_id", "replication", "seed"};
    static const char *const copies_head[] = {"run_id", "copy", "client_os", "client_cert", "start_s"};
    int rc = check_outcome_columns(s, "runs", runs_head, 4, 0);
    return rc ? rc : check_outcome_columns(s, "copies", copies_head, 5, 1);
}

/* Recognises the file: 1 = empty (new), 0 = ours and usable, or an error. */
static int recognise(res_store *s)
{
    int64_t app, version, n_objects;
    int rc = res__query_int(s, "PRAGMA application_id", &app);
    if (rc == RES_ENOTOURS)
        return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (not an SQLite file)", s->path);
    if (!rc) rc = res__query_int(s, "PRAGMA user_version", &version);
    if (!rc) rc = res__query_int(s, "SELECT count(*) FROM sqlite_master", &n_objects);
    if (rc) return rc;
    if (app == 0 && version == 0 && n_objects == 0) return 1;
    if (app != RES_APPLICATION_ID)
        return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (an SQLite file of another application)",
                          s->path);
    if (version > RES_SCHEMA_VERSION)
        return res__failf(s, RES_ENEWER,
                          "%s has schema version %lld, newer than this rekeysim's %d; use a newer rekeysim", s->path,
                          (long long)version, RES_SCHEMA_VERSION);
    if (version < 1) return res__failf(s, RES_ENOTOURS, "%s has no rekeysim schema version", s->path);
    if (version < RES_SCHEMA_VERSION)
        return res__failf(s, RES_EMISMATCH,
                          "%s has schema version %lld, from an older rekeysim (version %d: %s); sweep its "
                          "spec into a new database",
                          s->path, (long long)version, RES_SCHEMA_VERSION, RES_SCHEMA_HISTORY);
    /* meta.schema_version is the version users and other tools read; a file
     * whose meta claims a newer schema is refused even if user_version was
     * left behind. */
    int64_t meta_version = 0;
    rc = res__query_int(s, "SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM meta WHERE key = 'schema_version'",
                        &meta_version);
    if (rc) return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (no readable meta table)", s->path);
    if (meta_version > RES_SCHEMA_VERSION)
        return res__failf(s, RES_ENEWER,
                          "%s has schema version %lld, newer than this rekeysim's %d; use a newer rekeysim", s->path,
                          (long long)meta_version, RES_SCHEMA_VERSION);
    rc = check_columns(s);
    return rc ? rc : check_run_columns(s);
}

/* ---- opening ---- */

/* The directory part of PATH ("." when it has none). */
static void dir_of(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == buf)
        buf[1] = 0;
    else
        *slash = 0;
}

/* The SQLite URI of PATH with QUERY (NULL: none) in BUF; -1 if too long.
 * Every byte but [A-Za-z0-9/._~-] is percent-encoded, so no file name can
 * be read as a URI parameter. */
static int make_uri(const char *path, const char *query, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "file:%s", path[0] == '/' ? "//" : "");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if (used + 4 >= n) return -1;
        if (isalnum(*c) || (*c && strchr("/._~-", *c)))
            buf[used++] = (char)*c;
        else
            used += (size_t)snprintf(buf + used, n - used, "%%%02X", *c);
    }
    used += (size_t)snprintf(buf + used, n - used, "%s%s", query ? "?" : "", query ? query : "");
    return used < n ? 0 : -1;
}

int res_store_check_name(const char *path, char *err, size_t errlen)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    long max = pathconf(dir, _PC_NAME_MAX);
    if (max <= 0) max = 255; /* the directory may not exist yet */
    size_t n = strlen(base);
    if (n + strlen("-wal") > (size_t)max) {
        snprintf(err, errlen,
                 "%s: the file name is too long: %zu characters, and SQLite's journal file beside it adds 4 "
                 "(-wal), beyond the %ld this file system allows; choose a shorter --db or spec file name",
                 path, n, max);
        return RES_ENAME;
    }
    return 0;
}

enum { MODE_RW, MODE_RO, MODE_IMMUTABLE, MODE_WRITER };

/* How a reader opens S->path; MODE_* or a RES_E* code with the message.
 *   - Nothing beside the file, file and directory writable: a read-write
 *     connection that never writes (PRAGMA query_only). SQLite makes a -wal
 *     and a -shm for any reader of a WAL database, and only a connection
 *     that may write deletes them when it closes last; mode=ro would leave
 *     them behind after every status, plot or report.
 *   - A -wal or -shm beside it (a sweep is writing, or one was killed):
 *     mode=ro, which reads the committed frames of the -wal through the
 *     -shm and never checkpoints them into the file.
 *   - A directory that cannot be written (read-only media) without a -wal
 *     holding data: immutable=1. A WAL reader needs a -shm it cannot create
 *     there, and no one can be writing the file, so the main file is the
 *     whole database. The same for a file this user cannot write, with
 *     nothing beside it: mode=ro would leave a -wal and -shm owned by this
 *     user that could later keep the file's owner from writing it.
 *   - A -wal with data but no -shm there: refused. immutable=1 would show
 *     the database without its last commits, and SQLite cannot read the
 *     -wal without a -shm.
 * Rejected: immutable=1 whenever nothing is beside the file; a sweep that
 * starts meanwhile would checkpoint pages under the reader. */
static int reader_mode(res_store *s)
{
    char wal[4200], shm[4200], dir[4096];
    struct stat wsb, ssb;
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    snprintf(shm, sizeof shm, "%s-shm", s->path);
    dir_of(s->path, dir, sizeof dir);
    int has_wal = stat(wal, &wsb) == 0, has_shm = stat(shm, &ssb) == 0;
    int dir_w = access(dir, W_OK) == 0, file_w = access(s->path, W_OK) == 0;
    if (!has_wal && !has_shm) return dir_w && file_w ? MODE_RW : MODE_IMMUTABLE;
    if (has_shm || dir_w) return MODE_RO;
    if (wsb.st_size == 0) return MODE_IMMUTABLE;
    return res__failf(s, RES_EIO,
                      "%s cannot be read here: its write-ahead log %s holds committed runs, and %s-shm, which "
                      "SQLite needs to read it, is missing and cannot be made in the read-only directory %s; "
                      "copy the database with its -wal to a writable directory",
                      s->path, wal, s->path, dir);
}

/* Whether a writer could write S->path: 0, or RES_EREADONLY with a message
 * (EROFS: read-only media; else permissions). A WAL writer also needs to
 * create the -wal and -shm beside the file when they are not there. */
static int writer_check(res_store *s, int exists)
{
    char dir[4096], wal[4200];
    dir_of(s->path, dir, sizeof dir);
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    int e = 0;
    if (exists && access(s->path, W_OK) != 0)
        e = errno;
    else if (access(dir, W_OK) != 0) {
        e = errno;
        /* An existing -wal that can be written is all a WAL writer needs. */
        if (exists && access(wal, W_OK) == 0) e = 0;
    }
    if (e == 0 || e == ENOENT) return 0; /* a missing directory: SQLite says so when it opens */
    if (!exists)
        return res__failf(s, RES_EREADONLY, "%s cannot be created: the directory %s is read-only (%s)", s->path, dir,
                          e == EROFS ? "read-only file system" : "permissions");
    return res__failf(s, RES_EREADONLY, "%s is read-only (%s)", s->path,
                      e == EROFS ? "read-only file system" : "file or directory permissions");
}

/* recognise() on one snapshot of the file: its queries in one read
 * transaction, so that a schema another process commits meanwhile is seen
 * whole or not at all (never an application_id of 0 beside tables). */
static int recognise_snapshot(res_store *s)
{
    int began = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    int rc = recognise(s);
    if (began) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

/* Opens the connection; sets *new_out when there is no file or an empty one.
 * A non-empty file must begin with SQLite's magic: anything else is not an
 * SQLite file, whatever SQLite would make of it. */
static int open_db(res_store *s, int flags, int *new_out)
{
    struct stat sb;
    int exists = stat(s->path, &sb) == 0;
    if (!exists && !(flags & RES_OPEN_CREATE)) return res__failf(s, RES_ENOENT, "%s: no such database", s->path);
    if (exists && S_ISDIR(sb.st_mode)) return res__failf(s, RES_ENOENT, "%s is a directory", s->path);
    if (exists && access(s->path, R_OK) != 0)
        return res__failf(s, RES_EIO, "%s: cannot read: %s", s->path, strerror(errno));
    if (exists && sb.st_size > 0) {
        char magic[16] = "";
        FILE *f = fopen(s->path, "rb");
        size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
        if (f) fclose(f);
        if (!f) return res__failf(s, RES_EIO, "%s: cannot read: %s", s->path, strerror(errno));
        if (got < sizeof magic || memcmp(magic, "SQLite format 3", sizeof magic) != 0)
            return res__failf(s, RES_ENOTOURS, "%s is not a rekeysim database (not an SQLite file)", s->path);
    }
    int mode = MODE_WRITER;
    if (!s->readonly && !(exists && sb.st_size > 0) && (flags & RES_OPEN_CREATE)) {
        char err[600];
        int rc = res_store_check_name(s->path, err, sizeof err);
        if (rc) return res__failf(s, rc, "%s", err);
        rc = writer_check(s, exists);
        if (rc) return rc;
    }
    /* A writer given a file it cannot write reads it first, so that a file
     * that is not rekeysim's is still bad input; res_store_new then refuses
     * to write it. */
    if (!s->readonly && exists && sb.st_size > 0 && writer_check(s, 1)) s->readonly = 2;
    if (s->readonly) mode = reader_mode(s);
    if (mode < 0) return mode;
    const char *query = mode == MODE_RO ? "mode=ro" : mode == MODE_IMMUTABLE ? "immutable=1" : "mode=rw";
    int oflags = SQLITE_OPEN_URI | SQLITE_OPEN_READWRITE;
    if (mode == MODE_RO || mode == MODE_IMMUTABLE)
        oflags = SQLITE_OPEN_URI | SQLITE_OPEN_READONLY;
    else if (mode == MODE_WRITER)
        oflags |= SQLITE_OPEN_CREATE;
    char uri[8400];
    if (make_uri(s->path, mode == MODE_WRITER ? NULL : query, uri, sizeof uri) != 0)
        return res__failf(s, RES_ENAME, "%s: the path is too long", s->path);
    if (!(s->uri = strdup(uri))) return res__failf(s, RES_ENOMEM, "out of memory");
    int rc = sqlite3_open_v2(uri, &s->db, oflags, NULL);
    if (rc != SQLITE_OK) return res__fail(s, rc, "cannot open");
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 2000);
    if (mode == MODE_RW && (rc = res__exec(s, "PRAGMA query_only = 1")) != 0) return rc;
    *new_out = !exists || sb.st_size == 0;
    return 0;
}

/* Remembers which file was opened, so that commits notice it vanishing. */
static void note_identity(res_store *s)
{
    struct stat sb;
    if (stat(s->path, &sb) == 0) {
        s->dev = (unsigned long long)sb.st_dev;
        s->ino = (unsigned long long)sb.st_ino;
    }
}

int res__check_identity(res_store *s)
{
    struct stat sb;
    if (stat(s->path, &sb) == 0 && (unsigned long long)sb.st_dev == s->dev && (unsigned long long)sb.st_ino == s->ino)
        return 0;
    return res__failf(s, RES_EGONE,
                      "%s was deleted or replaced while rekeysim was writing it; the rows written since are lost "
                      "with the deleted file",
                      s->path);
}

int res_store_lock(res_store *s)
{
    if (s->lock_fd >= 0) return 0;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return res__failf(s, RES_EIO, "%s: cannot open: %s", s->path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return res__failf(s, RES_EBUSY, "%s is being written by a sweep or a merge; wait for it to finish",
                              s->path);
        return res__failf(s, RES_EIO, "%s: cannot lock: %s", s->path, strerror(e));
    }
    s->lock_fd = fd;
    return 0;
}

int res_store_lock_fd(const res_store *s) { return s->lock_fd; }

/* Creates the schema of a new file, unless another process did so between
 * our look at the file and our write lock: then the file is recognised as
 * an existing one. Returns 0 or a RES_E* code. */
static int create_or_recognise(res_store *s, const char *command_line)
{
    int rc = create_schema(s, command_line);
    if (rc != 1) return rc;
    rc = recognise_snapshot(s);
    return rc == 1 ? res__failf(s, RES_EIO, "%s: another process emptied the database meanwhile", s->path) : rc;
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
    s->lock_fd = -1;
    s->readonly = (flags & RES_OPEN_READONLY) != 0;
    const char *hook = getenv("REKEYSIM_TEST_KILL_AFTER_COMMIT");
    s->kill_after_commit = hook ? atol(hook) : 0;
    int is_new = 0;
    int rc = open_db(s, flags, &is_new);
    if (!rc) {
        rc = recognise_snapshot(s);
        if (rc == 1 && s->readonly) rc = res__failf(s, RES_ENOTOURS, "%s is an empty database", path);
        if (rc == 1)
            is_new = 1, rc = 0;
        else if (rc == 0)
            is_new = 0;
    }
    /* A writer's file that it found it cannot write (open_db): refused now
     * that it is known to be rekeysim's. */
    if (!rc && s->readonly == 2) rc = writer_check(s, 1);
    if (!rc && !s->readonly && sqlite3_db_readonly(s->db, "main") == 1)
        rc = res__failf(s, RES_EREADONLY, "%s is read-only (file or directory permissions)", path);
    if (!rc && !s->readonly) {
        /* Switching a new file to WAL needs it to itself for a moment; a
         * second process creating it at the same time gets SQLITE_BUSY
         * without the busy handler being asked, so wait here. */
        for (int tries = 0; (rc = res__exec(s, "PRAGMA journal_mode = WAL")) == RES_EBUSY && tries < 100; tries++) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (!rc) rc = res__exec(s, "PRAGMA synchronous = NORMAL");
    }
    if (!rc) rc = res__exec(s, "PRAGMA foreign_keys = ON");
    if (!rc && is_new) rc = create_or_recognise(s, command_line);
    if (!rc && !(s->param_cols = param_column_list(0))) rc = res__failf(s, RES_ENOMEM, "out of memory");
    if (!rc) rc = res__prepare_reads(s);
    if (!rc && !s->readonly) rc = res__prepare_writes(s);
    if (!rc) note_identity(s);
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
    sqlite3_finalize(s->ins_copy);
    sqlite3_finalize(s->get_point);
    sqlite3_finalize(s->ins_threshold);
    sqlite3_close(s->db);
    if (s->lock_fd >= 0) close(s->lock_fd);
    free(s->param_cols);
    free(s->uri);
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
