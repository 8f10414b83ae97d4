/*
 * The data behind the figures: rows of a query grouped into curves, and the
 * one query of each figure (results/plot_figures.c draws them; the report's
 * findings read the same series, so text and pictures cannot disagree).
 *
 * A series is a flat array of rows and an array of curves, each curve a run
 * rows[first .. first + n - 1] of equal curve values: the queries order their
 * rows by the curve columns, so a curve is a run and grouping needs no
 * hashing. Each curve keeps its curve values (their SQL text, which tells
 * curves apart, and a human label piece) for the panel layout. The only
 * identifiers spliced into SQL are registry column names (checked to be
 * [a-z0-9_] when the handle opens); the experiment id is bound as ?1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "results/plot_int.h"

/* ---- rows into curves ---- */

/* Whether the row under ST has the curve values of the last curve. */
static int same_curve(sqlite3_stmt *st, const plot_series *s)
{
    const plot_value *last = &s->values[(s->n_curves - 1) * s->n_curve_cols];
    for (size_t k = 0; k < s->n_curve_cols; k++) {
        const char *t = (const char *)sqlite3_column_text(st, (int)k);
        if (!last[k].text && !t) continue;
        if (!last[k].text || !t || strcmp(last[k].text, t) != 0) return 0;
    }
    return 1;
}

/* Grows the curve and value arrays for one more curve. */
static int grow_curves(plot_series *out, size_t *cap_curves)
{
    if (out->n_curves < *cap_curves) return 0;
    size_t cap = *cap_curves ? 2 * *cap_curves : 8;
    plot_curve *g = realloc(out->curves, cap * sizeof *g);
    if (!g) return PLOT_ENOMEM;
    out->curves = g;
    plot_value *v = realloc(out->values, (cap * out->n_curve_cols + 1) * sizeof *v);
    if (!v) return PLOT_ENOMEM;
    out->values = v;
    *cap_curves = cap;
    return 0;
}

static int start_curve(plot_db *db, sqlite3_stmt *st, const size_t *curve_cols, plot_series *out, size_t *cap_curves)
{
    if (grow_curves(out, cap_curves)) return PLOT_ENOMEM;
    plot_value *vals = &out->values[out->n_curves * out->n_curve_cols];
    plot_curve *c = &out->curves[out->n_curves++];
    memset(c, 0, sizeof *c);
    memset(vals, 0, out->n_curve_cols * sizeof *vals);
    c->first = out->n_rows;
    size_t used = 0;
    for (size_t k = 0; k < out->n_curve_cols; k++) {
        const plot_col *col = &db->cols[curve_cols[k]];
        plot__label_piece(col->p, st, (int)k, vals[k].piece, sizeof vals[k].piece);
        used += (size_t)snprintf(c->label + used, used < sizeof c->label ? sizeof c->label - used : 0, "%s%s",
                                 k ? ", " : "", vals[k].piece);
        if (used >= sizeof c->label) used = sizeof c->label - 1;
        const char *t = (const char *)sqlite3_column_text(st, (int)k);
        if (t && !(vals[k].text = strdup(t))) return PLOT_ENOMEM;
        if (!strcmp(col->p->name, "scenario") && t && !strcmp(t, "no-ipsec")) c->baseline = 1;
    }
    if (out->n_curve_cols == 0) snprintf(c->label, sizeof c->label, "all points");
    return 0;
}

