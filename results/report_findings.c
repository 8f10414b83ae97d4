/*
 * The key findings of the report: sentences computed from the same series
 * the figures draw (plot__p_complete_fetch and friends, results/plot_data.c),
 * so text and pictures cannot disagree. Per experiment, in order: whether
 * copies failed and from which file size on, the smallest size with
 * p_complete below 0.5, the median bytes and seconds to the first
 * interruption, the causes of first interruptions, and the critical value
 * of every search combination (or why there is none).
 *
 * Each finding is one <li> whose data-kind names the finding and whose
 * data-point-id (with data-runs, data-bytes-median, data-critical where they
 * apply) names the point it rests on, so a test can check every sentence
 * against the database with independent SQL. Text goes through
 * report__escf: curve labels come from the database.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "results/report_int.h"

static void pct(double p, char *buf, size_t n) { snprintf(buf, n, "%.3g %%", 100.0 * p); }

static void finding_open(report_ctx *r, const char *kind, int64_t point_id, int bad)
{
    plot__buf_printf(&r->h, "<li data-kind=\"%s\" data-point-id=\"%lld\"%s>", kind, (long long)point_id,
                     bad ? " class=\"bad\"" : "");
}

/* "LABEL, X" or just "X" when the curve has no label of its own. */
static void subject(const plot_curve *cv, const char *x, char *buf, size_t n)
{
    if (!strcmp(cv->label, "all points"))
        snprintf(buf, n, "%s", x[0] ? x : "All copies");
    else if (!x[0])
        snprintf(buf, n, "%s", cv->label);
    else
        snprintf(buf, n, "%s, %s", cv->label, x);
}

static void p_complete_curve(report_ctx *r, const plot_axes *a, const plot_series *s, const plot_curve *cv)
{
    const plot_col *fs = &r->db->cols[a->col_file_size];
    const plot_row *rows = &s->rows[cv->first];
    size_t n = cv->n, first_fail = n, half = n;
    for (size_t i = 0; i < n; i++) {
        if (first_fail == n && rows[i].v[4] < rows[i].v[3]) first_fail = i;
        if (half == n && rows[i].v[0] < 0.5) half = i;
    }
    char x[64], y[64], p[32], lo[32], hi[32], who[300];
    subject(cv, "", who, sizeof who);
    if (first_fail == n) {
        double runs = 0;
        for (size_t i = 0; i < n; i++) runs += rows[i].v[3];
        report__human_db(fs, rows[n - 1].x, x, sizeof x);
        finding_open(r, "all_completed", rows[n - 1].id, 0);
        report__escf(&r->h, "%s: every copy completed (%.0f runs, file sizes up to %s).", who, runs, x);
        plot__buf_printf(&r->h, "</li>\n");
        return;
    }
    double fails = 0, runs = 0;
    for (size_t i = first_fail; i < n; i++) fails += rows[i].v[3] - rows[i].v[4], runs += rows[i].v[3];
    report__human_db(fs, rows[first_fail].x, x, sizeof x);
    pct(fails / runs, p, sizeof p);
    finding_open(r, "first_failure", rows[first_fail].id, 1);
    report__escf(&r->h, "%s: copies of %s and larger failed in %s of runs (%.0f of %.0f)", who, x, p, fails, runs);
    if (first_fail > 0) {
        report__human_db(fs, rows[first_fail - 1].x, y, sizeof y);
        report__escf(&r->h, "; every copy of up to %s completed.", y);
    } else {
        report__escf(&r->h, "; even the smallest size tested failed.");
    }
    plot__buf_printf(&r->h, "</li>\n");
    if (half < n) {
        report__human_db(fs, rows[half].x, x, sizeof x);
        snprintf(p, sizeof p, "%.3f", rows[half].v[0]);
        snprintf(lo, sizeof lo, "%.3f", rows[half].v[1]);
        snprintf(hi, sizeof hi, "%.3f", rows[half].v[2]);
        finding_open(r, "p_below_half", rows[half].id, 1);
        report__escf(&r->h,
                     "%s: the smallest file size with p_complete below 0.5 is %s (p_complete %s, 95 %% interval "
                     "%s to %s, %.0f runs).",
                     who, x, p, lo, hi, rows[half].v[3]);
    } else {
        report__human_db(fs, rows[n - 1].x, x, sizeof x);
        finding_open(r, "p_never_below_half", rows[n - 1].id, 0);
        report__escf(&r->h, "%s: p_complete stays at or above 0.5 up to the largest size tested, %s.", who, x);
    }
    plot__buf_printf(&r->h, "</li>\n");
}

static int findings_p_complete(report_ctx *r, const plot_axes *a)
{
    if (a->search_col >= 0 || a->n_runs == 0 || a->col_file_size < 0) return 0;
    plot_series s;
    int rc = plot__p_complete_fetch(r->db, a, &s, r->err, r->errlen);
    for (size_t k = 0; !rc && k < s.n_curves; k++) p_complete_curve(r, a, &s, &s.curves[k]);
    if (!rc) plot__series_fini(&s);
    return rc;
}

