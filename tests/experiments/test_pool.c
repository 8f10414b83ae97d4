/*
 * experiments/pool.c: real runs in forked worker processes. The results of
 * a set of tasks are identical with one worker and with two, and identical
 * to running the same configurations in this process (the trivially
 * correct pool); every task comes back exactly once, with its tag.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "experiments/pool_int.h"
#include "experiments/spec.h"
#include "sim/rng.h"

#define N_TASKS 12

static exp__task tasks[N_TASKS];

/* Three points of the KB 977526 mechanism (some copies fail, some have
 * interruptions) times four seeds. */
static void make_tasks(void)
{
    exp_spec *s = NULL;
    char err[512];
    int rc = exp_spec_new_text("t.ini",
                               "[experiment p]\nscenario = kb977526\nipsec.qm_lifetime_kb = 20480\n"
                               "file.size = 16MiB, 64MiB, 128MiB\n",
                               err, sizeof err, &s);
    cr_assert_eq(rc, 0, "%s", err);
    for (int i = 0; i < N_TASKS; i++) {
        memset(&tasks[i], 0, sizeof tasks[i]);
        cr_assert_eq(exp_point_config(&s->exps[0], (uint64_t)i / 4, 0, &tasks[i].cfg, err, sizeof err), 0, "%s", err);
        tasks[i].seed = sim_rng_run_seed(1, (uint64_t)(i % 4) + 1);
        tasks[i].tag = 1000 + (uint64_t)i;
    }
    exp_spec_free(s);
}

/* Runs every task through a pool of N workers; RESULTS[i] is task i's. */
static void run_pool(unsigned n, exp__done *results)
{
    exp__pool *p = NULL;
    cr_assert_eq(exp__pool_new(n, -1, &p), 0);
    int seen[N_TASKS] = {0}, next = 0, got = 0;
    while (got < N_TASKS) {
        while (next < N_TASKS && exp__pool_has_room(p)) cr_assert_eq(exp__pool_submit(p, &tasks[next++]), 0);
        exp__done d;
        uint64_t tag = 0;
        char msg[256] = "";
        int rc = exp__pool_wait(p, 5000, &d, &tag, msg, sizeof msg);
        cr_assert_neq(rc, EXP_POOL_EDIED, "%s", msg);
        if (rc == 0) continue;
        cr_assert(d.tag >= 1000 && d.tag < 1000 + N_TASKS, "unknown tag %llu", (unsigned long long)d.tag);
        int i = (int)(d.tag - 1000);
        cr_assert_eq(seen[i]++, 0, "task %d came back twice", i);
        results[i] = d;
        got++;
    }
    cr_expect_eq(exp__pool_in_flight(p), 0);
    exp__pool_free(p, 0);
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static void expect_same(const out_result *a, const out_result *b, const char *what, int i)
{
    cr_expect_eq(a->completed, b->completed, "%s, task %d: completed", what, i);
    cr_expect_eq(a->failure, b->failure, "%s, task %d: failure", what, i);
    cr_expect_eq(a->bytes_done, b->bytes_done, "%s, task %d: bytes_done", what, i);
    cr_expect(same_double(a->setup_s, b->setup_s), "%s, task %d: setup_s", what, i);
    cr_expect(same_double(a->duration_s, b->duration_s), "%s, task %d: duration_s", what, i);
    cr_expect(same_double(a->first_interruption_s, b->first_interruption_s), "%s, task %d", what, i);
    cr_expect_eq(a->n_rekeys, b->n_rekeys, "%s, task %d: n_rekeys", what, i);
    cr_expect_eq(a->n_retransmits, b->n_retransmits, "%s, task %d: n_retransmits", what, i);
    cr_expect_eq(a->events, b->events, "%s, task %d: events", what, i);
    cr_expect_eq(a->seed, b->seed, "%s, task %d: seed", what, i);
    cr_assert_eq(a->n_interruptions, b->n_interruptions, "%s, task %d: n_interruptions", what, i);
    for (uint64_t k = 0; k < a->n_interruptions; k++) {
        cr_expect(same_double(a->interruptions[k].start_s, b->interruptions[k].start_s), "%s, task %d", what, i);
        cr_expect(same_double(a->interruptions[k].end_s, b->interruptions[k].end_s), "%s, task %d", what, i);
        cr_expect_eq(a->interruptions[k].bytes_at_start, b->interruptions[k].bytes_at_start);
        cr_expect_eq(a->interruptions[k].cause, b->interruptions[k].cause);
    }
}

Test(exp_pool, results_are_identical_with_one_and_two_workers_and_in_process)
{
    make_tasks();
    exp__done one[N_TASKS], two[N_TASKS];
    run_pool(1, one);
    run_pool(2, two);
    int n_failed = 0, n_interrupted = 0;
    for (int i = 0; i < N_TASKS; i++) {
        cr_assert_eq(one[i].status, 0);
        cr_assert_eq(two[i].status, 0);
        out_result direct;
        cr_assert_eq(scn_run(&tasks[i].cfg, tasks[i].seed, NULL, &direct), 0);
        expect_same(&one[i].r, &direct, "1 worker vs in process", i);
        expect_same(&two[i].r, &direct, "2 workers vs in process", i);
        n_failed += !direct.completed;
        n_interrupted += direct.n_interruptions > 0;
        out_result_fini(&direct);
        out_result_fini(&one[i].r);
        out_result_fini(&two[i].r);
    }
    /* The comparison covers the interesting parts of a result. */
    cr_expect_gt(n_interrupted, 0, "some runs have interruption records");
    cr_expect_lt(n_failed, N_TASKS, "some copies complete");
}

Test(exp_pool, depth_bounds_the_tasks_a_worker_holds)
{
    make_tasks();
    exp__pool *p = NULL;
    cr_assert_eq(exp__pool_new(1, -1, &p), 0);
    int n = 0;
    while (exp__pool_has_room(p)) cr_assert_eq(exp__pool_submit(p, &tasks[n++]), 0);
    cr_expect_eq(n, 2, "a new pool gives each worker two tasks");
    exp__pool_set_depth(p, 100);
    while (exp__pool_has_room(p) && n < N_TASKS) cr_assert_eq(exp__pool_submit(p, &tasks[n++]), 0);
    cr_expect_eq(n, N_TASKS, "depth 100 is clamped to 16, above the %d tasks", N_TASKS);
    cr_expect_eq(exp__pool_in_flight(p), N_TASKS);
    exp__pool_free(p, 1);
}