int plot__fetch(plot_db *db, const char *sql, int64_t experiment_id, const size_t *curve_cols, size_t n_curve_cols,
                size_t n_values, plot_series *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->n_curve_cols = n_curve_cols;
    if (n_values > PLOT_MAX_VALUES) n_values = PLOT_MAX_VALUES;
    sqlite3_stmt *st = NULL;
    size_t cap_rows = 0, cap_curves = 0;
    int rc = sqlite3_prepare_v2(db->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) goto sqlfail;
    sqlite3_bind_int64(st, 1, experiment_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((out->n_curves == 0 || !same_curve(st, out)) && start_curve(db, st, curve_cols, out, &cap_curves)) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (out->n_rows == cap_rows) {
            cap_rows = cap_rows ? 2 * cap_rows : 64;
            plot_row *g = realloc(out->rows, cap_rows * sizeof *g);
            if (!g) {
                rc = SQLITE_NOMEM;
                break;
            }
            out->rows = g;
        }
        plot_row *r = &out->rows[out->n_rows++];
        int c = (int)n_curve_cols;
        r->id = sqlite3_column_int64(st, c);
        r->x = sqlite3_column_type(st, c + 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c + 1);
        for (size_t k = 0; k < PLOT_MAX_VALUES; k++)
            r->v[k] = k < n_values && sqlite3_column_type(st, c + 2 + (int)k) != SQLITE_NULL
                          ? sqlite3_column_double(st, c + 2 + (int)k)
                          : NAN;
        out->curves[out->n_curves - 1].n++;
    }
sqlfail:
    if (rc != SQLITE_DONE) {
        int code = rc == SQLITE_NOMEM ? PLOT_ENOMEM : PLOT_EIO;
        snprintf(err, errlen, "%s: cannot query the results: %s", db->path,
                 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db->db));
        sqlite3_finalize(st);
        plot__series_fini(out);
        return code;
    }
    sqlite3_finalize(st);
    return 0;
}

void plot__series_fini(plot_series *s)
{
    for (size_t k = 0; s->values && k < s->n_curves * s->n_curve_cols; k++) free(s->values[k].text);
    free(s->values);
    free(s->rows);
    free(s->curves);
    memset(s, 0, sizeof *s);
}

/* ---- (a) p_complete vs file size ---- */

/* Rows of point_summary against column XCOL, one curve per combination of
 * the other axes: SELECT <curve columns>, point_id, <x>, <COLUMNS> (N_VALUES
 * of them) WHERE <WHERE> ORDER BY the curve columns, x, point. The figures
 * over file size differ only in COLUMNS and WHERE; the makespan is the same
 * over fleet.clients. */
static int fetch_by(plot_db *db, const plot_axes *a, int xcol, const char *columns, size_t n_values, const char *where,
                    plot_series *out, char *err, size_t errlen)
{
    size_t curve[a->n_vary + 1];
    int excl[] = {xcol};
    size_t n_curve = plot__other_axes(a, excl, 1, curve);
    const char *x = db->cols[xcol].name;
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT ");
    plot__buf_cols(&sql, db, curve, n_curve, "");
    plot__buf_printf(&sql, "%spoint_id, %s, ", n_curve ? ", " : "", x);
    plot__buf_printf(&sql, "%s FROM point_summary WHERE experiment_id = ?1 AND %s ORDER BY ", columns, where);
    plot__buf_cols(&sql, db, curve, n_curve, "");
    plot__buf_printf(&sql, "%s%s, point_id", n_curve ? ", " : "", x);
    if (sql.oom) return plot__buf_fini(&sql), snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    int rc = plot__fetch(db, sql.s, a->e->id, curve, n_curve, n_values, out, err, errlen);
    plot__buf_fini(&sql);
    return rc;
}

static int fetch_by_file_size(plot_db *db, const plot_axes *a, const char *columns, const char *where, plot_series *out,
                              char *err, size_t errlen)
{
    return fetch_by(db, a, a->col_file_size, columns, 5, where, out, err, errlen);
}

/* ---- (f) fleets: share of copies completed; (g) makespan ---- */

int plot__fleet_complete_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen)
{
    return fetch_by_file_size(db, a,
                              "copies_complete_mean, copies_complete_lo, copies_complete_hi, n_runs, n_completed",
                              "n_runs > 0 AND copies_complete_mean IS NOT NULL", out, err, errlen);
}