static int findings_first_interruption(report_ctx *r, const plot_axes *a)
{
    if (a->search_col >= 0 || a->n_runs == 0 || a->col_link_rate < 0 || a->col_file_size < 0) return 0;
    plot_series s;
    int xcol;
    int rc = plot__first_interruption_fetch(r->db, a, &xcol, &s, r->err, r->errlen);
    if (rc) return rc;
    const plot_col *fs = &r->db->cols[a->col_file_size];
    int pooled = xcol == a->col_link_rate && plot__varies(a, a->col_file_size);
    for (size_t k = 0; k < s.n_curves; k++) {
        const plot_curve *cv = &s.curves[k];
        for (size_t i = cv->first; i < cv->first + cv->n; i++) {
            const plot_row *row = &s.rows[i];
            char x[64], who[400], b[64], b1[64], b3[64];
            report__human_db(&r->db->cols[xcol], row->x, x, sizeof x);
            subject(cv, x, who, sizeof who);
            report__human_db(fs, row->v[1], b, sizeof b);
            report__human_db(fs, row->v[2], b1, sizeof b1);
            report__human_db(fs, row->v[3], b3, sizeof b3);
            plot__buf_printf(&r->h,
                             "<li data-kind=\"first_interruption\" data-point-id=\"%lld\" "
                             "data-runs=\"%.0f\" data-bytes-median=\"%.17g\" data-seconds-median=\"%.17g\">",
                             (long long)row->id, row->v[0], row->v[1], row->v[4]);
            char spread[200] = "";
            if (row->v[2] != row->v[3] || row->v[5] != row->v[6])
                snprintf(spread, sizeof spread, "quartiles %s to %s and %.4g to %.4g s; ", b1, b3, row->v[5],
                         row->v[6]);
            report__escf(&r->h,
                         "%s: the first interruption comes after a median of %s (%.0f bytes) and %.4g s (%s%.0f runs "
                         "had one%s).",
                         who, b, row->v[1], row->v[4], spread, row->v[0], pooled ? ", all file sizes pooled" : "");
            plot__buf_printf(&r->h, "</li>\n");
        }
    }
    plot__series_fini(&s);
    return 0;
}

static int findings_causes(report_ctx *r, const plot_axes *a)
{
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st,
                             "SELECT i.cause, count(*) FROM interruptions i JOIN runs u ON u.run_id = i.run_id "
                             "JOIN points p ON p.point_id = u.point_id WHERE p.experiment_id = ?1 AND i.episode = 1 "
                             "GROUP BY i.cause ORDER BY count(*) DESC, i.cause",
                             a->e->id);
    if (rc) return rc;
    plot_buf text = {0};
    int64_t total = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 1);
        plot__buf_printf(&text, "%s%s %lld", total ? ", " : "", (const char *)sqlite3_column_text(st, 0), (long long)n);
        total += n;
    }
    rc = report__finish(r, st, rc);
    if (!rc && total > 0) {
        plot__buf_printf(&r->h, "<li data-kind=\"first_causes\" data-point-id=\"0\" data-runs=\"%lld\">",
                         (long long)total);
        report__escf(&r->h, "Causes of the first interruption (%lld runs): %s.", (long long)total,
                     text.oom ? "?" : text.s);
        plot__buf_printf(&r->h, "</li>\n");
    } else if (!rc && a->n_runs > 0 && a->search_col < 0) {
        plot__buf_printf(&r->h, "<li data-kind=\"no_interruptions\" data-point-id=\"0\">");
        report__escf(&r->h, "No run of this experiment was interrupted.");
        plot__buf_printf(&r->h, "</li>\n");
    }
    plot__buf_fini(&text);
    return rc;
}

static int findings_thresholds(report_ctx *r, const plot_axes *a)
{
    if (a->search_col < 0 || a->n_thresholds == 0) return 0;
    plot_series s;
    int xcol;
    int rc = plot__critical_fetch(r->db, a, &xcol, &s, r->err, r->errlen);
    if (rc) return rc;
    const plot_col *sc = &r->db->cols[a->search_col];
    const char *what = !strcmp(sc->p->name, "file.size") ? "the critical file size" : "the critical value";
    for (size_t k = 0; k < s.n_curves; k++) {
        const plot_curve *cv = &s.curves[k];
        for (size_t i = cv->first; i < cv->first + cv->n; i++) {
            const plot_row *row = &s.rows[i];
            char x[64] = "", who[400], c[64], lo[64], hi[64];
            if (xcol >= 0) report__human_db(&r->db->cols[xcol], row->x, x, sizeof x);
            subject(cv, x, who, sizeof who);
            report__human_db(sc, row->v[0], c, sizeof c);
            report__human_db(sc, row->v[1], lo, sizeof lo);
            report__human_db(sc, row->v[2], hi, sizeof hi);
            int status = (int)row->v[3];
            plot__buf_printf(&r->h, "<li data-kind=\"critical\" data-point-id=\"%lld\" data-critical=\"%.17g\">",
                             (long long)row->id, row->v[0]);
            char target[96];
            snprintf(target, sizeof target, "%s = %g", a->e->search_outcome ? a->e->search_outcome : "outcome",
                     row->v[7]);
            if (status == PLOT_SEARCH_ALL_PASS || status == PLOT_SEARCH_NONE_PASS)
                report__escf(
                    &r->h, "%s: %s (%s) was not found in the searched range: %s at both ends (%s and %s; %.0f runs).",
                    who, what, target, status == PLOT_SEARCH_ALL_PASS ? "every probe passed" : "no probe passed", lo,
                    hi, row->v[4]);
            else
                report__escf(&r->h, "%s: %s (%s) is %s (final bracket %s to %s; %.0f probes, %.0f runs%s).", who, what,
                             target, c, lo, hi, row->v[5], row->v[4],
                             row->v[6] > 0 ? ", some probes decided by the point estimate" : "");
            plot__buf_printf(&r->h, "</li>\n");
        }
    }
    plot__series_fini(&s);
    return 0;
}

