/*
 * The sweep runner. Data structures:
 *   - one xp per experiment of the spec: its database id and point-id block;
 *   - one unit per piece of work that decides on its own: a point of a grid
 *     or target experiment, or a combination of a search experiment (its
 *     probes are points made one after another);
 *   - per point a point_rec: which replications are present or in flight
 *     and what each run said (for adaptive decisions);
 *   - a FIFO of tasks (unit, replication) and the worker pool.
 * Units are activated lazily in canonical order, so memory and the open
 * configurations stay bounded by the work in hand, not by the spec.
 *
 * Invariants: a unit's decisions read only its own runs 1..goal, all
 * present; a unit hands out no new task while its batch has runs in flight;
 * every database write happens inside the writer's open transaction, and a
 * unit's final writes (stop reason, threshold) go in the same transaction as
 * its last run, so a run being committed implies the decisions after it are.
 * Nothing is written (no history row either) by a sweep that has nothing to
 * do.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "experiments/runner.h"
#include "experiments/runner_int.h"
#include "experiments/search.h"
#include "experiments/spec.h"
#include "models/core/params.h"
#include "results/store.h"
#include "sim/rng.h"

#define TAG_REP_BITS 17 /* replications < 2^17 > RES_MAX_REPLICATIONS */
#define COMMIT_RUNS 256
#define COMMIT_SECONDS 0.5
#define PROGRESS_SECONDS 0.2

enum { U_IDLE = 0, U_ACTIVE, U_DONE, U_FAILED };
enum { S_LO = 0, S_HI, S_BISECT };

typedef struct point_rec {
    int64_t point_id;
    uint32_t cap;               /* reps[1..cap] exist */
    exp_rep *reps;
} point_rec;

typedef struct unit {
    uint32_t xp;
    uint8_t state, stage, touched;
    uint64_t index;             /* point index or combination, 0-based */
    uint32_t goal;              /* replications 1..goal wanted of the current point */
    uint32_t outstanding;       /* tasks handed out, results not back */
    int64_t est;                /* runs still expected, for progress */
    scn_config *cfg;            /* the current point's parameters while active */
    point_rec *recs;            /* grid/target: 1; search: probes_per_combo */
    uint32_t cur;               /* the current point: recs[cur] */
    uint32_t n_probes;          /* search: probes made */
    int pass_a;                 /* search: decision at bracket end a */
    uint32_t n_undecided;
    uint64_t n_runs;            /* search: runs used by decided probes */
    double a, b, x;             /* search: bracket ends and probe in hand */
} unit;

typedef struct xp {
    const exp_experiment *e;
    int64_t id, first_point_id;
    int is_new, complete_in_db, failed;
    size_t first_unit, n_units, n_done_units;
} xp;

typedef struct task_ref {
    size_t unit;
    uint32_t rep;
} task_ref;

typedef struct sweep {
    const exp_sweep_options *o;
    exp_sweep_report *rep;
    char *err;
    size_t errlen;
    exp_spec *spec;
    res_store *db;
    int lock_fd;
    xp *xps;
    unit *units;
    size_t n_units, cursor;
    task_ref *queue;
    size_t q_head, q_len, q_cap;
    exp_pool *pool;
    int64_t history_id;
    int wrote;                  /* anything written by this invocation */
    uint64_t tx_runs;
    double tx_start, t0;
    long commit_every;
    int fatal;                  /* EXP_SWEEP_E* once a fatal error happened */
    double wall_sum;            /* runs' own wall time so far, for the pool depth */
    uint64_t wall_n;
} sweep;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(sweep *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(sweep *s, int code, const char *fmt, ...)
{
    if (s->fatal) return s->fatal;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, s->errlen, fmt, ap);
    va_end(ap);
    s->fatal = code;
    return code;
}

/* A store error: input errors (exit 2) or runtime ones (exit 1). */
static int fail_store(sweep *s, int rc)
{
    return fail(s, res_error_is_input(rc) ? EXP_SWEEP_EINPUT : EXP_SWEEP_ERUNTIME, "%s", res_store_errmsg(s->db));
}

/* ---- the writer ---- */

static int w_begin(sweep *s)
{
    if (s->fatal) return s->fatal;
    if (res_store_in_transaction(s->db)) return 0;
    int rc = res_store_begin(s->db);
    if (rc) return fail_store(s, rc);
    s->tx_start = now_s();
    s->tx_runs = 0;
    if (!s->wrote) {
        s->wrote = 1;
        rc = res_history_begin(s->db, s->o->command_line, &s->history_id);
        if (rc) return fail_store(s, rc);
    }
    return 0;
}

static int w_commit(sweep *s)
{
    if (!res_store_in_transaction(s->db)) return 0;
    int rc = res_store_commit(s->db);
    return rc ? fail_store(s, rc) : 0;
}

