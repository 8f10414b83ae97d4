/*
 * The four figures of an experiment, each a .dat and a .gp written from one
 * SQL query over the database's views and tables:
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
 *                       the other axes (typically the quick-mode lifetime).
 * The .dat holds values in the database's units (bytes, bit/s, seconds), so
 * it can be checked against the database row for row; the .gp converts to
 * display units with one variable per axis (xdiv, ydiv) near its top, so
 * restyling is editing one line. A figure the experiment's axes cannot
 * support is skipped with one line on the notes stream; that is not an error.
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "models/registry.h"
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
    if (isnan(v)) fputs(" NaN", f);
    else fprintf(f, fmt, v);
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
    if (cv->baseline) snprintf(buf, n, "lc rgb '#404040' dt 2");
    else snprintf(buf, n, "lc rgb '%s' dt 1", plot__colours[k % plot__n_colours]);
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
static void gp_x_axis(FILE *f, const scn_param *p, const char *what, const plot_series *s, int force_log)
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
    else fprintf(f, "unset logscale %s\nset %srange [0:*]\n", axis, axis);
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

/* How the p_complete curves are laid out. With two or more curve axes, one
 * of them (link.rate when it is one, else the last in registry order) gets
 * one panel per value, side by side (a grid past four panels) with a shared
 * y range, and the others one key per combination: a legend entry with one
 * colour, dash and mark in every panel, so that a scenario looks the same
 * at every link rate and one legend serves all panels. With one curve axis,
 * or rows for a single value of the panel axis, one panel holds one key per
 * curve. Rejected: a grid by two axes at once (past two axes a figure is
 * not read at a glance whatever the layout), and a colour per curve across
 * all panels (15 curves for a palette of 8, so colours repeated within a
 * panel). Sizes are in pixels of the image. */
typedef struct pc_layout {
    int panel_col;              /* index among the series' curve columns; -1: one panel */
    size_t n_panels, n_keys;
    size_t rows, cols;          /* the panel grid, filled row by row */
    size_t *panel_of, *key_of;  /* per curve; owned (one block with the three below) */
    size_t *panel_curve;        /* per panel, in value order: one of its curves (names the panel) */
    size_t *key_curve;          /* per key: its first curve (names the key) */
    size_t *key_order;          /* the keys in drawing order: grey no-ipsec references first */
    size_t n_grey;              /* keys drawn as grey references: the no-ipsec keys when some key is not */
    int width, height;          /* the image */
    int left, right, top, bottom, xgap, ygap; /* around and between the panels' plot areas */
    int key_rows;               /* rows of the shared legend below the panels */
} pc_layout;

#define PC_LABEL_PX 62          /* room for a tick label such as "256 MiB" */
#define PC_PANEL_MIN_PX 280     /* the least height of a panel's plot area */
#define PC_BAND_LABEL "Wilson 95 % interval" /* the legend entry of the bands */

static int text_eq(const char *x, const char *y) { return (!x && !y) || (x && y && !strcmp(x, y)); }

static const plot_value *pc_value(const plot_series *s, size_t k, size_t col)
{
    return &s->values[k * s->n_curve_cols + col];
}

/* Whether curves K1 and K2 agree on every curve column but the panel's. */
static int pc_same_key(const plot_series *s, int panel_col, size_t k1, size_t k2)
{
    for (size_t i = 0; i < s->n_curve_cols; i++)
        if ((int)i != panel_col && !text_eq(pc_value(s, k1, i)->text, pc_value(s, k2, i)->text)) return 0;
    return 1;
}

/* Two values of one column in SQLite's order: NULL, numbers by value, text. */
static int value_cmp(const char *x, const char *y)
{
    if (!x || !y) return (y == NULL) - (x == NULL);
    char *ex, *ey;
    double vx = strtod(x, &ex), vy = strtod(y, &ey);
    int nx = ex != x && !*ex, ny = ey != y && !*ey;
    if (nx && ny) return (vx > vy) - (vx < vy);
    if (nx != ny) return nx ? -1 : 1;
    return strcmp(x, y);
}

