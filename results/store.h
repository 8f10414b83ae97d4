#ifndef RESULTS_STORE_H
#define RESULTS_STORE_H
/*
 * The SQLite results store: one database file per sweep holding the
 * experiments, their design points (one column per registry parameter), one
 * row per run, one per copy of a run (a fleet's clients), the interruption
 * episodes, threshold-search
 * results and the point_summary view (results/schema.sql). The store is the
 * sweep's ledger: a sweep re-run asks it what is missing. One process writes
 * (WAL mode, batched transactions); others may read meanwhile. Library code:
 * it never prints; errors come back as RES_E* codes with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include "models/core/outcome.h"
#include "models/core/params.h"
#include "models/scenario.h"

typedef struct res_store res_store;

#define RES_SCHEMA_VERSION 4
/* What each version added, for the message that refuses an older file. */
#define RES_SCHEMA_HISTORY                                                                                             \
    "version 2 added runs.fingerprint, version 3 the points columns of the WAN path, TCP loss recovery, SMB timer "    \
    "and extra-flow keys, the cause other_flow and the whatif table, version 4 the copies table, interruptions.copy "  \
    "and the runs columns n_copies, n_completed and makespan_s (fleets)"
#define RES_APPLICATION_ID 0x524b5953 /* "RKYS" */
/* run_id = point_id * RES_RUN_ID_STRIDE + replication (replications 1..99,999). */
#define RES_RUN_ID_STRIDE 100000
#define RES_MAX_REPLICATIONS (RES_RUN_ID_STRIDE - 1)

/* Error codes. The first group is the environment (exit status 1), the
 * second the user's input (exit status 2); see res_error_is_input. */
enum {
    RES_EIO = -1,        /* I/O error, cannot open or write */
    RES_EBUSY = -2,      /* locked by another process */
    RES_EREADONLY = -3,  /* read-only file or directory */
    RES_EFULL = -4,      /* disk full */
    RES_ENOMEM = -5,     /* out of memory */
    RES_EGONE = -6,      /* the file was deleted or replaced while being written */
    RES_ENOTOURS = -10,  /* not a rekeysim database (or not SQLite at all) */
    RES_ENEWER = -11,    /* written by a newer schema version */
    RES_EMISMATCH = -12, /* different registry, experiment or runs (merge, resume) */
    RES_ENOENT = -13,    /* no such database */
    RES_ENAME = -14      /* a file name the database's journal files cannot have */
};
int res_error_is_input(int rc);
const char *res_strerror(int rc);

/* Open flags. Without RES_OPEN_CREATE a missing file is RES_ENOENT. */
enum { RES_OPEN_CREATE = 1, RES_OPEN_READONLY = 2 };

/* Opens (and with RES_OPEN_CREATE creates, schema included) the database at
 * PATH. An existing file must be rekeysim's, of this schema version or
 * older, with the points columns of this build's registry; nothing is written
 * to a file that fails these checks. COMMAND_LINE (may be NULL) is recorded
 * in meta when the database is created. Returns 0 and *store_out (caller frees
 * with res_store_free), or a RES_E* code with a one-line message in ERR.
 *
 * With RES_OPEN_READONLY the file is only read, also on read-only media, and
 * no -wal or -shm file is left beside it that was not there before (see
 * schema.c for how the connection is opened in each case). Without it, a
 * file that cannot be written (permissions, read-only file system) is
 * RES_EREADONLY once it was recognised as rekeysim's. Two processes
 * creating the same new file race safely: one creates the schema, the other
 * waits for it and then opens the file as an existing database. */
int res_store_new(const char *path, int flags, const char *command_line, char *err, size_t errlen,
                  res_store **store_out);
/* Checks, before anything is created, that PATH can name a database: its
 * file name leaves room for the "-wal" and "-shm" suffixes of SQLite's
 * journal files. Returns 0, or RES_ENAME with a message in ERR. */