static void maybe_commit(sweep *s)
{
    if (!res_store_in_transaction(s->db)) return;
    if ((long)s->tx_runs >= s->commit_every || now_s() - s->tx_start >= COMMIT_SECONDS) w_commit(s);
}

/* ---- points and replications ---- */

static const exp_experiment *ex_of(const sweep *s, const unit *u) { return s->xps[u->xp].e; }

static int grid_rep_in_shard(const sweep *s, const unit *u, uint32_t rep)
{
    unsigned n = s->o->shard_n;
    if (n <= 1 || ex_of(s, u)->kind != EXP_GRID) return 1;
    uint64_t run = u->index * ex_of(s, u)->replications + (rep - 1);
    return run % n == s->o->shard_k - 1;
}

static int rec_reserve(point_rec *pr, uint32_t n)
{
    if (n <= pr->cap) return 0;
    uint32_t cap = pr->cap ? pr->cap : 4;
    while (cap < n) cap *= 2;
    size_t old_count = pr->reps ? (size_t)pr->cap + 1 : 0, new_count = (size_t)cap + 1;
    exp_rep *grown = realloc(pr->reps, new_count * sizeof *grown);
    if (!grown) return -1;
    memset(grown + old_count, 0, (new_count - old_count) * sizeof *grown);
    pr->reps = grown;
    pr->cap = cap;
    return 0;
}

/* Whether replications 1..goal of PR that this shard makes are present. */
static int batch_complete(const sweep *s, const unit *u, const point_rec *pr, uint32_t goal)
{
    for (uint32_t r = 1; r <= goal; r++)
        if (grid_rep_in_shard(s, u, r) && (r > pr->cap || !pr->reps[r].present)) return 0;
    return 1;
}

static int push_task(sweep *s, size_t ui, uint32_t rep)
{
    if (s->q_len == s->q_cap) {
        size_t cap = s->q_cap ? 2 * s->q_cap : 256;
        task_ref *grown = malloc(cap * sizeof *grown);
        if (!grown) return fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
        for (size_t i = 0; i < s->q_len; i++) grown[i] = s->queue[(s->q_head + i) % s->q_cap];
        free(s->queue);
        s->queue = grown;
        s->q_head = 0;
        s->q_cap = cap;
    }
    s->queue[(s->q_head + s->q_len++) % s->q_cap] = (task_ref){ui, rep};
    return 0;
}

/* Queues the missing runs 1..goal of the current point; returns how many. */
static uint32_t queue_batch(sweep *s, size_t ui)
{
    unit *u = &s->units[ui];
    point_rec *pr = &u->recs[u->cur];
    if (rec_reserve(pr, u->goal)) return fail(s, EXP_SWEEP_ERUNTIME, "out of memory"), 0;
    uint32_t n = 0;
    for (uint32_t r = 1; r <= u->goal; r++) {
        exp_rep *x = &pr->reps[r];
        if (x->present || x->in_flight || !grid_rep_in_shard(s, u, r)) continue;
        if (push_task(s, ui, r)) return 0;
        x->in_flight = 1;
        u->outstanding++;
        u->touched = 1;
        if (u->est > 0) u->est--;
        else s->rep->n_total++;
        n++;
    }
    return n;
}

static void unit_done(sweep *s, unit *u, int state)
{
    u->state = (uint8_t)state;
    free(u->cfg);
    u->cfg = NULL;
    uint32_t n = ex_of(s, u)->kind == EXP_SEARCH ? ex_of(s, u)->probes_per_combo : 1;
    for (uint32_t i = 0; u->recs && i < n; i++) free(u->recs[i].reps);
    free(u->recs);
    u->recs = NULL;
    s->rep->n_total -= (uint64_t)u->est;
    u->est = 0;
    if (state == U_DONE) s->xps[u->xp].n_done_units++;
    else s->xps[u->xp].failed = 1;
}

/* ---- threshold search ---- */

static int params_equal(const scn_config *a, const scn_config *b)
{
    for (size_t i = 0; i < scn_param_count(); i++)
        if (scn_param_load(scn_param_at(i), a) != scn_param_load(scn_param_at(i), b)) return 0;
    return 1;
}

/* Makes the next probe of search unit U at value X: its point exists in the
 * database afterwards (made now, or found identical from an earlier run). */
