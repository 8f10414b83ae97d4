/*
 * The sweep runner: the orchestration of plan.c (the units of work and
 * their shards), ledger.c (the database), search.c (adaptive decisions)
 * and pool.c (the worker processes). Data structures (runner_int.h):
 *   - one exp__xp per experiment of the spec: its database id and
 *     point-id block;
 *   - one exp__unit per piece of work that decides on its own: a point of a
 *     grid or target experiment, or a combination of a search experiment;
 *   - per point an exp__point_rec: which replications are present or in
 *     flight and what each run said;
 *   - a FIFO ring of tasks (unit, replication) and the worker pool.
 * Units are activated lazily in canonical order, so memory and the open
 * configurations stay bounded by the work in hand, not by the spec.
 *
 * Invariants: a unit's decisions read only its own runs 1..goal, all
 * present; a unit hands out no new task while its batch has runs in flight;
 * a run's result comes back tagged with its unit and replication (the tag
 * packs both), so the order results arrive in never matters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "experiments/runner_int.h"

#define TAG_REP_BITS 17 /* replications < 2^17 > RES_MAX_REPLICATIONS */
#define PROGRESS_SECONDS 0.2

double exp__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int exp__fail(exp__sweep *s, int code, const char *fmt, ...)
{
    if (s->fatal) return s->fatal;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, s->errlen, fmt, ap);
    va_end(ap);
    s->fatal = code;
    return code;
}

int exp__fail_store(exp__sweep *s, int rc)
{
    return exp__fail(s, res_error_is_input(rc) ? EXP_SWEEP_EINPUT : EXP_SWEEP_ERUNTIME, "%s", res_store_errmsg(s->db));
}

static int fail_nomem(exp__sweep *s) { return exp__fail(s, EXP_SWEEP_ERUNTIME, "%s", exp_strerror(EXP_ENOMEM)); }

int exp__rec_reserve(exp__point_rec *pr, uint32_t n)
{
    if (n <= pr->cap) return 0;
    uint32_t cap = pr->cap ? pr->cap : 4;
    while (cap < n) cap *= 2;
    size_t old_count = pr->reps ? (size_t)pr->cap + 1 : 0, new_count = (size_t)cap + 1;
    exp_rep *grown = realloc(pr->reps, new_count * sizeof *grown);
    if (!grown) return EXP_ENOMEM;
    memset(grown + old_count, 0, (new_count - old_count) * sizeof *grown);
    pr->reps = grown;
    pr->cap = cap;
    return 0;
}

static const exp_experiment *ex_of(const exp__sweep *s, const exp__unit *u) { return s->xps[u->xp].e; }

static int rep_in_shard(const exp__sweep *s, const exp__unit *u, uint32_t rep)
{
    return exp__plan_shard_of(ex_of(s, u), u->index, rep, s->o->shard_n) == s->o->shard_k;
}

/* ---- units ---- */

/* Whether replications 1..goal of PR that this shard makes are present. */
static int batch_complete(const exp__sweep *s, const exp__unit *u, const exp__point_rec *pr, uint32_t goal)
{
    for (uint32_t r = 1; r <= goal; r++)
        if (rep_in_shard(s, u, r) && (r > pr->cap || !pr->reps[r].present)) return 0;
    return 1;
}

static int push_task(exp__sweep *s, size_t ui, uint32_t rep)
{
    if (s->q_len == s->q_cap) {
        size_t cap = s->q_cap ? 2 * s->q_cap : 256;
        exp__task_ref *grown = malloc(cap * sizeof *grown);
        if (!grown) return fail_nomem(s);
        for (size_t i = 0; i < s->q_len; i++) grown[i] = s->queue[(s->q_head + i) % s->q_cap];
        free(s->queue);
        s->queue = grown;
        s->q_head = 0;
        s->q_cap = cap;
    }
    s->queue[(s->q_head + s->q_len++) % s->q_cap] = (exp__task_ref){ui, rep};
    return 0;
}

/* Queues the missing runs 1..goal of the current point; returns how many. */
static uint32_t queue_batch(exp__sweep *s, size_t ui)
{
    exp__unit *u = &s->units[ui];
    exp__point_rec *pr = &u->recs[u->cur];
    if (exp__rec_reserve(pr, u->goal)) return fail_nomem(s), 0;
    uint32_t n = 0;
    for (uint32_t r = 1; r <= u->goal; r++) {
        exp_rep *x = &pr->reps[r];
        if (x->present || x->in_flight || !rep_in_shard(s, u, r)) continue;
        if (push_task(s, ui, r)) return 0;
        x->in_flight = 1;
        u->outstanding++;
        u->touched = 1;
        if (u->est > 0)
            u->est--;
        else
            s->rep->n_total++;
        n++;
    }
    return n;
}