int report__findings(report_ctx *r, const plot_axes *a)
{
    plot__buf_printf(&r->h, "<ul class=\"findings\" data-experiment=\"");
    report__esc(&r->h, a->e->name);
    plot__buf_printf(&r->h, "\">\n");
    if (a->n_runs == 0) {
        plot__buf_printf(&r->h, "<li data-kind=\"no_runs\" data-point-id=\"0\">");
        report__escf(&r->h, "No runs yet: run `rekeysim sweep` on its spec with this database.");
        plot__buf_printf(&r->h, "</li>\n");
    }
    int rc = findings_p_complete(r, a);
    if (!rc) rc = findings_first_interruption(r, a);
    if (!rc) rc = findings_causes(r, a);
    if (!rc) rc = findings_thresholds(r, a);
    plot__buf_printf(&r->h, "</ul>\n");
    return rc;
}

/* ---- what-if (rekeysim whatif, results/whatif.h) ---- */

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* One finding per stored `rekeysim whatif` invocation: the configuration,
 * how it ends as given, and its best change: of the rows that complete,
 * those whose cost is not marked "RISK:" (the IPsec exemption) before those
 * that are, then the least added time (the rows are stored fastest
 * completing first, so row 1 is the fastest; when that one is risky the
 * sentence names it too). A database made before the whatif table existed
 * has none, and the section is left out. */
int report__whatif(report_ctx *r)
{
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'whatif'", -1);
    if (rc) return rc;
    int has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (!has) return 0;
    rc = report__prepare(r, &st,
                         "SELECT b.whatif_id, b.scenario, b.settings, b.seed, b.completed, b.failure, b.duration_s, "
                         "c.candidate, c.change, c.overrides, c.duration_s, c.added_s, c.cost_risk, "
                         "coalesce(c.completed, 0), f.candidate, f.cost_risk, f.row = c.row "
                         "FROM whatif b LEFT JOIN whatif c ON c.whatif_id = b.whatif_id AND c.row = "
                         "(SELECT x.row FROM whatif x WHERE x.whatif_id = b.whatif_id AND x.row > 0 AND "
                         "x.applies = 1 AND x.completed = 1 ORDER BY x.cost_risk LIKE 'RISK%', x.added_s, x.row "
                         "LIMIT 1) LEFT JOIN whatif f ON f.whatif_id = b.whatif_id AND f.row = 1 "
                         "WHERE b.row = 0 ORDER BY b.whatif_id",
                         -1);
    if (rc) return rc;
    int step, shown = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!shown++) plot__buf_printf(&r->h, "<h3>What-if</h3>\n<ul class=\"findings\" data-experiment=\"\">\n");
        long long id = sqlite3_column_int64(st, 0);
        const char *settings = col_text(st, 2);
        char who[600];
        snprintf(who, sizeof who, "%s%s%s (run seed %lld)", col_text(st, 1), settings[0] ? " " : "", settings,
                 (long long)sqlite3_column_int64(st, 3));
        if (sqlite3_column_int(st, 4)) {
            plot__buf_printf(&r->h, "<li data-kind=\"whatif_none_needed\" data-whatif-id=\"%lld\">", id);
            report__escf(&r->h, "%s completes as given (%.2f s): no change is needed.", who,
                         sqlite3_column_double(st, 6));
        } else if (sqlite3_column_int(st, 13)) {
            plot__buf_printf(&r->h, "<li data-kind=\"best_whatif\" data-whatif-id=\"%lld\" data-candidate=\"", id);
            report__esc(&r->h, col_text(st, 7));
            plot__buf_printf(&r->h, "\">");
            report__escf(&r->h,
                         "%s fails as given (%s). Best what-if change: %s, %s (%s), which completes in "
                         "%.2f s; cost or risk: %s.",
                         who, col_text(st, 5), col_text(st, 7), col_text(st, 8), col_text(st, 9),
                         sqlite3_column_double(st, 10), col_text(st, 12));
            if (!sqlite3_column_int(st, 16) && sqlite3_column_type(st, 14) != SQLITE_NULL)
                report__escf(&r->h, " The fastest change, %s, is ranked after it: %s.", col_text(st, 14),
                             col_text(st, 15));
        } else {
            plot__buf_printf(&r->h, "<li data-kind=\"whatif_no_fix\" data-whatif-id=\"%lld\" class=\"bad\">", id);
            report__escf(&r->h, "%s fails as given (%s), and no single change of the what-if table makes it complete.",
                         who, col_text(st, 5));
        }
        plot__buf_printf(&r->h, "</li>\n");
    }
    if (shown) plot__buf_printf(&r->h, "</ul>\n");
    return report__finish(r, st, step);
}

