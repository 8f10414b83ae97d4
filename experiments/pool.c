/*
 * The worker pool: N forked processes, each with a task pipe (parent to
 * worker: fixed-size exp__task records) and a result pipe (worker to parent:
 * a fixed header followed by the run's interruption records). Workers never
 * touch the database; the parent is its one writer.
 *
 * Invariants: each worker has at most depth tasks in flight (at least two,
 * so it never waits for the parent between runs; more when runs are short,
 * so that a parent descheduled for a few milliseconds does not starve it;
 * at most MAX_DEPTH); in_flight[w] lists their tags in
 * submission order and a worker answers in that order; a worker whose result
 * pipe reaches end of file with tasks in flight has died, and that is an
 * error, never silently retried (a run that kills its worker would kill the
 * next one too). Processes rather than threads: the model keeps no shared
 * state to protect, a crash stays in its worker, and fork is cheap next to a
 * run.
 *
 * The pool never prints. A worker ends with _exit (not exit), so that it
 * never flushes stdio buffers it inherited from the parent; that is the end
 * of the worker process, not of the program.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include "experiments/pool_int.h"

#define MAX_DEPTH 16

typedef struct result_header {
    uint64_t tag;
    int32_t status;
    uint32_t n_records;
    uint32_t n_copies; /* out_copy records after the interruption records */
    out_result r;      /* r.interruptions and r.copies are meaningless here */
} result_header;

typedef struct worker {
    pid_t pid;
    int task_fd, result_fd;
    unsigned n_in_flight;
    uint64_t in_flight[MAX_DEPTH];
    int dead;
} worker;

struct exp__pool {
    unsigned n;
    unsigned depth; /* tasks a worker may hold, 2..MAX_DEPTH */
    unsigned next;  /* where exp__pool_wait starts looking */
    worker *w;
};

static int write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads exactly N bytes: 1, or 0 at end of file before any byte, or -1. */
static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) return got == 0 ? 0 : -1;
        got += (size_t)k;
    }
    return 1;
}

/* The stop signals: what Ctrl-C, `timeout`, systemd, Slurm's time limit and
 * a closed terminal send, often to the whole process group. Workers ignore
 * them: the parent alone decides what a stop means (finish the runs in hand,
 * commit, exit 128 + signal), and a worker dead of SIGTERM would read as a
 * crash. A worker still ends when the parent closes its task pipe, and with
 * SIGKILL (PR_SET_PDEATHSIG) if the parent dies. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

/* The worker's life: run tasks until the task pipe closes. The stop
 * signals are blocked on entry (exp__pool_new blocks them around fork, so
 * that none reaches the parent's handler in the child); ignoring them
 * before unblocking discards any that arrived in between. */
static void worker_main(int task_fd, int result_fd, pid_t parent, const sigset_t *old_mask)
{
    for (size_t i = 0; i < N_STOP_SIGNALS; i++) signal(stop_signals[i], SIG_IGN);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent) _exit(1);
    exp__task t;
    for (;;) {
        int rc = read_full(task_fd, &t, sizeof t);
        if (rc <= 0) _exit(rc == 0 ? 0 : 1);
        result_header h;
        memset(&h, 0, sizeof h);
        h.tag = t.tag;
        h.status = scn_run(&t.cfg, t.seed, NULL, &h.r);
        out_interruption *recs = NULL;
        struct out_copy *copies = NULL;
        if (h.status == 0) {
            recs = h.r.interruptions;
            h.n_records = recs ? (uint32_t)h.r.n_interruptions : 0;
            h.r.interruptions = NULL;
            copies = h.r.copies;
            h.n_copies = copies ? (uint32_t)h.r.n_copies : 0;
            h.r.copies = NULL;
        }
        int bad = write_full(result_fd, &h, sizeof h) != 0 ||
                  (h.n_records && write_full(result_fd, recs, h.n_records * sizeof *recs) != 0) ||
                  (h.n_copies && write_full(result_fd, copies, h.n_copies * sizeof *copies) != 0);
        h.r.interruptions = recs;
        h.r.copies = copies;
        if (h.status == 0) out_result_fini(&h.r);
        if (bad) _exit(1);
    }
}

int exp__pool_new(unsigned n, int close_fd, exp__pool **pool_out)
{
    exp__pool *p = calloc(1, sizeof *p);
    if (!p || !(p->w = calloc(n, sizeof *p->w))) {
        free(p);
        return EXP_POOL_EFORK;
    }
    pid_t parent = getpid();
    p->depth = 2;
    fflush(NULL);
    sigset_t stop_mask, old_mask;
    sigemptyset(&stop_mask);
    for (size_t i = 0; i < N_STOP_SIGNALS; i++) sigaddset(&stop_mask, stop_signals[i]);
    sigprocmask(SIG_BLOCK, &stop_mask, &old_mask);
    for (unsigned i = 0; i < n; i++) {
        int tp[2], rp[2];
        if (pipe(tp) != 0) break;
        if (pipe(rp) != 0) {
            close(tp[0]), close(tp[1]);
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(tp[0]), close(tp[1]), close(rp[0]), close(rp[1]);
            break;
        }
        if (pid == 0) {
            /* Keep only this worker's ends: another worker's pipes held open
             * here would hide that worker's death from the parent. */
            for (unsigned j = 0; j < i; j++) close(p->w[j].task_fd), close(p->w[j].result_fd);
            if (close_fd >= 0) close(close_fd);
            close(tp[1]);
            close(rp[0]);
            /* The worker never returns (it _exits), so the compiler keeps
             * nothing of this frame alive: free the pool's copy here, or
             * valgrind rightly reports it lost in every worker. */
            free(p->w);
            free(p);
            worker_main(tp[0], rp[1], parent, &old_mask);
        }
        close(tp[0]);
        close(rp[1]);
        p->w[i].pid = pid;
        p->w[i].task_fd = tp[1];
        p->w[i].result_fd = rp[0];
        p->n = i + 1;
    }
    /* A stop signal that came during the forks is delivered here, to the
     * parent's handler. */
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    if (p->n < n) {
        exp__pool_free(p, 1);
        return EXP_POOL_EFORK;
    }
    *pool_out = p;
    return 0;
}

