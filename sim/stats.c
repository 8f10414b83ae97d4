/*
 * Running statistics (Welford's update, numerically stable for long runs)
 * and interval estimates whose quantiles come from GSL's CDF inverses.
 * sim_stat holds n, the running mean, m2 (the sum of squared deviations from
 * the running mean) and the extremes; invariant: m2 >= 0, and with n = 0 the
 * mean and m2 are 0 and min/max are +inf/-inf.
 * The two-pass formula was rejected for sim_stat because it needs the data
 * kept; the naive sum-of-squares formula because it cancels catastrophically
 * when the mean is large against the spread (times in ns, bytes).
 */
#include "config.h"
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include "sim/stats.h"

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet(void) { gsl_set_error_handler_off(); }

void sim_gsl_errors_as_status(void) { pthread_once(&gsl_once, gsl_quiet); }

void sim_stat_init(sim_stat *s)
{
    s->n = 0;
    s->mean = 0;
    s->m2 = 0;
    s->min = INFINITY;
    s->max = -INFINITY;
}

void sim_stat_add(sim_stat *s, double x)
{
    s->n++;
    double d = x - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (x - s->mean);
    if (x < s->min) s->min = x;
    if (x > s->max) s->max = x;
}

double sim_stat_variance(const sim_stat *s) { return s->n < 2 ? 0.0 : s->m2 / (double)(s->n - 1); }

double sim_t_quantile(double level, double df)
{
    assert(level > 0 && level < 1 && df > 0);
    sim_gsl_errors_as_status();
    double t = gsl_cdf_tdist_Pinv(0.5 + level / 2.0, df);
    return isfinite(t) ? t : NAN;
}

int sim_stat_t_interval(const sim_stat *s, double level, double *lo_out, double *hi_out)
{
    if (s->n < 2) return -1;
    double t = sim_t_quantile(level, (double)(s->n - 1));
    if (isnan(t)) return -1;
    double half = t * sqrt(sim_stat_variance(s) / (double)s->n);
    *lo_out = s->mean - half;
    *hi_out = s->mean + half;
    return 0;
}

void sim_wilson_interval(uint64_t k, uint64_t n, double level, double *lo_out, double *hi_out)
{
    assert(level > 0 && level < 1 && k <= n);
    if (n == 0) {
        *lo_out = 0.0;
        *hi_out = 1.0;
        return;
    }
    sim_gsl_errors_as_status();
    double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2.0);
    if (!isfinite(z)) {
        *lo_out = 0.0;
        *hi_out = 1.0;
        return;
    }
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    double lo = centre - half, hi = centre + half;
    /* At k = 0 (k = n) the lower (upper) bound is exactly 0 (1); computed, it
     * comes out a rounding error away, which a reader would take for data. */
    *lo_out = k == 0 || lo < 0 ? 0 : lo;
    *hi_out = k == n || hi > 1 ? 1 : hi;
}
