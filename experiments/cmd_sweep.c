/*
 * `rekeysim sweep`: argument parsing, the progress line, signal handling
 * and exit statuses around experiments/runner.c, which does the work and
 * never prints. SIGINT, SIGTERM and SIGHUP (Ctrl-C; `timeout`, systemd and
 * Slurm's time limit; a closed terminal, often sent to the whole process
 * group, whose workers ignore them) set the runner's stop flag (once: finish
 * the runs in hand; twice: drop them); the sweep is then interrupted, not
 * failed, and exits 128 + the signal's number (130, 143, 129).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "experiments/commands.h"
#include "experiments/opts.h"
#include "experiments/runner.h"

static const char sweep_help[] =
    "usage: rekeysim sweep SPEC.ini [--db FILE] [--jobs N] [--shard K/N] [--quiet] [--force-new] [--yes]\n"
    "\n"
    "Runs every point x replication of the spec's [experiment NAME] sections and\n"
    "stores one row per run in an SQLite database (default results/<spec name>.db).\n"
    "Re-running completes only what is missing; a finished sweep does nothing.\n"
    "\n"
    "  --db FILE     the results database (created if missing)\n"
    "  --jobs N      worker processes (default: the number of online cores);\n"
    "                at most 4 x the cores, and no more than the runs to make\n"
    "  --shard K/N   make only shard K of N; merge the shards with `rekeysim merge`.\n"
    "                Grid experiments: run (point index i from 0, replication r\n"
    "                from 1) is in shard ((i * replications + r - 1) mod N) + 1;\n"
    "                target experiments: point i in shard (i mod N) + 1; search\n"
    "                experiments: combination c (from 0) in shard (c mod N) + 1\n"
    "  --quiet       no progress line (it is shown only on a terminal anyway)\n"
    "  --force-new   when an experiment's spec changed, keep the old results and\n"
    "                store the new spec as NAME-2 (then NAME-3 ...)\n"
    "  --yes         allow a sweep of more than 100,000 runs\n"
    "\n"
    "Spec keys: any registry key (`rekeysim params`) as a value, a list\n"
    "(10Mbps, 100Mbps) or a range (1MiB..16GiB log 25, 0..0.02 lin 5); scenario\n"
    "(a list too); replications = N (default 1); seed = N (default 1);\n"
    "target = p_complete +-0.05 with max_replications = N (replications are added\n"
    "in batches per point until the 95 % interval is that narrow);\n"
    "search = KEY for OUTCOME = VALUE with KEY given as LO..HI and precision = 0.05\n"
    "(threshold search by bisection on a log scale). Outcomes: p_complete,\n"
    "p_interrupted, duration_mean_s, interruptions_mean. Points are the cartesian\n"
    "product in key order, the last key varying fastest; point_id follows it.\n"
    "Run seeds: sim_rng_run_seed(seed, replication), the same for every point.\n"
    "\n"
    "Exit status: 0 done (or nothing to do), 1 runtime failure, 2 bad input,\n"
    "130 interrupted by SIGINT, 143 by SIGTERM, 129 by SIGHUP (the runs in hand are\n"
    "finished and kept; a second signal drops them; run the same command to resume).\n"
    "Test-only: REKEYSIM_TEST_KILL_AFTER_COMMIT=N makes the writer SIGKILL itself\n"
    "after its Nth commit; REKEYSIM_TEST_COMMIT_EVERY=N commits every N runs.\n";

static volatile sig_atomic_t stop_requests;
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_requests++;
    stop_signal = sig;
    static const char first[] =
        "\nrekeysim: stopping: finishing the runs in hand (Ctrl-C or the signal again to drop them)\n";
    if (stop_requests == 1) {
        ssize_t ignored = write(STDERR_FILENO, first, sizeof first - 1);
        (void)ignored;
    }
}

typedef struct progress_ctx {
    int show;
    int shown;
} progress_ctx;

static void show_progress(void *ctx, const exp_sweep_report *r, int final)
{
    progress_ctx *p = ctx;
    if (!p->show) return;
    double rate = r->elapsed_s > 0 ? (double)r->n_done / r->elapsed_s : 0;
    uint64_t left = r->n_total > r->n_done ? r->n_total - r->n_done : 0;
    char eta[32] = "-";
    if (rate > 0) {
        double t = (double)left / rate;
        if (t < 120)
            snprintf(eta, sizeof eta, "%.0fs", t);
        else if (t < 7200)
            snprintf(eta, sizeof eta, "%.0fmin", t / 60);
        else
            snprintf(eta, sizeof eta, "%.1fh", t / 3600);
    }
    fprintf(stderr, "\r%llu/%llu runs  %.1f runs/s  ETA %s  failed copies %llu  errors %llu   ",
            (unsigned long long)r->n_done, (unsigned long long)r->n_total, rate, eta,
            (unsigned long long)r->n_failed_copies, (unsigned long long)r->n_errors);
    p->shown = 1;
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* results/<basename without .ini>.db. Caller frees. */
static char *default_db(const char *spec)
{
    const char *base = strrchr(spec, '/');
    base = base ? base + 1 : spec;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".ini")) n -= 4;
    char *out = malloc(n + 16);
    if (out) snprintf(out, n + 16, "results/%.*s.db", (int)n, base);
    return out;
}