int res_store_check_name(const char *path, char *err, size_t errlen);
/* Takes the writer's lock on the file: an exclusive flock held until
 * res_store_free, the one a sweep holds for its whole run, so a sweep and a
 * merge (or two of either) never write the same file at once. Returns 0, or
 * RES_EBUSY ("... is being written by a sweep or a merge") or RES_EIO. */
int res_store_lock(res_store *s);
/* The descriptor holding that lock (-1 before res_store_lock): worker
 * processes close it so that the lock dies with the writer. Borrowed. */
int res_store_lock_fd(const res_store *s);
/* Commits nothing: an open transaction is rolled back. NULL is a no-op. */
void res_store_free(res_store *s);
/* The message of the last failed call on S (borrowed, valid until the next). */
const char *res_store_errmsg(const res_store *s);
/* 1 when the database was created by this rekeysim version and git commit,
 * 0 when by another (its rows may come from a different model), -1 unknown. */
int res_store_same_build(res_store *s);
/* The meta value of KEY copied into BUF; returns 0, or RES_ENOENT. */
int res_store_meta(res_store *s, const char *key, char *buf, size_t n);

/* Write batches. Every write below must happen between begin and commit.
 * Commit first checks that PATH is still the file that was opened: if it was
 * deleted or replaced meanwhile, the batch is rolled back and RES_EGONE
 * returned, because rows written into an unlinked file are lost anyway.
 * Test-only fault hook: when the environment variable
 * REKEYSIM_TEST_KILL_AFTER_COMMIT=N is set, the process sends itself SIGKILL
 * right after its Nth successful commit (to test resuming a killed sweep). */
int res_store_begin(res_store *s);
int res_store_commit(res_store *s);
void res_store_rollback(res_store *s);
int res_store_in_transaction(const res_store *s);

/* One experiments row. Strings are owned by the struct (res_experiment_fini
 * frees them); NULL means SQL NULL. */
typedef struct res_experiment {
    int64_t id;
    char *name, *spec_text, *spec_hash, *spec_file, *created_at, *kind, *status;
    uint64_t master_seed;
    int64_t replications, max_replications;
    char *target_outcome;
    double target_halfwidth;
    char *search_param, *search_outcome;
    double search_value, search_precision;
    int64_t n_combos, probes_per_combo;
    int64_t first_point_id, n_point_ids;
} res_experiment;
void res_experiment_fini(res_experiment *e);
/* Every experiment in id order: caller frees with res_experiments_free. */
int res_experiments_list(res_store *s, res_experiment **list_out, size_t *n_out);
void res_experiments_free(res_experiment *list, size_t n);
/* Inserts E (its id and created_at are chosen here and written back into E;
 * the other strings are borrowed). */
int res_experiment_insert(res_store *s, res_experiment *e);
int res_experiment_set_status(res_store *s, int64_t experiment_id, const char *status);
/* The first point id no experiment has reserved yet (1 in a new database). */
int res_next_point_id(res_store *s, int64_t *id_out);

/* Points. The parameter columns come from CFG through the registry. COMBO
 * and PROBE are 0 for points that are not search probes. */
int res_point_insert(res_store *s, int64_t point_id, int64_t experiment_id, int64_t point_index, int64_t combo,
                     int64_t probe, const prm_config *cfg);
int res_point_set_stop(res_store *s, int64_t point_id, const char *reason);
/* Whether point POINT_ID exists; if so and CFG_OUT is not NULL, its
 * parameter set is loaded into *cfg_out (every registry parameter). */
int res_point_get(res_store *s, int64_t point_id, int *exists_out, prm_config *cfg_out);

/* The experiment and 1-based point_index of point POINT_ID; RES_ENOENT if
 * there is no such point. */
int res_point_origin(res_store *s, int64_t point_id, int64_t *experiment_id_out, int64_t *point_index_out);

/* Inserts one run, its copies (R->copies; a result without copies, from
 * before fleets, is one copy equal to the run, whose client is the point's
 * client.os and client.cert, with the run-level fields of one copy) and its
 * interruption records (each naming its copy), in the caller's transaction.
 * SEED is the run seed. */
