#ifndef TESTS_RESULTS_STORE_HELPERS_H
#define TESTS_RESULTS_STORE_HELPERS_H
/*
 * What the store's Criterion tests share (test_store.c, test_copies.c): a
 * scratch directory per test (STORE_TEST_DIR, a mkdtemp template, defined
 * before this header), paths in it, opening a store that must open, and a
 * raw SQLite connection with a one-number query for checks.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include "results/store.h"

static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "%s", STORE_TEST_DIR);
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* NAME in the scratch directory; four results are valid at once. */
static const char *path(const char *name)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static res_store *open_ok(const char *p, int flags)
{
    res_store *s = NULL;
    char err[600] = "";
    int rc = res_store_new(p, flags, "test", err, sizeof err, &s);
    cr_assert_eq(rc, 0, "open %s: %s", p, err);
    return s;
}

/* A raw connection for checks and tampering. */
static sqlite3 *raw(const char *p)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    return db;
}

/* The one number SQL gives (NAN for NULL). */
static double q_double(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

#endif
