#ifndef MODELS_CORE_PARAMS_H
#define MODELS_CORE_PARAMS_H
/*
 * The parameter registry: the resolved parameter set of one simulated copy
 * (prm_config), the entry type that declares each parameter once (dotted
 * name, type, default, unit, description, source), and every operation on
 * parameters by name: unit parsing, defaults, presets, validation with
 * helpful messages, formatting for `params`, and the SQL column values of
 * `points`. Every field of prm_config has exactly one entry (params_net.c for
 * the network path, params_ipsec.c for IPsec); nothing else parses or names
 * parameters. Values are in base units: bytes, bit/s, nanoseconds,
 * probabilities, enum indices.
 */
#include <stddef.h>
#include <stdint.h>
#include "sim/kernel.h"

enum { PRM_CLIENT = 0, PRM_SERVER = 1 };

/* Enumerations; the registry's choice lists use exactly these orders. */
typedef enum { PRM_OS_XP = 0, PRM_OS_2003, PRM_OS_VISTA, PRM_OS_2008 } prm_os;             /* xp 2003 vista 2008 */
typedef enum { PRM_CERT_VALID = 0, PRM_CERT_NONE, PRM_CERT_EXPIRED } prm_cert;             /* valid none expired */
typedef enum { PRM_COPY_READ = 0, PRM_COPY_WRITE } prm_direction;                          /* read write */
typedef enum { PRM_LOSS_BERNOULLI = 0, PRM_LOSS_GILBERT } prm_loss_model;                  /* bernoulli gilbert */
typedef enum { PRM_POLICY_NONE = 0, PRM_POLICY_NEGOTIATE, PRM_POLICY_REQUIRE } prm_policy; /* none negotiate require */
typedef enum { PRM_REKEY_OPENER = 0, PRM_REKEY_BOTH } prm_rekey_rule;                      /* opener both (R1) */
typedef enum { PRM_HOLD_DROP_SOFT = 0, PRM_HOLD_KEEP_SOFT } prm_hold_rule; /* drop-soft keep-soft (R2) */
typedef enum {
    PRM_FALLBACK_INITIATOR = 0,
    PRM_FALLBACK_BOTH,
    PRM_FALLBACK_LEGACY_PEER
} prm_fallback_rule;                                                             /* initiator both legacy-peer (R3) */
typedef enum { PRM_SOFTLIFE_QM = 0, PRM_SOFTLIFE_IDLE } prm_softlife_rule;       /* quick-mode idle (R4) */
typedef enum { PRM_DISCOVERY_OPENED = 0, PRM_DISCOVERY_ALL } prm_discovery_rule; /* opened all (R5) */
/* TCP loss recovery (issue 12): "os" = the host profile's default (models/host.c). */
/* os on off */
typedef enum { PRM_TRI_OS = 0, PRM_TRI_ON, PRM_TRI_OFF } prm_tristate;
/* os rfc3517 newreno-sack */
typedef enum { PRM_SACKREC_OS = 0, PRM_SACKREC_RFC3517, PRM_SACKREC_NEWRENO } prm_sack_recovery;
/* plain policy handshake */
typedef enum { PRM_IPSEC_MSS_PLAIN = 0, PRM_IPSEC_MSS_POLICY, PRM_IPSEC_MSS_HANDSHAKE } prm_ipsec_mss;

/* Per-host settings: client.* and server.* */
typedef struct prm_host {
    int os;                    /* host.os: prm_os */
    int cert;                  /* host.cert: prm_cert */
    uint64_t tcp_window_bytes; /* host.tcp.window: receive window; 0 = OS default */
    int64_t smb_maxmpx;        /* host.smb.maxmpx: server outstanding limit; 0 = OS default */
    /* IPsec (models/ipsec_params.c) */
    int ipsec_policy;        /* host.ipsec.policy: prm_policy */
    int ipsec_fallback;      /* host.ipsec.fallback: allow unsecured with non-IPsec-aware (bool) */
    int ipsec_inbound_clear; /* host.ipsec.inbound_clear: accept unsecured, respond with IPsec (bool) */
    int ipsec_update;        /* host.ipsec.update: Simple Policy Update installed (bool) */
    int64_t ipsec_ikeflags;  /* host.ipsec.ikeflags: IKEFlags registry value */
} prm_host;

