/*
 * The fleet findings of the report (issue 16): under the answer table, per
 * experiment whose runs have more than one copy, sentences from the series
 * the fleet figures draw (plot__fleet_complete_fetch, plot__makespan_fetch
 * in results/plot_data.c), so text and figures cannot disagree:
 *   fleet_complete  per curve (a number of clients and the other axes):
 *                   the largest tested file size up to which every copy of
 *                   every run completed, the share of copies completed at
 *                   the next size with its interval over runs, and the
 *                   smallest size at which no copy completed;
 *   fleet_makespan  per makespan curve, at its largest fleet.clients: the
 *                   mean makespan with its interval and the law
 *                   N x size / (rate x efficiency).
 * Each <li> carries data-kind, data-point-id and the numbers it states
 * (data-share, data-share-lo, data-share-hi, data-all-size, data-none-size,
 * data-makespan, data-reference) for tests/results/test_report.c.
 */
#include <math.h>
#include <string.h>
#include "results/report_int.h"

static void attr(plot_buf *b, const char *name, double v)
{
    if (!isnan(v)) plot__buf_printf(b, " data-%s=\"%.17g\"", name, v);
}

/* "over PATH (RATE)" of point ID: the WAN preset and bottleneck rate the
 * copies share; "" when the path is the default LAN. */
static int path_of(report_ctx *r, int64_t id, char *buf, size_t n)
{
    buf[0] = 0;
    sqlite3_stmt *st;
    int rc = report__prepare(r, &st, "SELECT path, link_rate FROM points WHERE point_id = ?1", id);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        char rate[64];
        for (size_t i = 0; i < r->db->n_cols; i++)
            if (!strcmp(r->db->cols[i].p->name, "link.rate"))
                report__human_db(&r->db->cols[i], sqlite3_column_double(st, 1), rate, sizeof rate);
        if (p && strcmp(p, "lan")) snprintf(buf, n, " over %s (%s)", p, rate);
        step = SQLITE_DONE;
    }
    return report__finish(r, st, step);
}

/* "EXPERIMENT, LABEL over PATH" of curve CV. */
static int who_of(report_ctx *r, const plot_axes *a, const plot_series *s, const plot_curve *cv, char *buf, size_t n)
{
    char over[200];
    int rc = path_of(r, s->rows[cv->first].id, over, sizeof over);
    if (!rc)
        snprintf(buf, n, "%s%s%s%s", a->e->name, s->n_curve_cols ? ", " : "", s->n_curve_cols ? cv->label : "", over);
    return rc;
}

static void pct(double v, char *buf, size_t n) { snprintf(buf, n, "%.3g %%", 100.0 * v); }

static int fleet_complete(report_ctx *r, const plot_axes *a)
{
    if (!plot__varies(a, a->col_file_size)) return 0;
    plot_series s;
    int rc = plot__fleet_complete_fetch(r->db, a, &s, r->err, r->errlen);
    const plot_col *fs = &r->db->cols[a->col_file_size];
    for (size_t k = 0; !rc && k < s.n_curves; k++) {
        const plot_curve *cv = &s.curves[k];
        if (!cv->n) continue;
        const plot_row *rows = &s.rows[cv->first];
        size_t all = 0, none = cv->n;
        while (all < cv->n && rows[all].v[0] >= 1.0) all++; /* rows[0 .. all-1]: every copy completed */
        for (size_t i = cv->n; i-- > all;)
            if (rows[i].v[0] <= 0.0)
                none = i; /* the smallest size from which on none completed */
            else
                break;
        char who[600], x[64], y[64], z[64], p[32], lo[32], hi[32];
        if ((rc = who_of(r, a, &s, cv, who, sizeof who))) break;
        const plot_row *at = all < cv->n ? &rows[all] : &rows[cv->n - 1];
        plot__buf_printf(&r->h, "<li data-kind=\"fleet_complete\" data-point-id=\"%lld\"", (long long)at->id);
        attr(&r->h, "share", at->v[0]);
        attr(&r->h, "share-lo", at->v[1]);
        attr(&r->h, "share-hi", at->v[2]);
        attr(&r->h, "all-size", all ? rows[all - 1].x : NAN);
        attr(&r->h, "none-size", none < cv->n ? rows[none].x : NAN);
        plot__buf_printf(&r->h, "%s>", all < cv->n ? " class=\"bad\"" : "");
        if (all == cv->n) {
            report__human_db(fs, rows[cv->n - 1].x, x, sizeof x);
            report__escf(&r->h, "%s: every copy completed in every run, up to the largest file tested (%s).", who, x);
            plot__buf_printf(&r->h, "</li>\n");
            continue;
        }
        report__human_db(fs, at->x, y, sizeof y);
        pct(at->v[0], p, sizeof p);
        if (all) {
            report__human_db(fs, rows[all - 1].x, x, sizeof x);
            report__escf(&r->h, "%s: the largest file tested that every copy completes (in all %.0f runs) is %s; ", who,
                         rows[all - 1].v[3], x);
        } else {
            report__escf(&r->h, "%s: even at the smallest size tested not every copy completes; ", who);
        }
        if (at->v[0] > 0) {
            if (!isnan(at->v[1])) {
                pct(at->v[1], lo, sizeof lo);
                pct(at->v[2], hi, sizeof hi);
                report__escf(&r->h, "%s of the %s copies complete (95 %% interval over runs %s to %s)", p, y, lo, hi);
            } else {
                report__escf(&r->h, "%s of the %s copies complete", p, y);
            }
            if (none < cv->n) {
                report__human_db(fs, rows[none].x, z, sizeof z);
                report__escf(&r->h, ", and from %s on none does.", z);
            } else {
                report__escf(&r->h, ".");
            }
        } else {
            report__escf(&r->h, "0 %% of the %s copies complete%s.", y, none + 1 < cv->n ? ", nor of any larger" : "");
        }
        plot__buf_printf(&r->h, "</li>\n");
    }
    if (!rc) plot__series_fini(&s);
    return rc;
}

