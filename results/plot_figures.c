/*
 * The writer of the figures of an experiment: each a .dat and a .gp,
 * from the one query of results/plot_data.c over the database's views and
 * tables (the p_complete panels placed by results/plot_layout.c, the gnuplot
 * text primitives from results/plot_gnuplot.c):
 *   p_complete          point_summary: p_complete with its Wilson band vs
 *                       file size; with two or more other varying axes one
 *                       panel per link rate (or the last axis) and in each
 *                       one curve per combination of the rest, drawn alike
 *                       in every panel, else one curve per combination;
 *   first_interruption  runs joined with points: median and quartiles of
 *                       the bytes and seconds before the first interruption,
 *                       vs link rate when it varies (pooled over file sizes,
 *                       which only decide whether a copy gets that far), else
 *                       vs file size;
 *   duration            point_summary: mean duration of completed copies
 *                       with its Student t interval vs file size, no-ipsec
 *                       curves drawn as the baseline;
 *   critical_size       threshold_summary: the critical value of a threshold
 *                       search vs link rate, one curve per combination of
 *                       the other axes (typically the quick-mode lifetime);
 *   capacity_map        threshold_summary: the critical value over two axes;
 *   fleet_complete      point_summary: the share of a run's copies completed
 *                       (mean over runs, Student t interval) vs file size,
 *                       one curve per fleet.clients, for experiments whose
 *                       runs have more than one copy;
 *   makespan            point_summary: makespan_mean_s with its interval vs
 *                       fleet.clients, one curve per combination of the
 *                       other axes, each with its N x size / rate law dashed.
 * The .dat holds values in the database's units (bytes, bit/s, seconds), so
 * it can be checked against the database row for row; the .gp converts to
 * display units with one variable per axis (xdiv, ydiv) near its top, so
 * restyling is editing one line. A figure the experiment's axes cannot
 * support is skipped with one line on the notes stream; that is not an error.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/params.h"
#include "results/plot_int.h"

typedef struct fig_ctx {
    plot_db *db;
    const plot_axes *a;
    const char *dir;
    FILE *notes;
    char *err;
    size_t errlen;
    int kind;
    char stem[320];
    char title[512];
    char caption[1024];
    int width, height;
} fig_ctx;

static int skip(fig_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int skip(fig_ctx *c, const char *fmt, ...)
{
    if (!c->notes) return 1;
    fprintf(c->notes, "note: experiment '%s': no %s figure: ", c->a->e->name, plot_kind_name(c->kind));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->notes, fmt, ap);
    va_end(ap);
    fputc('\n', c->notes);
    return 1;
}

static void dat_num(FILE *f, double v, const char *fmt)
{
    if (isnan(v))
        fputs(" NaN", f);
    else
        fprintf(f, fmt, v);
}

/* Header comments of a .dat file; COLUMNS names each column. */
static void dat_header(FILE *f, const fig_ctx *c, const char *columns)
{
    fputs("# rekeysim figure data: ", f);
    plot__gp_comment_text(f, c->title);
    fputs("\n# experiment ", f);
    plot__gp_comment_text(f, c->a->e->name);
    fputs(", database ", f);
    plot__gp_comment_text(f, c->db->path);
    fprintf(f,
            "\n# One block per curve (gnuplot index 0, 1, ...), blocks separated by two blank lines.\n"
            "# Units as stored: bytes, bit/s, seconds. NaN = no value.\n# columns: %s\n",
            columns);
}

/* Writes the curves of S: one block per curve with its label as a comment;
 * each row is the id, x and the first N_VALUES values. */
static void dat_blocks(FILE *f, const plot_series *s, size_t n_values)
{
    for (size_t k = 0; k < s->n_curves; k++) {
        const plot_curve *cv = &s->curves[k];
        fprintf(f, "%s# curve %zu: ", k ? "\n\n" : "", k);
        plot__gp_comment_text(f, cv->label);
        fputc('\n', f);
        for (size_t r = cv->first; r < cv->first + cv->n; r++) {
            const plot_row *row = &s->rows[r];
            fprintf(f, "%lld", (long long)row->id);
            dat_num(f, row->x, " %.17g");
            for (size_t v = 0; v < n_values; v++) dat_num(f, row->v[v], " %.12g");
            fputc('\n', f);
        }
    }
}

/* Colour and dash of curve K ("lc rgb '#...' dt 1"). */
static void curve_style(const plot_curve *cv, size_t k, char *buf, size_t n)
{
    if (cv->baseline)
        snprintf(buf, n, "lc rgb '#404040' dt 2");
    else
        snprintf(buf, n, "lc rgb '%s' dt 1", plot__colours[k % plot__n_colours]);
}

/* The colour of curve K (as curve_style draws it). */
static const char *cv_colour(const plot_curve *cv, size_t k)
{
    return cv->baseline ? "#404040" : plot__colours[k % plot__n_colours];
}

/* Plot order: baseline curves first, so the others are drawn over them. */
static void curve_order(const plot_series *s, size_t *order)
{
    size_t n = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (size_t k = 0; k < s->n_curves; k++)
            if (s->curves[k].baseline == pass) order[n++] = k;
}

static int curve_point(size_t k)
{
    static const int pts[] = {7, 5, 9, 11, 13, 15};
    return pts[k % (sizeof pts / sizeof pts[0])];
}

/* The x axis lines of the .gp: xdiv, label, scale. */
static void gp_x_axis(FILE *f, const prm_entry *p, const char *what, const plot_series *s, int force_log)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < s->n_rows; r++)
        if (!isnan(s->rows[r].x) && s->rows[r].x > 0) lo = fmin(lo, s->rows[r].x), hi = fmax(hi, s->rows[r].x);
    if (!(lo <= hi)) lo = hi = 1;
    plot_unit u = plot__unit(p, lo, hi);
    fprintf(f, "xdiv = %.17g  # %s in %s\n", u.div, what, u.name[0] ? u.name : "its unit");
    fputs("set xlabel ", f);
    char label[160];
    snprintf(label, sizeof label, u.name[0] ? "%s (%s)" : "%s", what, u.name);
    plot__gp_string(f, label);
    fputc('\n', f);
    if (force_log || hi / lo >= 10) {
        int base = p->type == PRM_SIZE && hi / lo <= 4096 ? 2 : 10;
        fprintf(f, "set logscale x %d\nset xrange [%.10g:%.10g]\n", base, lo / u.div / 1.15, hi / u.div * 1.15);
    } else {
        double pad = hi > lo ? (hi - lo) * 0.05 : fabs(lo) * 0.1 + 1;
        fprintf(f, "set xrange [%.10g:%.10g]\n", (lo - pad) / u.div, (hi + pad) / u.div);
    }
}

/* A y axis of display unit U over values in [LO, HI] (NAN-free). */
static void gp_y_scale(FILE *f, double lo, double hi, const char *axis)
{
    if (lo > 0 && hi / lo >= 20)
        fprintf(f, "set logscale %s 10\nset %srange [%.10g:%.10g]\n", axis, axis, lo / 1.4, hi * 1.4);
    else
        fprintf(f, "unset logscale %s\nset %srange [0:*]\n", axis, axis);
}

static void value_range(const plot_series *s, size_t v0, size_t v1, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t r = 0; r < s->n_rows; r++)
        for (size_t v = v0; v <= v1; v++) {
            double x = s->rows[r].v[v];
            if (!isnan(x) && x > 0) *lo = fmin(*lo, x), *hi = fmax(*hi, x);
        }
    if (!(*lo <= *hi)) *lo = *hi = 1;
}

