/*
 * rekeysim's entry point: dispatches to a subcommand. The usage text here is
 * the one place that lists every subcommand; each subcommand prints its own
 * detailed help with --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "experiments/commands.h"
#include "results/build_info.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *synopsis;
} cmds[] = {
    {"run", exp_cmd_run,
     "run [--scenario NAME] [--seed N] [--json] [--trace FILE] [--plot FILE] [KEY=VALUE ...]\n"
     "      run --db FILE --run ID [--json] [--trace FILE] [--plot FILE]   replay a stored run\n"
     "      run ... --pcap FILE [--pcap-at client|server|bottleneck]   a packet capture for Wireshark"},
    {"sweep", exp_cmd_sweep, "sweep SPEC.ini [--db FILE] [--jobs N] [--shard K/N] [--quiet] [--force-new] [--yes]"},
    {"merge", exp_cmd_merge, "merge OUT.db IN.db [IN.db ...]"},
    {"status", exp_cmd_status, "status --db FILE"},
    {"plot", exp_cmd_plot, "plot --db FILE [--experiment NAME] [--out DIR]"},
    {"report", exp_cmd_report, "report --db FILE [--experiment NAME] [--out DIR]"},
    {"whatif", exp_cmd_whatif,
     "whatif [--scenario NAME] [--seed N] [--json] [--db FILE] [KEY=VALUE ...]\n"
     "      which single change makes a failing copy complete, at what cost"},
    {"params", exp_cmd_params, "params [--scenario NAME]    every key: name, value, unit, description, source"},
    {"scenarios", exp_cmd_scenarios, "scenarios                   the named presets and what each sets"},
    {"outcomes", exp_cmd_outcomes, "outcomes [--json]           every outcome field: name, type, unit, description"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "rekeysim %s: a discrete-event simulator of SMB file copies over IPsec\n"
            "(IKE, SA lifetimes and rekeys, fallback to clear) on a simulated TCP link.\n\n"
            "usage:\n",
            PACKAGE_VERSION);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) fprintf(f, "  rekeysim %s\n", cmds[i].synopsis);
    fprintf(f, "  rekeysim --help | --version\n\n"
               "Parameters are KEY=VALUE with units: sizes B KB KiB MB MiB GB GiB (KB = 1000),\n"
               "rates bps Kbps Mbps Gbps, times ns us ms s min h, hex 0x14, booleans on/off.\n"
               "`rekeysim params` lists every key; `rekeysim SUBCOMMAND --help` explains one.\n"
               "WAN paths: path=NAME (`rekeysim scenarios` lists them). Fleets:\n"
               "fleet.clients=N copies the file to N clients at once through the shared path.\n\n"
               "Exit status: 0 success (a copy that fails is a result), 1 runtime failure,\n"
               "2 bad input, 130 interrupted (SIGINT; 143 SIGTERM, 129 SIGHUP: finished work\n"
               "is kept; rerun to resume).\n");
}

/* Set when descriptor 1 was closed at start (`rekeysim ... >&-`). */
static int stdout_was_closed;

/* Opens /dev/null on whichever of descriptors 0, 1 and 2 is closed, so that
 * no file the command opens (a database, a figure) becomes its standard
 * output. Opened in the direction that fails (0 write-only, 1 and 2
 * read-only, as gnulib's stdopen does): a closed stdout stays an error that
 * finish_stdout reports, never output silently thrown away. */
static void guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        if (fd == STDOUT_FILENO) stdout_was_closed = 1;
        /* The lowest free descriptor: FD itself, as 0..FD-1 are open. */
        int nfd = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
        if (nfd >= 0 && nfd != fd) {
            dup2(nfd, fd);
            close(nfd);
        }
    }
}

/* Flushes and closes stdout after command CMD (NULL: the top level)
 * returned STATUS. A write error anywhere in the output (ferror keeps it
 * from an earlier buffer flush) makes a successful command exit 1 with one
 * message on stderr: output that never arrived (a full disk, a closed
 * descriptor) is a failure the caller must see. Returns the exit status. */
static int finish_stdout(const char *cmd, int status)
{
    errno = 0;
    int err = fflush(stdout) != 0 ? errno : 0;
    int bad = err != 0 || ferror(stdout);
    errno = 0;
    if (fclose(stdout) != 0 && !bad) bad = 1, err = errno;
    if (!bad) return status;
    if (stdout_was_closed)
        fprintf(stderr, "rekeysim%s%s: cannot write the output: standard output is closed\n", cmd ? " " : "",
                cmd ? cmd : "");
    else
        fprintf(stderr, "rekeysim%s%s: cannot write standard output: %s\n", cmd ? " " : "", cmd ? cmd : "",
                err ? strerror(err) : "write error");
    return status == EXP_OK ? EXP_RUNTIME : status;
}

int main(int argc, char **argv)
{
    guard_std_fds();
    if (argc < 2) {
        usage(stderr);
        return EXP_INPUT;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return finish_stdout(NULL, EXP_OK);
    }
    if (!strcmp(argv[1], "--version")) {
        /* The commit of this build (regenerated by every make), not of the
         * last configure. RES_GIT_DIRTY is -1 outside a git checkout. */
        printf("rekeysim %s (git %s%s)\n", PACKAGE_VERSION, RES_GIT_COMMIT, RES_GIT_DIRTY > 0 ? ", modified" : "");
        return finish_stdout(NULL, EXP_OK);
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) return finish_stdout(cmds[i].name, cmds[i].fn(argc - 1, argv + 1));
    fprintf(stderr, "rekeysim: unknown command '%s'; run 'rekeysim --help' for the list\n", argv[1]);
    return EXP_INPUT;
}
