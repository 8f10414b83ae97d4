/*
 * The figures of results/plot.h. Two databases: the fixture of a real short
 * sweep (tests/results/fixture.ini through $REKEYSIM), where every figure
 * must appear with its four files, valid PNGs of the documented size and
 * .dat rows equal to what the SQL views say; and a synthetic database
 * (test_plot_fixture.c) whose every statistic is known, with hostile
 * experiment names. Also: skipped figures, a missing gnuplot, scripts that
 * rebuild the images from another directory, the search statuses a real
 * search writes, and the command line's exit statuses (0, 1 without
 * gnuplot, 2 for bad input).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "results/plot.h"

/* test_plot_fixture.c */
char *tp_dir_new(void);
void tp_dir_free(char *dir);
int tp_run(char *const argv[], const char *dir, const char *out, const char *err, const char *path_env);
const char *tp_rekeysim(void);
void tp_sweep_fixture(const char *dir, const char *db);
char *tp_slurp(const char *path, size_t *len_out);
int tp_png_size(const char *path, uint32_t *w, uint32_t *h);
double tp_q(const char *db, const char *sql);
void tp_synthetic_db(const char *db, const char *grid_name);
void tp_sweep_statuses(const char *dir, const char *db);
void tp_sweep_fleet(const char *dir, const char *db);
void tp_need_gnuplot(void);

static char *dir;
static void setup(void) { dir = tp_dir_new(); }
static void teardown(void) { tp_dir_free(dir); }
TestSuite(plot, .init = setup, .fini = teardown, .timeout = 120);

static const char *path(const char *name)
{
    static char buf[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && sb.st_size > 0;
}

/* Writes and renders every figure of DB into DIR/OUT; NOTES collects the
 * skip notes (may be NULL). */
static plot_figure *render(const char *db, const char *out, size_t *n, char *notes, size_t notes_len)
{
    tp_need_gnuplot();
    plot_db *h = NULL;
    char err[1024] = "";
    cr_assert_eq(plot_db_new(db, err, sizeof err, &h), 0, "%s", err);
    FILE *nf = notes ? fmemopen(notes, notes_len, "w") : NULL;
    plot_figure *figs = NULL;
    cr_assert_eq(plot_write_figures(h, (size_t)-1, out, nf, &figs, n, err, sizeof err), 0, "%s", err);
    if (nf) fclose(nf);
    cr_assert_eq(plot_render_figures(figs, *n, out, err, sizeof err), 0, "%s", err);
    plot_db_free(h);
    return figs;
}

static const plot_figure *find(const plot_figure *figs, size_t n, const char *stem)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(figs[i].stem, stem)) return &figs[i];
    return NULL;
}

/* The rows of a .dat file: numbers per line, comments and blank lines
 * skipped; NaN reads as NAN. Returns the number of rows (at most MAX). */
static size_t read_dat(const char *file, double rows[][12], size_t max, size_t *blocks)
{
    char *text = tp_slurp(file, NULL);
    cr_assert_not_null(text, "cannot read %s", file);
    size_t n = 0, blank = 0;
    *blocks = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') {
            if (!strncmp(line, "# curve ", 8)) (*blocks)++;
            continue;
        }
        char *s = line, *end;
        size_t k = 0;
        while (k < 12 && *s) {
            double v = strtod(s, &end);
            if (end == s) {
                if (!strncmp(s, " NaN", 4) || !strncmp(s, "NaN", 3))
                    v = NAN, end = s + (s[0] == ' ' ? 4 : 3);
                else
                    break;
            }
            if (n < max) rows[n][k] = v;
            k++;
            s = end;
        }
        if (k)
            n++;
        else
            blank++;
    }
    free(text);
    return n < max ? n : max;
}