static int start_probe(sweep *s, unit *u, double x)
{
    const exp_experiment *e = ex_of(s, u);
    xp *xx = &s->xps[u->xp];
    char msg[600];
    scn_config cfg, have;
    if (exp_point_config(e, u->index, x, &cfg, msg, sizeof msg)) return fail(s, EXP_SWEEP_EINPUT, "%s", msg);
    uint32_t probe = ++u->n_probes;
    if (probe > e->probes_per_combo) return fail(s, EXP_SWEEP_ERUNTIME, "search of %s made too many probes", e->name);
    int64_t index = (int64_t)u->index * e->probes_per_combo + probe;
    int64_t pid = xx->first_point_id + index - 1;
    int exists = 0;
    int rc = res_point_get(s->db, pid, &exists, &have);
    if (rc) return fail_store(s, rc);
    if (exists && !params_equal(&have, &cfg))
        return fail(s, EXP_SWEEP_EINPUT, "%s: point %lld (probe %u of combination %llu of %s) holds other parameters "
                    "than the search makes now; the database does not belong to this spec",
                    s->o->db_path, (long long)pid, probe, (unsigned long long)u->index + 1, e->name);
    if (!exists) {
        if (w_begin(s)) return s->fatal;
        rc = res_point_insert(s->db, pid, xx->id, index, (int64_t)u->index + 1, probe, &cfg);
        if (rc) return fail_store(s, rc);
        u->touched = 1;
    }
    *u->cfg = cfg;
    u->cur = probe - 1;
    u->recs[u->cur].point_id = pid;
    u->goal = e->replications;
    u->x = x;
    return 0;
}

static int finish_search(sweep *s, unit *u, const char *status, double lo, double hi)
{
    const exp_experiment *e = ex_of(s, u);
    int bracketed = !strcmp(status, "bracketed");
    res_threshold t = {s->xps[u->xp].id,
                       (int64_t)u->index + 1,
                       u->recs[0].point_id,
                       e->axes[e->search_axis].param->name,
                       exp_outcome_name(e->outcome),
                       status,
                       e->search_value,
                       bracketed ? sqrt(lo) * sqrt(hi) : NAN,
                       lo,
                       hi,
                       u->n_probes,
                       (int64_t)u->n_runs,
                       u->n_undecided};
    if (u->touched) {
        if (w_begin(s)) return s->fatal;
        int rc = res_threshold_put(s->db, &t);
        if (rc) return fail_store(s, rc);
    }
    unit_done(s, u, U_DONE);
    return 0;
}

/* The current probe is decided (D); moves the search on. 1 = more work queued
 * or being made, 0 = the unit finished. */
static int search_next(sweep *s, unit *u, int d)
{
    const exp_experiment *e = ex_of(s, u);
    const exp_axis *ax = &e->axes[e->search_axis];
    double x;
    int integral = ax->param->type != PRM_REAL && ax->param->type != PRM_PROB;
    if (u->stage == S_LO) {
        u->pass_a = d;
        u->a = ax->values[0];
        u->stage = S_HI;
        return start_probe(s, u, ax->values[1]) ? 0 : 1;
    }
    if (u->stage == S_HI) {
        u->b = ax->values[1];
        if (d == u->pass_a) {
            finish_search(s, u, d == EXP_PASS ? "all_pass" : "none_pass", u->a, u->b);
            return 0;
        }
        u->stage = S_BISECT;
    } else if (d == u->pass_a) {
        u->a = u->x;
    } else {
        u->b = u->x;
    }
    if (u->n_probes < e->probes_per_combo && exp_bisect(u->a, u->b, e->precision, integral, &x))
        return start_probe(s, u, x) ? 0 : 1;
    finish_search(s, u, "bracketed", fmin(u->a, u->b), fmax(u->a, u->b));
    return 0;
}

/* ---- units ---- */

/* Writes the stop reason of a decided adaptive point (when it changed now). */
static int set_stop(sweep *s, unit *u, const char *reason)
{
    if (!u->touched) return 0;
    if (w_begin(s)) return s->fatal;
    int rc = res_point_set_stop(s->db, u->recs[u->cur].point_id, reason);
    return rc ? fail_store(s, rc) : 0;
}

/* Moves unit UI on as far as the runs at hand allow: queues the next batch
 * or decides. Called on activation and when a batch's last run is back. */
static void unit_advance(sweep *s, size_t ui)
{
    unit *u = &s->units[ui];
    const exp_experiment *e = ex_of(s, u);
    while (!s->fatal && u->state == U_ACTIVE && u->outstanding == 0) {
        point_rec *pr = &u->recs[u->cur];
        if (!batch_complete(s, u, pr, u->goal)) {
            if (queue_batch(s, ui) > 0 || s->fatal) return;
            continue;
        }
        if (e->kind == EXP_GRID) {
            unit_done(s, u, U_DONE);
            return;
        }
        int final = u->goal >= e->max_replications;
        if (e->kind == EXP_TARGET) {
            if (exp_precision_met(e->outcome, e->target_halfwidth, pr->reps, u->goal) || final) {
                int met = exp_precision_met(e->outcome, e->target_halfwidth, pr->reps, u->goal);
                set_stop(s, u, met ? "precision" : "max_replications");
                unit_done(s, u, U_DONE);
                return;
            }
        } else {
            int d = exp_decide(e->outcome, e->search_value, pr->reps, u->goal, final);
            if (d != EXP_UNDECIDED) {
                int undecided = exp_decide(e->outcome, e->search_value, pr->reps, u->goal, 0) == EXP_UNDECIDED;
                u->n_undecided += (uint32_t)undecided;
                u->n_runs += u->goal;
                set_stop(s, u, undecided ? "max_replications" : "decided");
                if (!search_next(s, u, d)) return;
                continue;
            }
        }
        uint32_t next = u->goal + e->replications;
        u->goal = next > e->max_replications ? e->max_replications : next;
    }
}