/* Releases what an active unit holds. */
static void release_unit(const exp__sweep *s, exp__unit *u)
{
    free(u->cfg);
    u->cfg = NULL;
    uint32_t n = ex_of(s, u)->kind == EXP_SEARCH ? ex_of(s, u)->probes_per_combo : 1;
    for (uint32_t i = 0; u->recs && i < n; i++) free(u->recs[i].reps);
    free(u->recs);
    u->recs = NULL;
}

static void finish_unit(exp__sweep *s, exp__unit *u, int state)
{
    u->state = (uint8_t)state;
    release_unit(s, u);
    s->rep->n_total -= (uint64_t)u->est;
    u->est = 0;
    if (state == EXP__U_DONE)
        s->xps[u->xp].n_done_units++;
    else
        s->xps[u->xp].failed = 1;
}

/* Makes the next probe of search unit U at value X the current point: it
 * exists in the database afterwards (made now, or found identical from an
 * earlier run). */
static int start_probe(exp__sweep *s, exp__unit *u, double x)
{
    const exp_experiment *e = ex_of(s, u);
    char msg[600];
    prm_config cfg;
    if (exp_point_config(e, u->index, x, &cfg, msg, sizeof msg)) return exp__fail(s, EXP_SWEEP_EINPUT, "%s", msg);
    uint32_t probe = exp_search_started(&u->search, x);
    if (probe > e->probes_per_combo)
        return exp__fail(s, EXP_SWEEP_ERUNTIME, "search of %s made too many probes", e->name);
    int64_t pid;
    if (exp__ledger_probe_point(s, u, probe, &cfg, &pid)) return s->fatal;
    *u->cfg = cfg;
    u->cur = probe - 1;
    u->recs[u->cur].point_id = pid;
    u->goal = e->replications;
    return 0;
}

/* A search unit's current probe has its batch: 1 = go on (more runs or the
 * next probe queued), 0 = the unit finished or failed. */
static int search_advance(exp__sweep *s, exp__unit *u)
{
    const exp_experiment *e = ex_of(s, u);
    const char *stop = NULL;
    double x;
    int next = exp_search_step(&u->search, e, u->recs[u->cur].reps, u->goal, &stop, &x);
    if (next == EXP_SEARCH_MORE) return 1;
    exp__ledger_set_stop(s, u, stop);
    if (next == EXP_SEARCH_PROBE) return start_probe(s, u, x) ? 0 : 2;
    if (exp__ledger_put_threshold(s, u) == 0) finish_unit(s, u, EXP__U_DONE);
    return 0;
}

/* Moves unit UI on as far as the runs at hand allow: queues the next batch
 * or decides. Called on activation and when a batch's last run is back. */
static void advance_unit(exp__sweep *s, size_t ui)
{
    exp__unit *u = &s->units[ui];
    const exp_experiment *e = ex_of(s, u);
    while (!s->fatal && u->state == EXP__U_ACTIVE && u->outstanding == 0) {
        exp__point_rec *pr = &u->recs[u->cur];
        if (!batch_complete(s, u, pr, u->goal)) {
            if (queue_batch(s, ui) > 0 || s->fatal) return;
            continue;
        }
        if (e->kind == EXP_GRID) {
            finish_unit(s, u, EXP__U_DONE);
            return;
        }
        if (e->kind == EXP_TARGET) {
            int met = exp_precision_met(e->outcome, e->target_halfwidth, pr->reps, u->goal);
            if (met || u->goal >= e->max_replications) {
                exp__ledger_set_stop(s, u, met ? EXP_STOP_PRECISION : EXP_STOP_MAX_REPLICATIONS);
                finish_unit(s, u, EXP__U_DONE);
                return;
            }
        } else {
            int next = search_advance(s, u);
            if (next == 0) return;
            if (next == 2) continue; /* a new probe: its first batch */
        }
        uint32_t more = u->goal + e->replications;
        u->goal = more > e->max_replications ? e->max_replications : more;
    }
}

static void activate_unit(exp__sweep *s, size_t ui)
{
    exp__unit *u = &s->units[ui];
    const exp_experiment *e = ex_of(s, u);
    char msg[600];
    uint32_t n_recs = e->kind == EXP_SEARCH ? e->probes_per_combo : 1;
    if (!u->recs && !(u->recs = calloc(n_recs, sizeof *u->recs))) {
        fail_nomem(s);
        return;
    }
    if (!(u->cfg = malloc(sizeof *u->cfg))) {
        fail_nomem(s);
        return;
    }
    u->state = EXP__U_ACTIVE;
    if (e->kind == EXP_SEARCH) {
        if (start_probe(s, u, exp_search_begin(&u->search, e))) return;
    } else {
        if (exp_point_config(e, u->index, 0, u->cfg, msg, sizeof msg)) {
            exp__fail(s, EXP_SWEEP_EINPUT, "%s", msg);
            return;
        }
        u->recs[0].point_id = s->xps[u->xp].first_point_id + (int64_t)u->index;
        u->goal = e->replications;
    }
    advance_unit(s, ui);
}

