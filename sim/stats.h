#ifndef SIM_STATS_H
#define SIM_STATS_H
/*
 * Statistics helpers on GSL: a running mean and variance (Welford), the
 * Student-t confidence interval of a mean and the Wilson score interval of a
 * proportion. Pure functions of their inputs; no allocation.
 */
#include <stdint.h>

/* Switches GSL's abort-on-error handler off for the process (GSL's handler
 * is process-wide), once; every sim/ function that calls GSL does this
 * first, so GSL errors come back as statuses (NULL, NAN) that the callers
 * check, never as an abort. Safe to call from any thread, any number of
 * times. */
void sim_gsl_errors_as_status(void);

typedef struct sim_stat {
    uint64_t n;
    double mean;
    double m2; /* sum of squared deviations from the mean */
    double min, max;
} sim_stat;

/* sim_stat_init empties S (caller-allocated); sim_stat_add adds one value. */
void sim_stat_init(sim_stat *s);
void sim_stat_add(sim_stat *s, double x);
/* Sample variance (n - 1 denominator); 0 when n < 2. */
double sim_stat_variance(const sim_stat *s);

/* Two-sided Student-t interval of the mean at LEVEL (for example 0.95).
 * Returns 0 and writes the bounds, or -1 when n < 2 or GSL fails (bounds
 * untouched). */
int sim_stat_t_interval(const sim_stat *s, double level, double *lo_out, double *hi_out);

/* The two-sided t quantile for DF > 0 degrees of freedom at LEVEL
 * (0 < LEVEL < 1; 0.95 gives t_0.975); NAN if GSL reports an error. */
double sim_t_quantile(double level, double df);

/* Wilson score interval for K <= N successes of N at LEVEL (0 < LEVEL < 1).
 * N = 0 gives [0, 1]; K = 0 gives a lower bound of exactly 0 and K = N an
 * upper bound of exactly 1. */
void sim_wilson_interval(uint64_t k, uint64_t n, double level, double *lo_out, double *hi_out);

#endif