static void gp_title(FILE *f, const fig_ctx *c)
{
    fputs("  set title ", f);
    plot__gp_string(f, c->title);
    fputs("\n  set grid\n  set key below\n", f);
}

/* Opens STEM.EXT for writing. */
static int open_out(fig_ctx *c, plot_out *o, const char *ext)
{
    char name[400];
    snprintf(name, sizeof name, "%s.%s", c->stem, ext);
    return plot__out_open(o, c->dir, name, c->err, c->errlen);
}

/* Opens the figure's .dat and .gp together: both or neither. */
static int open_pair(fig_ctx *c, plot_out *dat, plot_out *gp)
{
    int rc = open_out(c, dat, "dat");
    if (rc) return rc;
    if ((rc = open_out(c, gp, "gp"))) plot__out_close(dat, 1, NULL, 0);
    return rc;
}

static int close_pair(fig_ctx *c, plot_out *dat, plot_out *gp)
{
    int rc = plot__out_close(dat, 0, c->err, c->errlen);
    int rc2 = plot__out_close(gp, rc != 0, c->err, c->errlen);
    return rc ? rc : rc2;
}

/* ---- (a) p_complete vs file size ---- */

#define TICK_LABEL_PX 62 /* room for a tick label such as "256 MiB" */

/* The x axis: file size on a log axis with labelled ticks at powers of two
 * bytes written in human form ("1 MiB", "16 MiB", "256 MiB"), as far apart
 * as a panel of PANEL_PX pixels needs for the labels not to touch, and
 * unlabelled ticks at the powers between. Positions are bytes over xdiv,
 * so a changed xdiv keeps them right. */
static void p_complete_x_axis(FILE *f, const prm_entry *p, const plot_series *s, double panel_px)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < s->n_rows; r++)
        if (s->rows[r].x > 0) lo = fmin(lo, s->rows[r].x), hi = fmax(hi, s->rows[r].x);
    if (!(lo <= hi)) lo = hi = 1;
    plot_unit u = plot__unit(p, lo, hi);
    double xlo = lo / 1.15, xhi = hi * 1.15;
    fprintf(f, "xdiv = %.17g  # file size in %s (the tick labels name their unit)\n", u.div,
            u.name[0] ? u.name : "its unit");
    fprintf(f, "set xlabel 'file size'\nset logscale x 2\nset xrange [%.17g/xdiv:%.17g/xdiv]\n", xlo, xhi);
    int e0 = (int)ceil(log2(xlo)), e1 = (int)floor(log2(xhi)), first = (int)ceil(log2(lo) - 1e-9);
    if (e0 > e1) { /* a single size between two powers of two: label it */
        char label[64];
        plot__human(p, lo, label, sizeof label);
        fputs("set xtics (", f);
        plot__gp_string(f, label);
        fprintf(f, " %.17e/xdiv)\n", lo);
        return;
    }
    double per_octave_px = panel_px / log2(xhi / xlo);
    int step = (int)ceil(TICK_LABEL_PX / per_octave_px);
    if (step < 1) step = 1;
        /* A label centred on its tick must not reach past the panel's edges
     * (into the next panel's labels): the first labelled tick is the first
     * at least half a label from the left edge, and none is labelled within
     * half a label of the right edge. */
#define TICK_PX(e) (((e)-log2(xlo)) * per_octave_px)
    while (first < e1 && TICK_PX(first) < TICK_LABEL_PX / 2.0) first++;
    fputs("set xtics (", f);
    for (int e = e0; e <= e1; e++) {
        char label[64] = "";
        int major = ((e - first) % step + step) % step == 0 && e >= first &&
                    (e == first || panel_px - TICK_PX(e) >= TICK_LABEL_PX / 2.0);
        if (major) plot__human(p, ldexp(1, e), label, sizeof label);
        fprintf(f, "%s", e > e0 ? ", " : "");
        plot__gp_string(f, label);
        fprintf(f, " %.17e/xdiv %d", ldexp(1, e), major ? 0 : 1);
    }
    fputs(")\nset mxtics 1\n", f);
#undef TICK_PX
}

/* The plot command of panel P; the first panel also draws the shared legend
 * (key entries, so every key is listed whatever panel it has rows in).
 * Bands first, then lines and marks over every band. */
static void p_complete_panel(FILE *f, const fig_ctx *c, const plot_series *s, const plot_layout *l, size_t p,
                             const double *crit)
{
    const char *sep = "";
    char style[96];
    /* The critical size of each curve that has one: a dashed vertical line
     * in the key's colour (tags 100 + key, removed after the panel). */
    int any_crit = 0;
    for (size_t r = 0; r < l->n_keys; r++) {
        size_t k = plot__layout_curve_at(l, s, p, l->key_order[r]);
        if (k == (size_t)-1 || isnan(crit[k])) continue;
        fprintf(f,
                "  set arrow %zu from %.17e/xdiv, graph 0 to %.17e/xdiv, graph 1 nohead lc rgb '%s' dt 2 lw 1.5 back\n",
                100 + r, crit[k], crit[k], plot__layout_key_colour(l, r));
        any_crit = 1;
    }
    fputs("  plot", f);
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < l->n_keys; r++) {
            size_t k = plot__layout_curve_at(l, s, p, l->key_order[r]);
            if (k == (size_t)-1) continue;
            plot__layout_key_style(l, r, style, sizeof style);
            /* Keys drawn side by side at each size (a small factor on the
             * log axis), so coinciding bars stay apart. */
            double shift = pow(1.06, (double)r - (double)(l->n_keys - 1) / 2);
            if (pass == 0)
                fprintf(f,
                        "%s \\\n    '%s.dat' index %zu using ($2/xdiv*%.4f):3:4:5 with yerrorbars lc rgb '%s' lw 1 "
                        "pt 0 notitle",
                        sep, c->stem, k, shift, plot__layout_key_colour(l, r));
            else
                fprintf(f, "%s \\\n    '%s.dat' index %zu using ($2/xdiv*%.4f):3 with linespoints %s notitle", sep,
                        c->stem, k, shift, style);
            sep = ",";
        }
    for (size_t r = 0; p == 0 && r < l->n_keys; r++) {
        char label[300];
        plot__layout_key_style(l, r, style, sizeof style);
        plot__layout_key_label(l, s, l->key_order[r], label, sizeof label);
        fprintf(f, ", \\\n    keyentry with linespoints %s title ", style);
        plot__gp_string(f, label);
    }
    if (p == 0) fputs(", \\\n    keyentry with yerrorbars lc rgb '#404040' lw 1 pt 0 title '" PLOT_BAND_LABEL "'", f);
    int crit_key = 0;
    for (size_t k = 0; k < s->n_curves; k++) crit_key |= !isnan(crit[k]);
    if (p == 0 && crit_key)
        fputs(", \\\n    keyentry with lines lc rgb '#404040' dt 2 lw 1.5 title 'dashed: critical size'", f);
    fputc('\n', f);
    for (size_t r = 0; any_crit && r < l->n_keys; r++) fprintf(f, "  unset arrow %zu\n", 100 + r);
}