/* ---- results and dispatch ---- */

static uint64_t tag_of(size_t ui, uint32_t rep) { return ((uint64_t)ui << TAG_REP_BITS) | rep; }
static size_t tag_unit(uint64_t tag) { return (size_t)(tag >> TAG_REP_BITS); }
static uint32_t tag_rep(uint64_t tag) { return (uint32_t)(tag & ((1u << TAG_REP_BITS) - 1)); }

static void handle_done(exp__sweep *s, exp__done *d)
{
    size_t ui = tag_unit(d->tag);
    uint32_t rep = tag_rep(d->tag);
    exp__unit *u = &s->units[ui];
    const exp_experiment *e = ex_of(s, u);
    exp__point_rec *pr = &u->recs[u->cur];
    pr->reps[rep].in_flight = 0;
    u->outstanding--;
    if (d->status != 0) {
        s->rep->n_errors++;
        if (u->state == EXP__U_ACTIVE) u->state = EXP__U_FAILED;
        if (s->rep->n_errors == 1)
            snprintf(s->err, s->errlen,
                     "experiment %s, point %lld, replication %u: the model refused the run (error %d)", e->name,
                     (long long)pr->point_id, rep, d->status);
    } else {
        exp__ledger_put_run(s, u, rep, &d->r);
    }
    if (d->status == 0) out_result_fini(&d->r);
    if (u->outstanding == 0 && u->state == EXP__U_FAILED)
        finish_unit(s, u, EXP__U_FAILED);
    else if (u->outstanding == 0 && u->state == EXP__U_ACTIVE)
        advance_unit(s, ui);
}

static int stopping(const exp__sweep *s) { return s->fatal || (s->o->stop && *s->o->stop); }

/* Hands out queued tasks while workers have room, activating units as the
 * queue runs dry. */
static void dispatch(exp__sweep *s)
{
    while (!stopping(s)) {
        if (s->q_len == 0) {
            if (s->cursor >= s->n_units) return;
            activate_unit(s, s->cursor++);
            continue;
        }
        if (!s->pool) {
            /* No more workers than runs this invocation expects to make
             * (n_total, counted once the database was read): an idle worker
             * costs a fork and its memory, and --jobs 1024 on 8 runs would
             * start 1,024. */
            unsigned jobs = s->o->jobs;
            if (s->rep->n_total < jobs) jobs = s->rep->n_total > 0 ? (unsigned)s->rep->n_total : 1;
            int rc = exp__pool_new(jobs, s->lock_fd, &s->pool);
            if (rc) {
                exp__fail(s, EXP_SWEEP_ERUNTIME, "cannot start %u worker processes: %s", jobs, strerror(errno));
                return;
            }
            s->rep->jobs = jobs;
        }
        if (!exp__pool_has_room(s->pool)) return;
        exp__task_ref t = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % s->q_cap;
        s->q_len--;
        exp__unit *u = &s->units[t.unit];
        exp__task task;
        memset(&task, 0, sizeof task);
        task.tag = tag_of(t.unit, t.rep);
        task.seed = exp__plan_run_seed(ex_of(s, u), t.rep);
        task.cfg = *u->cfg;
        if (exp__pool_submit(s->pool, &task) != 0)
            exp__fail(s, EXP_SWEEP_ERUNTIME, "%s (its task pipe closed)", exp_strerror(EXP_POOL_EDIED));
    }
}

static void tell_progress(exp__sweep *s, int final)
{
    s->rep->elapsed_s = exp__now_s() - s->t0;
    if (s->o->progress) s->o->progress(s->o->progress_ctx, s->rep, final);
}

/* Takes one result (or a worker's death) from the pool. */
static void collect(exp__sweep *s)
{
    exp__done d;
    uint64_t tag = 0;
    char msg[256];
    int rc = exp__pool_wait(s->pool, 200, &d, &tag, msg, sizeof msg);
    if (rc == 1) {
        if (d.status == 0 && d.r.wall_s > 0) {
            /* Deeper queues for short runs: about 5 ms of work per worker. */
            s->wall_sum += d.r.wall_s;
            s->wall_n++;
            exp__pool_set_depth(s->pool, (unsigned)(0.005 / (s->wall_sum / s->wall_n)) + 2);
        }
        handle_done(s, &d);
        exp__ledger_maybe_commit(s);
    } else if (rc == EXP_POOL_EDIED) {
        exp__unit *u = &s->units[tag_unit(tag)];
        exp__fail(s, EXP_SWEEP_ERUNTIME, "%s while running experiment %s, point %lld, replication %u", msg,
                  ex_of(s, u)->name, (long long)(u->recs ? u->recs[u->cur].point_id : 0), tag_rep(tag));
    }
}

