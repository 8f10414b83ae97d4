/*
 * The HTML report (results/report.h): on the fixture of a real sweep it
 * holds every figure inline as SVG (ids unique, nothing fetched, no
 * script), one point_summary row per point, and findings that the database
 * confirms (each finding names its point in data- attributes, checked here
 * with independent SQL); on the synthetic database its sentences are
 * exactly the known ones, hostile text comes out escaped, and without
 * gnuplot the page is still written with a note per figure. The answer
 * table at the top (a database of grids, threshold searches, a scenario that
 * never establishes and a stored `rekeysim whatif`) has one cell per
 * experiment, row axes and link rate, each recomputed here from the runs,
 * points and thresholds tables with SQL of this file's own.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
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
void tp_sweep_statuses(const char *dir, const char *db);
int tp_run(char *const argv[], const char *dir, const char *out, const char *err, const char *path_env);
const char *tp_rekeysim(void);
void tp_sweep_fleet(const char *dir, const char *db);

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

/* A fleet sweep's report: both fleet figures inline, and under the answer
 * table one fleet_complete finding per number of clients and one
 * fleet_makespan finding per file size, each number of which independent
 * SQL on point_summary confirms; the fleet's answer rows are per
 * fleet.clients. */
Test(report, fleet_findings_and_figures_are_confirmed_by_the_database)
{
    char db[4200];
    snprintf(db, sizeof db, "%s", path("fl.db"));
    tp_sweep_fleet(dir, db);
    char *html = make_report(db, 0);
    cr_expect(strstr(html, "<figure id=\"fig-fleet-fleet_complete\" data-kind=\"fleet_complete\"") &&
                  strstr(html, "<figure id=\"fig-fleet-makespan\" data-kind=\"makespan\""),
              "both fleet figures are in the report");
    const char *fleets = strstr(html, "<h3>Fleets</h3>"), *figures = strstr(html, "<section id=\"figures\"");
    cr_assert(fleets && figures && fleets < figures, "the fleet findings are in the answer section");
    size_t n_complete = 0, n_makespan = 0;
    for (const char *s = fleets; (s = strstr(s, "<li data-kind=\"fleet_")) && s < figures; s++) {
        char sql[600];
        double point = attr(s, "data-point-id");
        const char *end = strstr(s, "</li>");
        char text[1200];
        snprintf(text, sizeof text, "%.*s", (int)(end - s), s);
        if (!strncmp(s, "<li data-kind=\"fleet_complete\"", 30)) {
            n_complete++;
            snprintf(sql, sizeof sql, "SELECT copies_complete_mean FROM point_summary WHERE point_id = %.0f", point);
            cr_expect(fabs(attr(s, "data-share") - tp_q(db, sql)) < 1e-12, "%s", text);
            /* The largest size all copies completed: the point below the
             * cited one on its curve, every copy of every run. */
            snprintf(sql, sizeof sql,
                     "SELECT max(q.file_size) FROM point_summary q JOIN point_summary p ON q.experiment_id = "
                     "p.experiment_id AND q.fleet_clients = p.fleet_clients WHERE p.point_id = %.0f AND "
                     "q.file_size < p.file_size AND q.copies_complete_mean = 1",
                     point);
            cr_expect_eq(attr(s, "data-all-size"), tp_q(db, sql), "%s", text);
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM point_summary q JOIN point_summary p ON q.experiment_id = p.experiment_id "
                     "AND q.fleet_clients = p.fleet_clients WHERE p.point_id = %.0f AND q.file_size < p.file_size "
                     "AND q.copies_complete_mean < 1",
                     point);
            cr_expect_eq(tp_q(db, sql), 0, "no smaller size lost a copy: %s", text);
            cr_expect(strstr(text, "the largest file tested that every copy completes (in all 2 runs) is 16 MiB; "
                                   "50 % of the 32 MiB copies complete") != NULL,
                      "%s", text);
        } else {
            n_makespan++;
            snprintf(sql, sizeof sql,
                     "SELECT makespan_mean_s FROM point_summary WHERE point_id = %.0f AND fleet_clients = 4", point);
            cr_expect(fabs(attr(s, "data-makespan") - tp_q(db, sql)) < 1e-9, "at the most clients: %s", text);
            snprintf(sql, sizeof sql,
                     "SELECT fleet_clients * file_size * 8.0 / (link_rate * (link_mtu - 40.0) / (link_mtu + "
                     "link_overhead) * 61440 / 61504) FROM points WHERE point_id = %.0f",
                     point);
            double law = tp_q(db, sql);
            cr_expect(fabs(attr(s, "data-reference") - law) < 1e-9 * law, "%s", text);
        }
    }
    cr_expect_eq(n_complete, 2, "one finding per fleet.clients");
    cr_expect_eq(n_makespan, 3, "one makespan finding per file size");
    cr_expect(strstr(html, "kb977526, 2 clients") && strstr(html, "kb977526, 4 clients"),
              "the answer table has a row per fleet.clients");
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