static int close_to(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

Test(plot, a_real_sweep_gets_all_five_figures_with_png_svg_gp_and_dat)
{
    tp_sweep_fixture(dir, path("fx.db"));
    size_t n = 0;
    plot_figure *figs = render(path("fx.db"), path("out"), &n, NULL, 0);
    /* The search over link.rate x ipsec.qm_lifetime_kb also gets its map. */
    static const char *const stems[] = {"sizes-p_complete", "sizes-first_interruption", "sizes-duration",
                                        "critical-critical_size", "critical-capacity_map"};
    cr_expect_eq(n, 5, "the fixture supports exactly five figures, got %zu", n);
    for (size_t i = 0; i < 5; i++) {
        const plot_figure *f = find(figs, n, stems[i]);
        cr_expect_not_null(f, "no figure %s", stems[i]);
        if (!f) continue;
        cr_expect(f->rendered);
        cr_expect(f->title[0] && f->caption[0]);
        char name[300];
        static const char *const ext[] = {"png", "svg", "gp", "dat"};
        for (int e = 0; e < 4; e++) {
            snprintf(name, sizeof name, "out/%s.%s", stems[i], ext[e]);
            cr_expect(exists(path(name)), "%s missing or empty", name);
        }
        snprintf(name, sizeof name, "out/%s.png", stems[i]);
        uint32_t w = 0, h = 0;
        cr_expect_eq(tp_png_size(path(name), &w, &h), 0, "%s is not a PNG", name);
        cr_expect_eq(w, (uint32_t)f->width_px);
        cr_expect_eq(h, (uint32_t)f->height_px);
        cr_expect_eq(w, PLOT_WIDTH_PX, "%s width %u", name, w);
        cr_expect_eq(h, i == 1 ? PLOT_TALL_HEIGHT_PX : PLOT_HEIGHT_PX, "%s height %u", name, h);
        snprintf(name, sizeof name, "out/%s.svg", stems[i]);
        char *svg = tp_slurp(path(name), NULL);
        char want[80];
        snprintf(want, sizeof want, "width=\"%d\" height=\"%d\"", w, h);
        cr_expect(svg && strstr(svg, "<svg") && strstr(svg, want), "%s: no <svg %s>", name, want);
        cr_expect(svg && strstr(svg, "</svg>"), "%s is cut short", name);
        free(svg);
    }
    plot_figures_free(figs, n);
}

/* The fleet figures of a real fleet sweep: their .dat rows are the
 * point_summary rows (copies_complete_* against file size, one block per
 * number of clients; makespan_* against fleet.clients, one block per file
 * size), the makespan's reference column is the law N x size x 8 / (rate x
 * efficiency) computed here from the points' own columns, and the images
 * are PNGs of the documented size; a sweep without fleets has neither
 * figure, each skipped with a note. */
Test(plot, fleet_figures_hold_the_point_summary_numbers)
{
    const char *db = path("fl.db");
    tp_sweep_fleet(dir, db);
    /* The sweep's workers hand each run's copies to the writer: one row per copy. */
    cr_expect_eq(tp_q(db, "SELECT count(*) FROM copies"), tp_q(db, "SELECT sum(n_copies) FROM runs"));
    cr_expect_eq(tp_q(db, "SELECT sum(completed) FROM copies"), tp_q(db, "SELECT sum(n_completed) FROM runs"));
    size_t n;
    plot_figure *figs = render(db, path("out"), &n, NULL, 0);
    static const char *const stems[] = {"fleet-fleet_complete", "fleet-makespan"};
    for (int i = 0; i < 2; i++) {
        const plot_figure *f = find(figs, n, stems[i]);
        cr_assert_not_null(f, "no figure %s", stems[i]);
        cr_expect(f->rendered && f->title[0] && f->caption[0]);
        char name[300];
        snprintf(name, sizeof name, "out/%s.png", stems[i]);
        uint32_t w = 0, h = 0;
        cr_expect_eq(tp_png_size(path(name), &w, &h), 0, "%s is not a PNG", name);
        cr_expect(w == PLOT_WIDTH_PX && h == PLOT_HEIGHT_PX, "%s is %ux%u", name, w, h);
        snprintf(name, sizeof name, "out/%s.svg", stems[i]);
        cr_expect(exists(path(name)), "%s missing", name);
    }
    plot_figures_free(figs, n);
    static double rows[64][12];
    size_t blocks;
    size_t m = read_dat(path("out/fleet-fleet_complete.dat"), rows, 64, &blocks);
    cr_expect_eq(m, tp_q(db, "SELECT count(*) FROM point_summary WHERE experiment = 'fleet'"));
    cr_expect_eq(blocks, 2, "one curve per fleet.clients: %zu", blocks);
    double mid = 0;
    for (size_t i = 0; i < m; i++) {
        static const char *const cols[] = {"point_id",           "file_size",          "copies_complete_mean",
                                           "copies_complete_lo", "copies_complete_hi", "n_runs",
                                           "n_completed"};
        for (int c = 0; c < 7; c++) {
            char sql[300];
            snprintf(sql, sizeof sql, "SELECT %s FROM point_summary WHERE point_id = %.0f", cols[c], rows[i][0]);
            double want = tp_q(db, sql);
            cr_expect(close_to(rows[i][c], want), "fleet_complete.dat row %zu column %s: %.17g, view says %.17g", i,
                      cols[c], rows[i][c], want);
        }
        mid += rows[i][2] > 0 && rows[i][2] < 1;
    }
    cr_expect_eq(mid, 2, "the fixture's 32 MiB points have half their copies completed (%.0f such rows)", mid);
    m = read_dat(path("out/fleet-makespan.dat"), rows, 64, &blocks);
    cr_expect_eq(m, tp_q(db, "SELECT count(*) FROM point_summary WHERE experiment = 'fleet'"));
    cr_expect_eq(blocks, 3, "one curve per file size: %zu", blocks);
    for (size_t i = 0; i < m; i++) {
        static const char *const cols[] = {"point_id",      "fleet_clients", "makespan_mean_s",     "makespan_lo_s",
                                           "makespan_hi_s", "n_runs",        "copies_complete_mean"};
        char sql[400];
        for (int c = 0; c < 7; c++) {
            snprintf(sql, sizeof sql, "SELECT %s FROM point_summary WHERE point_id = %.0f", cols[c], rows[i][0]);
            double want = tp_q(db, sql);
            cr_expect(close_to(rows[i][c], want), "makespan.dat row %zu column %s: %.17g, view says %.17g", i, cols[c],
                      rows[i][c], want);
        }
        snprintf(sql, sizeof sql,
                 "SELECT fleet_clients * file_size * 8.0 / (link_rate * (link_mtu - 40.0) / (link_mtu + "
                 "link_overhead) * 61440 / 61504) FROM points WHERE point_id = %.0f",
                 rows[i][0]);
        double law = tp_q(db, sql);
        cr_expect(fabs(rows[i][7] - law) <= 1e-9 * law, "makespan.dat row %zu reference %.17g, the law says %.17g", i,
                  rows[i][7], law);
    }
    char *gp = tp_slurp(path("out/fleet-fleet_complete.gp"), NULL);
    cr_expect(gp && strstr(gp, "'2 clients'") && strstr(gp, "'4 clients'"), "curves named by their client count");
    free(gp);
    gp = tp_slurp(path("out/fleet-makespan.gp"), NULL);
    cr_expect(gp && strstr(gp, "'4 MiB'") && strstr(gp, "'32 MiB'") && strstr(gp, "dashed: N x size"),
              "curves named by file size, the law in the key");
    free(gp);
    /* Without fleets: neither figure, a note each. */
    tp_sweep_fixture(dir, path("fx.db"));
    char notes[8192] = "";
    figs = render(path("fx.db"), path("out2"), &n, notes, sizeof notes);
    for (size_t i = 0; i < n; i++)
        cr_expect(figs[i].kind != PLOT_FIG_FLEET_COMPLETE && figs[i].kind != PLOT_FIG_MAKESPAN, "%s", figs[i].stem);
    cr_expect(strstr(notes, "note: experiment 'sizes': no fleet_complete figure: no fleet: every run has one copy") &&
                  strstr(notes, "note: experiment 'sizes': no makespan figure: no fleet"),
              "%s", notes);
    plot_figures_free(figs, n);
}

Test(plot, p_complete_and_duration_rows_are_the_point_summary_rows)
{
    tp_sweep_fixture(dir, path("fx.db"));
    size_t n;
    plot_figure *figs = render(path("fx.db"), path("out"), &n, NULL, 0);
    plot_figures_free(figs, n);
    static double rows[256][12];
    size_t blocks;
    size_t m = read_dat(path("out/sizes-p_complete.dat"), rows, 256, &blocks);
    cr_expect_eq(m,
                 tp_q(path("fx.db"), "SELECT count(*) FROM point_summary WHERE experiment = 'sizes' AND n_runs > 0"));
    cr_expect_eq(blocks, 4, "one curve per scenario and link rate: %zu", blocks);
    for (size_t i = 0; i < m; i++) {
        char sql[300];
        static const char *const cols[] = {"point_id",      "file_size", "p_complete", "p_complete_lo",
                                           "p_complete_hi", "n_runs",    "n_completed"};
        for (int c = 0; c < 7; c++) {
            snprintf(sql, sizeof sql, "SELECT %s FROM point_summary WHERE point_id = %.0f", cols[c], rows[i][0]);
            double want = tp_q(path("fx.db"), sql);
            cr_expect(close_to(rows[i][c], want), "p_complete.dat row %zu column %s: %.17g, view says %.17g", i,
                      cols[c], rows[i][c], want);
        }
    }
    m = read_dat(path("out/sizes-duration.dat"), rows, 256, &blocks);
    cr_expect_eq(m,
                 tp_q(path("fx.db"),
                      "SELECT count(*) FROM point_summary WHERE experiment = 'sizes' AND duration_mean_s IS NOT NULL"));
    for (size_t i = 0; i < m; i++) {
        char sql[300];
        static const char *const cols[] = {"point_id",      "file_size",   "duration_mean_s", "duration_lo_s",
                                           "duration_hi_s", "n_completed", "n_runs"};
        for (int c = 0; c < 7; c++) {
            snprintf(sql, sizeof sql, "SELECT %s FROM point_summary WHERE point_id = %.0f", cols[c], rows[i][0]);
            double want = tp_q(path("fx.db"), sql);
            cr_expect(close_to(rows[i][c], want), "duration.dat row %zu column %s: %.17g, view says %.17g", i, cols[c],
                      rows[i][c], want);
        }
    }
    char *gp = tp_slurp(path("out/sizes-duration.gp"), NULL);
    cr_expect(gp && strstr(gp, "'no-ipsec, 10 Mbps (baseline)'") && strstr(gp, "'no-ipsec, 100 Mbps (baseline)'"),
              "the no-ipsec curves are drawn as the baseline");
    cr_expect(gp && !strstr(gp, "client.cert"), "preset parameters are not curves of their own");
    free(gp);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *t = s; t && (t = strstr(t, needle)); t += strlen(needle)) n++;
    return n;
}

