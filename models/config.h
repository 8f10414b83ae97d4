#ifndef MODELS_CONFIG_H
#define MODELS_CONFIG_H
/*
 * The resolved parameter set of one simulated copy (scn_config) and the
 * registry entry type that declares each parameter once: dotted name, type,
 * default, unit, description, source. Every field here has exactly one
 * registry entry (models/registry.c for the network path, models/ipsec_params.c
 * for IPsec); nothing else parses or names parameters. Values are in base
 * units: bytes, bit/s, nanoseconds, probabilities, enum indices.
 */
#include <stddef.h>
#include <stdint.h>
#include "sim/kernel.h"

enum { SCN_CLIENT = 0, SCN_SERVER = 1 };

/* Enumerations; the registry's choice lists use exactly these orders. */
typedef enum { OS_XP = 0, OS_2003, OS_VISTA, OS_2008 } host_os;              /* xp 2003 vista 2008 */
typedef enum { CERT_VALID = 0, CERT_NONE, CERT_EXPIRED } host_cert;          /* valid none expired */
typedef enum { COPY_READ = 0, COPY_WRITE } copy_direction;                    /* read write */
typedef enum { LOSS_BERNOULLI = 0, LOSS_GILBERT } link_loss_model;           /* bernoulli gilbert */
typedef enum { POLICY_NONE = 0, POLICY_NEGOTIATE, POLICY_REQUIRE } ipsec_policy_kind; /* none negotiate require */
typedef enum { REKEY_OPENER = 0, REKEY_BOTH } ipsec_rekey_rule;              /* opener both (R1) */
typedef enum { HOLD_DROP_SOFT = 0, HOLD_KEEP_SOFT } ipsec_hold_rule;         /* drop-soft keep-soft (R2) */
typedef enum { FALLBACK_INITIATOR = 0, FALLBACK_BOTH } ipsec_fallback_rule;  /* initiator both (R3) */
typedef enum { SOFTLIFE_QM = 0, SOFTLIFE_IDLE } ipsec_softlife_rule;         /* quick-mode idle (R4) */
typedef enum { DISCOVERY_OPENED = 0, DISCOVERY_ALL } ipsec_discovery_rule;   /* opened all (R5) */

/* Per-host settings: client.* and server.* */
typedef struct host_config {
    int os;                     /* host.os: host_os */
    int cert;                   /* host.cert: host_cert */
    uint64_t tcp_window_bytes;  /* host.tcp.window: receive window; 0 = OS default */
    int64_t smb_maxmpx;         /* host.smb.maxmpx: server outstanding limit; 0 = OS default */
    /* IPsec (models/ipsec_params.c) */
    int ipsec_policy;           /* host.ipsec.policy: ipsec_policy_kind */
    int ipsec_fallback;         /* host.ipsec.fallback: allow unsecured with non-IPsec-aware (bool) */
    int ipsec_inbound_clear;    /* host.ipsec.inbound_clear: accept unsecured, respond with IPsec (bool) */
    int ipsec_update;           /* host.ipsec.update: Simple Policy Update installed (bool) */
    int64_t ipsec_ikeflags;     /* host.ipsec.ikeflags: IKEFlags registry value */
} host_config;

/* Link settings: link.* */
typedef struct link_config {
    uint64_t rate_bps;          /* link.rate */
    sim_time_ns delay_ns;       /* link.delay, one way */
    double loss;                /* link.loss, per packet per direction */
    int loss_model;             /* link.loss_model: link_loss_model */
    double ge_p_good_bad;       /* link.ge.p_gb: per packet, good -> bad */
    double ge_p_bad_good;       /* link.ge.p_bg: per packet, bad -> good */
    double ge_loss_bad;         /* link.ge.loss_bad: loss probability in bad state */
    int64_t queue_packets;      /* link.queue: drop-tail limit per direction, packets */
    int64_t mtu_bytes;          /* link.mtu */
    int64_t overhead_bytes;     /* link.overhead: framing bytes per packet on the wire */
    sim_time_ns outage_start_ns;    /* link.outage.start: both directions drop everything from here */
    sim_time_ns outage_duration_ns; /* link.outage.duration: 0 = no outage */
} link_config;

/* TCP settings shared by both hosts: tcp.* */
typedef struct tcp_config {
    sim_time_ns rto_initial_ns; /* tcp.rto.initial */
    sim_time_ns rto_min_ns;     /* tcp.rto.min */
    sim_time_ns rto_max_ns;     /* tcp.rto.max */
    int64_t data_retries;       /* tcp.data_retries: TcpMaxDataRetransmissions */
    int64_t syn_retries;        /* tcp.syn_retries: TcpMaxConnectRetransmissions */
    sim_time_ns delack_ns;      /* tcp.delack */
    int64_t dupack_threshold;   /* tcp.dupacks */
    int64_t mss_bytes;          /* tcp.mss */
    int64_t ack_frequency;      /* tcp.ack_frequency: TcpAckFrequency, segments per immediate ACK */
    int64_t init_cwnd_segments; /* tcp.init_cwnd: initial congestion window, segments */
    uint64_t autotune_max_bytes;/* tcp.autotune_max: Vista receive window ceiling */
} tcp_config;

