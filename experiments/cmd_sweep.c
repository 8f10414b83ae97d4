/*
 * The sweep, merge and status subcommands: argument parsing, the progress
 * line, signal handling and exit statuses around experiments/runner.c and
 * results/store.c, which do the work and never print.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "experiments/commands.h"
#include "experiments/runner.h"
#include "experiments/spec.h"
#include "models/core/params.h"
#include "results/store.h"

static const char sweep_help[] =
    "usage: rekeysim sweep SPEC.ini [--db FILE] [--jobs N] [--shard K/N] [--quiet] [--force-new] [--yes]\n"
    "\n"
    "Runs every point x replication of the spec's [experiment NAME] sections and\n"
    "stores one row per run in an SQLite database (default results/<spec name>.db).\n"
    "Re-running completes only what is missing; a finished sweep does nothing.\n"
    "\n"
    "  --db FILE     the results database (created if missing)\n"
    "  --jobs N      worker processes (default: the number of online cores)\n"
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
    "130 interrupted (the runs made are kept; run the same command to resume).\n"
    "Test-only: REKEYSIM_TEST_KILL_AFTER_COMMIT=N makes the writer SIGKILL itself\n"
    "after its Nth commit; REKEYSIM_TEST_COMMIT_EVERY=N commits every N runs.\n";

/* ---- helpers ---- */

/* The command line as one string, arguments with spaces quoted. Caller frees. */
static char *join_command(int argc, char **argv)
{
    size_t n = 16;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 3;
    char *out = malloc(n);
    if (!out) return NULL;
    size_t used = (size_t)snprintf(out, n, "rekeysim");
    for (int i = 0; i < argc; i++)
        used += (size_t)snprintf(out + used, n - used, strpbrk(argv[i], " \t'\"") ? " '%s'" : " %s", argv[i]);
    return out;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *s == '-' || *end || errno || v > max) return -1;
    *out = v;
    return 0;
}

/* The value of option ARGV[*i] ("--opt VALUE" or "--opt=VALUE"), or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != 0) return NULL;
    if (*i + 1 >= argc) return "";
    return argv[++*i];
}

/* ---- sweep ---- */

static volatile sig_atomic_t stop_requests;
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_requests++;
    stop_signal = sig;
    static const char first[] = "\nrekeysim: stopping: finishing the runs in hand (Ctrl-C again to drop them)\n";
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
        if (t < 120) snprintf(eta, sizeof eta, "%.0fs", t);
        else if (t < 7200) snprintf(eta, sizeof eta, "%.0fmin", t / 60);
        else snprintf(eta, sizeof eta, "%.1fh", t / 3600);
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
    o.shard_k = o.shard_n = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        unsigned long n, k;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(sweep_help, stdout);
            return EXP_OK;
        } else if ((v = option_value(argc, argv, &i, "--db"))) {
            if (!*v) return fprintf(stderr, "rekeysim sweep: --db needs a file name\n"), EXP_INPUT;
            db = v;
        } else if ((v = option_value(argc, argv, &i, "--jobs"))) {
            if (parse_uint(v, 1024, &n) || n < 1)
                return fprintf(stderr, "rekeysim sweep: --jobs '%s': expected a number from 1 to 1024\n", v), EXP_INPUT;
            o.jobs = (unsigned)n;
        } else if ((v = option_value(argc, argv, &i, "--shard"))) {
            char kbuf[32], *slash = strchr(v, '/');
            if (!slash || (size_t)(slash - v) >= sizeof kbuf)
                return fprintf(stderr, "rekeysim sweep: --shard '%s': expected K/N, as in 1/4\n", v), EXP_INPUT;
            memcpy(kbuf, v, (size_t)(slash - v));
            kbuf[slash - v] = 0;
            if (parse_uint(kbuf, 1000000, &k) || parse_uint(slash + 1, 1000000, &n) || n < 1 || k < 1 || k > n)
                return fprintf(stderr, "rekeysim sweep: --shard '%s': expected K/N with K from 1 to N\n", v), EXP_INPUT;
            o.shard_k = (unsigned)k;
            o.shard_n = (unsigned)n;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (!strcmp(argv[i], "--force-new")) {
            o.force_new = 1;
        } else if (!strcmp(argv[i], "--yes")) {
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
    char *cmdline = join_command(argc, argv);
    if (!db || !cmdline) {
        free(owned_db);
        free(cmdline);
        fprintf(stderr, "rekeysim sweep: out of memory\n");
        return EXP_RUNTIME;
    }
    o.db_path = db;
    o.command_line = cmdline;
    o.stop = &stop_requests;
    progress_ctx pc = {!quiet && isatty(STDERR_FILENO), 0};
    o.progress = show_progress;
    o.progress_ctx = &pc;

    struct sigaction sa, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: waits return early */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);

    exp_sweep_report r;
    char err[2048] = "";
    int rc = exp_sweep_run(&o, &r, err, sizeof err);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);

    int status = EXP_OK;
    if (r.other_build && !r.nothing_to_do && rc != EXP_SWEEP_EINPUT)
        fprintf(stderr, "rekeysim sweep: warning: %s was created by another rekeysim build (meta.git_commit); "
                        "its older runs may come from a different model\n", db);
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
                   rc == EXP_SWEEP_EINTERRUPTED ? "; interrupted" : rc == EXP_SWEEP_EINPUT ? "; bad input" : "; failed");
        status = rc == EXP_SWEEP_EINPUT ? EXP_INPUT
                 : rc == EXP_SWEEP_EINTERRUPTED ? (stop_signal == SIGTERM ? 128 + SIGTERM : EXP_INTERRUPTED)
                                                : EXP_RUNTIME;
    }
    free(owned_db);
    free(cmdline);
    return status;
}

