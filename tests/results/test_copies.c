/*
 * Per-copy results in the store (issue 16, schema version 4) on real SQLite
 * files through the real insert path: the copies table and its columns
 * (from the per-copy outcome fields), interruptions.copy, refusal of a
 * version 3 file, copies written with their run and read back equal, a
 * result without copies stored as one copy equal to the run, merging
 * databases with copies (ids kept, a differing copy refused), and the
 * point_summary and copy_summary columns against values worked out by hand.
 * The results are filled by hand: the model's fleet fills them the same way.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "models/core/params.h"
#include "results/store.h"

#define STORE_TEST_DIR "/tmp/test_copies.XXXXXX"
#include "store_helpers.h"

TestSuite(copies, .init = make_dir, .fini = remove_dir);

/* A grid experiment "e" with NPOINTS points from point 1; the client of
 * every point is CLIENT_OS with certificate CLIENT_CERT. */
static void add_experiment(res_store *s, int npoints, const char *client_os, const char *client_cert)
{
    res_experiment e;
    memset(&e, 0, sizeof e);
    e.name = "e";
    e.spec_text = "[experiment e]\n";
    e.spec_hash = "h";
    e.kind = "grid";
    e.master_seed = 1;
    e.replications = 3;
    e.max_replications = 3;
    e.target_halfwidth = e.search_value = e.search_precision = NAN;
    e.first_point_id = 1;
    e.n_point_ids = npoints;
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_experiment_insert(s, &e), 0, "%s", res_store_errmsg(s));
    prm_config cfg;
    char err[256];
    prm_defaults(&cfg);
    cr_assert_eq(prm_set(&cfg, "client.os", client_os, err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set(&cfg, "client.cert", client_cert, err, sizeof err), 0, "%s", err);
    for (int i = 0; i < npoints; i++) {
        cfg.file_size_bytes = 1000000 + (uint64_t)i;
        cr_assert_eq(res_point_insert(s, 1 + i, e.id, i + 1, 0, 0, &cfg), 0, "%s", res_store_errmsg(s));
    }
    cr_assert_eq(res_store_commit(s), 0);
}

/* Copy K (1-based) of a fleet: completed or failed by refusal, DURATION
 * seconds from START seconds, distinct values in every per-copy field. */
static out_copy copy_of(uint32_t k, int completed, double start, double duration)
{
    out_copy c;
    memset(&c, 0, sizeof c);
    c.index = k;
    c.client_os = k % 2 ? PRM_OS_VISTA : PRM_OS_XP;
    c.client_cert = k == 3 ? PRM_CERT_EXPIRED : PRM_CERT_VALID;
    c.start_s = start;
    c.r.completed = completed;
    c.r.failure = completed ? OUT_FAIL_NONE : OUT_FAIL_REFUSED;
    c.r.bytes_done = completed ? 1000 : 10 * k;
    c.r.setup_s = completed ? 0.001 * k : NAN;
    c.r.duration_s = duration;
    c.r.n_interruptions = k - 1;
    c.r.first_interruption_s = k > 1 ? 0.25 * k : NAN;
    c.r.first_interruption_bytes = k > 1 ? 100.0 * k : NAN;
    c.r.n_negotiations = 2 * k;
    c.r.n_negotiation_failures = k / 2;
    c.r.n_fallbacks = k / 3;
    c.r.n_rekeys = k + 7;
    c.r.n_retransmits = 3 * k;
    c.r.fingerprint = UINT64_C(0x0123456789abcdef) ^ k;
    c.r.n_restarts = k % 2;
    return c;
}

/* The run of the fleet CS (N copies, COMPLETED of them completed), its
 * per-copy fields summarised as doc/design.md section 5 says for the fields
 * these tests look at, and MAKESPAN. */