/* The style of the linespoints of .dat block K in GP ("lc rgb ... ps 1.7"), or "". */
static void line_style(const char *gp, int k, char *buf, size_t n)
{
    /* The x of a key may carry a small factor ($2/xdiv*1.03) that sets
     * coinciding keys side by side. */
    char key[80];
    snprintf(key, sizeof key, " index %d using ($2/xdiv", k);
    static const char line[] = "):3 with linespoints ";
    const char *s = gp;
    while ((s = strstr(s, key)) && strncmp(strchr(s, ')'), line, strlen(line))) s++;
    if (s) s = strchr(s, ')');
    const char *e = s ? strstr(s, " notitle") : NULL;
    snprintf(buf, n, "%.*s", s && e ? (int)(e - s - strlen(line)) : 0, s ? s + strlen(line) : "");
}

Test(plot, two_varying_axes_give_one_panel_per_link_rate_with_one_legend)
{
    tp_sweep_fixture(dir, path("fx.db"));
    size_t n;
    plot_figure *figs = render(path("fx.db"), path("out"), &n, NULL, 0);
    const plot_figure *f = find(figs, n, "sizes-p_complete");
    cr_assert_not_null(f);
    cr_expect(f->rendered && f->width_px == PLOT_WIDTH_PX && f->height_px == PLOT_HEIGHT_PX);
    plot_figures_free(figs, n);
    char *gp = tp_slurp(path("out/sizes-p_complete.gp"), NULL);
    cr_assert_not_null(gp);
    /* scenario x link.rate: a panel per link rate, side by side. */
    cr_expect(strstr(gp, "set multiplot layout 1,2 ") != NULL, "a 1x2 multiplot:\n%s", gp);
    cr_expect_eq(count(gp, "  # panel "), 2);
    const char *p10 = strstr(gp, "set title '10 Mbps'"), *p100 = strstr(gp, "set title '100 Mbps'");
    cr_expect(p10 && p100 && p10 < p100, "panels titled by link rate, in rate order");
    cr_expect_eq(count(gp, "set title '"), 2, "no other panel");
    /* In each panel: both scenarios, error bars first, then the lines over them. */
    const char *panel[3] = {strstr(gp, "  # panel 1 of 2"), strstr(gp, "  # panel 2 of 2"),
                            strstr(gp, "unset multiplot")};
    cr_assert(panel[0] && panel[1] && panel[2]);
    for (int p = 0; p < 2; p++) {
        char *text = strndup(panel[p], (size_t)(panel[p + 1] - panel[p]));
        const char *last_band = NULL, *first_line = strstr(text, ":3 with linespoints");
        for (const char *t = text; (t = strstr(t, "):3:4:5 with yerrorbars")); t++) last_band = t;
        cr_expect_eq(count(text, "):3:4:5 with yerrorbars"), 2, "panel %d: Wilson bars per scenario", p + 1);
        cr_expect_eq(count(text, "):3 with linespoints"), 2, "panel %d: a line per scenario", p + 1);
        cr_expect(last_band && first_line && last_band < first_line, "panel %d: bars under the lines", p + 1);
        free(text);
    }
    /* No band covers the panel (the issue: Wilson bands from 4 replications
     * hid the curves); the threshold p = 0.95 is drawn. */
    cr_expect_eq(count(gp, "filledcurves"), 0, "no bands");
    cr_expect(strstr(gp, "first 0.95 to graph 1, first 0.95 nohead") != NULL, "the 0.95 line");
    /* One legend for both panels, one entry per scenario and the band. */
    cr_expect_eq(count(gp, "keyentry with linespoints"), 2);
    cr_expect_eq(count(gp, "title 'kb977526'"), 1);
    cr_expect_eq(count(gp, "title 'no-ipsec (baseline)'"), 1);
    cr_expect_eq(count(gp, "keyentry with yerrorbars"), 1);
    /* A scenario looks the same in both panels (blocks: kb977526 at 10 and
     * 100 Mbps, then no-ipsec), and the two scenarios differ in colour,
     * dash and mark, so curves that coincide stay apart. */
    char s0[128], s1[128], s2[128], s3[128];
    line_style(gp, 0, s0, sizeof s0), line_style(gp, 1, s1, sizeof s1);
    line_style(gp, 2, s2, sizeof s2), line_style(gp, 3, s3, sizeof s3);
    cr_expect(s0[0] && !strcmp(s0, s1), "kb977526: '%s' and '%s'", s0, s1);
    cr_expect(s2[0] && !strcmp(s2, s3), "no-ipsec: '%s' and '%s'", s2, s3);
    char key_kb[200];
    snprintf(key_kb, sizeof key_kb, "keyentry with linespoints %s title 'kb977526'", s0);
    cr_expect(strstr(gp, key_kb) != NULL, "the legend shows the style of the curves: %s", key_kb);
    int dt[2], pt[2];
    const char *st[2] = {s0, s2};
    for (int i = 0; i < 2; i++) {
        const char *d = strstr(st[i], " dt "), *q = strstr(st[i], " pt ");
        dt[i] = d ? atoi(d + 4) : -1, pt[i] = q ? atoi(q + 4) : -1;
    }
    cr_expect(strncmp(s0, s2, 16) != 0 && dt[0] != dt[1] && pt[0] != pt[1], "'%s' vs '%s'", s0, s2);
    free(gp);
    /* The .dat says which blocks each panel holds. */
    char *dat = tp_slurp(path("out/sizes-p_complete.dat"), NULL);
    cr_expect(dat && strstr(dat, "# panel 1 of 2, 10 Mbps: curves 0 2\n") &&
                  strstr(dat, "# panel 2 of 2, 100 Mbps: curves 1 3\n"),
              "%s", dat ? dat : "");
    free(dat);
}

