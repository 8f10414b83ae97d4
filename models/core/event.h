#ifndef MODELS_CORE_EVENT_H
#define MODELS_CORE_EVENT_H
/*
 * Typed trace events: what the models report about a run, as a kind plus
 * typed fields, never as prose. The recorder (models/core/record.h) stamps
 * the time, folds each event into the run's fingerprint and hands it to its
 * sinks: the text trace (`run --trace`, one line per event in the first
 * round's wording), the event table (`run --events`, TSV with fixed columns),
 * the timeline plot. Which fields a kind fills is listed in the kind table
 * (event.c) and in doc/design.md; unused fields are 0 (detail NULL).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "sim/kernel.h"

typedef enum {
    /* tcp */
    EV_TCP_SEND = 0, /* flags seq len ack win cwnd: a new segment */
    EV_TCP_RESEND,   /* the same fields: a retransmission */
    EV_TCP_RECV,     /* flags seq len ack win (seq, ack relative to the ISNs once known) */
    EV_TCP_TIMEOUT,  /* value = rto s, count = backoffs so far, seq = snd_una */
    EV_TCP_CONNECT_TIMEOUT,
    EV_TCP_ABORT,           /* data retransmissions exhausted */
    EV_TCP_FAST_RETRANSMIT, /* seq = snd_una, bytes = ssthresh */
    EV_TCP_ESTABLISHED,
    EV_TCP_PEER_CLOSED,
    EV_TCP_CLOSED,
    EV_TCP_AUTOTUNE, /* win = new receive window */
    /* ike */
    EV_IKE_START,               /* xchg, flags EV_IKE_QUICK|EV_IKE_REKEY, cause */
    EV_IKE_SEND,                /* msg (detail its name), xchg */
    EV_IKE_RECV,                /* msg (detail its name), xchg */
    EV_IKE_RETRANSMIT,          /* msg (detail its name), count = retransmissions so far */
    EV_IKE_SUCCEEDED,           /* xchg: the initiator's exchange */
    EV_IKE_FAILED,              /* xchg, detail = why */
    EV_IKE_RESPONDER_JOIN,      /* xchg, flags EV_IKE_QUICK */
    EV_IKE_RESPONDER_SUCCEEDED, /* xchg */
    EV_IKE_RESPONDER_GIVE_UP,   /* xchg */
    EV_IKE_AUTH_FAIL,           /* flags 1 = own certificate, 0 = the peer's */
    /* ipsec */
    EV_SA_INSTALL,    /* sa (detail its name) */
    EV_SA_DELETE,     /* sa (detail its name), cause; count = the flow of an other_flow negotiation */
    EV_SA_OLD_DELETE, /* the old hard SA after a rekey */
    EV_IPSEC_DROP,    /* seq len (of the TCP packet), cause, detail = why; msg 1 for ICMP, else 0 */
    EV_IPSEC_HOLD,    /* seq len, count = packets held with it; msg 1 for ICMP, else 0 */
    EV_IPSEC_RELEASE, /* count = packets released */
    EV_IPSEC_WAIT_PEER,
    EV_IPSEC_STOP_WAIT,
    EV_IPSEC_FALLBACK,
    EV_IPSEC_BLOCK,
    /* link (host -1) */
    EV_LINK_DROP, /* detail = why, flags = source host, msg = IP protocol, bytes = IP bytes, seq len */
    /* smb */
    EV_SMB_SEND, /* detail = command, len = message bytes, bytes = file bytes carried, count = READ/WRITE data length */
    EV_SMB_DONE, /* detail = command, bytes = file bytes delivered so far (host = receiver) */
    EV_SMB_TIMEOUT,
    /* recorder and scenario */
    EV_INTERRUPTION_BEGIN, /* cause, bytes = file bytes delivered */
    EV_INTERRUPTION_END,
    EV_COPY_END,  /* cause = failure (out_failure), detail = its name */
    EV_SIM_LIMIT, /* host -1 */
    /* flow: the extra flows besides the copy (models/flow.h) */
    EV_FLOW_OPEN, /* host = opener, count = flow id, detail = kind ("tcp"), bytes = bytes it will send */
    EV_FLOW_DONE, /* host = opener, count = flow id, detail = "closed" or the failure name, value = s open */
    EV_ICMP_SEND, /* count = flow id, seq = echo sequence, flags = ICMP type (8 request, 0 reply) */
    EV_ICMP_RECV, /* the same fields, at the receiving host */
    /* issue 15: a restartable copy reconnects (host 0) after its wait: count = restarts so far, bytes = the
       file offset it resumes at, cause = the failure (out_failure) of the attempt before */
    EV_COPY_RESTART,
    EV_N_KINDS
} ev_kind;

