/*
 * Restartable copies (issue 15, copy.tool=robocopy-z): real runs with a
 * failure whose time the timers give (a link outage, and KB 977526's rekey
 * stall), read through a typed event sink. Known answers: each reconnect
 * comes exactly copy.retry_wait after the failure that ended the attempt;
 * it resumes at the offset of the last READ_ANDX response the client had
 * complete, and the next response completes one read further (no gap, no
 * byte twice); the attempts' READs add up to the file exactly; retries
 * spent give the last failure's name; sim.max_time still bounds the run;
 * explorer never restarts.
 */
#include <stdlib.h>
#include "sim_helpers.h"

typedef struct ev_row {
    double t;
    int kind, host, cause;
    uint64_t bytes, count;
    char cmd[16];
} ev_row;

typedef struct ev_log {
    ev_row *r;
    size_t n, cap;
} ev_log;

static int wanted(const ev_event *e)
{
    switch (e->kind) {
    case EV_SMB_SEND:
    case EV_SMB_DONE: return e->detail && (!strcmp(e->detail, "READ_ANDX") || !strcmp(e->detail, "WRITE_ANDX"));
    case EV_TCP_ABORT:
    case EV_TCP_CONNECT_TIMEOUT:
    case EV_SMB_TIMEOUT:
    case EV_COPY_RESTART:
    case EV_COPY_END:
    case EV_SIM_LIMIT: return 1;
    }
    return 0;
}

static void log_sink(void *ctx, const ev_event *e)
{
    ev_log *l = ctx;
    if (!wanted(e)) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->r = realloc(l->r, l->cap * sizeof *l->r);
        cr_assert(l->r);
    }
    ev_row *r = &l->r[l->n++];
    *r = (ev_row){sim_time_to_s(e->t_ns), e->kind, e->host, e->cause, e->bytes, e->count, ""};
    if (e->detail) snprintf(r->cmd, sizeof r->cmd, "%s", e->detail);
}

static out_result run_logged(const prm_config *c, ev_log *l)
{
    out_result r;
    scn_probe pr;
    rec_sink s = {log_sink, l, 1};
    *l = (ev_log){0};
    cr_assert_eq(scn__run_probe(c, 1, &s, 1, &r, &pr), 0, "scn_run failed");
    cr_expect_eq(pr.pkts_outstanding, 0, "packets leaked: %llu", (unsigned long long)pr.pkts_outstanding);
    return r;
}

static int is_failure_event(int kind)
{
    return kind == EV_TCP_ABORT || kind == EV_TCP_CONNECT_TIMEOUT || kind == EV_SMB_TIMEOUT;
}

/* The checks every restartable run must pass; returns the restarts seen. */
static uint64_t check_restarts(const prm_config *c, const out_result *r, const ev_log *l)
{
    uint64_t read = 61440; /* the Vista RTM copy engine's I/O (client.copy_engine auto, client vista) */
    /* The data moves in READ_ANDX responses to the client, or WRITE_ANDX
     * requests to the server; the client asks for it in either case. */
    int writing = c->direction == PRM_COPY_WRITE, reader = writing ? PRM_SERVER : PRM_CLIENT;
    const char *cmd = writing ? "WRITE_ANDX" : "READ_ANDX";
    uint64_t last_done = 0, restarts = 0, reads_asked = 0, offset = 0;
    double last_fail = -1;
    int after_restart = 0;
    for (size_t i = 0; i < l->n; i++) {
        const ev_row *e = &l->r[i];
        if (is_failure_event(e->kind) && last_fail < 0) last_fail = e->t;
        if (e->kind == EV_SMB_SEND && e->host == PRM_CLIENT && !strcmp(e->cmd, cmd)) reads_asked += e->count;
        if (e->kind == EV_SMB_DONE && e->host == reader && !strcmp(e->cmd, cmd)) {
            /* Each complete response moves the offset by exactly its read:
             * the first after a restart too (the resume is exact). */
            uint64_t want = (after_restart ? offset : last_done) + read;
            if (want > c->file_size_bytes) want = c->file_size_bytes;
            cr_expect_eq(e->bytes, want, "response at %.6f s: bytes_done %llu, expected %llu", e->t,
                         (unsigned long long)e->bytes, (unsigned long long)want);
            last_done = e->bytes;
            after_restart = 0;
        }
        if (e->kind == EV_COPY_RESTART) {
            restarts++;
            cr_expect_eq(e->count, restarts);
            /* It resumes where the last complete READ_ANDX response ended. */
            cr_expect_eq(e->bytes, last_done, "restart %llu resumes at %llu, last complete response %llu",
                         (unsigned long long)restarts, (unsigned long long)e->bytes, (unsigned long long)last_done);
            cr_expect_eq(e->bytes % read, 0);
            /* Exactly copy.retry_wait after the failure that ended the attempt. */
            cr_expect(last_fail >= 0, "restart %llu without a failure before it", (unsigned long long)restarts);
            cr_expect(fabs(e->t - last_fail - sim_time_to_s(c->copy.retry_wait_ns)) < 1e-9,
                      "restart at %.9f s, failure at %.9f s", e->t, last_fail);
            /* The attempt before asked for the bytes from its offset on; the
             * new one asks again for what did not arrive complete. */
            cr_expect_geq(offset + reads_asked, e->bytes);
            offset = e->bytes;
            reads_asked = 0;
            last_fail = -1;
            after_restart = 1;
        }
    }
    cr_expect_eq(r->n_restarts, restarts);
    if (r->completed) {
        /* The last attempt asked for exactly the rest of the file: every
         * byte asked once after the last resume. */
        cr_expect_eq(offset + reads_asked, c->file_size_bytes, "last attempt from %llu asked %llu of %llu",
                     (unsigned long long)offset, (unsigned long long)reads_asked,
                     (unsigned long long)c->file_size_bytes);
        cr_expect_eq(r->bytes_done, c->file_size_bytes);
        cr_expect_eq(last_done, c->file_size_bytes);
    }
    return restarts;
}