static out_result fleet_run(out_copy *cs, uint64_t n, double makespan)
{
    out_result r;
    memset(&r, 0, sizeof r);
    r.completed = 1;
    r.failure = OUT_FAIL_NONE;
    r.setup_s = r.first_interruption_s = r.first_interruption_bytes = NAN;
    for (uint64_t i = 0; i < n; i++) {
        r.n_completed += cs[i].r.completed ? 1 : 0;
        if (!cs[i].r.completed && r.completed) r.completed = 0, r.failure = cs[i].r.failure;
        r.bytes_done += cs[i].r.bytes_done;
        r.n_interruptions += cs[i].r.n_interruptions;
    }
    r.duration_s = r.makespan_s = makespan;
    r.n_copies = n;
    r.copies = cs;
    r.fingerprint = UINT64_C(0xfeedface00000000) + n;
    r.events = 100;
    r.wall_s = 0.01;
    r.events_per_s = 1e4;
    return r;
}

Test(copies, a_version_4_database_has_the_copies_table_from_the_per_copy_fields)
{
    res_store_free(open_ok(path("new.db"), RES_OPEN_CREATE));
    sqlite3 *db = raw(path("new.db"));
    cr_expect_eq(q_double(db, "PRAGMA user_version"), 4);
    cr_expect_eq(q_double(db, "SELECT value FROM meta WHERE key = 'schema_version'"), 4);
    static const char *const head[][2] = {{"run_id", "INTEGER"},
                                          {"copy", "INTEGER"},
                                          {"client_os", "TEXT"},
                                          {"client_cert", "TEXT"},
                                          {"start_s", "REAL"}};
    int cid = 0;
    char sql[400];
    for (; cid < 5; cid++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pragma_table_info('copies') WHERE cid = %d AND name = '%s' AND type = '%s'"
                 " AND \"notnull\" = 1",
                 cid, head[cid][0], head[cid][1]);
        cr_expect_eq(q_double(db, sql), 1, "copies column %d is not %s %s NOT NULL", cid, head[cid][0], head[cid][1]);
    }
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *f = out_field_at(i);
        if (!f->per_copy) continue;
        /* Declared as in runs: the same type and nullability. */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pragma_table_info('copies') c JOIN pragma_table_info('runs') r"
                 " ON r.name = c.name WHERE c.cid = %d AND c.name = '%s' AND c.type = r.type"
                 " AND c.\"notnull\" = r.\"notnull\"",
                 cid++, f->name);
        cr_expect_eq(q_double(db, sql), 1, "copies column %d is not %s, declared as in runs", cid - 1, f->name);
    }
    cr_expect_eq(q_double(db, "SELECT count(*) FROM pragma_table_info('copies')"), cid, "no other columns");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM pragma_table_info('copies') WHERE pk > 0"), 2);
    cr_expect_eq(q_double(db, "SELECT pk FROM pragma_table_info('copies') WHERE name = 'copy'"), 2);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM pragma_table_info('interruptions') WHERE name = 'copy'"
                              " AND type = 'INTEGER' AND \"notnull\" = 1"),
                 1);
    for (const char *const *c = (const char *const[]){"n_copies", "n_completed", "makespan_s", NULL}; *c; c++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = '%s'", *c);
        cr_expect_eq(q_double(db, sql), 1, "runs has no %s", *c);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('copies') WHERE name = '%s'", *c);
        cr_expect_eq(q_double(db, sql), 0, "%s is a run-level field, not a copies column", *c);
    }
    cr_expect_eq(q_double(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'copy_summary'"), 1);
    sqlite3_close(db);
}

Test(copies, a_version_3_file_is_refused_untouched_with_what_version_4_added)
{
    res_store_free(open_ok(path("old.db"), RES_OPEN_CREATE));
    sqlite3 *db = raw(path("old.db"));
    /* What a version 3 file is: no copies table, no interruptions.copy. */
    cr_assert_eq(sqlite3_exec(db,
                              "DROP VIEW copy_summary; DROP TABLE copies; ALTER TABLE interruptions DROP COLUMN copy;"
                              " UPDATE meta SET value = '3' WHERE key = 'schema_version'; PRAGMA user_version = 3;",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    FILE *f = fopen(path("old.db"), "rb");
    fseek(f, 0, SEEK_END);
    long before = ftell(f);
    fclose(f);
    res_store *s = NULL;
    char err[600] = "";
    int rc = res_store_new(path("old.db"), RES_OPEN_CREATE, "test", err, sizeof err, &s);
    cr_expect_eq(rc, RES_EMISMATCH, "%s", err);
    cr_expect_null(s);
    cr_expect(res_error_is_input(rc));
    cr_expect(strstr(err, path("old.db")) != NULL, "names the file: %s", err);
    cr_expect(strstr(err, "schema version 3") != NULL, "%s", err);
    cr_expect(strstr(err, "version 4 the copies table") != NULL, "says what version 4 added: %s", err);
    cr_expect(strstr(err, "new database") != NULL, "says how to fix it: %s", err);
    f = fopen(path("old.db"), "rb");
    fseek(f, 0, SEEK_END);
    cr_expect_eq(ftell(f), before, "nothing written");
    fclose(f);
}

/* Inserts R as replication 1 of point 1 in one transaction and reads its
 * copies back (caller frees; *n_out of them). */
static out_copy *insert_and_read_back(res_store *s, const out_result *r, uint64_t *n_out)
{
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_run_insert(s, 1, 1, 42, r), 0, "%s", res_store_errmsg(s));
    cr_assert_eq(res_store_commit(s), 0);
    out_copy *back = NULL;
    cr_assert_eq(res_copies_get(s, 100001, &back, n_out), 0, "%s", res_store_errmsg(s));
    return back;
}

Test(copies, a_fleet_run_writes_its_copies_and_interruptions_and_reads_them_back)
{
    res_store *s = open_ok(path("r.db"), RES_OPEN_CREATE);
    add_experiment(s, 1, "vista", "valid");
    out_copy cs[3] = {copy_of(1, 1, 0, 2.5), copy_of(2, 0, 0.75, 1.25), copy_of(3, 1, 1.5, 4.0)};
    out_result r = fleet_run(cs, 3, 5.5);
    out_interruption in[3] = {{0.5, 0.75, 200, OUT_CAUSE_INITIAL, 2},
                              {0.75, 1.0, 300, OUT_CAUSE_REKEY, 3},
                              {1.25, NAN, 300, OUT_CAUSE_EXPIRY, 3}};
    r.interruptions = in;
    r.n_interruptions = 3;
    uint64_t n = 0;
    out_copy *back = insert_and_read_back(s, &r, &n);
    cr_assert_eq(n, 3);
    for (uint64_t i = 0; i < n; i++) {
        cr_expect_eq(back[i].index, cs[i].index);
        cr_expect_eq(back[i].client_os, cs[i].client_os, "copy %u", cs[i].index);
        cr_expect_eq(back[i].client_cert, cs[i].client_cert, "copy %u", cs[i].index);
        cr_expect_eq(back[i].start_s, cs[i].start_s);
        for (size_t k = 0; k < out_field_count(); k++) {
            const out_field *f = out_field_at(k);
            if (!f->per_copy) continue;
            switch (f->type) {
            case OUT_BOOL:
            case OUT_ENUM:
                cr_expect_eq(out_get_int(f, &back[i].r), out_get_int(f, &cs[i].r), "copy %u %s", cs[i].index, f->name);
                break;
            case OUT_COUNT:
            case OUT_HEX64:
                cr_expect_eq(out_get_u64(f, &back[i].r), out_get_u64(f, &cs[i].r), "copy %u %s", cs[i].index, f->name);
                break;
            case OUT_REAL:
            case OUT_WHOLE: {
                double a = out_get_real(f, &back[i].r), b = out_get_real(f, &cs[i].r);
                cr_expect(a == b || (isnan(a) && isnan(b)), "copy %u %s: %g, stored %g", cs[i].index, f->name, a, b);
                break;
            }
            }
        }
    }
    free(back);
    cr_assert_eq(res_copies_get(s, 999, &back, &n), 0);
    cr_expect_eq(n, 0, "a run without copies rows has none");
    free(back);
    res_store_free(s);

    sqlite3 *db = raw(path("r.db"));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM copies WHERE run_id = 100001 AND copy = 2 AND client_os = 'xp'"
                              " AND client_cert = 'valid' AND failure = 'refused' AND completed = 0"
                              " AND setup_s IS NULL AND start_s = 0.75"),
                 1);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM copies WHERE copy = 3 AND client_os = 'vista'"
                              " AND client_cert = 'expired' AND fingerprint = '0123456789abcdec'"),
                 1);
    cr_expect_eq(q_double(db, "SELECT count(*) FROM runs WHERE run_id = 100001 AND n_copies = 3 AND"
                              " n_completed = 2 AND makespan_s = 5.5 AND failure = 'refused' AND completed = 0"),
                 1);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "SELECT group_concat(episode || ':' || copy || ':' || cause, ' ') FROM"
                       " (SELECT * FROM interruptions WHERE run_id = 100001 ORDER BY episode)",
                       -1, &st, NULL);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), "1:2:initial 2:3:rekey 3:3:expiry",
                     "episodes numbered per run, each naming its copy");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