/* Link settings: link.* */
typedef struct prm_link {
    uint64_t rate_bps;              /* link.rate */
    sim_time_ns delay_ns;           /* link.delay, one way */
    double loss;                    /* link.loss, per packet per direction */
    int loss_model;                 /* link.loss_model: prm_loss_model */
    double ge_p_good_bad;           /* link.ge.p_gb: per packet, good -> bad */
    double ge_p_bad_good;           /* link.ge.p_bg: per packet, bad -> good */
    double ge_loss_bad;             /* link.ge.loss_bad: loss probability in bad state */
    int64_t queue_packets;          /* link.queue: drop-tail limit per direction, packets */
    int64_t mtu_bytes;              /* link.mtu */
    int64_t overhead_bytes;         /* link.overhead: framing bytes per packet on the wire */
    sim_time_ns outage_start_ns;    /* link.outage.start: both directions drop everything from here */
    sim_time_ns outage_duration_ns; /* link.outage.duration: 0 = no outage */
    /* The path (issue 12, models/link.c): the fields above describe the bottleneck. */
    uint64_t queue_bytes;           /* link.queue_bytes: router drop-tail limit in IP bytes; 0 = none */
    uint64_t rate_to_client_bps;    /* link.rate.to_client: 0 = link.rate */
    double loss_to_server;          /* link.loss.to_server: < 0 = link.loss */
    double loss_to_client;          /* link.loss.to_client: < 0 = link.loss */
    uint64_t access_rate_bps[2];    /* client.access.rate, server.access.rate: 0 = no access link */
    sim_time_ns access_delay_ns[2]; /* client.access.delay, server.access.delay, one way */
    int64_t nic_ring_packets;       /* host.nic_ring: transmit descriptors of each host's NIC */
} prm_link;

/* TCP settings shared by both hosts: tcp.* */
typedef struct prm_tcp {
    sim_time_ns rto_initial_ns;  /* tcp.rto.initial */
    sim_time_ns rto_min_ns;      /* tcp.rto.min */
    sim_time_ns rto_max_ns;      /* tcp.rto.max */
    int64_t data_retries;        /* tcp.data_retries: TcpMaxDataRetransmissions */
    int64_t syn_retries;         /* tcp.syn_retries: TcpMaxConnectRetransmissions */
    sim_time_ns delack_ns;       /* tcp.delack */
    int64_t dupack_threshold;    /* tcp.dupacks */
    int64_t mss_bytes;           /* tcp.mss */
    int64_t ack_frequency;       /* tcp.ack_frequency: TcpAckFrequency, segments per immediate ACK */
    int64_t init_cwnd_segments;  /* tcp.init_cwnd: initial congestion window, segments */
    uint64_t autotune_max_bytes; /* tcp.autotune_max: Vista receive window ceiling */
    /* Loss recovery and the MSS under IPsec (issue 12, models/tcp.c, models/host.c) */
    int sack;             /* tcp.sack: prm_tristate, SACK-permitted on this host's SYN */
    int sack_recovery;    /* tcp.sack_recovery: prm_sack_recovery */
    int limited_transmit; /* tcp.limited_transmit: prm_tristate (RFC 3042) */
    int frto;             /* tcp.frto: prm_tristate (RFC 5682 spurious RTO detection) */
    int ipsec_mss;        /* tcp.ipsec_mss: prm_ipsec_mss */
} prm_tcp;

/* SMB response timer and copy engine (issue 12); the choice lists use these orders. */
typedef enum { PRM_SMB_TIMER_DYNAMIC = 0, PRM_SMB_TIMER_STATIC } prm_smb_timer;         /* dynamic static */
typedef enum { PRM_SMB_RATE_NIC = 0, PRM_SMB_RATE_TCP } prm_smb_timer_rate;             /* nic tcp */
typedef enum { PRM_SMB_BYTES_REQUEST = 0, PRM_SMB_BYTES_PIPELINE } prm_smb_timer_bytes; /* request pipeline */
typedef enum {
    PRM_ENGINE_AUTO = 0,
    PRM_ENGINE_XP,
    PRM_ENGINE_RTM,
    PRM_ENGINE_SP1
} prm_copy_engine; /* auto xp rtm sp1 */

