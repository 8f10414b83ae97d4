#ifndef MODELS_TCP_SACK_H
#define MODELS_TCP_SACK_H
/*
 * The SACK scoreboard of a TCP sender (RFC 2018, RFC 3517): the byte ranges
 * above the cumulative ACK that the peer reported received, as sorted,
 * disjoint, non-adjacent [start, end) ranges of 64-bit stream offsets (the
 * offsets of models/tcp.c), with their total. Used only by models/tcp.c.
 */
#include <stdint.h>

typedef struct tcp_sb_range {
    uint64_t start, end;
} tcp_sb_range;

typedef struct tcp_sb {
    tcp_sb_range *r;
    uint32_t n, cap;
    uint64_t sacked_bytes; /* sum of the ranges' lengths */
} tcp_sb;

/* Caller-allocated: tcp_sb_init zeroes, tcp_sb_fini frees the ranges. */
void tcp_sb_init(tcp_sb *sb);
void tcp_sb_fini(tcp_sb *sb);
/* Marks [START, END) SACKed, merging neighbours. Returns 0, or -1 when out of
 * memory (the scoreboard is then unchanged). */
int tcp_sb_add(tcp_sb *sb, uint64_t start, uint64_t end);
/* Forgets everything below UNA (the cumulative ACK moved there). */
void tcp_sb_trim(tcp_sb *sb, uint64_t una);
/* SACKed bytes below X. */
uint64_t tcp_sb_sacked_below(const tcp_sb *sb, uint64_t x);
/* The first offset at or above X that is not SACKed. */
uint64_t tcp_sb_next_unsacked(const tcp_sb *sb, uint64_t x);
/* The start of the first SACKed range above X (UINT64_MAX if none): where the
 * unSACKed run containing X ends. */
uint64_t tcp_sb_hole_end(const tcp_sb *sb, uint64_t x);
/* RFC 3517 IsLost, for every hole at once: the offset below which every
 * unSACKed byte is lost, i.e. has at least N_BLOCKS SACKed ranges or
 * THRESH_BYTES SACKed bytes above it. UNA when nothing is lost. */
uint64_t tcp_sb_lost_end(const tcp_sb *sb, uint64_t una, uint32_t n_blocks, uint64_t thresh_bytes);

#endif
