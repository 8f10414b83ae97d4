/*
 * The parameter registry: net_params[] declares every network-path parameter
 * once (entry 0 is the pseudo-parameter "scenario"); ipsec_params[] from
 * models/ipsec_params.c follows it, and scn_param_at() indexes the two as one
 * table. Everything that reads or writes a parameter by name goes through
 * here: unit parsing, range checks, presets, formatting and SQL columns.
 *
 * Values travel as doubles in base units (bytes, bit/s, ns, probability,
 * integer, 0/1, enum index), exact for integers up to 2^53, which covers
 * every range below. Units are case-sensitive on purpose: "Mbps" and "MBps"
 * differ by a factor of 8, so a guess would be worse than an error.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "models/pkt.h"
#include "models/presets.h"
#include "models/registry.h"

/* The choices of the "scenario" entry: the preset names in scn_presets order,
 * filled once before the table is first read (the names live only in
 * models/presets.c). The entry's range admits any index; the list bounds it. */
#define MAX_PRESETS 63
static const char *scenario_choices[MAX_PRESETS + 1];
static pthread_once_t scenario_choices_once = PTHREAD_ONCE_INIT;

static void fill_scenario_choices(void)
{
    size_t n = scn_n_presets < MAX_PRESETS ? scn_n_presets : MAX_PRESETS;
    for (size_t i = 0; i < n; i++) scenario_choices[i] = scn_presets[i].name;
    scenario_choices[n] = NULL;
}
static const char *const os_choices[] = {"xp", "2003", "vista", "2008", NULL};
static const char *const cert_choices[] = {"valid", "none", "expired", NULL};
static const char *const direction_choices[] = {"read", "write", NULL};
static const char *const loss_model_choices[] = {"bernoulli", "gilbert", NULL};

#define C(field) offsetof(scn_config, field)
#define H(role, field) offsetof(scn_config, host[role].field)
#define NS(s) ((s) * 1e9)

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

