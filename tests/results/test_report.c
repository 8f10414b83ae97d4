/*
 * The HTML report (results/report.h): on the fixture of a real sweep it
 * holds every figure inline as SVG (ids unique, nothing fetched, no
 * script), one point_summary row per point, and findings that the database
 * confirms (each finding names its point in data- attributes, checked here
 * with independent SQL); on the synthetic database its sentences are
 * exactly the known ones, hostile text comes out escaped, and without
 * gnuplot the page is still written with a note per figure.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "results/plot.h"
#include "results/report.h"

/* test_plot_fixture.c */
char *tp_dir_new(void);
void tp_dir_free(char *dir);
void tp_sweep_fixture(const char *dir, const char *db);
char *tp_slurp(const char *path, size_t *len_out);
double tp_q(const char *db, const char *sql);
void tp_synthetic_db(const char *db, const char *grid_name);
void tp_need_gnuplot(void);

static char *dir;
static void setup(void) { dir = tp_dir_new(); }
static void teardown(void) { tp_dir_free(dir); }
TestSuite(report, .init = setup, .fini = teardown, .timeout = 120);

static const char *path(const char *name)
{
    static char buf[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Writes figures (rendered unless NO_GNUPLOT) and the report of DB; returns
 * the page. Skips the test when it must render and gnuplot is not here. */
static char *make_report(const char *db, int no_gnuplot)
{
    if (!no_gnuplot) tp_need_gnuplot();
    plot_db *h = NULL;
    char err[1024] = "";
    cr_assert_eq(plot_db_new(db, err, sizeof err, &h), 0, "%s", err);
    plot_figure *figs;
    size_t n;
    cr_assert_eq(plot_write_figures(h, (size_t)-1, path("out"), NULL, &figs, &n, err, sizeof err), 0, "%s", err);
    if (!no_gnuplot) cr_assert_eq(plot_render_figures(figs, n, path("out"), err, sizeof err), 0, "%s", err);
    cr_assert_eq(report_write(h, (size_t)-1, figs, n, path("out"), err, sizeof err), 0, "%s", err);
    plot_figures_free(figs, n);
    plot_db_free(h);
    char *html = tp_slurp(path("out/report.html"), NULL);
    cr_assert_not_null(html);
    return html;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle)) n++;
    return n;
}

/* The value of attribute NAME in the tag that starts at TAG. */
static double attr(const char *tag, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(tag, '>'), *s = strstr(tag, key);
    cr_assert(s && s < end, "no %s in %.80s", name, tag);
    return strtod(s + strlen(key), NULL);
}

Test(report, a_real_sweep_report_embeds_every_figure_and_fetches_nothing)
{
    tp_sweep_fixture(dir, path("fx.db"));
    char *html = make_report(path("fx.db"), 0);
    cr_expect(!strncmp(html, "<!DOCTYPE html>", 15));
    cr_expect(strstr(html, "</html>") != NULL);
    static const char *const stems[] = {"sizes-p_complete", "sizes-first_interruption", "sizes-duration",
                                        "critical-critical_size", "critical-capacity_map"};
    for (int i = 0; i < 5; i++) {
        char want[200];
        snprintf(want, sizeof want, "<figure id=\"fig-%s\"", stems[i]);
        const char *f = strstr(html, want);
        cr_expect_not_null(f, "no %s", want);
        if (f) {
            const char *svg = strstr(f, "<svg"), *end = strstr(f, "</figure>");
            cr_expect(svg && end && svg < end, "%s has no inline SVG", stems[i]);
        }
    }
    cr_expect_eq(count(html, "<svg"), 5);
    cr_expect_eq(count(html, "</svg>"), 5);
    cr_expect(!strstr(html, "<script") && !strstr(html, "<link") && !strstr(html, " src=") &&
                  !strstr(html, "@import") && !strstr(html, "<?xml"),
              "self-contained, no script");
    /* Every id once: several gnuplot SVGs define the same names. */
    const char *s = html;
    size_t n_ids = 0;
    while ((s = strstr(s, " id="))) {
        char q = s[4], id[128];
        const char *b = s + 5, *e = strchr(b, q);
        cr_assert_not_null(e);
        snprintf(id, sizeof id, " id=%c%.*s%c", q, (int)(e - b), b, q);
        cr_expect_eq(count(html, id), 1, "id %s appears %zu times", id, count(html, id));
        s = e;
        if (++n_ids > 400) break;
    }
    cr_expect_gt(n_ids, 20);
    free(html);
}