/* SMB settings: smb.* (and the SMB keys of client.* / server.* below) */
typedef struct prm_smb {
    uint64_t read_size_bytes;       /* smb.read_size: bytes per READ_ANDX / WRITE_ANDX; 0 = copy engine's */
    int64_t client_outstanding;     /* smb.client_outstanding: copy engine's parallel I/Os; 0 = copy engine's */
    sim_time_ns session_timeout_ns; /* smb.session_timeout: SessTimeout */
    /* issue 12: dynamic response timer (KB 102067), copy engine, server service time */
    int timer;                       /* smb.timer: prm_smb_timer */
    int timer_rate;                  /* smb.timer_rate: prm_smb_timer_rate */
    int timer_bytes;                 /* smb.timer_bytes: prm_smb_timer_bytes */
    sim_time_ns extended_timeout_ns; /* smb.extended_session_timeout: ExtendedSessTimeout */
    int server_extended;             /* server.smb.extended: in ServersWithExtendedSessTimeout (bool) */
    int copy_engine;                 /* client.copy_engine: prm_copy_engine */
    sim_time_ns server_latency_ns;   /* server.smb.latency: per request, serial */
    uint64_t server_disk_rate_bps;   /* server.smb.disk_rate: file bytes served, bit/s; 0 = instant */
    /* issue 16: the server's limits with many clients */
    int64_t server_max_connections; /* server.smb.max_connections: concurrent inbound sessions; 0 = OS
                                        default (host_smb_max_connections), -1 = no limit */
    sim_time_ns session_linger_ns;  /* server.smb.session_linger: a finished copy's session still
                                        holds its slot this long (the redirector's idle KeepConn) */
} prm_smb;

/* IPsec settings shared by both hosts: ipsec.* and ike.* (models/ipsec_params.c) */
typedef struct prm_ipsec {
    sim_time_ns mm_lifetime_ns;           /* ipsec.mm_lifetime */
    sim_time_ns qm_lifetime_ns;           /* ipsec.qm_lifetime */
    uint64_t qm_lifetime_kb;              /* ipsec.qm_lifetime_kb: KB of 1,024 bytes; 0 = unlimited */
    sim_time_ns idle_timeout_ns;          /* ipsec.idle_timeout */
    double rekey_fraction;                /* ipsec.rekey_fraction */
    double rekey_jitter;                  /* ipsec.rekey_jitter: +- relative */
    sim_time_ns fallback_update_ns;       /* ipsec.fallback_timeout: with update and 0x14 */
    sim_time_ns fallback_legacy_ns;       /* ipsec.fallback_timeout_legacy */
    sim_time_ns old_sa_overlap_ns;        /* ipsec.old_sa_overlap */
    int64_t esp_overhead_bytes;           /* ipsec.esp_overhead */
    int64_t hold_queue_packets;           /* ipsec.hold_queue */
    sim_time_ns ike_retrans_ns;           /* ike.retrans: IKEv1 first retransmission, doubling */
    sim_time_ns ike_authip_retrans_ns;    /* ike.authip_retrans: AuthIP (both hosts Vista/2008) */
    int64_t ike_retrans_max;              /* ike.retrans_max */
    sim_time_ns ike_responder_timeout_ns; /* ike.responder_timeout */
    int rekey_rule;                       /* ipsec.rule.rekey: prm_rekey_rule (R1) */
    int hold_rule;                        /* ipsec.rule.hold: prm_hold_rule (R2) */
    int fallback_rule;                    /* ipsec.rule.fallback: prm_fallback_rule (R3) */
    int softlife_rule;                    /* ipsec.rule.soft_lifetime: prm_softlife_rule (R4) */
    int discovery_rule;                   /* ipsec.rule.discovery: prm_discovery_rule (R5) */
} prm_ipsec;

/* Extra flows besides the copy: flow.* (models/core/params_flow.c,
 * models/flow.h). A fixed number of slots, one series of each kind: pings
 * (ICMP echo) and TCP connections. */