/* ---- the answer table ----
 *
 * One row per experiment and value of its row axes (the scenario first,
 * then every other varying axis but link.rate and file.size: a path preset,
 * a lifetime ...), one column per link rate of all the experiments shown.
 * A cell pools the points of its experiment with those values (the probes
 * of one threshold-search combination, or the tested sizes of a grid):
 *   never      no run established a connection (setup_s NULL in every run);
 *   bracketed  a threshold search of file.size for p_complete bracketed the
 *              critical size: critical (geometric mean) and its bracket;
 *   tested     no search: the largest tested size that, with every smaller
 *              tested size, has p_complete >= 0.95, and the next tested size;
 *   all_pass   every size searched or tested passes (up to the largest);
 *   none_pass  even the smallest size searched or tested fails.
 * Under it, the median first_interruption_s of the cell's runs that had one
 * and the most common cause of their first interruption episode. Every
 * number is also in a data- attribute of the cell, for the tests. */

typedef struct ans_row {
    char key[512];   /* the row axes' SQL text, to tell rows apart */
    char label[400]; /* their human form */
    char scenario[128];
} ans_row;

typedef struct ans_cell {
    size_t row;
    double rate;
    int64_t combo;    /* search_combo, or -1 */
    int64_t *ids;     /* point ids, ascending */
    double *size, *p; /* file_size and p_complete per point (p NAN without runs) */
    size_t n, cap;
} ans_cell;

typedef struct ans_exp {
    plot_axes a;
    int is_search; /* a threshold search of file.size for p_complete */
    ans_row *rows;
    size_t n_rows;
    ans_cell *cells;
    size_t n_cells;
} ans_exp;

static void ans_exp_fini(ans_exp *x)
{
    for (size_t i = 0; i < x->n_cells; i++) free(x->cells[i].ids), free(x->cells[i].size), free(x->cells[i].p);
    free(x->cells);
    free(x->rows);
    plot__axes_fini(&x->a);
}

static int oom(report_ctx *r)
{
    snprintf(r->err, r->errlen, "out of memory");
    return PLOT_ENOMEM;
}

/* The row axes of A: scenario, then the varying columns but link.rate and
 * file.size. Returns their count (OUT has room for n_vary + 1). */
static size_t ans_key_cols(const plot_axes *a, size_t *out)
{
    size_t n = 0;
    if (a->col_scenario >= 0) out[n++] = (size_t)a->col_scenario;
    for (size_t k = 0; k < a->n_vary; k++) {
        int c = (int)a->vary[k];
        if (c != a->col_scenario && c != a->col_link_rate && c != a->col_file_size) out[n++] = (size_t)c;
    }
    return n;
}

static int ans_add_point(report_ctx *r, ans_exp *x, const char *key, const char *label, const char *scen, double rate,
                         int64_t combo, int64_t id, double size, double p)
{
    size_t row = 0;
    while (row < x->n_rows && strcmp(x->rows[row].key, key)) row++;
    if (row == x->n_rows) {
        ans_row *nr = realloc(x->rows, (x->n_rows + 1) * sizeof *nr);
        if (!nr) return oom(r);
        x->rows = nr;
        snprintf(nr[row].key, sizeof nr[row].key, "%s", key);
        snprintf(nr[row].label, sizeof nr[row].label, "%s", label);
        snprintf(nr[row].scenario, sizeof nr[row].scenario, "%s", scen);
        x->n_rows++;
    }
    size_t c = 0;
    while (c < x->n_cells && !(x->cells[c].row == row && x->cells[c].rate == rate)) c++;
    if (c == x->n_cells) {
        ans_cell *nc = realloc(x->cells, (x->n_cells + 1) * sizeof *nc);
        if (!nc) return oom(r);
        x->cells = nc;
        nc[c] = (ans_cell){.row = row, .rate = rate, .combo = combo};
        x->n_cells++;
    }
    ans_cell *cl = &x->cells[c];
    if (cl->n == cl->cap) {
        size_t cap = cl->cap ? 2 * cl->cap : 8;
        int64_t *ids = realloc(cl->ids, cap * sizeof *ids);
        if (ids) cl->ids = ids;
        double *s = realloc(cl->size, cap * sizeof *s);
        if (s) cl->size = s;
        double *pp = realloc(cl->p, cap * sizeof *pp);
        if (pp) cl->p = pp;
        if (!ids || !s || !pp) return oom(r);
        cl->cap = cap;
    }
    cl->ids[cl->n] = id, cl->size[cl->n] = size, cl->p[cl->n] = p;
    cl->n++;
    return 0;
}

/* Whether experiment A belongs in the table, and whether as a search. */
static int ans_applies(const plot_db *db, const plot_axes *a, int *is_search)
{
    *is_search = 0;
    if (a->n_runs == 0 || a->col_file_size < 0 || a->col_link_rate < 0) return 0;
    if (a->search_col < 0) return 1;
    const char *o = a->e->search_outcome;
    if (a->search_col != a->col_file_size || !o || strcmp(o, "p_complete")) return 0;
    (void)db;
    *is_search = 1;
    return 1;
}