static void unit_activate(sweep *s, size_t ui)
{
    unit *u = &s->units[ui];
    const exp_experiment *e = ex_of(s, u);
    char msg[600];
    uint32_t n_recs = e->kind == EXP_SEARCH ? e->probes_per_combo : 1;
    if (!u->recs && !(u->recs = calloc(n_recs, sizeof *u->recs))) {
        fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
        return;
    }
    if (!(u->cfg = malloc(sizeof *u->cfg))) {
        fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
        return;
    }
    u->state = U_ACTIVE;
    if (e->kind == EXP_SEARCH) {
        u->stage = S_LO;
        if (start_probe(s, u, e->axes[e->search_axis].values[0])) return;
    } else {
        if (exp_point_config(e, u->index, 0, u->cfg, msg, sizeof msg)) {
            fail(s, EXP_SWEEP_EINPUT, "%s", msg);
            return;
        }
        u->recs[0].point_id = s->xps[u->xp].first_point_id + (int64_t)u->index;
        u->goal = e->replications;
    }
    unit_advance(s, ui);
}

/* The unit of experiment X holding point POINT_ID, and the point's record. */
static point_rec *rec_of_point(sweep *s, size_t xi, int64_t point_id)
{
    xp *x = &s->xps[xi];
    const exp_experiment *e = x->e;
    int64_t k = point_id - x->first_point_id; /* 0-based index in the block */
    unsigned n = s->o->shard_n, kk = s->o->shard_k - 1;
    uint64_t idx = e->kind == EXP_SEARCH ? (uint64_t)k / e->probes_per_combo : (uint64_t)k;
    uint32_t probe = e->kind == EXP_SEARCH ? (uint32_t)(k % e->probes_per_combo) : 0;
    if (k < 0 || idx >= e->n_points) return NULL;
    size_t pos = idx;
    if (e->kind != EXP_GRID) {
        if (idx % n != kk) return NULL;
        pos = idx / n;
    }
    unit *u = &s->units[x->first_unit + pos];
    uint32_t n_recs = e->kind == EXP_SEARCH ? e->probes_per_combo : 1;
    if (!u->recs && !(u->recs = calloc(n_recs, sizeof *u->recs))) return NULL;
    u->recs[probe].point_id = point_id;
    return &u->recs[probe];
}

static int load_run(void *ctx, const res_run_brief *b)
{
    sweep *s = ((void **)ctx)[0];
    size_t xi = *(size_t *)((void **)ctx)[1];
    point_rec *pr = rec_of_point(s, xi, b->point_id);
    if (!pr || b->replication < 1 || b->replication > RES_MAX_REPLICATIONS) return 0;
    if (rec_reserve(pr, b->replication)) return fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
    exp_rep *r = &pr->reps[b->replication];
    if (!r->present) s->rep->n_present++;
    r->present = 1;
    r->completed = (uint8_t)(b->completed != 0);
    r->interrupted = (uint8_t)(b->n_interruptions > 0);
    r->duration_s = b->duration_s;
    r->n_interruptions = b->n_interruptions;
    return 0;
}

