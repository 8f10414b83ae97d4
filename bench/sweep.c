/*
 * Sweep throughput: runs the real `rekeysim sweep` on generated specs and
 * reports runs per second, the runner's overhead against the sum of the
 * runs' own times (runs.wall_s), and the speed-up from --jobs 1 to --jobs 2.
 *
 * Workloads (each measured REPS times, the median reported):
 *   small   2,000 copies of 1 MiB (about 0.2 ms each): the per-run cost of
 *           the runner (fork-free dispatch over pipes, one SQLite insert,
 *           batched commits) is as large as it gets next to the runs;
 *   medium  200 copies of 64 MiB (about 10 ms each): a sweep of real runs.
 * Link loss 0.001 so that replications differ. Each sweep writes a fresh
 * database in a scratch directory; process start, spec parsing, schema
 * creation and the final commit are all counted as overhead.
 *
 * Overhead for --jobs 1: (elapsed - sum of wall_s) / sum of wall_s; for
 * --jobs 2: (2 x elapsed - sum of wall_s) / sum of wall_s, the share of two
 * cores not spent inside runs. wall_s times the kernel run only, not the
 * model's set-up and teardown (scn_run builds hosts, streams and queues), so
 * the same runs are also made by calling scn_run in a loop in this process
 * (impl=direct-loop): elapsed / loop - 1 is the runner's own overhead, and
 * the CPU time of the sweep and its workers against the loop's CPU time is
 * the same overhead measured in a way other processes on the machine do not
 * disturb (speed-ups need free cores; CPU seconds do not).
 * Lines (DESIGN.md format):
 *   impl=direct-loop workload=W runs=N seconds=S runs_per_s=R
 *   impl=sweep workload=W jobs=J runs=N seconds=S runs_per_s=R run_seconds=T
 *       overhead_pct=P peak_rss_kib=K
 *   impl=ratio name=overhead_jobs1_W value=...            (against wall_s)
 *   impl=ratio name=overhead_vs_direct_loop_jobs1_W value=... (target < 0.05)
 *   impl=ratio name=cpu_overhead_vs_direct_loop_jobsJ_W value=...
 *   impl=ratio name=speedup_jobs2_W value=...  (target >= 1.8 on 2 cores)
 *
 * Usage: bench/sweep [REPS] (default 3); the binary is $REKEYSIM or
 * experiments/rekeysim under the current directory (make bench runs it
 * from the build directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "experiments/spec.h"
#include "models/scenario.h"
#include "sim/rng.h"

typedef struct workload {
    const char *name;
    const char *size;
    int points, replications;
} workload;

typedef struct measure {
    double seconds, run_seconds, cpu_seconds;
    long runs, peak_rss_kib;
} measure;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Writes the spec of W: POINTS loss values (so that the points differ) x REPLICATIONS. */
static int write_spec(const char *path, const workload *w)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f,
            "[experiment bench]\nscenario = no-ipsec\nfile.size = %s\nlink.loss = 0.001..0.002 lin %d\n"
            "replications = %d\nseed = 1\n",
            w->size, w->points, w->replications);
    return fclose(f);
}

