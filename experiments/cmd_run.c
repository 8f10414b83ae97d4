/* Temporary until the network path lands (issue 3). */
#include <stdio.h>
#include "experiments/commands.h"
int exp_cmd_run(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "rekeysim: run is not built yet\n"); return EXP_INPUT; }
int exp_cmd_params(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "rekeysim: params is not built yet\n"); return EXP_INPUT; }
int exp_cmd_scenarios(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "rekeysim: scenarios is not built yet\n"); return EXP_INPUT; }