int res_run_insert(res_store *s, int64_t point_id, uint32_t replication, uint64_t seed, const out_result *r);
/* The copies rows of run RUN_ID, in copy order, read back into *copies_out
 * (caller frees; *n_out of them, 0 and NULL-safe for a run without rows):
 * index, client, start_s and the per-copy outcome fields of each r (r's
 * other fields zero). A value rekeysim does not write is RES_EMISMATCH. */
int res_copies_get(res_store *s, int64_t run_id, out_copy **copies_out, uint64_t *n_out);
/* Finds a run by id: its point and run seed. Returns RES_ENOENT if absent. */
int res_run_get(res_store *s, int64_t run_id, int64_t *point_id_out, uint64_t *seed_out);

/* What resuming needs to know of a stored run. */
typedef struct res_run_brief {
    int64_t point_id;
    uint32_t replication;
    int completed;
    double duration_s; /* NAN when NULL */
    double n_interruptions;
} res_run_brief;
/* Calls FN for every run of experiment EXPERIMENT_ID (any order); a nonzero
 * return from FN stops the scan and is returned. */
int res_runs_scan(res_store *s, int64_t experiment_id, int (*fn)(void *ctx, const res_run_brief *b), void *ctx);

/* Runs of experiment EXPERIMENT_ID that no sweep of its spec makes: a
 * replication outside 1..MAX_REPLICATION, or a run_id that is not
 * point_id * RES_RUN_ID_STRIDE + replication (rows added or changed by
 * hand). *n_out is their number; *first_run_out and *first_rep_out describe
 * the one with the lowest run_id (untouched when there is none). */
int res_runs_outside_spec(res_store *s, int64_t experiment_id, int64_t max_replication, int64_t *n_out,
                          int64_t *first_run_out, int64_t *first_rep_out);

/* One thresholds row (strings borrowed). */
typedef struct res_threshold {
    int64_t experiment_id, combo, point_id;
    const char *param, *outcome, *status;
    double target, critical, lo, hi; /* NAN stored as NULL */
    int64_t n_probes, n_runs, n_undecided;
} res_threshold;
int res_threshold_put(res_store *s, const res_threshold *t);

/* Counts for `status`. */
typedef struct res_counts {
    int64_t n_points, n_points_with_runs, n_runs, n_completed, n_thresholds;
    int64_t n_stopped;                    /* points with a stop_reason */
    int64_t n_by_failure[OUT_N_FAILURES]; /* runs by runs.failure, indexed by out_failure */
    int64_t max_copies;                   /* largest runs.n_copies (issue 16; 0 without runs) */
    int64_t n_copies, n_copies_completed; /* sums of runs.n_copies and runs.n_completed */
} res_counts;
int res_experiment_counts(res_store *s, int64_t experiment_id, res_counts *out);
/* Calls FN for each threshold row of the experiment, in combination order,
 * with the parameter set of the combination's first probe (CFG, borrowed). */
int res_thresholds_scan(res_store *s, int64_t experiment_id,
                        int (*fn)(void *ctx, const res_threshold *t, const prm_config *cfg), void *ctx);

/* History of the sweeps and merges that wrote to the database. */
int res_history_begin(res_store *s, const char *command_line, int64_t *id_out);
int res_history_end(res_store *s, int64_t history_id, const char *outcome);

/* Merges the database at IN_PATH into S (in one transaction): experiments
 * are matched by name and must have the same spec hash and point-id block;
 * points with the same id must be identical; runs and copies present in both
 * must be identical apart from wall_s and events_per_s. Returns 0 and the number of
 * runs added, or RES_EMISMATCH / RES_ENOTOURS / ... with the message in S.
 * *builds_differ_out is set when IN was written by another git commit. */
int res_store_merge(res_store *s, const char *in_path, int64_t *runs_added_out, int *builds_differ_out);

#endif
