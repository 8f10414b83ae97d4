/*
 * The packet pool: packets are carved from chunks of PKT_CHUNK and kept on a
 * free list threaded through pkt.next. Chunks are never returned before the
 * pool is freed, so memory is bounded by the largest number of packets alive
 * at once (windows and queues), never by how many were sent. Invariant:
 * n_out == packets handed out and not yet returned.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/pkt.h"

#define PKT_CHUNK 256

typedef struct pkt_chunk {
    struct pkt_chunk *next;
    pkt pkts[PKT_CHUNK];
} pkt_chunk;

struct pkt_pool {
    pkt *free_list;
    pkt_chunk *chunks;
    uint64_t n_out;
};

pkt_pool *pkt_pool_new(void) { return calloc(1, sizeof(pkt_pool)); }

void pkt_pool_free(pkt_pool *pp)
{
    if (!pp) return;
    pkt_chunk *c = pp->chunks;
    while (c) {
        pkt_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(pp);
}

static int grow(pkt_pool *pp)
{
    pkt_chunk *c = malloc(sizeof *c);
    if (!c) return -1;
    c->next = pp->chunks;
    pp->chunks = c;
    for (size_t i = 0; i < PKT_CHUNK; i++) {
        c->pkts[i].next = pp->free_list;
        pp->free_list = &c->pkts[i];
    }
    return 0;
}

pkt *pkt_get(pkt_pool *pp)
{
    if (!pp->free_list && grow(pp) != 0) return NULL;
    pkt *p = pp->free_list;
    pp->free_list = p->next;
    /* Zeroed up to the SACK blocks: only the first n_sack (0) are defined (pkt.h). */
    memset(p, 0, offsetof(pkt, sack));
    pp->n_out++;
    return p;
}

void pkt_put(pkt_pool *pp, pkt *p)
{
    p->next = pp->free_list;
    pp->free_list = p;
    pp->n_out--;
}

uint64_t pkt_pool_outstanding(const pkt_pool *pp) { return pp->n_out; }

void pkt_client_stream_prefix(uint32_t client, char *buf, size_t n)
{
    if (client == 0)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "client%u.", client + 1);
}