int exp_cmd_sweep(int argc, char **argv)
{
    exp_sweep_options o;
    memset(&o, 0, sizeof o);
    const char *db = NULL;
    int quiet = 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = cores > 0 ? (unsigned)cores : 1;
    unsigned max_jobs = 4 * o.jobs;
    o.shard_k = o.shard_n = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = "";
        int rc;
        unsigned long n;
        if (exp_opt_is(argv[i], "--help", "-h")) {
            fputs(sweep_help, stdout);
            return EXP_OK;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--db", &v)) != 0) {
            if (rc < 0 || !*v) return fprintf(stderr, "rekeysim sweep: --db needs a file name\n"), EXP_INPUT;
            db = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--jobs", &v)) != 0) {
            if (rc < 0) v = "";
            if (exp_opt_uint(v, 1024, &n) || n < 1)
                return fprintf(stderr, "rekeysim sweep: --jobs '%s': expected a number from 1 to 1024\n", v), EXP_INPUT;
            /* Past about 4 workers a core, more only add forks, memory
             * and contention: the runs are CPU-bound. */
            o.jobs = (unsigned)n > max_jobs ? max_jobs : (unsigned)n;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--shard", &v)) != 0) {
            if (rc < 0) v = "";
            if ((rc = exp_opt_shard(v, &o.shard_k, &o.shard_n)) != 0)
                return fprintf(stderr, "rekeysim sweep: --shard '%s': %s\n", v, exp_strerror(rc)), EXP_INPUT;
        } else if (exp_opt_is(argv[i], "--quiet", "-q")) {
            quiet = 1;
        } else if (exp_opt_is(argv[i], "--force-new", NULL)) {
            o.force_new = 1;
        } else if (exp_opt_is(argv[i], "--yes", NULL)) {
            o.yes = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "rekeysim sweep: unknown option '%s'; see rekeysim sweep --help\n", argv[i]);
            return EXP_INPUT;
        } else if (o.spec_path) {
            fprintf(stderr, "rekeysim sweep: one spec at a time ('%s' and '%s')\n", o.spec_path, argv[i]);
            return EXP_INPUT;
        } else {
            o.spec_path = argv[i];
        }
    }
    if (!o.spec_path) {
        fprintf(stderr, "rekeysim sweep: no spec given; usage: rekeysim sweep SPEC.ini [--db FILE] ...\n");
        return EXP_INPUT;
    }
    char *owned_db = NULL;
    if (!db) {
        db = owned_db = default_db(o.spec_path);
        o.make_db_dir = 1;
    }
    char *cmdline = exp_opt_join_command(argc, argv);
    if (!db || !cmdline) {
        free(owned_db);
        free(cmdline);
        fprintf(stderr, "rekeysim sweep: %s\n", exp_strerror(EXP_ENOMEM));
        return EXP_RUNTIME;
    }
    o.db_path = db;
    o.command_line = cmdline;
    o.stop = &stop_requests;
    progress_ctx pc = {!quiet && isatty(STDERR_FILENO), 0};
    o.progress = show_progress;
    o.progress_ctx = &pc;

    struct sigaction sa, old_int, old_term, old_hup, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: waits return early */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);

    exp_sweep_report r;
    char err[2048] = "";
    int rc = exp_sweep_run(&o, &r, err, sizeof err);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);

    int status = EXP_OK;
    if (r.other_build && !r.nothing_to_do && rc != EXP_SWEEP_EINPUT)
        fprintf(stderr,
                "rekeysim sweep: warning: %s was created by another rekeysim build (meta.git_commit); "
                "its older runs may come from a different model\n",
                db);
    if (rc == 0 && r.nothing_to_do) {
        printf("sweep %s: nothing to do: all %llu runs are already in %s\n", o.spec_path,
               (unsigned long long)r.n_present, db);
    } else if (rc == 0) {
        printf("sweep %s: %llu runs made in %.1f s (%u jobs%s), %llu already there, %llu copies did not complete; "
               "database %s\n",
               o.spec_path, (unsigned long long)r.n_done, r.elapsed_s, r.jobs ? r.jobs : o.jobs,
               o.shard_n > 1 ? ", one shard" : "", (unsigned long long)r.n_present,
               (unsigned long long)r.n_failed_copies, db);
    } else if (rc == EXP_SWEEP_EINPUT && r.n_done == 0) {
        fprintf(stderr, "rekeysim sweep: %s\n", err);
        status = EXP_INPUT;
    } else {
        fprintf(stderr, "rekeysim sweep: %s\n", err);
        /* The summary is a result: print it only when the sweep made runs
         * (an interrupted sweep reports what it kept); a sweep that failed
         * before its first run leaves one message and nothing on stdout. */
        if (r.n_done > 0 || rc == EXP_SWEEP_EINTERRUPTED)
            printf("sweep %s: %llu runs made in %.1f s, %llu already there, %llu copies did not complete%s\n",
                   o.spec_path, (unsigned long long)r.n_done, r.elapsed_s, (unsigned long long)r.n_present,
                   (unsigned long long)r.n_failed_copies,
                   rc == EXP_SWEEP_EINTERRUPTED ? "; interrupted"
                   : rc == EXP_SWEEP_EINPUT     ? "; bad input"
                                                : "; failed");
        status = rc == EXP_SWEEP_EINPUT         ? EXP_INPUT
                 : rc == EXP_SWEEP_EINTERRUPTED ? (stop_signal ? 128 + stop_signal : EXP_INTERRUPTED)
                                                : EXP_RUNTIME;
    }
    free(owned_db);
    free(cmdline);
    return status;
}
