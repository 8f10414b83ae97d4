/*
 * Stream derivation. SplitMix64 (Steele, Lea, Flood 2014) is a bijective
 * 64-bit mixer: run_seed = mix(master ^ mix(replication + 1)); a stream's seed
 * = mix(run_seed ^ fnv1a64(name)). mt19937 takes 32 bits of seed, so the
 * stream's 64-bit seed is folded (high ^ low) and 0 is mapped to 1 (GSL treats
 * seed 0 as its default seed).
 */
#include <string.h>
#include "sim/rng.h"

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t sim_rng_run_seed(uint64_t master_seed, uint32_t replication)
{
    uint64_t s = splitmix64(master_seed ^ splitmix64((uint64_t)replication + 1));
    return s ? s : 1;
}

uint64_t sim_rng_stream_seed(uint64_t run_seed, const char *name)
{
    return splitmix64(run_seed ^ fnv1a64(name));
}

gsl_rng *sim_rng_new(uint64_t run_seed, const char *name)
{
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
