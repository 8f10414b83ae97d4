/*
 * Helpers shared by the plotting and report suites (test_plot.c,
 * test_plot_run.c, test_report.c; each declares what it uses): scratch
 * directories, running the real binary ($REKEYSIM, exported by
 * tests/local.mk) without a shell, the fixture database of a real short
 * sweep (tests/results/fixture.ini) and of a fleet sweep
 * (tests/results/fixture_fleet.ini), a synthetic database written through
 * the store API with hand-chosen values (every statistic known in
 * advance, and hostile text from the database), a real search sweep that
 * ends in every search status the runner writes, PNG header checks and
 * single-value SQL queries. Also whether gnuplot is here (tp_need_gnuplot
 * skips a test that renders when it is not) and the suites' main, which
 * turns a run without gnuplot into exit 77, SKIP for automake.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "models/core/params.h"
#include "results/store.h"
#include "results/plot.h" /* the search status names */

/* Why gnuplot cannot be used here, or NULL when it can: configure found
 * none (or was told ac_cv_path_GNUPLOT=no; $REKEYSIM_GNUPLOT, exported by
 * tests/local.mk, is "no"), or no gnuplot is on PATH, where the program
 * looks for it (results/plot_gnuplot.c). */
static const char *no_gnuplot_reason(void)
{
    const char *conf = getenv("REKEYSIM_GNUPLOT");
    if (conf && (!*conf || !strcmp(conf, "no"))) return "configure found no gnuplot (apt-get install gnuplot-nox)";
    const char *p = getenv("PATH");
    while (p && *p) {
        size_t len = strcspn(p, ":");
        char buf[4200];
        if (len > 0 && snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, p) < (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return NULL;
        p += len + (p[len] == ':');
    }
    return "gnuplot is not on PATH (apt-get install gnuplot-nox)";
}

void tp_need_gnuplot(void)
{
    const char *why = no_gnuplot_reason();
    if (why) cr_skip_test("needs gnuplot: %s", why);
}

/* Criterion's own main, except that a run in which every test passed or
 * was skipped for want of gnuplot exits 77: automake then shows SKIP with
 * the reason in the log, not a PASS that rendered nothing. A failure still
 * fails. */
int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;
    if (criterion_handle_args(argc, argv, true)) result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    const char *why = no_gnuplot_reason();
    if (result == 0 && why) {
        printf("SKIP: the tests that render figures were skipped: %s\n", why);
        return 77;
    }
    return result;
}

char *tp_dir_new(void)
{
    char *d = strdup("/tmp/test_plot.XXXXXX");
    cr_assert_not_null(d);
    cr_assert_not_null(mkdtemp(d));
    return d;
}

/* Runs ARGV with the working directory DIR, standard output and error into
 * the files OUT and ERR (may be NULL: /dev/null) and, when PATH_ENV is not
 * NULL, PATH set to it. Returns the exit status, or -1. */
