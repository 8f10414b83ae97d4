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
#include <stddef.h>
#include <stdint.h>
#include "sim/kernel.h"

enum { PKT_TCP = 6, PKT_UDP_IKE = 17 };

/* ICMP (IP protocol 1): the extra flows' pings (models/flow.h) */
enum { PKT_ICMP = 1 };
enum { ICMP_ECHO_REPLY = 0, ICMP_ECHO_REQUEST = 8 };
#define PKT_ICMP_HEADER_BYTES 8

/* Flow identifiers (pkt.flow): PKT_FLOW_COPY is the copy's TCP connection;
 * the extra flows of models/flow.h carry their slot (1, 2, ...) in the high
 * 16 bits, so that the link can draw their losses from streams of their own
 * (models/link.h). IKE packets carry the flow an exchange was started for,
 * or 0 for the record's own negotiations (initial, rekey, expiry). */
#define PKT_FLOW_COPY 1u
#define PKT_FLOW_SLOT(id) ((uint32_t)(id) >> 16)

/* TCP flags */
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };

#define PKT_IP_HEADER_BYTES 20
#define PKT_TCP_HEADER_BYTES 20
#define PKT_UDP_HEADER_BYTES 8
#define PKT_MAX_SACK 4 /* SACK blocks that fit the 40 B of TCP options without timestamps */

typedef struct pkt {
    struct pkt *next;  /* for queues of whoever holds the packet */
    sim_time_ns at_ns; /* for a queue in time order: when it is due (models/link.c, fleet flights) */
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
    /* ICMP echo (models/flow.c): flow is the echo's flow, seq its sequence number */
    uint8_t icmp_type; /* ICMP_ECHO_REQUEST or ICMP_ECHO_REPLY */
    /* issue 16: the fleet's client the packet belongs to (0-based; the copy pair's index). The
     * scenario stamps it where a pair meets the shared path; 0 in runs of one client. */
    uint16_t client;
    /* issue 15: the copy's connection attempt that sent it (models/scenario.c stamps it under
     * copy.tool=robocopy-z, so a new connection never takes a segment of a dead one; else 0) */
    uint32_t copy_attempt;
    /* TCP options (issue 12, models/tcp.c). SACK blocks as real 32-bit wire
     * sequence numbers, [i][0] the left edge and [i][1] the right edge
     * (exclusive), block 0 the most recently received; ip_bytes includes the
     * option bytes (2 NOPs + kind, length + 8 per block). On a SYN,
     * sack_permitted is the SACK-permitted option (2 B + 2 NOPs). sack[] stays
 * last: pkt_get zeroes everything before it, and only the first n_sack
 * blocks are defined. */
    uint8_t n_sack;
    uint8_t sack_permitted;
    uint32_t sack[PKT_MAX_SACK][2];
} pkt;

typedef struct pkt_pool pkt_pool;

/* A free-list allocator; memory is bounded by the packets alive at once.
 * pkt_pool_new returns NULL when out of memory; pkt_pool_free(NULL) no-op. */
pkt_pool *pkt_pool_new(void);
void pkt_pool_free(pkt_pool *pp);
/* A zeroed packet (sack[] beyond n_sack = 0 left undefined), or NULL when out of memory. */
pkt *pkt_get(pkt_pool *pp);
void pkt_put(pkt_pool *pp, pkt *p);
/* The prefix of the named random streams of client pair CLIENT (pkt.client,
 * 0-based; issue 16): "" for the first, the names of a run of one client,
 * and "client<CLIENT+1>." for the others, so that adding clients leaves the
 * first one's draws. Writes at most N bytes to BUF. */
void pkt_client_stream_prefix(uint32_t client, char *buf, size_t n);

/* Packets currently handed out (for leak checks in tests). */
uint64_t pkt_pool_outstanding(const pkt_pool *pp);

/* A one-way handoff: the receiver takes ownership of the packet. */
typedef struct pkt_port {
    void (*fn)(void *ctx, pkt *p);
    void *ctx;
} pkt_port;

static inline void pkt_port_send(const pkt_port *port, pkt *p) { port->fn(port->ctx, p); }

/* An observer of packets on a wire (for captures): FN sees P (borrowed, only
 * during the call) at simulated time T_NS; OUTBOUND is 1 when the packet
 * leaves the observed point, 0 when it arrives. FN NULL = no tap. */
typedef struct pkt_tap {
    void (*fn)(void *ctx, const pkt *p, sim_time_ns t_ns, int outbound);
    void *ctx;
} pkt_tap;

#endif
