/*
 * gnuplot: its language and its process. The language part writes the text
 * every figure script shares: strings quoted so that nothing from the
 * database can end a string or a line (and so run `system`), comments, the
 * standard opening of a script (which makes its file names resolve next to
 * the script), the png + svg terminal loop, and the curve palette.
 *
 * The process part runs gnuplot: found on PATH by hand (so a missing
 * gnuplot is a clear message before anything starts), started with fork +
 * exec in the output directory (never through a shell, so no file name or
 * database text is ever interpreted), fed either a script file name or a
 * script on its standard input. Nothing is written to a temporary file:
 * inline scripts travel over a socket pair, whose send(MSG_NOSIGNAL) reports
 * a gnuplot that died early as EPIPE instead of killing this process with
 * SIGPIPE (a pipe would need a process-wide change of the SIGPIPE
 * disposition). gnuplot's standard error is read through a pipe in the same
 * poll loop, so neither side can block the other; its last non-empty line is
 * the message when gnuplot fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "results/plot_int.h"

/* ---- the language ---- */

const char *const plot__colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                     "#9467bd", "#8c564b", "#e377c2", "#17becf"};
const size_t plot__n_colours = sizeof plot__colours / sizeof plot__colours[0];

void plot__gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            fputc(' ', f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

void plot__buf_gp_string(plot_buf *b, const char *s)
{
    plot__buf_append(b, "'", 1);
    for (; s && *s; s++) {
        if (*s == '\'')
            plot__buf_append(b, "''", 2);
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            plot__buf_append(b, " ", 1);
        else
            plot__buf_append(b, s, 1);
    }
    plot__buf_append(b, "'", 1);
}

void plot__gp_comment_text(FILE *f, const char *s)
{
    for (; s && *s; s++) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

void plot__gp_preamble(FILE *f, const char *stem, const char *title, const plot_db *db, const char *experiment)
{
    fputs("# rekeysim figure: ", f);
    plot__gp_comment_text(f, title);
    fprintf(f,
            "\n# Data: %s.dat (base units: bytes, bit/s, seconds; NaN = no value).\n"
            "# Rebuild or restyle: edit this file, then run `gnuplot %s.gp` (from any directory:\n"
            "# file names resolve next to this script). It writes %s.png and %s.svg.\n# Source: database ",
            stem, stem, stem, stem);
    plot__gp_comment_text(f, db->path);
    fputs(", experiment ", f);
    plot__gp_comment_text(f, experiment);
    fputs("\nif (strlen(ARG0) > 0) { _cut = 0; _i = strstrt(ARG0, \"/\"); "
          "while (_i > 0) { _cut = _cut + _i; _i = strstrt(ARG0[_cut + 1:], \"/\") }; "
          "if (_cut > 0) { cd ARG0[1:_cut] } }\n"
          "set datafile missing 'NaN'\n",
          f);
}

void plot__gp_terminals_begin(FILE *f, const char *stem, int width, int height)
{
    fprintf(f,
            "do for [fmt in \"png svg\"] {\n"
            "  if (fmt eq \"png\") {\n"
            "    set terminal pngcairo size %d,%d noenhanced font 'sans,11'\n"
            "    set output '%s.png'\n"
            "  } else {\n"
            "    set terminal svg size %d,%d noenhanced font 'sans,11' background rgb 'white'\n"
            "    set output '%s.svg'\n"
            "  }\n",
            width, height, stem, width, height, stem);
}

void plot__gp_terminals_end(FILE *f) { fputs("  unset output\n}\n", f); }

/* ---- the process ---- */

void plot__no_gnuplot_msg(char *err, size_t errlen)
{
    snprintf(err, errlen,
             "gnuplot is not installed (not found on PATH); install it with `apt-get install gnuplot-nox`");
}

int plot__gnuplot_find(char *buf, size_t n)
{
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        if (len > 0 && snprintf(buf, n, "%.*s/gnuplot", (int)len, path) < (int)n) {
            struct stat sb;
            if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) && access(buf, X_OK) == 0) return 0;
        }
        path += len;
        if (*path == ':') path++;
    }
    return PLOT_ENOGNUPLOT;
}

