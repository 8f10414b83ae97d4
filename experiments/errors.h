#ifndef EXPERIMENTS_ERRORS_H
#define EXPERIMENTS_ERRORS_H
/*
 * The error codes of experiments/: every module that can fail has its own
 * range of negative codes, so a code says which module failed and what
 * went wrong, and exp_strerror gives the one generic message for each.
 * Library code (everything but main.c and cmd_*.c) returns these and never
 * prints; the commands turn them into messages and exit statuses.
 */

enum {
    /* spec.c: -1 .. -9 */
    EXP_ESPEC = -1,  /* bad spec: message names file, line and key */
    EXP_EREAD = -2,  /* missing or unreadable spec file */
    EXP_ENOMEM = -3, /* out of memory */
    /* runner.c, plan.c, ledger.c (the sweep): -10 .. -19 */
    EXP_SWEEP_EINPUT = -10,       /* bad spec or database: exit status 2 */
    EXP_SWEEP_ERUNTIME = -11,     /* I/O, locked, full, a worker died: exit status 1 */
    EXP_SWEEP_EINTERRUPTED = -12, /* stopped by the stop flag; finished work committed */
    /* pool.c: -20 .. -29 */
    EXP_POOL_EFORK = -20, /* cannot create a worker's pipes or process */
    EXP_POOL_EDIED = -21, /* a worker process died */
    /* opts.c: -30 .. -39 */
    EXP_OPT_EMISSING = -30, /* an option that takes a value came last */
    EXP_OPT_ENUMBER = -31,  /* not a whole number in the allowed range */
    EXP_OPT_EFORM = -32,    /* not of the expected form (K/N) */
    EXP_OPT_ERANGE = -33    /* K/N with K outside 1..N */
};

/* A short lower-case phrase for CODE (static storage), "unknown error"
 * for a code not listed above. */
const char *exp_strerror(int code);

#endif
