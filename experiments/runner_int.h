#ifndef EXPERIMENTS_RUNNER_INT_H
#define EXPERIMENTS_RUNNER_INT_H
/*
 * Internals of the sweep runner, shared by runner.c (planning, units, the
 * single writer), workers.c (the pool of forked worker processes) and
 * search.c (decisions on a point's runs and the threshold bisection).
 */
#include <stdint.h>
#include "experiments/errors.h"
#include "models/config.h"
#include "models/scenario.h"

/* ---- worker pool (workers.c) ---- */

typedef struct exp_pool exp_pool;

/* One run to make. TAG comes back with its result. */
typedef struct exp_task {
    uint64_t tag;
    uint64_t seed;
    scn_config cfg;
} exp_task;

/* One finished run: STATUS is scn_run's return value; on 0, R holds the
 * result (R.interruptions is owned: release with scn_result_fini). */
typedef struct exp_done {
    uint64_t tag;
    int status;
    scn_result r;
} exp_done;

/* Starts N worker processes (each ignores SIGINT and dies with the parent).
 * CLOSE_FD, if >= 0, is closed in every worker (the writer's lock). */
int exp_pool_new(unsigned n, int close_fd, exp_pool **pool_out);
/* Closes the task pipes, waits for the workers (SIGKILL first if KILL). */
void exp_pool_free(exp_pool *p, int kill_first);
/* How many tasks each worker may hold (clamped to 2..16; 2 at start). */
void exp_pool_set_depth(exp_pool *p, unsigned depth);
/* Whether another task can be handed out now (a worker has room). */
int exp_pool_has_room(const exp_pool *p);
unsigned exp_pool_in_flight(const exp_pool *p);
/* Hands T to the least busy worker. Returns 0 or EXP_POOL_EDIED. */
int exp_pool_submit(exp_pool *p, const exp_task *t);
/* Waits up to TIMEOUT_MS for one result: 1 and *done_out, 0 on timeout or
 * signal, or EXP_POOL_EDIED with a description of the death in MSG and the
 * tag of a run the worker had in hand in *tag_out. */
int exp_pool_wait(exp_pool *p, int timeout_ms, exp_done *done_out, uint64_t *tag_out, char *msg, size_t msglen);

/* ---- decisions (search.c) ---- */

/* What a point's runs 1..n say about an outcome. */
typedef struct exp_rep {
    uint8_t present, in_flight, completed, interrupted;
    double duration_s;
    double n_interruptions;
} exp_rep;

typedef struct exp_estimate {
    uint32_t n;
    double value;       /* NAN when undefined (no completed run for a duration) */
    double lo, hi;      /* 95 % interval; lo = hi = value when degenerate, NAN when undefined */
} exp_estimate;

/* Estimate of OUTCOME (exp_outcome) over REPS[1..n] (all present). */
exp_estimate exp_estimate_outcome(int outcome, const exp_rep *reps, uint32_t n);

#endif
