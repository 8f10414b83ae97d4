/*
 * The network-path half of the parameter table: the pseudo-parameter
 * "scenario" (entry 0), the file and copy, the hosts' OS and certificate
 * settings, the link, TCP and SMB. Each entry: dotted name, type, offset in
 * prm_config, default as a user writes it, unit, choices, range in base units,
 * description, and the source of the default with its confidence tag
 * (doc/domain.md). The IPsec half is in params_ipsec.c.
 */
#include <pthread.h>
#include <stddef.h>
#include "models/core/presets.h"
#include "models/core/params_int.h"

/* The choices of the "scenario" entry: the preset names in preset_table order,
 * filled once before the table is first read (the names live only in
 * models/presets.c). The entry's range admits any index; the list bounds it. */
#define MAX_PRESETS 63
static const char *scenario_choices[MAX_PRESETS + 1];
static pthread_once_t scenario_choices_once = PTHREAD_ONCE_INIT;

static const char *path_choices[MAX_PRESETS + 1];

static void fill_scenario_choices(void)
{
    size_t n = preset_count < MAX_PRESETS ? preset_count : MAX_PRESETS;
    for (size_t i = 0; i < n; i++) scenario_choices[i] = preset_table[i].name;
    scenario_choices[n] = NULL;
    n = path_count < MAX_PRESETS ? path_count : MAX_PRESETS;
    for (size_t i = 0; i < n; i++) path_choices[i] = path_table[i].name;
    path_choices[n] = NULL;
}
static const char *const os_choices[] = {"xp", "2003", "vista", "2008", NULL};
static const char *const cert_choices[] = {"valid", "none", "expired", NULL};
static const char *const direction_choices[] = {"read", "write", NULL};
static const char *const copy_tool_choices[] = {"explorer", "robocopy-z", NULL}; /* issue 15 */
static const char *const loss_model_choices[] = {"bernoulli", "gilbert", NULL};
/* issue 12: SMB timer and copy engine choices (orders as in params.h) */
static const char *const smb_timer_choices[] = {"dynamic", "static", NULL};
static const char *const smb_timer_rate_choices[] = {"nic", "tcp", NULL};
static const char *const smb_timer_bytes_choices[] = {"request", "pipeline", NULL};
static const char *const copy_engine_choices[] = {"auto", "xp", "rtm", "sp1", NULL};
/* TCP loss recovery (issue 12) */
static const char *const tri_choices[] = {"os", "on", "off", NULL};
static const char *const sack_recovery_choices[] = {"os", "rfc3517", "newreno-sack", NULL};
static const char *const ipsec_mss_choices[] = {"plain", "policy", "handshake", NULL};

#define C(field) offsetof(prm_config, field)
#define H(role, field) offsetof(prm_config, host[role].field)

/* The table is aligned by hand, one entry per block: clang-format would
 * break each entry into one line per field. */
/* clang-format off */
#define HOST_NET(role, pfx, os_def)                                                                   \
    {pfx ".os", PRM_ENUM, H(role, os), os_def, "", os_choices, 0, 3,                                  \
     "Windows version: xp, 2003 (Server 2003), vista, 2008 (Server 2008); sets the OS defaults",      \
     "KB 977526 [S]"},                                                                                 \
    {pfx ".cert", PRM_ENUM, H(role, cert), "valid", "", cert_choices, 0, 2,                           \
     "IPsec machine certificate: valid, none, expired", "KB 977526 [S]"},                              \
    {pfx ".tcp.window", PRM_SIZE, H(role, tcp_window_bytes), "0", "B", NULL, 0, 1073741824.0,         \
     "TCP receive window; 0 = OS default (XP/2003 16 KiB rounded up to whole segments = 17,520 B "     \
     "at MSS 1460; Vista/2008 auto-tuning from 64 KiB up to tcp.autotune_max); a value is used as "    \
     "given, without auto-tuning (above 64 KiB window scaling is assumed)",                            \
     "KB 224829 [S]"},                                                                                 \
    {pfx ".smb.maxmpx", PRM_INT, H(role, smb_maxmpx), "0", "requests", NULL, 0, 65535,                \
     "SMB outstanding-request limit: as server the MaxMpxCount it announces (0 = OS default: "         \
     "XP/Vista 10, 2003/2008 50); as client its redirector's cap (0 = OS default 50)",                 \
     "KB 926646, MS-CIFS <79>, KB 271148 [S]"}

