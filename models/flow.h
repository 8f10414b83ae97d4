#ifndef MODELS_FLOW_H
#define MODELS_FLOW_H
/*
 * The extra flows between the two hosts besides the copy (flow.* keys): a
 * fixed number of slots, one series of each kind.
 *
 *   slot 1, pings: the opener sends an ICMP echo request every
 *     flow.ping.every (the first one that long after the start), the other
 *     host answers with an echo reply. Each echo is a new flow for IPsec, or
 *     the series is one flow (flow.ping.flows).
 *   slot 2, TCP: the opener connects at flow.tcp.at (and every
 *     flow.tcp.every after it, each connection a new flow), sends
 *     flow.tcp.bytes and closes; the other host listens and closes back.
 *
 * Flow identifiers are (slot << 16) | n, n counting from 1 (pkt.h). Each host
 * has a demultiplexer that takes what its IPsec layer accepts: the copy's
 * packets (PKT_FLOW_COPY) go on to the copy's TCP, ICMP and the extra TCP
 * connections to their endpoints here, packets of a connection already
 * forgotten back to the pool. Outbound, every flow goes through the same
 * IPsec layer as the copy. No random draws: the schedules are fixed.
 */
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"
#include "models/tcp.h"

typedef struct flow_set flow_set;

#define FLOW_SLOT_PING 1u
#define FLOW_SLOT_TCP 2u

/* Whether CFG declares any extra flow. */
int flow_any(const prm_config *cfg);

/* The extra flows of CFG. CFG, HP (the two hosts' TCP settings), PP and REC
 * are borrowed and must outlive the set; REC receives the flows' events and
 * their TCP connections' (a recorder of their own, so that the copy's
 * counters stay the copy's). Returns NULL when out of memory. flow_set_free
 * (NULL no-op) frees every connection and disarms every timer. */
flow_set *flow_set_new(sim_kernel *k, const prm_config *cfg, const tcp_host_params hp[2], pkt_pool *pp,
                       rec_recorder *rec);
void flow_set_free(flow_set *f);

/* Wires host HOST: DOWN takes its outbound packets (its IPsec layer's out
 * port), COPY_IN the copy's inbound TCP packets (the copy's TCP). */
void flow_set_wire(flow_set *f, int host, pkt_port down, pkt_port copy_in);
/* The demultiplexer of host HOST: what its IPsec layer hands up. */
pkt_port flow_set_up_port(flow_set *f, int host);

/* Arms the schedules (call once, with the copy's start). */
void flow_set_start(flow_set *f);

/* Counters for tests: echo requests sent and replies received, extra TCP
 * connections opened, closed cleanly and failed. */
typedef struct flow_stats {
    uint64_t pings_sent, pings_answered;
    uint64_t tcp_opened, tcp_closed, tcp_failed;
} flow_stats;
flow_stats flow_set_stats(const flow_set *f);

#endif