/* SMB settings: smb.* */
typedef struct smb_config {
    uint64_t read_size_bytes;   /* smb.read_size: bytes per READ_ANDX / WRITE_ANDX */
    int64_t client_outstanding; /* smb.client_outstanding: copy engine's parallel I/Os */
    sim_time_ns session_timeout_ns; /* smb.session_timeout */
} smb_config;

/* IPsec settings shared by both hosts: ipsec.* and ike.* (models/ipsec_params.c) */
typedef struct ipsec_config {
    sim_time_ns mm_lifetime_ns;       /* ipsec.mm_lifetime */
    sim_time_ns qm_lifetime_ns;       /* ipsec.qm_lifetime */
    uint64_t qm_lifetime_kb;          /* ipsec.qm_lifetime_kb: KB of 1,024 bytes; 0 = unlimited */
    sim_time_ns idle_timeout_ns;      /* ipsec.idle_timeout */
    double rekey_fraction;            /* ipsec.rekey_fraction */
    double rekey_jitter;              /* ipsec.rekey_jitter: +- relative */
    sim_time_ns fallback_update_ns;   /* ipsec.fallback_timeout: with update and 0x14 */
    sim_time_ns fallback_legacy_ns;   /* ipsec.fallback_timeout_legacy */
    sim_time_ns old_sa_overlap_ns;    /* ipsec.old_sa_overlap */
    int64_t esp_overhead_bytes;       /* ipsec.esp_overhead */
    int64_t hold_queue_packets;       /* ipsec.hold_queue */
    sim_time_ns ike_retrans_ns;       /* ike.retrans: IKEv1 first retransmission, doubling */
    sim_time_ns ike_authip_retrans_ns;/* ike.authip_retrans: AuthIP (both hosts Vista/2008) */
    int64_t ike_retrans_max;          /* ike.retrans_max */
    sim_time_ns ike_responder_timeout_ns; /* ike.responder_timeout */
    int rekey_rule;                   /* ipsec.rule.rekey: ipsec_rekey_rule (R1) */
    int hold_rule;                    /* ipsec.rule.hold: ipsec_hold_rule (R2) */
    int fallback_rule;                /* ipsec.rule.fallback: ipsec_fallback_rule (R3) */
    int softlife_rule;                /* ipsec.rule.soft_lifetime: ipsec_softlife_rule (R4) */
    int discovery_rule;               /* ipsec.rule.discovery: ipsec_discovery_rule (R5) */
} ipsec_config;

typedef struct scn_config {
    int scenario;               /* scenario: index into the preset table */
    uint64_t file_size_bytes;   /* file.size */
    int direction;              /* copy.direction: copy_direction */
    sim_time_ns max_sim_ns;     /* sim.max_time: stop the run here (safety net) */
    host_config host[2];        /* client.*, server.* */
    link_config link;
    tcp_config tcp;
    smb_config smb;
    ipsec_config ipsec;
} scn_config;

/* Registry entry types. How a value is written on the command line, stored in
 * points (SQL type) and shown: */
typedef enum {
    PRM_SIZE,   /* uint64_t bytes; "2GiB"; INTEGER */
    PRM_RATE,   /* uint64_t bit/s; "100Mbps"; INTEGER */
    PRM_TIME,   /* sim_time_ns; "10ms"; REAL seconds */
    PRM_PROB,   /* double in [0, 1); REAL */
    PRM_REAL,   /* double; REAL */
    PRM_INT,    /* int64_t; decimal or 0x hex; INTEGER */
    PRM_BOOL,   /* int 0/1; on/off yes/no true/false 1/0; INTEGER */
    PRM_ENUM    /* int index into choices; TEXT */
} scn_param_type;

typedef struct scn_param {
    const char *name;             /* dotted, e.g. "link.rate" */
    scn_param_type type;
    size_t offset;                /* offsetof(scn_config, ...) */
    const char *def;              /* default, as the user would write it */
    const char *unit;             /* shown by `params`: "B", "bit/s", "s", "" ... */
    const char *const *choices;   /* PRM_ENUM: NULL-terminated names */
    double min, max;              /* valid range in base units (ns for PRM_TIME) */
    const char *desc;             /* one line */
    const char *source;           /* DOMAIN.md source and confidence, e.g. "KB 170359 [S]" */
} scn_param;

/* The IPsec half of the registry (models/ipsec_params.c). */
extern const scn_param ipsec_params[];
extern const size_t ipsec_n_params;

#endif