/* Groups the curves of S into panels by column L->panel_col (in value
 * order) and into keys by the other columns. */
static void pc_group(pc_layout *l, const plot_series *s)
{
    int pc = l->panel_col;
    for (size_t k = 0; pc >= 0 && k < s->n_curves; k++) {
        size_t p = 0;
        while (p < l->n_panels && !text_eq(pc_value(s, l->panel_curve[p], (size_t)pc)->text,
                                           pc_value(s, k, (size_t)pc)->text))
            p++;
        if (p == l->n_panels) l->panel_curve[l->n_panels++] = k;
    }
    if (l->n_panels < 2) l->panel_col = pc = -1, l->n_panels = 1, l->panel_curve[0] = 0;
    for (size_t i = 1; i < l->n_panels; i++) /* insertion sort: a handful of panels */
        for (size_t j = i; j > 0 && value_cmp(pc_value(s, l->panel_curve[j - 1], (size_t)pc)->text,
                                              pc_value(s, l->panel_curve[j], (size_t)pc)->text) > 0;
             j--) {
            size_t t = l->panel_curve[j];
            l->panel_curve[j] = l->panel_curve[j - 1], l->panel_curve[j - 1] = t;
        }
    for (size_t k = 0; k < s->n_curves; k++) {
        l->panel_of[k] = 0;
        for (size_t p = 0; pc >= 0 && p < l->n_panels; p++)
            if (text_eq(pc_value(s, l->panel_curve[p], (size_t)pc)->text, pc_value(s, k, (size_t)pc)->text))
                l->panel_of[k] = p;
        size_t j = 0;
        while (j < l->n_keys && !pc_same_key(s, pc, l->key_curve[j], k)) j++;
        if (j == l->n_keys) l->key_curve[l->n_keys++] = k;
        l->key_of[k] = j;
    }
}

/* Whether every curve of key J is a no-ipsec baseline. */
static int pc_key_baseline(const pc_layout *l, const plot_series *s, size_t j)
{
    for (size_t k = 0; k < s->n_curves; k++)
        if (l->key_of[k] == j && !s->curves[k].baseline) return 0;
    return 1;
}

/* The legend label of key J: its values but the panel's, in human form. */
static void pc_key_label(const pc_layout *l, const plot_series *s, size_t j, char *buf, size_t n)
{
    size_t k = l->key_curve[j], used = 0;
    if (l->panel_col < 0) used = (size_t)snprintf(buf, n, "%s", s->curves[k].label);
    else
        for (size_t i = 0; i < s->n_curve_cols; i++)
            if ((int)i != l->panel_col)
                used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s", used ? ", " : "",
                                         pc_value(s, k, i)->piece);
    if (l->n_grey && pc_key_baseline(l, s, j) && used < n) snprintf(buf + used, n - used, " (baseline)");
}

/* The grid, the legend's rows and the image size. The legend's columns are
 * as many as its longest label allows across the image: gnuplot gives a
 * column about 8 pixels (a character of the sans 11 font) for each
 * character of the longest label plus 10 for the sample and gaps. */
static void pc_geometry(pc_layout *l, const plot_series *s)
{
    l->rows = (l->n_panels + 3) / 4;
    l->cols = (l->n_panels + l->rows - 1) / l->rows;
    l->width = PLOT_WIDTH_PX;
    size_t longest = strlen(PC_BAND_LABEL);
    for (size_t j = 0; j < l->n_keys; j++) {
        char label[300];
        pc_key_label(l, s, j, label, sizeof label);
        if (strlen(label) > longest) longest = strlen(label);
    }
    size_t entries = l->n_keys + 1, per_col_px = 8 * (longest + 10);
    size_t key_cols = ((size_t)l->width - 40) / per_col_px;
    if (key_cols < 1) key_cols = 1;
    if (key_cols > entries) key_cols = entries;
    l->key_rows = (int)((entries + key_cols - 1) / key_cols);
    l->left = 78, l->right = 24, l->xgap = 30, l->ygap = 84;
    l->top = l->n_panels > 1 ? 72 : 40;
    l->bottom = 62 + 18 * l->key_rows + 8;
    l->height = l->top + (int)l->rows * PC_PANEL_MIN_PX + ((int)l->rows - 1) * l->ygap + l->bottom;
    if (l->height < PLOT_HEIGHT_PX) l->height = PLOT_HEIGHT_PX;
}

