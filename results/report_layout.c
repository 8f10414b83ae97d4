/*
 * The HTML layout of the report. The page is built in one growing buffer
 * and written to OUT_DIR/report.html through a temporary file and a rename,
 * so a reader never sees half a report. Its parts, in order: a header
 * (database, generation time, counts), the answer table with the what-if
 * findings under it (results/report_findings.c), the figures of every
 * experiment inline as SVG, the details: the findings per curve of every
 * experiment (collapsed in a <details> element, since the table says the
 * same), one section per experiment (what was simulated: kind, counts, the
 * axes and their values, the settings that differ from the registry
 * defaults, the spec text; the point_summary and thresholds tables), and
 * the provenance (meta and the sweep history).
 *
 * Every string from the database goes through report__esc(); the SVG that
 * gnuplot wrote has its text escaped by gnuplot, and its ids are prefixed
 * per figure so that several inline figures never share an id. The header
 * names the generation time and the commit of this build, so two reports of
 * one database differ in that line only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "models/core/params.h"
#include "results/build_info.h"
#include "results/report.h"
#include "results/report_int.h"

static const char CSS[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;"
    "color:#1d232b;background:#fff;line-height:1.45}"
    "main{max-width:1100px;margin:0 auto;padding:1.5rem 1.25rem 4rem}"
    "h1{font-size:1.8rem;margin:.2rem 0 .4rem}h2{font-size:1.35rem;margin-top:2.4rem;"
    "border-bottom:2px solid #d8dee6;padding-bottom:.25rem}h3{font-size:1.08rem;margin-top:1.6rem}"
    ".lede{color:#4a5562;margin-top:0}code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:.88em}pre{background:#f5f7fa;border:1px solid #e1e6ec;padding:.7rem .9rem;overflow-x:auto;"
    "white-space:pre-wrap}nav ul{columns:2;padding-left:1.2rem}"
    "ul.findings li{margin:.3rem 0}ul.findings li.bad{color:#8a1c1c}"
    "table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem;display:block;overflow-x:auto}"
    "th,td{border:1px solid #dde3ea;padding:.22rem .5rem;text-align:right;white-space:nowrap}"
    "th{background:#eef2f6;position:sticky;top:0}td.t,th.t{text-align:left;white-space:normal}td.v{text-align:left}"
    "tbody tr:nth-child(even){background:#f8fafc}"
    "figure{margin:1.2rem 0 2rem}figure svg{width:100%;height:auto;max-width:960px;display:block;"
    "border:1px solid #e1e6ec}figcaption{font-size:.9rem;color:#3b4652;margin-top:.4rem}"
    ".missing{background:#fff4e5;border:1px solid #f0c27b;padding:.6rem .8rem}"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem}dl.facts dt{font-weight:600}"
    "dl.facts dd{margin:0}footer{margin-top:3rem;font-size:.85rem;color:#5a6572}"
    "table.answer{font-size:.92rem}table.answer thead th{text-align:left}table.answer td.ans,table.answer "
    "td.wi{text-align:left;white-space:normal;"
    "min-width:10.5rem;vertical-align:top}table.answer th.t{vertical-align:top}"
    "td.ans .big{display:block;font-weight:700;font-size:1.05rem}td.ans .sub,td.ans .fi{display:block;"
    "font-size:.8rem;color:#4a5562}td.ans.never .big,td.ans.none_pass .big{color:#8a1c1c}"
    "td.ans.all_pass .big{color:#1c6b2e}p.note{font-size:.85rem;color:#3b4652;max-width:60rem}"
    "details{margin:.4rem 0}details summary{cursor:pointer;font-weight:600}";

/* ---- text ---- */

void report__esc(plot_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': plot__buf_append(b, "&amp;", 5); break;
        case '<': plot__buf_append(b, "&lt;", 4); break;
        case '>': plot__buf_append(b, "&gt;", 4); break;
        case '"': plot__buf_append(b, "&quot;", 6); break;
        case '\'': plot__buf_append(b, "&#39;", 5); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                plot__buf_append(b, " ", 1);
            else
                plot__buf_append(b, s, 1);
        }
    }
}