/* The main loop: dispatch, collect, write, commit, report. */
static void run_loop(exp__sweep *s)
{
    double last_progress = 0;
    for (;;) {
        dispatch(s);
        unsigned in_flight = s->pool ? exp__pool_in_flight(s->pool) : 0;
        if (in_flight == 0 && (stopping(s) || (s->q_len == 0 && s->cursor >= s->n_units))) break;
        if (in_flight == 0) continue;
        if (s->fatal || (s->o->stop && *s->o->stop >= 2)) break; /* drop the runs in hand */
        collect(s);
        double t = exp__now_s();
        if (t - last_progress >= PROGRESS_SECONDS) {
            last_progress = t;
            tell_progress(s, 0);
        }
    }
}

/* ---- the whole sweep ---- */

/* Appends how to resume to the message of an interrupted or failed sweep
 * that stored runs. */
static void resume_hint(const exp__sweep *s, int result)
{
    /* The count is what was committed (not what was made: a batch that
     * failed to commit is gone), and a deleted database stores nothing. */
    if (s->db_gone) return;
    if (result != EXP_SWEEP_EINTERRUPTED && !(result == EXP_SWEEP_ERUNTIME && s->n_committed > 0)) return;
    size_t used = strlen(s->err);
    if (result == EXP_SWEEP_EINTERRUPTED)
        used = (size_t)snprintf(s->err, s->errlen, "%s", exp_strerror(EXP_SWEEP_EINTERRUPTED));
    snprintf(s->err + used, s->errlen > used ? s->errlen - used : 0,
             "; %llu runs of this invocation are stored in %s; run the same command again to resume",
             (unsigned long long)s->n_committed, s->o->db_path);
}

int exp_sweep_run(const exp_sweep_options *o, exp_sweep_report *report, char *err, size_t errlen)
{
    exp__sweep sw, *s = &sw;
    memset(s, 0, sizeof *s);
    memset(report, 0, sizeof *report);
    s->o = o;
    s->rep = report;
    s->err = err;
    s->errlen = errlen;
    s->lock_fd = -1;
    s->t0 = exp__now_s();
    char **new_names = NULL;
    char msg[1024];

    int rc = exp_spec_new(o->spec_path, msg, sizeof msg, &s->spec);
    if (rc) exp__fail(s, rc == EXP_ENOMEM ? EXP_SWEEP_ERUNTIME : EXP_SWEEP_EINPUT, "%s", msg);
    if (!s->fatal) exp__plan_check(s);
    if (!s->fatal) {
        report->n_experiments = s->spec->n;
        s->xps = calloc(s->spec->n, sizeof *s->xps);
        new_names = calloc(s->spec->n, sizeof *new_names);
        if (!s->xps || !new_names) fail_nomem(s);
    }
    if (!s->fatal) exp__ledger_open(s);
    if (!s->fatal) exp__ledger_match(s, new_names);
    if (!s->fatal) exp__ledger_create(s, new_names);
    if (!s->fatal) exp__plan_units(s);
    if (!s->fatal) exp__ledger_load(s);
    if (!s->fatal) exp__plan_count_present(s);
    if (!s->fatal) run_loop(s);
    int interrupted = !s->fatal && o->stop && *o->stop;
    exp__ledger_finish(s, interrupted);
    report->nothing_to_do = !s->fatal && !interrupted && !s->wrote && report->n_done == 0;
    tell_progress(s, 1);
    exp__pool_free(s->pool, s->fatal || (o->stop && *o->stop >= 2));
    int result = s->fatal ? s->fatal : interrupted ? EXP_SWEEP_EINTERRUPTED : report->n_errors ? EXP_SWEEP_ERUNTIME : 0;
    resume_hint(s, result);
    for (size_t i = 0; i < s->n_units; i++)
        if (s->units[i].state != EXP__U_DONE && s->units[i].state != EXP__U_FAILED) release_unit(s, &s->units[i]);
    free(s->units);
    free(s->queue);
    for (size_t i = 0; new_names && i < s->spec->n; i++) free(new_names[i]);
    free(new_names);
    free(s->xps);
    exp__ledger_close(s);
    exp_spec_free(s->spec);
    return result;
}
