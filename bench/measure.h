#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H
/*
 * What the benchmarks that time whole copies share (bench/tcp_bulk,
 * bench/fleet): the monotonic wall clock, the process's peak RSS, the
 * comparison for medians, and running one measurement in a child process so
 * that its peak RSS is its own. Header-only: each benchmark is one program.
 */
#include <stddef.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The peak resident set of this process so far, KiB. */
static inline long bench_peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* qsort's comparison of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs FN(CTX, OUT) in a child process, which writes the SIZE bytes at OUT
 * back through a pipe into OUT here. Returns 0, or -1 when the child could
 * not be made, failed or did not send them all. */
static inline int bench_in_child(void (*fn)(void *ctx, void *out), void *ctx, void *out, size_t size)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fd[0]);
        fn(ctx, out);
        ssize_t w = write(fd[1], out, size);
        _exit(w == (ssize_t)size ? 0 : 1);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], out, size);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return n == (ssize_t)size && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#endif
