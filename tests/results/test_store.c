/*
 * The results store on real SQLite files in a scratch directory: the schema
 * (one points column per registry parameter, with the registry's types;
 * meta; t quantiles from GSL), refusal of files that are not ours or are
 * newer, point and run round trips, point_summary against values worked out
 * by hand (Wilson, Student t, medians), merging, locking, read-only use (a
 * read-only file checked as an ordinary user, also when run as root), the
 * test-only kill-after-commit hook, and the database cases of issue 11
 * (tests/e2e/BAD_INPUT.md, "Databases (issue 11)").
 */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>
#include <grp.h>
#include "models/core/params.h"
#include "results/store.h"
#include "sim/stats.h"

#define STORE_TEST_DIR "/tmp/test_store.XXXXXX"
#include "store_helpers.h"

TestSuite(store, .init = make_dir, .fini = remove_dir);

static out_result result(int completed, double duration, uint64_t n_intr, double first_bytes)
{
    out_result r;
    memset(&r, 0, sizeof r);
    r.completed = completed;
    r.failure = completed ? OUT_FAIL_NONE : OUT_FAIL_TCP_ABORT;
    r.bytes_done = 1000;
    r.setup_s = 0.001;
    r.duration_s = duration;
    r.n_interruptions = n_intr;
    r.first_interruption_s = n_intr ? 0.5 : NAN;
    r.first_interruption_bytes = n_intr ? first_bytes : NAN;
    r.events = 10;
    r.events_per_s = 1e6;
    r.peak_pending = 3;
    r.wall_s = 1e-5;
    return r;
}

/* Adds an experiment "NAME" (hash HASH) with NPOINTS default points from FIRST. */
static int64_t add_experiment(res_store *s, const char *name, const char *hash, int64_t first, int npoints)
{
    res_experiment e;
    memset(&e, 0, sizeof e);
    e.name = (char *)name;
    e.spec_text = "[experiment x]\n";
    e.spec_hash = (char *)hash;
    e.kind = "grid";
    e.master_seed = 1;
    e.replications = 4;
    e.max_replications = 4;
    e.target_halfwidth = e.search_value = e.search_precision = NAN;
    e.first_point_id = first;
    e.n_point_ids = npoints;
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_experiment_insert(s, &e), 0, "%s", res_store_errmsg(s));
    prm_config cfg;
    prm_defaults(&cfg);
    for (int i = 0; i < npoints; i++) {
        cfg.file_size_bytes = 1000000 + (uint64_t)i;
        cr_assert_eq(res_point_insert(s, first + i, e.id, i + 1, 0, 0, &cfg), 0, "%s", res_store_errmsg(s));
    }
    cr_assert_eq(res_store_commit(s), 0);
    return e.id;
}

Test(store, a_new_database_has_every_table_the_registry_columns_and_meta)
{
    res_store *s = open_ok(path("new.db"), RES_OPEN_CREATE);
    res_store_free(s);
    sqlite3 *db = raw(path("new.db"));
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        char col[128], sql[300];
        prm_column(p, col, sizeof col);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('points') WHERE name = '%s' AND type = '%s'",
                 col, prm_sql_type(p));
        cr_expect_eq(q_double(db, sql), 1, "points has no %s column %s", prm_sql_type(p), col);
    }
    cr_expect_eq(q_double(db, "SELECT count(*) FROM pragma_table_info('points')"), prm_count() + 6);
    static const char *const tables[] = {"meta",          "experiments", "points",     "runs",
                                         "interruptions", "thresholds",  "t_quantile", "history"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", tables[i]);
        cr_expect_eq(q_double(db, sql), 1, "no table %s", tables[i]);
    }
    static const char *const keys[] = {"schema_version", "rekeysim_version", "git_commit",     "git_dirty",
                                       "rng_scheme",     "gsl_version",      "sqlite_version", "command_line"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM meta WHERE key = '%s' AND value != ''", keys[i]);
        cr_expect_eq(q_double(db, sql), 1, "meta lacks %s", keys[i]);
    }
    cr_expect_eq(q_double(db, "PRAGMA user_version"), RES_SCHEMA_VERSION);
    cr_expect_eq(q_double(db, "PRAGMA application_id"), RES_APPLICATION_ID);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM t_quantile"), 1000);
    cr_expect(fabs(q_double(db, "SELECT q975 FROM t_quantile WHERE df = 2") - 4.302652729911275) < 1e-9,
              "t(0.975, 2) from GSL (accurate to about 1e-10)");
    cr_expect(fabs(q_double(db, "SELECT q975 FROM t_quantile WHERE df = 30") - sim_t_quantile(0.95, 30)) < 1e-12);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    sqlite3_step(st);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Expects opening P to fail with RC and leave the file's bytes unchanged. */