typedef enum { PRM_FROM_NONE = 0, PRM_FROM_CLIENT, PRM_FROM_SERVER } prm_flow_from; /* none client server */
typedef enum { PRM_PING_FLOW_EACH = 0, PRM_PING_FLOW_ONE } prm_ping_flows;          /* each one */
typedef enum { PRM_PING_COVERED = 0, PRM_PING_EXEMPT } prm_ping_ipsec;              /* covered exempt */
typedef struct prm_flow {
    int ping_from;             /* flow.ping.from: prm_flow_from, the host that sends the echo requests */
    sim_time_ns ping_every_ns; /* flow.ping.every: period; the first echo leaves this long after the start */
    int ping_flows;            /* flow.ping.flows: prm_ping_flows, each echo a new flow or one flow */
    int ping_ipsec;            /* flow.ping.ipsec: prm_ping_ipsec, the policy covers ICMP or exempts it */
    int tcp_from;              /* flow.tcp.from: prm_flow_from, the host that opens the connections */
    sim_time_ns tcp_at_ns;     /* flow.tcp.at: the first connection opens at this time */
    sim_time_ns tcp_every_ns;  /* flow.tcp.every: a new connection this often; 0 = only one */
    uint64_t tcp_bytes;        /* flow.tcp.bytes: bytes the opener sends on each connection */
} prm_flow;

/* Restartable copies (issue 15): copy.*, the copy tool and its retries */
typedef enum { PRM_TOOL_EXPLORER = 0, PRM_TOOL_ROBOCOPY_Z } prm_copy_tool; /* explorer robocopy-z */
typedef struct prm_copy {
    int tool;                  /* copy.tool: prm_copy_tool */
    int64_t retries;           /* copy.retries: robocopy /R:n, reconnects after failures */
    sim_time_ns retry_wait_ns; /* copy.retry_wait: robocopy /W:n, wait before each reconnect */
} prm_copy;

/* Fleets (issue 16): fleet.*, N clients copying the same file from the one server. */
typedef enum {
    PRM_START_TOGETHER = 0,
    PRM_START_UNIFORM,
    PRM_START_POISSON
} prm_fleet_start; /* together uniform poisson */
typedef struct prm_fleet {
    int64_t clients;             /* fleet.clients: 1 = the single copy of earlier rounds */
    double cert_share;           /* fleet.cert_share: share of clients with a valid certificate, by index;
                                   < 0 = every client as client.cert */
    int mix_os;                  /* fleet.mix_os: 0 = none, else 1 + the prm_os of the mixed-in clients */
    double mix_share;            /* fleet.mix_share: share of clients running fleet.mix_os, by index */
    int start;                   /* fleet.start: prm_fleet_start */
    sim_time_ns start_window_ns; /* fleet.start_window: uniform: starts drawn on [0, T] */
    double start_rate;           /* fleet.start_rate: poisson: arrivals per second */
} prm_fleet;
typedef struct prm_config {
    int scenario;             /* scenario: index into the preset table */
    uint64_t file_size_bytes; /* file.size */
    int direction;            /* copy.direction: prm_direction */
    sim_time_ns max_sim_ns;   /* sim.max_time: stop the run here (safety net) */
    prm_host host[2];         /* client.*, server.* */
    prm_link link;
    prm_tcp tcp;
    prm_smb smb;
    prm_ipsec ipsec;
    int path;        /* path: index into the path preset table (models/core/presets.h) */
    prm_flow flow;   /* flow.* */
    prm_copy copy;   /* copy.tool, copy.retries, copy.retry_wait (issue 15) */
    prm_fleet fleet; /* fleet.* (issue 16) */
} prm_config;

/* Registry entry types. How a value is written on the command line, stored in
 * points (SQL type) and shown: */
typedef enum {
    PRM_SIZE, /* uint64_t bytes; "2GiB"; INTEGER */
    PRM_RATE, /* uint64_t bit/s; "100Mbps"; INTEGER */
    PRM_TIME, /* sim_time_ns; "10ms"; REAL seconds */
    PRM_PROB, /* double in [0, 1); REAL */
    PRM_REAL, /* double; REAL */
    PRM_INT,  /* int64_t; decimal or 0x hex; INTEGER */
    PRM_BOOL, /* int 0/1; on/off yes/no true/false 1/0; INTEGER */
    PRM_ENUM  /* int index into choices; TEXT */
} prm_type;

typedef struct prm_entry {
    const char *name; /* dotted, e.g. "link.rate" */
    prm_type type;
    size_t offset;              /* offsetof(prm_config, ...) */
    const char *def;            /* default, as the user would write it */
    const char *unit;           /* shown by `params`: "B", "bit/s", "s", "" ... */
    const char *const *choices; /* PRM_ENUM: NULL-terminated names */
    double min, max;            /* valid range in base units (ns for PRM_TIME) */
    const char *desc;           /* one line */
    const char *source;         /* DOMAIN.md source and confidence, e.g. "KB 170359 [S]" */
} prm_entry;

