/*
 * The plotting module's foundation: the read-only database handle, the axes
 * of an experiment (which registry columns vary among its points), growable
 * strings, human units and labels, and the output file helpers shared by the
 * figures, the timeline and the report. The figures' queries are in
 * results/plot_data.c.
 *
 * A plot_db holds two connections to the same file: the store's (which
 * recognises the file exactly as `sweep` does and lists experiments and
 * meta) and a plain read-only one for the figure queries, which the store's
 * private handle is not for. The only identifiers spliced into SQL are the
 * registry's column names (checked to be [a-z0-9_] when the handle opens);
 * every value is bound.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "models/core/params.h"
#include "results/plot_int.h"
#include "results/store_int.h"

/* ---- errors ---- */

int plot_error_is_input(int rc) { return rc == PLOT_EINPUT; }

const char *plot_strerror(int rc)
{
    switch (rc) {
    case 0: return "success";
    case PLOT_EIO: return "I/O error";
    case PLOT_ENOMEM: return "out of memory";
    case PLOT_ENOGNUPLOT: return "gnuplot not found";
    case PLOT_EGNUPLOT: return "gnuplot failed";
    case PLOT_EINPUT: return "bad input";
    }
    return "unknown error";
}

const char *plot_kind_name(int kind)
{
    static const char *const names[] = {"p_complete",   "first_interruption", "duration", "critical_size",
                                        "capacity_map", "fleet_complete",     "makespan"};
    return kind >= 0 && kind < PLOT_FIG_COUNT ? names[kind] : "?";
}

/* ---- the database ---- */

static int map_store_error(int rc)
{
    if (res_error_is_input(rc)) return PLOT_EINPUT;
    return rc == RES_ENOMEM ? PLOT_ENOMEM : PLOT_EIO;
}

static int load_columns(plot_db *db, char *err, size_t errlen)
{
    db->n_cols = prm_count();
    db->cols = calloc(db->n_cols, sizeof *db->cols);
    if (!db->cols) return snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    for (size_t i = 0; i < db->n_cols; i++) {
        plot_col *c = &db->cols[i];
        c->p = prm_at(i);
        prm_column(c->p, c->name, sizeof c->name);
        /* The registry is ours: a column name that is not a plain SQL name is
         * a broken invariant (the store checks the same). */
        for (const char *s = c->name; *s; s++)
            assert((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_');
    }
    return 0;
}

int plot_db_new(const char *path, char *err, size_t errlen, plot_db **db_out)
{
    plot_db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = strdup(path))) {
        free(db);
        snprintf(err, errlen, "out of memory");
        return PLOT_ENOMEM;
    }
    int rc = res_store_new(path, RES_OPEN_READONLY, NULL, err, errlen, &db->store);
    if (rc) {
        rc = map_store_error(rc);
        goto fail;
    }
    rc = res_experiments_list(db->store, &db->exps, &db->n_exps);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, res_store_errmsg(db->store));
        rc = map_store_error(rc);
        goto fail;
    }
    /* The store's own connection: it was opened the way this file can be
     * read (read-only media, a -wal beside it; results/schema.c), and a
     * second connection would need that choice again. Borrowed. */
    db->db = db->store->db;
    rc = load_columns(db, err, errlen);
    if (rc) goto fail;
    *db_out = db;
    return 0;
fail:
    plot_db_free(db);
    return rc;
}

void plot_db_free(plot_db *db)
{
    if (!db) return;
    res_experiments_free(db->exps, db->n_exps);
    res_store_free(db->store);
    free(db->cols);
    free(db->path);
    free(db);
}

size_t plot_db_n_experiments(const plot_db *db) { return db->n_exps; }
const char *plot_db_experiment_name(const plot_db *db, size_t i) { return db->exps[i].name; }
const char *plot_db_path(const plot_db *db) { return db->path; }

int plot_db_find_experiment(const plot_db *db, const char *name, size_t *index_out, char *err, size_t errlen)
{
    for (size_t i = 0; i < db->n_exps; i++)
        if (!strcmp(db->exps[i].name, name)) {
            *index_out = i;
            return 0;
        }
    plot_buf b = {0};
    for (size_t i = 0; i < db->n_exps; i++) plot__buf_printf(&b, "%s'%s'", i ? ", " : "", db->exps[i].name);
    if (db->n_exps == 0)
        snprintf(err, errlen, "%s: no experiment '%s': the database holds no experiments yet", db->path, name);
    else
        snprintf(err, errlen, "%s: no experiment '%s'; known experiments: %s", db->path, name,
                 b.oom ? "(out of memory)" : b.s);
    plot__buf_fini(&b);
    return PLOT_EINPUT;
}