void report__escf(plot_buf *b, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    report__esc(b, text);
}

/* Human value of column COL for a DB value V (size, rate, time ...). */
void report__human_db(const plot_col *col, double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "n/a");
    else
        plot__human(col->p, plot__db_to_base(col->p, v), buf, n);
}

/* The bare human form of column I of ST for parameter P. */
static void cell_value(const prm_entry *p, sqlite3_stmt *st, int i, char *buf, size_t n)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        snprintf(buf, n, "null");
    else if (p->type == PRM_ENUM)
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, i));
    else
        plot__human(p, plot__db_to_base(p, sqlite3_column_double(st, i)), buf, n);
}

int report__prepare(report_ctx *r, sqlite3_stmt **st, const char *sql, int64_t experiment_id)
{
    if (sqlite3_prepare_v2(r->db->db, sql, -1, st, NULL) != SQLITE_OK) {
        snprintf(r->err, r->errlen, "%s: cannot query the results: %s", r->db->path, sqlite3_errmsg(r->db->db));
        return PLOT_EIO;
    }
    if (experiment_id >= 0) sqlite3_bind_int64(*st, 1, experiment_id);
    return 0;
}

int report__finish(report_ctx *r, sqlite3_stmt *st, int step_rc)
{
    sqlite3_finalize(st);
    if (step_rc == SQLITE_DONE) return 0;
    snprintf(r->err, r->errlen, "%s: cannot query the results: %s", r->db->path, sqlite3_errmsg(r->db->db));
    return PLOT_EIO;
}

/* ---- what was simulated ---- */

static int axes_list(report_ctx *r, const plot_axes *a)
{
    if (a->n_vary == 0 && a->search_col < 0) return 0;
    plot__buf_printf(&r->h, "<h3>Axes</h3>\n<ul>\n");
    int rc = 0;
    for (size_t k = 0; !rc && k <= a->n_vary; k++) {
        int ci = k < a->n_vary ? (int)a->vary[k] : a->search_col;
        if (ci < 0) break;
        const plot_col *col = &r->db->cols[ci];
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT DISTINCT %s FROM points WHERE experiment_id = ?1 ORDER BY 1", col->name);
        sqlite3_stmt *st;
        if ((rc = report__prepare(r, &st, sql, a->e->id))) break;
        plot__buf_printf(&r->h, "<li><code>");
        report__esc(&r->h, col->p->name);
        plot__buf_printf(&r->h, "</code>%s: ", ci == a->search_col ? " (searched; probe values)" : "");
        int n = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n++ >= 16) continue;
            char v[96];
            cell_value(col->p, st, 0, v, sizeof v);
            if (n > 1) plot__buf_printf(&r->h, ", ");
            report__esc(&r->h, v);
        }
        if (n > 16) plot__buf_printf(&r->h, " … (%d values)", n);
        plot__buf_printf(&r->h, "</li>\n");
        rc = report__finish(r, st, rc);
    }
    if (!rc && a->n_dependent) {
        plot__buf_printf(&r->h, "<li>varying with the axes above (set by the scenario presets): ");
        for (size_t k = 0; k < a->n_dependent; k++) {
            plot__buf_printf(&r->h, "%s<code>", k ? ", " : "");
            report__esc(&r->h, r->db->cols[a->dependent[k]].p->name);
            plot__buf_printf(&r->h, "</code>");
        }
        plot__buf_printf(&r->h, "</li>\n");
    }
    plot__buf_printf(&r->h, "</ul>\n");
    return rc;
}