/* ---- the answer table ---- */

/* The text of the single value of SQL on DB ("" for NULL), in BUF. */
static const char *q_text(const char *db, const char *sql, char *buf, size_t n)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, n, "%s", t ? (const char *)t : "");
    sqlite3_finalize(st);
    sqlite3_close(h);
    return buf;
}

/* Attribute NAME of the tag at TAG as a number, NAN when absent. */
static double attr_or_nan(const char *tag, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(tag, '>'), *s = strstr(tag, key);
    return s && s < end ? strtod(s + strlen(key), NULL) : NAN;
}

static void attr_text(const char *tag, const char *name, char *buf, size_t n)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(tag, '>'), *s = strstr(tag, key);
    buf[0] = 0;
    if (s && s < end) sscanf(s + strlen(key), "%63[^\"]", buf);
    (void)n;
}

static int same(double got, double want) { return fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)); }

/* The fixture (grids), tests/results/fixture_answer.ini (a search for
 * p_complete = 0.95, a scenario that never establishes), the statuses
 * search (none_pass) and one whatif, all in DB. */
static void answer_db(const char *db)
{
    tp_sweep_fixture(dir, db);
    tp_sweep_statuses(dir, db);
    const char *src = getenv("TOP_SRCDIR");
    char spec[4096], err[4200];
    snprintf(spec, sizeof spec, "%s/tests/results/fixture_answer.ini", src && *src ? src : ".");
    snprintf(err, sizeof err, "%s/answer.err", dir);
    char *sweep[] = {(char *)tp_rekeysim(), "sweep", spec, "--db", (char *)db, "--jobs", "2", "--quiet", NULL};
    cr_assert_eq(tp_run(sweep, dir, NULL, err, NULL), 0, "the answer sweep failed (see %s)", err);
    char *whatif[] = {(char *)tp_rekeysim(), "whatif", "--scenario", "kb977526",
                      "file.size=256MiB",    "--db",   (char *)db,   NULL};
    cr_assert_eq(tp_run(whatif, dir, NULL, err, NULL), 0, "the whatif failed (see %s)", err);
}