static const scn_param net_params[] = {
    {"scenario", PRM_ENUM, C(scenario), "no-ipsec", "", scenario_choices, 0, MAX_PRESETS - 1,
     "named preset applied first (see `rekeysim scenarios`); explicit keys override it", "DESIGN.md"},
    {"file.size", PRM_SIZE, C(file_size_bytes), "100MiB", "B", NULL, 1, 1e15,
     "size of the file copied", "scenario choice"},
    {"copy.direction", PRM_ENUM, C(direction), "read", "", direction_choices, 0, 1,
     "read (server sends, READ_ANDX) or write (client sends, WRITE_ANDX), seen from the client",
     "scenario choice"},
    {"sim.max_time", PRM_TIME, C(max_sim_ns), "720h", "s", NULL, NS(0.001), NS(1e7),
     "safety net: a run still going at this simulated time ends with failure sim_limit",
     "simulator setting"},
    HOST_NET(SCN_CLIENT, "client", "vista"),
    HOST_NET(SCN_SERVER, "server", "xp"),
    {"link.rate", PRM_RATE, C(link.rate_bps), "100Mbps", "bit/s", NULL, 1000, 1e13,
     "link rate, each direction (full duplex); counts IP bytes plus link.overhead per packet",
     "scenario choice"},
    {"link.delay", PRM_TIME, C(link.delay_ns), "250us", "s", NULL, 0, NS(100),
     "one-way propagation delay", "scenario choice (LAN: 0.5 ms round trip)"},
    {"link.loss", PRM_PROB, C(link.loss), "0", "", NULL, 0, 1,
     "packet loss probability per packet, each direction (bernoulli; the good state of gilbert)",
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
     "drop-tail queue limit per direction: packets waiting or being sent", "scenario choice [?]"},
    {"link.mtu", PRM_INT, C(link.mtu_bytes), "1500", "B", NULL, 576, 65535,
     "IP MTU; a larger IP packet is sent as fragments (each with its own IP header and framing)",
     "Ethernet [S]"},
    {"link.overhead", PRM_INT, C(link.overhead_bytes), "38", "B", NULL, 0, 1000,
     "framing bytes per packet on the wire (Ethernet: header 14, FCS 4, preamble 8, gap 12)",
     "IEEE 802.3 [S]"},
    {"link.outage.start", PRM_TIME, C(link.outage_start_ns), "0", "s", NULL, 0, NS(1e7),
     "start of an outage window (simulated time): both directions lose every packet whose transmission "
     "begins inside it",
     "scenario choice"},
    {"link.outage.duration", PRM_TIME, C(link.outage_duration_ns), "0", "s", NULL, 0, NS(1e7),
     "length of the outage window; 0 = no outage", "scenario choice"},
    {"tcp.rto.initial", PRM_TIME, C(tcp.rto_initial_ns), "3s", "s", NULL, NS(0.001), NS(600),
     "initial retransmission timeout (SYN and before the first RTT sample; TcpInitialRTT)",
     "KB 170359 [S]"},
    {"tcp.rto.min", PRM_TIME, C(tcp.rto_min_ns), "300ms", "s", NULL, NS(0.001), NS(600),
     "floor of the RTO computed from RTT estimation (RFC 6298)", "KB 170359 range only [?]"},
    {"tcp.rto.max", PRM_TIME, C(tcp.rto_max_ns), "240s", "s", NULL, NS(0.001), NS(3600),
     "cap of the RTO under exponential backoff", "KB 170359 [S]"},
    {"tcp.data_retries", PRM_INT, C(tcp.data_retries), "5", "", NULL, 0, 100,
     "TcpMaxDataRetransmissions: a segment retransmitted this often and still unacknowledged at the "
     "next timeout aborts the connection (about 63 x RTO)",
     "KB 170359 [S]"},
    {"tcp.syn_retries", PRM_INT, C(tcp.syn_retries), "2", "", NULL, 0, 100,
     "TcpMaxConnectRetransmissions: SYN retransmissions before connect fails (3+6+12 = 21 s)",
     "TechNet cc758896 [S]"},
    {"tcp.delack", PRM_TIME, C(tcp.delack_ns), "200ms", "s", NULL, NS(0.001), NS(10),
     "delayed ACK timer (TcpDelAckTicks = 2 x 100 ms)", "TechNet cc938206 [S]"},
    {"tcp.ack_frequency", PRM_INT, C(tcp.ack_frequency), "2", "segments", NULL, 1, 100,
     "TcpAckFrequency: acknowledge at once every this many in-order segments", "KB 328890 [S]"},
    {"tcp.dupacks", PRM_INT, C(tcp.dupack_threshold), "2", "", NULL, 1, 100,
     "TcpMaxDupAcks: duplicate ACKs that trigger fast retransmit (then NewReno recovery)",
     "Windows TCP features [S]"},
    {"tcp.mss", PRM_INT, C(tcp.mss_bytes), "1460", "B", NULL, 64, 65495,
     "maximum segment size (payload bytes); lowered by ESP overhead when a host has an IPsec policy",
     "Ethernet MTU 1500 [S]; IPsec adjustment [I]"},
    {"tcp.init_cwnd", PRM_INT, C(tcp.init_cwnd_segments), "2", "segments", NULL, 1, 100,
     "initial congestion window", "RFC 2581 [I]"},
    {"tcp.autotune_max", PRM_SIZE, C(tcp.autotune_max_bytes), "16MiB", "B", NULL, 65536, 1073741824.0,
     "Vista/2008 receive-window auto-tuning ceiling (model: from 64 KiB, the window doubles when the "
     "bytes received in one smoothed round trip reach 3/4 of it)",
     "Vista TCP/IP blog [S]; growth model [I]"},
    {"smb.read_size", PRM_SIZE, C(smb.read_size_bytes), "61440", "B", NULL, 512, 16777216,
     "file bytes per READ_ANDX / WRITE_ANDX request (Vista SP1 copy engine: 32 KiB)",
     "MS-CIFS <92> [S]"},
    {"smb.client_outstanding", PRM_INT, C(smb.client_outstanding), "8", "requests", NULL, 1, 65535,
     "copy engine's parallel I/Os (also bounded by both hosts' smb.maxmpx)", "undocumented [?]"},
    {"smb.session_timeout", PRM_TIME, C(smb.session_timeout_ns), "60s", "s", NULL, NS(0.001), NS(86400),
     "a request unanswered this long makes the client close the connection (error 64)",
     "MS-SMB 3.2.3, KB 102067 [S]"},
};
#define N_NET (sizeof net_params / sizeof net_params[0])