/* Whether column I of ST holds P's registry default. */
static int is_default(const prm_entry *p, sqlite3_stmt *st, int i)
{
    double def;
    char err[256];
    if (prm_parse(p, p->def, &def, err, sizeof err) != 0) return 0;
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return 0;
    if (p->type == PRM_ENUM) {
        const char *t = (const char *)sqlite3_column_text(st, i);
        return t && p->choices[(int)def] && !strcmp(t, p->choices[(int)def]);
    }
    double v = plot__db_to_base(p, sqlite3_column_double(st, i));
    return fabs(v - def) <= 1e-9 * fmax(1.0, fabs(def));
}

static int settings_table(report_ctx *r, const plot_axes *a)
{
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT ");
    for (size_t i = 0; i < r->db->n_cols; i++) plot__buf_printf(&sql, "%s%s", i ? ", " : "", r->db->cols[i].name);
    plot__buf_printf(&sql, " FROM points WHERE experiment_id = ?1 ORDER BY point_id LIMIT 1");
    if (sql.oom) return plot__buf_fini(&sql), snprintf(r->err, r->errlen, "out of memory"), PLOT_ENOMEM;
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, sql.s, a->e->id);
    plot__buf_fini(&sql);
    if (rc) return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        plot__buf_printf(&r->h, "<h3>Settings that differ from the defaults</h3>\n"
                                "<p>The same in every point of the experiment (scenario presets included).</p>\n"
                                "<table><thead><tr><th class=\"t\">parameter</th><th class=\"t\">value</th>"
                                "<th class=\"t\">default</th><th class=\"t\">description</th></tr></thead><tbody>\n");
        int n = 0;
        for (size_t i = 0; i < r->db->n_cols; i++) {
            const prm_entry *p = r->db->cols[i].p;
            if (plot__varies(a, (int)i) || plot__dependent(a, (int)i) || (int)i == a->search_col ||
                is_default(p, st, (int)i))
                continue;
            char v[96];
            cell_value(p, st, (int)i, v, sizeof v);
            plot__buf_printf(&r->h, "<tr><td class=\"t\"><code>");
            report__esc(&r->h, p->name);
            plot__buf_printf(&r->h, "</code></td><td class=\"t\">");
            report__esc(&r->h, v);
            double def;
            char err[256], defs[96];
            if (prm_parse(p, p->def, &def, err, sizeof err) == 0)
                plot__human(p, def, defs, sizeof defs);
            else
                snprintf(defs, sizeof defs, "%s", p->def);
            plot__buf_printf(&r->h, "</td><td class=\"t\">");
            report__esc(&r->h, defs);
            plot__buf_printf(&r->h, "</td><td class=\"t\">");
            report__esc(&r->h, p->desc);
            plot__buf_printf(&r->h, "</td></tr>\n");
            n++;
        }
        if (!n) plot__buf_printf(&r->h, "<tr><td class=\"t\" colspan=\"4\">none</td></tr>\n");
        plot__buf_printf(&r->h, "</tbody></table>\n");
        rc = SQLITE_DONE;
    }
    return report__finish(r, st, rc);
}

static void facts(report_ctx *r, const plot_axes *a)
{
    const res_experiment *e = a->e;
    plot__buf_printf(&r->h, "<dl class=\"facts\">\n<dt>kind</dt><dd>");
    report__esc(&r->h, e->kind);
    if (!strcmp(e->kind, "search")) {
        plot__buf_printf(&r->h, ": ");
        report__escf(&r->h, "%s for %s = %g (precision %g)", e->search_param ? e->search_param : "?",
                     e->search_outcome ? e->search_outcome : "?", e->search_value, e->search_precision);
    } else if (!strcmp(e->kind, "target")) {
        plot__buf_printf(&r->h, ": ");
        report__escf(&r->h, "replications until the 95 %% interval of %s is within ±%g",
                     e->target_outcome ? e->target_outcome : "?", e->target_halfwidth);
    }
    plot__buf_printf(&r->h, "</dd>\n<dt>replications</dt><dd>%lld", (long long)e->replications);
    if (e->max_replications > e->replications)
        plot__buf_printf(&r->h, " (at most %lld)", (long long)e->max_replications);
    plot__buf_printf(&r->h, "</dd>\n<dt>master seed</dt><dd>%llu</dd>\n", (unsigned long long)e->master_seed);
    plot__buf_printf(&r->h,
                     "<dt>design points</dt><dd>%lld</dd>\n<dt>runs done</dt><dd>%lld (%lld completed copies)</dd>\n",
                     (long long)a->n_points, (long long)a->n_runs, (long long)a->n_completed);
    plot__buf_printf(&r->h, "<dt>status</dt><dd>");
    report__esc(&r->h, e->status);
    plot__buf_printf(&r->h, "</dd>\n<dt>created</dt><dd>");
    report__esc(&r->h, e->created_at);
    if (e->spec_file) {
        plot__buf_printf(&r->h, "</dd>\n<dt>spec file</dt><dd><code>");
        report__esc(&r->h, e->spec_file);
        plot__buf_printf(&r->h, "</code>");
    }
    plot__buf_printf(&r->h, "</dd>\n</dl>\n");
}