static void expect_refused(const char *p, int want)
{
    struct stat before, after;
    cr_assert_eq(stat(p, &before), 0);
    res_store *s = NULL;
    char err[600] = "";
    int rc = res_store_new(p, RES_OPEN_CREATE, "test", err, sizeof err, &s);
    cr_expect_eq(rc, want, "open %s gave %d (%s), wanted %d", p, rc, err, want);
    cr_expect_null(s);
    cr_expect(strstr(err, p) != NULL, "message names the file: %s", err);
    cr_expect(res_error_is_input(rc), "refusals are input errors (exit 2)");
    cr_assert_eq(stat(p, &after), 0);
    cr_expect_eq(before.st_size, after.st_size, "the file was not written");
    cr_expect_eq(before.st_mtime, after.st_mtime);
}

Test(store, files_that_are_not_ours_or_are_newer_are_refused_untouched)
{
    FILE *f = fopen(path("text.db"), "w");
    fputs("this is not a database, just text long enough to have a header............................\n", f);
    fclose(f);
    expect_refused(path("text.db"), RES_ENOTOURS);

    sqlite3 *db = raw(path("other.db"));
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refused(path("other.db"), RES_ENOTOURS);

    res_store_free(open_ok(path("newer.db"), RES_OPEN_CREATE));
    db = raw(path("newer.db"));
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refused(path("newer.db"), RES_ENEWER);

    res_store_free(open_ok(path("cols.db"), RES_OPEN_CREATE));
    db = raw(path("cols.db"));
    sqlite3_exec(db, "ALTER TABLE points ADD COLUMN obsolete_key REAL", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refused(path("cols.db"), RES_EMISMATCH);

    res_store *s = NULL;
    char err[600];
    cr_expect_eq(res_store_new(path("missing.db"), 0, NULL, err, sizeof err, &s), RES_ENOENT);
    cr_expect_neq(access(path("missing.db"), F_OK), 0, "no file made without RES_OPEN_CREATE");
}

Test(store, a_point_reads_back_with_every_parameter_equal)
{
    res_store *s = open_ok(path("p.db"), RES_OPEN_CREATE);
    add_experiment(s, "e", "h", 1, 1);
    prm_config cfg, back;
    char err[256];
    prm_defaults(&cfg);
    cr_assert_eq(prm_set(&cfg, "scenario", "kb977526", err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set(&cfg, "link.delay", "12.5ms", err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set(&cfg, "link.loss", "0.0125", err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set(&cfg, "file.size", "3GiB", err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set(&cfg, "server.ipsec.ikeflags", "0x14", err, sizeof err), 0, "%s", err);
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_point_insert(s, 7, 1, 7, 0, 0, &cfg), 0, "%s", res_store_errmsg(s));
    cr_assert_eq(res_store_commit(s), 0);
    int exists = 0;
    cr_assert_eq(res_point_get(s, 7, &exists, &back), 0, "%s", res_store_errmsg(s));
    cr_assert(exists);
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        cr_expect_eq(prm_load(p, &back), prm_load(p, &cfg), "%s differs", p->name);
    }
    cr_assert_eq(res_point_get(s, 8, &exists, &back), 0);
    cr_expect_not(exists);
    res_store_free(s);
    sqlite3 *db = raw(path("p.db"));
    cr_expect_eq(q_double(db, "SELECT file_size FROM points WHERE point_id = 7"), 3221225472.0);
    cr_expect_eq(q_double(db, "SELECT link_delay FROM points WHERE point_id = 7"), 0.0125, "seconds");
    cr_expect_eq(q_double(db, "SELECT server_ipsec_ikeflags FROM points WHERE point_id = 7"), 20);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM points WHERE point_id = 7 AND scenario = 'kb977526'"), 1);
    sqlite3_close(db);
}

Test(store, runs_and_interruptions_keep_every_field_and_nulls)
{
    res_store *s = open_ok(path("r.db"), RES_OPEN_CREATE);
    add_experiment(s, "e", "h", 1, 1);
    out_result r = result(0, 12.5, 2, 4096);
    out_interruption in[2] = {{0.5, 3.0, 4096, OUT_CAUSE_REKEY, 0}, {10.0, NAN, 8192, OUT_CAUSE_PEER_NEGOTIATION, 1}};
    r.interruptions = in;
    out_result ok = result(1, 2.0, 0, 0);
    ok.setup_s = NAN;
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_run_insert(s, 1, 3, UINT64_C(0xfedcba9876543210), &r), 0, "%s", res_store_errmsg(s));
    cr_assert_eq(res_run_insert(s, 1, 4, 5, &ok), 0);
    cr_expect_neq(res_run_insert(s, 1, 4, 5, &ok), 0, "(point, replication) is unique");
    cr_assert_eq(res_store_commit(s), 0);
    int64_t point = 0;
    uint64_t seed = 0;
    cr_assert_eq(res_run_get(s, 1 * RES_RUN_ID_STRIDE + 3, &point, &seed), 0);
    cr_expect_eq(point, 1);
    cr_expect_eq(seed, UINT64_C(0xfedcba9876543210), "the full 64-bit seed comes back");
    cr_expect_eq(res_run_get(s, 99, &point, &seed), RES_ENOENT);
    res_store_free(s);
    sqlite3 *db = raw(path("r.db"));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM runs WHERE run_id = 100003 AND failure = 'tcp_abort' AND "
                              "completed = 0 AND n_interruptions = 2 AND first_interruption_bytes = 4096"),
                 1);
    cr_expect(isnan(q_double(db, "SELECT setup_s FROM runs WHERE run_id = 100004")), "NaN is NULL");
    cr_expect(isnan(q_double(db, "SELECT first_interruption_s FROM runs WHERE run_id = 100004")));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM interruptions WHERE run_id = 100003"), 2);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM interruptions WHERE episode = 1 AND cause = 'rekey' AND "
                              "end_s = 3.0 AND bytes_at_start = 4096"),
                 1);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM interruptions WHERE episode = 2 AND cause = 'peer_negotiation' "
                              "AND end_s IS NULL"),
                 1);
    sqlite3_close(db);
}

