#ifndef MODELS_LINK_H
#define MODELS_LINK_H
/*
 * The path between the client (host 0) and the server (host 1):
 *
 *   client - [access link - router] - bottleneck - [router - access link] - server
 *
 * Each segment is full duplex with its own rate and one-way delay; an access
 * link (and its router) exists when its rate is set, otherwise the host sits
 * on the bottleneck. The bottleneck has a rate per direction, loss per
 * direction (Bernoulli or Gilbert-Elliott, each direction on its own RNG
 * stream), a shared outage window and an MTU (larger packets go as
 * fragments). Every router egress is a drop-tail queue limited in packets and
 * optionally bytes; a host's own NIC never drops: packets beyond its
 * transmit ring wait in the host's backlog. Serialisation is computed, not
 * simulated: one kernel event per delivered packet, none per hop, bit or
 * queue change.
 */
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"

typedef struct link_p2p link_p2p;

/* Counters of one direction (by source host). */
typedef struct link_stats {
    uint64_t n_packets;      /* packets the bottleneck transmitted (including those then lost) */
    uint64_t n_bytes;        /* their IP bytes */
    uint64_t n_drops_queue;  /* refused by a full router queue (both routers) */
    uint64_t n_drops_loss;   /* lost on the wire: random loss */
    uint64_t n_drops_outage; /* lost on the wire: transmission began in the outage window */
    uint64_t n_delivered;    /* handed to the destination */
    /* The path (issue 12) */
    uint64_t n_drops_queue_bottleneck; /* of n_drops_queue: at the router before the bottleneck */
    uint64_t n_drops_queue_access;     /* of n_drops_queue: at the router before the destination's access link */
    uint64_t peak_queue_packets;       /* most packets ever waiting or being sent at the bottleneck's transmitter */
    uint64_t peak_queue_bytes;         /* most IP bytes ever waiting or being sent there */
    uint64_t n_backlogged;             /* packets that found the source NIC's ring full and waited */
    uint64_t peak_backlog;             /* most packets ever waiting beyond the ring */
} link_stats;

/* Tap points (link_set_tap). */
enum { LINK_TAP_CLIENT = 0, LINK_TAP_SERVER = 1, LINK_TAP_BOTTLENECK = 2 };

/* A new path. CFG, PP and REC are borrowed and must outlive it. Set CFG
 * before traffic: each direction fixes its shape (access links or not), its
 * bottleneck rate and whether it can lose at its first packet (and again
 * after link_set_tap); the other settings are read at each send. Loss draws come from the
 * streams "link.loss.ab" (client to server) and "link.loss.ba" of RUN_SEED,
 * for the copy and the IKE of the record's own negotiations; the extra flows
 * of models/flow.h (pkt.flow slot s > 0) draw from "link.loss.ab.flow<s>" /
 * "link.loss.ba.flow<s>", so adding a flow does not shift the copy's draws.
 * Returns NULL when out of memory. link_free (NULL no-op) returns every
 * packet still in flight to PP. */
link_p2p *link_new(sim_kernel *k, const prm_link *cfg, pkt_pool *pp, rec_recorder *rec, uint64_t run_seed);
void link_free(link_p2p *l);

/* Packets for host DST (PRM_CLIENT or PRM_SERVER) are delivered to DELIVER,
 * which takes ownership. Must be called for both hosts before any traffic. */
void link_wire(link_p2p *l, int dst, pkt_port deliver);
/* The port host SRC sends into; the path takes ownership of each packet. */
pkt_port link_send_port(link_p2p *l, int src);
/* The same as sending into link_send_port(l, src). */
void link_send(link_p2p *l, int src, pkt *p);

/* Observes the wire at WHERE, as tcpdump there would (TAP.fn NULL removes it;
 * the context is borrowed and must outlive the path):
 *  - LINK_TAP_CLIENT: the client's access link, or the bottleneck's client
 *    end without one: packets the client sends when their transmission
 *    starts (outbound 1), packets for the client when they arrive (0);
 *  - LINK_TAP_SERVER: the same at the server;
 *  - LINK_TAP_BOTTLENECK: both routers' bottleneck interfaces: each
 *    packet when its transmission onto the bottleneck starts (outbound 1),
 *    in both directions, before the bottleneck's loss (next to both
 *    senders, so every original of a retransmission is seen).
 * A packet lost or dropped by a queue before or at the point is not seen; one
 * lost on the wire after its transmission started there is. The calls of all
 * taps of a path come in time order, each with its packet's own time T_NS;
 * a call may come later than T_NS on the kernel's clock (at the path's next
 * tap call or delivery, or in link_free, which hands over what is due by
 * the kernel's clock and drops what would start later), because taps
 * schedule no events:
 * a capture changes neither the run nor its fingerprint. No tap costs
 * nothing. */
void link_set_tap(link_p2p *l, int where, pkt_tap tap);

/* ---- Fleets (issue 16) ----
 * A path of N_CLIENTS client hosts (N_CLIENTS >= 1), each on its own access
 * link (client.access.rate/.delay; with rate 0, the bottleneck's rate and
 * delay 0: a switch port) into the branch router, which feeds the shared
 * bottleneck towards the server's site; the server's access link (when set)
 * is shared too. Towards the clients, the branch router's egress onto each
 * client's access link is a drop-tail queue of its own (link.queue,
 * link.queue_bytes). A packet belongs to the client in pkt.client (0-based);
 * the fleet's ports stamp it. Loss on the bottleneck draws from the stream of
 * the packet's client: client 0 keeps "link.loss.ab" / "link.loss.ba", client
 * c > 0 uses "client<c+1>.link.loss.ab" / ".ba", so adding clients leaves
 * client 1's draws as they were. Events of client c's packets (drops) go to
 * RECS[c]. Timing is exact: packets from different clients reach the branch
 * router in time order (module comment of models/link.c). link_new is
 * link_new_fleet with one client and RECS = &REC. */
link_p2p *link_new_fleet(sim_kernel *k, const prm_link *cfg, pkt_pool *pp, rec_recorder *const *recs,
                         uint32_t n_clients, uint64_t run_seed);
/* Packets for host DST of client pair CLIENT are delivered to DELIVER
 * (DST = PRM_SERVER: the server's endpoint for that client). */
void link_wire_pair(link_p2p *l, int dst, uint32_t client, pkt_port deliver);
/* The port host SRC of client pair CLIENT sends into: it stamps pkt.client. */
pkt_port link_send_port_pair(link_p2p *l, int src, uint32_t client);

/* Counters of the direction leaving host SRC. */
link_stats link_get_stats(const link_p2p *l, int src);
/* Packets waiting or being sent at host SRC's NIC right now (ring and backlog). */
uint64_t link_queue_length(link_p2p *l, int src);
/* Wire time on the bottleneck towards the server of an IP packet of IP_BYTES
 * in ns (framing and fragments included), as the path computes it. */
sim_time_ns link_tx_time(const link_p2p *l, uint32_t ip_bytes);

#endif