/* ---- the registry: every operation on parameters by name ---- */

enum {
    PRM_EUNKNOWN = -1, /* no such key */
    PRM_EVALUE = -2,   /* malformed value or unit */
    PRM_ERANGE = -3,   /* value out of range */
    PRM_ESCENARIO = -4 /* no such scenario preset */
};

/* All parameters, in a fixed documented order (also the column order of
 * `points`). The pseudo-parameter "scenario" is entry 0 (PRM_ENUM over the
 * preset names, stored in prm_config.scenario). */
size_t prm_count(void);
const prm_entry *prm_at(size_t i);
const prm_entry *prm_find(const char *name);
/* The registered name closest to NAME (edit distance), for "did you mean". */
const char *prm_nearest(const char *name);

/* Parses TEXT as a value of P into base units: *out is bytes, bit/s, ns,
 * probability, integer, 0/1 or enum index, as a double (exact for integers up
 * to 2^53). Returns 0, or PRM_EVALUE / PRM_ERANGE with a one-line message in
 * ERR (what was wrong and what is expected, naming the key). */
int prm_parse(const prm_entry *p, const char *text, double *out, char *err, size_t errlen);
/* Stores a base-unit value (as from prm_parse) into CFG. */
void prm_store(const prm_entry *p, prm_config *cfg, double value);
/* Reads P's base-unit value from CFG. */
double prm_load(const prm_entry *p, const prm_config *cfg);

/* CFG = every default, scenario "no-ipsec". */
void prm_defaults(prm_config *cfg);
/* Sets KEY=TEXT (parse + store). Returns 0 or a negative SCN_E* with ERR
 * filled: unknown keys get the nearest name ("did you mean link.rate?").
 * KEY "scenario" applies that preset's settings on top of CFG. */
int prm_set(prm_config *cfg, const char *key, const char *text, char *err, size_t errlen);
/* Parses "KEY=VALUE" and calls prm_set. */
int prm_set_pair(prm_config *cfg, const char *pair, char *err, size_t errlen);
/* Applies preset NAME (defaults are NOT reset first). */
int prm_apply_preset(prm_config *cfg, const char *name, char *err, size_t errlen);
/* Applies path preset NAME (models/core/presets.h; defaults are NOT reset
 * first) and records it in cfg->path. Returns 0 or PRM_ESCENARIO with the
 * list of paths in ERR. */
int prm_apply_path(prm_config *cfg, const char *name, char *err, size_t errlen);
/* Cross-parameter checks run before a simulation (for example link.mtu vs
 * tcp.mss). Returns 0 or PRM_ERANGE with ERR filled. */
int prm_check(const prm_config *cfg, char *err, size_t errlen);

/* Whether P can change anything under CFG. Returns 1, or 0 with a one-line
 * reason in WHY: IPsec and IKE settings when both hosts' policy is none,
 * Gilbert-Elliott settings under Bernoulli loss, an outage start without a
 * duration, router queue limits without routers, an access delay without
 * its access link. `rekeysim run` warns about such explicit settings (exit 0). */
int prm_has_effect(const prm_entry *p, const prm_config *cfg, char *why, size_t whylen);

/* The one database <-> base-unit conversion: times are REAL seconds in the
 * database and nanoseconds in a config; every other type is the same number. */
double prm_to_db(const prm_entry *p, double base);
double prm_from_db(const prm_entry *p, double db);
/* A message for a negative SCN_E* code. */
const char *prm_strerror(int code);

/* Human form of P's value in CFG with its unit ("100 Mbps", "2 GiB", "0x14"). */
void prm_format(const prm_entry *p, const prm_config *cfg, char *buf, size_t n);

/* SQL form for the points table: column name (dots as underscores) and SQL
 * type "INTEGER", "REAL" or "TEXT". Times are REAL seconds; enums TEXT. */
void prm_column(const prm_entry *p, char *buf, size_t n);
const char *prm_sql_type(const prm_entry *p);
/* For TEXT columns: the enum choice name of P's value in CFG. */
const char *prm_text(const prm_entry *p, const prm_config *cfg);

#endif
