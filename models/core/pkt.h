#ifndef MODELS_PKT_H
#define MODELS_PKT_H
/*
 * Simulated IP packets and the port seam between layers. A packet carries
 * header fields and byte counts, never payload bytes. Each layer hands
 * packets down or up through a pkt_port (a function and its context), so
 * TCP and the link know nothing of IPsec: the scenario wires
 * TCP -> [IPsec] -> link on the way out and link -> [IPsec] -> TCP on the way
 * in. Packets come from a pkt_pool; whoever holds a packet last returns it.
 */
#include <stdint.h>
#include "sim/kernel.h"

enum { PKT_TCP = 6, PKT_UDP_IKE = 17 };

/* TCP flags */
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };

#define PKT_IP_HEADER_BYTES 20
#define PKT_TCP_HEADER_BYTES 20
#define PKT_UDP_HEADER_BYTES 8

typedef struct pkt {
    struct pkt *next;  /* for queues of whoever holds the packet */
    uint8_t src, dst;  /* host indices (PRM_CLIENT, PRM_SERVER) */
    uint8_t proto;     /* PKT_TCP or PKT_UDP_IKE */
    uint8_t esp;       /* 1 when carried in an ESP SA (set by IPsec) */
    uint32_t ip_bytes; /* bytes on the wire: IP + transport headers + payload (+ ESP) */
    /* TCP */
    uint32_t flow; /* connection identifier, > 0 */
    uint8_t tcp_flags;
    uint32_t seq, ack, wnd; /* wnd in bytes (no scaling modelled as such) */
    uint32_t len;           /* TCP payload bytes */
    /* IKE (opaque to everything but models/ike*.c) */
    uint32_t ike_xchg; /* exchange identifier */
    uint16_t ike_msg;  /* message kind */
    uint16_t ike_aux;
    sim_time_ns sent_ns; /* when the sending layer emitted it (for RTT samples, traces) */
} pkt;

typedef struct pkt_pool pkt_pool;

/* A free-list allocator; memory is bounded by the packets alive at once.
 * pkt_pool_new returns NULL when out of memory; pkt_pool_free(NULL) no-op. */
pkt_pool *pkt_pool_new(void);
void pkt_pool_free(pkt_pool *pp);
/* A zeroed packet, or NULL when out of memory. */
pkt *pkt_get(pkt_pool *pp);
void pkt_put(pkt_pool *pp, pkt *p);
/* Packets currently handed out (for leak checks in tests). */
uint64_t pkt_pool_outstanding(const pkt_pool *pp);

/* A one-way handoff: the receiver takes ownership of the packet. */
typedef struct pkt_port {
    void (*fn)(void *ctx, pkt *p);
    void *ctx;
} pkt_port;

static inline void pkt_port_send(const pkt_port *port, pkt *p) { port->fn(port->ctx, p); }

/* A read-only observer of packets on a wire (the packet capture, issue 14):
 * FN(CTX, P, T_NS, OUTBOUND) with P borrowed for the call; OUTBOUND is 1 for
 * a packet the observed host sends, 0 for one it receives (both 1 at a
 * bottleneck tap). FN must not change the run: it sees, never owns. */
typedef struct pkt_tap {
    void (*fn)(void *ctx, const pkt *p, sim_time_ns t_ns, int outbound);
    void *ctx;
} pkt_tap;

#endif
