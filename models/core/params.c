/*
 * The parameter registry's operations over the one table (params_net.c,
 * params_ipsec.c, params_flow.c and params_fleet.c, indexed as one by prm_at): lookup with
 * "did you mean", parsing with range checks and helpful messages, storing
 * into and loading from a prm_config, defaults and presets, cross-parameter
 * checks, formatting for `params`, and the SQL form of `points` columns with
 * the one database <-> base-unit conversion.
 *
 * Values travel as doubles in base units (bytes, bit/s, ns, probability,
 * integer, 0/1, enum index), exact for integers up to 2^53, which covers
 * every range of the table.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "models/core/pkt.h"
#include "models/core/presets.h"
#include "models/core/params_int.h"
#include "models/core/units.h"

#define N_NET prm__net_n_params

#define N_IPSEC prm__ipsec_n_params

#define N_FLOW prm__flow_n_params

size_t prm_count(void) { return N_NET + N_IPSEC + N_FLOW + prm__fleet_n_params; }

const prm_entry *prm_at(size_t i)
{
    prm__net_params_init();
    if (i < N_NET) return &prm__net_params[i];
    if (i < N_NET + N_IPSEC) return &prm__ipsec_params[i - N_NET];
    if (i < N_NET + N_IPSEC + N_FLOW) return &prm__flow_params[i - N_NET - N_IPSEC];
    if (i < prm_count()) return &prm__fleet_params[i - N_NET - N_IPSEC - N_FLOW];
    return NULL;
}

const prm_entry *prm_find(const char *name)
{
    for (size_t i = 0; i < prm_count(); i++)
        if (strcmp(prm_at(i)->name, name) == 0) return prm_at(i);
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

const char *prm_nearest(const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < prm_count(); i++) {
        size_t d = edit_distance(name, prm_at(i)->name);
        if (d < best_d) {
            best_d = d;
            best = prm_at(i)->name;
        }
    }
    return best;
}

/* ---- parsing ---- */

