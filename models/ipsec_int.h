#ifndef MODELS_IPSEC_INT_H
#define MODELS_IPSEC_INT_H
/*
 * Internals shared by models/ipsec.c (policy, SA record, packet path) and
 * models/ike.c (IKE exchanges). One ipsec_host per host; each has one peer.
 *
 * The SA record with the peer (DOMAIN.md section 3) is one of:
 *   NONE     nothing: legacy hosts hold, Vista/2008 send in clear
 *   HARD     an ESP SA from a successful quick mode
 *   SOFT     a fallback-to-clear soft SA (XP/2003)
 *   CLEAR    Vista/2008 after a failed negotiation-discovery exchange
 *   BLOCKED  a failed negotiation where fallback was not allowed
 * HARD, SOFT and CLEAR carry lifetimes (seconds and KB per direction, R4)
 * and a jittered rekey point (R1). An old HARD SA stays usable for
 * ipsec.old_sa_overlap after a rekey.
 */
#include <gsl/gsl_rng.h>
#include "models/ipsec.h"

enum {
    SA_NONE = EV_SA_NONE,
    SA_HARD = EV_SA_HARD,
    SA_SOFT = EV_SA_SOFT,
    SA_CLEAR = EV_SA_CLEAR,
    SA_BLOCKED = EV_SA_BLOCKED
};
enum { IKE_IDLE = 0, IKE_INITIATOR, IKE_RESPONDER };

/* IKE message kinds (pkt.ike_msg). MM1..MM6 main mode, QM1..QM3 quick mode. */
enum {
    IKE_MM1 = 1,
    IKE_MM2,
    IKE_MM3,
    IKE_MM4,
    IKE_MM5,
    IKE_MM6,
    IKE_QM1,
    IKE_QM2,
    IKE_QM3,
    IKE_NOTIFY_FAIL,
    IKE_AUTHIP_MM1
};
/* pkt.ike_aux bits. REKEY on MM1/QM1: the initiator renegotiates an existing
 * record. AUTHIP on a responder's replies: it took the initiator's AuthIP
 * MM1, so the exchange runs as AuthIP (both hosts speak it). LEGACY on
 * MM1/QM1: the initiator is XP/2003, as the version in its MS NT5
 * ISAKMPOAKLEY vendor ID says (3 XP, 4 2003/XP SP2, 5 Vista); R3's
 * legacy-peer rule reads it. */
#define IKE_AUX_REKEY 1u
#define IKE_AUX_AUTHIP 2u
#define IKE_AUX_LEGACY 4u

/* Negotiation-discovery state of one extra flow (models/flow.h) on a
 * Vista/2008 host: the Acquire and Secure flags of MS-IKEE 3.7, and whether
 * this host opened the flow (R5). The copy's flow keeps its state in
 * ipsec_host.opener and .flow_secured. */
#define IPSEC_FLOWS 16
typedef struct ipsec_flow {
    uint32_t id; /* 0 = free */
    uint8_t opened, acquired, secured;
    sim_time_ns last_ns; /* last packet: the least recently used entry is reused */
} ipsec_flow;

/* One negotiation as seen by this host. */
typedef struct ike_xchg {
    int role; /* IKE_IDLE, IKE_INITIATOR, IKE_RESPONDER */
    uint32_t id;
    int quick_only;    /* rekey of a hard SA under a live main-mode SA */
    int last_sent;     /* message kind last sent (initiator: for retransmission) */
    unsigned last_aux; /* its pkt.ike_aux bits, sent again with each retransmission */
    int got_reply;     /* initiator: the peer answered at least once */
    int failed;        /* authentication failed or retransmissions exhausted */
    int rekey;         /* started to renegotiate an existing record */
    int authip;        /* the exchange runs as AuthIP (negotiated), else IKEv1 */
    int peer_legacy;   /* responder: the initiator announced XP/2003 (IKE_AUX_LEGACY) */
    int n_retrans;
    sim_time_ns retrans_ns; /* current retransmission timeout */
    sim_timer retrans_timer;
} ike_xchg;