Test(store, point_summary_matches_hand_computed_statistics)
{
    res_store *s = open_ok(path("v.db"), RES_OPEN_CREATE);
    add_experiment(s, "e", "h", 1, 3);
    /* Point 1: completed 1 1 1 0, durations 1 2 3 (and 50, not completed);
     * first interruption bytes 5, 1, (none), 3: median 3. */
    out_result rs[4] = {result(1, 1, 1, 5), result(1, 2, 2, 1), result(1, 3, 0, 0), result(0, 50, 1, 3)};
    cr_assert_eq(res_store_begin(s), 0);
    for (uint32_t r = 0; r < 4; r++) cr_assert_eq(res_run_insert(s, 1, r + 1, r, &rs[r]), 0);
    /* Point 2: one run with first interruption bytes 10, 20, 30, 40 over four: median 25. */
    for (uint32_t r = 0; r < 4; r++) {
        out_result x = result(1, 7, 1, 10.0 * (r + 1));
        cr_assert_eq(res_run_insert(s, 2, r + 1, r, &x), 0);
    }
    /* Point 3: one completed run: no t interval. */
    out_result one = result(1, 4, 0, 0);
    cr_assert_eq(res_run_insert(s, 3, 1, 1, &one), 0);
    cr_assert_eq(res_store_commit(s), 0);
    res_store_free(s);

    sqlite3 *db = raw(path("v.db"));
    cr_expect_eq(q_double(db, "SELECT n_runs FROM point_summary WHERE point_id = 1"), 4);
    cr_expect_eq(q_double(db, "SELECT p_complete FROM point_summary WHERE point_id = 1"), 0.75);
    /* Wilson 95 % for 3 of 4: see wilson95 below for how these were obtained. */
    double vlo = q_double(db, "SELECT p_complete_lo FROM point_summary WHERE point_id = 1");
    double vhi = q_double(db, "SELECT p_complete_hi FROM point_summary WHERE point_id = 1");
    cr_expect(fabs(vlo - 0.3006418426) < 1e-4, "Wilson lo %.6f", vlo);
    cr_expect(fabs(vhi - 0.9544127392) < 1e-4, "Wilson hi %.6f", vhi);
    cr_expect_eq(q_double(db, "SELECT duration_mean_s FROM point_summary WHERE point_id = 1"), 2.0);
    double t = 4.302652729911275 / sqrt(3.0); /* t(0.975, 2) * s / sqrt(n), s = 1 */
    cr_expect(fabs(q_double(db, "SELECT duration_lo_s FROM point_summary WHERE point_id = 1") - (2 - t)) < 1e-9);
    cr_expect(fabs(q_double(db, "SELECT duration_hi_s FROM point_summary WHERE point_id = 1") - (2 + t)) < 1e-9);
    cr_expect_eq(q_double(db, "SELECT interruptions_mean FROM point_summary WHERE point_id = 1"), 1.0);
    cr_expect_eq(q_double(db, "SELECT first_interruption_bytes_median FROM point_summary WHERE point_id = 1"), 3.0);
    cr_expect_eq(q_double(db, "SELECT first_interruption_bytes_median FROM point_summary WHERE point_id = 2"), 25.0);
    cr_expect_eq(q_double(db, "SELECT duration_mean_s FROM point_summary WHERE point_id = 3"), 4.0);
    cr_expect(isnan(q_double(db, "SELECT duration_lo_s FROM point_summary WHERE point_id = 3")), "no interval of 1");
    cr_expect(isnan(q_double(db, "SELECT first_interruption_bytes_median FROM point_summary WHERE point_id = 3")));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM point_summary"), 3);
    sqlite3_close(db);
}