size_t scn_param_count(void) { return N_NET + ipsec_n_params; }

const scn_param *scn_param_at(size_t i)
{
    pthread_once(&scenario_choices_once, fill_scenario_choices);
    if (i < N_NET) return &net_params[i];
    if (i < N_NET + ipsec_n_params) return &ipsec_params[i - N_NET];
    return NULL;
}

const scn_param *scn_param_find(const char *name)
{
    for (size_t i = 0; i < scn_param_count(); i++)
        if (strcmp(scn_param_at(i)->name, name) == 0) return scn_param_at(i);
    return NULL;
}

/* Levenshtein distance, case-insensitive; names are short, so O(n*m). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127) la = 127;
    if (lb > 127) lb = 127;
    size_t row[128];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *scn_param_nearest(const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < scn_param_count(); i++) {
        size_t d = edit_distance(name, scn_param_at(i)->name);
        if (d < best_d) {
            best_d = d;
            best = scn_param_at(i)->name;
        }
    }
    return best;
}

/* ---- units ---- */

typedef struct unit {
    const char *name;
    double factor;   /* base units per unit */
} unit;

static const unit size_units[] = {
    {"B", 1}, {"KB", 1e3}, {"kB", 1e3}, {"KiB", 1024.0}, {"MB", 1e6}, {"MiB", 1048576.0},
    {"GB", 1e9}, {"GiB", 1073741824.0}, {"TB", 1e12}, {"TiB", 1099511627776.0}, {NULL, 0}};
static const unit rate_units[] = {
    {"bps", 1}, {"bit/s", 1}, {"Kbps", 1e3}, {"kbps", 1e3}, {"Kbit/s", 1e3}, {"kbit/s", 1e3},
    {"Mbps", 1e6}, {"Mbit/s", 1e6}, {"Gbps", 1e9}, {"Gbit/s", 1e9}, {"Tbps", 1e12}, {NULL, 0}};
static const unit time_units[] = {
    {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"sec", 1e9}, {"min", 60e9}, {"h", 3600e9},
    {NULL, 0}};

static const char *expected(const scn_param *p)
{
    switch (p->type) {
    case PRM_SIZE: return "a size: a number with B, KB, KiB, MB, MiB, GB, GiB, TB or TiB (KB = 1000 B, KiB = 1024 B; bare = bytes)";
    case PRM_RATE: return "a rate: a number with bps, Kbps, Mbps or Gbps (bare = bit/s)";
    case PRM_TIME: return "a time: a number with ns, us, ms, s, min or h (bare = seconds)";
    case PRM_PROB: return "a probability: a number from 0 to below 1, or a percentage such as 0.5%";
    case PRM_REAL: return "a number";
    case PRM_INT: return "a whole number (decimal, or hex such as 0x14)";
    case PRM_BOOL: return "a boolean: on/off, yes/no, true/false or 1/0";
    case PRM_ENUM: return "one of the listed choices";
    }
    return "a value";
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return s;
}

/* Copies TEXT without surrounding white space into BUF; 0, or -1 if too long. */
static int trimmed(const char *text, char *buf, size_t n)
{
    text = skip_space(text);
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1])) len--;
    if (len >= n) return -1;
    memcpy(buf, text, len);
    buf[len] = 0;
    return 0;
}

