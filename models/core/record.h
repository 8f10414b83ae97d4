#ifndef MODELS_CORE_RECORD_H
#define MODELS_CORE_RECORD_H
/*
 * The recorder every model of one run reports into: the time origin (the
 * client's first attempt to send), establishment, file bytes delivered, IKE
 * and TCP counters, interruption episodes, and the typed events
 * (models/core/event.h). Each event is stamped with the kernel's time,
 * folded into the run's fingerprint and handed to the sinks, in the order
 * they were added. One recorder per run; not shared between runs.
 */
#include <stdint.h>
#include "sim/kernel.h"
#include "models/core/event.h"
#include "models/core/outcome.h"

#define REC_MAX_SINKS 4

/* A consumer of events: FN(CTX, E) for each event, E borrowed for the call.
 * NO_SEGMENTS = 1: the sink does not want the per-segment events that
 * rec_emit_tcp emits (tcp_send, tcp_resend, tcp_recv), so a run with only
 * such sinks skips building them (0, the default: every event). */
typedef struct rec_sink {
    void (*fn)(void *ctx, const ev_event *e);
    void *ctx;
    int no_segments;
} rec_sink;

typedef struct rec_recorder {
    sim_kernel *k;
    const sim_time_ns *clock; /* the kernel's clock (sim_kernel_clock) */
    rec_sink sinks[REC_MAX_SINKS];
    int n_sinks;
    int n_segment_sinks;  /* sinks that want rec_emit_tcp's events */
    uint64_t fingerprint; /* folded over every event so far */
    int started;          /* the client's first attempt to send happened */
    sim_time_ns t0_ns;
    int established;
    sim_time_ns established_ns;
    uint64_t bytes_done; /* file bytes delivered to the reader */
    uint64_t n_negotiations, n_negotiation_failures, n_fallbacks, n_rekeys;
    uint64_t n_retransmits;
    int blocked;    /* an IPsec block decision dropped a packet of the copy */
    int holding[2]; /* IPsec at host i holds packets of the copy right now */
    /* interruption episodes */
    int in_episode;
    int episode_host; /* host whose IPsec holds or drops the copy */
    out_interruption *eps;
    uint64_t n_eps, cap_eps;
    int oom;       /* something could not be allocated: the run is an error */
    uint16_t copy; /* issue 16: stamped into every event (ev_event.copy); 0 = a run of one copy */
} rec_recorder;

/* The fingerprint of a run before its first event. */
#define REC_FINGERPRINT_SEED UINT64_C(0x72656b657973696d) /* "rekeysim" */

void rec_init(rec_recorder *r, sim_kernel *k);
void rec_fini(rec_recorder *r);
/* Adds a sink (borrowed; must outlive the run). Returns 0, or -1 when
 * REC_MAX_SINKS are there already. */
int rec_add_sink(rec_recorder *r, rec_sink sink);

/* Hands E to every sink (the slow part of rec_emit), or, for a per-segment
 * event, to every sink that wants those. */
void rec__dispatch(const rec_recorder *r, const ev_event *e);
void rec__dispatch_segment(const rec_recorder *r, const ev_event *e);

/* Stamps E with the current time, folds it into the fingerprint and hands it
 * to every sink. E is the caller's; fields it does not set must be zero.
 * Inline: models call it for every segment, and most fields of an event are
 * constants the compiler folds away. */
static inline void rec_emit(rec_recorder *r, ev_event *e)
{
    e->t_ns = *r->clock;
    e->copy = r->copy;
    r->fingerprint = ev_fingerprint_fold(r->fingerprint, e);
    if (r->n_sinks) rec__dispatch(r, e);
}

/* rec_emit of a TCP segment event (EV_TCP_SEND, EV_TCP_RESEND, EV_TCP_RECV)
 * with only these fields: the same fingerprint and the same event for the
 * sinks, without building the event when there are none (the hot path: a
 * few events per data segment). */
static inline void rec_emit_tcp(rec_recorder *r, int kind, int host, unsigned flags, uint64_t seq, uint64_t ack,
                                uint64_t len, uint64_t win, uint64_t cwnd)
{
    sim_time_ns t = *r->clock;
    r->fingerprint = ev__fold_words(r->fingerprint, (uint64_t)t, ev__head((unsigned)kind, host, flags, 0),
                                    ev__tcp_words(seq, ack, len, win, cwnd), NULL);
    if (r->n_segment_sinks) {
        ev_event e = {.t_ns = t,
                      .kind = (uint16_t)kind,
                      .host = (int8_t)host,
                      .flags = (uint8_t)flags,
                      .seq = seq,
                      .ack = ack,
                      .len = len,
                      .win = win,
                      .cwnd = cwnd,
                      .copy = r->copy};
        rec__dispatch_segment(r, &e);
    }
}

/* Marks the time origin once (later calls are no-ops). */
void rec_start(rec_recorder *r);
/* Marks the TCP connection established once. */
void rec_established(rec_recorder *r);

/* IPsec at HOST held or dropped a packet of the copy's flow for CAUSE
 * (out_cause). Opens an episode if the connection is established and none is
 * open; otherwise a no-op. */
void rec_episode_begin(rec_recorder *r, int host, int cause);
/* A packet of the copy's flow passed IPsec at HOST again: closes the open
 * episode if HOST is the one that blocked it. */
void rec_traffic_flows(rec_recorder *r, int host);

/* A model could not allocate what the run needs: marks the run as failed by
 * out-of-memory and stops the kernel. scn_run then returns SCN_ENOMEM (exit
 * status 1), never a simulated outcome. */
void rec_out_of_memory(rec_recorder *r);

/* Seconds since the time origin (0 before it). */
double rec_elapsed_s(const rec_recorder *r);

/* Ready-made sinks. The text trace: one line per event to the FILE * CTX
 * (borrowed). The event table: one TSV row per event to the FILE * CTX (the
 * caller writes the header with ev_write_tsv_header). */
void rec_sink_text(void *ctx, const ev_event *e);
void rec_sink_tsv(void *ctx, const ev_event *e);

#endif