/* Wilson 95 % intervals, k completed of n. The decimals were computed once
 * with Python 3 by a different route from the implementation's closed form:
 * z = statistics.NormalDist().inv_cdf(0.975), then each bound found by
 * bisection as the root of (k/n - p)^2 = z^2 p (1 - p) / n on its side of k/n
 * (0 and 1 exactly at k = 0 and k = n); rounded to 10 places. */
static const struct {
    uint32_t k, n;
    double lo, hi;
} wilson95[] = {
    {0, 4, 0.0000000000, 0.4898908365},  {2, 4, 0.1500389892, 0.8499610108},   {4, 4, 0.5101091635, 1.0000000000},
    {7, 10, 0.3967781475, 0.8922087326}, {0, 100, 0.0000000000, 0.0369934982}, {3, 4, 0.3006418426, 0.9544127392},
};
#define N_WILSON (sizeof wilson95 / sizeof wilson95[0])

Test(store, point_summary_gives_the_wilson_interval_of_each_point)
{
    res_store *s = open_ok(path("w.db"), RES_OPEN_CREATE);
    add_experiment(s, "e", "h", 1, (int)N_WILSON);
    cr_assert_eq(res_store_begin(s), 0);
    for (uint32_t i = 0; i < N_WILSON; i++)
        for (uint32_t r = 1; r <= wilson95[i].n; r++) {
            out_result x = result(r <= wilson95[i].k, 1, 0, 0);
            cr_assert_eq(res_run_insert(s, 1 + i, r, r, &x), 0, "%s", res_store_errmsg(s));
        }
    cr_assert_eq(res_store_commit(s), 0);
    res_store_free(s);
    sqlite3 *db = raw(path("w.db"));
    for (uint32_t i = 0; i < N_WILSON; i++) {
        char sql[200];
        uint32_t k = wilson95[i].k, n = wilson95[i].n;
        snprintf(sql, sizeof sql, "SELECT n_runs FROM point_summary WHERE point_id = %u", 1 + i);
        cr_expect_eq(q_double(db, sql), n);
        snprintf(sql, sizeof sql, "SELECT p_complete FROM point_summary WHERE point_id = %u", 1 + i);
        cr_expect(fabs(q_double(db, sql) - (double)k / n) < 1e-12, "%u/%u", k, n);
        snprintf(sql, sizeof sql, "SELECT p_complete_lo FROM point_summary WHERE point_id = %u", 1 + i);
        double lo = q_double(db, sql);
        snprintf(sql, sizeof sql, "SELECT p_complete_hi FROM point_summary WHERE point_id = %u", 1 + i);
        double hi = q_double(db, sql);
        cr_expect(fabs(lo - wilson95[i].lo) < 1e-4, "%u/%u: lo %.6f, expected %.6f", k, n, lo, wilson95[i].lo);
        cr_expect(fabs(hi - wilson95[i].hi) < 1e-4, "%u/%u: hi %.6f, expected %.6f", k, n, hi, wilson95[i].hi);
    }
    sqlite3_close(db);
}

