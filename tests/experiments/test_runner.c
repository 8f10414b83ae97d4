/*
 * The sweep as a whole (experiments/runner.c with plan.c, ledger.c and the
 * pool) on a real SQLite database in a temporary directory and real runs:
 * a sweep stopped through the stop flag and then resumed ends with exactly
 * the rows of an uninterrupted sweep, and a finished sweep has nothing to do.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "experiments/runner.h"

/* A grid, a target and a search experiment; Windows' smallest kilobyte
 * lifetime (20,480 KB), so the failures come at about 18 MB and the files
 * are sized to match; a second or two of runs in all. */
static const char spec_text[] =
    "[experiment sizes]\nscenario = no-ipsec, kb977526\nlink.rate = 10Mbps, 100Mbps\n"
    "file.size = 4MiB..128MiB log 4\nipsec.qm_lifetime_kb = 20480\nreplications = 3\n"
    "[experiment precise]\nscenario = kb977526\nfile.size = 16MiB, 64MiB\nipsec.qm_lifetime_kb = 20480\n"
    "target = p_complete +-0.2\nreplications = 4\nmax_replications = 12\n"
    "[experiment critical]\nscenario = kb977526\nlink.rate = 10Mbps, 100Mbps\nipsec.qm_lifetime_kb = 20480\n"
    "file.size = 4MiB..512MiB\nsearch = file.size for p_complete = 0.5\nprecision = 0.2\nreplications = 4\n";

static char dir[256], spec_path[300];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rekeysim-test-runner-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(spec_path, sizeof spec_path, "%s/spec.ini", dir);
    FILE *f = fopen(spec_path, "w");
    cr_assert_not_null(f);
    fputs(spec_text, f);
    fclose(f);
}

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

typedef struct stopper {
    volatile sig_atomic_t *flag;
    int level; /* what to set at the first progress report */
    int calls;
} stopper;

static void stop_at_first_report(void *ctx, const exp_sweep_report *r, int final)
{
    stopper *st = ctx;
    (void)r;
    if (!final && st->calls++ == 0) *st->flag = st->level;
}

/* One invocation on DB; STOP_LEVEL 0 runs to the end. */
static int sweep(const char *db, int stop_level, exp_sweep_report *r)
{
    static volatile sig_atomic_t flag;
    flag = 0;
    stopper st = {&flag, stop_level, 0};
    exp_sweep_options o;
    memset(&o, 0, sizeof o);
    o.spec_path = spec_path;
    o.db_path = db;
    o.jobs = 2;
    o.shard_k = o.shard_n = 1;
    o.command_line = "rekeysim sweep spec.ini";
    o.stop = &flag;
    if (stop_level) {
        o.progress = stop_at_first_report;
        o.progress_ctx = &st;
    }
    char err[2048] = "";
    return exp_sweep_run(&o, r, err, sizeof err);
}

static int append_row(void *ctx, int n, char **vals, char **names)
{
    char **out = ctx;
    for (int i = 0; i < n; i++) {
        size_t used = strlen(*out), add = strlen(vals[i] ? vals[i] : "NULL") + 2;
        *out = realloc(*out, used + add + 1);
        cr_assert_not_null(*out);
        snprintf(*out + used, add + 1, "%s%c", vals[i] ? vals[i] : "NULL", i + 1 < n ? '|' : '\n');
    }
    (void)names;
    return 0;
}

/* Every row a user reads, without the wall-clock columns, as text. Caller frees. */
static char *dump(const char *db)
{
    static const char *const queries[] = {
        "SELECT run_id, point_id, replication, seed, completed, failure, bytes_done, setup_s, duration_s,"
        " n_interruptions, first_interruption_s, first_interruption_bytes, n_negotiations,"
        " n_negotiation_failures, n_fallbacks, n_rekeys, n_retransmits, events, peak_pending"
        " FROM runs ORDER BY run_id",
        "SELECT * FROM points ORDER BY point_id",
        "SELECT * FROM thresholds ORDER BY experiment_id, search_combo",
        "SELECT * FROM interruptions ORDER BY run_id, episode",
        "SELECT experiment_id, name, kind, status, first_point_id FROM experiments ORDER BY experiment_id",
    };
    sqlite3 *h;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char *out = calloc(1, 1);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        char *err = NULL;
        cr_assert_eq(sqlite3_exec(h, queries[q], append_row, &out, &err), SQLITE_OK, "%s", err ? err : "");
        out = realloc(out, strlen(out) + 4); /* "--\n" and its NUL */
        strcat(out, "--\n");
    }
    sqlite3_close(h);
    return out;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void interrupted_then_resumed(int level)
{
    char full_db[400], db[400];
    snprintf(full_db, sizeof full_db, "%s/full.db", dir);
    snprintf(db, sizeof db, "%s/stopped-%d.db", dir, level);
    exp_sweep_report full, first, second;
    cr_assert_eq(sweep(full_db, 0, &full), 0);
    cr_assert_gt(full.n_done, 50, "the spec makes a real sweep");

    int rc = sweep(db, level, &first);
    cr_assert_eq(rc, EXP_SWEEP_EINTERRUPTED, "stop flag %d: rc %d", level, rc);
    cr_expect_lt(first.n_done, full.n_done, "stop flag %d: the sweep stopped early", level);
    if (level == 1) cr_expect_gt(first.n_done, 0, "the runs in hand are finished and kept");

    rc = sweep(db, 0, &second);
    cr_assert_eq(rc, 0);
    cr_expect_eq(second.n_present, first.n_done, "the resumed sweep finds what the first one stored");
    cr_expect_eq(first.n_done + second.n_done, full.n_done, "no run is made twice, none is missing");

    char *want = dump(full_db), *got = dump(db);
    cr_expect_gt(count_lines(want), full.n_done);
    cr_expect_str_eq(got, want, "stop flag %d: rows differ from an uninterrupted sweep", level);
    free(want);
    free(got);
}

TestSuite(exp_runner, .init = setup, .fini = teardown, .timeout = 120);

Test(exp_runner, a_sweep_stopped_and_resumed_writes_the_rows_of_an_uninterrupted_one) { interrupted_then_resumed(1); }

Test(exp_runner, a_sweep_that_drops_its_runs_in_hand_and_resumes_writes_the_same_rows) { interrupted_then_resumed(2); }

Test(exp_runner, a_finished_sweep_has_nothing_to_do_and_writes_nothing)
{
    char db[400];
    snprintf(db, sizeof db, "%s/done.db", dir);
    exp_sweep_report a, b;
    cr_assert_eq(sweep(db, 0, &a), 0);
    char *before = dump(db);
    cr_assert_eq(sweep(db, 0, &b), 0);
    cr_expect(b.nothing_to_do);
    cr_expect_eq(b.n_done, 0);
    cr_expect_eq(b.n_present, a.n_done);
    char *after = dump(db);
    cr_expect_str_eq(after, before);
    free(before);
    free(after);
}
