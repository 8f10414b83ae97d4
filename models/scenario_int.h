#ifndef MODELS_SCENARIO_INT_H
#define MODELS_SCENARIO_INT_H
/*
 * Internal to models/ and its tests: scn_run with a probe of the run's
 * internals after it ends (packet leaks, link and TCP counters), for tests
 * that check what a user cannot see directly. Not for the command line.
 */
#include "models/link.h"
#include "models/scenario.h"
#include "models/tcp.h"

typedef struct scn_probe {
    uint64_t pkts_outstanding; /* packets not back in the pool after teardown: 0 */
    link_stats link[2];        /* by source host */
    tcp_stats tcp[2];          /* by host */
    int64_t smb_limit;         /* outstanding SMB requests allowed */
    int64_t mss_bytes;
    int fail_host; /* host of the terminal event, -1 if none */
    double end_s;  /* simulated time the run stopped, absolute */
} scn_probe;

/* scn_run_sinks, and fills *probe_out when not NULL. */
int scn__run_probe(const prm_config *cfg, uint64_t run_seed, const rec_sink *sinks, int n_sinks, out_result *out,
                   scn_probe *probe_out);

#endif
