#ifndef EXPERIMENTS_SEARCH_H
#define EXPERIMENTS_SEARCH_H
/*
 * Decisions of adaptive sweeps on one point's runs 1..n: precision targets
 * (add replications until the 95 % interval is narrow enough) and threshold
 * search (does the point pass, i.e. is the outcome at or above the
 * threshold; where to probe next). Pure functions of the runs.
 */
#include <stdint.h>
#include "experiments/runner_int.h"

enum { EXP_FAIL = 0, EXP_PASS = 1, EXP_UNDECIDED = -1 };

/* Whether the 95 % interval of OUTCOME over REPS[1..n] has a half-width
 * ((hi - lo) / 2) of at most HALFWIDTH. An undefined interval is not. */
int exp_precision_met(int outcome, double halfwidth, const exp_rep *reps, uint32_t n);

/* EXP_PASS when the interval lies at or above VALUE, EXP_FAIL when wholly
 * below, else EXP_UNDECIDED; with FINAL the point estimate decides instead
 * of EXP_UNDECIDED (an undefined estimate fails). */
int exp_decide(int outcome, double value, const exp_rep *reps, uint32_t n, int final);

/* The geometric midpoint of A and B (rounded when INTEGRAL) into *x_out and
 * 1, or 0 when max/min <= 1 + PRECISION or no value lies strictly between. */
int exp_bisect(double a, double b, double precision, int integral, double *x_out);

#endif