static int ans_load(report_ctx *r, ans_exp *x)
{
    const plot_axes *a = &x->a;
    size_t keys[a->n_vary + 1];
    size_t nk = ans_key_cols(a, keys);
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT ");
    plot__buf_cols(&sql, r->db, keys, nk, "");
    plot__buf_printf(&sql,
                     "%slink_rate, file_size, point_id, n_runs, p_complete, coalesce(search_combo, -1) "
                     "FROM point_summary WHERE experiment_id = ?1 ORDER BY point_id",
                     nk ? ", " : "");
    if (sql.oom) return plot__buf_fini(&sql), oom(r);
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, sql.s, a->e->id);
    plot__buf_fini(&sql);
    if (rc) return rc;
    int step;
    int c = (int)nk;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, c + 3) == 0) continue; /* a point without runs yet */
        char key[512] = "", label[400] = "", scen[128] = "";
        size_t kl = 0, ll = 0;
        for (size_t k = 0; k < nk; k++) {
            const unsigned char *t = sqlite3_column_text(st, (int)k);
            kl += (size_t)snprintf(key + kl, kl < sizeof key ? sizeof key - kl : 0, "%s\x1f",
                                   t ? (const char *)t : "\x01");
            char piece[160];
            plot__label_piece(r->db->cols[keys[k]].p, st, (int)k, piece, sizeof piece);
            ll += (size_t)snprintf(label + ll, ll < sizeof label ? sizeof label - ll : 0, "%s%s", k ? ", " : "", piece);
            if ((int)keys[k] == a->col_scenario && t) snprintf(scen, sizeof scen, "%s", (const char *)t);
            if (kl >= sizeof key) kl = sizeof key - 1;
            if (ll >= sizeof label) ll = sizeof label - 1;
        }
        double p = sqlite3_column_type(st, c + 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c + 4);
        rc = ans_add_point(r, x, key, label, scen, sqlite3_column_double(st, c), sqlite3_column_int64(st, c + 5),
                           sqlite3_column_int64(st, c + 2), sqlite3_column_double(st, c + 1), p);
    }
    if (rc) return sqlite3_finalize(st), rc;
    return report__finish(r, st, step);
}

/* "(id, id, ...)" of the cell's points: integers only. */
static void ans_ids(plot_buf *b, const ans_cell *cl)
{
    plot__buf_printf(b, "(");
    for (size_t i = 0; i < cl->n; i++) plot__buf_printf(b, "%s%lld", i ? ", " : "", (long long)cl->ids[i]);
    plot__buf_printf(b, ")");
}

static int dbl_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* What the runs of a cell say: counts, first interruption, cause. */
typedef struct ans_runs {
    int64_t runs, established, fi_runs, cause_runs, cause_total;
    double fi_s, fi_bytes; /* medians, NAN without interruptions */
    char cause[32];
} ans_runs;

static int ans_median(report_ctx *r, const char *ids, const char *col, double *out, int64_t *n_out)
{
    char head[160];
    snprintf(head, sizeof head, "SELECT %s FROM runs WHERE %s IS NOT NULL AND point_id IN ", col, col);
    plot_buf sql = {0};
    plot__buf_printf(&sql, "%s%s", head, ids);
    if (sql.oom) return plot__buf_fini(&sql), oom(r);
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, sql.s, -1);
    plot__buf_fini(&sql);
    if (rc) return rc;
    double *v = NULL;
    size_t n = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            double *nv = realloc(v, cap * sizeof *nv);
            if (!nv) return free(v), sqlite3_finalize(st), oom(r);
            v = nv;
        }
        v[n++] = sqlite3_column_double(st, 0);
    }
    rc = report__finish(r, st, step);
    if (!rc && n) {
        qsort(v, n, sizeof *v, dbl_cmp);
        *out = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    } else {
        *out = NAN;
    }
    *n_out = (int64_t)n;
    free(v);
    return rc;
}

static int ans_runs_of(report_ctx *r, const ans_cell *cl, ans_runs *o)
{
    *o = (ans_runs){.fi_s = NAN, .fi_bytes = NAN};
    plot_buf ids = {0}, sql = {0};
    ans_ids(&ids, cl);
    plot__buf_printf(&sql, "SELECT count(*), coalesce(sum(setup_s IS NOT NULL), 0) FROM runs WHERE point_id IN %s",
                     ids.s ? ids.s : "()");
    if (ids.oom || sql.oom) return plot__buf_fini(&ids), plot__buf_fini(&sql), oom(r);
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, sql.s, -1);
    plot__buf_fini(&sql);
    int step = SQLITE_DONE;
    if (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        o->runs = sqlite3_column_int64(st, 0), o->established = sqlite3_column_int64(st, 1);
        step = SQLITE_DONE;
    }
    if (!rc) rc = report__finish(r, st, step);
    int64_t nb;
    if (!rc) rc = ans_median(r, ids.s, "first_interruption_s", &o->fi_s, &o->fi_runs);
    if (!rc) rc = ans_median(r, ids.s, "first_interruption_bytes", &o->fi_bytes, &nb);
    if (!rc) {
        plot__buf_printf(&sql,
                         "SELECT i.cause, count(*), sum(count(*)) OVER () FROM interruptions i JOIN runs u ON "
                         "u.run_id = i.run_id WHERE i.episode = 1 AND u.point_id IN %s GROUP BY i.cause "
                         "ORDER BY count(*) DESC, i.cause LIMIT 1",
                         ids.s);
        if (sql.oom) rc = oom(r);
        if (!rc) rc = report__prepare(r, &st, sql.s, -1);
        plot__buf_fini(&sql);
        if (!rc) {
            step = sqlite3_step(st);
            if (step == SQLITE_ROW) {
                snprintf(o->cause, sizeof o->cause, "%s", (const char *)sqlite3_column_text(st, 0));
                o->cause_runs = sqlite3_column_int64(st, 1), o->cause_total = sqlite3_column_int64(st, 2);
                step = SQLITE_DONE;
            }
            rc = report__finish(r, st, step);
        }
    }
    plot__buf_fini(&ids);
    return rc;
}