Test(store, beyond_the_quantile_table_the_view_uses_a_close_expansion)
{
    res_store *s = open_ok(path("big.db"), RES_OPEN_CREATE);
    add_experiment(s, "e", "h", 1, 1);
    cr_assert_eq(res_store_begin(s), 0);
    sim_stat st;
    sim_stat_init(&st);
    for (uint32_t r = 1; r <= 1502; r++) {
        double d = 1.0 + (r % 7) * 0.25;
        sim_stat_add(&st, d);
        out_result x = result(1, d, 0, 0);
        cr_assert_eq(res_run_insert(s, 1, r, r, &x), 0);
    }
    cr_assert_eq(res_store_commit(s), 0);
    res_store_free(s);
    double lo, hi;
    cr_assert_eq(sim_stat_t_interval(&st, 0.95, &lo, &hi), 0);
    sqlite3 *db = raw(path("big.db"));
    double vlo = q_double(db, "SELECT duration_lo_s FROM point_summary");
    double vhi = q_double(db, "SELECT duration_hi_s FROM point_summary");
    cr_expect(fabs((vhi - vlo) / (hi - lo) - 1) < 1e-6, "width %.12g against GSL's %.12g", vhi - vlo, hi - lo);
    sqlite3_close(db);
}

Test(store, merge_unites_shards_and_refuses_a_different_spec)
{
    res_store *a = open_ok(path("a.db"), RES_OPEN_CREATE), *b = open_ok(path("b.db"), RES_OPEN_CREATE);
    add_experiment(a, "e", "h1", 1, 2);
    add_experiment(b, "e", "h1", 1, 2);
    out_result x = result(1, 1, 0, 0);
    cr_assert_eq(res_store_begin(a), 0);
    res_run_insert(a, 1, 1, 1, &x);
    res_run_insert(a, 2, 1, 1, &x);
    cr_assert_eq(res_store_commit(a), 0);
    cr_assert_eq(res_store_begin(b), 0);
    res_run_insert(b, 1, 2, 2, &x);
    res_run_insert(b, 2, 1, 1, &x); /* present in both, identical */
    cr_assert_eq(res_store_commit(b), 0);
    res_store_free(b);
    int64_t added = -1;
    int differ = -1;
    cr_assert_eq(res_store_merge(a, path("b.db"), &added, &differ), 0, "%s", res_store_errmsg(a));
    cr_expect_eq(added, 1);
    cr_expect_eq(differ, 0);

    res_store *c = open_ok(path("c.db"), RES_OPEN_CREATE);
    add_experiment(c, "e", "other-hash", 1, 2);
    res_store_free(c);
    cr_expect_eq(res_store_merge(a, path("c.db"), &added, &differ), RES_EMISMATCH);
    cr_expect(strstr(res_store_errmsg(a), "different spec") != NULL, "%s", res_store_errmsg(a));

    res_store *d = open_ok(path("d.db"), RES_OPEN_CREATE);
    add_experiment(d, "e", "h1", 1, 2);
    out_result y = result(0, 1, 0, 0);
    cr_assert_eq(res_store_begin(d), 0);
    res_run_insert(d, 1, 1, 1, &y); /* the same run with another outcome */
    cr_assert_eq(res_store_commit(d), 0);
    res_store_free(d);
    cr_expect_eq(res_store_merge(a, path("d.db"), &added, &differ), RES_EMISMATCH);
    res_store_free(a);

    sqlite3 *db = raw(path("a.db"));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM runs"), 3, "refused merges added nothing");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM experiments"), 1);
    sqlite3_close(db);
}