Test(plot, one_varying_axis_gives_one_panel)
{
    tp_synthetic_db(path("s.db"), "grid");
    size_t n;
    plot_figure *figs = render(path("s.db"), path("out"), &n, NULL, 0);
    plot_figures_free(figs, n);
    char *gp = tp_slurp(path("out/grid-p_complete.gp"), NULL);
    cr_assert_not_null(gp);
    cr_expect(strstr(gp, "multiplot") == NULL, "scenario is the only axis besides file size");
    cr_expect_eq(count(gp, "\n  plot "), 1);
    cr_expect_eq(count(gp, "keyentry with linespoints"), 2, "one legend entry per scenario");
    free(gp);
    uint32_t w, h;
    cr_expect_eq(tp_png_size(path("out/grid-p_complete.png"), &w, &h), 0);
    cr_expect(w == PLOT_WIDTH_PX && h == PLOT_HEIGHT_PX, "%ux%u", w, h);
}

/* The median and nearest-rank quartiles of the NAME column over the runs of
 * scenario kb977526 at LINK_RATE that had an interruption, worked out here. */
static void order_stats(const char *db, const char *name, double rate, double *med, double *q1, double *q3, int *m)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM runs r JOIN points p USING (point_id) WHERE p.experiment_id = 1 AND "
             "p.link_rate = %.0f AND r.%s IS NOT NULL",
             rate, name);
    *m = (int)tp_q(db, sql);
    cr_assert_gt(*m, 0);
    double v[1024];
    for (int i = 0; i < *m && i < 1024; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT r.%s FROM runs r JOIN points p USING (point_id) WHERE p.experiment_id = 1 AND "
                 "p.link_rate = %.0f AND r.%s IS NOT NULL ORDER BY r.%s LIMIT 1 OFFSET %d",
                 name, rate, name, name, i);
        v[i] = tp_q(db, sql);
    }
    int n = *m;
    *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    *q1 = v[(n + 3) / 4 - 1];
    *q3 = v[(3 * n + 3) / 4 - 1];
}