int plot__makespan_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen)
{
    return fetch_by(db, a, a->col_fleet_clients,
                    "makespan_mean_s, makespan_lo_s, makespan_hi_s, n_runs, copies_complete_mean, "
                    "fleet_clients * file_size * 8.0 / ((CASE WHEN link_rate_to_client > 0 THEN link_rate_to_client "
                    "ELSE link_rate END) * " PLOT_WIRE_EFFICIENCY_SQL ")",
                    6, "makespan_mean_s IS NOT NULL", out, err, errlen);
}

int plot__fleet_runs(plot_db *db, const plot_axes *a, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->db,
                                "SELECT EXISTS (SELECT 1 FROM runs r JOIN points p ON p.point_id = r.point_id "
                                "WHERE p.experiment_id = ?1 AND r.n_copies > 1)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a->e->id);
        rc = sqlite3_step(st);
    }
    int has = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    if (rc != SQLITE_ROW) snprintf(err, errlen, "%s: cannot read the runs: %s", db->path, sqlite3_errmsg(db->db));
    sqlite3_finalize(st);
    return has < 0 ? PLOT_EIO : has;
}

int plot__p_complete_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen)
{
    return fetch_by_file_size(db, a, "p_complete, p_complete_lo, p_complete_hi, n_runs, n_completed", "n_runs > 0", out,
                              err, errlen);
}

/* ---- (b) first interruption ---- */

static int first_interruption_sql(const plot_db *db, int xcol, const size_t *curve, size_t n_curve, plot_buf *sql)
{
    const char *x = db->cols[xcol].name;
    plot__buf_printf(sql, "WITH ri AS (SELECT ");
    plot__buf_cols(sql, db, curve, n_curve, "p.");
    plot__buf_printf(sql,
                     "%sp.point_id AS pid, p.%s AS x, r.first_interruption_bytes AS b, r.first_interruption_s AS s "
                     "FROM runs r JOIN points p ON p.point_id = r.point_id WHERE p.experiment_id = ?1 "
                     "AND r.first_interruption_bytes IS NOT NULL AND r.first_interruption_s IS NOT NULL), "
                     "rk AS (SELECT *, row_number() OVER w_b AS kb, row_number() OVER w_s AS ks, "
                     "count(*) OVER w_all AS m FROM ri WINDOW w_all AS (PARTITION BY ",
                     n_curve ? ", " : "", x);
    plot__buf_cols(sql, db, curve, n_curve, "");
    plot__buf_printf(sql, "%sx), w_b AS (w_all ORDER BY b), w_s AS (w_all ORDER BY s)) SELECT ", n_curve ? ", " : "");
    plot__buf_cols(sql, db, curve, n_curve, "");
    plot__buf_printf(sql,
                     "%smin(pid), x, m, "
                     "avg(CASE WHEN kb IN ((m + 1) / 2, (m + 2) / 2) THEN b END), "
                     "max(CASE WHEN kb = (m + 3) / 4 THEN b END), max(CASE WHEN kb = (3 * m + 3) / 4 THEN b END), "
                     "avg(CASE WHEN ks IN ((m + 1) / 2, (m + 2) / 2) THEN s END), "
                     "max(CASE WHEN ks = (m + 3) / 4 THEN s END), max(CASE WHEN ks = (3 * m + 3) / 4 THEN s END) "
                     "FROM rk GROUP BY ",
                     n_curve ? ", " : "");
    plot__buf_cols(sql, db, curve, n_curve, "");
    plot__buf_printf(sql, "%sx ORDER BY ", n_curve ? ", " : "");
    plot__buf_cols(sql, db, curve, n_curve, "");
    plot__buf_printf(sql, "%sx", n_curve ? ", " : "");
    return sql->oom ? PLOT_ENOMEM : 0;
}