Test(copies, a_result_without_copies_is_stored_as_one_copy_equal_to_the_run)
{
    res_store *s = open_ok(path("one.db"), RES_OPEN_CREATE);
    add_experiment(s, 1, "xp", "expired");
    out_copy c = copy_of(2, 0, 0, 3.25); /* only for its field values */
    out_result r = c.r;
    r.events = 7;
    out_interruption in = {0.25, 0.5, 100, OUT_CAUSE_IDLE, 0}; /* copy 0: copy 1 */
    r.interruptions = &in;
    r.n_interruptions = 1;
    uint64_t n = 0;
    out_copy *back = insert_and_read_back(s, &r, &n);
    cr_assert_eq(n, 1);
    cr_expect_eq(back[0].index, 1);
    cr_expect_eq(back[0].client_os, PRM_OS_XP, "the point's client");
    cr_expect_eq(back[0].client_cert, PRM_CERT_EXPIRED);
    cr_expect_eq(back[0].start_s, 0);
    cr_expect_eq(back[0].r.failure, OUT_FAIL_REFUSED);
    cr_expect_eq(back[0].r.bytes_done, r.bytes_done);
    cr_expect_eq(back[0].r.duration_s, 3.25);
    cr_expect_eq(back[0].r.fingerprint, r.fingerprint);
    free(back);
    res_store_free(s);
    sqlite3 *db = raw(path("one.db"));
    /* Every per-copy column of the copy equals the run's. */
    char sql[4096];
    size_t used =
        (size_t)snprintf(sql, sizeof sql, "SELECT count(*) FROM runs r JOIN copies c ON c.run_id = r.run_id WHERE 1");
    for (size_t i = 0; i < out_field_count(); i++)
        if (out_field_at(i)->per_copy)
            used += (size_t)snprintf(sql + used, sizeof sql - used, " AND c.%s IS r.%s", out_field_at(i)->name,
                                     out_field_at(i)->name);
    cr_expect_eq(q_double(db, sql), 1, "the copy differs from its run");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM runs WHERE n_copies = 1 AND n_completed = 0 AND"
                              " makespan_s = duration_s"),
                 1, "the run-level fields of a run of one copy");
    cr_expect_eq(q_double(db, "SELECT copy FROM interruptions WHERE run_id = 100001"), 1, "copy 0 is copy 1");
    sqlite3_close(db);
}