Test(plot, first_interruption_rows_are_medians_of_the_runs)
{
    tp_sweep_fixture(dir, path("fx.db"));
    size_t n;
    plot_figure *figs = render(path("fx.db"), path("out"), &n, NULL, 0);
    plot_figures_free(figs, n);
    static double rows[64][12];
    size_t blocks;
    size_t m = read_dat(path("out/sizes-first_interruption.dat"), rows, 64, &blocks);
    cr_assert_eq(m, 2, "one row per link rate (file sizes pooled), got %zu", m);
    cr_expect_eq(blocks, 1, "only kb977526 is ever interrupted");
    for (size_t i = 0; i < m; i++) {
        double med, q1, q3;
        int k;
        order_stats(path("fx.db"), "first_interruption_bytes", rows[i][1], &med, &q1, &q3, &k);
        cr_expect_eq(rows[i][2], k);
        cr_expect(close_to(rows[i][3], med), "bytes median %.17g, runs say %.17g", rows[i][3], med);
        cr_expect(close_to(rows[i][4], q1) && close_to(rows[i][5], q3));
        order_stats(path("fx.db"), "first_interruption_s", rows[i][1], &med, &q1, &q3, &k);
        cr_expect(close_to(rows[i][6], med), "seconds median %.17g, runs say %.17g", rows[i][6], med);
        cr_expect(close_to(rows[i][7], q1) && close_to(rows[i][8], q3));
    }
}

Test(plot, critical_size_rows_are_the_thresholds)
{
    tp_sweep_fixture(dir, path("fx.db"));
    size_t n;
    plot_figure *figs = render(path("fx.db"), path("out"), &n, NULL, 0);
    plot_figures_free(figs, n);
    static double rows[64][12];
    size_t blocks;
    size_t m = read_dat(path("out/critical-critical_size.dat"), rows, 64, &blocks);
    cr_expect_eq(m, tp_q(path("fx.db"), "SELECT count(*) FROM thresholds"));
    cr_expect_eq(blocks, 2, "one curve per quick-mode lifetime, got %zu", blocks);
    for (size_t i = 0; i < m; i++) {
        char sql[300];
        static const char *const cols[] = {"critical", "lo", "hi"};
        for (int c = 0; c < 3; c++) {
            snprintf(sql, sizeof sql, "SELECT %s FROM thresholds WHERE point_id = %.0f", cols[c], rows[i][0]);
            double want = tp_q(path("fx.db"), sql);
            cr_expect(close_to(rows[i][2 + c], want), "critical.dat row %zu %s: %.17g, table says %.17g", i, cols[c],
                      rows[i][2 + c], want);
        }
        snprintf(sql, sizeof sql, "SELECT link_rate FROM points WHERE point_id = %.0f", rows[i][0]);
        cr_expect(close_to(rows[i][1], tp_q(path("fx.db"), sql)), "x is the link rate");
    }
}

/* The runner's statuses must be the ones the figure knows: a status it did
 * not know would come out as code 3 and lose its no-crossing mark. */
Test(plot, every_search_status_the_runner_writes_is_drawn_with_its_own_mark)
{
    tp_sweep_statuses(dir, path("st.db"));
    static const int codes[] = {PLOT_SEARCH_BRACKETED, PLOT_SEARCH_ALL_PASS, PLOT_SEARCH_NONE_PASS};
    static const char *const names[] = {"bracketed", "all_pass", "none_pass"};
    char sql[300];
    for (int i = 0; i < 3; i++) {
        cr_expect_str_eq(plot_search_status_name(codes[i]), names[i], "the documented name of code %d", codes[i]);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM thresholds WHERE status = '%s'", names[i]);
        cr_expect_geq(tp_q(path("st.db"), sql), 1, "the runner wrote no '%s' search", names[i]);
    }
    cr_expect_null(plot_search_status_name(PLOT_SEARCH_OTHER));
    cr_expect_eq(tp_q(path("st.db"), "SELECT count(*) FROM thresholds WHERE status NOT IN "
                                     "('bracketed', 'all_pass', 'none_pass')"),
                 0, "the runner writes only the documented statuses");
    size_t n;
    plot_figure *figs = render(path("st.db"), path("out"), &n, NULL, 0);
    plot_figures_free(figs, n);
    static double rows[64][12];
    size_t blocks;
    size_t m = read_dat(path("out/statuses-critical_size.dat"), rows, 64, &blocks);
    cr_expect_eq(m, 4, "one row per combination");
    for (size_t r = 0; r < m; r++) {
        snprintf(sql, sizeof sql,
                 "SELECT CASE status WHEN 'bracketed' THEN 0 WHEN 'all_pass' THEN 1 WHEN 'none_pass' THEN 2 END "
                 "FROM thresholds WHERE point_id = %.0f",
                 rows[r][0]);
        cr_expect_eq(rows[r][5], tp_q(path("st.db"), sql), "row %zu: status code %g", r, rows[r][5]);
    }
    char *gp = tp_slurp(path("out/statuses-critical_size.gp"), NULL);
    cr_assert_not_null(gp);
    cr_expect_eq(
        count(gp, "($6 == 1 ? $5/ydiv : NaN) with points"),
        (size_t)tp_q(path("st.db"),
                     "SELECT count(DISTINCT p.ipsec_qm_lifetime_kb) FROM thresholds t JOIN points p USING (point_id) "
                     "WHERE t.status = 'all_pass'"),
        "an all_pass mark on each curve that has one");
    cr_expect(count(gp, "($6 == 2 ? $4/ydiv : NaN) with points") >= 1, "a none_pass mark");
    cr_expect_eq(count(gp, "title 'no crossing: every probe passed (drawn at the range top)'"), 1);
    cr_expect_eq(count(gp, "title 'no crossing: no probe passed (drawn at the range bottom)'"), 1);
    free(gp);
}