/* Runs one sweep into DB and measures it. */
static int sweep(const char *rk, const char *spec, const char *db, int jobs, measure *out)
{
    char jobs_text[16];
    snprintf(jobs_text, sizeof jobs_text, "%d", jobs);
    unlink(db);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        if (devnull >= 0) dup2(devnull, 1);
        execl(rk, rk, "sweep", spec, "--db", db, "--jobs", jobs_text, "--quiet", (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench/sweep: %s sweep failed (status %d)\n", rk, status);
        return -1;
    }
    out->seconds = now_s() - t0;
    out->peak_rss_kib = ru.ru_maxrss;
    /* Linux's wait4 counts the sweep and the workers it reaped. */
    out->cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    sqlite3 *d;
    sqlite3_stmt *st;
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return -1;
    int rc = sqlite3_prepare_v2(d, "SELECT count(*), sum(wall_s) FROM runs", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        out->runs = sqlite3_column_int64(st, 0);
        out->run_seconds = sqlite3_column_double(st, 1);
    } else {
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    sqlite3_close(d);
    return rc == SQLITE_OK ? 0 : -1;
}

/* The same runs made by calling scn_run in a loop in this process: what
 * the runs cost with no runner at all (model set-up and teardown included,
 * which wall_s leaves out). Returns the seconds, or a negative value. */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double direct_loop(const char *spec_path, double *cpu_out)
{
    exp_spec *spec = NULL;
    char err[512];
    if (exp_spec_new(spec_path, err, sizeof err, &spec)) {
        fprintf(stderr, "bench/sweep: %s\n", err);
        return -1;
    }
    const exp_experiment *e = &spec->exps[0];
    double t0 = now_s(), c0 = cpu_now();
    for (uint64_t i = 0; i < e->n_points; i++) {
        prm_config cfg;
        if (exp_point_config(e, i, 0, &cfg, err, sizeof err)) return -1;
        for (uint32_t r = 1; r <= e->replications; r++) {
            out_result res;
            if (scn_run(&cfg, sim_rng_run_seed(e->seed, r), NULL, &res)) return -1;
            out_result_fini(&res);
        }
    }
    double t = now_s() - t0;
    *cpu_out = cpu_now() - c0;
    exp_spec_free(spec);
    return t;
}

/* Median over REPS sweeps of the overhead-relevant figures. */
static int measure_median(const char *rk, const char *spec, const char *db, int jobs, int reps, measure *out)
{
    double secs[16], runsecs[16], cpus[16];
    long rss = 0, runs = 0;
    for (int i = 0; i < reps; i++) {
        measure m;
        if (sweep(rk, spec, db, jobs, &m)) return -1;
        secs[i] = m.seconds;
        runsecs[i] = m.run_seconds;
        cpus[i] = m.cpu_seconds;
        if (m.peak_rss_kib > rss) rss = m.peak_rss_kib;
        runs = m.runs;
    }
    qsort(secs, (size_t)reps, sizeof secs[0], cmp_double);
    qsort(runsecs, (size_t)reps, sizeof runsecs[0], cmp_double);
    qsort(cpus, (size_t)reps, sizeof cpus[0], cmp_double);
    out->cpu_seconds = cpus[reps / 2];
    out->seconds = secs[reps / 2];
    out->run_seconds = runsecs[reps / 2];
    out->runs = runs;
    out->peak_rss_kib = rss;
    return 0;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    if (reps < 1 || reps > 15) {
        fprintf(stderr, "usage: bench/sweep [REPS (1..15, default 3)]\n");
        return 2;
    }
    const char *rk = getenv("REKEYSIM");
    char rk_path[4096];
    if (!rk) {
        if (!getcwd(rk_path, sizeof rk_path - 32)) return 1;
        strcat(rk_path, "/experiments/rekeysim");
        rk = rk_path;
    }
    if (access(rk, X_OK) != 0) {
        fprintf(stderr, "bench/sweep: %s is not executable; build it or set REKEYSIM\n", rk);
        return 1;
    }
    char dir[] = "/tmp/bench-sweep.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    static const workload loads[] = {{"small", "1MiB", 20, 100}, {"medium", "64MiB", 10, 20}};
    int failed = 0;
    for (size_t k = 0; k < sizeof loads / sizeof loads[0] && !failed; k++) {
        const workload *w = &loads[k];
        char spec[256], db[256];
        snprintf(spec, sizeof spec, "%s/%s.ini", dir, w->name);
        snprintf(db, sizeof db, "%s/%s.db", dir, w->name);
        if (write_spec(spec, w)) return 1;
        double direct[16], direct_cpu[16];
        for (int i = 0; i < reps; i++)
            if ((direct[i] = direct_loop(spec, &direct_cpu[i])) < 0) return 1;
        qsort(direct, (size_t)reps, sizeof direct[0], cmp_double);
        qsort(direct_cpu, (size_t)reps, sizeof direct_cpu[0], cmp_double);
        double loop_s = direct[reps / 2], loop_cpu = direct_cpu[reps / 2];
        printf("impl=direct-loop workload=%s file_size=%s runs=%d seconds=%.3f cpu_seconds=%.3f runs_per_s=%.0f\n",
               w->name, w->size, w->points * w->replications, loop_s, loop_cpu, w->points * w->replications / loop_s);
        measure m[2];
        for (int j = 0; j < 2 && !failed; j++) {
            int jobs = j + 1;
            failed = measure_median(rk, spec, db, jobs, reps, &m[j]);
            if (failed) break;
            double overhead = (jobs * m[j].seconds - m[j].run_seconds) / m[j].run_seconds;
            printf("impl=sweep workload=%s file_size=%s jobs=%d runs=%ld seconds=%.3f cpu_seconds=%.3f "
                   "runs_per_s=%.0f run_seconds=%.3f overhead_pct=%.1f peak_rss_kib=%ld\n",
                   w->name, w->size, jobs, m[j].runs, m[j].seconds, m[j].cpu_seconds, m[j].runs / m[j].seconds,
                   m[j].run_seconds, 100 * overhead, m[j].peak_rss_kib);
            printf("impl=ratio name=cpu_overhead_vs_direct_loop_jobs%d_%s value=%.4f\n", jobs, w->name,
                   m[j].cpu_seconds / loop_cpu - 1);
        }
        if (failed) break;
        printf("impl=ratio name=overhead_jobs1_%s value=%.4f\n", w->name,
               (m[0].seconds - m[0].run_seconds) / m[0].run_seconds);
        printf("impl=ratio name=overhead_vs_direct_loop_jobs1_%s value=%.4f\n", w->name, m[0].seconds / loop_s - 1);
        printf("impl=ratio name=speedup_jobs2_%s value=%.3f\n", w->name, m[0].seconds / m[1].seconds);
        fflush(stdout);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench/sweep: could not remove %s\n", dir);
    return failed ? 1 : 0;
}
