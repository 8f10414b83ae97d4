/*
 * rekeysim's entry point: dispatches to a subcommand. The usage text here is
 * the one place that lists every subcommand; each subcommand prints its own
 * detailed help with --help.
 */
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "experiments/commands.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *synopsis;
} cmds[] = {
    {"run", exp_cmd_run, "run [--scenario NAME] [--seed N] [--json] [--trace FILE] [--plot FILE] [KEY=VALUE ...]\n"
                         "      run --db FILE --run ID [--json] [--trace FILE] [--plot FILE]   replay a stored run"},
    {"sweep", exp_cmd_sweep, "sweep SPEC.ini [--db FILE] [--jobs N] [--shard K/N] [--quiet] [--force-new] [--yes]"},
    {"merge", exp_cmd_merge, "merge OUT.db IN.db [IN.db ...]"},
    {"status", exp_cmd_status, "status --db FILE"},
    {"plot", exp_cmd_plot, "plot --db FILE [--experiment NAME] [--out DIR]"},
    {"report", exp_cmd_report, "report --db FILE [--experiment NAME] [--out DIR]"},
    {"params", exp_cmd_params, "params [--scenario NAME]    every key: name, value, unit, description, source"},
    {"scenarios", exp_cmd_scenarios, "scenarios                   the named presets and what each sets"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "rekeysim %s: a discrete-event simulator of SMB file copies over IPsec\n"
            "(IKE, SA lifetimes and rekeys, fallback to clear) on a simulated TCP link.\n\n"
            "usage:\n",
            PACKAGE_VERSION);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) fprintf(f, "  rekeysim %s\n", cmds[i].synopsis);
    fprintf(f,
            "  rekeysim --help | --version\n\n"
            "Parameters are KEY=VALUE with units: sizes B KB KiB MB MiB GB GiB (KB = 1000),\n"
            "rates bps Kbps Mbps Gbps, times ns us ms s min h, hex 0x14, booleans on/off.\n"
            "`rekeysim params` lists every key; `rekeysim SUBCOMMAND --help` explains one.\n\n"
            "Exit status: 0 success (a copy that fails is a result), 1 runtime failure,\n"
            "2 bad input, 130 interrupted (finished work is kept; rerun to resume).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXP_INPUT;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXP_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rekeysim %s (git %s)\n", PACKAGE_VERSION, REKEYSIM_GIT_COMMIT);
        return EXP_OK;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rekeysim: unknown command '%s'; run 'rekeysim --help' for the list\n", argv[1]);
    return EXP_INPUT;
}