/* ---- axes ---- */

static int find_col(const plot_db *db, const char *name)
{
    if (!name) return -1;
    for (size_t i = 0; i < db->n_cols; i++)
        if (!strcmp(db->cols[i].p->name, name) || !strcmp(db->cols[i].name, name)) return (int)i;
    return -1;
}

/* The number of distinct combinations of COLS among the experiment's points. */
static int count_combos(plot_db *db, const plot_axes *a, const size_t *cols, size_t n, int64_t *out, char *err,
                        size_t errlen)
{
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT count(*) FROM (SELECT DISTINCT ");
    plot__buf_cols(&sql, db, cols, n, "");
    plot__buf_printf(&sql, " FROM points WHERE experiment_id = ?1)");
    if (sql.oom) return plot__buf_fini(&sql), snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->db, sql.s, -1, &st, NULL);
    plot__buf_fini(&sql);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a->e->id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        snprintf(err, errlen, "%s: cannot read the points: %s", db->path, sqlite3_errmsg(db->db));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : PLOT_EIO;
}

/* A scenario preset sets many parameters at once (client.cert,
 * server.ipsec.ikeflags, ...): they vary with the scenario but are not axes
 * of their own. Walking the varying columns in registry order (scenario
 * first), a column is kept only if it adds combinations to the columns kept
 * before it, i.e. it is not a function of them. Explicit spec keys that
 * override a preset still add combinations and stay. */
static int drop_dependent(plot_db *db, plot_axes *a, char *err, size_t errlen)
{
    size_t kept = 0;
    int64_t have = 1;
    a->dependent = malloc((a->n_vary + 1) * sizeof *a->dependent);
    if (!a->dependent) return snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    for (size_t i = 0; i < a->n_vary; i++) {
        size_t col = a->vary[i];
        a->vary[kept] = col;
        int64_t n;
        int rc = count_combos(db, a, a->vary, kept + 1, &n, err, errlen);
        if (rc) return rc;
        if (n > have)
            kept++, have = n;
        else
            a->dependent[a->n_dependent++] = col;
    }
    a->n_vary = kept;
    return 0;
}

int plot__axes_init(plot_db *db, size_t exp_index, plot_axes *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->e = &db->exps[exp_index];
    a->exp_index = exp_index;
    a->search_col = !strcmp(a->e->kind, "search") ? find_col(db, a->e->search_param) : -1;
    a->col_file_size = find_col(db, "file.size");
    a->col_link_rate = find_col(db, "link.rate");
    a->col_scenario = find_col(db, "scenario");
    a->col_qm_kb = find_col(db, "ipsec.qm_lifetime_kb");
    a->col_fleet_clients = find_col(db, "fleet.clients");
    res_counts counts;
    int rc = res_experiment_counts(db->store, a->e->id, &counts);
    if (rc) {
        snprintf(err, errlen, "%s: %s", db->path, res_store_errmsg(db->store));
        return map_store_error(rc);
    }
    a->n_points = counts.n_points;
    a->n_runs = counts.n_runs;
    a->n_completed = counts.n_completed;
    a->n_thresholds = counts.n_thresholds;

    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT count(*)");
    for (size_t i = 0; i < db->n_cols; i++) plot__buf_printf(&sql, ", count(DISTINCT %s)", db->cols[i].name);
    plot__buf_printf(&sql, " FROM points WHERE experiment_id = ?1");
    a->vary = malloc(db->n_cols * sizeof *a->vary);
    if (sql.oom || !a->vary) {
        plot__buf_fini(&sql);
        return snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db->db, sql.s, -1, &st, NULL);
    plot__buf_fini(&sql);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a->e->id);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        snprintf(err, errlen, "%s: cannot read the points of experiment '%s': %s", db->path, a->e->name,
                 sqlite3_errmsg(db->db));
        sqlite3_finalize(st);
        return PLOT_EIO;
    }
    for (size_t i = 0; i < db->n_cols; i++)
        if ((int)i != a->search_col && sqlite3_column_int64(st, (int)i + 1) > 1) a->vary[a->n_vary++] = i;
    sqlite3_finalize(st);
    return drop_dependent(db, a, err, errlen);
}