/* The threshold of a search cell: 0 and the row's values, or 0 with
 * *found 0 when the combination has no thresholds row yet. */
typedef struct ans_threshold {
    int found;
    double critical, lo, hi, target;
    char status[32];
} ans_threshold;

static int ans_threshold_of(report_ctx *r, const ans_exp *x, const ans_cell *cl, ans_threshold *t)
{
    *t = (ans_threshold){.critical = NAN, .lo = NAN, .hi = NAN, .target = NAN};
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st,
                             "SELECT critical, lo, hi, status, target FROM thresholds WHERE experiment_id = ?1 "
                             "AND search_combo = ?2",
                             x->a.e->id);
    if (rc) return rc;
    sqlite3_bind_int64(st, 2, cl->combo);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        t->found = 1;
        for (int i = 0; i < 3; i++) {
            double v = sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
            *(i == 0 ? &t->critical : i == 1 ? &t->lo : &t->hi) = v;
        }
        snprintf(t->status, sizeof t->status, "%s", (const char *)sqlite3_column_text(st, 3));
        t->target = sqlite3_column_double(st, 4);
        step = SQLITE_DONE;
    }
    return report__finish(r, st, step);
}

static void attr_num(plot_buf *b, const char *name, double v)
{
    if (!isnan(v)) plot__buf_printf(b, " data-%s=\"%.17g\"", name, v);
}

static int ans_cell_html(report_ctx *r, const ans_exp *x, const ans_cell *cl, int *fallback_used)
{
    ans_runs u;
    int rc = ans_runs_of(r, cl, &u);
    if (rc) return rc;
    const plot_col *fs = &r->db->cols[x->a.col_file_size];
    const char *state;
    double safe = NAN, lo = NAN, hi = NAN, critical = NAN, target = 0.95;
    char big[160] = "", small[200] = "";
    char s1[64], s2[64];
    if (u.runs > 0 && u.established == 0) {
        state = "never";
        snprintf(big, sizeof big, "never establishes");
        snprintf(small, sizeof small, "no run connected (%lld runs)", (long long)u.runs);
    } else if (x->is_search) {
        ans_threshold t;
        if ((rc = ans_threshold_of(r, x, cl, &t))) return rc;
        target = t.found ? t.target : x->a.e->search_value;
        lo = t.lo, hi = t.hi;
        report__human_db(fs, t.lo, s1, sizeof s1);
        report__human_db(fs, t.hi, s2, sizeof s2);
        if (!t.found) {
            state = "searching";
            snprintf(big, sizeof big, "search not finished");
        } else if (!strcmp(t.status, "all_pass")) {
            state = "all_pass";
            safe = t.hi;
            snprintf(big, sizeof big, "every size tested completes");
            snprintf(small, sizeof small, "searched up to %s", s2);
        } else if (!strcmp(t.status, "none_pass")) {
            state = "none_pass";
            snprintf(big, sizeof big, "fails even at %s", s1);
            snprintf(small, sizeof small, "the smallest size searched");
        } else {
            state = "bracketed";
            critical = t.critical, safe = t.lo;
            report__human_db(fs, t.critical, big, sizeof big);
            snprintf(small, sizeof small, "search bracket %s – %s", s1, s2);
        }
    } else {
        /* The tested sizes, ascending: the safe prefix. */
        size_t order[cl->n], n = cl->n, k = 0;
        for (size_t i = 0; i < n; i++) order[i] = i;
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && cl->size[order[j]] < cl->size[order[j - 1]]; j--) {
                size_t tmp = order[j];
                order[j] = order[j - 1], order[j - 1] = tmp;
            }
        while (k < n && cl->p[order[k]] >= 0.95) k++;
        *fallback_used = 1;
        if (k == n) {
            state = "all_pass";
            safe = cl->size[order[n - 1]];
            report__human_db(fs, safe, s2, sizeof s2);
            snprintf(big, sizeof big, "every size tested completes");
            snprintf(small, sizeof small, "%s %s\u00a0†", n > 1 ? "tested up to" : "only", s2);
        } else if (k == 0) {
            state = "none_pass";
            lo = cl->size[order[0]];
            report__human_db(fs, lo, s1, sizeof s1);
            snprintf(big, sizeof big, "fails even at %s", s1);
            snprintf(small, sizeof small, "the smallest size tested\u00a0†");
        } else {
            state = "tested";
            safe = lo = cl->size[order[k - 1]];
            hi = cl->size[order[k]];
            report__human_db(fs, lo, big, sizeof big);
            report__human_db(fs, hi, s2, sizeof s2);
            snprintf(small, sizeof small, "next size tested, %s, fails\u00a0†", s2);
        }
    }
    plot__buf_printf(&r->h,
                     "<td class=\"ans %s\" data-experiment-id=\"%lld\" data-point-id=\"%lld\" data-state=\"%s\" "
                     "data-runs=\"%lld\" data-established=\"%lld\" data-fi-runs=\"%lld\"",
                     state, (long long)x->a.e->id, (long long)cl->ids[0], state, (long long)u.runs,
                     (long long)u.established, (long long)u.fi_runs);
    attr_num(&r->h, "safe", safe);
    attr_num(&r->h, "lo", lo);
    attr_num(&r->h, "hi", hi);
    attr_num(&r->h, "critical", critical);
    attr_num(&r->h, "fi-s", u.fi_s);
    attr_num(&r->h, "fi-bytes", u.fi_bytes);
    if (u.cause[0]) {
        plot__buf_printf(&r->h, " data-cause=\"");
        report__esc(&r->h, u.cause);
        plot__buf_printf(&r->h, "\" data-cause-runs=\"%lld\"", (long long)u.cause_runs);
    }
    plot__buf_printf(&r->h, "><span class=\"big\">");
    report__esc(&r->h, big);
    plot__buf_printf(&r->h, "</span>");
    if (fabs(target - 0.95) > 1e-9) report__escf(&r->h, " (p_complete = %g)", target);
    if (small[0]) {
        plot__buf_printf(&r->h, "<span class=\"sub\">");
        report__esc(&r->h, small);
        plot__buf_printf(&r->h, "</span>");
    }
    if (u.fi_runs > 0) {
        char b[64];
        report__human_db(fs, u.fi_bytes, b, sizeof b);
        plot__buf_printf(&r->h, "<span class=\"fi\">");
        report__escf(&r->h, "1st interruption %.3g s, %s (median of %lld)", u.fi_s, b, (long long)u.fi_runs);
        if (u.cause[0])
            report__escf(&r->h, "; %s in %lld of %lld", u.cause, (long long)u.cause_runs, (long long)u.cause_total);
        plot__buf_printf(&r->h, "</span>");
    } else if (strcmp(state, "never")) {
        plot__buf_printf(&r->h, "<span class=\"fi\">no interruption</span>");
    }
    plot__buf_printf(&r->h, "</td>");
    return 0;
}