/* ---- figures ---- */

/* Appends the <svg> element of SVG with its ids prefixed by PREFIX (only
 * inside tags: gnuplot escapes '<' in text, so '<' always opens a tag) and
 * its generic title replaced by TITLE. */
static void inline_svg(plot_buf *b, const char *svg, const char *prefix, const char *title)
{
    static const char *const refs[] = {" id='", " id=\"", "href='#", "href=\"#", "url(#"};
    const char *s = strstr(svg, "<svg");
    if (!s) return;
    int in_tag = 0;
    while (*s) {
        if (!in_tag && !strncmp(s, "<title>Gnuplot</title>", 22)) {
            plot__buf_printf(b, "<title>");
            report__esc(b, title);
            plot__buf_printf(b, "</title>");
            s += 22;
            continue;
        }
        if (*s == '<')
            in_tag = 1;
        else if (*s == '>')
            in_tag = 0;
        size_t k = 0;
        for (; in_tag && k < sizeof refs / sizeof refs[0]; k++)
            if (!strncmp(s, refs[k], strlen(refs[k]))) break;
        if (in_tag && k < sizeof refs / sizeof refs[0]) {
            plot__buf_append(b, s, strlen(refs[k]));
            plot__buf_printf(b, "%s", prefix);
            s += strlen(refs[k]);
            continue;
        }
        plot__buf_append(b, s, 1);
        s++;
    }
    plot__buf_printf(b, "\n");
}

static void figure(report_ctx *r, const plot_figure *f, size_t index)
{
    plot__buf_printf(&r->h, "<figure id=\"fig-");
    report__esc(&r->h, f->stem);
    plot__buf_printf(&r->h, "\" data-kind=\"%s\">\n", plot_kind_name(f->kind));
    char name[400];
    snprintf(name, sizeof name, "%s.svg", f->stem);
    char *svg = f->rendered ? plot__slurp(r->dir, name, NULL) : NULL;
    if (svg && strstr(svg, "<svg")) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "f%zu-", index);
        inline_svg(&r->h, svg, prefix, f->title);
    } else {
        plot__buf_printf(&r->h,
                         "<p class=\"missing\">This figure was not drawn (%s). Its data and script are in "
                         "<code>",
                         f->rendered ? "its SVG file could not be read"
                                     : "gnuplot is missing or failed; install it with apt-get install gnuplot-nox");
        report__esc(&r->h, f->stem);
        plot__buf_printf(&r->h, ".dat</code> and <code>");
        report__esc(&r->h, f->stem);
        plot__buf_printf(&r->h, ".gp</code>.</p>\n");
    }
    free(svg);
    plot__buf_printf(&r->h, "<figcaption><strong>");
    report__esc(&r->h, f->title);
    plot__buf_printf(&r->h, ".</strong> ");
    report__esc(&r->h, f->caption);
    plot__buf_printf(&r->h, " Files: <code>");
    report__esc(&r->h, f->stem);
    plot__buf_printf(&r->h, ".{png,svg,gp,dat}</code>.</figcaption>\n</figure>\n");
}

