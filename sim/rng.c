/*
 * Stream derivation. SplitMix64 (Steele, Lea, Flood 2014) is a bijective
 * 64-bit mixer: run_seed = mix(master ^ mix(replication + 1)); a stream's seed
 * = mix(run_seed ^ sim_hash_fnv1a64(name)). mt19937 takes 32 bits of seed, so the
 * stream's 64-bit seed is folded (high ^ low) and 0 is mapped to 1 (GSL treats
 * seed 0 as its default seed).
 */
#include <string.h>
#include "sim/hash.h"
#include "sim/rng.h"
#include "sim/stats.h"

uint64_t sim_rng_run_seed(uint64_t master_seed, uint32_t replication)
{
    uint64_t s = sim_hash_mix64(master_seed ^ sim_hash_mix64((uint64_t)replication + 1));
    return s ? s : 1;
}

uint64_t sim_rng_stream_seed(uint64_t run_seed, const char *name)
{
    return sim_hash_mix64(run_seed ^ sim_hash_fnv1a64(name));
}

gsl_rng *sim_rng_new(uint64_t run_seed, const char *name)
{
    sim_gsl_errors_as_status(); /* out of memory is a NULL here, not an abort */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) return NULL;
    uint64_t s = sim_rng_stream_seed(run_seed, name);
    unsigned long s32 = (unsigned long)((s >> 32) ^ (s & 0xffffffffu));
    gsl_rng_set(r, s32 ? s32 : 1);
    return r;
}

void sim_rng_free(gsl_rng *r)
{
    if (r) gsl_rng_free(r);
}
