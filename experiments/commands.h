#ifndef EXPERIMENTS_COMMANDS_H
#define EXPERIMENTS_COMMANDS_H
/*
 * The subcommands of the rekeysim command line. Each takes the arguments
 * after its own name (argv[0] is the subcommand name) and returns the
 * process exit status: 0 success, 1 runtime failure, 2 bad input, 128 +
 * the signal after SIGINT, SIGTERM or SIGHUP (130, 143, 129). Only these functions and main() print or decide exit statuses;
 * they parse their options with experiments/opts.h.
 */
int exp_cmd_run(int argc, char **argv);       /* experiments/cmd_run.c */
int exp_cmd_params(int argc, char **argv);    /* experiments/cmd_params.c */
int exp_cmd_scenarios(int argc, char **argv); /* experiments/cmd_scenarios.c */
int exp_cmd_outcomes(int argc, char **argv);  /* experiments/cmd_outcomes.c */
int exp_cmd_sweep(int argc, char **argv);     /* experiments/cmd_sweep.c */
int exp_cmd_merge(int argc, char **argv);     /* experiments/cmd_merge.c */
int exp_cmd_status(int argc, char **argv);    /* experiments/cmd_status.c */
int exp_cmd_plot(int argc, char **argv);      /* experiments/cmd_plot.c */
int exp_cmd_report(int argc, char **argv);    /* experiments/cmd_plot.c */
int exp_cmd_whatif(int argc, char **argv);    /* experiments/cmd_whatif.c */

/* Shared by run and whatif (experiments/cmd_run.c): warns on stderr,
 * "rekeysim COMMAND: warning: KEY has no effect: WHY", about each explicit
 * KEY=VALUE of KEYS[0..N_KEYS) that cannot change a run of CFG. */
struct prm_config;
void exp_warn_no_effect(const char *command, const struct prm_config *cfg, int n_keys, char **keys);

/* Exit statuses. */
enum { EXP_OK = 0, EXP_RUNTIME = 1, EXP_INPUT = 2, EXP_INTERRUPTED = 130 };

#endif