/* A database with experiment e (2 points) and, for each of the N_REPS
 * replications REPS of point 1, the fleet of three copies (copy 2's
 * duration DURATION2). */
static void shard(const char *name, const uint32_t *reps, int n_reps, double duration2)
{
    res_store *s = open_ok(path(name), RES_OPEN_CREATE);
    add_experiment(s, 2, "vista", "valid");
    cr_assert_eq(res_store_begin(s), 0);
    for (int i = 0; i < n_reps; i++) {
        out_copy cs[3] = {copy_of(1, 1, 0, 2.5), copy_of(2, 0, 0.75, duration2), copy_of(3, 1, 1.5, 4.0)};
        out_result r = fleet_run(cs, 3, 5.5);
        cr_assert_eq(res_run_insert(s, 1, reps[i], reps[i], &r), 0, "%s", res_store_errmsg(s));
    }
    cr_assert_eq(res_store_commit(s), 0);
    res_store_free(s);
}

Test(copies, merge_carries_copies_with_their_ids_and_refuses_a_differing_copy)
{
    shard("a.db", (const uint32_t[]){1}, 1, 1.25);
    shard("b.db", (const uint32_t[]){1, 2}, 2, 1.25); /* run 1 in both, identical */
    shard("c.db", (const uint32_t[]){1}, 1, 9.0);     /* run 1 again: the run row equal, copy 2 not */
    res_store *a = open_ok(path("a.db"), RES_OPEN_CREATE);
    int64_t added = -1;
    int differ = -1;
    cr_assert_eq(res_store_merge(a, path("b.db"), &added, &differ), 0, "%s", res_store_errmsg(a));
    cr_expect_eq(added, 1);
    int rc = res_store_merge(a, path("c.db"), &added, &differ);
    cr_expect_eq(rc, RES_EMISMATCH);
    cr_expect(strstr(res_store_errmsg(a), "1 copies of") != NULL, "%s", res_store_errmsg(a));
    cr_expect(strstr(res_store_errmsg(a), path("c.db")) != NULL, "names the input: %s", res_store_errmsg(a));
    res_store_free(a);
    sqlite3 *db = raw(path("a.db"));
    cr_expect_eq(q_double(db, "SELECT count(*) FROM copies"), 6, "two runs of three copies; the refusal added none");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM copies WHERE run_id IN (100001, 100002)"), 6, "ids kept");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM copies WHERE copy = 2 AND duration_s = 1.25"), 2);
    sqlite3_close(db);
}

