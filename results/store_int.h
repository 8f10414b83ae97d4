#ifndef RESULTS_STORE_INT_H
#define RESULTS_STORE_INT_H
/*
 * Internals shared by the files of the results store (schema.c: opening
 * and the schema; rows.c: row writes and reads; merge.c: combining
 * databases). Not for other
 * modules: they use results/store.h.
 */
#include <sqlite3.h>
#include "results/store.h"

struct res_store {
    sqlite3 *db;
    char *path;
    char *uri; /* what SQLite was given: the path with the open mode (schema.c) */
    int readonly;
    int lock_fd;                 /* the writer's flock (res_store_lock), or -1 */
    unsigned long long dev, ino; /* the file opened, to notice it being deleted */
    int in_tx;
    long n_commits;
    long kill_after_commit; /* test-only fault hook; 0 = off */
    char msg[600];
    char *param_cols; /* "\"scenario\", \"file_size\", ..." in registry order */
    sqlite3_stmt *ins_point, *ins_run, *ins_intr, *ins_copy, *get_point, *ins_threshold;
};

/* Maps an SQLite result code to a RES_E* code. */
int res__code(int sqlite_rc);
/* Records "WHAT: <sqlite message>" in S and returns the mapped code. */
int res__fail(res_store *s, int sqlite_rc, const char *what);
/* Formats a message into S and returns RC. */
int res__failf(res_store *s, int rc, const char *fmt, ...);
/* Runs SQL (no user text in it) and maps errors. */
int res__exec(res_store *s, const char *sql);
/* The current UTC time as ISO 8601 text. */
void res__now(char *buf, size_t n);
/* One integer from a single-row query (no parameters). */
int res__query_int(res_store *s, const char *sql, int64_t *out);
/* 0 if S->path is still the file that was opened, else RES_EGONE. */
int res__check_identity(res_store *s);
/* Prepares the statements a reader needs / a writer needs (rows.c). */
int res__prepare_reads(res_store *s);
int res__prepare_writes(res_store *s);
/* Binds V to parameter I of ST, NULL for a NULL string / a NaN (rows.c). */
void res__bind_text_or_null(sqlite3_stmt *st, int i, const char *v);
void res__bind_real_or_null(sqlite3_stmt *st, int i, double v);

#endif