/* A 40 s outage at 2 s on a clear LAN: TCP gives up inside it (tcp_abort,
 * five retransmissions from the 300 ms floor, about 19 s), so Explorer's copy
 * fails; robocopy reconnects 30 s later, after the outage, and finishes. */
Test(restart, an_outage_longer_than_tcp_kills_explorer_and_robocopy_resumes_once)
{
    const char *common[] = {"file.size=64MiB", "link.outage.start=2s", "link.outage.duration=40s"};
    prm_config e = cfg_of(common[0], common[1], common[2], NULL);
    prm_config z = cfg_of(common[0], common[1], common[2], "copy.tool=robocopy-z", NULL);
    ev_log le, lz;
    out_result re = run_logged(&e, &le), rz = run_logged(&z, &lz);
    cr_expect_eq(re.completed, 0);
    cr_expect_eq(re.failure, OUT_FAIL_TCP_ABORT);
    cr_expect_eq(re.n_restarts, 0);
    cr_expect_eq(rz.completed, 1, "robocopy: %s", out_failure_name(rz.failure));
    cr_expect_eq(check_restarts(&z, &rz, &lz), 1);
    /* The first attempt is Explorer's run to its failure, event for event. */
    cr_expect_gt(re.bytes_done, 0);
    double fail_e = -1, fail_z = -1;
    for (size_t i = 0; i < le.n && fail_e < 0; i++)
        if (is_failure_event(le.r[i].kind)) fail_e = le.r[i].t;
    for (size_t i = 0; i < lz.n && fail_z < 0; i++)
        if (is_failure_event(lz.r[i].kind)) fail_z = lz.r[i].t;
    cr_expect_eq(fail_e, fail_z);
    cr_expect_gt(fail_e, 2.0 + 10.0);
    cr_expect_lt(fail_e + 30.0, 42.0 + 30.0);
    out_result_fini(&re);
    out_result_fini(&rz);
    free(le.r);
    free(lz.r);
}

/* A 200 s outage: each reconnect inside it is a failed connect (a failed
 * attempt too); with one retry the copy fails with the last failure's name,
 * connect_timeout; with ten it reconnects until the outage is over. */
Test(restart, failed_connects_count_as_attempts_and_spent_retries_report_the_last_failure)
{
    prm_config one = cfg_of("file.size=16MiB", "link.outage.start=1s", "link.outage.duration=200s",
                            "copy.tool=robocopy-z", "copy.retries=1", NULL);
    prm_config ten = cfg_of("file.size=16MiB", "link.outage.start=1s", "link.outage.duration=200s",
                            "copy.tool=robocopy-z", "copy.retries=10", NULL);
    ev_log l1, l10;
    out_result r1 = run_logged(&one, &l1), r10 = run_logged(&ten, &l10);
    cr_expect_eq(r1.completed, 0);
    cr_expect_eq(r1.failure, OUT_FAIL_CONNECT_TIMEOUT, "got %s", out_failure_name(r1.failure));
    cr_expect_eq(check_restarts(&one, &r1, &l1), 1);
    cr_expect_eq(r10.completed, 1, "ten retries: %s", out_failure_name(r10.failure));
    uint64_t n = check_restarts(&ten, &r10, &l10);
    cr_expect_gt(n, 1);
    cr_expect_leq(n, 10);
    /* Every restart but the last began inside the outage (it ends at 201 s),
     * the last one after it. */
    int seen = 0;
    for (size_t i = 0; i < l10.n; i++)
        if (l10.r[i].kind == EV_COPY_RESTART && ++seen < (int)n)
            cr_expect_lt(l10.r[i].t, 201.0);
        else if (l10.r[i].kind == EV_COPY_RESTART)
            cr_expect_geq(l10.r[i].t + 21.0, 201.0);
    out_result_fini(&r1);
    out_result_fini(&r10);
    free(l1.r);
    free(l10.r);
}

