#ifndef MODELS_IPSEC_H
#define MODELS_IPSEC_H
/*
 * The IPsec layer of one host: sits between its TCP and the link and decides,
 * packet by packet, whether traffic goes protected (ESP), in clear, is held
 * or is dropped; runs IKE (main mode + quick mode, AuthIP on Vista/2008) as
 * real messages over the link; keeps the per-peer SA database with lifetimes,
 * rekeys and fallback-to-clear soft SAs. With policy "none" it passes TCP
 * through untouched and ignores IKE (a host that is not IPsec-aware).
 */
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"

typedef struct ipsec_host ipsec_host;

/* A new IPsec layer for host SELF (PRM_CLIENT or PRM_SERVER). CFG, PP and REC
 * are borrowed and must outlive it. Random draws (the jittered rekey point)
 * come from the stream "ipsec.rekey.<client|server>" of RUN_SEED; IKE draws
 * nothing.
 * Returns NULL when out of memory. Free with ipsec_host_free (NULL no-op),
 * which returns every held packet to the pool. */
ipsec_host *ipsec_host_new(sim_kernel *k, const prm_config *cfg, int self, pkt_pool *pp, rec_recorder *rec,
                           uint64_t run_seed);
/* issue 16: the same with the stream named "<PREFIX>ipsec.rekey.<client|server>"
 * (PREFIX "" or NULL: ipsec_host_new's). A fleet gives client pair c > 0 the
 * prefix "client<c+1>." so that its draws do not shift another pair's. */
ipsec_host *ipsec_host_new_named(sim_kernel *k, const prm_config *cfg, int self, pkt_pool *pp, rec_recorder *rec,
                                 uint64_t run_seed, const char *prefix);
void ipsec_host_free(ipsec_host *h);

/* Wires the layer: DOWN receives packets for the link, UP receives accepted
 * TCP packets for this host's TCP. Must be called before any traffic. */
void ipsec_host_wire(ipsec_host *h, pkt_port down, pkt_port up);

/* The ports the neighbours send into: OUT takes this host's outbound TCP
 * packets, IN takes every packet the link delivers to this host. */
pkt_port ipsec_host_out_port(ipsec_host *h);
pkt_port ipsec_host_in_port(ipsec_host *h);

#endif