/* The .gp of the p_complete figure. */
static void p_complete_gp(const fig_ctx *c, FILE *f, const plot_series *s, const plot_layout *l, const double *crit)
{
    double W = l->width, H = l->height;
    double panel_px = (W - l->left - l->right - (double)(l->cols - 1) * l->xgap) / (double)l->cols;
    plot__gp_preamble(f, c->stem, c->title, c->db, c->a->e->name);
    p_complete_x_axis(f, c->db->cols[c->a->col_file_size].p, s, panel_px);
    fputs("set ylabel 'share of copies completed'\nset yrange [-0.04:1.04]\nset ytics 0, 0.2, 1\nset grid\n", f);
    /* The safety threshold the critical size is defined by: the largest size
     * whose share completed stays at or above it. */
    fputs("set arrow from graph 0, first 0.95 to graph 1, first 0.95 nohead lc rgb '#808080' dt 3 lw 1.5 back\n"
          "set label 'p = 0.95' at graph 0.02, first 0.92 left tc rgb '#606060' font ',9' back\n",
          f);
    fprintf(f,
            "# The layout in pixels of the %dx%d image: plot areas %d from the left, %d from the right,\n"
            "# %d from the top, %d from the bottom (the legend's %d rows below them).\n",
            l->width, l->height, l->left, l->right, l->top, l->bottom, l->key_rows);
    fprintf(f, "set key at screen 0.5, %.4f center bottom vertical maxrows %d Left reverse samplen 4\n", 8 / H,
            l->key_rows);
    if (l->n_panels == 1)
        fprintf(f,
                "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset bmargin at screen %.4f\n"
                "set tmargin at screen %.4f\n",
                l->left / W, 1 - l->right / W, l->bottom / H, 1 - l->top / H);
    plot__gp_terminals_begin(f, c->stem, l->width, l->height);
    if (l->n_panels == 1) {
        fputs("  set title ", f);
        plot__gp_string(f, c->title);
        fputc('\n', f);
        p_complete_panel(f, c, s, l, 0, crit);
        plot__gp_terminals_end(f);
        return;
    }
    fprintf(f, "  set multiplot layout %zu,%zu rowsfirst title ", l->rows, l->cols);
    plot__gp_string(f, c->title);
    fprintf(f, " margins %.4f, %.4f, %.4f, %.4f spacing %.4f, %.4f\n", l->left / W, 1 - l->right / W, l->bottom / H,
            1 - l->top / H, l->xgap / W, l->ygap / H);
    for (size_t p = 0; p < l->n_panels; p++) {
        fprintf(f, "  # panel %zu of %zu\n  set title ", p + 1, l->n_panels);
        plot__gp_string(f, plot__layout_panel_label(l, s, p));
        fputs(p % l->cols == 0 ? "\n  set ylabel 'share of copies completed'\n  set format y '%g'\n"
                               : "\n  unset ylabel\n  set format y ''\n",
              f);
        /* A panel with another below it leaves its x label to that one. */
        fputs(p + l->cols < l->n_panels ? "  unset xlabel\n" : "  set xlabel 'file size'\n", f);
        fputs(p == 0 ? "  set key\n" : "  unset key\n", f);
        p_complete_panel(f, c, s, l, p, crit);
    }
    fputs("  unset multiplot\n", f);
    plot__gp_terminals_end(f);
}

/* The .dat: one block per curve as for every figure, and which curves each
 * panel holds. */
static void p_complete_dat(const fig_ctx *c, FILE *f, const plot_series *s, const plot_layout *l)
{
    dat_header(f, c,
               "1 point_id  2 file_size  3 p_complete  4 p_complete_lo  5 p_complete_hi  6 n_runs  7 n_completed");
    for (size_t p = 0; l->n_panels > 1 && p < l->n_panels; p++) {
        fprintf(f, "# panel %zu of %zu, ", p + 1, l->n_panels);
        plot__gp_comment_text(f, plot__layout_panel_label(l, s, p));
        fputs(": curves", f);
        for (size_t k = 0; k < s->n_curves; k++)
            if (l->panel_of[k] == p) fprintf(f, " %zu", k);
        fputc('\n', f);
    }
    dat_blocks(f, s, 5);
}

/* CRIT[k]: the critical file size (p_complete = 0.95) that a threshold
 * search of file.size in the same database found at exactly curve K's
 * settings (every parameter column but file.size equal to those of the
 * curve's first point: the main job's searches share them with its grid),
 * NAN when no such search bracketed one. Returns whether any curve has one. */
static int p_complete_critical(fig_ctx *c, const plot_series *s, double *crit)
{
    for (size_t k = 0; k < s->n_curves; k++) crit[k] = NAN;
    plot_buf sql = {0};
    plot__buf_printf(&sql, "SELECT min(t.critical), max(t.critical) FROM threshold_summary t, points p0 WHERE "
                           "p0.point_id = ?1 AND t.search_param = 'file.size' AND t.search_target = 0.95 AND "
                           "t.search_status = 'bracketed'");
    for (size_t i = 0; i < c->db->n_cols; i++)
        if ((int)i != c->a->col_file_size)
            plot__buf_printf(&sql, " AND t.%s IS p0.%s", c->db->cols[i].name, c->db->cols[i].name);
    sqlite3_stmt *st = NULL;
    int any = 0;
    if (!sql.oom && sqlite3_prepare_v2(c->db->db, sql.s, -1, &st, NULL) == SQLITE_OK)
        for (size_t k = 0; k < s->n_curves; k++) {
            if (!s->curves[k].n) continue;
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, s->rows[s->curves[k].first].id);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
                sqlite3_column_double(st, 0) == sqlite3_column_double(st, 1))
                crit[k] = sqlite3_column_double(st, 0), any = 1;
        }
    sqlite3_finalize(st);
    plot__buf_fini(&sql);
    return any;
}

static int fig_p_complete(fig_ctx *c)
{
    const plot_axes *a = c->a;
    if (a->search_col >= 0) return skip(c, "a threshold search (see its critical_size figure)");
    if (!plot__varies(a, a->col_file_size)) return skip(c, "file.size takes a single value");
    if (a->n_runs == 0) return skip(c, "no runs yet");
    size_t curve[a->n_vary + 1];
    int excl[] = {a->col_file_size};
    size_t n_curve = plot__other_axes(a, excl, 1, curve);
    plot_series s;
    int rc = plot__p_complete_fetch(c->db, a, &s, c->err, c->errlen);
    if (rc) return rc;
    double crit[s.n_curves + 1];
    int has_crit = p_complete_critical(c, &s, crit);
    plot_layout l;
    if (plot__layout_init(&l, a, curve, n_curve, &s, has_crit ? 1 : 0)) {
        plot__series_fini(&s);
        return snprintf(c->err, c->errlen, "out of memory"), PLOT_ENOMEM;
    }
    c->width = l.width, c->height = l.height;
    snprintf(c->title, sizeof c->title, "Share of copies completed vs file size (experiment %s)", a->e->name);
    if (l.n_panels > 1)
        snprintf(c->caption, sizeof c->caption,
                 "p_complete of each design point (view point_summary) against file size, one panel per %s and "
                 "one curve per combination of the other varying parameters, drawn alike in every panel; the "
                 "bars are the Wilson 95 %% interval, the dotted line p = 0.95 (the critical size's threshold).",
                 c->db->cols[curve[l.panel_col]].p->name);
    else
        snprintf(c->caption, sizeof c->caption,
                 "p_complete of each design point (view point_summary) against file size, one curve per "
                 "combination of the other varying parameters; bars are the Wilson 95 %% interval, the dotted line "
                 "p = 0.95 (the critical size's threshold).");
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    p_complete_dat(c, dat.f, &s, &l);
    p_complete_gp(c, gp.f, &s, &l, crit);
    rc = close_pair(c, &dat, &gp);
out:
    plot__layout_fini(&l);
    plot__series_fini(&s);
    return rc;
}

