/* Temporary until the sweep runner lands (issue 5): refuses clearly. */
#include <stdio.h>
#include "experiments/commands.h"
static int later(const char *what)
{
    fprintf(stderr, "rekeysim: unknown command '%s' in this build (the sweep runner is not built yet)\n", what);
    return EXP_INPUT;
}
int exp_cmd_sweep(int argc, char **argv) { (void)argc; return later(argv[0]); }
int exp_cmd_merge(int argc, char **argv) { (void)argc; return later(argv[0]); }
int exp_cmd_status(int argc, char **argv) { (void)argc; return later(argv[0]); }