struct ipsec_host {
    sim_kernel *k;
    const prm_config *cfg;
    const prm_host *hc;
    const prm_host *peer_hc;
    int self, peer;
    int legacy;    /* XP/2003: soft SAs, holding, IKEv1 only */
    int update_on; /* Simple Policy Update active: update && (ikeflags & 0x14) == 0x14 */
    int active;    /* policy != none */
    pkt_pool *pp;
    rec_recorder *rec;
    gsl_rng *rng;      /* the rekey jitter's stream, made at the first draw (a fleet has many hosts) */
    uint64_t run_seed; /* for it */
    char rng_name[64]; /* its name */
    pkt_port down, up;

    /* SA record with the peer */
    int kind;
    int opener;           /* this host opened the copy's flow (R1, R5) */
    uint64_t bytes[2];    /* IP payload bytes counted on the record: [0] out, [1] in */
    uint64_t limit_bytes; /* hard KB lifetime in bytes; 0 = unlimited */
    uint64_t rekey_bytes; /* rekey point in bytes; 0 = none */
    int rekey_started;
    sim_timer expire_timer, rekey_timer, idle_timer, old_timer;
    sim_time_ns last_used_ns;
    int old_hard;            /* an old hard SA still covers traffic */
    sim_time_ns mm_until_ns; /* main-mode SA valid until (hard SAs only) */
    int mm_authip;           /* that main-mode SA was negotiated with AuthIP */
    uint32_t authip_xchg;    /* responder: the exchange whose AuthIP MM1 arrived */
    int flow_secured;        /* Vista: the copy's flow has gone over ESP */

    /* holding (legacy) */
    pkt *held_head, *held_tail;
    uint64_t n_held;
    int hold_cause;   /* out_cause of the current hold */
    int waiting_peer; /* R3: soft SA dropped because the peer negotiates;
                               * ends when the responder gives up (resp timer) */

    /* negotiations */
    ike_xchg init; /* this host as initiator */
    ike_xchg resp; /* this host as responder */
    sim_timer fallback_timer;
    int fallback_pending_fail;
    int init_cause;
    uint32_t next_xchg;

    /* extra flows (models/flow.h); the copy is pkt flow PKT_FLOW_COPY */
    ipsec_flow flows[IPSEC_FLOWS];
    uint32_t init_flow;  /* the flow the initiator's exchange was started for; 0 = the record's own */
    uint32_t resp_flow;  /* the flow the peer started the responder exchange for; 0 = the record's */
    uint32_t in_flow;    /* the flow of the IKE packet being handled (ipsec.c, for ike.c's callbacks) */
    uint32_t start_flow; /* set just before ike__start for an extra flow; taken as init_flow */
};

/* ike.c */
void ike__init(ipsec_host *h);
void ike__fini(ipsec_host *h);
/* The name of IKE message KIND for traces ("MM1", ...). */
const char *ike__msg_name(int kind);
/* Starts a negotiation as initiator (no-op if one runs). CAUSE is recorded
 * for any hold it leads to; REKEY marks a renegotiation of a live record. */
void ike__start(ipsec_host *h, int rekey, int cause);
/* Handles an IKE packet from the peer (consumes it). */
void ike__input(ipsec_host *h, pkt *p);

/* ipsec.c, called back by ike.c */
void ipsec__negotiation_started(ipsec_host *h, int as_initiator, int peer_rekey);
void ipsec__negotiation_succeeded(ipsec_host *h);
void ipsec__initiator_failed(ipsec_host *h);
void ipsec__fallback_fired(ipsec_host *h);
void ipsec__responder_gave_up(ipsec_host *h);
int ipsec__fallback_allowed(const ipsec_host *h);
void ipsec__send_ike(ipsec_host *h, int kind, uint32_t id, unsigned aux);

#endif