/* Fills L for the series S of p_complete, whose curve columns are CURVE
 * (N_CURVE of them, as plot__p_complete_fetch chose them). Returns 0 or
 * PLOT_ENOMEM; release with pc_layout_fini. */
static int pc_layout_init(pc_layout *l, const plot_axes *a, const size_t *curve, size_t n_curve,
                          const plot_series *s)
{
    assert(n_curve == s->n_curve_cols);
    memset(l, 0, sizeof *l);
    l->panel_col = -1;
    if (n_curve >= 2) {
        l->panel_col = (int)n_curve - 1;
        for (size_t i = 0; i < n_curve; i++)
            if ((int)curve[i] == a->col_link_rate) l->panel_col = (int)i;
    }
    size_t n = s->n_curves;
    size_t *mem = malloc((5 * n + 1) * sizeof *mem);
    if (!mem) return PLOT_ENOMEM;
    l->panel_of = mem, l->key_of = mem + n, l->panel_curve = mem + 2 * n, l->key_curve = mem + 3 * n;
    l->key_order = mem + 4 * n;
    pc_group(l, s);
    size_t n_base = 0;
    for (size_t j = 0; j < l->n_keys; j++) n_base += (size_t)pc_key_baseline(l, s, j);
    l->n_grey = n_base < l->n_keys ? n_base : 0;
    size_t r = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (size_t j = 0; j < l->n_keys; j++)
            if ((l->n_grey && pc_key_baseline(l, s, j)) == pass) l->key_order[r++] = j;
    pc_geometry(l, s);
    return 0;
}

static void pc_layout_fini(pc_layout *l)
{
    free(l->panel_of);
    l->panel_of = NULL;
}

/* The colour of the key drawn R-th, the same for its line and its band. */
static const char *pc_key_colour(const pc_layout *l, size_t r)
{
    return r < l->n_grey ? "#404040" : plot__colours[(r - l->n_grey) % plot__n_colours];
}

/* The look of the key drawn R-th. Curves that coincide (two scenarios that
 * both always complete) must stay apart without being moved: each later key
 * has a thinner line of another dash type drawn over the earlier ones, so
 * their colours show in its gaps and along its edges, and a mark of another
 * shape that fits inside the earlier ones (at one point size a square holds
 * the circle, which holds the diamond), so that coinciding marks nest
 * instead of hiding each other. The grey no-ipsec references come first
 * and are the widest. */
static void pc_key_style(const pc_layout *l, size_t r, char *buf, size_t n)
{
    static const struct {
        int pt, dt;
        double ps, lw;
    } marks[] = {{4, 1, 2.2, 3.0}, {6, 2, 1.7, 2.6}, {12, 3, 1.2, 2.3}, {10, 4, 1.5, 2.0},
                 {7, 5, 0.8, 1.7}, {14, 1, 2.0, 2.4}, {8, 2, 1.5, 2.0}, {5, 4, 0.8, 1.6}};
    size_t m = r % (sizeof marks / sizeof marks[0]);
    snprintf(buf, n, "lc rgb '%s' dt %d lw %.1f pt %d ps %.1f", pc_key_colour(l, r), marks[m].dt, marks[m].lw,
             marks[m].pt, marks[m].ps);
}

/* The curve of key J in panel P, or (size_t)-1 when the key has no rows there. */
static size_t pc_curve_at(const pc_layout *l, const plot_series *s, size_t p, size_t j)
{
    for (size_t k = 0; k < s->n_curves; k++)
        if (l->panel_of[k] == p && l->key_of[k] == j) return k;
    return (size_t)-1;
}

