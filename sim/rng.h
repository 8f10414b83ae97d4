#ifndef SIM_RNG_H
#define SIM_RNG_H
/*
 * Named random-number streams on GSL generators. A run's seed is derived from
 * (master seed, replication); each stream from (run seed, stream name) through
 * SplitMix64 over an FNV-1a hash of the name (scheme SIM_RNG_SCHEME). So the
 * same replication of every design point sees the same inputs (common random
 * numbers) and adding a stream never changes another stream's draws.
 */
#include <stdint.h>
#include <gsl/gsl_rng.h>

#define SIM_RNG_SCHEME "splitmix64-fnv1a/mt19937 v1"

/* The run seed of replication REPLICATION under MASTER_SEED. Never 0. */
uint64_t sim_rng_run_seed(uint64_t master_seed, uint32_t replication);

/* The seed of stream NAME within a run. */
uint64_t sim_rng_stream_seed(uint64_t run_seed, const char *name);

/* A new GSL generator (mt19937) for stream NAME of a run; NULL when out of
 * memory. Caller frees with sim_rng_free (NULL is a no-op). */
gsl_rng *sim_rng_new(uint64_t run_seed, const char *name);
void sim_rng_free(gsl_rng *r);

#endif