static int whatif_exists(report_ctx *r, int *has)
{
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'whatif'", -1);
    if (rc) return rc;
    *has = 0;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) *has = sqlite3_column_int(st, 0) > 0, step = SQLITE_DONE;
    rc = report__finish(r, st, step);
    if (rc || !*has) return rc;
    if ((rc = report__prepare(r, &st, "SELECT count(*) FROM whatif", -1))) return rc;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) *has = sqlite3_column_int(st, 0) > 0, step = SQLITE_DONE;
    return report__finish(r, st, step);
}

/* The best change by the report's ranking (report_int.h): completing rows,
 * those whose cost or risk is not marked "RISK:" first, then by added
 * time. Row 0 is the configuration as given. */
#define WHATIF_BEST                                                                                                    \
    "SELECT c.candidate, c.added_s, c.cost_risk, c.row FROM whatif c WHERE c.whatif_id = ?2 AND c.row > 0 AND "        \
    "c.applies = 1 AND c.completed = 1 ORDER BY c.cost_risk LIKE 'RISK%', c.added_s, c.row LIMIT 1"

/* The what-if cell of a row: the best change of each stored invocation of
 * the row's scenario. */
static int ans_whatif_cell(report_ctx *r, const char *scenario)
{
    sqlite3_stmt *st, *best;
    int rc = report__prepare(r, &st,
                             "SELECT whatif_id, settings, completed FROM whatif WHERE row = 0 AND scenario = ?2 "
                             "ORDER BY whatif_id",
                             -1);
    if (rc) return rc;
    if ((rc = report__prepare(r, &best, WHATIF_BEST, -1))) return sqlite3_finalize(st), rc;
    sqlite3_bind_text(st, 2, scenario, -1, SQLITE_TRANSIENT);
    plot__buf_printf(&r->h, "<td class=\"wi\">");
    int step, n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *settings = sqlite3_column_text(st, 1);
        plot__buf_printf(&r->h, "%s<span class=\"wi1\" data-whatif-id=\"%lld\">", n++ ? "<br>" : "",
                         (long long)sqlite3_column_int64(st, 0));
        if (sqlite3_column_int(st, 2)) {
            report__escf(&r->h, "none needed");
        } else {
            sqlite3_reset(best);
            sqlite3_bind_int64(best, 2, sqlite3_column_int64(st, 0));
            if (sqlite3_step(best) == SQLITE_ROW) {
                double added = sqlite3_column_double(best, 1);
                report__escf(&r->h, "%s (+%.2f s)", (const char *)sqlite3_column_text(best, 0), added);
            } else {
                report__escf(&r->h, "no single change completes");
            }
        }
        if (settings && *settings) report__escf(&r->h, " for %s", (const char *)settings);
        plot__buf_printf(&r->h, "</span>");
    }
    if (!n) plot__buf_printf(&r->h, "–");
    plot__buf_printf(&r->h, "</td>");
    sqlite3_finalize(best);
    return report__finish(r, st, step);
}

