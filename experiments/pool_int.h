#ifndef EXPERIMENTS_POOL_INT_H
#define EXPERIMENTS_POOL_INT_H
/*
 * The worker pool (experiments/pool.c): N forked processes that each run
 * the tasks handed to them with scn_run and send back the results, in the
 * order given. The pool knows runs and results, never the database, the
 * spec or what a tag means; the sweep runner is its one user.
 */
#include <stddef.h>
#include <stdint.h>
#include "experiments/errors.h"
#include "models/core/params.h"
#include "models/scenario.h"

typedef struct exp__pool exp__pool;

/* One run to make. TAG comes back with its result. */
typedef struct exp__task {
    uint64_t tag;
    uint64_t seed;
    prm_config cfg;
} exp__task;

/* One finished run: STATUS is scn_run's return value; on 0, R holds the
 * result (R.interruptions is owned: release with out_result_fini). */
typedef struct exp__done {
    uint64_t tag;
    int status;
    out_result r;
} exp__done;

/* Starts N worker processes (each ignores SIGINT, SIGTERM and SIGHUP, which
 * the caller handles, and dies with the parent).
 * CLOSE_FD, if >= 0, is closed in every worker (the writer's lock). Returns
 * 0 and *pool_out (caller frees with exp__pool_free), or EXP_POOL_EFORK with
 * errno telling why (no process is left behind). */
int exp__pool_new(unsigned n, int close_fd, exp__pool **pool_out);
/* Closes the task pipes and waits for the workers (SIGKILL first if
 * KILL_FIRST). Free of NULL is a no-op. */
void exp__pool_free(exp__pool *p, int kill_first);
/* How many tasks each worker may hold (clamped to 2..16; 2 at start). */
void exp__pool_set_depth(exp__pool *p, unsigned depth);
/* Whether another task can be handed out now (a worker has room). */
int exp__pool_has_room(const exp__pool *p);
/* Tasks handed out whose results have not been taken. */
unsigned exp__pool_in_flight(const exp__pool *p);
/* Hands a copy of T to the least busy worker. Returns 0 or EXP_POOL_EDIED. */
int exp__pool_submit(exp__pool *p, const exp__task *t);
/* Waits up to TIMEOUT_MS for one result: 1 and *done_out, 0 on timeout or
 * signal, or EXP_POOL_EDIED with a description of the death in MSG and the
 * tag of a run the worker had in hand in *tag_out. */
int exp__pool_wait(exp__pool *p, int timeout_ms, exp__done *done_out, uint64_t *tag_out, char *msg, size_t msglen);

#endif
