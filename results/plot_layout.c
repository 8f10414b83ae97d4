/*
 * The panel layout of the p_complete figure: which curve column gets one
 * panel per value, which curves share a legend entry (a key), the order and
 * look of the keys, and the pixel geometry of the image.
 *
 * With two or more curve axes, one of them (link.rate when it is one, else
 * the last in registry order) gets one panel per value, side by side (a grid
 * past four panels) with a shared y range, and the others one key per
 * combination: a legend entry with one colour, dash and mark in every panel,
 * so that a scenario looks the same at every link rate and one legend serves
 * all panels. With one curve axis, or rows for a single value of the panel
 * axis, one panel holds one key per curve. Rejected: a grid by two axes at
 * once (past two axes a figure is not read at a glance whatever the
 * layout), and a colour per curve across all panels (15 curves for a
 * palette of 8, so colours repeated within a panel).
 *
 * Invariants of a plot_layout: every curve has a panel (panel_of) and a key
 * (key_of); panel_curve lists the panels in the order of their values
 * (SQLite's order: NULL, numbers, text); key_order lists every key once,
 * the grey no-ipsec references first. Sizes are in pixels of the image.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "results/plot_int.h"

#define PANEL_MIN_PX 280 /* the least height of a panel's plot area */

static int text_eq(const char *x, const char *y) { return (!x && !y) || (x && y && !strcmp(x, y)); }

static const plot_value *value_of(const plot_series *s, size_t k, size_t col)
{
    return &s->values[k * s->n_curve_cols + col];
}

/* Whether curves K1 and K2 agree on every curve column but the panel's. */
static int same_key(const plot_series *s, int panel_col, size_t k1, size_t k2)
{
    for (size_t i = 0; i < s->n_curve_cols; i++)
        if ((int)i != panel_col && !text_eq(value_of(s, k1, i)->text, value_of(s, k2, i)->text)) return 0;
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
static void group_curves(plot_layout *l, const plot_series *s)
{
    int pc = l->panel_col;
    for (size_t k = 0; pc >= 0 && k < s->n_curves; k++) {
        size_t p = 0;
        while (p < l->n_panels &&
               !text_eq(value_of(s, l->panel_curve[p], (size_t)pc)->text, value_of(s, k, (size_t)pc)->text))
            p++;
        if (p == l->n_panels) l->panel_curve[l->n_panels++] = k;
    }
    if (l->n_panels < 2) l->panel_col = pc = -1, l->n_panels = 1, l->panel_curve[0] = 0;
    for (size_t i = 1; i < l->n_panels; i++) /* insertion sort: a handful of panels */
        for (size_t j = i; j > 0 && value_cmp(value_of(s, l->panel_curve[j - 1], (size_t)pc)->text,
                                              value_of(s, l->panel_curve[j], (size_t)pc)->text) > 0;
             j--) {
            size_t t = l->panel_curve[j];
            l->panel_curve[j] = l->panel_curve[j - 1], l->panel_curve[j - 1] = t;
        }
    for (size_t k = 0; k < s->n_curves; k++) {
        l->panel_of[k] = 0;
        for (size_t p = 0; pc >= 0 && p < l->n_panels; p++)
            if (text_eq(value_of(s, l->panel_curve[p], (size_t)pc)->text, value_of(s, k, (size_t)pc)->text))
                l->panel_of[k] = p;
        size_t j = 0;
        while (j < l->n_keys && !same_key(s, pc, l->key_curve[j], k)) j++;
        if (j == l->n_keys) l->key_curve[l->n_keys++] = k;
        l->key_of[k] = j;
    }
}

/* Whether every curve of key J is a no-ipsec baseline. */
static int key_baseline(const plot_layout *l, const plot_series *s, size_t j)
{
    for (size_t k = 0; k < s->n_curves; k++)
        if (l->key_of[k] == j && !s->curves[k].baseline) return 0;
    return 1;
}

/* The legend label of key J: its values but the panel's, in human form. */
void plot__layout_key_label(const plot_layout *l, const plot_series *s, size_t j, char *buf, size_t n)
{
    size_t k = l->key_curve[j], used = 0;
    if (l->panel_col < 0)
        used = (size_t)snprintf(buf, n, "%s", s->curves[k].label);
    else
        for (size_t i = 0; i < s->n_curve_cols; i++)
            if ((int)i != l->panel_col)
                used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s", used ? ", " : "",
                                         value_of(s, k, i)->piece);
    if (l->n_grey && key_baseline(l, s, j) && used < n) snprintf(buf + used, n - used, " (baseline)");
}