/* Creates the units of every experiment and loads the runs already stored. */
static int make_units(sweep *s)
{
    unsigned n = s->o->shard_n, k = s->o->shard_k - 1;
    size_t total = 0;
    for (size_t i = 0; i < s->spec->n; i++) {
        const exp_experiment *e = s->xps[i].e;
        size_t nu = e->kind == EXP_GRID ? e->n_points : (e->n_points > k ? (e->n_points - k + n - 1) / n : 0);
        s->xps[i].first_unit = total;
        s->xps[i].n_units = nu;
        total += nu;
    }
    s->units = calloc(total ? total : 1, sizeof *s->units);
    if (!s->units) return fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
    s->n_units = total;
    for (size_t i = 0; i < s->spec->n; i++) {
        const exp_experiment *e = s->xps[i].e;
        for (size_t j = 0; j < s->xps[i].n_units; j++) {
            unit *u = &s->units[s->xps[i].first_unit + j];
            u->xp = (uint32_t)i;
            u->index = e->kind == EXP_GRID ? j : j * n + k;
            uint64_t per = e->kind == EXP_SEARCH ? (uint64_t)e->probes_per_combo * e->replications : e->replications;
            if (e->kind == EXP_GRID && n > 1) {
                per = 0;
                for (uint32_t r = 1; r <= e->replications; r++) per += grid_rep_in_shard(s, u, r);
            }
            u->est = (int64_t)per;
            s->rep->n_total += per;
        }
        if (s->xps[i].is_new) continue;
        void *ctx[2] = {s, &i};
        int rc = res_runs_scan(s->db, s->xps[i].id, load_run, ctx);
        if (rc && !s->fatal) return fail_store(s, rc);
        if (s->fatal) return s->fatal;
    }
    /* Runs found already count as done, not as expected. */
    for (size_t i = 0; i < s->n_units; i++) {
        unit *u = &s->units[i];
        const exp_experiment *e = ex_of(s, u);
        if (!u->recs || e->kind == EXP_SEARCH) continue;
        for (uint32_t r = 1; r <= u->recs[0].cap && r <= e->replications; r++)
            if (u->recs[0].reps[r].present && grid_rep_in_shard(s, u, r) && u->est > 0) u->est--, s->rep->n_total--;
    }
    return 0;
}

/* ---- results and dispatch ---- */

/* The one place a run's seed is made: the same for every point (common
 * random numbers), whatever the jobs or shards. */
static uint64_t run_seed(const exp_experiment *e, uint32_t rep) { return sim_rng_run_seed(e->seed, rep); }

static uint64_t tag_of(size_t ui, uint32_t rep) { return ((uint64_t)ui << TAG_REP_BITS) | rep; }

static void handle_done(sweep *s, exp_done *d)
{
    size_t ui = (size_t)(d->tag >> TAG_REP_BITS);
    uint32_t rep = (uint32_t)(d->tag & ((1u << TAG_REP_BITS) - 1));
    unit *u = &s->units[ui];
    const exp_experiment *e = ex_of(s, u);
    point_rec *pr = &u->recs[u->cur];
    exp_rep *x = &pr->reps[rep];
    x->in_flight = 0;
    u->outstanding--;
    if (d->status != 0) {
        s->rep->n_errors++;
        if (u->state == U_ACTIVE) u->state = U_FAILED;
        if (s->rep->n_errors == 1)
            snprintf(s->err, s->errlen,
                     "experiment %s, point %lld, replication %u: the model refused the run (error %d)", e->name,
                     (long long)pr->point_id, rep, d->status);
    } else if (!w_begin(s)) {
        int rc = res_run_insert(s->db, pr->point_id, rep, run_seed(e, rep), &d->r);
        if (rc) {
            fail_store(s, rc);
        } else {
            x->present = 1;
            x->completed = (uint8_t)(d->r.completed != 0);
            x->interrupted = (uint8_t)(d->r.n_interruptions > 0);
            x->duration_s = d->r.duration_s;
            x->n_interruptions = (double)d->r.n_interruptions;
            s->rep->n_done++;
            s->rep->n_failed_copies += !d->r.completed;
            s->tx_runs++;
        }
    }
    if (d->status == 0) scn_result_fini(&d->r);
    if (u->outstanding == 0 && u->state == U_FAILED) unit_done(s, u, U_FAILED);
    else if (u->outstanding == 0 && u->state == U_ACTIVE) unit_advance(s, ui);
}

static int stopping(const sweep *s) { return s->fatal || (s->o->stop && *s->o->stop); }

/* Hands out queued tasks while workers have room, activating units as the
 * queue runs dry. */
static void dispatch(sweep *s)
{
    while (!stopping(s)) {
        if (s->q_len == 0) {
            if (s->cursor >= s->n_units) return;
            unit_activate(s, s->cursor++);
            continue;
        }
        if (!s->pool) {
            int rc = exp_pool_new(s->o->jobs, s->lock_fd, &s->pool);
            if (rc) {
                fail(s, EXP_SWEEP_ERUNTIME, "cannot start %u worker processes: %s", s->o->jobs, strerror(errno));
                return;
            }
            s->rep->jobs = s->o->jobs;
        }
        if (!exp_pool_has_room(s->pool)) return;
        task_ref t = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % s->q_cap;
        s->q_len--;
        unit *u = &s->units[t.unit];
        exp_task task;
        memset(&task, 0, sizeof task);
        task.tag = tag_of(t.unit, t.rep);
        task.seed = run_seed(ex_of(s, u), t.rep);
        task.cfg = *u->cfg;
        if (exp_pool_submit(s->pool, &task) != 0)
            fail(s, EXP_SWEEP_ERUNTIME, "a worker process died (its task pipe closed)");
    }
}