void plot__axes_fini(plot_axes *a)
{
    free(a->vary);
    free(a->dependent);
    a->vary = a->dependent = NULL;
    a->n_vary = a->n_dependent = 0;
}

int plot__dependent(const plot_axes *a, int col)
{
    for (size_t i = 0; col >= 0 && i < a->n_dependent; i++)
        if ((int)a->dependent[i] == col) return 1;
    return 0;
}

int plot__varies(const plot_axes *a, int col)
{
    for (size_t i = 0; col >= 0 && i < a->n_vary; i++)
        if ((int)a->vary[i] == col) return 1;
    return 0;
}

size_t plot__other_axes(const plot_axes *a, const int *skip, size_t n_skip, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_vary; i++) {
        int keep = 1;
        for (size_t k = 0; k < n_skip; k++)
            if (skip[k] >= 0 && (size_t)skip[k] == a->vary[i]) keep = 0;
        if (keep) out[n++] = a->vary[i];
    }
    return n;
}

/* ---- strings ---- */

void plot__buf_append(plot_buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void plot__buf_printf(plot_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        plot__buf_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    plot__buf_append(b, big, (size_t)n);
    free(big);
}

void plot__buf_fini(plot_buf *b)
{
    free(b->s);
    *b = (plot_buf){0};
}

void plot__buf_cols(plot_buf *b, const plot_db *db, const size_t *cols, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++) plot__buf_printf(b, "%s%s%s", i ? ", " : "", prefix, db->cols[cols[i]].name);
}

/* ---- units and labels ---- */

double plot__db_to_base(const prm_entry *p, double db_value) { return prm_from_db(p, db_value); }

plot_unit plot__size_unit(double lo, double hi)
{
    double g = lo > 0 ? sqrt(lo * hi) : hi;
    if (g >= 1073741824.0) return (plot_unit){"GiB", 1073741824.0};
    if (g >= 1048576.0) return (plot_unit){"MiB", 1048576.0};
    if (g >= 1024.0) return (plot_unit){"KiB", 1024.0};
    return (plot_unit){"B", 1.0};
}

plot_unit plot__unit(const prm_entry *p, double lo, double hi)
{
    double g = lo > 0 ? sqrt(lo * hi) : hi;
    plot_unit u = {"", 1.0};
    switch (p->type) {
    case PRM_SIZE: return plot__size_unit(lo, hi);
    case PRM_RATE:
        if (g >= 1e10) return (plot_unit){"Gbps", 1e9};
        if (g >= 1e6) return (plot_unit){"Mbps", 1e6};
        if (g >= 1e3) return (plot_unit){"Kbps", 1e3};
        return (plot_unit){"bps", 1.0};
    case PRM_TIME: return (plot_unit){"s", 1.0};
    default: snprintf(u.name, sizeof u.name, "%s", p->unit); return u;
    }
}

/* The registry writes sizes and rates exactly ("64 MiB", "5 MB", "3003 KB",
 * "1234567 B"); a mantissa of 1000 or more reads badly, so those values are
 * rounded to four significant digits in the unit that keeps the mantissa
 * below 1024 ("2.864 MiB"). */