/* ---- tables ---- */

static void num_cell(plot_buf *b, sqlite3_stmt *st, int i, const char *fmt)
{
    plot__buf_printf(b, "<td>");
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        plot__buf_printf(b, "–");
    else
        plot__buf_printf(b, fmt, sqlite3_column_double(st, i));
    plot__buf_printf(b, "</td>");
}

static void param_headers(report_ctx *r, const size_t *cols, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        plot__buf_printf(&r->h, "<th class=\"t\">");
        report__esc(&r->h, r->db->cols[cols[k]].p->name);
        plot__buf_printf(&r->h, "</th>");
    }
}

static void param_cells(report_ctx *r, sqlite3_stmt *st, const size_t *cols, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char v[96];
        cell_value(r->db->cols[cols[k]].p, st, (int)k, v, sizeof v);
        plot__buf_printf(&r->h, "<td class=\"v\">");
        report__esc(&r->h, v);
        plot__buf_printf(&r->h, "</td>");
    }
}

static int summary_table(report_ctx *r, const plot_axes *a)
{
    size_t cols[a->n_vary + 1], n = 0;
    for (size_t k = 0; k < a->n_vary; k++) cols[n++] = a->vary[k];
    if (a->search_col >= 0) cols[n++] = (size_t)a->search_col;
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT ");
    plot__buf_cols(&sql, r->db, cols, n, "");
    plot__buf_printf(&sql,
                     "%spoint_id, n_runs, n_completed, p_complete, p_complete_lo, p_complete_hi, "
                     "duration_mean_s, duration_lo_s, duration_hi_s, interruptions_mean, "
                     "first_interruption_bytes_median FROM point_summary WHERE experiment_id = ?1 "
                     "ORDER BY point_id",
                     n ? ", " : "");
    if (sql.oom) return plot__buf_fini(&sql), snprintf(r->err, r->errlen, "out of memory"), PLOT_ENOMEM;
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, sql.s, a->e->id);
    plot__buf_fini(&sql);
    if (rc) return rc;
    plot__buf_printf(&r->h, "<h3>Point summary</h3>\n<p>One row per design point (view <code>point_summary</code>); "
                            "intervals are 95 %% (Wilson for p_complete, Student t for the duration of completed "
                            "copies).</p>\n<table class=\"point-summary\"><thead><tr><th>point</th>");
    param_headers(r, cols, n);
    plot__buf_printf(&r->h, "<th>runs</th><th>completed</th><th>p_complete</th><th>95 %% interval</th>"
                            "<th>duration mean (s)</th><th>95 %% interval (s)</th><th>interruptions mean</th>"
                            "<th>first interruption, median bytes</th></tr></thead><tbody>\n");
    int c = (int)n;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        plot__buf_printf(&r->h, "<tr data-point-id=\"%lld\"><td>%lld</td>", (long long)sqlite3_column_int64(st, c),
                         (long long)sqlite3_column_int64(st, c));
        param_cells(r, st, cols, n);
        plot__buf_printf(&r->h, "<td>%lld</td><td>%lld</td>", (long long)sqlite3_column_int64(st, c + 1),
                         (long long)sqlite3_column_int64(st, c + 2));
        num_cell(&r->h, st, c + 3, "%.3f");
        plot__buf_printf(&r->h, "<td>");
        if (sqlite3_column_type(st, c + 4) != SQLITE_NULL)
            plot__buf_printf(&r->h, "%.3f – %.3f", sqlite3_column_double(st, c + 4), sqlite3_column_double(st, c + 5));
        else
            plot__buf_printf(&r->h, "–");
        plot__buf_printf(&r->h, "</td>");
        num_cell(&r->h, st, c + 6, "%.4g");
        plot__buf_printf(&r->h, "<td>");
        if (sqlite3_column_type(st, c + 7) != SQLITE_NULL)
            plot__buf_printf(&r->h, "%.4g – %.4g", sqlite3_column_double(st, c + 7), sqlite3_column_double(st, c + 8));
        else
            plot__buf_printf(&r->h, "–");
        plot__buf_printf(&r->h, "</td>");
        num_cell(&r->h, st, c + 9, "%.3g");
        num_cell(&r->h, st, c + 10, "%.0f");
        plot__buf_printf(&r->h, "</tr>\n");
    }
    plot__buf_printf(&r->h, "</tbody></table>\n");
    return report__finish(r, st, rc);
}