static const char *expected(const prm_entry *p)
{
    switch (p->type) {
    case PRM_SIZE:
        return "a size: a number with B, KB, KiB, MB, MiB, GB, GiB, TB or TiB (KB = 1000 B, KiB = 1024 B; bare = "
               "bytes)";
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

static int parse_int(const prm_entry *p, const char *s, double *out)
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

static int parse_choice(const prm_entry *p, const char *s, double *out)
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

/* The unit kind of a scalar parameter type. */
static unit_kind kind_of(const prm_entry *p)
{
    switch (p->type) {
    case PRM_SIZE: return UNIT_SIZE;
    case PRM_RATE: return UNIT_RATE;
    case PRM_TIME: return UNIT_TIME;
    case PRM_PROB: return UNIT_PROB;
    default: return UNIT_PLAIN;
    }
}

/* Formats a base-unit value of P's type with units into BUF. */
static void format_value(const prm_entry *p, double v, char *buf, size_t n);

static void choices_list(const prm_entry *p, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; p->choices[i] && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", p->choices[i]);
}

int prm_parse(const prm_entry *p, const char *text, double *out, char *err, size_t errlen)
{
    char s[256];
    double v = 0;
    int rc = trimmed(text, s, sizeof s) == 0 && s[0] ? 0 : -1;
    if (rc == 0) {
        switch (p->type) {
        case PRM_INT: rc = parse_int(p, s, &v); break;
        case PRM_BOOL: rc = parse_bool(s, &v); break;
        case PRM_ENUM: rc = parse_choice(p, s, &v); break;
        default: rc = unit_parse(kind_of(p), s, &v);
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
        return PRM_EVALUE;
    }
    int too_high = p->type == PRM_PROB && p->max == 1 ? v >= 1 : v > p->max;
    if (v < p->min || too_high) {
        char lo[64], hi[64];
        format_value(p, p->min, lo, sizeof lo);
        format_value(p, p->max, hi, sizeof hi);
        /* The entry's source ends the message: it is where the range comes from. */
        if (p->type == PRM_PROB && p->max == 1)
            snprintf(err, errlen, "%s: '%s' is out of range: must be at least %s and below 1 (%s)", p->name, text, lo,
                     p->source);
        else
            snprintf(err, errlen, "%s: '%s' is out of range: must be from %s to %s (%s)", p->name, text, lo, hi,
                     p->source);
        return PRM_ERANGE;
    }
    *out = v;
    return 0;
}

/* ---- storage ---- */

void prm_store(const prm_entry *p, prm_config *cfg, double value)
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

double prm_load(const prm_entry *p, const prm_config *cfg)
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

void prm_defaults(prm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        double v;
        char err[256];
        int rc = prm_parse(p, p->def, &v, err, sizeof err);
        (void)rc;
        if (rc != 0) v = p->min; /* a broken default is caught by the registry tests */
        prm_store(p, cfg, v);
    }
}

int prm_apply_preset(prm_config *cfg, const char *name, char *err, size_t errlen)
{
    int index;
    const preset_entry *ps = preset_find(name, &index);
    if (!ps) {
        char list[512];
        choices_list(prm_at(0), list, sizeof list);
        snprintf(err, errlen, "unknown scenario '%s'; expected one of: %s", name, list);
        return PRM_ESCENARIO;
    }
    for (const char *const *s = ps->settings; *s; s++) {
        int rc = prm_set_pair(cfg, *s, err, errlen);
        if (rc != 0) return rc;
    }
    cfg->scenario = index;
    return 0;
}

int prm_apply_path(prm_config *cfg, const char *name, char *err, size_t errlen)
{
    int index;
    const path_preset *ps = path_find(name, &index);
    if (!ps) {
        char list[512];
        choices_list(prm_find("path"), list, sizeof list);
        snprintf(err, errlen, "unknown path '%s'; expected one of: %s", name, list);
        return PRM_ESCENARIO;
    }
    for (const char *const *s = ps->settings; *s; s++) {
        int rc = prm_set_pair(cfg, *s, err, errlen);
        if (rc != 0) return rc;
    }
    cfg->path = index;
    return 0;
}

int prm_set(prm_config *cfg, const char *key, const char *text, char *err, size_t errlen)
{
    const prm_entry *p = prm_find(key);
    if (!p) {
        snprintf(err, errlen, "unknown key '%s' (did you mean %s?); `rekeysim params` lists every key", key,
                 prm_nearest(key));
        return PRM_EUNKNOWN;
    }
    if (p == &prm__net_params[0]) {
        char name[128];
        if (trimmed(text, name, sizeof name) != 0) name[0] = 0;
        return prm_apply_preset(cfg, name, err, errlen);
    }
    if (!strcmp(p->name, "path")) {
        char name[128];
        if (trimmed(text, name, sizeof name) != 0) name[0] = 0;
        return prm_apply_path(cfg, name, err, errlen);
    }
    if (!strcmp(p->name, "fleet.start")) return prm__fleet_set_start(cfg, text, err, errlen); /* uniform:T, poisson:R */
    double v;
    int rc = prm_parse(p, text, &v, err, errlen);
    if (rc != 0) return rc;
    prm_store(p, cfg, v);
    return 0;
}

int prm_set_pair(prm_config *cfg, const char *pair, char *err, size_t errlen)
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
        return PRM_EVALUE;
    }
    return prm_set(cfg, key, eq + 1, err, errlen);
}

int prm_check(const prm_config *cfg, char *err, size_t errlen)
{
    if (cfg->tcp.mss_bytes + PKT_IP_HEADER_BYTES + PKT_TCP_HEADER_BYTES > cfg->link.mtu_bytes) {
        snprintf(err, errlen, "tcp.mss (%lld B) plus 40 B of IP and TCP headers exceeds link.mtu (%lld B)",
                 (long long)cfg->tcp.mss_bytes, (long long)cfg->link.mtu_bytes);
        return PRM_ERANGE;
    }
    if (cfg->tcp.rto_min_ns > cfg->tcp.rto_max_ns) {
        snprintf(err, errlen, "tcp.rto.min (%g s) exceeds tcp.rto.max (%g s)", sim_time_to_s(cfg->tcp.rto_min_ns),
                 sim_time_to_s(cfg->tcp.rto_max_ns));
        return PRM_ERANGE;
    }
    /* issue 12: smb.read_size 0 means the copy engine's size */
    if (cfg->smb.read_size_bytes > 0 && cfg->smb.read_size_bytes < 512) {
        snprintf(err, errlen, "smb.read_size (%llu B) must be 0 (the copy engine's) or at least 512 B",
                 (unsigned long long)cfg->smb.read_size_bytes);
        return PRM_ERANGE;
    }
    if (cfg->scenario < 0 || (size_t)cfg->scenario >= preset_count) {
        snprintf(err, errlen, "scenario index %d is not a preset", cfg->scenario);
        return PRM_ERANGE;
    }
    if (cfg->path < 0 || (size_t)cfg->path >= path_count) {
        snprintf(err, errlen, "path index %d is not a path preset", cfg->path);
        return PRM_ERANGE;
    }
    /* A byte limit below one full packet would refuse every full-size packet. */
    if (cfg->link.queue_bytes && cfg->link.queue_bytes < (uint64_t)cfg->link.mtu_bytes) {
        snprintf(err, errlen, "link.queue_bytes (%llu B) is below link.mtu (%lld B): no full-size packet would fit",
                 (unsigned long long)cfg->link.queue_bytes, (long long)cfg->link.mtu_bytes);
        return PRM_ERANGE;
    }
    int rc = prm__ipsec_check(cfg, err, errlen);
    if (!rc) rc = prm__flow_check(cfg, err, errlen);
    return rc ? rc : prm__fleet_check(cfg, err, errlen);
}