int plot__first_interruption_fetch(plot_db *db, const plot_axes *a, int *xcol_out, plot_series *out, char *err,
                                   size_t errlen)
{
    int xcol = plot__varies(a, a->col_link_rate)   ? a->col_link_rate
               : plot__varies(a, a->col_file_size) ? a->col_file_size
                                                   : a->col_link_rate;
    size_t curve[a->n_vary + 1];
    int excl[] = {a->col_link_rate, a->col_file_size};
    size_t n_curve = plot__other_axes(a, excl, 2, curve);
    plot_buf sql = {0};
    int rc = first_interruption_sql(db, xcol, curve, n_curve, &sql);
    if (!rc)
        rc = plot__fetch(db, sql.s, a->e->id, curve, n_curve, 7, out, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    plot__buf_fini(&sql);
    if (!rc) *xcol_out = xcol;
    return rc;
}

/* ---- (c) duration vs file size ---- */

int plot__duration_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen)
{
    return fetch_by_file_size(db, a, "duration_mean_s, duration_lo_s, duration_hi_s, n_completed, n_runs",
                              "duration_mean_s IS NOT NULL", out, err, errlen);
}

/* ---- (d) critical value of a threshold search ---- */

/* The one list of the statuses the runner writes (experiments/runner.c:
 * finish_search), indexed by plot_search_status. Spliced into SQL as
 * literals: fixed text without quotes. */
static const char *const search_status_names[PLOT_SEARCH_OTHER] = {
    [PLOT_SEARCH_BRACKETED] = "bracketed",
    [PLOT_SEARCH_ALL_PASS] = "all_pass",
    [PLOT_SEARCH_NONE_PASS] = "none_pass",
};

const char *plot_search_status_name(int status)
{
    return status >= 0 && status < PLOT_SEARCH_OTHER ? search_status_names[status] : NULL;
}

int plot__critical_x(const plot_axes *a, const plot_db *db)
{
    if (plot__varies(a, a->col_link_rate)) return a->col_link_rate;
    for (size_t i = 0; i < a->n_vary; i++)
        if (db->cols[a->vary[i]].p->type != PRM_ENUM) return (int)a->vary[i];
    return -1;
}

int plot__critical_fetch(plot_db *db, const plot_axes *a, int *xcol_out, plot_series *out, char *err, size_t errlen)
{
    int xcol = plot__critical_x(a, db);
    size_t curve[a->n_vary + 1];
    int excl[] = {xcol};
    size_t n_curve = plot__other_axes(a, excl, 1, curve);
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT ");
    plot__buf_cols(&sql, db, curve, n_curve, "");
    if (xcol >= 0)
        plot__buf_printf(&sql, "%spoint_id, %s, ", n_curve ? ", " : "", db->cols[xcol].name);
    else
        plot__buf_printf(&sql, "%spoint_id, NULL, ", n_curve ? ", " : "");
    plot__buf_printf(&sql,
                     "critical, lo, hi, CASE search_status WHEN '%s' THEN %d WHEN '%s' THEN %d WHEN '%s' THEN %d "
                     "ELSE %d END, search_runs, n_probes, n_undecided, search_target FROM threshold_summary "
                     "WHERE experiment_id = ?1 ORDER BY ",
                     search_status_names[PLOT_SEARCH_BRACKETED], PLOT_SEARCH_BRACKETED,
                     search_status_names[PLOT_SEARCH_ALL_PASS], PLOT_SEARCH_ALL_PASS,
                     search_status_names[PLOT_SEARCH_NONE_PASS], PLOT_SEARCH_NONE_PASS, PLOT_SEARCH_OTHER);
    plot__buf_cols(&sql, db, curve, n_curve, "");
    if (xcol >= 0)
        plot__buf_printf(&sql, "%s%s, point_id", n_curve ? ", " : "", db->cols[xcol].name);
    else
        plot__buf_printf(&sql, "%spoint_id", n_curve ? ", " : "");
    if (sql.oom) return plot__buf_fini(&sql), snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    int rc = plot__fetch(db, sql.s, a->e->id, curve, n_curve, 8, out, err, errlen);
    plot__buf_fini(&sql);
    if (!rc) *xcol_out = xcol;
    return rc;
}
