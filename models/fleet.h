#ifndef MODELS_FLEET_H
#define MODELS_FLEET_H
/*
 * The clients of a fleet (issue 16, fleet.* keys): which client has a valid
 * certificate and which OS and when each one starts its copy (the prefix of
 * its random streams is pkt_client_stream_prefix). Pure functions of the config and the run seed; the
 * scenario builds one client pair per client from them. Client indices are
 * 0-based here; users see them 1-based ("client 7" is index 6).
 */
#include <stddef.h>
#include <stdint.h>
#include "models/core/params.h"

/* fleet.clients, at least 1. */
uint32_t fleet_n_clients(const prm_config *cfg);

/* OUT = CFG with client K's certificate and OS (only with fleet.clients >
 * 1; one client is CFG's): fleet.cert_share s >= 0
 * gives client k (1-based) a valid certificate iff floor(k s) > floor((k-1) s)
 * (the holders spread evenly over the indices), the others client.cert, or
 * none when that is valid; fleet.mix_share m gives client k fleet.mix_os iff
 * floor(k m + 1/2) > floor((k-1) m + 1/2), the others client.os. */
void fleet_client_config(const prm_config *cfg, uint32_t k, prm_config *out);

/* STARTS[k] for k < N: when client k starts its copy, from the run's
 * beginning. together: all 0. uniform: k's start is the k-th draw of the
 * stream "fleet.start", uniform on [0, fleet.start_window]. poisson: client 0
 * at 0, then gaps drawn (in index order, same stream) from an exponential of
 * mean 1 / fleet.start_rate. Either way client k's start depends only on the
 * draws of clients 0..k, so adding clients leaves the earlier ones' starts.
 * Returns 0, or -1 when out of memory. */
int fleet_start_times(const prm_config *cfg, uint64_t run_seed, sim_time_ns *starts, uint32_t n);

#endif