static int fleet_makespan(report_ctx *r, const plot_axes *a)
{
    if (!plot__varies(a, a->col_fleet_clients)) return 0;
    plot_series s;
    int rc = plot__makespan_fetch(r->db, a, &s, r->err, r->errlen);
    for (size_t k = 0; !rc && k < s.n_curves; k++) {
        const plot_curve *cv = &s.curves[k];
        if (!cv->n) continue;
        const plot_row *row = &s.rows[cv->first + cv->n - 1]; /* the most clients */
        char who[600], p[32];
        if ((rc = who_of(r, a, &s, cv, who, sizeof who))) break;
        plot__buf_printf(&r->h, "<li data-kind=\"fleet_makespan\" data-point-id=\"%lld\" data-clients=\"%.0f\"",
                         (long long)row->id, row->x);
        attr(&r->h, "makespan", row->v[0]);
        attr(&r->h, "reference", row->v[5]);
        plot__buf_printf(&r->h, ">");
        pct(row->v[4], p, sizeof p);
        report__escf(&r->h, "%s: with %.0f clients the last copy ends %.4g s after the first starts", who, row->x,
                     row->v[0]);
        if (!isnan(row->v[1]) && row->v[2] > row->v[1])
            report__escf(&r->h, " (95 %% interval %.4g to %.4g s)", row->v[1], row->v[2]);
        report__escf(&r->h,
                     "; the law N x size / (rate x efficiency) gives %.4g s (ratio %.3f); %s of the copies "
                     "completed.",
                     row->v[5], row->v[0] / row->v[5], p);
        plot__buf_printf(&r->h, "</li>\n");
    }
    if (!rc) plot__series_fini(&s);
    return rc;
}

int report__fleet(report_ctx *r, size_t experiment)
{
    int rc = 0, shown = 0;
    for (size_t e = 0; !rc && e < r->db->n_exps; e++) {
        if (experiment != (size_t)-1 && experiment != e) continue;
        plot_axes a;
        if ((rc = plot__axes_init(r->db, e, &a, r->err, r->errlen))) break;
        int has = a.search_col < 0 && a.n_runs > 0 ? plot__fleet_runs(r->db, &a, r->err, r->errlen) : 0;
        if (has < 0) rc = has;
        if (has > 0) {
            if (!shown++)
                plot__buf_printf(
                    &r->h,
                    "<h3>Fleets</h3>\n<p class=\"note\">A fleet is N clients (<code>fleet.clients</code>) copying "
                    "the file at once through the same link. In the table above a fleet's run completes only when "
                    "every copy does, so its cell is the largest file that all N copy with p_complete ≥ 0.95. "
                    "Below, per number of clients, the share of the copies that complete (mean over runs, "
                    "interval over runs: copies of one run are not independent) and the makespan, first start "
                    "to last end.</p>\n<ul class=\"findings\" data-experiment=\"fleets\">\n");
            rc = fleet_complete(r, &a);
            if (!rc) rc = fleet_makespan(r, &a);
        }
        plot__axes_fini(&a);
    }
    if (shown) plot__buf_printf(&r->h, "</ul>\n");
    return rc;
}