/* ---- (b) first interruption ---- */

static void gp_panel(FILE *f, const fig_ctx *c, const plot_series *s, int col_med, int col_q1, int col_q3,
                     const char *ydiv)
{
    fputs("  plot \\\n", f);
    for (size_t k = 0; k < s->n_curves; k++) {
        char style[64];
        curve_style(&s->curves[k], k, style, sizeof style);
        fprintf(f,
                "    '%s.dat' index %zu using ($2/xdiv):($%d/%s):($%d/%s):($%d/%s) with yerrorbars %s lw 1 pt 0 "
                "notitle, \\\n",
                c->stem, k, col_med, ydiv, col_q1, ydiv, col_q3, ydiv, style);
        fprintf(f, "    '%s.dat' index %zu using ($2/xdiv):($%d/%s) with linespoints %s lw 2 pt %d ps 1.1 title ",
                c->stem, k, col_med, ydiv, style, curve_point(k));
        plot__gp_string(f, s->curves[k].label);
        fputs(k + 1 < s->n_curves ? ", \\\n" : "\n", f);
    }
}

static int fig_first_interruption(fig_ctx *c)
{
    const plot_axes *a = c->a;
    if (a->search_col >= 0) return skip(c, "a threshold search (see its critical_size figure)");
    if (!plot__varies(a, a->col_link_rate) && !plot__varies(a, a->col_file_size))
        return skip(c, "neither link.rate nor file.size takes two values");
    plot_series s = {0};
    int xcol;
    int rc = plot__first_interruption_fetch(c->db, a, &xcol, &s, c->err, c->errlen);
    if (rc) return rc;
    if (s.n_rows == 0) {
        plot__series_fini(&s);
        return skip(c, "no run was interrupted");
    }
    const char *xwhat = xcol == a->col_link_rate ? "link rate" : "file size";
    snprintf(c->title, sizeof c->title, "First interruption: bytes and time vs %s (experiment %s)", xwhat, a->e->name);
    snprintf(c->caption, sizeof c->caption,
             "Median (line) and quartiles (bars) of first_interruption_bytes and first_interruption_s over the "
             "runs that had an interruption (table runs), against %s%s.",
             xwhat, xcol == a->col_link_rate ? ", pooled over file sizes" : "");
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    char cols[400];
    snprintf(cols, sizeof cols,
             "1 first point_id of the group  2 %s  3 runs with an interruption  4 bytes median  5 bytes lower "
             "quartile  6 bytes upper quartile  7 seconds median  8 seconds lower quartile  9 seconds upper quartile",
             c->db->cols[xcol].name);
    dat_header(dat.f, c, cols);
    dat_blocks(dat.f, &s, 7);
    plot__gp_preamble(gp.f, c->stem, c->title, c->db, a->e->name);
    gp_x_axis(gp.f, c->db->cols[xcol].p, xwhat, &s, xcol == a->col_file_size);
    double blo, bhi, tlo, thi;
    value_range(&s, 1, 3, &blo, &bhi);
    value_range(&s, 4, 6, &tlo, &thi);
    plot_unit bu = plot__size_unit(blo, bhi);
    fprintf(gp.f, "bdiv = %.17g  # bytes in %s\ntdiv = 1.0  # seconds\n", bu.div, bu.name);
    plot__gp_terminals_begin(gp.f, c->stem, c->width, c->height);
    fputs("  set multiplot layout 2,1 title ", gp.f);
    plot__gp_string(gp.f, c->title);
    fputs("\n  set grid\n  set key below\n", gp.f);
    fprintf(gp.f, "  set ylabel 'file bytes before it (%s; median, bars: quartiles)'\n", bu.name);
    gp_y_scale(gp.f, blo / bu.div, bhi / bu.div, "y");
    gp_panel(gp.f, c, &s, 4, 5, 6, "bdiv");
    fputs("  unset key\n  set ylabel 'seconds before it (median, bars: quartiles)'\n", gp.f);
    gp_y_scale(gp.f, tlo, thi, "y");
    gp_panel(gp.f, c, &s, 7, 8, 9, "tdiv");
    fputs("  unset multiplot\n", gp.f);
    plot__gp_terminals_end(gp.f);
    rc = close_pair(c, &dat, &gp);
out:
    plot__series_fini(&s);
    return rc;
}

/* ---- (c) duration vs file size ---- */

static int fig_duration(fig_ctx *c)
{
    const plot_axes *a = c->a;
    if (a->search_col >= 0) return skip(c, "a threshold search (see its critical_size figure)");
    if (!plot__varies(a, a->col_file_size)) return skip(c, "file.size takes a single value");
    if (a->n_completed == 0) return skip(c, "no copy completed");
    plot_series s;
    int rc = plot__duration_fetch(c->db, a, &s, c->err, c->errlen);
    if (rc) return rc;
    size_t order[s.n_curves + 1];
    curve_order(&s, order);
    int has_baseline = 0;
    for (size_t k = 0; k < s.n_curves; k++) has_baseline |= s.curves[k].baseline;
    snprintf(c->title, sizeof c->title, "Copy duration of completed copies vs file size (experiment %s)", a->e->name);
    snprintf(c->caption, sizeof c->caption,
             "duration_mean_s of the completed copies of each design point (view point_summary) with its "
             "Student t 95 %% interval, against file size%s.",
             has_baseline ? "; the dashed grey curve is the no-ipsec baseline" : "");
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    dat_header(dat.f, c,
               "1 point_id  2 file_size  3 duration_mean_s  4 duration_lo_s  5 duration_hi_s  6 n_completed  "
               "7 n_runs");
    dat_blocks(dat.f, &s, 5);
    plot__gp_preamble(gp.f, c->stem, c->title, c->db, a->e->name);
    gp_x_axis(gp.f, c->db->cols[a->col_file_size].p, "file size", &s, 1);
    double lo, hi;
    value_range(&s, 0, 2, &lo, &hi);
    fputs("set ylabel 'copy duration (s; mean, bars: Student t 95 % interval)'\n", gp.f);
    gp_y_scale(gp.f, lo, hi, "y");
    plot__gp_terminals_begin(gp.f, c->stem, c->width, c->height);
    gp_title(gp.f, c);
    fputs("  plot \\\n", gp.f);
    for (size_t j = 0; j < s.n_curves; j++) {
        size_t k = order[j];
        char style[64];
        curve_style(&s.curves[k], k, style, sizeof style);
        fprintf(gp.f, "    '%s.dat' index %zu using ($2/xdiv):3:4:5 with yerrorbars %s lw 1 pt 0 notitle, \\\n",
                c->stem, k, style);
        fprintf(gp.f, "    '%s.dat' index %zu using ($2/xdiv):3 with linespoints %s lw 2 pt %d ps 1.1 title ", c->stem,
                k, style, curve_point(k));
        char label[300];
        snprintf(label, sizeof label, "%s%s", s.curves[k].label, s.curves[k].baseline ? " (baseline)" : "");
        plot__gp_string(gp.f, label);
        fputs(j + 1 < s.n_curves ? ", \\\n" : "\n", gp.f);
    }
    plot__gp_terminals_end(gp.f);
    rc = close_pair(c, &dat, &gp);
out:
    plot__series_fini(&s);
    return rc;
}

