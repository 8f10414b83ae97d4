#ifndef SIM_RNG_H
#define SIM_RNG_H
/*
 * Named random-number streams on GSL generators, derived so that results do
 * not depend on the design point, on which other streams exist, or on the
 * order in which streams are created or used.
 *
 * Scheme SIM_RNG_SCHEME, with mix = SplitMix64's finaliser (add the golden
 * gamma 0x9E3779B97F4A7C15, then two xor-shift-multiply rounds; a bijection
 * on 64 bits) and fnv1a64 = 64-bit FNV-1a over the name's bytes:
 *   run seed    = mix(master_seed XOR mix(replication + 1)), 0 mapped to 1;
 *   stream seed = mix(run seed XOR fnv1a64(name));
 *   generator   = GSL mt19937 seeded with (stream seed >> 32) XOR (stream
 *                 seed & 0xffffffff), 0 mapped to 1 (GSL takes 0 to mean its
 *                 default seed).
 * The design point never enters, so replication r of every point sees the
 * same inputs (common random numbers), and a stream's draws depend only on
 * (master seed, replication, its name): adding a parameter axis or a
 * component never reshuffles another component's draws. Stream names are
 * dotted, component first (for example "ike.jitter.server").
 * Known limit: mt19937 takes 32 bits of seed, so two streams collide with
 * probability about 2^-32 per pair (negligible within a run, a handful of
 * pairs across millions of runs). Changing any step above changes results,
 * so it must change SIM_RNG_SCHEME's version; tests/sim/test_rng.c pins
 * known answers.
 */
#include <stdint.h>
#include <gsl/gsl_rng.h>

#define SIM_RNG_SCHEME "splitmix64-fnv1a/mt19937 v1"

/* The run seed of replication REPLICATION (0-based) under MASTER_SEED (any
 * value, 0 included). Never 0; distinct replications give distinct seeds. */
uint64_t sim_rng_run_seed(uint64_t master_seed, uint32_t replication);

/* The seed of stream NAME (a NUL-terminated string, borrowed) within a run. */
uint64_t sim_rng_stream_seed(uint64_t run_seed, const char *name);

/* A new GSL generator (mt19937) for stream NAME of a run; NULL when out of
 * memory. Caller frees with sim_rng_free (NULL is a no-op). */
gsl_rng *sim_rng_new(uint64_t run_seed, const char *name);
void sim_rng_free(gsl_rng *r);

#endif