/* The x axis: file size on a log axis with labelled ticks at powers of two
 * bytes written in human form ("1 MiB", "16 MiB", "256 MiB"), as far apart
 * as a panel of PANEL_PX pixels needs for the labels not to touch, and
 * unlabelled ticks at the powers between. Positions are bytes over xdiv,
 * so a changed xdiv keeps them right. */
static void pc_x_axis(FILE *f, const scn_param *p, const plot_series *s, double panel_px)
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
        fprintf(f, " %.17g/xdiv)\n", lo);
        return;
    }
    double per_octave_px = panel_px / log2(xhi / xlo);
    int step = (int)ceil(PC_LABEL_PX / per_octave_px);
    if (step < 1) step = 1;
    fputs("set xtics (", f);
    for (int e = e0; e <= e1; e++) {
        char label[64] = "";
        int major = ((e - first) % step + step) % step == 0;
        if (major) plot__human(p, ldexp(1, e), label, sizeof label);
        fprintf(f, "%s", e > e0 ? ", " : "");
        plot__gp_string(f, label);
        fprintf(f, " %.17g/xdiv %d", ldexp(1, e), major ? 0 : 1);
    }
    fputs(")\nset mxtics 1\n", f);
}

/* The plot command of panel P; the first panel also draws the shared legend
 * (key entries, so every key is listed whatever panel it has rows in).
 * Bands first, then lines and marks over every band. */
static void pc_gp_panel(FILE *f, const fig_ctx *c, const plot_series *s, const pc_layout *l, size_t p)
{
    const char *sep = "";
    char style[96];
    fputs("  plot", f);
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < l->n_keys; r++) {
            size_t k = pc_curve_at(l, s, p, l->key_order[r]);
            if (k == (size_t)-1) continue;
            pc_key_style(l, r, style, sizeof style);
            if (pass == 0)
                fprintf(f, "%s \\\n    '%s.dat' index %zu using ($2/xdiv):4:5 with filledcurves fc rgb '%s' notitle",
                        sep, c->stem, k, pc_key_colour(l, r));
            else
                fprintf(f, "%s \\\n    '%s.dat' index %zu using ($2/xdiv):3 with linespoints %s notitle", sep,
                        c->stem, k, style);
            sep = ",";
        }
    for (size_t r = 0; p == 0 && r < l->n_keys; r++) {
        char label[300];
        pc_key_style(l, r, style, sizeof style);
        pc_key_label(l, s, l->key_order[r], label, sizeof label);
        fprintf(f, ", \\\n    keyentry with linespoints %s title ", style);
        plot__gp_string(f, label);
    }
    if (p == 0)
        fputs(", \\\n    keyentry with filledcurves fc rgb '#404040' title '" PC_BAND_LABEL "'", f);
    fputc('\n', f);
}

