/*
 * The SACK scoreboard: a sorted array of disjoint, non-adjacent ranges
 * (invariant: r[i].end < r[i+1].start; sacked_bytes = the sum of lengths).
 * Windows hold at most a few dozen holes, so linear scans beat a tree here;
 * each ACK touches the few ranges its blocks name. Rejected: a per-segment
 * bitmap (its size grows with the window, and segments need not line up with
 * blocks).
 */
#include <stdlib.h>
#include <string.h>
#include "models/tcp_sack.h"

void tcp_sb_init(tcp_sb *sb) { memset(sb, 0, sizeof *sb); }

void tcp_sb_fini(tcp_sb *sb)
{
    free(sb->r);
    memset(sb, 0, sizeof *sb);
}

int tcp_sb_add(tcp_sb *sb, uint64_t start, uint64_t end)
{
    if (end <= start) return 0;
    uint32_t i = 0;
    while (i < sb->n && sb->r[i].end < start) i++;
    if (i < sb->n && sb->r[i].start <= end) { /* overlaps or touches range i */
        tcp_sb_range *a = &sb->r[i];
        sb->sacked_bytes -= a->end - a->start;
        if (start < a->start) a->start = start;
        if (end > a->end) a->end = end;
        uint32_t j = i + 1;
        while (j < sb->n && sb->r[j].start <= a->end) {
            sb->sacked_bytes -= sb->r[j].end - sb->r[j].start;
            if (sb->r[j].end > a->end) a->end = sb->r[j].end;
            j++;
        }
        if (j > i + 1) {
            memmove(&sb->r[i + 1], &sb->r[j], (sb->n - j) * sizeof *sb->r);
            sb->n -= j - i - 1;
        }
        sb->sacked_bytes += a->end - a->start;
        return 0;
    }
    if (sb->n == sb->cap) {
        uint32_t cap = sb->cap ? 2 * sb->cap : 8;
        tcp_sb_range *r = realloc(sb->r, cap * sizeof *r);
        if (!r) return -1;
        sb->r = r;
        sb->cap = cap;
    }
    memmove(&sb->r[i + 1], &sb->r[i], (sb->n - i) * sizeof *sb->r);
    sb->r[i] = (tcp_sb_range){start, end};
    sb->n++;
    sb->sacked_bytes += end - start;
    return 0;
}

void tcp_sb_trim(tcp_sb *sb, uint64_t una)
{
    uint32_t k = 0;
    while (k < sb->n && sb->r[k].end <= una) {
        sb->sacked_bytes -= sb->r[k].end - sb->r[k].start;
        k++;
    }
    if (k) {
        memmove(&sb->r[0], &sb->r[k], (sb->n - k) * sizeof *sb->r);
        sb->n -= k;
    }
    if (sb->n && sb->r[0].start < una) {
        sb->sacked_bytes -= una - sb->r[0].start;
        sb->r[0].start = una;
    }
}

uint64_t tcp_sb_sacked_below(const tcp_sb *sb, uint64_t x)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < sb->n && sb->r[i].start < x; i++)
        n += (sb->r[i].end < x ? sb->r[i].end : x) - sb->r[i].start;
    return n;
}

uint64_t tcp_sb_next_unsacked(const tcp_sb *sb, uint64_t x)
{
    for (uint32_t i = 0; i < sb->n && sb->r[i].start <= x; i++)
        if (x < sb->r[i].end) return sb->r[i].end;
    return x;
}

uint64_t tcp_sb_hole_end(const tcp_sb *sb, uint64_t x)
{
    for (uint32_t i = 0; i < sb->n; i++)
        if (sb->r[i].start > x) return sb->r[i].start;
    return UINT64_MAX;
}

uint64_t tcp_sb_lost_end(const tcp_sb *sb, uint64_t una, uint32_t n_blocks, uint64_t thresh_bytes)
{
    /* Walk down from the top range; the hole just below range i has the
     * ranges i..n-1 above it. The first (highest) i that meets a threshold
     * makes every hole below r[i].start lost. */
    uint64_t bytes = 0;
    for (uint32_t k = sb->n; k > 0; k--) {
        uint32_t i = k - 1;
        bytes += sb->r[i].end - sb->r[i].start;
        if (sb->n - i >= n_blocks || bytes >= thresh_bytes) return sb->r[i].start > una ? sb->r[i].start : una;
    }
    return una;
}
