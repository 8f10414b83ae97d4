/*
 * The clients of a fleet: per-client certificate and OS by index, start
 * times (models/fleet.h); the stream prefixes are pkt_client_stream_prefix.
 */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "models/fleet.h"
#include "sim/rng.h"

uint32_t fleet_n_clients(const prm_config *cfg) { return cfg->fleet.clients > 1 ? (uint32_t)cfg->fleet.clients : 1; }

/* Whether client K (0-based) is one of a share S spread evenly over the
 * indices, with phase PHASE. */
static int in_share(uint32_t k, double s, double phase)
{
    double i = (double)k + 1.0;
    return floor(i * s + phase) > floor((i - 1.0) * s + phase);
}

void fleet_client_config(const prm_config *cfg, uint32_t k, prm_config *out)
{
    *out = *cfg;
    if (fleet_n_clients(cfg) == 1) return; /* the fleet keys shape fleets only */
    prm_host *c = &out->host[PRM_CLIENT];
    double cs = cfg->fleet.cert_share;
    if (cs >= 0) {
        if (in_share(k, cs, 0.0))
            c->cert = PRM_CERT_VALID;
        else if (c->cert == PRM_CERT_VALID)
            c->cert = PRM_CERT_NONE;
    }
    if (cfg->fleet.mix_os > 0 && in_share(k, cfg->fleet.mix_share, 0.5)) c->os = cfg->fleet.mix_os - 1;
}

int fleet_start_times(const prm_config *cfg, uint64_t run_seed, sim_time_ns *starts, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) starts[k] = 0;
    if (cfg->fleet.start == PRM_START_TOGETHER) return 0;
    gsl_rng *r = sim_rng_new(run_seed, "fleet.start");
    if (!r) return -1;
    if (cfg->fleet.start == PRM_START_UNIFORM) {
        double w = (double)cfg->fleet.start_window_ns;
        for (uint32_t k = 0; k < n; k++) starts[k] = (sim_time_ns)llround(gsl_rng_uniform(r) * w);
    } else {
        double t = 0, mean_s = 1.0 / cfg->fleet.start_rate;
        for (uint32_t k = 1; k < n; k++) {
            t += gsl_ran_exponential(r, mean_s);
            starts[k] = sim_time_from_s(t);
        }
    }
    sim_rng_free(r);
    return 0;
}