static int thresholds_table(report_ctx *r, const plot_axes *a)
{
    if (a->n_thresholds == 0 || a->search_col < 0) return 0;
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT ");
    plot__buf_cols(&sql, r->db, a->vary, a->n_vary, "");
    plot__buf_printf(&sql,
                     "%spoint_id, critical, lo, hi, search_status, n_probes, search_runs, n_undecided "
                     "FROM threshold_summary WHERE experiment_id = ?1 ORDER BY point_id",
                     a->n_vary ? ", " : "");
    if (sql.oom) return plot__buf_fini(&sql), snprintf(r->err, r->errlen, "out of memory"), PLOT_ENOMEM;
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, sql.s, a->e->id);
    plot__buf_fini(&sql);
    if (rc) return rc;
    const plot_col *sc = &r->db->cols[a->search_col];
    plot__buf_printf(&r->h, "<h3>Thresholds</h3>\n<table class=\"thresholds\"><thead><tr><th>first probe</th>");
    param_headers(r, a->vary, a->n_vary);
    plot__buf_printf(&r->h, "<th>critical ");
    report__esc(&r->h, sc->p->name);
    plot__buf_printf(&r->h, "</th><th>bracket</th><th class=\"t\">status</th><th>probes</th><th>runs</th>"
                            "<th>undecided</th></tr></thead><tbody>\n");
    int c = (int)a->n_vary;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char v[64], lo[64], hi[64];
        double cv = sqlite3_column_type(st, c + 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c + 1);
        double l = sqlite3_column_type(st, c + 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c + 2);
        double h = sqlite3_column_type(st, c + 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c + 3);
        report__human_db(sc, cv, v, sizeof v);
        report__human_db(sc, l, lo, sizeof lo);
        report__human_db(sc, h, hi, sizeof hi);
        plot__buf_printf(&r->h, "<tr data-point-id=\"%lld\"><td>%lld</td>", (long long)sqlite3_column_int64(st, c),
                         (long long)sqlite3_column_int64(st, c));
        param_cells(r, st, a->vary, a->n_vary);
        plot__buf_printf(&r->h, "<td>");
        report__esc(&r->h, v);
        plot__buf_printf(&r->h, "</td><td>");
        report__escf(&r->h, "%s – %s", lo, hi);
        plot__buf_printf(&r->h, "</td><td class=\"t\">");
        report__esc(&r->h, (const char *)sqlite3_column_text(st, c + 4));
        plot__buf_printf(&r->h, "</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                         (long long)sqlite3_column_int64(st, c + 5), (long long)sqlite3_column_int64(st, c + 6),
                         (long long)sqlite3_column_int64(st, c + 7));
    }
    plot__buf_printf(&r->h, "</tbody></table>\n");
    return report__finish(r, st, rc);
}

/* ---- provenance ---- */