/* ---- (d) critical value of a threshold search ---- */

/* The marks of a search whose range holds no crossing, in drawing order:
 * at the end of the range every probe reached (the .dat's hi column 5 when
 * every probe passed, lo column 4 when none did); titled once per figure. */
static const struct {
    int status; /* plot_search_status, the .dat's column 6 */
    int column, pt;
    const char *title;
} no_crossing[] = {
    {PLOT_SEARCH_ALL_PASS, 5, 8, "no crossing: every probe passed (drawn at the range top)"},
    {PLOT_SEARCH_NONE_PASS, 4, 10, "no crossing: no probe passed (drawn at the range bottom)"},
};

/* When the WAN preset (path) varies, the x value alone (its link.rate)
 * does not say which preset a point is: each point is labelled with its
 * preset's name, slanted so that presets of close rates stay apart. */
static void critical_path_labels(fig_ctx *c, FILE *f, int xcol)
{
    int pcol = -1;
    for (size_t i = 0; i < c->db->n_cols; i++)
        if (!strcmp(c->db->cols[i].p->name, "path")) pcol = (int)i;
    if (pcol < 0 || pcol == xcol || !(plot__varies(c->a, pcol) || plot__dependent(c->a, pcol))) return;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s, CASE search_status WHEN 'bracketed' THEN critical WHEN 'all_pass' THEN hi ELSE lo END, %s "
             "FROM threshold_summary WHERE experiment_id = ?1 ORDER BY %s",
             c->db->cols[xcol].name, c->db->cols[pcol].name, c->db->cols[xcol].name);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_bind_int64(st, 1, c->a->e->id);
    fputs("# the WAN preset of each point\n", f);
    /* Alternately above and below the curve, in x order. */
    for (int i = 0; sqlite3_step(st) == SQLITE_ROW;) {
        const unsigned char *name = sqlite3_column_text(st, 2);
        if (sqlite3_column_type(st, 1) == SQLITE_NULL || !name) continue;
        fputs("set label ", f);
        plot__gp_string(f, (const char *)name);
        fprintf(f, " at %.17e/xdiv, %.17e/ydiv rotate by %d left offset 0.6, %s font ',9' front\n",
                sqlite3_column_double(st, 0), sqlite3_column_double(st, 1), i % 2 ? -40 : 40, i % 2 ? "-0.8" : "0.8");
        i++;
    }
    sqlite3_finalize(st);
}

static void critical_gp(fig_ctx *c, FILE *f, const plot_series *s, int xcol)
{
    const prm_entry *sp = c->db->cols[c->a->search_col].p;
    double lo, hi;
    value_range(s, 0, 2, &lo, &hi);
    plot_unit yu = plot__unit(sp, lo, hi);
    plot__gp_preamble(f, c->stem, c->title, c->db, c->a->e->name);
    gp_x_axis(f, c->db->cols[xcol].p, xcol == c->a->col_link_rate ? "link rate" : c->db->cols[xcol].p->name, s, 0);
    char ylabel[200];
    snprintf(ylabel, sizeof ylabel, "critical %s%s%s%s (bars: final bracket)", sp->name, yu.name[0] ? " (" : "",
             yu.name, yu.name[0] ? ")" : "");
    fprintf(f, "ydiv = %.17g  # %s in %s\nset ylabel ", yu.div, sp->name, yu.name[0] ? yu.name : "its unit");
    plot__gp_string(f, ylabel);
    fputc('\n', f);
    gp_y_scale(f, lo / yu.div, hi / yu.div, "y");
    critical_path_labels(c, f, xcol);
    plot__gp_terminals_begin(f, c->stem, c->width, c->height);
    gp_title(f, c);
    fputs("  plot \\\n", f);
    int titled[2] = {0, 0};
    for (size_t k = 0; k < s->n_curves; k++) {
        char style[64];
        curve_style(&s->curves[k], k, style, sizeof style);
        int any = 0;
        for (size_t r = s->curves[k].first; r < s->curves[k].first + s->curves[k].n; r++)
            any |= !isnan(s->rows[r].v[0]);
        /* The precision band: the final bracket of each bracketed search. */
        if (any)
            fprintf(f,
                    "    '%s.dat' index %zu using ($2/xdiv):($6 == 0 ? $4/ydiv : NaN):($6 == 0 ? $5/ydiv : NaN) "
                    "with filledcurves fc rgb '%s' fs transparent solid 0.25 noborder notitle, \\\n",
                    c->stem, k, cv_colour(&s->curves[k], k));
        /* A curve with no critical value at all still needs its key entry. */
        if (any)
            fprintf(f,
                    "    '%s.dat' index %zu using ($2/xdiv):($3/ydiv):($4/ydiv):($5/ydiv) with yerrorlines %s lw 2 "
                    "pt %d ps 1.1 title ",
                    c->stem, k, style, curve_point(k));
        else {
            /* Its key shows the mark it has: the no-crossing triangle. */
            int pt = curve_point(k);
            for (size_t m = 0; m < sizeof no_crossing / sizeof no_crossing[0]; m++)
                for (size_t r = s->curves[k].first; r < s->curves[k].first + s->curves[k].n; r++)
                    if (s->rows[r].v[3] == no_crossing[m].status) pt = no_crossing[m].pt;
            fprintf(f, "    keyentry with points %s pt %d ps 2 title ", style, pt);
        }
        plot__gp_string(f, s->curves[k].label);
        for (size_t m = 0; m < sizeof no_crossing / sizeof no_crossing[0]; m++) {
            int has = 0;
            for (size_t r = s->curves[k].first; r < s->curves[k].first + s->curves[k].n; r++)
                has |= s->rows[r].v[3] == no_crossing[m].status;
            if (!has) continue;
            /* Curves whose marks coincide (every size completes for several
             * scenarios) are drawn side by side: a small factor on x. */
            double shift = pow(1.07, (double)k - (double)(s->n_curves - 1) / 2);
            fprintf(f,
                    ", \\\n    '%s.dat' index %zu using ($2/xdiv*%.4f):($6 == %d ? $%d/ydiv : NaN) with points %s "
                    "pt %d ps 2 ",
                    c->stem, k, shift, no_crossing[m].status, no_crossing[m].column, style, no_crossing[m].pt);
            fputs("notitle", f);
            titled[m] = 1;
        }
        fputs(k + 1 < s->n_curves ? ", \\\n" : "", f);
    }
    /* What the marks mean: one grey entry each, after the curves. */
    for (size_t m = 0; m < sizeof no_crossing / sizeof no_crossing[0]; m++)
        if (titled[m]) {
            fprintf(f, ", \\\n    keyentry with points lc rgb '#404040' pt %d ps 2 title ", no_crossing[m].pt);
            plot__gp_string(f, no_crossing[m].title);
        }
    fputc('\n', f);
    plot__gp_terminals_end(f);
}

/* The thresholds of C's search as a series over its numeric axis (*S, the
 * caller's to free; *XCOL the axis): 0, a skip note, or an error. */
static int fetch_thresholds(fig_ctx *c, int *xcol, plot_series *s)
{
    const plot_axes *a = c->a;
    if (a->search_col < 0) return skip(c, "not a threshold search");
    if (a->n_thresholds == 0) return skip(c, "no threshold found yet");
    if (plot__critical_x(a, c->db) < 0) return skip(c, "no numeric axis (such as link.rate) besides the searched key");
    return plot__critical_fetch(c->db, a, xcol, s, c->err, c->errlen);
}