Test(copies, point_summary_and_copy_summary_match_hand_computed_values)
{
    res_store *s = open_ok(path("v.db"), RES_OPEN_CREATE);
    add_experiment(s, 2, "vista", "valid");
    /* Point 1, three runs of four copies: completed 4, 2, 3 (copies 1..k),
     * so n_completed / n_copies = 1, 0.5, 0.75: mean 0.75, standard
     * deviation 0.25; makespans 10, 20, 30: mean 20, deviation 10. */
    const int k_of[3] = {4, 2, 3};
    cr_assert_eq(res_store_begin(s), 0);
    for (uint32_t rep = 1; rep <= 3; rep++) {
        out_copy cs[4];
        for (uint32_t c = 1; c <= 4; c++) cs[c - 1] = copy_of(c, (int)c <= k_of[rep - 1], 0.5 * (c - 1), 2.0 * c + rep);
        out_result r = fleet_run(cs, 4, 10.0 * rep);
        cr_assert_eq(res_run_insert(s, 1, rep, rep, &r), 0, "%s", res_store_errmsg(s));
    }
    /* Point 2, one run of two copies, one completed: no intervals. */
    out_copy two[2] = {copy_of(1, 1, 0, 3), copy_of(2, 0, 0, 1)};
    out_result r2 = fleet_run(two, 2, 7.0);
    cr_assert_eq(res_run_insert(s, 2, 1, 1, &r2), 0, "%s", res_store_errmsg(s));
    cr_assert_eq(res_store_commit(s), 0);
    res_store_free(s);

    sqlite3 *db = raw(path("v.db"));
    const double t2 = 4.302652729911275; /* t(0.975, 2) */
    double half_c = t2 * 0.25 / sqrt(3.0), half_m = t2 * 10.0 / sqrt(3.0);
    cr_expect(fabs(q_double(db, "SELECT copies_complete_mean FROM point_summary WHERE point_id = 1") - 0.75) < 1e-12);
    cr_expect(fabs(q_double(db, "SELECT copies_complete_lo FROM point_summary WHERE point_id = 1") - (0.75 - half_c)) <
              1e-9);
    cr_expect_eq(q_double(db, "SELECT copies_complete_hi FROM point_summary WHERE point_id = 1"), 1.0,
                 "0.75 + %.6f clipped to 1", half_c);
    cr_expect(fabs(q_double(db, "SELECT makespan_mean_s FROM point_summary WHERE point_id = 1") - 20) < 1e-12);
    cr_expect(fabs(q_double(db, "SELECT makespan_lo_s FROM point_summary WHERE point_id = 1") - (20 - half_m)) < 1e-9);
    cr_expect(fabs(q_double(db, "SELECT makespan_hi_s FROM point_summary WHERE point_id = 1") - (20 + half_m)) < 1e-9);
    cr_expect_eq(q_double(db, "SELECT copies_complete_mean FROM point_summary WHERE point_id = 2"), 0.5);
    cr_expect_eq(q_double(db, "SELECT makespan_mean_s FROM point_summary WHERE point_id = 2"), 7.0);
    cr_expect(isnan(q_double(db, "SELECT copies_complete_lo FROM point_summary WHERE point_id = 2")), "one run");
    cr_expect(isnan(q_double(db, "SELECT copies_complete_hi FROM point_summary WHERE point_id = 2")));
    cr_expect(isnan(q_double(db, "SELECT makespan_lo_s FROM point_summary WHERE point_id = 2")));
    cr_expect(isnan(q_double(db, "SELECT makespan_hi_s FROM point_summary WHERE point_id = 2")));
    /* n_completed keeps its meaning, runs completed: only the first run of
     * point 1 completed every copy. */
    cr_expect_eq(q_double(db, "SELECT n_completed FROM point_summary WHERE point_id = 1"), 1);

    cr_expect_eq(q_double(db, "SELECT count(*) FROM copy_summary"), 6, "four copies of point 1, two of point 2");
    cr_expect_eq(q_double(db, "SELECT count(*) FROM copy_summary WHERE experiment = 'e' AND point_id = 1 AND"
                              " copy = 3 AND copy_os = 'vista' AND copy_cert = 'expired' AND n_runs = 3"
                              " AND file_size = 1000000"),
                 1);
    /* Copy 3 completed in runs 1 and 3 (k = 4, 3), durations 6 + 1, 6 + 3. */
    cr_expect(fabs(q_double(db, "SELECT p_complete FROM copy_summary WHERE point_id = 1 AND copy = 3") - 2.0 / 3) <
              1e-12);
    cr_expect_eq(q_double(db, "SELECT duration_mean_s FROM copy_summary WHERE point_id = 1 AND copy = 3"), 8.0);
    cr_expect_eq(q_double(db, "SELECT p_complete FROM copy_summary WHERE point_id = 1 AND copy = 4"), 1.0 / 3);
    cr_expect_eq(q_double(db, "SELECT p_complete FROM copy_summary WHERE point_id = 1 AND copy = 1"), 1.0);
    cr_expect_eq(q_double(db, "SELECT p_complete FROM copy_summary WHERE point_id = 2 AND copy = 2"), 0.0);
    cr_expect(isnan(q_double(db, "SELECT duration_mean_s FROM copy_summary WHERE point_id = 2 AND copy = 2")),
              "never completed");
    sqlite3_close(db);
}