/* A decimal number (no hex, inf or nan) at the start of S; *end after it. */
static int parse_decimal(const char *s, double *v, const char **end)
{
    const char *q = s;
    if (*q == '+' || *q == '-') q++;
    if (!isdigit((unsigned char)*q) && !(*q == '.' && isdigit((unsigned char)q[1]))) return -1;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) return -1;
    char *e;
    *v = strtod(s, &e);
    *end = e;
    return 0;
}

static int parse_unit(const unit *units, const char *word, double *factor)
{
    for (const unit *u = units; u->name; u++)
        if (strcmp(u->name, word) == 0) {
            *factor = u->factor;
            return 0;
        }
    return -1;
}

static int parse_int(const scn_param *p, const char *s, double *out)
{
    const char *q = s;
    int neg = 0;
    if (*q == '-' || *q == '+') neg = *q++ == '-';
    int base = 10;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        base = 16;
        q += 2;
    }
    if (!isxdigit((unsigned char)*q) || (base == 10 && !isdigit((unsigned char)*q))) return -1;
    char *e;
    unsigned long long v = strtoull(q, &e, base);
    const char *rest = skip_space(e);
    if (*rest && !(p->unit[0] && strcmp(rest, p->unit) == 0)) return -1;
    *out = neg ? -(double)v : (double)v;
    return 0;
}

