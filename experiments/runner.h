#ifndef EXPERIMENTS_RUNNER_H
#define EXPERIMENTS_RUNNER_H
/*
 * The sweep runner: expands a spec into points x replications, finds in the
 * results database what is already there, and makes the rest with N forked
 * worker processes while the parent alone writes the database in batched
 * transactions. Resumable (the database is the ledger), shardable, adaptive
 * (precision targets, threshold search), and deterministic: every run's seed
 * is sim_rng_run_seed(master seed, replication), every decision depends only
 * on a point's own runs, so the rows do not depend on --jobs, --shard or on
 * interruptions.
 */
#include <signal.h>
#include <stdint.h>
#include "experiments/errors.h"

/* Progress and totals of one sweep invocation. */
typedef struct exp_sweep_report {
    uint64_t n_total;           /* runs this invocation has to make, as known so far */
    uint64_t n_done;            /* runs made and stored */
    uint64_t n_present;         /* runs found in the database already */
    uint64_t n_failed_copies;   /* runs made whose copy did not complete */
    uint64_t n_errors;          /* runs the model refused (scn_run error) */
    uint64_t n_experiments;     /* experiments in the spec */
    uint64_t n_new_experiments; /* of which created now */
    unsigned jobs;              /* worker processes started: min(options jobs, runs to make) */
    double elapsed_s;
    int nothing_to_do; /* set at the end: no run made, nothing written */
    int other_build;   /* the database was created by another rekeysim build */
} exp_sweep_report;

typedef struct exp_sweep_options {
    const char *spec_path;
    const char *db_path;
    unsigned jobs;             /* worker processes, >= 1 (at most the runs to make are started) */
    unsigned shard_k, shard_n; /* this shard, 1-based; 1/1 = everything */
    int force_new;             /* store a changed spec as NAME-2, NAME-3 ... */
    int yes;                   /* allow more than EXP_SWEEP_GUARD runs */
    const char *command_line;  /* recorded in meta and history */
    int make_db_dir;           /* create db_path's directory if missing (once the spec is valid) */
    /* Set (by a signal handler of the caller) to stop: 1 = finish the runs
     * in hand and commit; 2 or more = drop them and commit. */
    volatile sig_atomic_t *stop;
    /* Called about every 200 ms and once with FINAL = 1 (may be NULL). */
    void (*progress)(void *ctx, const exp_sweep_report *r, int final);
    void *progress_ctx;
} exp_sweep_options;

#define EXP_SWEEP_GUARD 100000

/* Errors (experiments/errors.h): EXP_SWEEP_EINPUT (bad spec or database:
 * exit status 2), EXP_SWEEP_ERUNTIME (I/O, locked, full, a worker died:
 * exit status 1), EXP_SWEEP_EINTERRUPTED (stopped by *stop; finished work
 * committed). */

/* The shard rule (documented in the sweep's --help):
 *   grid experiments:   run (i, r) of point index i (0-based) and
 *                       replication r (1-based) belongs to shard
 *                       ((i * replications + r - 1) mod N) + 1;
 *   target experiments: all runs of point i belong to shard (i mod N) + 1;
 *   search experiments: all probes of combination c (0-based) belong to
 *                       shard (c mod N) + 1.
 * So every run is in exactly one shard, and adaptive decisions never need
 * another shard's runs. */

/* Runs the sweep. REPORT is filled as the sweep goes (also on failure).
 * Returns 0 or an EXP_SWEEP_E* code with a message in ERR (for
 * EXP_SWEEP_EINTERRUPTED and EXP_SWEEP_ERUNTIME after runs were stored, the
 * message says how to resume). */
int exp_sweep_run(const exp_sweep_options *o, exp_sweep_report *report, char *err, size_t errlen);

#endif