Test(store, a_locked_database_is_a_runtime_error)
{
    res_store_free(open_ok(path("lock.db"), RES_OPEN_CREATE));
    sqlite3 *db = raw(path("lock.db"));
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    res_store *s = open_ok(path("lock.db"), RES_OPEN_CREATE);
    int rc = res_store_begin(s);
    cr_expect_eq(rc, RES_EBUSY, "begin while another writer holds the lock: %d", rc);
    cr_expect_not(res_error_is_input(rc));
    res_store_free(s);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
}

Test(store, a_read_only_store_refuses_writes)
{
    res_store_free(open_ok(path("ro.db"), RES_OPEN_CREATE));
    res_store *s = open_ok(path("ro.db"), RES_OPEN_READONLY);
    int rc = res_store_begin(s);
    if (rc == 0) rc = res_experiment_set_status(s, 1, "x");
    if (rc == 0) rc = res_history_begin(s, "x", &(int64_t){0});
    cr_expect_eq(rc, RES_EREADONLY, "%d: %s", rc, res_store_errmsg(s));
    res_store_free(s);
}

/* Opens P for writing in a child process that runs as an ordinary user, as
 * a user of the program would: root (CI runs as root) first drops to nobody
 * (uid and gid 65534), because file permissions do not bind root. Returns
 * the result code of res_store_new, or 100 + a step when the child could not
 * set itself up. */
static int open_as_a_user(const char *p)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0) {
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0) _exit(101);
            if (setuid(65534) != 0) _exit(102);
            if (geteuid() == 0) _exit(103);
        }
        res_store *s = NULL;
        char err[600] = "";
        int rc = res_store_new(p, RES_OPEN_CREATE, NULL, err, sizeof err, &s);
        if (rc) fprintf(stderr, "open as uid %d: %s\n", (int)geteuid(), err);
        res_store_free(s);
        _exit(-rc);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the child died");
    int code = WEXITSTATUS(status);
    cr_assert_lt(code, 100, "the child could not become an ordinary user (step %d)", code - 100);
    return -code;
}