int tp_run(char *const argv[], const char *dir, const char *out, const char *err, const char *path_env)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int n = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || n < 0 || (dir && chdir(dir) != 0)) _exit(126);
        dup2(n, 0), dup2(o, 1), dup2(e, 2);
        if (path_env) setenv("PATH", path_env, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void tp_dir_free(char *dir)
{
    if (!dir) return;
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    tp_run(argv, NULL, NULL, NULL, NULL);
    free(dir);
}

const char *tp_rekeysim(void)
{
    const char *rk = getenv("REKEYSIM");
    if (!rk || !*rk) cr_skip_test("REKEYSIM is not set (run through make check)");
    return rk;
}

/* Builds DB from tests/results/fixture.ini with a real sweep (2 jobs). */
void tp_sweep_fixture(const char *dir, const char *db)
{
    const char *src = getenv("TOP_SRCDIR");
    char spec[4096];
    snprintf(spec, sizeof spec, "%s/tests/results/fixture.ini", src && *src ? src : ".");
    char *argv[] = {(char *)tp_rekeysim(), "sweep", spec, "--db", (char *)db, "--jobs", "2", "--quiet", NULL};
    char err[4200];
    snprintf(err, sizeof err, "%s/sweep.err", dir);
    cr_assert_eq(tp_run(argv, dir, NULL, err, NULL), 0, "the fixture sweep failed (see %s)", err);
}

/* Builds DB from tests/results/fixture_fleet.ini with a real sweep (2 jobs):
 * fleets of 2 and 4 clients, 4, 16 and 32 MiB, half the copies of 32 MiB
 * failing. */
void tp_sweep_fleet(const char *dir, const char *db)
{
    const char *src = getenv("TOP_SRCDIR");
    char spec[4096];
    snprintf(spec, sizeof spec, "%s/tests/results/fixture_fleet.ini", src && *src ? src : ".");
    char *argv[] = {(char *)tp_rekeysim(), "sweep", spec, "--db", (char *)db, "--jobs", "2", "--quiet", NULL};
    char err[4200];
    snprintf(err, sizeof err, "%s/sweep.err", dir);
    cr_assert_eq(tp_run(argv, dir, NULL, err, NULL), 0, "the fleet fixture sweep failed (see %s)", err);
}

/* Builds DB with a real sweep of a threshold search whose four combinations
 * end, between them, in every status the runner writes, over copies of 20
 * to 64 MiB with Windows' shortest lifetimes (300 s, 20,480 KB): with
 * 20,480 KB the rekey at about 18-20 MB fails every copy at either rate;
 * with 100,000 KB every copy completes at 100 Mbps, and at 1 Mbps the 300 s
 * lifetime (some 33 MB) makes the copies cross. The statuses come from the
 * runner, not from this file, so a test can hold them against the names the
 * figures and the report read. */
void tp_sweep_statuses(const char *dir, const char *db)
{
    char spec[4200], err[4200];
    snprintf(spec, sizeof spec, "%s/statuses.ini", dir);
    FILE *f = fopen(spec, "w");
    cr_assert_not_null(f);
    fputs("[experiment statuses]\nscenario = kb977526\nlink.rate = 1Mbps, 100Mbps\nipsec.qm_lifetime = 300s\n"
          "ipsec.qm_lifetime_kb = 20480, 100000\nfile.size = 20MiB..64MiB\n"
          "search = file.size for p_complete = 0.5\nprecision = 0.2\nreplications = 2\n",
          f);
    cr_assert_eq(fclose(f), 0);
    char *argv[] = {(char *)tp_rekeysim(), "sweep", spec, "--db", (char *)db, "--jobs", "2", "--quiet", NULL};
    snprintf(err, sizeof err, "%s/sweep.err", dir);
    cr_assert_eq(tp_run(argv, dir, NULL, err, NULL), 0, "the statuses sweep failed (see %s)", err);
}

char *tp_slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    if (!buf) return NULL;
    buf[len] = 0;
    if (len_out) *len_out = len;
    return buf;
}

/* 0 and the IHDR size if PATH is a PNG (signature, then an IHDR chunk). */
int tp_png_size(const char *path, uint32_t *w, uint32_t *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n != sizeof b || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0) return -1;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    return 0;
}

/* The single value of SQL on DB (NAN for NULL). */
double tp_q(const char *db, const char *sql)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* ---- the synthetic database ---- */

static void set(prm_config *cfg, const char *key, const char *value)
{
    char err[300];
    cr_assert_eq(prm_set(cfg, key, value, err, sizeof err), 0, "%s", err);
}

static int64_t experiment(res_store *s, const char *name, const char *kind, int64_t first, int64_t n)
{
    res_experiment e;
    memset(&e, 0, sizeof e);
    e.name = (char *)name;
    e.spec_text = "[experiment synthetic]\n; written by tests/results/test_plot_fixture.c </pre><script>x</script>\n";
    e.spec_hash = (char *)name;
    e.kind = (char *)kind;
    e.master_seed = 1;
    e.replications = 5;
    e.max_replications = 5;
    e.target_halfwidth = e.search_precision = NAN;
    e.search_value = NAN;
    if (!strcmp(kind, "search")) {
        e.search_param = "file.size";
        e.search_outcome = "p_complete";
        e.search_value = 0.5;
        e.search_precision = 0.05;
    }
    e.first_point_id = first;
    e.n_point_ids = n;
    cr_assert_eq(res_experiment_insert(s, &e), 0, "%s", res_store_errmsg(s));
    return e.id;
}

static void run(res_store *s, int64_t point, uint32_t rep, int completed, double duration, double first_bytes,
                double first_s)
{
    out_result r;
    memset(&r, 0, sizeof r);
    r.completed = completed;
    r.failure = completed ? OUT_FAIL_NONE : OUT_FAIL_TCP_ABORT;
    r.bytes_done = 1000;
    r.setup_s = 0.001;
    r.duration_s = duration;
    out_interruption in = {first_s, completed ? first_s + 1 : NAN, (uint64_t)first_bytes,
                           rep % 2 ? OUT_CAUSE_REKEY : OUT_CAUSE_EXPIRY, 1};
    r.n_interruptions = isnan(first_bytes) ? 0 : 1;
    r.first_interruption_s = r.n_interruptions ? first_s : NAN;
    r.first_interruption_bytes = r.n_interruptions ? first_bytes : NAN;
    r.interruptions = r.n_interruptions ? &in : NULL;
    r.events = 10;
    r.events_per_s = 1e6;
    r.peak_pending = 3;
    r.wall_s = 1e-5;
    cr_assert_eq(res_run_insert(s, point, rep, rep, &r), 0, "%s", res_store_errmsg(s));
}