Test(report, the_answer_table_agrees_with_independent_sql)
{
    char db[4200];
    snprintf(db, sizeof db, "%s", path("ans.db"));
    answer_db(db);
    char *html = make_report(db, 0);
    const char *answer = strstr(html, "<section id=\"answer\">"), *figures = strstr(html, "<section id=\"figures\">");
    const char *findings = strstr(html, "<section id=\"findings\">");
    cr_assert(answer && figures && findings && answer < figures && figures < findings,
              "the answer first, then the figures, then the details");
    cr_expect(strstr(answer, "<figure") > figures, "no figure above the figures section");
    size_t n = 0, states[5] = {0};
    static const char *const names[] = {"never", "bracketed", "tested", "all_pass", "none_pass"};
    for (const char *s = answer; (s = strstr(s, "<td class=\"ans ")) && s < figures; s++, n++) {
        char state[64], cause[64], sql[2400], kind[32], buf[64];
        attr_text(s, "data-state", state, sizeof state);
        attr_text(s, "data-cause", cause, sizeof cause);
        double point = attr(s, "data-point-id"), exp = attr(s, "data-experiment-id");
        /* The cell: the points of the experiment with the named point's
         * scenario, link rate and kilobyte lifetime (the only axes but the
         * file size the fixtures vary); its runs. */
        char cell[800];
        snprintf(cell, sizeof cell,
                 "WITH cell AS (SELECT q.point_id, q.file_size FROM points q JOIN points o ON o.point_id = %.0f "
                 "WHERE q.experiment_id = o.experiment_id AND q.scenario = o.scenario AND q.link_rate = o.link_rate "
                 "AND q.ipsec_qm_lifetime_kb = o.ipsec_qm_lifetime_kb), cr AS (SELECT r.* FROM runs r JOIN cell c "
                 "ON c.point_id = r.point_id) ",
                 point);
        snprintf(sql, sizeof sql, "SELECT experiment_id FROM points WHERE point_id = %.0f", point);
        cr_expect_eq(tp_q(db, sql), exp);
        snprintf(sql, sizeof sql, "%sSELECT count(*) FROM cr", cell);
        double runs = tp_q(db, sql);
        cr_expect_eq(attr(s, "data-runs"), runs, "runs of the cell of point %.0f", point);
        snprintf(sql, sizeof sql, "%sSELECT count(setup_s) FROM cr", cell);
        double established = tp_q(db, sql);
        cr_expect_eq(attr(s, "data-established"), established);
        snprintf(sql, sizeof sql, "SELECT kind FROM experiments WHERE experiment_id = %.0f", exp);
        q_text(db, sql, kind, sizeof kind);
        int st = -1;
        for (int k = 0; k < 5; k++)
            if (!strcmp(state, names[k])) st = k;
        cr_assert_geq(st, 0, "unknown state %s", state);
        states[st]++;
        cr_expect_eq(st == 0, established == 0, "never establishes exactly when no run set up (point %.0f)", point);
        if (st > 0 && !strcmp(kind, "search")) {
            char head[1000];
            snprintf(head, sizeof head, "%sSELECT %%s FROM thresholds t JOIN cell c ON c.point_id = t.point_id", cell);
            char status[32];
            snprintf(sql, sizeof sql, head, "t.status");
            q_text(db, sql, status, sizeof status);
            cr_expect_str_eq(status, state, "point %.0f: the thresholds row's status", point);
            snprintf(sql, sizeof sql, head, "t.lo");
            double lo = tp_q(db, sql);
            snprintf(sql, sizeof sql, head, "t.hi");
            double hi = tp_q(db, sql);
            snprintf(sql, sizeof sql, head, "t.critical");
            double critical = tp_q(db, sql);
            if (st == 1) {
                cr_expect(same(attr(s, "data-critical"), critical) && same(attr(s, "data-lo"), lo) &&
                              same(attr(s, "data-hi"), hi) && same(attr(s, "data-safe"), lo),
                          "point %.0f: the bracket", point);
            } else if (st == 3) {
                cr_expect(same(attr(s, "data-safe"), hi), "point %.0f: every size up to the searched end", point);
            } else {
                cr_expect(same(attr(s, "data-lo"), lo) && isnan(attr_or_nan(s, "data-safe")));
            }
        } else if (st > 0) {
            /* The grid: the smallest tested size below 0.95, and the
             * largest tested size under it. */
            char ps[1200];
            snprintf(ps, sizeof ps,
                     "%s, ps AS (SELECT c.file_size AS f, s.p_complete AS p FROM cell c JOIN point_summary s ON "
                     "s.point_id = c.point_id WHERE s.n_runs > 0) ",
                     cell);
            snprintf(sql, sizeof sql, "%sSELECT min(f) FROM ps WHERE p < 0.95", ps);
            double fail = tp_q(db, sql);
            snprintf(sql, sizeof sql, "%sSELECT max(f) FROM ps WHERE %s", ps,
                     isnan(fail) ? "1" : "f < (SELECT min(f) FROM ps WHERE p < 0.95)");
            double safe = tp_q(db, sql);
            snprintf(sql, sizeof sql, "%sSELECT min(f) FROM ps", ps);
            double smallest = tp_q(db, sql);
            if (isnan(fail))
                cr_expect(st == 3 && same(attr(s, "data-safe"), safe), "point %.0f: all pass", point);
            else if (isnan(safe))
                cr_expect(st == 4 && same(attr(s, "data-lo"), smallest), "point %.0f: none passes", point);
            else
                cr_expect(st == 2 && same(attr(s, "data-safe"), safe) && same(attr(s, "data-hi"), fail),
                          "point %.0f: %s, safe %.17g, first failing %.17g", point, state, safe, fail);
        }
        /* The median first interruption over the cell's runs that had one. */
        snprintf(sql, sizeof sql,
                 "%s, v AS (SELECT first_interruption_s AS x FROM cr WHERE x IS NOT NULL) "
                 "SELECT avg(x) FROM (SELECT x FROM v ORDER BY x LIMIT 2 - (SELECT count(*) FROM v) %% 2 "
                 "OFFSET ((SELECT count(*) FROM v) - 1) / 2)",
                 cell);
        double fi = tp_q(db, sql);
        snprintf(sql, sizeof sql, "%sSELECT count(first_interruption_s) FROM cr", cell);
        cr_expect_eq(attr(s, "data-fi-runs"), tp_q(db, sql));
        cr_expect(isnan(fi) ? isnan(attr_or_nan(s, "data-fi-s")) : same(attr(s, "data-fi-s"), fi),
                  "point %.0f: median first interruption %.17g", point, fi);
        /* The most common first cause: no cause has more episodes. */
        snprintf(sql, sizeof sql,
                 "%sSELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM interruptions i JOIN cr ON "
                 "cr.run_id = i.run_id WHERE i.episode = 1 GROUP BY i.cause)",
                 cell);
        double top = tp_q(db, sql);
        if (top == 0) {
            cr_expect(!cause[0]);
        } else {
            snprintf(sql, sizeof sql,
                     "%sSELECT count(*) FROM interruptions i JOIN cr ON cr.run_id = i.run_id WHERE i.episode = 1 "
                     "AND i.cause = '%s'",
                     cell, cause);
            cr_expect(tp_q(db, sql) == top && attr(s, "data-cause-runs") == top, "point %.0f: cause %s", point, cause);
        }
        (void)buf;
    }
    cr_expect_eq(n,
                 (size_t)tp_q(db, "SELECT count(*) FROM (SELECT DISTINCT p.experiment_id, p.scenario, p.link_rate, "
                                  "p.ipsec_qm_lifetime_kb FROM points p JOIN runs r ON r.point_id = p.point_id)"),
                 "one cell per experiment, row and link rate");
    for (int k = 0; k < 5; k++) cr_expect_gt(states[k], 0, "the fixtures exercise %s cells", names[k]);
    /* What-if: the best change is the fastest completing one whose cost is
     * not marked RISK; the exemption, faster, is named as ranked after. */
    char best[64], fastest[64], want[200];
    q_text(db,
           "SELECT candidate FROM whatif WHERE whatif_id = 1 AND row > 0 AND completed = 1 AND "
           "cost_risk NOT LIKE 'RISK%' ORDER BY duration_s, row LIMIT 1",
           best, sizeof best);
    q_text(db, "SELECT candidate FROM whatif WHERE whatif_id = 1 AND completed = 1 ORDER BY duration_s, row LIMIT 1",
           fastest, sizeof fastest);
    cr_expect(best[0] && strcmp(best, "exempt") && !strcmp(fastest, "exempt"), "best %s, fastest %s", best, fastest);
    snprintf(want, sizeof want, "<span class=\"wi1\" data-whatif-id=\"1\">%s (+", best);
    cr_expect(strstr(answer, want) != NULL && strstr(answer, want) < figures, "the table's what-if cell: %s", want);
    snprintf(want, sizeof want, "data-kind=\"best_whatif\" data-whatif-id=\"1\" data-candidate=\"%s\"", best);
    const char *li = strstr(answer, want);
    cr_expect(li && li < figures, "the what-if finding under the table: %s", want);
    cr_expect(li && strstr(li, "The fastest change, exempt, is ranked after it: RISK:") != NULL);
    free(html);
}