static int fig_critical_size(fig_ctx *c)
{
    const plot_axes *a = c->a;
    plot_series s;
    int xcol;
    int rc = fetch_thresholds(c, &xcol, &s);
    if (rc) return rc;
    const prm_entry *sp = c->db->cols[a->search_col].p;
    const char *what = !strcmp(sp->name, "file.size") ? "Critical file size" : "Critical value";
    snprintf(c->title, sizeof c->title, "%s (%s = %g) vs %s (experiment %s)", what,
             a->e->search_outcome ? a->e->search_outcome : "outcome", a->e->search_value,
             xcol == a->col_link_rate ? "link rate" : c->db->cols[xcol].p->name, a->e->name);
    snprintf(c->caption, sizeof c->caption,
             "The value of %s at which %s crosses %g, found by the threshold search (view threshold_summary), "
             "one curve per combination of the other axes; bars show the final bracket; triangles mark a search "
             "whose range holds no crossing (every probe passed, or none did).",
             sp->name, a->e->search_outcome ? a->e->search_outcome : "the outcome", a->e->search_value);
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    char cols[400];
    snprintf(cols, sizeof cols,
             "1 point_id (first probe)  2 %s  3 critical  4 lo  5 hi  6 status (0 bracketed, 1 all probes "
             "passed, 2 no probe passed, 3 other)  7 runs  8 probes  9 undecided probes  10 target",
             c->db->cols[xcol].name);
    dat_header(dat.f, c, cols);
    dat_blocks(dat.f, &s, 8);
    critical_gp(c, gp.f, &s, xcol);
    rc = close_pair(c, &dat, &gp);
out:
    plot__series_fini(&s);
    return rc;
}

/* ---- (e) capacity map: the critical value over two axes ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One cell's text: the critical value, or what a search without a crossing
 * says ("all pass" at the range top, "none pass" at its bottom). */
static void map_cell_label(const prm_entry *p, const plot_row *row, char *buf, size_t n)
{
    char v[64];
    int st = (int)row->v[3];
    if (st == PLOT_SEARCH_BRACKETED && !isnan(row->v[0])) {
        plot__human(p, row->v[0], v, sizeof v);
        snprintf(buf, n, "%s", v);
    } else if (st == PLOT_SEARCH_ALL_PASS) {
        plot__human(p, row->v[2], v, sizeof v);
        snprintf(buf, n, ">= %s", v);
    } else if (st == PLOT_SEARCH_NONE_PASS) {
        plot__human(p, row->v[1], v, sizeof v);
        snprintf(buf, n, "< %s", v);
    } else
        snprintf(buf, n, "?");
}

/* The value a cell is coloured by: the critical value, the range top when
 * every probe passed, the range bottom when none did. */
static double map_cell_value(const plot_row *row)
{
    int st = (int)row->v[3];
    return st == PLOT_SEARCH_BRACKETED   ? row->v[0]
           : st == PLOT_SEARCH_ALL_PASS  ? row->v[2]
           : st == PLOT_SEARCH_NONE_PASS ? row->v[1]
                                         : NAN;
}

static int fig_capacity_map(fig_ctx *c)
{
    const plot_axes *a = c->a;
    plot_series s;
    int xcol;
    int rc = fetch_thresholds(c, &xcol, &s);
    if (rc) return rc;
    if (s.n_curve_cols != 1 || s.n_curves < 2) {
        plot__series_fini(&s);
        return skip(c, "it needs exactly two varying axes besides the searched key");
    }
    double *xs = malloc((s.n_rows + 1) * sizeof *xs);
    if (!xs) {
        plot__series_fini(&s);
        return snprintf(c->err, c->errlen, "out of memory"), PLOT_ENOMEM;
    }
    size_t nx = 0;
    for (size_t r = 0; r < s.n_rows; r++) xs[nx++] = s.rows[r].x;
    qsort(xs, nx, sizeof *xs, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < nx; i++)
        if (!u || xs[i] != xs[u - 1]) xs[u++] = xs[i];
    nx = u;
    const prm_entry *sp = c->db->cols[a->search_col].p, *xp = c->db->cols[xcol].p;
    const char *ywhat = "";
    for (size_t i = 0; i < a->n_vary; i++)
        if ((int)a->vary[i] != xcol) ywhat = c->db->cols[a->vary[i]].p->name;
    const char *xwhat = xcol == a->col_link_rate ? "link rate" : xp->name;
    const char *what = !strcmp(sp->name, "file.size") ? "Largest safe file size" : "Critical value";
    snprintf(c->title, sizeof c->title, "%s (%s >= %g), experiment %s", what,
             a->e->search_outcome ? a->e->search_outcome : "outcome", a->e->search_value, a->e->name);
    snprintf(c->caption, sizeof c->caption,
             "Capacity map: the critical %s of the threshold search (view threshold_summary) in each cell of %s x "
             "%s, coloured on a log scale; '>= X' means every size tested up to X passed, '< X' that none did.",
             sp->name, xwhat, ywhat);
    c->height = PLOT_HEIGHT_PX;
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    char cols[400];
    snprintf(cols, sizeof cols,
             "1 column (index of %s)  2 row (index of %s)  3 log2 of the cell's value  4 critical  5 lo  6 hi  "
             "7 status (0 bracketed, 1 all probes passed, 2 no probe passed, 3 other)  8 %s  9 point_id  "
             "10 label",
             c->db->cols[xcol].name, ywhat, c->db->cols[xcol].name);
    dat_header(dat.f, c, cols);
    fputs("# rows of the map (gnuplot 'with image' grid: one block per row, one blank line between)\n", dat.f);
    double vlo = INFINITY, vhi = -INFINITY;
    for (size_t k = 0; k < s.n_curves; k++) {
        fprintf(dat.f, "%s# row %zu: ", k ? "\n" : "", k);
        plot__gp_comment_text(dat.f, s.curves[k].label);
        fputc('\n', dat.f);
        for (size_t i = 0; i < nx; i++) {
            const plot_row *row = NULL;
            for (size_t r = s.curves[k].first; r < s.curves[k].first + s.curves[k].n; r++)
                if (s.rows[r].x == xs[i]) row = &s.rows[r];
            if (!row) {
                fprintf(dat.f, "%zu %zu NaN NaN NaN NaN 3 %.17g 0 \"\"\n", i, k, xs[i]);
                continue;
            }
            double v = map_cell_value(row);
            char label[96];
            map_cell_label(sp, row, label, sizeof label);
            if (v > 0) vlo = fmin(vlo, v), vhi = fmax(vhi, v);
            fprintf(dat.f, "%zu %zu", i, k);
            dat_num(dat.f, v > 0 ? log2(v) : NAN, " %.12g");
            for (int j = 0; j < 3; j++) dat_num(dat.f, row->v[j], " %.12g");
            fprintf(dat.f, " %d %.17g %lld ", (int)row->v[3], xs[i], (long long)row->id);
            fputc('"', dat.f); /* one quoted column, for gnuplot's labels */
            for (const char *t = label; *t; t++) fputc(*t == '"' ? '\'' : *t, dat.f);
            fputs("\"\n", dat.f);
        }
    }
    if (!(vlo <= vhi)) vlo = vhi = 1;
    if (vhi <= vlo) vhi = vlo * 2;
    plot__gp_preamble(gp.f, c->stem, c->title, c->db, a->e->name);
    fprintf(gp.f, "set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\nset xlabel ", nx - 1, s.n_curves - 1);
    plot__gp_string(gp.f, xwhat);
    fputs("\nset ylabel ", gp.f);
    plot__gp_string(gp.f, ywhat);
    fputs("\nset xtics (", gp.f);
    for (size_t i = 0; i < nx; i++) {
        char v[64];
        plot__human(xp, plot__db_to_base(xp, xs[i]), v, sizeof v);
        fputs(i ? ", " : "", gp.f);
        plot__gp_string(gp.f, v);
        fprintf(gp.f, " %zu", i);
    }
    fputs(")\nset ytics (", gp.f);
    for (size_t k = 0; k < s.n_curves; k++) {
        fputs(k ? ", " : "", gp.f);
        const char *piece = s.values[k].piece, *eq = strchr(piece, '='); /* the axis label names the key */
        plot__gp_string(gp.f, eq ? eq + 1 : piece);
        fprintf(gp.f, " %zu", k);
    }
    size_t longest = strlen(ywhat) > 0 ? 4 : 0;
    for (size_t k = 0; k < s.n_curves; k++) {
        const char *piece = s.values[k].piece, *eq = strchr(piece, '=');
        size_t len = strlen(eq ? eq + 1 : piece);
        if (len > longest) longest = len;
    }
    /* Room on the left for the row labels and the axis label (characters). */
    fprintf(gp.f, ")\nset tics scale 0\nunset grid\nset lmargin %zu\nset rmargin 22\n", longest + 6);
    /* The colour bar in the searched key's units: ticks at powers of two. */
    fprintf(gp.f, "set cbrange [%.6g:%.6g]\nset cblabel ", floor(log2(vlo)), ceil(log2(vhi)));
    char cbl[160];
    snprintf(cbl, sizeof cbl, "%s (log scale)", !strcmp(sp->name, "file.size") ? "largest safe file size" : sp->name);
    plot__gp_string(gp.f, cbl);
    fputs("\nset cbtics (", gp.f);
    int e0 = (int)floor(log2(vlo)), e1 = (int)ceil(log2(vhi)), step = (e1 - e0 + 7) / 8;
    if (step < 1) step = 1;
    for (int e = e0; e <= e1; e += step) {
        char v[64];
        plot__human(sp, ldexp(1, e), v, sizeof v);
        fputs(e > e0 ? ", " : "", gp.f);
        plot__gp_string(gp.f, v);
        fprintf(gp.f, " %d", e);
    }
    fputs(")\nset palette defined (0 '#b2182b', 0.5 '#fddbc7', 1 '#2166ac')\n", gp.f);
    plot__gp_terminals_begin(gp.f, c->stem, c->width, c->height);
    fputs("  set title ", gp.f);
    plot__gp_string(gp.f, c->title);
    fprintf(gp.f,
            "\n  plot '%s.dat' using 1:2:3 with image notitle, \\\n"
            "       '%s.dat' using 1:2:10 with labels font ',11' notitle\n",
            c->stem, c->stem);
    plot__gp_terminals_end(gp.f);
    rc = close_pair(c, &dat, &gp);
out:
    free(xs);
    plot__series_fini(&s);
    return rc;
}