/* The .gp of the p_complete figure. */
static void pc_gp(const fig_ctx *c, FILE *f, const plot_series *s, const pc_layout *l)
{
    double W = l->width, H = l->height;
    double panel_px = (W - l->left - l->right - (double)(l->cols - 1) * l->xgap) / (double)l->cols;
    plot__gp_preamble(f, c->stem, c->title, c->db, c->a->e->name);
    pc_x_axis(f, c->db->cols[c->a->col_file_size].p, s, panel_px);
    fputs("set ylabel 'share of copies completed'\nset yrange [-0.04:1.04]\nset ytics 0, 0.2, 1\n"
          "set style fill transparent solid 0.15 noborder\nset grid\n",
          f);
    fprintf(f, "# The layout in pixels of the %dx%d image: plot areas %d from the left, %d from the right,\n"
               "# %d from the top, %d from the bottom (the legend's %d rows below them).\n",
            l->width, l->height, l->left, l->right, l->top, l->bottom, l->key_rows);
    fprintf(f, "set key at screen 0.5, %.4f center bottom vertical maxrows %d Left reverse samplen 4\n",
            8 / H, l->key_rows);
    if (l->n_panels == 1)
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset bmargin at screen %.4f\n"
                   "set tmargin at screen %.4f\n",
                l->left / W, 1 - l->right / W, l->bottom / H, 1 - l->top / H);
    plot__gp_terminals_begin(f, c->stem, l->width, l->height);
    if (l->n_panels == 1) {
        fputs("  set title ", f);
        plot__gp_string(f, c->title);
        fputc('\n', f);
        pc_gp_panel(f, c, s, l, 0);
        plot__gp_terminals_end(f);
        return;
    }
    fprintf(f, "  set multiplot layout %zu,%zu rowsfirst title ", l->rows, l->cols);
    plot__gp_string(f, c->title);
    fprintf(f, " margins %.4f, %.4f, %.4f, %.4f spacing %.4f, %.4f\n", l->left / W, 1 - l->right / W,
            l->bottom / H, 1 - l->top / H, l->xgap / W, l->ygap / H);
    for (size_t p = 0; p < l->n_panels; p++) {
        fprintf(f, "  # panel %zu of %zu\n  set title ", p + 1, l->n_panels);
        plot__gp_string(f, pc_value(s, l->panel_curve[p], (size_t)l->panel_col)->piece);
        fputs(p % l->cols == 0 ? "\n  set ylabel 'share of copies completed'\n  set format y '%g'\n"
                               : "\n  unset ylabel\n  set format y ''\n",
              f);
        /* A panel with another below it leaves its x label to that one. */
        fputs(p + l->cols < l->n_panels ? "  unset xlabel\n" : "  set xlabel 'file size'\n", f);
        fputs(p == 0 ? "  set key\n" : "  unset key\n", f);
        pc_gp_panel(f, c, s, l, p);
    }
    fputs("  unset multiplot\n", f);
    plot__gp_terminals_end(f);
}

/* The .dat: one block per curve as for every figure, and which curves each
 * panel holds. */