/* The grid, the legend's rows and the image size. The legend's columns are
 * as many as its longest label allows across the image: gnuplot gives a
 * column about 8 pixels (a character of the sans 11 font) for each
 * character of the longest label plus 10 for the sample and gaps. */
static void geometry(plot_layout *l, const plot_series *s, size_t n_extra)
{
    l->rows = (l->n_panels + 3) / 4;
    l->cols = (l->n_panels + l->rows - 1) / l->rows;
    l->width = PLOT_WIDTH_PX;
    size_t longest = strlen(PLOT_BAND_LABEL);
    for (size_t j = 0; j < l->n_keys; j++) {
        char label[300];
        plot__layout_key_label(l, s, j, label, sizeof label);
        if (strlen(label) > longest) longest = strlen(label);
    }
    size_t entries = l->n_keys + 1 + n_extra, per_col_px = 8 * (longest + 10);
    size_t key_cols = ((size_t)l->width - 40) / per_col_px;
    if (key_cols < 1) key_cols = 1;
    if (key_cols > entries) key_cols = entries;
    l->key_rows = (int)((entries + key_cols - 1) / key_cols);
    l->left = 78, l->right = 24, l->xgap = 30, l->ygap = 84;
    l->top = l->n_panels > 1 ? 72 : 40;
    l->bottom = 62 + 18 * l->key_rows + 8;
    l->height = l->top + (int)l->rows * PANEL_MIN_PX + ((int)l->rows - 1) * l->ygap + l->bottom;
    if (l->height < PLOT_HEIGHT_PX) l->height = PLOT_HEIGHT_PX;
}

/* The panel column is link.rate when it is a curve column, else the last;
 * the five per-curve and per-key arrays are one allocation. */
int plot__layout_init(plot_layout *l, const plot_axes *a, const size_t *curve, size_t n_curve, const plot_series *s,
                      size_t n_extra)
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
    group_curves(l, s);
    size_t n_base = 0;
    for (size_t j = 0; j < l->n_keys; j++) n_base += (size_t)key_baseline(l, s, j);
    l->n_grey = n_base < l->n_keys ? n_base : 0;
    size_t r = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (size_t j = 0; j < l->n_keys; j++)
            if ((l->n_grey && key_baseline(l, s, j)) == pass) l->key_order[r++] = j;
    geometry(l, s, n_extra);
    return 0;
}

void plot__layout_fini(plot_layout *l)
{
    free(l->panel_of);
    l->panel_of = NULL;
}

/* The colour of the key drawn R-th, the same for its line and its band. */
const char *plot__layout_key_colour(const plot_layout *l, size_t r)
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
void plot__layout_key_style(const plot_layout *l, size_t r, char *buf, size_t n)
{
    static const struct {
        int pt, dt;
        double ps, lw;
    } marks[] = {{4, 1, 2.2, 3.0}, {6, 2, 1.7, 2.6},  {12, 3, 1.2, 2.3}, {10, 4, 1.5, 2.0},
                 {7, 5, 0.8, 1.7}, {14, 1, 2.0, 2.4}, {8, 2, 1.5, 2.0},  {5, 4, 0.8, 1.6}};
    size_t m = r % (sizeof marks / sizeof marks[0]);
    snprintf(buf, n, "lc rgb '%s' dt %d lw %.1f pt %d ps %.1f", plot__layout_key_colour(l, r), marks[m].dt, marks[m].lw,
             marks[m].pt, marks[m].ps);
}

/* The curve of key J in panel P, or (size_t)-1 when the key has no rows there. */
size_t plot__layout_curve_at(const plot_layout *l, const plot_series *s, size_t p, size_t j)
{
    for (size_t k = 0; k < s->n_curves; k++)
        if (l->panel_of[k] == p && l->key_of[k] == j) return k;
    return (size_t)-1;
}

const char *plot__layout_panel_label(const plot_layout *l, const plot_series *s, size_t p)
{
    return value_of(s, l->panel_curve[p], (size_t)l->panel_col)->piece;
}