Test(copies, the_counts_of_status_sum_the_copies_of_the_runs)
{
    res_store *s = open_ok(path("n.db"), RES_OPEN_CREATE);
    add_experiment(s, 1, "vista", "valid");
    out_copy a[3] = {copy_of(1, 1, 0, 1), copy_of(2, 0, 0, 1), copy_of(3, 1, 0, 1)};
    out_copy b[2] = {copy_of(1, 0, 0, 1), copy_of(2, 0, 0, 1)};
    out_result ra = fleet_run(a, 3, 2), rb = fleet_run(b, 2, 2);
    cr_assert_eq(res_store_begin(s), 0);
    cr_assert_eq(res_run_insert(s, 1, 1, 1, &ra), 0, "%s", res_store_errmsg(s));
    cr_assert_eq(res_run_insert(s, 1, 2, 2, &rb), 0, "%s", res_store_errmsg(s));
    cr_assert_eq(res_store_commit(s), 0);
    res_counts c;
    cr_assert_eq(res_experiment_counts(s, 1, &c), 0, "%s", res_store_errmsg(s));
    cr_expect_eq(c.n_runs, 2);
    cr_expect_eq(c.max_copies, 3);
    cr_expect_eq(c.n_copies, 5);
    cr_expect_eq(c.n_copies_completed, 2);
    cr_expect_eq(c.n_by_failure[OUT_FAIL_REFUSED], 2, "both runs failed as their first failed copy did");
    res_store_free(s);
}
