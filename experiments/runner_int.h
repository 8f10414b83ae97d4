#ifndef EXPERIMENTS_RUNNER_INT_H
#define EXPERIMENTS_RUNNER_INT_H
/*
 * Internals of the sweep, shared by the files that make it:
 *   runner.c  the orchestration: units' lifecycle, the task queue, the
 *             main loop, errors;
 *   plan.c    the spec as work: units, shards, run seeds, run counts;
 *   ledger.c  the database as ledger: the one writer's batched
 *             transactions, what is already there, resuming;
 *   search.c  the threshold search (pure, see search.h);
 *   pool.c    the worker processes (see pool_int.h).
 * Only ledger.c calls results/store.h's writers; only runner.c touches the
 * pool and the queue.
 */
#include <stddef.h>
#include <stdint.h>
#include "experiments/pool_int.h"
#include "experiments/runner.h"
#include "experiments/search.h"
#include "experiments/spec.h"
#include "models/core/params.h"
#include "results/store.h"

/* A unit's state. */
enum { EXP__U_IDLE = 0, EXP__U_ACTIVE, EXP__U_DONE, EXP__U_FAILED };

/* Per point: which replications are present or in flight and what each
 * run said (for adaptive decisions). */
typedef struct exp__point_rec {
    int64_t point_id;
    uint32_t cap; /* reps[1..cap] exist */
    exp_rep *reps;
} exp__point_rec;

/* One piece of work that decides on its own: a point of a grid or target
 * experiment, or a combination of a search experiment (its probes are
 * points made one after another). */
typedef struct exp__unit {
    uint32_t xp;
    uint8_t state, touched; /* touched: this invocation queued runs or wrote points for it */
    uint64_t index;         /* point index or combination, 0-based */
    uint32_t goal;          /* replications 1..goal wanted of the current point */
    uint32_t outstanding;   /* tasks handed out, results not back */
    int64_t est;            /* runs still expected, for progress */
    prm_config *cfg;        /* the current point's parameters while active */
    exp__point_rec *recs;   /* grid/target: 1; search: probes_per_combo */
    uint32_t cur;           /* the current point: recs[cur] */
    exp_search search;      /* search experiments: the bisection's state */
} exp__unit;

/* One experiment of the spec: its database id and point-id block. */
typedef struct exp__xp {
    const exp_experiment *e;
    int64_t id, first_point_id;
    int is_new, complete_in_db, failed;
    size_t first_unit, n_units, n_done_units;
} exp__xp;

typedef struct exp__task_ref {
    size_t unit;
    uint32_t rep;
} exp__task_ref;

/* The state of one exp_sweep_run invocation. */
typedef struct exp__sweep {
    const exp_sweep_options *o;
    exp_sweep_report *rep;
    char *err;
    size_t errlen;
    exp_spec *spec;
    res_store *db;
    int lock_fd;
    exp__xp *xps;
    exp__unit *units;
    size_t n_units, cursor; /* units are activated in order; cursor is the next */
    exp__task_ref *queue;   /* FIFO ring of tasks not yet handed out */
    size_t q_head, q_len, q_cap;
    exp__pool *pool;
    int64_t history_id;
    int wrote;            /* anything written by this invocation */
    uint64_t tx_runs;     /* runs in the open transaction */
    uint64_t n_committed; /* runs of this invocation in committed transactions */
    int db_gone;          /* the database file was deleted while being written */
    double tx_start, t0;
    long commit_every;
    int fatal;       /* EXP_SWEEP_E* once a fatal error happened */
    double wall_sum; /* runs' own wall time so far, for the pool depth */
    uint64_t wall_n;
} exp__sweep;

/* ---- runner.c ---- */

/* Records the first fatal error: CODE (EXP_SWEEP_E*) and its message in
 * s->err. Returns the sweep's fatal code (the first one recorded). */