int report__answer(report_ctx *r, size_t experiment)
{
    ans_exp *xs = calloc(r->db->n_exps ? r->db->n_exps : 1, sizeof *xs);
    if (!xs) return oom(r);
    size_t nx = 0;
    int rc = 0, has_whatif = 0;
    double *rates = NULL;
    size_t n_rates = 0;
    for (size_t e = 0; !rc && e < r->db->n_exps; e++) {
        if (experiment != (size_t)-1 && experiment != e) continue;
        ans_exp *x = &xs[nx];
        if ((rc = plot__axes_init(r->db, e, &x->a, r->err, r->errlen))) break;
        if (!ans_applies(r->db, &x->a, &x->is_search)) {
            plot__axes_fini(&x->a);
            continue;
        }
        nx++;
        if ((rc = ans_load(r, x))) break;
        for (size_t c = 0; c < x->n_cells; c++) {
            size_t k = 0;
            while (k < n_rates && rates[k] != x->cells[c].rate) k++;
            if (k < n_rates) continue;
            double *nr = realloc(rates, (n_rates + 1) * sizeof *nr);
            if (!nr) {
                rc = oom(r);
                break;
            }
            rates = nr;
            rates[n_rates++] = x->cells[c].rate;
        }
    }
    if (!rc) rc = whatif_exists(r, &has_whatif);
    if (!rc) qsort(rates, n_rates, sizeof *rates, dbl_cmp);
    plot__buf_printf(&r->h, "<section id=\"answer\">\n<h2>The answer: the largest file that copies safely</h2>\n");
    if (!rc && nx == 0)
        plot__buf_printf(&r->h, "<p>No experiment with runs varies or searches the file size at a link rate, so "
                                "there is no answer table; see the details below.</p>\n");
    int fallback = 0;
    if (!rc && nx > 0) {
        int exp_col = nx > 1;
        const plot_col *lr = &r->db->cols[xs[0].a.col_link_rate];
        plot__buf_printf(&r->h, "<table class=\"answer\"><thead><tr>%s<th class=\"t\">scenario</th>",
                         exp_col ? "<th class=\"t\">experiment</th>" : "");
        for (size_t k = 0; k < n_rates; k++) {
            char v[64];
            report__human_db(lr, rates[k], v, sizeof v);
            plot__buf_printf(&r->h, "<th data-rate=\"%.17g\">", rates[k]);
            report__esc(&r->h, v);
            plot__buf_printf(&r->h, "</th>");
        }
        if (has_whatif) plot__buf_printf(&r->h, "<th class=\"t\">best what-if change</th>");
        plot__buf_printf(&r->h, "</tr></thead><tbody>\n");
        for (size_t i = 0; !rc && i < nx; i++) {
            ans_exp *x = &xs[i];
            for (size_t w = 0; !rc && w < x->n_rows; w++) {
                plot__buf_printf(&r->h, "<tr>");
                if (exp_col && w == 0) {
                    plot__buf_printf(&r->h, "<th class=\"t\" rowspan=\"%zu\"><a href=\"#exp-%zu\">", x->n_rows,
                                     x->a.exp_index + 1);
                    report__esc(&r->h, x->a.e->name);
                    plot__buf_printf(&r->h, "</a>%s</th>", x->is_search ? "" : "\u00a0†");
                }
                plot__buf_printf(&r->h, "<th class=\"t\">");
                report__esc(&r->h, x->rows[w].label);
                plot__buf_printf(&r->h, "</th>");
                for (size_t k = 0; !rc && k < n_rates; k++) {
                    size_t c = 0;
                    while (c < x->n_cells && !(x->cells[c].row == w && x->cells[c].rate == rates[k])) c++;
                    if (c == x->n_cells)
                        plot__buf_printf(&r->h, "<td class=\"none\">–</td>");
                    else
                        rc = ans_cell_html(r, x, &x->cells[c], &fallback);
                }
                if (!rc && has_whatif) rc = ans_whatif_cell(r, x->rows[w].scenario);
                plot__buf_printf(&r->h, "</tr>\n");
            }
        }
        plot__buf_printf(&r->h, "</tbody></table>\n");
        plot__buf_printf(&r->h,
                         "<p class=\"note\">Each cell: the largest file size whose copies complete with "
                         "p_complete ≥ 0.95 at that link rate. From a threshold search of "
                         "<code>file.size</code>: the critical size (geometric mean of the final bracket) and "
                         "the bracket, whose lower end passed and upper end did not. "
                         "<em>never establishes</em>: no run of the cell set up a connection. Under it: the median "
                         "time and bytes to the first interruption over the cell's runs that had one (all sizes "
                         "pooled) and its most common cause.");
        if (fallback)
            plot__buf_printf(&r->h, " † No threshold search for this experiment: the cell is the largest "
                                    "<em>tested</em> size that, with every smaller tested size, has p_complete ≥ "
                                    "0.95; the real limit lies between it and the next size tested.");
        if (has_whatif)
            plot__buf_printf(&r->h, " What-if: the best change of each stored <code>rekeysim whatif</code> of the "
                                    "row's scenario and its added time; changes whose cost is marked RISK (the "
                                    "IPsec exemption) rank after the safe ones.");
        plot__buf_printf(&r->h, "</p>\n");
    }
    if (!rc) rc = report__fleet(r, experiment);
    if (!rc) rc = report__whatif(r);
    plot__buf_printf(&r->h, "</section>\n");
    for (size_t i = 0; i < nx; i++) ans_exp_fini(&xs[i]);
    free(xs);
    free(rates);
    return rc;
}