void plot__human(const prm_entry *p, double base, char *buf, size_t n)
{
    prm_config cfg;
    prm_defaults(&cfg);
    prm_store(p, &cfg, base);
    prm_format(p, &cfg, buf, n);
    if ((p->type != PRM_SIZE && p->type != PRM_RATE) || strtod(buf, NULL) < 1000) return;
    if (p->type == PRM_SIZE) {
        static const plot_unit units[] = {
            {"TiB", 1099511627776.0}, {"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"KiB", 1024.0}};
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (base >= units[i].div) {
                snprintf(buf, n, "%.4g %s", base / units[i].div, units[i].name);
                return;
            }
    } else {
        static const plot_unit units[] = {{"Tbps", 1e12}, {"Gbps", 1e9}, {"Mbps", 1e6}, {"Kbps", 1e3}};
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (base >= units[i].div) {
                snprintf(buf, n, "%.4g %s", base / units[i].div, units[i].name);
                return;
            }
    }
}

void plot__label_piece(const prm_entry *p, sqlite3_stmt *st, int i, char *buf, size_t n)
{
    char value[96];
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        snprintf(value, sizeof value, "null");
    else if (p->type == PRM_ENUM)
        snprintf(value, sizeof value, "%s", (const char *)sqlite3_column_text(st, i));
    else
        plot__human(p, plot__db_to_base(p, sqlite3_column_double(st, i)), value, sizeof value);
    if (!strcmp(p->name, "scenario") || !strcmp(p->name, "file.size") || !strcmp(p->name, "link.rate"))
        snprintf(buf, n, "%s", value);
    else if (!strcmp(p->name, "fleet.clients") && sqlite3_column_type(st, i) != SQLITE_NULL)
        snprintf(buf, n, "%s client%s", value, sqlite3_column_int64(st, i) == 1 ? "" : "s");
    else
        snprintf(buf, n, "%s=%s", p->name, value);
}

/* ---- output files ---- */

int plot__mkdirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return snprintf(err, errlen, "%s: path too long", dir), PLOT_EINPUT;
    for (char *s = path + 1;; s++) {
        if (*s != '/' && *s) continue;
        char saved = *s;
        *s = 0;
        struct stat sb;
        if (stat(path, &sb) != 0) {
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return snprintf(err, errlen, "%s: cannot create directory: %s", path, strerror(errno)), PLOT_EIO;
        } else if (!S_ISDIR(sb.st_mode)) {
            return snprintf(err, errlen, "%s is not a directory", path), PLOT_EIO;
        }
        *s = saved;
        if (!saved) break;
    }
    return 0;
}

int plot__out_open(plot_out *o, const char *dir, const char *name, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (snprintf(o->final, sizeof o->final, "%s/%s", dir, name) >= (int)sizeof o->final ||
        snprintf(o->tmp, sizeof o->tmp, "%s/.%s.XXXXXX", dir, name) >= (int)sizeof o->tmp)
        return snprintf(err, errlen, "%s/%s: path too long", dir, name), PLOT_EIO;
    int fd = mkstemp(o->tmp);
    if (fd < 0) return snprintf(err, errlen, "%s: cannot write: %s", o->final, strerror(errno)), PLOT_EIO;
    /* mkstemp makes the file 0600; outputs are ordinary files. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        unlink(o->tmp);
        return snprintf(err, errlen, "%s: cannot write: %s", o->final, strerror(errno)), PLOT_EIO;
    }
    return 0;
}

int plot__out_close(plot_out *o, int failed, char *err, size_t errlen)
{
    if (!o->f) return failed ? PLOT_EIO : 0;
    int bad = ferror(o->f);
    int saved = errno;
    if (fclose(o->f) != 0 && !bad) bad = 1, saved = errno;
    o->f = NULL;
    if (failed || bad) {
        unlink(o->tmp);
        if (bad) snprintf(err, errlen, "%s: cannot write: %s", o->final, strerror(saved));
        return PLOT_EIO;
    }
    if (rename(o->tmp, o->final) != 0) {
        saved = errno;
        unlink(o->tmp);
        return snprintf(err, errlen, "%s: cannot write: %s", o->final, strerror(saved)), PLOT_EIO;
    }
    return 0;
}

char *plot__slurp(const char *dir, const char *name, size_t *len_out)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    plot_buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) plot__buf_append(&b, chunk, n);
    int bad = ferror(f) || b.oom;
    fclose(f);
    if (bad || !b.s) {
        plot__buf_fini(&b);
        return NULL;
    }
    if (len_out) *len_out = b.len;
    return b.s;
}

/* ---- file names ---- */

void plot__safe_name(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s && *s && i + 1 < n; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 (c == '.' && i > 0);
        buf[i++] = ok ? c : '_';
    }
    buf[i] = 0;
    if (i == 0) snprintf(buf, n, "experiment");
}

void plot__exp_stem(const plot_db *db, size_t e, char *buf, size_t n)
{
    plot__safe_name(db->exps[e].name, buf, n);
    for (size_t i = 0; i < db->n_exps; i++) {
        char other[256];
        plot__safe_name(db->exps[i].name, other, sizeof other);
        if (i != e && !strcmp(other, buf)) {
            size_t len = strlen(buf);
            snprintf(buf + len, n > len ? n - len : 0, "-e%lld", (long long)db->exps[e].id);
            return;
        }
    }
}