/* Labelled x ticks at each distinct x of S (values of P as stored, over
 * xdiv), for an axis of a few tested values (file sizes, client counts). */
static void gp_xtics_at_rows(FILE *f, const prm_entry *p, const plot_series *s)
{
    double xs[64];
    size_t n = 0;
    for (size_t r = 0; r < s->n_rows && n < sizeof xs / sizeof xs[0]; r++) {
        size_t i = 0;
        while (i < n && xs[i] != s->rows[r].x) i++;
        if (i == n && !isnan(s->rows[r].x)) xs[n++] = s->rows[r].x;
    }
    if (n == 0 || n == sizeof xs / sizeof xs[0]) return; /* too many: gnuplot's own ticks */
    fputs("set xtics (", f);
    for (size_t i = 0; i < n; i++) {
        char label[64];
        plot__human(p, plot__db_to_base(p, xs[i]), label, sizeof label);
        fputs(i ? ", " : "", f);
        plot__gp_string(f, label);
        fprintf(f, " %.17e/xdiv", xs[i]);
    }
    fputs(")\nset mxtics 1\n", f);
}

/* ---- (f) fleets: share of copies completed vs file size ---- */

/* Why an experiment has no fleet figure (a skip note), or 0 when it may:
 * not a search, runs, and some run with more than one copy. */
static int fleet_skip(fig_ctx *c)
{
    const plot_axes *a = c->a;
    if (a->search_col >= 0) return skip(c, "a threshold search (see its critical_size figure)");
    if (a->n_runs == 0) return skip(c, "no runs yet");
    int has = plot__fleet_runs(c->db, a, c->err, c->errlen);
    if (has < 0) return has;
    if (!has) return skip(c, "no fleet: every run has one copy (fleet.clients = 1)");
    return 0;
}

static int fig_fleet_complete(fig_ctx *c)
{
    const plot_axes *a = c->a;
    int rc = fleet_skip(c);
    if (rc) return rc;
    if (!plot__varies(a, a->col_file_size)) return skip(c, "file.size takes a single value");
    plot_series s;
    if ((rc = plot__fleet_complete_fetch(c->db, a, &s, c->err, c->errlen))) return rc;
    snprintf(c->title, sizeof c->title, "Share of a fleet's copies completed vs file size (experiment %s)", a->e->name);
    snprintf(c->caption, sizeof c->caption,
             "copies_complete_mean of each design point (view point_summary: the mean over runs of the share of "
             "the run's copies that completed) against file size, one curve per number of clients "
             "(fleet.clients) and combination of the other varying parameters; bars are the Student t 95 %% "
             "interval over runs (a run's copies share the link and the server, so they are not independent).");
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    dat_header(dat.f, c,
               "1 point_id  2 file_size  3 copies_complete_mean  4 copies_complete_lo  5 copies_complete_hi  "
               "6 n_runs  7 n_completed (runs in which every copy completed)");
    dat_blocks(dat.f, &s, 5);
    plot__gp_preamble(gp.f, c->stem, c->title, c->db, a->e->name);
    gp_x_axis(gp.f, c->db->cols[a->col_file_size].p, "file size", &s, 1);
    gp_xtics_at_rows(gp.f, c->db->cols[a->col_file_size].p, &s);
    fputs("set xlabel 'file size'\n", gp.f); /* the tick labels name their unit */
    fputs("set ylabel 'share of the copies completed (mean over runs)'\nset yrange [-0.04:1.04]\n"
          "set ytics 0, 0.2, 1\n",
          gp.f);
    plot__gp_terminals_begin(gp.f, c->stem, c->width, c->height);
    gp_title(gp.f, c);
    fputs("  plot \\\n", gp.f);
    for (size_t k = 0; k < s.n_curves; k++) {
        char style[64];
        curve_style(&s.curves[k], k, style, sizeof style);
        /* Curves side by side at each size (a small factor on the log
         * axis), so that coinciding bars stay apart. */
        double shift = pow(1.04, (double)k - (double)(s.n_curves - 1) / 2);
        fprintf(gp.f,
                "    '%s.dat' index %zu using ($2/xdiv*%.4f):3:4:5 with yerrorbars %s lw 1 pt 0 notitle, \\\n"
                "    '%s.dat' index %zu using ($2/xdiv*%.4f):3 with linespoints %s lw 2 pt %d ps 1.1 title ",
                c->stem, k, shift, style, c->stem, k, shift, style, curve_point(k));
        plot__gp_string(gp.f, s.curves[k].label);
        fputs(", \\\n", gp.f);
    }
    fputs("    keyentry with yerrorbars lc rgb '#404040' lw 1 pt 0 title 'bars: Student t 95 % interval over runs'\n",
          gp.f);
    plot__gp_terminals_end(gp.f);
    rc = close_pair(c, &dat, &gp);
out:
    plot__series_fini(&s);
    return rc;
}

