#ifndef MODELS_RECORD_H
#define MODELS_RECORD_H
/*
 * The recorder every model of one run writes its observable facts into: the
 * time origin (the client's first attempt to send), establishment, file bytes
 * delivered, IKE and TCP counters, interruption episodes, and the optional
 * text trace. The scenario turns it into an scn_result. One per run; not
 * shared between runs.
 */
#include <stdint.h>
#include <stdio.h>
#include "sim/kernel.h"
#include "models/scenario.h"

typedef struct scn_record {
    sim_kernel *k;
    FILE *trace;                 /* borrowed; NULL = no trace */
    int started;                 /* the client's first attempt to send happened */
    sim_time_ns t0_ns;
    int established;
    sim_time_ns established_ns;
    uint64_t bytes_done;         /* file bytes delivered to the reader */
    uint64_t n_negotiations, n_negotiation_failures, n_fallbacks, n_rekeys;
    uint64_t n_retransmits;
    int blocked;                 /* an IPsec block decision dropped a packet of the copy */
    /* interruption episodes */
    int in_episode;
    int episode_host;            /* host whose IPsec holds or drops the copy */
    scn_interruption *eps;
    uint64_t n_eps, cap_eps;
    int oom;                     /* an episode could not be recorded */
} scn_record;

void rec_init(scn_record *r, sim_kernel *k, FILE *trace);
void rec_fini(scn_record *r);

/* Marks the time origin once (later calls are no-ops). */
void rec_start(scn_record *r);
/* Marks the TCP connection established once. */
void rec_established(scn_record *r);

/* IPsec at HOST held or dropped a packet of the copy's flow for CAUSE
 * (scn_cause). Opens an episode if the connection is established and none is
 * open; otherwise a no-op. */
void rec_episode_begin(scn_record *r, int host, int cause);
/* A packet of the copy's flow passed IPsec at HOST again: closes the open
 * episode if HOST is the one that blocked it. */
void rec_traffic_flows(scn_record *r, int host);

/* Seconds since the time origin (0 before it). */
double rec_elapsed_s(const scn_record *r);

/* One trace line "<seconds> <host> <layer> <text>\n" if tracing; HOST is
 * SCN_CLIENT, SCN_SERVER or -1 (the link). printf-style. */
void rec_trace(scn_record *r, int host, const char *layer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int rec_tracing(const scn_record *r) { return r->trace != NULL; }

#endif