/* The child: never returns. */
static void exec_child(const char *gnuplot, const char *dir, const char *script, int in_fd, int err_fd)
{
    int devnull = open("/dev/null", O_RDWR);
    if (devnull < 0 || chdir(dir) != 0) _exit(126);
    if (dup2(in_fd >= 0 ? in_fd : devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
    char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
    execv(gnuplot, argv);
    _exit(127);
}

/* gnuplot's message in TEXT into ERR: its last line that is not blank or a
 * caret marker, with the line before it when the last is only the system
 * error behind it ("cannot open file ...; system error: ..."). */
static void last_line(const char *text, char *err, size_t errlen)
{
    const char *best = NULL, *prev = NULL, *s = text;
    size_t best_len = 0, prev_len = 0;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t k = 0;
        while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '^')) k++;
        if (k < len) prev = best, prev_len = best_len, best = s + k, best_len = len - k;
        s += len + (e ? 1 : 0);
    }
    if (best && prev && !strncmp(best, "system error", 12))
        snprintf(err, errlen, "gnuplot: %.*s; %.*s", (int)prev_len, prev, (int)best_len, best);
    else if (best)
        snprintf(err, errlen, "gnuplot: %.*s", (int)best_len, best);
    else
        snprintf(err, errlen, "gnuplot failed without a message");
}

/* Feeds INPUT to IN_FD and collects ERR_FD until gnuplot closes it. */
static void pump(int in_fd, const char *input, size_t len, int err_fd, char *collected, size_t cap)
{
    size_t sent = 0, got = 0;
    if (in_fd >= 0 && len == 0) close(in_fd), in_fd = -1;
    while (err_fd >= 0) {
        struct pollfd fds[2] = {{err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
        if (poll(fds, in_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = send(in_fd, input + sent, len - sent > 65536 ? 65536 : len - sent, MSG_NOSIGNAL);
            if (w > 0) sent += (size_t)w;
            if ((w < 0 && errno != EINTR && errno != EAGAIN) || sent == len) close(in_fd), in_fd = -1;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char chunk[4096];
            ssize_t r = read(err_fd, chunk, sizeof chunk);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            size_t keep = (size_t)r < cap - 1 - got ? (size_t)r : cap - 1 - got;
            memcpy(collected + got, chunk, keep);
            got += keep;
        }
    }
    collected[got] = 0;
    if (in_fd >= 0) close(in_fd);
}

int plot__gnuplot_run(const char *dir, const char *script, const char *input, size_t len, char *err, size_t errlen)
{
    char gnuplot[4096];
    if (plot__gnuplot_find(gnuplot, sizeof gnuplot)) {
        plot__no_gnuplot_msg(err, errlen);
        return PLOT_ENOGNUPLOT;
    }
    int errp[2], sv[2] = {-1, -1};
    if (pipe(errp) != 0) return snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno)), PLOT_EIO;
    if (!script && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        close(errp[0]), close(errp[1]);
        return snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno)), PLOT_EIO;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(errp[0]);
        if (sv[0] >= 0) close(sv[0]);
        exec_child(gnuplot, dir, script, sv[1], errp[1]);
    }
    int saved = errno;
    close(errp[1]);
    if (sv[1] >= 0) close(sv[1]);
    if (pid < 0) {
        close(errp[0]);
        if (sv[0] >= 0) close(sv[0]);
        return snprintf(err, errlen, "cannot start gnuplot: %s", strerror(saved)), PLOT_EIO;
    }
    char *collected = malloc(16384);
    char dummy[1];
    pump(sv[0], input, script ? 0 : len, errp[0], collected ? collected : dummy, collected ? 16384 : 1);
    close(errp[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int rc = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 126) {
        snprintf(err, errlen, "cannot run gnuplot in %s", dir);
        rc = PLOT_EIO;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "cannot execute %s", gnuplot);
        rc = PLOT_ENOGNUPLOT;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        last_line(collected ? collected : "", err, errlen);
        rc = PLOT_EGNUPLOT;
    }
    free(collected);
    return rc;
}

int plot_render_figures(plot_figure *figs, size_t n, const char *out_dir, char *err, size_t errlen)
{
    char gnuplot[4096];
    if (n > 0 && plot__gnuplot_find(gnuplot, sizeof gnuplot)) {
        plot__no_gnuplot_msg(err, errlen);
        return PLOT_ENOGNUPLOT;
    }
    for (size_t i = 0; i < n; i++) {
        char script[512], msg[1024];
        snprintf(script, sizeof script, "%s.gp", figs[i].stem);
        int rc = plot__gnuplot_run(out_dir, script, NULL, 0, msg, sizeof msg);
        if (rc) {
            snprintf(err, errlen, "%s/%s: %s", out_dir, script, msg);
            return rc;
        }
        figs[i].rendered = 1;
    }
    return 0;
}