Test(store, a_read_only_file_is_refused_for_writing)
{
    res_store_free(open_ok(path("ro.db"), RES_OPEN_CREATE));
    /* Everyone may enter and write the directory (SQLite needs the -shm and
     * -wal files next to a WAL database even to read it); only the database
     * file itself is read-only. */
    cr_assert_eq(chmod(dir, 0777), 0);
    cr_expect_eq(open_as_a_user(path("w.db")), 0, "the user creates a new database in the directory");
    cr_assert_eq(chmod(path("ro.db"), 0444), 0);
    cr_expect_eq(open_as_a_user(path("ro.db")), RES_EREADONLY, "a 0444 file is read-only");
    /* The refusal came from the mode: the same file, left intact, opens for
     * the same user once everyone may write it. */
    cr_assert_eq(chmod(path("ro.db"), 0666), 0);
    cr_expect_eq(open_as_a_user(path("ro.db")), 0, "a 0666 file opens for writing");
}

Test(store, the_kill_hook_kills_right_after_the_nth_commit)
{
    res_store_free(open_ok(path("k.db"), RES_OPEN_CREATE));
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("REKEYSIM_TEST_KILL_AFTER_COMMIT", "2", 1);
        res_store *s = NULL;
        char err[600];
        if (res_store_new(path("k.db"), 0, NULL, err, sizeof err, &s) != 0) _exit(3);
        for (int i = 1; i <= 3; i++) {
            int64_t id;
            res_store_begin(s);
            res_history_begin(s, i == 1 ? "one" : i == 2 ? "two" : "three", &id);
            res_store_commit(s);
        }
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the writer killed itself");
    sqlite3 *db = raw(path("k.db"));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM history WHERE command_line IN ('one', 'two')"), 2,
                 "the second commit is durable");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM history WHERE command_line = 'three'"), 0);
    sqlite3_close(db);
}

/* The names in the scratch directory, sorted, space-separated. */
static void dir_listing(char *buf, size_t n)
{
    struct dirent **names;
    int k = scandir(dir, &names, NULL, alphasort);
    cr_assert_geq(k, 0);
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < k; i++) {
        if (names[i]->d_name[0] != '.') used += (size_t)snprintf(buf + used, n - used, "%s ", names[i]->d_name);
        free(names[i]);
    }
    free(names);
}

Test(store, a_reader_sees_the_commits_of_a_wal_and_leaves_no_journal_files)
{
    res_store *w = open_ok(path("r.db"), RES_OPEN_CREATE);
    add_experiment(w, "e", "h1", 1, 1);
    out_result x = result(1, 1, 0, 0);
    cr_assert_eq(res_store_begin(w), 0);
    cr_assert_eq(res_run_insert(w, 1, 1, 1, &x), 0);
    cr_assert_eq(res_store_commit(w), 0);
    /* The writer still open: the run is in its -wal only. */
    res_store *r = open_ok(path("r.db"), RES_OPEN_READONLY);
    int64_t point = 0;
    uint64_t seed = 0;
    cr_expect_eq(res_run_get(r, 100001, &point, &seed), 0, "%s", res_store_errmsg(r));
    res_store_free(r);
    res_store_free(w);
    char before[512], after[512];
    dir_listing(before, sizeof before);
    cr_assert_str_eq(before, "r.db ", "the writer removed its journal files on close");
    r = open_ok(path("r.db"), RES_OPEN_READONLY);
    cr_expect_eq(res_run_get(r, 100001, &point, &seed), 0, "%s", res_store_errmsg(r));
    res_store_free(r);
    dir_listing(after, sizeof after);
    cr_expect_str_eq(after, before, "a reader leaves nothing beside the file");
}

Test(store, the_writer_lock_admits_one_writer)
{
    res_store *a = open_ok(path("l.db"), RES_OPEN_CREATE), *b = open_ok(path("l.db"), RES_OPEN_CREATE);
    cr_assert_eq(res_store_lock(a), 0, "%s", res_store_errmsg(a));
    cr_expect_geq(res_store_lock_fd(a), 0);
    cr_expect_eq(res_store_lock(b), RES_EBUSY);
    cr_expect(strstr(res_store_errmsg(b), "being written by a sweep") != NULL, "%s", res_store_errmsg(b));
    res_store_free(a);
    cr_expect_eq(res_store_lock(b), 0, "the lock goes with its store");
    res_store_free(b);
}