Test(plot, synthetic_values_come_out_exactly)
{
    tp_synthetic_db(path("s.db"), "grid");
    size_t n;
    char notes[4096] = "";
    plot_figure *figs = render(path("s.db"), path("out"), &n, notes, sizeof notes);
    cr_expect_eq(n, 5, "grid: p_complete, first_interruption, duration; search: critical_size, capacity_map (%zu)", n);
    plot_figures_free(figs, n);
    static double rows[64][12];
    size_t blocks;
    size_t m = read_dat(path("out/grid-p_complete.dat"), rows, 64, &blocks);
    cr_assert_eq(m, 6);
    static const double want_p[] = {1, 0.6, 0, 1, 1, 1}; /* kb977526 sorts before no-ipsec */
    for (size_t i = 0; i < m; i++) cr_expect(close_to(rows[i][2], want_p[i]), "row %zu p %g", i, rows[i][2]);
    m = read_dat(path("out/grid-first_interruption.dat"), rows, 64, &blocks);
    cr_assert_eq(m, 2, "link.rate does not vary: one row per interrupted file size");
    for (size_t i = 0; i < m; i++) {
        cr_expect_eq(rows[i][2], 5);
        cr_expect(close_to(rows[i][3], 3003000), "median of 3,001,000 ... 3,005,000");
        cr_expect(close_to(rows[i][4], 3002000) && close_to(rows[i][5], 3004000), "quartiles");
        cr_expect(close_to(rows[i][6], 0.33));
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT first_interruption_bytes_median FROM point_summary WHERE point_id = %.0f",
                 rows[i][0]);
        cr_expect(close_to(rows[i][3], tp_q(path("s.db"), sql)), "per point it is the view's median");
    }
    m = read_dat(path("out/search-critical_size.dat"), rows, 64, &blocks);
    cr_assert_eq(m, 4);
    cr_expect_eq(blocks, 2);
    /* curves by qm lifetime (1000 then 2000), x = link rate ascending */
    cr_expect(close_to(rows[0][2], 5e6) && rows[0][5] == 0, "bracketed");
    cr_expect(isnan(rows[1][2]) && rows[1][5] == 1, "all_pass is status 1, no critical value");
    cr_expect(close_to(rows[2][2], 1e7) && rows[2][5] == 0);
    cr_expect(isnan(rows[3][2]) && rows[3][5] == 2, "none_pass is status 2");
    cr_expect(strstr(notes, "note: experiment 'grid': no critical_size figure: not a threshold search") != NULL,
              "notes: %s", notes);
}

Test(plot, figures_the_axes_cannot_support_are_skipped_with_one_line_each)
{
    tp_synthetic_db(path("s.db"), "grid");
    plot_db *h = NULL;
    char err[1024], notes[4096] = "";
    cr_assert_eq(plot_db_new(path("s.db"), err, sizeof err, &h), 0, "%s", err);
    size_t search;
    cr_assert_eq(plot_db_find_experiment(h, "search", &search, err, sizeof err), 0);
    FILE *nf = fmemopen(notes, sizeof notes, "w");
    plot_figure *figs;
    size_t n;
    cr_assert_eq(plot_write_figures(h, search, path("out"), nf, &figs, &n, err, sizeof err), 0, "%s", err);
    fclose(nf);
    cr_expect_eq(n, 2);
    cr_expect_str_eq(figs[0].stem, "search-critical_size");
    cr_expect_str_eq(figs[1].stem, "search-capacity_map");
    int lines = 0;
    for (const char *s = notes; *s; s++) lines += *s == '\n';
    cr_expect_eq(lines, 5, "five skipped figures, one line each: %s", notes);
    cr_expect(strstr(notes, "no p_complete figure") && strstr(notes, "no duration figure"));
    cr_expect(strstr(notes, "no fleet_complete figure: a threshold search") &&
              strstr(notes, "no makespan figure: a threshold search"));
    cr_expect(!exists(path("out/search-p_complete.dat")));
    plot_figures_free(figs, n);
    plot_db_free(h);
}

Test(plot, without_gnuplot_the_dat_and_gp_files_are_still_written)
{
    tp_synthetic_db(path("s.db"), "grid");
    plot_db *h = NULL;
    char err[1024];
    cr_assert_eq(plot_db_new(path("s.db"), err, sizeof err, &h), 0, "%s", err);
    plot_figure *figs;
    size_t n;
    cr_assert_eq(plot_write_figures(h, (size_t)-1, path("out"), NULL, &figs, &n, err, sizeof err), 0, "%s", err);
    setenv("PATH", path("nowhere"), 1);
    cr_expect_eq(plot_render_figures(figs, n, path("out"), err, sizeof err), PLOT_ENOGNUPLOT);
    cr_expect(strstr(err, "apt-get install gnuplot-nox") != NULL, "names the package: %s", err);
    cr_expect(exists(path("out/grid-p_complete.dat")) && exists(path("out/grid-p_complete.gp")));
    cr_expect(!exists(path("out/grid-p_complete.png")));
    for (size_t i = 0; i < n; i++) cr_expect(!figs[i].rendered);
    plot_figures_free(figs, n);
    plot_db_free(h);
}

Test(plot, a_script_rebuilds_its_images_when_run_from_another_directory)
{
    tp_synthetic_db(path("s.db"), "grid");
    size_t n;
    plot_figure *figs = render(path("s.db"), path("out"), &n, NULL, 0);
    plot_figures_free(figs, n);
    cr_assert_eq(unlink(path("out/grid-duration.png")), 0);
    cr_assert_eq(unlink(path("out/grid-duration.svg")), 0);
    char *argv[] = {"/usr/bin/env", "gnuplot", "out/grid-duration.gp", NULL};
    cr_expect_eq(tp_run(argv, dir, NULL, path("gp.err"), NULL), 0);
    uint32_t w, h;
    cr_expect_eq(tp_png_size(path("out/grid-duration.png"), &w, &h), 0);
    cr_expect(w == PLOT_WIDTH_PX && h == PLOT_HEIGHT_PX);
    cr_expect(exists(path("out/grid-duration.svg")));
    cr_expect(!exists(path("grid-duration.png")), "nothing is written next to the caller");
}