static int parse_choice(const scn_param *p, const char *s, double *out)
{
    for (int i = 0; p->choices[i]; i++)
        if (strcmp(p->choices[i], s) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

static int parse_bool(const char *s, double *out)
{
    static const char *const yes[] = {"on", "yes", "true", "1"}, *const no[] = {"off", "no", "false", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0) return *out = 0, 0;
    }
    return -1;
}

/* The value of S for a scalar-with-unit type, in base units. */
static int parse_scaled(const scn_param *p, const char *s, double *out)
{
    double v;
    const char *e;
    if (parse_decimal(s, &v, &e) != 0) return -1;
    const char *word = skip_space(e);
    double factor = 1;
    switch (p->type) {
    case PRM_SIZE: if (*word && parse_unit(size_units, word, &factor)) return -1; break;
    case PRM_RATE: if (*word && parse_unit(rate_units, word, &factor)) return -1; break;
    case PRM_TIME:
        factor = 1e9;
        if (*word && parse_unit(time_units, word, &factor)) return -1;
        break;
    case PRM_PROB:
        if (*word && strcmp(word, "%") == 0) factor = 0.01;
        else if (*word) return -1;
        break;
    default:
        if (*word) return -1;
    }
    v *= factor;
    if (p->type == PRM_SIZE || p->type == PRM_RATE || p->type == PRM_TIME) v = nearbyint(v);
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* Formats a base-unit value of P's type with units into BUF. */
static void format_value(const scn_param *p, double v, char *buf, size_t n);

static void choices_list(const scn_param *p, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; p->choices[i] && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", p->choices[i]);
}

int scn_param_parse(const scn_param *p, const char *text, double *out, char *err, size_t errlen)
{
    char s[256];
    double v = 0;
    int rc = trimmed(text, s, sizeof s) == 0 && s[0] ? 0 : -1;
    if (rc == 0) {
        switch (p->type) {
        case PRM_INT: rc = parse_int(p, s, &v); break;
        case PRM_BOOL: rc = parse_bool(s, &v); break;
        case PRM_ENUM: rc = parse_choice(p, s, &v); break;
        default: rc = parse_scaled(p, s, &v);
        }
    }
    if (rc != 0) {
        if (p->type == PRM_ENUM) {
            char list[512];
            choices_list(p, list, sizeof list);
            snprintf(err, errlen, "%s: '%s' is not a valid choice; expected one of: %s", p->name, text, list);
        } else {
            snprintf(err, errlen, "%s: '%s' is not valid; expected %s", p->name, text, expected(p));
        }
        return SCN_EVALUE;
    }
    int too_high = p->type == PRM_PROB && p->max == 1 ? v >= 1 : v > p->max;
    if (v < p->min || too_high) {
        char lo[64], hi[64];
        format_value(p, p->min, lo, sizeof lo);
        format_value(p, p->max, hi, sizeof hi);
        if (p->type == PRM_PROB && p->max == 1)
            snprintf(err, errlen, "%s: '%s' is out of range: must be at least %s and below 1", p->name, text, lo);
        else
            snprintf(err, errlen, "%s: '%s' is out of range: must be from %s to %s", p->name, text, lo, hi);
        return SCN_ERANGE;
    }
    *out = v;
    return 0;
}

/* ---- storage ---- */

void scn_param_store(const scn_param *p, scn_config *cfg, double value)
{
    char *at = (char *)cfg + p->offset;
    switch (p->type) {
    case PRM_SIZE:
    case PRM_RATE: {
        uint64_t u = (uint64_t)llround(value);
        memcpy(at, &u, sizeof u);
        break;
    }
    case PRM_TIME:
    case PRM_INT: {
        int64_t i = (int64_t)llround(value);
        memcpy(at, &i, sizeof i);
        break;
    }
    case PRM_PROB:
    case PRM_REAL: memcpy(at, &value, sizeof value); break;
    case PRM_BOOL:
    case PRM_ENUM: {
        int i = (int)value;
        memcpy(at, &i, sizeof i);
        break;
    }
    }
}

double scn_param_load(const scn_param *p, const scn_config *cfg)
{
    const char *at = (const char *)cfg + p->offset;
    switch (p->type) {
    case PRM_SIZE:
    case PRM_RATE: {
        uint64_t u;
        memcpy(&u, at, sizeof u);
        return (double)u;
    }
    case PRM_TIME:
    case PRM_INT: {
        int64_t i;
        memcpy(&i, at, sizeof i);
        return (double)i;
    }
    case PRM_PROB:
    case PRM_REAL: {
        double d;
        memcpy(&d, at, sizeof d);
        return d;
    }
    case PRM_BOOL:
    case PRM_ENUM: {
        int i;
        memcpy(&i, at, sizeof i);
        return i;
    }
    }
    return 0;
}

/* ---- configs and presets ---- */

void scn_config_defaults(scn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < scn_param_count(); i++) {
        const scn_param *p = scn_param_at(i);
        double v;
        char err[256];
        int rc = scn_param_parse(p, p->def, &v, err, sizeof err);
        (void)rc;
        if (rc != 0) v = p->min; /* a broken default is caught by the registry tests */
        scn_param_store(p, cfg, v);
    }
}

int scn_config_apply_preset(scn_config *cfg, const char *name, char *err, size_t errlen)
{
    int index;
    const scn_preset *ps = scn_preset_find(name, &index);
    if (!ps) {
        char list[512];
        choices_list(scn_param_at(0), list, sizeof list);
        snprintf(err, errlen, "unknown scenario '%s'; expected one of: %s", name, list);
        return SCN_ESCENARIO;
    }
    for (const char *const *s = ps->settings; *s; s++) {
        int rc = scn_config_set_pair(cfg, *s, err, errlen);
        if (rc != 0) return rc;
    }
    cfg->scenario = index;
    return 0;
}

int scn_config_set(scn_config *cfg, const char *key, const char *text, char *err, size_t errlen)
{
    const scn_param *p = scn_param_find(key);
    if (!p) {
        snprintf(err, errlen, "unknown key '%s' (did you mean %s?); `rekeysim params` lists every key", key,
                 scn_param_nearest(key));
        return SCN_EUNKNOWN;
    }
    if (p == &net_params[0]) {
        char name[128];
        if (trimmed(text, name, sizeof name) != 0) name[0] = 0;
        return scn_config_apply_preset(cfg, name, err, errlen);
    }
    double v;
    int rc = scn_param_parse(p, text, &v, err, errlen);
    if (rc != 0) return rc;
    scn_param_store(p, cfg, v);
    return 0;
}

int scn_config_set_pair(scn_config *cfg, const char *pair, char *err, size_t errlen)
{
    const char *eq = strchr(pair, '=');
    char raw[128], key[128];
    size_t klen = eq ? (size_t)(eq - pair) : 0;
    if (eq && klen < sizeof raw) {
        memcpy(raw, pair, klen);
        raw[klen] = 0;
        trimmed(raw, key, sizeof key);
    }
    if (!eq || klen >= sizeof raw || !key[0]) {
        snprintf(err, errlen, "'%s' is not KEY=VALUE", pair);
        return SCN_EVALUE;
    }
    return scn_config_set(cfg, key, eq + 1, err, errlen);
}

int scn_config_check(const scn_config *cfg, char *err, size_t errlen)
{
    if (cfg->tcp.mss_bytes + PKT_IP_HEADER_BYTES + PKT_TCP_HEADER_BYTES > cfg->link.mtu_bytes) {
        snprintf(err, errlen,
                 "tcp.mss (%lld B) plus 40 B of IP and TCP headers exceeds link.mtu (%lld B)",
                 (long long)cfg->tcp.mss_bytes, (long long)cfg->link.mtu_bytes);
        return SCN_ERANGE;
    }
    if (cfg->tcp.rto_min_ns > cfg->tcp.rto_max_ns) {
        snprintf(err, errlen, "tcp.rto.min (%g s) exceeds tcp.rto.max (%g s)", sim_time_to_s(cfg->tcp.rto_min_ns),
                 sim_time_to_s(cfg->tcp.rto_max_ns));
        return SCN_ERANGE;
    }
    if (cfg->scenario < 0 || (size_t)cfg->scenario >= scn_n_presets) {
        snprintf(err, errlen, "scenario index %d is not a preset", cfg->scenario);
        return SCN_ERANGE;
    }
    return 0;
}

/* ---- formatting ---- */

/* The largest of the N ascending UNITS that divides V exactly: *q_out is the
 * quotient, the return value the unit (NULL when none does). */
static const unit *exact_unit(double v, const unit *units, size_t n, double *q_out)
{
    for (size_t i = n; i-- > 0;) {
        double q = v / units[i].factor;
        if (v != 0 && q >= 1 && q == floor(q)) {
            *q_out = q;
            return &units[i];
        }
    }
    return NULL;
}

static void format_time(double ns, char *buf, size_t n)
{
    if (ns == 0) {
        snprintf(buf, n, "0 s");
    } else if (ns >= 3600e9 && fmod(ns, 60e9) == 0) {
        snprintf(buf, n, "%.0f min", ns / 60e9);
    } else if (ns >= 1e9) {
        snprintf(buf, n, "%.10g s", ns / 1e9);
    } else if (fmod(ns, 1e6) == 0) {
        snprintf(buf, n, "%.0f ms", ns / 1e6);
    } else if (fmod(ns, 1e3) == 0) {
        snprintf(buf, n, "%.0f us", ns / 1e3);
    } else if (ns >= 1e6) {
        snprintf(buf, n, "%.10g ms", ns / 1e6);
    } else {
        snprintf(buf, n, "%.0f ns", ns);
    }
}

/* Bitmask parameters (names ending in "flags", such as IKEFlags) show in hex. */
static int shown_hex(const scn_param *p)
{
    size_t len = strlen(p->name);
    return len >= 5 && strcmp(p->name + len - 5, "flags") == 0;
}

static void format_value(const scn_param *p, double v, char *buf, size_t n)
{
    static const unit bin[] = {{"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
                               {"TiB", 1099511627776.0}};
    static const unit dec[] = {{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}};
    static const unit rates[] = {{"Kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}, {"Tbps", 1e12}};
    switch (p->type) {
    case PRM_SIZE: {
        /* Binary or decimal, whichever gives the smaller number: 2 GiB, 2 GB, 60 KiB. */
        double qb = 0, qd = 0;
        const unit *ub = exact_unit(v, bin, 4, &qb), *ud = exact_unit(v, dec, 4, &qd);
        if (ud && (!ub || qd < qb)) ub = ud, qb = qd;
        if (ub) snprintf(buf, n, "%.0f %s", qb, ub->name);
        else snprintf(buf, n, "%.0f B", v);
        break;
    }
    case PRM_RATE: {
        double q = 0;
        const unit *u = exact_unit(v, rates, 4, &q);
        if (u) snprintf(buf, n, "%.0f %s", q, u->name);
        else snprintf(buf, n, "%.0f bps", v);
        break;
    }
    case PRM_TIME: format_time(v, buf, n); break;
    case PRM_PROB:
    case PRM_REAL: snprintf(buf, n, "%.10g", v); break;
    case PRM_INT:
        if (shown_hex(p) && v >= 0) snprintf(buf, n, "0x%llx", (unsigned long long)v);
        else if (p->unit[0]) snprintf(buf, n, "%.0f %s", v, p->unit);
        else snprintf(buf, n, "%.0f", v);
        break;
    case PRM_BOOL: snprintf(buf, n, "%s", v != 0 ? "on" : "off"); break;
    case PRM_ENUM: {
        int i = (int)v, k = 0;
        while (p->choices[k] && k < i) k++;
        snprintf(buf, n, "%s", p->choices[k] ? p->choices[k] : "?");
        break;
    }
    }
}

void scn_param_format(const scn_param *p, const scn_config *cfg, char *buf, size_t n)
{
    format_value(p, scn_param_load(p, cfg), buf, n);
}

void scn_param_column(const scn_param *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s", p->name);
    for (char *c = buf; *c; c++)
        if (*c == '.' || *c == '-') *c = '_';
}

const char *scn_param_sql_type(const scn_param *p)
{
    switch (p->type) {
    case PRM_SIZE:
    case PRM_RATE:
    case PRM_INT:
    case PRM_BOOL: return "INTEGER";
    case PRM_TIME:
    case PRM_PROB:
    case PRM_REAL: return "REAL";
    case PRM_ENUM: return "TEXT";
    }
    return "TEXT";
}

const char *scn_param_text(const scn_param *p, const scn_config *cfg)
{
    if (p->type != PRM_ENUM) return NULL;
    int i = (int)scn_param_load(p, cfg);
    for (int k = 0; p->choices[k]; k++)
        if (k == i) return p->choices[k];
    return NULL;
}

int scn_param_has_effect(const scn_param *p, const scn_config *cfg, char *why, size_t whylen)
{
    const char *n = p->name;
    int ipsec_key = !strncmp(n, "ipsec.", 6) || !strncmp(n, "ike.", 4) ||
                    ((!strncmp(n, "client.ipsec.", 13) || !strncmp(n, "server.ipsec.", 13)) &&
                     strcmp(n + 13, "policy") != 0);
    if (ipsec_key && cfg->host[SCN_CLIENT].ipsec_policy == POLICY_NONE &&
        cfg->host[SCN_SERVER].ipsec_policy == POLICY_NONE) {
        snprintf(why, whylen, "both hosts' IPsec policy is none (set client.ipsec.policy or server.ipsec.policy, "
                              "or pick an IPsec scenario)");
        return 0;
    }
    if (!strncmp(n, "link.ge.", 8) && cfg->link.loss_model != LOSS_GILBERT) {
        snprintf(why, whylen, "link.loss_model is bernoulli (set link.loss_model=gilbert)");
        return 0;
    }
    if (!strcmp(n, "link.outage.start") && cfg->link.outage_duration_ns == 0) {
        snprintf(why, whylen, "link.outage.duration is 0 (no outage)");
        return 0;
    }
    return 1;
}