Test(store, a_commit_into_a_deleted_file_is_refused)
{
    res_store *s = open_ok(path("gone.db"), RES_OPEN_CREATE);
    int64_t id;
    cr_assert_eq(unlink(path("gone.db")), 0);
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_history_begin(s, "x", &id), 0);
    int rc = res_store_commit(s);
    cr_expect_eq(rc, RES_EGONE, "%d", rc);
    cr_expect_not(res_error_is_input(rc));
    cr_expect(strstr(res_store_errmsg(s), "was deleted or replaced") != NULL, "%s", res_store_errmsg(s));
    cr_expect_not(res_store_in_transaction(s));
    res_store_free(s);
}

Test(store, a_name_too_long_for_the_journal_creates_nothing)
{
    char name[300];
    memset(name, 'n', 252);
    strcpy(name + 252, ".db");
    res_store *s = NULL;
    char err[600] = "";
    int rc = res_store_new(path(name), RES_OPEN_CREATE, NULL, err, sizeof err, &s);
    cr_expect_eq(rc, RES_ENAME, "%d: %s", rc, err);
    cr_expect(res_error_is_input(rc));
    cr_expect(strstr(err, "too long") != NULL, "%s", err);
    char listing[512];
    dir_listing(listing, sizeof listing);
    cr_expect_str_eq(listing, "", "nothing was created");
}

Test(store, runs_that_the_spec_does_not_make_are_counted)
{
    res_store *s = open_ok(path("x.db"), RES_OPEN_CREATE);
    int64_t e = add_experiment(s, "e", "h1", 1, 2);
    out_result x = result(1, 1, 0, 0);
    cr_assert_eq(res_store_begin(s), 0);
    for (uint32_t rep = 1; rep <= 5; rep++) cr_assert_eq(res_run_insert(s, 2, rep, rep, &x), 0);
    cr_assert_eq(res_store_commit(s), 0);
    int64_t n = -1, run = 0, rep = 0;
    cr_assert_eq(res_runs_outside_spec(s, e, 5, &n, &run, &rep), 0);
    cr_expect_eq(n, 0);
    cr_assert_eq(res_runs_outside_spec(s, e, 4, &n, &run, &rep), 0);
    cr_expect_eq(n, 1);
    cr_expect_eq(run, 200005);
    cr_expect_eq(rep, 5);
    int64_t xid = 0, index = 0;
    cr_assert_eq(res_point_origin(s, 2, &xid, &index), 0);
    cr_expect_eq(xid, e);
    cr_expect_eq(index, 2);
    cr_expect_eq(res_point_origin(s, 9, &xid, &index), RES_ENOENT);
    res_store_free(s);
}

Test(store, merging_an_input_twice_copies_its_history_once)
{
    res_store *b = open_ok(path("hb.db"), RES_OPEN_CREATE);
    add_experiment(b, "e", "h1", 1, 1);
    int64_t id;
    cr_assert_eq(res_store_begin(b), 0);
    cr_assert_eq(res_history_begin(b, "sweep", &id), 0);
    cr_assert_eq(res_history_end(b, id, "complete"), 0);
    cr_assert_eq(res_store_commit(b), 0);
    res_store_free(b);
    res_store *a = open_ok(path("ha.db"), RES_OPEN_CREATE);
    int64_t added;
    int differ;
    for (int i = 0; i < 2; i++)
        cr_assert_eq(res_store_merge(a, path("hb.db"), &added, &differ), 0, "%s", res_store_errmsg(a));
    res_store_free(a);
    sqlite3 *db = raw(path("ha.db"));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM history WHERE command_line = 'sweep'"), 1);
    sqlite3_close(db);
}