/* SA record kinds (ev_event.sa), models/ipsec_int.h describes each. */
typedef enum { EV_SA_NONE = 0, EV_SA_HARD, EV_SA_SOFT, EV_SA_CLEAR, EV_SA_BLOCKED } ev_sa_kind;

/* EV_IKE_START / EV_IKE_RESPONDER_JOIN flags */
#define EV_IKE_QUICK 1u
#define EV_IKE_REKEY 2u

/* Host of an event: -1 the link, 0 the client, 1 the server. */
typedef struct ev_event {
    sim_time_ns t_ns; /* stamped by the recorder */
    uint16_t kind;    /* ev_kind */
    int8_t host;
    uint8_t flags;
    uint32_t xchg;
    int32_t msg, sa, cause;
    uint64_t seq, ack, len, win, cwnd, bytes, count;
    double value;
    const char *detail; /* static string or NULL */
    uint16_t copy;      /* issue 16: the fleet copy (1-based) the event belongs to; 0 in runs of one copy.
                           Stamped by the recorder; not folded into fingerprints */
} ev_event;

/* The layer of KIND ("tcp", "ike", "ipsec", "link", "smb", "rec", "scn",
 * "flow") and
 * its name in the event table ("tcp_send", ...). */
const char *ev_layer(int kind);
const char *ev_name(int kind);
/* The kind named NAME, or -1. */
int ev_kind_from_name(const char *name);

/* The text of E after "<time> <host> <layer> ", as the text trace prints it
 * (no newline). Returns snprintf's count. */
int ev_format_text(const ev_event *e, char *buf, size_t n);
/* Writes E as one text-trace line "<time_s> <host> <layer> <text>\n". */
int ev_write_text(FILE *f, const ev_event *e);

/* The event table: the header line (column names, tab-separated) and one
 * row per event. */
int ev_write_tsv_header(FILE *f);
int ev_write_tsv(FILE *f, const ev_event *e);

/* Folds E into the fingerprint H: time, kind, host, every numeric field and,
 * when E has one, the FNV-1a hash of its detail text. Two multiply-xorshift
 * rounds per event, the fields spread over two words by rotations: the fold
 * runs on every event of every run, so it is inline and short, and any
 * single changed field still changes the result. */
static inline uint64_t ev__rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t ev__fold(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
    return h ^ (h >> 29);
}

uint64_t ev__detail_hash(const char *detail);

/* The fold of one event given its words: T the time, HEAD the kind, host,
 * flags and cause (ev__head), W2 the other numeric fields spread by
 * rotations, DETAIL or NULL. ev_fingerprint_fold and the recorder's lean
 * path for TCP segments (rec_emit_tcp) both end here, so an event hashes the
 * same whichever way it was emitted. */
static inline uint64_t ev__fold_words(uint64_t h, uint64_t t, uint64_t head, uint64_t w2, const char *detail)
{
    h = ev__fold(ev__fold(h, t ^ ev__rotl(head, 17)), w2);
    if (detail) h = ev__fold(h, ev__detail_hash(detail));
    return h;
}

static inline uint64_t ev__head(unsigned kind, int host, unsigned flags, int32_t cause)
{
    return (uint64_t)kind | (uint64_t)(uint8_t)host << 16 | (uint64_t)(uint8_t)flags << 24 |
           (uint64_t)(uint32_t)cause << 32;
}

/* The TCP part of W2: what a segment event carries. */
static inline uint64_t ev__tcp_words(uint64_t seq, uint64_t ack, uint64_t len, uint64_t win, uint64_t cwnd)
{
    return seq ^ ev__rotl(ack, 21) ^ ev__rotl(len, 42) ^ ev__rotl(win, 7) ^ ev__rotl(cwnd, 35);
}

static inline uint64_t ev_fingerprint_fold(uint64_t h, const ev_event *e)
{
    uint64_t v;
    memcpy(&v, &e->value, sizeof v);
    uint64_t w2 = ev__tcp_words(e->seq, e->ack, e->len, e->win, e->cwnd) ^ ev__rotl(e->bytes, 11) ^
                  ev__rotl(e->count, 53) ^ ev__rotl((uint64_t)e->xchg, 27) ^ ev__rotl((uint64_t)(uint32_t)e->msg, 47) ^
                  ev__rotl((uint64_t)(uint32_t)e->sa, 59) ^ ev__rotl(v, 3);
    return ev__fold_words(h, (uint64_t)e->t_ns, ev__head(e->kind, e->host, e->flags, e->cause), w2, e->detail);
}

#endif
