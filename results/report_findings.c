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
 * how it ends as given, and its best change (row 1 when it completes: the
 * rows are stored fastest completing first). A database made before the
 * whatif table existed has none, and the section is left out. */
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
                         "coalesce(c.completed, 0) FROM whatif b LEFT JOIN whatif c ON c.whatif_id = b.whatif_id "
                         "AND c.row = 1 WHERE b.row = 0 ORDER BY b.whatif_id",
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
