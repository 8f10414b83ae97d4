#ifndef MODELS_CORE_PARAMS_H
#define MODELS_CORE_PARAMS_H
/*
 * The parameter registry: the resolved parameter set of one simulated copy
 * (scn_config), the entry type that declares each parameter once (dotted
 * name, type, default, unit, description, source), and every operation on
 * parameters by name: unit parsing, defaults, presets, validation with
 * helpful messages, formatting for `params`, and the SQL column values of
 * `points`. Every field of scn_config has exactly one entry (params_net.c for
 * the network path, params_ipsec.c for IPsec); nothing else parses or names
 * parameters. Values are in base units: bytes, bit/s, nanoseconds,
 * probabilities, enum indices.
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

/* ---- the registry: every operation on parameters by name ---- */

enum {
    SCN_EUNKNOWN = -1,   /* no such key */
    SCN_EVALUE = -2,     /* malformed value or unit */
    SCN_ERANGE = -3,     /* value out of range */
    SCN_ESCENARIO = -4   /* no such scenario preset */
};

/* All parameters, in a fixed documented order (also the column order of
 * `points`). The pseudo-parameter "scenario" is entry 0 (PRM_ENUM over the
 * preset names, stored in scn_config.scenario). */
size_t scn_param_count(void);
const scn_param *scn_param_at(size_t i);
const scn_param *scn_param_find(const char *name);
/* The registered name closest to NAME (edit distance), for "did you mean". */
const char *scn_param_nearest(const char *name);

/* Parses TEXT as a value of P into base units: *out is bytes, bit/s, ns,
 * probability, integer, 0/1 or enum index, as a double (exact for integers up
 * to 2^53). Returns 0, or SCN_EVALUE / SCN_ERANGE with a one-line message in
 * ERR (what was wrong and what is expected, naming the key). */
int scn_param_parse(const scn_param *p, const char *text, double *out, char *err, size_t errlen);
/* Stores a base-unit value (as from scn_param_parse) into CFG. */
void scn_param_store(const scn_param *p, scn_config *cfg, double value);
/* Reads P's base-unit value from CFG. */
double scn_param_load(const scn_param *p, const scn_config *cfg);

/* CFG = every default, scenario "no-ipsec". */
void scn_config_defaults(scn_config *cfg);
/* Sets KEY=TEXT (parse + store). Returns 0 or a negative SCN_E* with ERR
 * filled: unknown keys get the nearest name ("did you mean link.rate?").
 * KEY "scenario" applies that preset's settings on top of CFG. */
int scn_config_set(scn_config *cfg, const char *key, const char *text, char *err, size_t errlen);
/* Parses "KEY=VALUE" and calls scn_config_set. */
int scn_config_set_pair(scn_config *cfg, const char *pair, char *err, size_t errlen);
/* Applies preset NAME (defaults are NOT reset first). */
int scn_config_apply_preset(scn_config *cfg, const char *name, char *err, size_t errlen);
/* Cross-parameter checks run before a simulation (for example link.mtu vs
 * tcp.mss). Returns 0 or SCN_ERANGE with ERR filled. */
int scn_config_check(const scn_config *cfg, char *err, size_t errlen);

/* Whether P can change anything under CFG. Returns 1, or 0 with a one-line
 * reason in WHY: IPsec and IKE settings when both hosts' policy is none,
 * Gilbert-Elliott settings under Bernoulli loss, an outage start without a
 * duration. `rekeysim run` warns about such explicit settings (exit 0). */
int scn_param_has_effect(const scn_param *p, const scn_config *cfg, char *why, size_t whylen);

/* The one database <-> base-unit conversion: times are REAL seconds in the
 * database and nanoseconds in a config; every other type is the same number. */
double scn_param_to_db(const scn_param *p, double base);
double scn_param_from_db(const scn_param *p, double db);
/* A message for a negative SCN_E* code. */
const char *scn_param_strerror(int code);

/* Human form of P's value in CFG with its unit ("100 Mbps", "2 GiB", "0x14"). */
void scn_param_format(const scn_param *p, const scn_config *cfg, char *buf, size_t n);

/* SQL form for the points table: column name (dots as underscores) and SQL
 * type "INTEGER", "REAL" or "TEXT". Times are REAL seconds; enums TEXT. */
void scn_param_column(const scn_param *p, char *buf, size_t n);
const char *scn_param_sql_type(const scn_param *p);
/* For TEXT columns: the enum choice name of P's value in CFG. */
const char *scn_param_text(const scn_param *p, const scn_config *cfg);

#endif