static void pc_dat(const fig_ctx *c, FILE *f, const plot_series *s, const pc_layout *l)
{
    dat_header(f, c,
               "1 point_id  2 file_size  3 p_complete  4 p_complete_lo  5 p_complete_hi  6 n_runs  7 n_completed");
    for (size_t p = 0; l->n_panels > 1 && p < l->n_panels; p++) {
        fprintf(f, "# panel %zu of %zu, ", p + 1, l->n_panels);
        plot__gp_comment_text(f, pc_value(s, l->panel_curve[p], (size_t)l->panel_col)->piece);
        fputs(": curves", f);
        for (size_t k = 0; k < s->n_curves; k++)
            if (l->panel_of[k] == p) fprintf(f, " %zu", k);
        fputc('\n', f);
    }
    dat_blocks(f, s, 5);
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
    pc_layout l;
    if (pc_layout_init(&l, a, curve, n_curve, &s)) {
        plot__series_fini(&s);
        return snprintf(c->err, c->errlen, "out of memory"), PLOT_ENOMEM;
    }
    c->width = l.width, c->height = l.height;
    snprintf(c->title, sizeof c->title, "Share of copies completed vs file size (experiment %s)", a->e->name);
    if (l.n_panels > 1)
        snprintf(c->caption, sizeof c->caption,
                 "p_complete of each design point (view point_summary) against file size, one panel per %s and "
                 "one curve per combination of the other varying parameters, drawn alike in every panel; the "
                 "light band is the Wilson 95 %% interval.",
                 c->db->cols[curve[l.panel_col]].p->name);
    else
        snprintf(c->caption, sizeof c->caption,
                 "p_complete of each design point (view point_summary) against file size, one curve per "
                 "combination of the other varying parameters; the light band is the Wilson 95 %% interval.");
    plot_out dat, gp;
    if ((rc = open_pair(c, &dat, &gp))) goto out;
    pc_dat(c, dat.f, &s, &l);
    pc_gp(c, gp.f, &s, &l);
    rc = close_pair(c, &dat, &gp);
out:
    pc_layout_fini(&l);
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
        fprintf(f, "    '%s.dat' index %zu using ($2/xdiv):($%d/%s):($%d/%s):($%d/%s) with yerrorbars %s lw 1 pt 0 notitle, \\\n",
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
        fprintf(gp.f, "    '%s.dat' index %zu using ($2/xdiv):3 with linespoints %s lw 2 pt %d ps 1.1 title ",
                c->stem, k, style, curve_point(k));
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

static void critical_gp(fig_ctx *c, FILE *f, const plot_series *s, int xcol)
{
    const scn_param *sp = c->db->cols[c->a->search_col].p;
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
    plot__gp_terminals_begin(f, c->stem, c->width, c->height);
    gp_title(f, c);
    fputs("  plot \\\n", f);
    int titled[3] = {0, 0, 0};
    for (size_t k = 0; k < s->n_curves; k++) {
        char style[64];
        curve_style(&s->curves[k], k, style, sizeof style);
        int any = 0;
        for (size_t r = s->curves[k].first; r < s->curves[k].first + s->curves[k].n; r++)
            any |= !isnan(s->rows[r].v[0]);
        /* A curve with no critical value at all still needs its key entry. */
        if (any)
            fprintf(f, "    '%s.dat' index %zu using ($2/xdiv):($3/ydiv):($4/ydiv):($5/ydiv) with yerrorlines %s lw 2 "
                       "pt %d ps 1.1 title ",
                    c->stem, k, style, curve_point(k));
        else
            fprintf(f, "    keyentry with points %s pt %d ps 1.1 title ", style, curve_point(k));
        plot__gp_string(f, s->curves[k].label);
        int has[3] = {0, 0, 0};
        for (size_t r = s->curves[k].first; r < s->curves[k].first + s->curves[k].n; r++) {
            double st = s->rows[r].v[3];
            if (st == 1 || st == 2) has[(int)st] = 1;
        }
        for (int st = 1; st <= 2; st++) {
            if (!has[st]) continue;
            fprintf(f, ", \\\n    '%s.dat' index %zu using ($2/xdiv):($6 == %d ? $%d/ydiv : NaN) with points %s "
                       "pt %d ps 2 title ",
                    c->stem, k, st, st == 1 ? 5 : 4, style, st == 1 ? 8 : 10);
            plot__gp_string(f, !titled[st] ? (st == 1 ? "no crossing: every probe passed (drawn at the range top)"
                                                      : "no crossing: no probe passed (drawn at the range bottom)")
                                           : "");
            titled[st] = 1;
        }
        fputs(k + 1 < s->n_curves ? ", \\\n" : "\n", f);
    }
    plot__gp_terminals_end(f);
}

static int fig_critical_size(fig_ctx *c)
{
    const plot_axes *a = c->a;
    if (a->search_col < 0) return skip(c, "not a threshold search");
    if (a->n_thresholds == 0) return skip(c, "no threshold found yet");
    if (plot__critical_x(a, c->db) < 0) return skip(c, "no numeric axis (such as link.rate) besides the searched key");
    plot_series s;
    int xcol;
    int rc = plot__critical_fetch(c->db, a, &xcol, &s, c->err, c->errlen);
    if (rc) return rc;
    const scn_param *sp = c->db->cols[a->search_col].p;
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
    static int (*const fns[PLOT_FIG_COUNT])(fig_ctx *) = {fig_p_complete, fig_first_interruption, fig_duration,
                                                          fig_critical_size};
    plot_axes a;
    int rc = plot__axes_init(db, e, &a, err, errlen);
    for (int k = 0; !rc && k < PLOT_FIG_COUNT; k++) {
        fig_ctx c = {.db = db, .a = &a, .dir = dir, .notes = notes, .err = err, .errlen = errlen, .kind = k,
                     .width = PLOT_WIDTH_PX,
                     .height = k == PLOT_FIG_FIRST_INTERRUPTION ? PLOT_TALL_HEIGHT_PX : PLOT_HEIGHT_PX};
        char safe[256];
        plot__exp_stem(db, e, safe, sizeof safe);
        snprintf(c.stem, sizeof c.stem, "%s-%s", safe, plot_kind_name(k));
        rc = fns[k](&c);
        if (rc == 1) rc = 0;
        else if (rc == 0 && add_figure(&c, figs, n, cap)) rc = PLOT_ENOMEM, snprintf(err, errlen, "out of memory");
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