static void report_progress(sweep *s, int final)
{
    s->rep->elapsed_s = now_s() - s->t0;
    if (s->o->progress) s->o->progress(s->o->progress_ctx, s->rep, final);
}

/* The main loop: dispatch, collect, write, commit, report. */
static void run_loop(sweep *s)
{
    double last_progress = 0;
    for (;;) {
        dispatch(s);
        unsigned in_flight = s->pool ? exp_pool_in_flight(s->pool) : 0;
        if (in_flight == 0 && (stopping(s) || (s->q_len == 0 && s->cursor >= s->n_units))) break;
        if (in_flight == 0) continue;
        if (s->fatal || (s->o->stop && *s->o->stop >= 2)) break; /* drop the runs in hand */
        exp_done d;
        uint64_t tag = 0;
        char msg[256];
        int rc = exp_pool_wait(s->pool, 200, &d, &tag, msg, sizeof msg);
        if (rc == 1) {
            if (d.status == 0 && d.r.wall_s > 0) {
                /* Deeper queues for short runs: about 5 ms of work per worker. */
                s->wall_sum += d.r.wall_s;
                s->wall_n++;
                exp_pool_set_depth(s->pool, (unsigned)(0.005 / (s->wall_sum / s->wall_n)) + 2);
            }
            handle_done(s, &d);
            maybe_commit(s);
        } else if (rc == EXP_POOL_EDIED) {
            unit *u = &s->units[(size_t)(tag >> TAG_REP_BITS)];
            fail(s, EXP_SWEEP_ERUNTIME, "%s while running experiment %s, point %lld, replication %u", msg,
                 ex_of(s, u)->name, (long long)(u->recs ? u->recs[u->cur].point_id : 0),
                 (unsigned)(tag & ((1u << TAG_REP_BITS) - 1)));
        }
        double t = now_s();
        if (t - last_progress >= PROGRESS_SECONDS) {
            last_progress = t;
            report_progress(s, 0);
        }
    }
}

/* ---- experiments in the database ---- */

/* NAME is BASE or BASE-<digits>; *suffix_out = 1 for BASE, else the number. */
static int in_family(const char *name, const char *base, long *suffix_out)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0) return 0;
    if (name[n] == 0) return *suffix_out = 1, 1;
    if (name[n] != '-' || !name[n + 1]) return 0;
    char *end;
    long k = strtol(name + n + 1, &end, 10);
    if (*end || k < 2) return 0;
    *suffix_out = k;
    return 1;
}

/* Finds each spec experiment in the database (by name family and hash) or
 * plans it as new; refuses a changed spec without --force-new. Writes
 * nothing. NEW_NAMES receives the names of new experiments. */
static int match_experiments(sweep *s, char **new_names)
{
    res_experiment *list = NULL;
    size_t n = 0;
    int rc = res_experiments_list(s->db, &list, &n);
    if (rc) return fail_store(s, rc);
    for (size_t i = 0; i < s->spec->n && !s->fatal; i++) {
        const exp_experiment *e = &s->spec->exps[i];
        long max_suffix = 0, suffix;
        int exact = -1, same = -1;
        for (size_t j = 0; j < n; j++) {
            if (!in_family(list[j].name, e->name, &suffix)) continue;
            if (suffix > max_suffix) max_suffix = suffix;
            if (suffix == 1) exact = (int)j;
            if (list[j].spec_hash && !strcmp(list[j].spec_hash, e->hash)) same = (int)j;
        }
        xp *x = &s->xps[i];
        x->e = e;
        char name[300];
        if (same >= 0) {
            x->id = list[same].id;
            x->first_point_id = list[same].first_point_id;
            x->complete_in_db = list[same].status && !strcmp(list[same].status, "complete");
            continue;
        }
        if (exact >= 0 && !s->o->force_new) {
            fail(s, EXP_SWEEP_EINPUT,
                 "%s:%d: experiment '%s' in %s was made from a different spec (created %s); its results are kept. "
                 "Rerun with --force-new to store this spec as '%s-%ld' beside it, or use another --db",
                 s->spec->path, e->line, e->name, s->o->db_path, list[exact].created_at, e->name,
                 max_suffix < 2 ? 2 : max_suffix + 1);
            break;
        }
        if (exact >= 0) snprintf(name, sizeof name, "%s-%ld", e->name, max_suffix < 2 ? 2 : max_suffix + 1);
        else snprintf(name, sizeof name, "%s", e->name);
        x->is_new = 1;
        if (!(new_names[i] = strdup(name))) fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
    }
    res_experiments_free(list, n);
    return s->fatal;
}