int exp__fail(exp__sweep *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* exp__fail for store error RC: EXP_SWEEP_EINPUT for the user's input, else
 * EXP_SWEEP_ERUNTIME, with the store's message. */
int exp__fail_store(exp__sweep *s, int rc);
/* Monotonic seconds, for commit intervals and progress. */
double exp__now_s(void);
/* Makes PR->reps[1..N] exist (new ones zeroed). 0 or EXP_ENOMEM. */
int exp__rec_reserve(exp__point_rec *pr, uint32_t n);

/* ---- plan.c: pure functions of an experiment and the shard K of N ---- */

/* The shard (1..N) of run (INDEX, REP) of E; see runner.h for the rule. */
unsigned exp__plan_shard_of(const exp_experiment *e, uint64_t index, uint32_t rep, unsigned shard_n);
/* Units (grid: points; target: points; search: combinations) shard K of N
 * works on, and the point index (combination) of its J-th unit (0-based). */
uint64_t exp__plan_n_units(const exp_experiment *e, unsigned shard_k, unsigned shard_n);
uint64_t exp__plan_unit_index(const exp_experiment *e, uint64_t j, unsigned shard_k, unsigned shard_n);
/* Runs of unit INDEX known in advance in shard K of N (grid: its
 * replications in the shard; target: the first batch; search: every probe's
 * first batch), and of the whole experiment; both without enumerating. */
uint64_t exp__plan_unit_runs(const exp_experiment *e, uint64_t index, unsigned shard_k, unsigned shard_n);
uint64_t exp__plan_n_runs(const exp_experiment *e, unsigned shard_k, unsigned shard_n);
/* The unit of shard K of N holding the point at OFFSET (0-based) in E's
 * point-id block: 1 with its position among the shard's units of E and the
 * probe (0-based; 0 unless search), or 0 when no unit of the shard has it. */
int exp__plan_locate(const exp_experiment *e, int64_t offset, unsigned shard_k, unsigned shard_n, uint64_t *pos_out,
                     uint32_t *probe_out);
/* The one place a run's seed is made: the same for every point (common
 * random numbers), whatever the jobs or shards. */
uint64_t exp__plan_run_seed(const exp_experiment *e, uint32_t rep);

/* ---- plan.c: on the sweep ---- */

/* Every point's parameters pass the registry's checks, and the spec is
 * within the size guard. 0 or the sweep's fatal code. */
int exp__plan_check(exp__sweep *s);
/* Creates the units of every experiment (this shard's) with their expected
 * runs. 0 or the sweep's fatal code. */
int exp__plan_units(exp__sweep *s);
/* Once the stored runs are loaded: those of the first batch count as done,
 * not as expected. */
void exp__plan_count_present(exp__sweep *s);

/* ---- ledger.c ---- */

/* Creates the directory if asked, opens (or creates) the database, takes
 * the writer's lock and notes whether another build made it. */
int exp__ledger_open(exp__sweep *s);
/* Closes the database and releases the lock; a no-op when not open. */
void exp__ledger_close(exp__sweep *s);
/* Opens a transaction if none is open (the first one also opens this
 * invocation's history row); commits the open one; commits when the batch
 * is big or old enough. */
int exp__ledger_begin(exp__sweep *s);
int exp__ledger_commit(exp__sweep *s);
void exp__ledger_maybe_commit(exp__sweep *s);
/* Finds each spec experiment in the database or plans it as new (NEW_NAMES
 * receives the names to create; caller frees). Writes nothing. */
int exp__ledger_match(exp__sweep *s, char **new_names);
/* Creates the new experiments and their points (search probes come later). */
int exp__ledger_create(exp__sweep *s, char **new_names);
/* Loads the runs already stored into the units' point records. */
int exp__ledger_load(exp__sweep *s);
/* Stores run REP of unit U's current point and records what it said. */
int exp__ledger_put_run(exp__sweep *s, exp__unit *u, uint32_t rep, const out_result *r);
/* Makes sure probe PROBE (1-based) of search unit U exists with CFG: found
 * identical, or inserted. *point_id_out is its point id. */
int exp__ledger_probe_point(exp__sweep *s, exp__unit *u, uint32_t probe, const prm_config *cfg, int64_t *point_id_out);
/* The stop reason of unit U's current point, when this invocation made runs
 * for it; the threshold row of a finished search unit. */
int exp__ledger_set_stop(exp__sweep *s, exp__unit *u, const char *reason);
int exp__ledger_put_threshold(exp__sweep *s, const exp__unit *u);
/* Commits what is left, marks finished experiments complete and ends the
 * history row (failed, interrupted, errors or complete). */
void exp__ledger_finish(exp__sweep *s, int interrupted);

#endif
