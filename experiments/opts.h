#ifndef EXPERIMENTS_OPTS_H
#define EXPERIMENTS_OPTS_H
/*
 * The one option parser of the rekeysim subcommands: "--NAME VALUE" and
 * "--NAME=VALUE" options, flags with a short alias, whole numbers, K/N
 * shards, and the command line as one string for the database's history.
 * It never prints: each command words its own messages from the codes
 * (experiments/errors.h), so the commands keep their distinct wording.
 */
#include <stdint.h>
#include "experiments/errors.h"

/* Whether ARG is NAME or ALIAS (ALIAS may be NULL), as in "--help", "-h". */
int exp_opt_is(const char *arg, const char *name, const char *alias);

/* Matches option NAME ("--db") at ARGV[*I] as "NAME VALUE" or "NAME=VALUE".
 * Returns 1 with *val_out (borrowed from ARGV) and *I advanced past a
 * separate value; 0 when ARGV[*I] is not NAME ("--dbx" is not "--db"); or
 * EXP_OPT_EMISSING when NAME is the last argument (*I unchanged). An empty
 * value ("--db=" or "--db ''") is a match with *val_out = "". */
int exp_opt_value(int argc, char **argv, int *i, const char *name, const char **val_out);

/* Parses S as a decimal whole number from 0 to MAX: digits only (no sign,
 * no blanks, no 0x; a leading zero is decimal, 010 is ten), the rule of
 * spec files too. Returns 0 and *out, or EXP_OPT_ENUMBER. */
int exp_opt_uint(const char *s, unsigned long max, unsigned long *out);

/* Parses S as a decimal whole number from 0 to 2^64 - 1, digits only as
 * exp_opt_uint. Returns 0 and *out, or EXP_OPT_ENUMBER. */
int exp_opt_u64(const char *s, uint64_t *out);

/* Parses a shard "K/N" with 1 <= K <= N <= 1000000. Returns 0 with *k_out
 * and *n_out, EXP_OPT_EFORM when S is not of that form, or EXP_OPT_ERANGE
 * when the numbers are not whole numbers with K from 1 to N. */
int exp_opt_shard(const char *s, unsigned *k_out, unsigned *n_out);

/* The command line "rekeysim ARGV..." as one string, arguments holding
 * spaces or quotes in single quotes. Caller frees; NULL when out of memory. */
char *exp_opt_join_command(int argc, char **argv);

#endif