/* ---- formatting ---- */

/* Bitmask parameters (names ending in "flags", such as IKEFlags) show in hex. */
static int shown_hex(const prm_entry *p)
{
    size_t len = strlen(p->name);
    return len >= 5 && strcmp(p->name + len - 5, "flags") == 0;
}

static void format_value(const prm_entry *p, double v, char *buf, size_t n)
{
    switch (p->type) {
    case PRM_SIZE:
    case PRM_RATE:
    case PRM_TIME: unit_format(kind_of(p), v, buf, n); break;
    case PRM_PROB:
    case PRM_REAL: snprintf(buf, n, "%.10g", v); break;
    case PRM_INT:
        if (shown_hex(p) && v >= 0)
            snprintf(buf, n, "0x%llx", (unsigned long long)v);
        else if (p->unit[0])
            snprintf(buf, n, "%.0f %s", v, p->unit);
        else
            snprintf(buf, n, "%.0f", v);
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

void prm_format(const prm_entry *p, const prm_config *cfg, char *buf, size_t n)
{
    format_value(p, prm_load(p, cfg), buf, n);
}

void prm_column(const prm_entry *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s", p->name);
    for (char *c = buf; *c; c++)
        if (*c == '.' || *c == '-') *c = '_';
}

const char *prm_sql_type(const prm_entry *p)
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

double prm_to_db(const prm_entry *p, double base)
{
    return p->type == PRM_TIME ? sim_time_to_s((sim_time_ns)base) : base;
}

double prm_from_db(const prm_entry *p, double db) { return p->type == PRM_TIME ? (double)sim_time_from_s(db) : db; }

const char *prm_text(const prm_entry *p, const prm_config *cfg)
{
    if (p->type != PRM_ENUM) return NULL;
    int i = (int)prm_load(p, cfg);
    for (int k = 0; p->choices[k]; k++)
        if (k == i) return p->choices[k];
    return NULL;
}

int prm_has_effect(const prm_entry *p, const prm_config *cfg, char *why, size_t whylen)
{
    const char *n = p->name;
    int ipsec_key =
        !strncmp(n, "ipsec.", 6) || !strncmp(n, "ike.", 4) ||
        ((!strncmp(n, "client.ipsec.", 13) || !strncmp(n, "server.ipsec.", 13)) && strcmp(n + 13, "policy") != 0);
    if (ipsec_key && cfg->host[PRM_CLIENT].ipsec_policy == PRM_POLICY_NONE &&
        cfg->host[PRM_SERVER].ipsec_policy == PRM_POLICY_NONE) {
        snprintf(why, whylen,
                 "both hosts' IPsec policy is none (set client.ipsec.policy or server.ipsec.policy, "
                 "or pick an IPsec scenario)");
        return 0;
    }
    if (!strncmp(n, "link.ge.", 8) && cfg->link.loss_model != PRM_LOSS_GILBERT) {
        snprintf(why, whylen, "link.loss_model is bernoulli (set link.loss_model=gilbert)");
        return 0;
    }
    if ((!strcmp(n, "link.queue") || !strcmp(n, "link.queue_bytes")) && cfg->link.access_rate_bps[PRM_CLIENT] == 0 &&
        cfg->link.access_rate_bps[PRM_SERVER] == 0) {
        snprintf(why, whylen,
                 "neither host has an access link, so there is no router: hosts never drop their own packets "
                 "(set client.access.rate and server.access.rate, or a path such as path=branch-t1)");
        return 0;
    }
    for (int h = 0; h < 2; h++)
        if (!strcmp(n, h ? "server.access.delay" : "client.access.delay") && cfg->link.access_rate_bps[h] == 0) {
            snprintf(why, whylen, "%s.access.rate is 0 (no access link)", h ? "server" : "client");
            return 0;
        }
    /* The extra flows (params_flow.c): a series' settings without its opener. */
    if (!strncmp(n, "flow.ping.", 10) && strcmp(n, "flow.ping.from") != 0 && cfg->flow.ping_from == PRM_FROM_NONE) {
        snprintf(why, whylen, "flow.ping.from is none (no pings)");
        return 0;
    }
    if (!strncmp(n, "flow.tcp.", 9) && strcmp(n, "flow.tcp.from") != 0 && cfg->flow.tcp_from == PRM_FROM_NONE) {
        snprintf(why, whylen, "flow.tcp.from is none (no extra TCP connections)");
        return 0;
    }
    if (!strcmp(n, "link.outage.start") && cfg->link.outage_duration_ns == 0) {
        snprintf(why, whylen, "link.outage.duration is 0 (no outage)");
        return 0;
    }
    /* issue 15: robocopy's retry settings without robocopy */
    if ((!strcmp(n, "copy.retries") || !strcmp(n, "copy.retry_wait")) && cfg->copy.tool != PRM_TOOL_ROBOCOPY_Z) {
        snprintf(why, whylen, "copy.tool is explorer (no retries; set copy.tool=robocopy-z)");
        return 0;
    }
    /* issue 16: the fleet's settings without a fleet, a start setting of the other schedule, a linger
     * without a session limit */
    if (!strncmp(n, "fleet.", 6) && strcmp(n, "fleet.clients") != 0 && cfg->fleet.clients <= 1) {
        snprintf(why, whylen, "fleet.clients is 1 (one client: set fleet.clients above 1)");
        return 0;
    }
    if (!strcmp(n, "fleet.mix_share") && cfg->fleet.mix_os == 0) {
        snprintf(why, whylen, "fleet.mix_os is none (no mixed-in OS)");
        return 0;
    }
    if (!strcmp(n, "fleet.start_window") && cfg->fleet.start != PRM_START_UNIFORM) {
        snprintf(why, whylen, "fleet.start is not uniform (set fleet.start=uniform:T)");
        return 0;
    }
    if (!strcmp(n, "fleet.start_rate") && cfg->fleet.start != PRM_START_POISSON) {
        snprintf(why, whylen, "fleet.start is not poisson (set fleet.start=poisson:RATE)");
        return 0;
    }
    if (!strcmp(n, "fleet.mix_os") && cfg->fleet.mix_share == 0) {
        snprintf(why, whylen, "fleet.mix_share is 0 (no client runs fleet.mix_os)");
        return 0;
    }
    /* One client always gets its session (a limit is at least 1; a reconnect replaces its own session). The
     * server OS's own limit (host_smb_max_connections, 2003 and 2008 none) is not seen here: models/core
     * cannot read the host profiles. */
    if ((!strcmp(n, "server.smb.max_connections") || !strcmp(n, "server.smb.session_linger")) &&
        cfg->fleet.clients <= 1) {
        snprintf(why, whylen, "fleet.clients is 1 (one client always gets its session)");
        return 0;
    }
    if (!strcmp(n, "server.smb.session_linger") && cfg->smb.server_max_connections < 0) {
        snprintf(why, whylen, "server.smb.max_connections is -1 (no session limit)");
        return 0;
    }
    /* TCP loss recovery (issue 12) */
    if (!strcmp(n, "tcp.sack_recovery") && cfg->tcp.sack == PRM_TRI_OFF) {
        snprintf(why, whylen, "tcp.sack is off (NewReno without SACK)");
        return 0;
    }
    if (!strcmp(n, "tcp.ipsec_mss") && cfg->host[PRM_CLIENT].ipsec_policy == PRM_POLICY_NONE &&
        cfg->host[PRM_SERVER].ipsec_policy == PRM_POLICY_NONE) {
        snprintf(why, whylen, "both hosts' IPsec policy is none");
        return 0;
    }
    return 1;
}

const char *prm_strerror(int code)
{
    switch (code) {
    case 0: return "no error";
    case PRM_EUNKNOWN: return "no such parameter";
    case PRM_EVALUE: return "malformed value or unit";
    case PRM_ERANGE: return "value out of range";
    case PRM_ESCENARIO: return "no such scenario";
    }
    return "unknown parameter error";
}