static int provenance(report_ctx *r)
{
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, "SELECT key, value FROM meta ORDER BY key", -1);
    if (rc) return rc;
    plot__buf_printf(&r->h, "<section id=\"provenance\">\n<h2>Provenance</h2>\n<h3>Database meta</h3>\n"
                            "<table class=\"meta\"><thead><tr><th class=\"t\">key</th><th class=\"t\">value</th>"
                            "</tr></thead><tbody>\n");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        plot__buf_printf(&r->h, "<tr><td class=\"t\"><code>");
        report__esc(&r->h, (const char *)sqlite3_column_text(st, 0));
        plot__buf_printf(&r->h, "</code></td><td class=\"t\">");
        report__esc(&r->h, (const char *)sqlite3_column_text(st, 1));
        plot__buf_printf(&r->h, "</td></tr>\n");
    }
    plot__buf_printf(&r->h, "</tbody></table>\n");
    if ((rc = report__finish(r, st, rc))) return rc;
    if ((rc = report__prepare(r, &st,
                              "SELECT started_at, finished_at, command_line, rekeysim, git_commit, outcome "
                              "FROM history ORDER BY history_id",
                              -1)))
        return rc;
    plot__buf_printf(&r->h, "<h3>Sweeps and merges that wrote to it</h3>\n<table class=\"history\"><thead><tr>"
                            "<th class=\"t\">started</th><th class=\"t\">finished</th><th class=\"t\">command</th>"
                            "<th class=\"t\">rekeysim</th><th class=\"t\">git</th><th class=\"t\">outcome</th>"
                            "</tr></thead><tbody>\n");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        plot__buf_printf(&r->h, "<tr>");
        for (int i = 0; i < 6; i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            plot__buf_printf(&r->h, i == 2 ? "<td class=\"t\"><code>" : "<td class=\"t\">");
            report__esc(&r->h, t ? t : "–");
            plot__buf_printf(&r->h, i == 2 ? "</code></td>" : "</td>");
        }
        plot__buf_printf(&r->h, "</tr>\n");
    }
    plot__buf_printf(&r->h, "</tbody></table>\n</section>\n");
    return report__finish(r, st, rc);
}

/* ---- the page ---- */

