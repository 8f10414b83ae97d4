#ifndef MODELS_LINK_H
#define MODELS_LINK_H
/*
 * A full-duplex point-to-point link between the client (host 0) and the
 * server (host 1): per direction a rate, a one-way delay, a drop-tail queue
 * limit in packets, an MTU (larger packets go as fragments), random loss
 * (Bernoulli, or Gilbert-Elliott bursts) on the direction's own RNG stream,
 * and a shared outage window. Serialisation is computed, not simulated: one
 * kernel event per delivered packet, none per bit or per queue change.
 */
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"

typedef struct link_p2p link_p2p;

/* Counters of one direction (by source host). */
typedef struct link_stats {
    uint64_t n_packets;      /* packets transmitted (including those then lost) */
    uint64_t n_bytes;        /* their IP bytes */
    uint64_t n_drops_queue;  /* refused by the full drop-tail queue */
    uint64_t n_drops_loss;   /* lost on the wire: random loss */
    uint64_t n_drops_outage; /* lost on the wire: transmission began in the outage window */
    uint64_t n_delivered;    /* handed to the destination */
} link_stats;

/* A new link. CFG, PP and REC are borrowed and must outlive it; loss draws
 * come from the streams "link.loss.ab" (client to server) and "link.loss.ba"
 * of RUN_SEED. Returns NULL when out of memory. link_free (NULL no-op)
 * returns every packet still in flight to PP. */
link_p2p *link_new(sim_kernel *k, const prm_link *cfg, pkt_pool *pp, rec_recorder *rec, uint64_t run_seed);
void link_free(link_p2p *l);

/* Packets for host DST (PRM_CLIENT or PRM_SERVER) are delivered to DELIVER,
 * which takes ownership. Must be called for both hosts before any traffic. */
void link_wire(link_p2p *l, int dst, pkt_port deliver);
/* The port host SRC sends into; the link takes ownership of each packet. */
pkt_port link_send_port(link_p2p *l, int src);
/* The same as sending into link_send_port(l, src). */
void link_send(link_p2p *l, int src, pkt *p);

/* Counters of the direction leaving host SRC. */
link_stats link_get_stats(const link_p2p *l, int src);
/* Packets waiting or being sent in the direction leaving SRC right now. */
uint64_t link_queue_length(link_p2p *l, int src);
/* Wire time of an IP packet of IP_BYTES in ns (framing and fragments
 * included), as the link computes it. */
sim_time_ns link_tx_time(const link_p2p *l, uint32_t ip_bytes);

/* Packet taps (tcpdump on a wire). LINK_TAP_CLIENT sees what the client
 * sends when its transmission starts (outbound 1) and what arrives for it
 * when it arrives (outbound 0); LINK_TAP_SERVER the same for the server;
 * LINK_TAP_BOTTLENECK both directions at the start of transmission on the
 * bottleneck (on this single link: the client side of to-server traffic and
 * the server side of to-client traffic). A packet the wire loses is seen
 * where the tap is before the loss; one the full queue refuses is not sent
 * and not seen. A tap with fn NULL removes it; without one the link costs
 * nothing extra. */
enum { LINK_TAP_CLIENT = 0, LINK_TAP_SERVER = 1, LINK_TAP_BOTTLENECK = 2 };
void link_set_tap(link_p2p *l, int where, pkt_tap tap);

#endif