void exp__pool_free(exp__pool *p, int kill_first)
{
    if (!p) return;
    for (unsigned i = 0; i < p->n; i++) {
        if (kill_first && p->w[i].pid > 0) kill(p->w[i].pid, SIGKILL);
        close(p->w[i].task_fd);
    }
    for (unsigned i = 0; i < p->n; i++) {
        close(p->w[i].result_fd);
        while (p->w[i].pid > 0 && waitpid(p->w[i].pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    free(p->w);
    free(p);
}

void exp__pool_set_depth(exp__pool *p, unsigned depth)
{
    p->depth = depth < 2 ? 2 : depth > MAX_DEPTH ? MAX_DEPTH : depth;
}

int exp__pool_has_room(const exp__pool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (!p->w[i].dead && p->w[i].n_in_flight < p->depth) return 1;
    return 0;
}

unsigned exp__pool_in_flight(const exp__pool *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->n; i++) n += p->w[i].n_in_flight;
    return n;
}

int exp__pool_submit(exp__pool *p, const exp__task *t)
{
    worker *best = NULL;
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        if (!w->dead && w->n_in_flight < p->depth && (!best || w->n_in_flight < best->n_in_flight)) best = w;
    }
    if (!best) return EXP_POOL_EDIED;
    if (write_full(best->task_fd, t, sizeof *t) != 0) {
        best->dead = 1;
        return EXP_POOL_EDIED;
    }
    best->in_flight[best->n_in_flight++] = t->tag;
    return 0;
}

/* Describes how worker W ended (it has closed its result pipe). */
static void describe_death(worker *w, char *msg, size_t msglen)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(w->pid, &status, 0)) < 0 && errno == EINTR) {}
    if (r > 0) {
        w->pid = 0;
        if (WIFSIGNALED(status))
            snprintf(msg, msglen, "a worker process was killed by signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(msg, msglen, "a worker process exited with status %d", WEXITSTATUS(status));
    } else {
        snprintf(msg, msglen, "a worker process vanished");
    }
}

/* Reads one result from worker W. */
static int take_result(worker *w, exp__done *done_out, uint64_t *tag_out, char *msg, size_t msglen)
{
    result_header h;
    int rc = read_full(w->result_fd, &h, sizeof h);
    out_interruption *recs = NULL;
    if (rc == 1 && h.n_records) {
        recs = malloc(h.n_records * sizeof *recs);
        if (!recs || read_full(w->result_fd, recs, h.n_records * sizeof *recs) != 1) {
            free(recs);
            recs = NULL;
            rc = -1;
        }
    }
    /* A copy's own record owns nothing (models/core/outcome.h): its bytes are all of it. */
    struct out_copy *copies = NULL;
    if (rc == 1 && h.n_copies) {
        copies = malloc(h.n_copies * sizeof *copies);
        if (!copies || read_full(w->result_fd, copies, h.n_copies * sizeof *copies) != 1) {
            free(copies);
            copies = NULL;
            rc = -1;
        }
    }
    if (rc != 1 || w->n_in_flight == 0 || h.tag != w->in_flight[0]) {
        free(recs);
        free(copies);
        w->dead = 1;
        *tag_out = w->n_in_flight ? w->in_flight[0] : 0;
        describe_death(w, msg, msglen);
        return EXP_POOL_EDIED;
    }
    memmove(w->in_flight, w->in_flight + 1, (MAX_DEPTH - 1) * sizeof w->in_flight[0]);
    w->n_in_flight--;
    done_out->tag = h.tag;
    done_out->status = h.status;
    done_out->r = h.r;
    done_out->r.interruptions = h.status == 0 ? recs : NULL;
    done_out->r.copies = h.status == 0 ? copies : NULL;
    if (h.status != 0) free(recs), free(copies);
    return 1;
}

int exp__pool_wait(exp__pool *p, int timeout_ms, exp__done *done_out, uint64_t *tag_out, char *msg, size_t msglen)
{
    struct pollfd fds[p->n];
    for (unsigned i = 0; i < p->n; i++) {
        fds[i].fd = p->w[i].dead || p->w[i].n_in_flight == 0 ? -1 : p->w[i].result_fd;
        fds[i].events = POLLIN;
        fds[i].revents = 0;
    }
    int rc = poll(fds, p->n, timeout_ms);
    if (rc <= 0) return 0;
    /* Start after the worker served last, so that none waits behind a fast one. */
    for (unsigned k = 0; k < p->n; k++) {
        unsigned i = (p->next + k) % p->n;
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            p->next = i + 1;
            return take_result(&p->w[i], done_out, tag_out, msg, msglen);
        }
    }
    return 0;
}