static void header(report_ctx *r, size_t experiment)
{
    char now[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", &tm);
    const char *base = strrchr(r->db->path, '/');
    plot__buf_printf(&r->h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                            "<title>rekeysim report: ");
    report__esc(&r->h, base ? base + 1 : r->db->path);
    plot__buf_printf(&r->h,
                     "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>rekeysim report</h1>\n"
                     "<p class=\"lede\">Database <code>",
                     CSS);
    report__esc(&r->h, r->db->path);
    plot__buf_printf(&r->h, "</code>, written %s by rekeysim %s (git %s%s). ", now, PACKAGE_VERSION, RES_GIT_COMMIT,
                     RES_GIT_DIRTY ? ", modified" : "");
    if (experiment == (size_t)-1)
        plot__buf_printf(&r->h, "All %zu experiments.", r->db->n_exps);
    else {
        plot__buf_printf(&r->h, "Experiment <code>");
        report__esc(&r->h, r->db->exps[experiment].name);
        plot__buf_printf(&r->h, "</code>.");
    }
    plot__buf_printf(&r->h, "</p>\n<nav><ul><li><a href=\"#answer\">The answer</a></li>\n"
                            "<li><a href=\"#figures\">Figures</a></li>\n"
                            "<li><a href=\"#findings\">Details: findings per curve</a></li>\n");
    for (size_t e = 0; e < r->db->n_exps; e++) {
        if (experiment != (size_t)-1 && experiment != e) continue;
        plot__buf_printf(&r->h, "<li><a href=\"#exp-%zu\">Experiment ", e + 1);
        report__esc(&r->h, r->db->exps[e].name);
        plot__buf_printf(&r->h, "</a></li>\n");
    }
    plot__buf_printf(&r->h, "<li><a href=\"#provenance\">Provenance</a></li></ul></nav>\n");
}

/* The figures of experiment A, under its name. */
static void figures_of(report_ctx *r, const plot_axes *a, const plot_figure *figs, size_t n_figs)
{
    plot__buf_printf(&r->h, "<h3>Experiment ");
    report__esc(&r->h, a->e->name);
    plot__buf_printf(&r->h, "</h3>\n");
    size_t shown = 0;
    for (size_t i = 0; i < n_figs; i++)
        if (figs[i].experiment == a->exp_index) figure(r, &figs[i], i), shown++;
    if (!shown)
        plot__buf_printf(&r->h, "<p>No figure applies to this experiment's axes (or it has no runs yet).</p>\n");
}

static int experiment_section(report_ctx *r, const plot_axes *a)
{
    plot__buf_printf(&r->h, "<section id=\"exp-%zu\" class=\"experiment\">\n<h2>Experiment ", a->exp_index + 1);
    report__esc(&r->h, a->e->name);
    plot__buf_printf(&r->h, "</h2>\n<h3>What was simulated</h3>\n");
    facts(r, a);
    int rc = axes_list(r, a);
    if (!rc) rc = settings_table(r, a);
    if (rc) return rc;
    plot__buf_printf(&r->h, "<h3>Spec</h3>\n<pre class=\"spec\">");
    report__esc(&r->h, a->e->spec_text);
    plot__buf_printf(&r->h, "</pre>\n");
    rc = summary_table(r, a);
    if (!rc) rc = thresholds_table(r, a);
    plot__buf_printf(&r->h, "</section>\n");
    return rc;
}

static int body(report_ctx *r, size_t experiment, const plot_figure *figs, size_t n_figs)
{
    header(r, experiment);
    int rc = report__answer(r, experiment);
    plot__buf_printf(&r->h, "<section id=\"figures\">\n<h2>Figures</h2>\n");
    for (size_t e = 0; !rc && e < r->db->n_exps; e++) {
        if (experiment != (size_t)-1 && experiment != e) continue;
        plot_axes a;
        if ((rc = plot__axes_init(r->db, e, &a, r->err, r->errlen))) break;
        figures_of(r, &a, figs, n_figs);
        plot__axes_fini(&a);
    }
    plot__buf_printf(&r->h, "</section>\n<section id=\"findings\">\n<h2>Details: findings per curve</h2>\n"
                            "<p>The sentences behind the answer table, one per scenario, rate and size curve "
                            "(collapsed; open an experiment's list).</p>\n");
    for (size_t e = 0; !rc && e < r->db->n_exps; e++) {
        if (experiment != (size_t)-1 && experiment != e) continue;
        plot_axes a;
        if ((rc = plot__axes_init(r->db, e, &a, r->err, r->errlen))) break;
        plot__buf_printf(&r->h, "<details><summary>Experiment ");
        report__esc(&r->h, a.e->name);
        plot__buf_printf(&r->h, "</summary>\n");
        rc = report__findings(r, &a);
        plot__buf_printf(&r->h, "</details>\n");
        plot__axes_fini(&a);
    }
    plot__buf_printf(&r->h, "</section>\n");
    for (size_t e = 0; !rc && e < r->db->n_exps; e++) {
        if (experiment != (size_t)-1 && experiment != e) continue;
        plot_axes a;
        if ((rc = plot__axes_init(r->db, e, &a, r->err, r->errlen))) break;
        rc = experiment_section(r, &a);
        plot__axes_fini(&a);
    }
    if (!rc) rc = provenance(r);
    plot__buf_printf(&r->h, "<footer>Rebuild this page with <code>rekeysim report --db ");
    report__esc(&r->h, r->db->path);
    plot__buf_printf(&r->h, "</code>; every number and figure on it comes from that database.</footer>\n"
                            "</main>\n</body>\n</html>\n");
    return rc;
}

int report_write(plot_db *db, size_t experiment, const plot_figure *figs, size_t n_figs, const char *out_dir, char *err,
                 size_t errlen)
{
    report_ctx r = {.db = db, .err = err, .errlen = errlen, .dir = out_dir};
    int rc = plot__mkdirs(out_dir, err, errlen);
    if (!rc) rc = body(&r, experiment, figs, n_figs);
    if (!rc && r.h.oom) rc = PLOT_ENOMEM, snprintf(err, errlen, "out of memory");
    if (!rc) {
        plot_out o;
        rc = plot__out_open(&o, out_dir, "report.html", err, errlen);
        if (!rc) {
            fwrite(r.h.s, 1, r.h.len, o.f);
            rc = plot__out_close(&o, 0, err, errlen);
        }
    }
    plot__buf_fini(&r.h);
    return rc;
}