const prm_entry prm__net_params[] = {
    {"scenario", PRM_ENUM, C(scenario), "no-ipsec", "", scenario_choices, 0, MAX_PRESETS - 1,
     "named preset applied first (see `rekeysim scenarios`); explicit keys override it", "DESIGN.md"},
    {"file.size", PRM_SIZE, C(file_size_bytes), "100MiB", "B", NULL, 1, 1e15,
     "size of the file copied", "scenario choice"},
    {"copy.direction", PRM_ENUM, C(direction), "read", "", direction_choices, 0, 1,
     "read (server sends, READ_ANDX) or write (client sends, WRITE_ANDX), seen from the client",
     "scenario choice"},
    /* issue 15: restartable copies (robocopy /Z /R:n /W:n) */
    {"copy.tool", PRM_ENUM, C(copy.tool), "explorer", "", copy_tool_choices, 0, 1,
     "explorer (the copy fails at the first dropped connection, no resume) or robocopy-z (restartable "
     "mode: after a failed connection wait copy.retry_wait, reconnect with a new TCP connection and SMB "
     "session, resume at the last complete READ/WRITE; fail only when copy.retries are spent)",
     "robocopy /Z resumes at the last written offset, Explorer's copy does not resume "
     "(DOMAIN.md section 7) [S]; resuming at a whole READ/WRITE [I]"},
    {"copy.retries", PRM_INT, C(copy.retries), "1000000", "", NULL, 0, 1e9,
     "copy.tool=robocopy-z: reconnects allowed after failed attempts (robocopy /R:n); a failed connect "
     "counts as an attempt",
     "robocopy /R:n, default 1,000,000 (DOMAIN.md section 7) [S]; range [I]"},
    {"copy.retry_wait", PRM_TIME, C(copy.retry_wait_ns), "30s", "s", NULL, 0, PRM_NS(86400),
     "copy.tool=robocopy-z: wait between a failed attempt and the reconnect (robocopy /W:n)",
     "robocopy /W:n, default 30 s (DOMAIN.md section 7) [S]; range [I]"},
    {"sim.max_time", PRM_TIME, C(max_sim_ns), "720h", "s", NULL, PRM_NS(0.001), PRM_NS(1e7),
     "safety net: a run still going at this simulated time ends with failure sim_limit",
     "simulator setting"},
    HOST_NET(PRM_CLIENT, "client", "vista"),
    HOST_NET(PRM_SERVER, "server", "xp"),
    {"link.rate", PRM_RATE, C(link.rate_bps), "100Mbps", "bit/s", NULL, 1000, 1e13,
     "bottleneck rate, each direction (full duplex; see link.rate.to_client); counts IP bytes plus "
     "link.overhead per packet",
     "scenario choice"},
    {"link.delay", PRM_TIME, C(link.delay_ns), "250us", "s", NULL, 0, PRM_NS(100),
     "one-way propagation delay of the bottleneck", "scenario choice (LAN: 0.5 ms round trip)"},
    {"link.loss", PRM_PROB, C(link.loss), "0", "", NULL, 0, 1,
     "bottleneck loss probability per packet, each direction unless link.loss.to_server / to_client "
     "(bernoulli; the good state of gilbert)",
     "scenario choice"},
    {"link.loss_model", PRM_ENUM, C(link.loss_model), "bernoulli", "", loss_model_choices, 0, 1,
     "bernoulli (independent losses) or gilbert (Gilbert-Elliott two-state bursts)",
     "scenario choice"},
    {"link.ge.p_gb", PRM_REAL, C(link.ge_p_good_bad), "0.01", "", NULL, 0, 1,
     "gilbert: per-packet probability of going from the good to the bad state",
     "Gilbert-Elliott model; value a scenario choice [?]"},
    {"link.ge.p_bg", PRM_REAL, C(link.ge_p_bad_good), "0.3", "", NULL, 0, 1,
     "gilbert: per-packet probability of going from the bad to the good state (mean burst 1/p)",
     "Gilbert-Elliott model; value a scenario choice [?]"},
    {"link.ge.loss_bad", PRM_REAL, C(link.ge_loss_bad), "1", "", NULL, 0, 1,
     "gilbert: loss probability in the bad state", "Gilbert-Elliott model; value a scenario choice [?]"},
    {"link.queue", PRM_INT, C(link.queue_packets), "1000", "packets", NULL, 1, 1e7,
     "router drop-tail queue limit per direction (each router egress; see link.queue_bytes): packets waiting "
     "or being sent; a host on the bottleneck without an access link never drops (host.nic_ring)",
     "scenario choice; DOMAIN.md 7: 64-1,000 packets [I]"},
    {"link.mtu", PRM_INT, C(link.mtu_bytes), "1500", "B", NULL, 576, 65535,
     "IP MTU; a larger IP packet is sent as fragments (each with its own IP header and framing)",
     "Ethernet [S]"},
    {"link.overhead", PRM_INT, C(link.overhead_bytes), "38", "B", NULL, 0, 1000,
     "framing bytes per packet on the wire (Ethernet: header 14, FCS 4, preamble 8, gap 12)",
     "IEEE 802.3 [S]"},
    {"link.outage.start", PRM_TIME, C(link.outage_start_ns), "0", "s", NULL, 0, PRM_NS(1e7),
     "start of an outage window (simulated time): both directions lose every packet whose transmission "
     "begins inside it",
     "scenario choice"},
    {"link.outage.duration", PRM_TIME, C(link.outage_duration_ns), "0", "s", NULL, 0, PRM_NS(1e7),
     "length of the outage window; 0 = no outage", "scenario choice"},
    /* The path (issue 12): client host - access link - router - bottleneck (the link.* keys above) -
     * router - access link - server host (models/link.h). */
    {"path", PRM_ENUM, C(path), "lan", "", path_choices, 0, MAX_PRESETS - 1,
     "named path preset (see `rekeysim scenarios`), applied after the scenario; sets the bottleneck's rates, "
     "delay and queue and both access links; explicit keys override it",
     "DOMAIN.md 7 [I]; per preset in `rekeysim scenarios`"},
    {"link.rate.to_client", PRM_RATE, C(link.rate_to_client_bps), "0", "bit/s", NULL, 0, 1e13,
     "bottleneck rate towards the client (ADSL-like paths); 0 = link.rate", "scenario choice"},
    {"link.loss.to_server", PRM_PROB, C(link.loss_to_server), "-1", "", NULL, -1, 1,
     "loss probability on the bottleneck towards the server; -1 = link.loss", "scenario choice"},
    {"link.loss.to_client", PRM_PROB, C(link.loss_to_client), "-1", "", NULL, -1, 1,
     "loss probability on the bottleneck towards the client; -1 = link.loss", "scenario choice"},
    {"link.queue_bytes", PRM_SIZE, C(link.queue_bytes), "0", "B", NULL, 0, 1e12,
     "router drop-tail limit in IP bytes (waiting or being sent), besides link.queue; 0 = no byte limit; "
     "applies at routers only (a host's own NIC never drops, see host.nic_ring)",
     "DOMAIN.md 7: 64-1,000 packets or 50-100 ms of buffering [I]"},
    {"client.access.rate", PRM_RATE, C(link.access_rate_bps[PRM_CLIENT]), "0", "bit/s", NULL, 0, 1e13,
     "client's access link to its router; 0 = no access link and no router: the client sits on the bottleneck",
     "scenario choice"},
    {"client.access.delay", PRM_TIME, C(link.access_delay_ns[PRM_CLIENT]), "0", "s", NULL, 0, PRM_NS(100),
     "one-way delay of the client's access link", "scenario choice"},
    {"server.access.rate", PRM_RATE, C(link.access_rate_bps[PRM_SERVER]), "0", "bit/s", NULL, 0, 1e13,
     "server's access link to its router; 0 = no access link and no router: the server sits on the bottleneck",
     "scenario choice"},
    {"server.access.delay", PRM_TIME, C(link.access_delay_ns[PRM_SERVER]), "0", "s", NULL, 0, PRM_NS(100),
     "one-way delay of the server's access link", "scenario choice"},
    {"host.nic_ring", PRM_INT, C(link.nic_ring_packets), "256", "packets", NULL, 1, 1e6,
     "transmit descriptors of each host's NIC; packets beyond them wait (never dropped) in the host's "
     "backlog, which stands for TCP's send queue and the driver queue; FIFO, so the size changes no timing, "
     "only which packets count as backlogged",
     "NIC driver transmit rings of 64-512 descriptors [I]; no drop: NDIS queues when the ring is full [I]"},
    {"tcp.rto.initial", PRM_TIME, C(tcp.rto_initial_ns), "3s", "s", NULL, PRM_NS(0.001), PRM_NS(600),
     "initial retransmission timeout (SYN and before the first RTT sample; TcpInitialRTT)",
     "KB 170359 [S]"},
    {"tcp.rto.min", PRM_TIME, C(tcp.rto_min_ns), "300ms", "s", NULL, PRM_NS(0.001), PRM_NS(600),
     "floor of the RTO computed from RTT estimation (RFC 6298)", "KB 170359 range only [?]"},
    {"tcp.rto.max", PRM_TIME, C(tcp.rto_max_ns), "240s", "s", NULL, PRM_NS(0.001), PRM_NS(3600),
     "cap of the RTO under exponential backoff", "KB 170359 [S]"},
    {"tcp.data_retries", PRM_INT, C(tcp.data_retries), "5", "", NULL, 0, 100,
     "TcpMaxDataRetransmissions: a segment retransmitted this often and still unacknowledged at the "
     "next timeout aborts the connection (about 63 x RTO)",
     "KB 170359 [S]"},
    {"tcp.syn_retries", PRM_INT, C(tcp.syn_retries), "2", "", NULL, 0, 100,
     "TcpMaxConnectRetransmissions: SYN retransmissions before connect fails (3+6+12 = 21 s)",
     "TechNet cc758896 [S]"},
    {"tcp.delack", PRM_TIME, C(tcp.delack_ns), "200ms", "s", NULL, PRM_NS(0.001), PRM_NS(10),
     "delayed ACK timer (TcpDelAckTicks = 2 x 100 ms)", "TechNet cc938206 [S]"},
    {"tcp.ack_frequency", PRM_INT, C(tcp.ack_frequency), "2", "segments", NULL, 1, 100,
     "TcpAckFrequency: acknowledge at once every this many in-order segments", "KB 328890 [S]"},
    {"tcp.dupacks", PRM_INT, C(tcp.dupack_threshold), "2", "", NULL, 1, 100,
     "TcpMaxDupAcks: duplicate ACKs that trigger fast retransmit (then NewReno recovery)",
     "Windows TCP features [S]"},
    {"tcp.mss", PRM_INT, C(tcp.mss_bytes), "1460", "B", NULL, 64, 65495,
     "maximum segment size (payload bytes); see tcp.ipsec_mss for IPsec", "Ethernet MTU 1500 [S]"},
    {"tcp.init_cwnd", PRM_INT, C(tcp.init_cwnd_segments), "2", "segments", NULL, 1, 100,
     "initial congestion window", "RFC 2581 [I]"},
    {"tcp.autotune_max", PRM_SIZE, C(tcp.autotune_max_bytes), "16MiB", "B", NULL, 65536, 1073741824.0,
     "Vista/2008 receive-window auto-tuning ceiling (model: from 64 KiB, the window doubles when the "
     "bytes received in one smoothed round trip reach 3/4 of it)",
     "Vista TCP/IP blog [S]; growth model [I]"},
    {"smb.read_size", PRM_SIZE, C(smb.read_size_bytes), "0", "B", NULL, 0, 16777216,
     "file bytes per READ_ANDX / WRITE_ANDX request; 0 = the client's copy engine (client.copy_engine: "
     "xp and rtm 61,440 B, sp1 32 KiB); a value of at least 512 B overrides it",
     "MS-CIFS <92>, Russinovich \"Inside Vista SP1 File Copy Improvements\" [S]"},
    {"smb.client_outstanding", PRM_INT, C(smb.client_outstanding), "0", "requests", NULL, 0, 65535,
     "copy engine's parallel I/Os; 0 = the copy engine's (8 for every engine); also bounded by both "
     "hosts' smb.maxmpx",
     "undocumented [?]"},
    {"smb.session_timeout", PRM_TIME, C(smb.session_timeout_ns), "60s", "s", NULL, PRM_NS(10), PRM_NS(65535),
     "SessTimeout: the margin the redirector adds to each request's expected transfer time (smb.timer); "
     "a request unanswered past its time-out makes the client close the connection (error 64); "
     "NT 45 s, Windows 2000 and later 60 s; registry range 10-65,535 s",
     "KB 102067, Windows 2000 registry reference, Open Specifications blog \"CIFS and SMB Timeouts in "
     "Windows\" [S]"},
    /* issue 12: the dynamic response timer (KB 102067), the copy engine, server service time */
    {"smb.timer", PRM_ENUM, C(smb.timer), "dynamic", "", smb_timer_choices, 0, 1,
     "dynamic: each request's time-out is (request bytes + data expected) / rate + SessTimeout "
     "(Windows NT and later); static: SessTimeout alone (LAN Manager 2.x)",
     "KB 102067 [S]"},
    {"smb.timer_rate", PRM_ENUM, C(smb.timer_rate), "nic", "", smb_timer_rate_choices, 0, 1,
     "the bytes per second the dynamic timer divides by: nic (the client's local link rate) or tcp "
     "(TCP's window / smoothed RTT estimate on the client's connection)",
     "KB 102067 says \"the bytes per second rate of the media\" from TDIQueryConnectionInfo [S]; "
     "which of the two Windows reports on a WAN [?]"},
    {"smb.timer_bytes", PRM_ENUM, C(smb.timer_bytes), "request", "", smb_timer_bytes_choices, 0, 1,
     "bytes the dynamic timer counts: request (this request's SMB and data, as KB 102067 writes it) or "
     "pipeline (also every unanswered request ahead of it on the connection)",
     "KB 102067 [S] for request; pipeline a model alternative [?]"},
    {"smb.extended_session_timeout", PRM_TIME, C(smb.extended_timeout_ns), "1000s", "s", NULL, PRM_NS(10),
     PRM_NS(65535),
     "ExtendedSessTimeout: used instead of smb.session_timeout when server.smb.extended is on (XP and later)",
     "Open Specifications blog \"CIFS and SMB Timeouts in Windows\" [S]; range as SessTimeout [I]"},
    {"server.smb.extended", PRM_BOOL, C(smb.server_extended), "off", "", NULL, 0, 1,
     "the server is listed in the client's ServersWithExtendedSessTimeout (default list empty)",
     "Open Specifications blog \"CIFS and SMB Timeouts in Windows\" [S]"},
    {"client.copy_engine", PRM_ENUM, C(smb.copy_engine), "auto", "", copy_engine_choices, 0, 3,
     "the client's file copy engine: xp (61,440 B), rtm (Vista RTM, 60 KiB non-cached I/Os = 61,440 B), "
     "sp1 (Vista SP1 / Server 2008, 32 KiB); auto = by client.os (xp, 2003: xp; vista: rtm; 2008: sp1)",
     "Russinovich \"Inside Vista SP1 File Copy Improvements\" [S]; xp size MS-CIFS <92> [I]; "
     "vista = RTM [I]"},
    {"server.smb.latency", PRM_TIME, C(smb.server_latency_ns), "0", "s", NULL, 0, PRM_NS(60),
     "server service time per request before its response is sent; requests are served one at a "
     "time in arrival order; 0 = instant",
     "no per-OS source: neutral default [?]"},
    {"server.smb.disk_rate", PRM_RATE, C(smb.server_disk_rate_bps), "0", "bit/s", NULL, 0, 1e13,
     "server disk throughput for the file bytes of each READ (read before the response) or WRITE "
     "(written before the response), served one request at a time; 0 = instant",
     "no per-OS source: neutral default [?]"},
    /* issue 16: the server's limits with many clients (fleet.*) */
    {"server.smb.max_connections", PRM_INT, C(smb.server_max_connections), "0", "sessions", NULL, -1, 100000,
     "concurrent inbound SMB sessions the server accepts; the next client's SESSION_SETUP is refused "
     "(failure refused, system error 71); 0 = the server OS's default (xp 10, vista 10, 2003 and 2008 "
     "no limit), -1 = no limit",
     "KB 314882: XP Professional 10 inbound connections, Server 2003 no limit [S]; Vista 10 (its EULA's "
     "client limit) [I]; 2008 no limit [I]; refusal on SESSION_SETUP [I]"},
    {"server.smb.session_linger", PRM_TIME, C(smb.session_linger_ns), "600s", "s", NULL, 0, PRM_NS(86400),
     "after a copy ends its session still holds its slot of server.smb.max_connections this long (the "
     "client redirector keeps the idle connection); 0 = only copies under way count",
     "KeepConn default 600 s (LanmanWorkstation), server autodisconnect 15 min (KB 297684) [S]; that "
     "Explorer's copy leaves the session open [I]"},
    /* ---- TCP loss recovery and the MSS under IPsec (issue 12) ---- */
    {"tcp.sack", PRM_ENUM, C(tcp.sack), "os", "", tri_choices, 0, 2,
     "SACK (RFC 2018): each host offers SACK-permitted on its SYN; used when both do; receivers send "
     "up to 4 blocks, the newest first. os = the OS default (on for xp, 2003, vista, 2008); off = "
     "NewReno without SACK",
     "KB 224829 SackOpts=1 (2000/XP/2003) [S]; Vista resource kit (4 blocks) [S]"},
    {"tcp.sack_recovery", PRM_ENUM, C(tcp.sack_recovery), "os", "", sack_recovery_choices, 0, 2,
     "how a SACK sender recovers: rfc3517 (conservative SACK-based recovery: pipe, NextSeg) or "
     "newreno-sack (NewReno, one hole per partial ACK; SACK only keeps SACKed data from being resent); "
     "os = vista/2008 rfc3517, xp/2003 newreno-sack",
     "Vista/2008 RFC 3517 [S] (TechNet cc754287); XP/2003 undocumented [?]"},
    {"tcp.limited_transmit", PRM_ENUM, C(tcp.limited_transmit), "os", "", tri_choices, 0, 2,
     "limited transmit (RFC 3042): each duplicate ACK below tcp.dupacks lets one new segment out; "
     "os = off on every OS (not among the RFCs Vista's stack lists)",
     "Vista resource kit RFC list [I]; XP [?]"},
    {"tcp.frto", PRM_ENUM, C(tcp.frto), "os", "", tri_choices, 0, 2,
     "F-RTO (RFC 5682): after a first timeout, two new segments test whether it was spurious; a "
     "spurious one skips go-back-N and keeps the halved window; os = vista/2008 on, xp/2003 off",
     "Vista/2008 RFC 4138 [S] (TechNet cc754287); XP/2003 not listed [I]; response [I]"},
    {"tcp.ipsec_mss", PRM_ENUM, C(tcp.ipsec_mss), "plain", "", ipsec_mss_choices, 0, 2,
     "MSS under an IPsec policy: plain (tcp.mss; an ESP segment is larger and fragments past link.mtu), "
     "policy (lowered by ipsec.esp_overhead whenever the host has a policy, even in clear) or handshake "
     "(a host whose SYN or SYN-ACK leaves under ESP lowers its MSS by ipsec.esp_overhead; clear "
     "handshakes keep it)",
     "KB 2524732 (TCP subtracts IPsec overhead only for SAs present at the handshake; a clear "
     "handshake keeps the full MSS) [S] = handshake; default plain [I]"},
};
/* clang-format on */
const size_t prm__net_n_params = sizeof prm__net_params / sizeof prm__net_params[0];

void prm__net_params_init(void) { pthread_once(&scenario_choices_once, fill_scenario_choices); }