/* The same outage on a write (WRITE_ANDX): the resume is the end of the
 * last WRITE the server had whole. */
Test(restart, a_write_resumes_at_the_last_complete_write_at_the_server)
{
    prm_config z = cfg_of("file.size=64MiB", "copy.direction=write", "link.outage.start=2s", "link.outage.duration=40s",
                          "copy.tool=robocopy-z", NULL);
    ev_log l;
    out_result r = run_logged(&z, &l);
    cr_expect_eq(r.completed, 1, "robocopy write: %s", out_failure_name(r.failure));
    cr_expect_eq(check_restarts(&z, &r, &l), 1);
    out_result_fini(&r);
    free(l.r);
}

/* copy.retries=0 is Explorer's behaviour: the same failure, no restart. */
Test(restart, no_retries_fail_as_explorer)
{
    prm_config z = cfg_of("file.size=64MiB", "link.outage.start=2s", "link.outage.duration=40s", "copy.tool=robocopy-z",
                          "copy.retries=0", NULL);
    out_result r = run_probe(&z, 1, NULL, NULL);
    cr_expect_eq(r.completed, 0);
    cr_expect_eq(r.failure, OUT_FAIL_TCP_ABORT);
    cr_expect_eq(r.n_restarts, 0);
    out_result_fini(&r);
}

/* sim.max_time bounds the waits too: a run still waiting ends sim_limit. */
Test(restart, sim_max_time_bounds_the_retries)
{
    prm_config z = cfg_of("file.size=64MiB", "link.outage.start=2s", "link.outage.duration=40s", "copy.tool=robocopy-z",
                          "copy.retry_wait=1h", "sim.max_time=600s", NULL);
    out_result r = run_probe(&z, 1, NULL, NULL);
    cr_expect_eq(r.failure, OUT_FAIL_SIM_LIMIT, "got %s", out_failure_name(r.failure));
    cr_expect_eq(r.n_restarts, 0);
    cr_expect_lt(r.duration_s, 600.0 + 1e-9);
    out_result_fini(&r);
}

/* KB 977526 at 512 MiB: A's rekey of each soft SA stalls the copy (B waits
 * 60 s for A's negotiation, R3), TCP gives up, robocopy reconnects and the
 * new connection gets through when B falls back; every attempt resumes
 * exactly, and the file arrives whole. The restarts are the rekeys that fall
 * inside the file: each attempt carries one soft SA's rekey point,
 * ipsec.rekey_fraction x ipsec.qm_lifetime_kb x U(0.95, 1.05) = 87.6 to
 * 96.8 MB of IP payload, so 512 MiB needs 5 or 6 attempts: 5 to 6 restarts
 * less one. */
Test(restart, kb977526_robocopy_completes_with_one_restart_per_rekey)
{
    prm_config z = cfg_of("scenario=kb977526", "file.size=512MiB", "copy.tool=robocopy-z", NULL);
    prm_config e = cfg_of("scenario=kb977526", "file.size=512MiB", NULL);
    ev_log l;
    out_result r = run_logged(&z, &l);
    out_result re = run_probe(&e, 1, NULL, NULL);
    cr_expect_eq(re.completed, 0);
    cr_expect_eq(r.completed, 1, "robocopy on kb977526: %s", out_failure_name(r.failure));
    uint64_t n = check_restarts(&z, &r, &l);
    double lo = 0.9 * 0.95 * 100000 * 1024, hi = 0.9 * 1.05 * 100000 * 1024;
    cr_expect_geq(n, (uint64_t)ceil(512.0 * 1048576 / hi) - 1, "%llu restarts", (unsigned long long)n);
    cr_expect_leq(n, (uint64_t)ceil(512.0 * 1048576 / lo) - 1 + 1, "%llu restarts", (unsigned long long)n);
    /* Explorer's run is the first attempt: it fails where the first restart resumes (or within a read). */
    for (size_t i = 0; i < l.n; i++)
        if (l.r[i].kind == EV_COPY_RESTART) {
            cr_expect_leq(l.r[i].bytes, re.bytes_done);
            cr_expect_lt(re.bytes_done - l.r[i].bytes, 61440);
            break;
        }
    out_result_fini(&r);
    out_result_fini(&re);
    free(l.r);
}