Test(report, every_finding_is_confirmed_by_the_database)
{
    char db[4200];
    snprintf(db, sizeof db, "%s", path("fx.db"));
    tp_sweep_fixture(dir, db);
    char *html = make_report(db, 0);
    size_t n = 0;
    double n_critical_missing = 0, causes = 0;
    for (const char *s = html; (s = strstr(s, "<li data-kind=\"")); s++, n++) {
        char kind[64], sql[600];
        sscanf(s + 15, "%63[^\"]", kind);
        double point = attr(s, "data-point-id");
        /* the curve of a grid point: same experiment, scenario and link rate */
        const char *same = "FROM point_summary q JOIN point_summary p ON q.experiment_id = p.experiment_id AND "
                           "q.scenario = p.scenario AND q.link_rate = p.link_rate";
        if (!strcmp(kind, "first_failure")) {
            snprintf(sql, sizeof sql, "SELECT n_completed < n_runs FROM point_summary WHERE point_id = %.0f", point);
            cr_expect_eq(tp_q(db, sql), 1, "point %.0f had failures", point);
            snprintf(sql, sizeof sql,
                     "SELECT count(*) %s WHERE p.point_id = %.0f AND q.file_size < p.file_size AND "
                     "q.n_completed < q.n_runs",
                     same, point);
            cr_expect_eq(tp_q(db, sql), 0, "no smaller size of point %.0f failed", point);
        } else if (!strcmp(kind, "p_below_half")) {
            snprintf(sql, sizeof sql, "SELECT p_complete < 0.5 FROM point_summary WHERE point_id = %.0f", point);
            cr_expect_eq(tp_q(db, sql), 1);
            snprintf(sql, sizeof sql,
                     "SELECT count(*) %s WHERE p.point_id = %.0f AND q.file_size < p.file_size AND "
                     "q.p_complete < 0.5",
                     same, point);
            cr_expect_eq(tp_q(db, sql), 0, "point %.0f is the smallest below 0.5", point);
        } else if (!strcmp(kind, "all_completed")) {
            snprintf(sql, sizeof sql, "SELECT count(*) %s WHERE p.point_id = %.0f AND q.n_completed < q.n_runs", same,
                     point);
            cr_expect_eq(tp_q(db, sql), 0, "every copy of point %.0f's curve completed", point);
        } else if (!strcmp(kind, "first_interruption")) {
            snprintf(sql, sizeof sql,
                     "WITH v AS (SELECT r.first_interruption_bytes AS b FROM runs r JOIN points p USING (point_id) "
                     "JOIN points o ON o.point_id = %.0f WHERE p.experiment_id = o.experiment_id AND "
                     "p.scenario = o.scenario AND p.link_rate = o.link_rate AND b IS NOT NULL) "
                     "SELECT avg(b) FROM (SELECT b FROM v ORDER BY b LIMIT 2 - (SELECT count(*) FROM v) %% 2 "
                     "OFFSET ((SELECT count(*) FROM v) - 1) / 2)",
                     point);
            cr_expect_eq(attr(s, "data-bytes-median"), tp_q(db, sql), "median bytes of point %.0f's group", point);
        } else if (!strcmp(kind, "p_never_below_half")) {
            snprintf(sql, sizeof sql, "SELECT count(*) %s WHERE p.point_id = %.0f AND q.p_complete < 0.5", same, point);
            cr_expect_eq(tp_q(db, sql), 0, "no point of point %.0f's curve is below 0.5", point);
        } else if (!strcmp(kind, "critical")) {
            snprintf(sql, sizeof sql, "SELECT critical FROM thresholds WHERE point_id = %.0f", point);
            double want = tp_q(db, sql), got = attr(s, "data-critical");
            const char *end = strstr(s, "</li>");
            const char *missing = strstr(s, "was not found in the searched range");
            int says_missing = missing && end && missing < end;
            /* No critical value: the sentence must say so and the attribute hold none. */
            if (isnan(want))
                cr_expect(isnan(got) && says_missing, "point %.0f has no crossing: %.200s", point, s);
            else
                cr_expect(fabs(got - want) < 1e-6 * want && !says_missing,
                          "critical of point %.0f: %.17g, table says "
                          "%.17g",
                          point, got, want);
            n_critical_missing += isnan(want);
        } else if (!strcmp(kind, "first_causes")) {
            causes += attr(s, "data-runs");
        } else {
            cr_expect(!strcmp(kind, "no_interruptions") || !strcmp(kind, "no_runs"), "unknown finding %s", kind);
        }
    }
    cr_expect_geq(n, 4 + 2 + 4, "findings: per sizes curve, per link rate, per threshold (%zu)", n);
    cr_expect_eq(n_critical_missing, tp_q(db, "SELECT count(*) FROM thresholds WHERE critical IS NULL"),
                 "every search without a crossing has its finding");
    cr_expect_eq(causes, tp_q(db, "SELECT count(*) FROM interruptions WHERE episode = 1"),
                 "the causes add up to every first interruption");
    cr_expect(strstr(html, "no-ipsec, 10 Mbps: every copy completed") != NULL);
    cr_expect_eq(count(html, "<tr data-point-id="),
                 (size_t)(tp_q(db, "SELECT count(*) FROM points") + tp_q(db, "SELECT count(*) FROM thresholds")),
                 "one summary row per point, one thresholds row per combination");
    free(html);
}