Test(plot, text_from_the_database_cannot_escape_the_gnuplot_script)
{
    /* A quote would end a gnuplot string, a newline the line; either could
     * run `system`. The name also lands in file names: sanitised there. */
    tp_synthetic_db(path("s.db"), "x'; system('touch PWNED') #\n! touch PWNED2 '/../../y");
    size_t n;
    plot_figure *figs = render(path("s.db"), path("out"), &n, NULL, 0);
    cr_expect_eq(n, 5, "the four figures and the search's capacity map");
    for (size_t i = 0; i < n; i++) {
        cr_expect(figs[i].rendered);
        cr_expect(!strchr(figs[i].stem, '/') && !strchr(figs[i].stem, '\'') && !strchr(figs[i].stem, '\n'), "stem %s",
                  figs[i].stem);
    }
    plot_figures_free(figs, n);
    cr_expect(!exists(path("out/PWNED")) && !exists(path("PWNED")) && access(path("out/PWNED"), F_OK) != 0);
    cr_expect(access(path("out/PWNED2"), F_OK) != 0 && access("PWNED", F_OK) != 0 && access("PWNED2", F_OK) != 0);
    cr_expect(access(path("y-p_complete.png"), F_OK) != 0, "no file outside the output directory");
}

Test(plot, missing_foreign_and_unknown_inputs_are_bad_input)
{
    plot_db *h = NULL;
    char err[1024] = "";
    cr_expect_eq(plot_db_new(path("none.db"), err, sizeof err, &h), PLOT_EINPUT);
    cr_expect(strstr(err, "none.db") != NULL, "names the file: %s", err);
    FILE *f = fopen(path("text.db"), "w");
    fputs("hello, not a database\n", f);
    fclose(f);
    cr_expect_eq(plot_db_new(path("text.db"), err, sizeof err, &h), PLOT_EINPUT, "%s", err);
    cr_expect(strstr(err, "not a rekeysim database") != NULL, "%s", err);
    tp_synthetic_db(path("s.db"), "grid");
    cr_assert_eq(plot_db_new(path("s.db"), err, sizeof err, &h), 0, "%s", err);
    size_t i;
    cr_expect_eq(plot_db_find_experiment(h, "nope", &i, err, sizeof err), PLOT_EINPUT);
    cr_expect(strstr(err, "'nope'") && strstr(err, "'grid'") && strstr(err, "'search'"), "lists the known: %s", err);
    plot_db_free(h);
}

/* ---- the command line ---- */

static int cli(const char *cmd, const char *db, const char *extra, const char *path_env)
{
    char *argv[10];
    int k = 0;
    argv[k++] = (char *)tp_rekeysim();
    argv[k++] = (char *)cmd;
    if (db) argv[k++] = "--db", argv[k++] = (char *)db;
    argv[k++] = "--out";
    argv[k++] = (char *)path("out");
    if (extra) argv[k++] = "--experiment", argv[k++] = (char *)extra;
    argv[k] = NULL;
    return tp_run(argv, dir, path("cli.out"), path("cli.err"), path_env);
}

static int err_has(const char *needle)
{
    char *e = tp_slurp(path("cli.err"), NULL);
    int has = e && strstr(e, needle);
    free(e);
    return has;
}

Test(plot, the_command_exits_2_for_bad_input_with_one_clear_message)
{
    cr_expect_eq(cli("plot", NULL, NULL, NULL), 2);
    cr_expect(err_has("--db FILE is required"));
    cr_expect_eq(cli("plot", path("none.db"), NULL, NULL), 2);
    cr_expect(err_has("none.db: no such database"));
    FILE *f = fopen(path("text.db"), "w");
    fputs("hello\n", f);
    fclose(f);
    cr_expect_eq(cli("report", path("text.db"), NULL, NULL), 2);
    cr_expect(err_has("not a rekeysim database"));
    tp_synthetic_db(path("s.db"), "grid");
    cr_expect_eq(cli("plot", path("s.db"), "nope", NULL), 2);
    cr_expect(err_has("known experiments: 'grid', 'search'"));
    cr_expect_eq(cli("report", path("s.db"), "nope", NULL), 2);
    cr_expect(!exists(path("out/report.html")), "nothing written on bad input");
    char *argv[] = {(char *)tp_rekeysim(), "plot", "--help", NULL};
    cr_expect_eq(tp_run(argv, dir, path("cli.out"), NULL, NULL), 0);
    char *out = tp_slurp(path("cli.out"), NULL);
    cr_expect(out && strstr(out, "usage: rekeysim plot --db FILE"));
    free(out);
}

Test(plot, the_command_without_gnuplot_exits_1_naming_the_package)
{
    tp_synthetic_db(path("s.db"), "grid");
    cr_expect_eq(cli("plot", path("s.db"), "grid", path("nowhere")), 1);
    cr_expect(err_has("apt-get install gnuplot-nox"));
    cr_expect(exists(path("out/grid-p_complete.dat")) && exists(path("out/grid-p_complete.gp")));
    cr_expect(!exists(path("out/grid-p_complete.png")));
    cr_expect_eq(cli("report", path("s.db"), NULL, path("nowhere")), 1);
    cr_expect(exists(path("out/report.html")), "the report is written, with notes in place of the figures");
    tp_need_gnuplot(); /* the same command with gnuplot on PATH */
    cr_expect_eq(cli("plot", path("s.db"), NULL, NULL), 0);
    cr_expect(exists(path("out/grid-p_complete.png")) && exists(path("out/search-critical_size.svg")));
}

