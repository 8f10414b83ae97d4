#ifndef SIM_HASH_H
#define SIM_HASH_H
/*
 * The two 64-bit hashes the project uses, written once: FNV-1a over bytes
 * (stream names, spec identities) and the SplitMix64 finaliser as a bijective
 * mixer (seed derivation, run fingerprints). Both are fixed by documented
 * contracts (doc/design.md: random numbers, fingerprints), so changing either
 * changes every stored seed or fingerprint.
 */
#include <stddef.h>
#include <stdint.h>

#define SIM_HASH_FNV_OFFSET UINT64_C(0xcbf29ce484222325)

/* SplitMix64 (Steele, Lea, Flood 2014): x + golden gamma, then two
 * xor-shift-multiply rounds. A bijection on 64 bits. */
static inline uint64_t sim_hash_mix64(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* 64-bit FNV-1a of N bytes at P, continuing from H (SIM_HASH_FNV_OFFSET to
 * start), so a long text can be hashed in pieces. */
static inline uint64_t sim_hash_fnv1a64_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* 64-bit FNV-1a of the NUL-terminated string S. */
static inline uint64_t sim_hash_fnv1a64(const char *s)
{
    uint64_t h = SIM_HASH_FNV_OFFSET;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#endif