/* ---- merge ---- */

int exp_cmd_merge(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: rekeysim merge OUT.db IN.db [IN.db ...]\n\n"
               "Adds the experiments, points and runs of each IN to OUT (created if missing),\n"
               "keeping point and run ids; typically the shards of one sweep. Refuses inputs\n"
               "whose experiments have a different spec, or whose rows disagree.\n");
        return EXP_OK;
    }
    if (argc < 3) {
        fprintf(stderr, "rekeysim merge: usage: rekeysim merge OUT.db IN.db [IN.db ...]\n");
        return EXP_INPUT;
    }
    char err[1024];
    struct stat out_sb;
    int out_existed = stat(argv[1], &out_sb) == 0;
    /* Check every input before writing anything. */
    for (int i = 2; i < argc; i++) {
        struct stat sb;
        if (out_existed && stat(argv[i], &sb) == 0 && sb.st_dev == out_sb.st_dev && sb.st_ino == out_sb.st_ino) {
            fprintf(stderr, "rekeysim merge: %s is both the output and an input\n", argv[i]);
            return EXP_INPUT;
        }
        res_store *in = NULL;
        int rc = res_store_new(argv[i], RES_OPEN_READONLY, NULL, err, sizeof err, &in);
        res_store_free(in);
        if (rc) {
            fprintf(stderr, "rekeysim merge: %s\n", err);
            return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
        }
    }
    char *cmdline = join_command(argc, argv);
    res_store *out = NULL;
    int rc = res_store_new(argv[1], RES_OPEN_CREATE, cmdline, err, sizeof err, &out);
    if (rc) {
        free(cmdline);
        fprintf(stderr, "rekeysim merge: %s\n", err);
        return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    int64_t total = 0, hist;
    for (int i = 2; i < argc && !rc; i++) {
        int64_t added = 0;
        int differ = 0;
        rc = res_store_merge(out, argv[i], &added, &differ);
        if (!rc) {
            total += added;
            printf("merge: %lld runs added from %s\n", (long long)added, argv[i]);
            if (differ)
                fprintf(stderr, "rekeysim merge: warning: %s was written by another rekeysim build (see meta)\n",
                        argv[i]);
        }
    }
    if (!rc) rc = res_store_begin(out);
    if (!rc) rc = res_history_begin(out, cmdline, &hist);
    if (!rc) rc = res_history_end(out, hist, "complete");
    if (!rc) rc = res_store_commit(out);
    free(cmdline);
    if (rc) {
        fprintf(stderr, "rekeysim merge: %s\n", res_store_errmsg(out));
        res_store_free(out);
        if (!out_existed) {
            /* A failed merge into a new file leaves no file behind. */
            const char *suffix[] = {"", "-wal", "-shm"};
            for (int k = 0; k < 3; k++) {
                char path[4096];
                snprintf(path, sizeof path, "%s%s", argv[1], suffix[k]);
                unlink(path);
            }
        }
        return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    res_store_free(out);
    printf("merge: %lld runs added to %s\n", (long long)total, argv[1]);
    return EXP_OK;
}

/* ---- status ---- */

typedef struct status_ctx {
    const exp_experiment *spec;  /* the experiment's own spec section, parsed again */
} status_ctx;

static int print_threshold(void *ctx, const res_threshold *t, const scn_config *cfg)
{
    status_ctx *sc = ctx;
    const scn_param *p = scn_param_find(t->param);
    char combo[512] = "", lo[64] = "?", hi[64] = "?", crit[64] = "-";
    size_t used = 0;
    for (size_t i = 0; sc->spec && cfg && i < sc->spec->n_axes; i++) {
        const exp_axis *ax = &sc->spec->axes[i];
        if (i == sc->spec->search_axis || ax->n < 2) continue;
        char v[64];
        scn_param_format(ax->param, cfg, v, sizeof v);
        used += (size_t)snprintf(combo + used, sizeof combo - used, "%s%s=%s", used ? " " : "", ax->param->name, v);
        if (used >= sizeof combo) break;
    }
    if (p && cfg) {
        scn_config c = *cfg;
        scn_param_store(p, &c, t->lo);
        scn_param_format(p, &c, lo, sizeof lo);
        scn_param_store(p, &c, t->hi);
        scn_param_format(p, &c, hi, sizeof hi);
        if (t->critical == t->critical) {
            scn_param_store(p, &c, t->critical);
            scn_param_format(p, &c, crit, sizeof crit);
        }
    }
    printf("    combination %lld%s%s: %s, critical %s in [%s, %s], %lld probes, %lld runs%s\n",
           (long long)t->combo, combo[0] ? " " : "", combo, t->status, crit, lo, hi, (long long)t->n_probes,
           (long long)t->n_runs, t->n_undecided ? " (some probes decided by the point estimate)" : "");
    return 0;
}

int exp_cmd_status(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: rekeysim status --db FILE\n\nLists the database's experiments with their runs done "
                   "and planned, and the thresholds found.\n");
            return EXP_OK;
        } else if ((v = option_value(argc, argv, &i, "--db")) && *v) {
            db = v;
        } else {
            fprintf(stderr, "rekeysim status: unexpected argument '%s'; usage: rekeysim status --db FILE\n", argv[i]);
            return EXP_INPUT;
        }
    }
    if (!db) {
        fprintf(stderr, "rekeysim status: usage: rekeysim status --db FILE\n");
        return EXP_INPUT;
    }
    char err[1024], created[64] = "?", version[64] = "?", commit[64] = "?", dirty[16] = "?";
    res_store *s = NULL;
    int rc = res_store_new(db, RES_OPEN_READONLY, NULL, err, sizeof err, &s);
    if (rc) {
        fprintf(stderr, "rekeysim status: %s\n", err);
        return res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME;
    }
    res_store_meta(s, "created_at", created, sizeof created);
    res_store_meta(s, "rekeysim_version", version, sizeof version);
    res_store_meta(s, "git_commit", commit, sizeof commit);
    res_store_meta(s, "git_dirty", dirty, sizeof dirty);
    printf("%s: created %s by rekeysim %s (git %s%s)\n", db, created, version, commit,
           !strcmp(dirty, "1") ? ", modified tree" : "");
    res_experiment *list = NULL;
    size_t n = 0;
    rc = res_experiments_list(s, &list, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        const res_experiment *e = &list[i];
        res_counts c;
        rc = res_experiment_counts(s, e->id, &c);
        if (rc) break;
        printf("experiment %s (%s, %s, seed %llu): ", e->name, e->kind, e->status, (unsigned long long)e->master_seed);
        if (!strcmp(e->kind, "grid")) {
            printf("%lld points, %lld/%lld runs", (long long)c.n_points, (long long)c.n_runs,
                   (long long)(c.n_points * e->replications));
        } else if (!strcmp(e->kind, "target")) {
            printf("%lld points (%lld decided), %lld runs (at least %lld, at most %lld), target %s +-%g",
                   (long long)c.n_points, (long long)c.n_stopped, (long long)c.n_runs,
                   (long long)(c.n_points * e->replications), (long long)(c.n_points * e->max_replications),
                   e->target_outcome, e->target_halfwidth);
        } else {
            printf("search %s for %s = %g: %lld/%lld combinations done, %lld probes, %lld runs", e->search_param,
                   e->search_outcome, e->search_value, (long long)c.n_thresholds, (long long)e->n_combos,
                   (long long)c.n_points, (long long)c.n_runs);
        }
        printf(", %lld copies did not complete\n", (long long)(c.n_runs - c.n_completed));
        if (!strcmp(e->kind, "search") && c.n_thresholds > 0) {
            exp_spec *spec = NULL;
            char perr[512];
            status_ctx sc = {NULL};
            if (e->spec_text && exp_spec_new_text(e->name, e->spec_text, perr, sizeof perr, &spec) == 0 &&
                spec->n == 1)
                sc.spec = &spec->exps[0];
            rc = res_thresholds_scan(s, e->id, print_threshold, &sc);
            exp_spec_free(spec);
        }
    }
    if (rc) fprintf(stderr, "rekeysim status: %s\n", res_store_errmsg(s));
    res_experiments_free(list, n);
    res_store_free(s);
    return rc ? (res_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME) : EXP_OK;
}