/* Creates the new experiments and their points (search probes come later). */
static int create_experiments(sweep *s, char **new_names)
{
    int64_t next = 0;
    for (size_t i = 0; i < s->spec->n && !s->fatal; i++) {
        xp *x = &s->xps[i];
        const exp_experiment *e = x->e;
        if (!x->is_new) continue;
        if (w_begin(s)) return s->fatal;
        int rc = next ? 0 : res_next_point_id(s->db, &next);
        if (rc) return fail_store(s, rc);
        int search = e->kind == EXP_SEARCH;
        res_experiment r;
        memset(&r, 0, sizeof r);
        r.name = new_names[i];
        r.spec_text = e->text;
        r.spec_hash = (char *)e->hash;
        r.spec_file = s->spec->path;
        r.kind = (char *)exp_kind_name(e->kind);
        r.master_seed = e->seed;
        r.replications = e->replications;
        r.max_replications = e->max_replications;
        r.target_outcome = e->kind == EXP_TARGET ? (char *)exp_outcome_name(e->outcome) : NULL;
        r.target_halfwidth = e->kind == EXP_TARGET ? e->target_halfwidth : NAN;
        r.search_param = search ? (char *)e->axes[e->search_axis].param->name : NULL;
        r.search_outcome = search ? (char *)exp_outcome_name(e->outcome) : NULL;
        r.search_value = search ? e->search_value : NAN;
        r.search_precision = search ? e->precision : NAN;
        r.n_combos = search ? (int64_t)e->n_points : 0;
        r.probes_per_combo = search ? e->probes_per_combo : 0;
        r.first_point_id = next;
        r.n_point_ids = (int64_t)e->n_points * (search ? e->probes_per_combo : 1);
        r.status = "running";
        rc = res_experiment_insert(s->db, &r);
        if (rc) return fail_store(s, rc);
        x->id = r.id;
        x->first_point_id = next;
        next += r.n_point_ids;
        s->rep->n_new_experiments++;
        for (uint64_t k = 0; !search && k < e->n_points; k++) {
            scn_config cfg;
            char msg[600];
            if (exp_point_config(e, k, 0, &cfg, msg, sizeof msg)) return fail(s, EXP_SWEEP_EINPUT, "%s", msg);
            rc = res_point_insert(s->db, x->first_point_id + (int64_t)k, x->id, (int64_t)k + 1, 0, 0, &cfg);
            if (rc) return fail_store(s, rc);
        }
    }
    return w_commit(s);
}

/* Every point's parameters pass the registry's checks, and the size guard. */
static int check_spec(sweep *s)
{
    uint64_t runs = 0;
    char msg[600];
    for (size_t i = 0; i < s->spec->n; i++) {
        const exp_experiment *e = &s->spec->exps[i];
        scn_config cfg;
        for (uint64_t k = 0; k < e->n_points; k++) {
            int bad = e->kind == EXP_SEARCH
                          ? exp_point_config(e, k, e->axes[e->search_axis].values[0], &cfg, msg, sizeof msg) ||
                                exp_point_config(e, k, e->axes[e->search_axis].values[1], &cfg, msg, sizeof msg)
                          : exp_point_config(e, k, 0, &cfg, msg, sizeof msg);
            if (bad) return fail(s, EXP_SWEEP_EINPUT, "%s: %s", s->spec->path, msg);
        }
        runs = runs + e->n_runs_min < runs ? UINT64_MAX : runs + e->n_runs_min;
    }
    if (runs > EXP_SWEEP_GUARD && !s->o->yes)
        return fail(s, EXP_SWEEP_EINPUT,
                    "%s asks for %llu runs or more, beyond the guard of %d; check the spec, or add --yes to run it",
                    s->spec->path, (unsigned long long)runs, EXP_SWEEP_GUARD);
    return 0;
}

static int lock_db(sweep *s)
{
    s->lock_fd = open(s->o->db_path, O_RDONLY | O_CLOEXEC);
    if (s->lock_fd < 0) return fail(s, EXP_SWEEP_ERUNTIME, "%s: cannot open: %s", s->o->db_path, strerror(errno));
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return fail(s, EXP_SWEEP_ERUNTIME, "%s is being written by another rekeysim sweep; wait for it or use "
                    "another --db", s->o->db_path);
    return 0;
}

/* ---- the whole sweep ---- */

/* Creates the directory of PATH (one level, as for the default results/). */
static void make_dir_of(sweep *s, const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return;
    *slash = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        fail(s, EXP_SWEEP_ERUNTIME, "cannot create the directory %s: %s", dir, strerror(errno));
}