/* Experiment GRID_NAME: scenario {no-ipsec, kb977526} x file.size {1, 4, 16
 * MiB} at 100 Mbps, 5 replications (points 1-6 in that order, file size
 * fastest). no-ipsec and kb977526 at 1 MiB always complete; kb977526 at
 * 4 MiB completes in replications 1-3, at 16 MiB never; every kb977526 run
 * of 4 and 16 MiB has one interruption after 3,000,000 + 1000 r bytes and
 * 0.3 + 0.01 r seconds. Experiment "search": threshold search of file.size
 * for p_complete = 0.5 over link.rate {10, 100 Mbps} x
 * ipsec.qm_lifetime_kb {1000, 2000}: combination 1 bracketed at 5 MB
 * (4.8 to 5.2 MB), 2 at 10 MB (9.5 to 10.5 MB), 3 all_pass over 1 to 64 MiB,
 * 4 none_pass. */
void tp_synthetic_db(const char *db, const char *grid_name)
{
    res_store *s = NULL;
    char err[600];
    cr_assert_eq(res_store_new(db, RES_OPEN_CREATE, "test_plot_fixture", err, sizeof err, &s), 0, "%s", err);
    cr_assert_eq(res_store_begin(s), 0);
    int64_t grid = experiment(s, grid_name, "grid", 1, 6);
    static const char *const scen[] = {"no-ipsec", "kb977526"}, *const sizes[] = {"1MiB", "4MiB", "16MiB"};
    for (int sc = 0; sc < 2; sc++)
        for (int z = 0; z < 3; z++) {
            prm_config cfg;
            prm_defaults(&cfg);
            set(&cfg, "scenario", scen[sc]);
            set(&cfg, "file.size", sizes[z]);
            set(&cfg, "link.rate", "100Mbps");
            int64_t point = 1 + sc * 3 + z;
            cr_assert_eq(res_point_insert(s, point, grid, point, 0, 0, &cfg), 0, "%s", res_store_errmsg(s));
            double mib = (double)(1 << (2 * z));
            for (uint32_t r = 1; r <= 5; r++) {
                int ok = sc == 0 || z == 0 || (z == 1 && r <= 3);
                double intr = sc == 1 && z > 0 ? 3000000.0 + 1000.0 * r : NAN;
                run(s, point, r, ok, 0.1 * mib + 0.01 * r + (sc ? 0.5 : 0), intr, 0.3 + 0.01 * r);
            }
        }
    int64_t search = experiment(s, "search", "search", 7, 4);
    static const char *const rates[] = {"10Mbps", "100Mbps"}, *const kbs[] = {"1000", "2000"};
    /* The names the figures read (tp_sweep_statuses holds them against the runner's). */
    const char *const status[] = {
        plot_search_status_name(PLOT_SEARCH_BRACKETED), plot_search_status_name(PLOT_SEARCH_BRACKETED),
        plot_search_status_name(PLOT_SEARCH_ALL_PASS), plot_search_status_name(PLOT_SEARCH_NONE_PASS)};
    static const double crit[] = {5e6, 1e7, NAN, NAN}, lo[] = {4.8e6, 9.5e6, 1048576, 1048576},
                        hi[] = {5.2e6, 10.5e6, 67108864, 67108864};
    for (int c = 0; c < 4; c++) {
        prm_config cfg;
        prm_defaults(&cfg);
        set(&cfg, "scenario", "kb977526");
        set(&cfg, "link.rate", rates[c / 2]);
        set(&cfg, "ipsec.qm_lifetime_kb", kbs[c % 2]);
        set(&cfg, "file.size", "1MiB");
        int64_t point = 7 + c;
        cr_assert_eq(res_point_insert(s, point, search, 1, c + 1, 1, &cfg), 0, "%s", res_store_errmsg(s));
        run(s, point, 1, 1, 1.0, NAN, NAN);
        res_threshold t = {search,  c + 1, point, "file.size", "p_complete", status[c], 0.5,
                           crit[c], lo[c], hi[c], 5,           50,           c == 1};
        cr_assert_eq(res_threshold_put(s, &t), 0, "%s", res_store_errmsg(s));
    }
    cr_assert_eq(res_store_commit(s), 0);
    res_store_free(s);
}