Test(report, synthetic_findings_are_the_known_sentences)
{
    tp_synthetic_db(path("s.db"), "grid");
    char *html = make_report(path("s.db"), 0);
    static const char *const want[] = {
        "kb977526: copies of 4 MiB and larger failed in 70 % of runs (7 of 10); every copy of up to 1 MiB "
        "completed.",
        "kb977526: the smallest file size with p_complete below 0.5 is 16 MiB (p_complete 0.000",
        "no-ipsec: every copy completed (15 runs, file sizes up to 16 MiB).",
        "kb977526, 4 MiB: the first interruption comes after a median of 2.864 MiB (3003000 bytes) and 0.33 s",
        "Causes of the first interruption (10 runs): rekey 6, expiry 4.",
        "ipsec.qm_lifetime_kb=1000 KiB, 10 Mbps: the critical file size (p_complete = 0.5) is 5 MB",
        "ipsec.qm_lifetime_kb=1000 KiB, 100 Mbps: the critical file size (p_complete = 0.5) was not found in the "
        "searched range: every probe passed at both ends (1 MiB and 64 MiB; 50 runs).",
        "no probe passed at both ends",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect(strstr(html, want[i]) != NULL, "missing finding: %s", want[i]);
    free(html);
}

Test(report, text_from_the_database_is_escaped)
{
    tp_synthetic_db(path("s.db"), "<script>alert('x')</script>&<b>");
    char *html = make_report(path("s.db"), 0);
    cr_expect(!strstr(html, "<script"), "no script element anywhere");
    cr_expect(!strstr(html, "<b>"), "no markup from the database");
    cr_expect(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&lt;b&gt;") != NULL);
    cr_expect(strstr(html, "&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;") != NULL, "the spec text is escaped");
    free(html);
}

Test(report, without_gnuplot_each_figure_is_replaced_by_a_note)
{
    tp_synthetic_db(path("s.db"), "grid");
    char *html = make_report(path("s.db"), 1);
    cr_expect_eq(count(html, "<svg"), 0);
    cr_expect_eq(count(html, "class=\"missing\""), 5); /* the four figures and the search's capacity map */
    cr_expect(strstr(html, "apt-get install gnuplot-nox") != NULL);
    static const char *const stems[] = {"grid-p_complete", "grid-first_interruption", "grid-duration",
                                        "search-critical_size"};
    for (int i = 0; i < 4; i++) {
        char want[200];
        snprintf(want, sizeof want, "<code>%s.dat</code> and <code>%s.gp</code>", stems[i], stems[i]);
        cr_expect(strstr(html, want) != NULL, "the note names the files that were written: %s", want);
    }
    free(html);
}