static void finish(sweep *s, int interrupted)
{
    if (!s->db) return;
    /* Runs made before a failure are good: keep them if the database takes them. */
    if (s->fatal && res_store_in_transaction(s->db) && res_store_commit(s->db) != 0) res_store_rollback(s->db);
    for (size_t i = 0; !s->fatal && !interrupted && i < s->spec->n; i++) {
        xp *x = &s->xps[i];
        if (x->failed || x->n_done_units != x->n_units || x->complete_in_db) continue;
        if (w_begin(s)) break;
        int rc = res_experiment_set_status(s->db, x->id, "complete");
        if (rc) fail_store(s, rc);
    }
    if (!s->wrote) return;
    const char *outcome = s->fatal ? "failed" : interrupted ? "interrupted" : s->rep->n_errors ? "errors" : "complete";
    int ok = res_store_in_transaction(s->db) || res_store_begin(s->db) == 0;
    ok = ok && res_history_end(s->db, s->history_id, outcome) == 0;
    int rc = ok ? res_store_commit(s->db) : 0;
    if (!ok) res_store_rollback(s->db);
    if (rc && !s->fatal) fail_store(s, rc);
}

int exp_sweep_run(const exp_sweep_options *o, exp_sweep_report *report, char *err, size_t errlen)
{
    sweep sw, *s = &sw;
    memset(s, 0, sizeof *s);
    memset(report, 0, sizeof *report);
    s->o = o;
    s->rep = report;
    s->err = err;
    s->errlen = errlen;
    s->lock_fd = -1;
    s->t0 = now_s();
    const char *every = getenv("REKEYSIM_TEST_COMMIT_EVERY"); /* test-only: runs per commit */
    s->commit_every = every && atol(every) > 0 ? atol(every) : COMMIT_RUNS;
    char **new_names = NULL;
    char msg[1024];

    int rc = exp_spec_new(o->spec_path, msg, sizeof msg, &s->spec);
    if (rc) fail(s, rc == EXP_ENOMEM ? EXP_SWEEP_ERUNTIME : EXP_SWEEP_EINPUT, "%s", msg);
    if (!s->fatal) check_spec(s);
    if (!s->fatal) {
        report->n_experiments = s->spec->n;
        s->xps = calloc(s->spec->n, sizeof *s->xps);
        new_names = calloc(s->spec->n, sizeof *new_names);
        if (!s->xps || !new_names) fail(s, EXP_SWEEP_ERUNTIME, "out of memory");
    }
    if (!s->fatal && o->make_db_dir) make_dir_of(s, o->db_path);
    if (!s->fatal) {
        rc = res_store_new(o->db_path, RES_OPEN_CREATE, o->command_line, msg, sizeof msg, &s->db);
        if (rc) fail(s, res_error_is_input(rc) ? EXP_SWEEP_EINPUT : EXP_SWEEP_ERUNTIME, "%s", msg);
    }
    if (!s->fatal) lock_db(s);
    if (!s->fatal) report->other_build = res_store_same_build(s->db) == 0;
    if (!s->fatal) match_experiments(s, new_names);
    if (!s->fatal) create_experiments(s, new_names);
    if (!s->fatal) make_units(s);
    if (!s->fatal) run_loop(s);
    int interrupted = !s->fatal && o->stop && *o->stop;
    finish(s, interrupted);
    report->nothing_to_do = !s->fatal && !interrupted && !s->wrote && report->n_done == 0;
    report_progress(s, 1);
    exp_pool_free(s->pool, s->fatal || (o->stop && *o->stop >= 2));
    int result = s->fatal ? s->fatal : interrupted ? EXP_SWEEP_EINTERRUPTED : report->n_errors ? EXP_SWEEP_ERUNTIME : 0;
    if (result == EXP_SWEEP_EINTERRUPTED || (result == EXP_SWEEP_ERUNTIME && report->n_done > 0)) {
        size_t used = strlen(err);
        if (result == EXP_SWEEP_EINTERRUPTED) used = (size_t)snprintf(err, errlen, "interrupted");
        snprintf(err + used, errlen > used ? errlen - used : 0,
                 "; %llu runs of this invocation are stored in %s; run the same command again to resume",
                 (unsigned long long)report->n_done, o->db_path);
    }
    for (size_t i = 0; i < s->n_units; i++)
        if (s->units[i].state != U_DONE && s->units[i].state != U_FAILED) {
            free(s->units[i].cfg);
            uint32_t n = ex_of(s, &s->units[i])->kind == EXP_SEARCH ? ex_of(s, &s->units[i])->probes_per_combo : 1;
            for (uint32_t k = 0; s->units[i].recs && k < n; k++) free(s->units[i].recs[k].reps);
            free(s->units[i].recs);
        }
    free(s->units);
    free(s->queue);
    for (size_t i = 0; new_names && i < s->spec->n; i++) free(new_names[i]);
    free(new_names);
    free(s->xps);
    res_store_free(s->db);
    if (s->lock_fd >= 0) close(s->lock_fd);
    exp_spec_free(s->spec);
    return result;
}