/* The main job's answer (experiments/kb977526.ini, kb977526-critical): on
 * the LAN the largest safe file of kb977526 is where the copy dies, the
 * first interruption at the first quick-mode rekey (about 87 MB of the
 * file: 100,000 KB x 0.9, less the headers). A small spec with the main
 * job's search settings (range, precision 5 %, 4..8 replications) at two
 * link rates: each critical size lies within the search's precision of the
 * first_interruption_bytes of a single run, every probe above the bracket
 * failed, and the capacity map of the same search (rate x lifetime) holds
 * exactly the thresholds table's values. */
Test(plot, main_job_critical_size_is_the_first_interruption_offset)
{
    char spec[4200], err[4200], out[4200];
    snprintf(spec, sizeof spec, "%s/main.ini", dir);
    FILE *f = fopen(spec, "w");
    cr_assert_not_null(f);
    fputs("[experiment lan]\nscenario = kb977526\nlink.rate = 100Mbps, 1Gbps\n"
          "ipsec.qm_lifetime_kb = 50000, 100000\nfile.size = 1MiB..4GiB\n"
          "search = file.size for p_complete = 0.95\nprecision = 0.05\nreplications = 4\nmax_replications = 8\n"
          "seed = 977526\n",
          f);
    cr_assert_eq(fclose(f), 0);
    char *sweep[] = {
        (char *)tp_rekeysim(), "sweep", spec, "--db", (char *)path("m.db"), "--jobs", "2", "--quiet", NULL};
    snprintf(err, sizeof err, "%s/sweep.err", dir);
    cr_assert_eq(tp_run(sweep, dir, NULL, err, NULL), 0, "the sweep failed (see %s)", err);
    /* One run of kb977526 on the LAN (the default lifetime, 100,000 KB). */
    char *run[] = {(char *)tp_rekeysim(), "run", "--scenario", "kb977526", "file.size=1GiB", "--json", NULL};
    snprintf(out, sizeof out, "%s/run.json", dir);
    cr_assert_eq(tp_run(run, dir, out, err, NULL), 0);
    char *json = tp_slurp(out, NULL);
    cr_assert_not_null(json);
    const char *k = strstr(json, "\"first_interruption_bytes\":");
    cr_assert_not_null(k, "%s", json);
    double first = strtod(k + strlen("\"first_interruption_bytes\":"), NULL);
    free(json);
    cr_expect(first > 80e6 && first < 95e6, "the first interruption at about 87 MB (%g)", first);
    double n = tp_q(path("m.db"), "SELECT count(*) FROM thresholds t JOIN points p USING (point_id) "
                                  "WHERE p.ipsec_qm_lifetime_kb = 100000 AND t.status = 'bracketed'");
    cr_expect_eq(n, 2, "both link rates bracketed at the default lifetime");
    for (int rate = 0; rate < 2; rate++) {
        char sql[400];
        const char *where = rate ? "1000000000" : "100000000";
        snprintf(sql, sizeof sql,
                 "SELECT t.%%s FROM thresholds t JOIN points p USING (point_id) WHERE p.ipsec_qm_lifetime_kb = "
                 "100000 AND p.link_rate = %s",
                 where);
        char q[500];
        snprintf(q, sizeof q, sql, "critical");
        double c = tp_q(path("m.db"), q);
        snprintf(q, sizeof q, sql, "lo");
        double lo = tp_q(path("m.db"), q);
        snprintf(q, sizeof q, sql, "hi");
        double hi = tp_q(path("m.db"), q);
        cr_expect(hi / lo <= 1.05 + 1e-9, "the bracket meets the precision: %g..%g", lo, hi);
        cr_expect(fabs(log(c / first)) <= log(1.05), "at %s bit/s the critical size %g is within 5 %% of %g", where, c,
                  first);
        /* Every copy of a probe above the bracket died. */
        snprintf(q, sizeof q,
                 "SELECT count(*) FROM runs r JOIN points p USING (point_id) JOIN experiments e USING "
                 "(experiment_id) WHERE e.name = 'lan' AND p.ipsec_qm_lifetime_kb = 100000 AND p.link_rate = %s "
                 "AND p.file_size > %.0f AND r.completed = 1",
                 where, hi);
        cr_expect_eq(tp_q(path("m.db"), q), 0, "no copy above %g completed", hi);
    }
    /* The capacity map: one cell per threshold, the value its log2. */
    size_t nf = 0;
    plot_figure *figs = render(path("m.db"), path("out"), &nf, NULL, 0);
    const plot_figure *map = find(figs, nf, "lan-capacity_map");
    cr_assert_not_null(map);
    cr_expect(map->rendered);
    plot_figures_free(figs, nf);
    static double rows[64][12];
    size_t blocks;
    size_t m = read_dat(path("out/lan-capacity_map.dat"), rows, 64, &blocks);
    cr_expect_eq(m, 4, "2 rates x 2 lifetimes");
    for (size_t r = 0; r < m; r++) {
        char q[200];
        snprintf(q, sizeof q, "SELECT critical FROM thresholds WHERE point_id = %.0f", rows[r][8]);
        double c = tp_q(path("m.db"), q);
        cr_expect(close_to(rows[r][3], c), "cell %zu critical %g vs %g", r, rows[r][3], c);
        cr_expect(close_to(rows[r][2], log2(c)), "cell %zu colour value", r);
    }
    char *gp = tp_slurp(path("out/lan-capacity_map.gp"), NULL);
    cr_assert_not_null(gp);
    cr_expect(strstr(gp, "with image") && strstr(gp, "with labels"), "a heat map with a label in each cell");
    free(gp);
}