/* ---- (g) fleets: makespan vs fleet.clients ---- */

static int fig_makespan(fig_ctx *c)
{
    const plot_axes *a = c->a;
    int rc = fleet_skip(c);
    if (rc) return rc;
    if (!plot__varies(a, a->col_fleet_clients)) return skip(c, "fleet.clients takes a single value");
    plot_series s;
    if ((rc = plot__makespan_fetch(c->db, a, &s, c->err, c->errlen))) return rc;
    snprintf(c->title, sizeof c->title, "Makespan of a fleet vs number of clients (experiment %s)", a->e->name);
    snprintf(c->caption, sizeof c->caption,
             "makespan_mean_s of each design point (view point_summary: from the first copy's start to the last "
             "copy's end, copies that fail included) with its Student t 95 %% interval over runs, against "
             "fleet.clients, one curve per combination of the other varying parameters; the dashed line of each "
             "curve is the law N x size / (rate x efficiency): the bytes on the wire of every copy over the "
             "bottleneck's rate, without IPsec's overhead, slow start or losses.");
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    dat_header(dat.f, c,
               "1 point_id  2 fleet_clients  3 makespan_mean_s  4 makespan_lo_s  5 makespan_hi_s  6 n_runs  "
               "7 copies_complete_mean  8 reference_s (N x file_size x 8 / (rate x efficiency), efficiency "
               "(mtu - 40) / (mtu + overhead) x 61440 / 61504)");
    dat_blocks(dat.f, &s, 6);
    plot__gp_preamble(gp.f, c->stem, c->title, c->db, a->e->name);
    gp_x_axis(gp.f, c->db->cols[a->col_fleet_clients].p, "clients (fleet.clients)", &s, 0);
    gp_xtics_at_rows(gp.f, c->db->cols[a->col_fleet_clients].p, &s);
    double lo, hi, rlo, rhi;
    value_range(&s, 0, 2, &lo, &hi);
    value_range(&s, 5, 5, &rlo, &rhi);
    fputs("set ylabel 'makespan (s; mean, bars: Student t 95 % interval)'\n", gp.f);
    gp_y_scale(gp.f, fmin(lo, rlo), fmax(hi, rhi), "y");
    plot__gp_terminals_begin(gp.f, c->stem, c->width, c->height);
    gp_title(gp.f, c);
    fputs("  plot \\\n", gp.f);
    for (size_t k = 0; k < s.n_curves; k++) {
        char style[64];
        snprintf(style, sizeof style, "lc rgb '%s'", plot__colours[k % plot__n_colours]);
        fprintf(gp.f,
                "    '%s.dat' index %zu using ($2/xdiv):8 with lines %s dt 2 lw 1.5 notitle, \\\n"
                "    '%s.dat' index %zu using ($2/xdiv):3:4:5 with yerrorbars %s lw 1 pt 0 notitle, \\\n"
                "    '%s.dat' index %zu using ($2/xdiv):3 with linespoints %s dt 1 lw 2 pt %d ps 1.1 title ",
                c->stem, k, style, c->stem, k, style, c->stem, k, style, curve_point(k));
        /* One curve (no other axis varies): it is the measurement. */
        plot__gp_string(gp.f, s.n_curve_cols ? s.curves[k].label : "mean makespan");
        fputs(", \\\n", gp.f);
    }
    fputs("    keyentry with lines lc rgb '#404040' dt 2 lw 1.5 title 'dashed: N x size / (rate x efficiency)'\n",
          gp.f);
    plot__gp_terminals_end(gp.f);
    rc = close_pair(c, &dat, &gp);
out:
    plot__series_fini(&s);
    return rc;
}

/* ---- all figures ---- */

static int add_figure(fig_ctx *c, plot_figure **figs, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        plot_figure *g = realloc(*figs, nc * sizeof *g);
        if (!g) return PLOT_ENOMEM;
        *figs = g;
        *cap = nc;
    }
    plot_figure *f = &(*figs)[*n];
    memset(f, 0, sizeof *f);
    f->stem = strdup(c->stem);
    f->title = strdup(c->title);
    f->caption = strdup(c->caption);
    f->experiment = c->a->exp_index;
    f->kind = c->kind;
    f->width_px = c->width;
    f->height_px = c->height;
    (*n)++;
    return f->stem && f->title && f->caption ? 0 : PLOT_ENOMEM;
}

static int experiment_figures(plot_db *db, size_t e, const char *dir, FILE *notes, plot_figure **figs, size_t *n,
                              size_t *cap, char *err, size_t errlen)
{
    static int (*const fns[PLOT_FIG_COUNT])(fig_ctx *) = {fig_p_complete,    fig_first_interruption, fig_duration,
                                                          fig_critical_size, fig_capacity_map,       fig_fleet_complete,
                                                          fig_makespan};
    plot_axes a;
    int rc = plot__axes_init(db, e, &a, err, errlen);
    for (int k = 0; !rc && k < PLOT_FIG_COUNT; k++) {
        fig_ctx c = {.db = db,
                     .a = &a,
                     .dir = dir,
                     .notes = notes,
                     .err = err,
                     .errlen = errlen,
                     .kind = k,
                     .width = PLOT_WIDTH_PX,
                     .height = k == PLOT_FIG_FIRST_INTERRUPTION ? PLOT_TALL_HEIGHT_PX : PLOT_HEIGHT_PX};
        char safe[256];
        plot__exp_stem(db, e, safe, sizeof safe);
        snprintf(c.stem, sizeof c.stem, "%s-%s", safe, plot_kind_name(k));
        rc = fns[k](&c);
        if (rc == 1)
            rc = 0;
        else if (rc == 0 && add_figure(&c, figs, n, cap))
            rc = PLOT_ENOMEM, snprintf(err, errlen, "out of memory");
    }
    plot__axes_fini(&a);
    return rc;
}

int plot_write_figures(plot_db *db, size_t experiment, const char *out_dir, FILE *notes, plot_figure **figs_out,
                       size_t *n_out, char *err, size_t errlen)
{
    int rc = plot__mkdirs(out_dir, err, errlen);
    if (rc) return rc;
    plot_figure *figs = NULL;
    size_t n = 0, cap = 0;
    for (size_t e = 0; !rc && e < db->n_exps; e++)
        if (experiment == (size_t)-1 || experiment == e)
            rc = experiment_figures(db, e, out_dir, notes, &figs, &n, &cap, err, errlen);
    if (rc) {
        plot_figures_free(figs, n);
        return rc;
    }
    *figs_out = figs;
    *n_out = n;
    return 0;
}

void plot_figures_free(plot_figure *figs, size_t n)
{
    for (size_t i = 0; figs && i < n; i++) {
        free(figs[i].stem);
        free(figs[i].title);
        free(figs[i].caption);
    }
    free(figs);
}
