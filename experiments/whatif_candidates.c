/*
 * The candidate table of `rekeysim whatif` (contract in
 * experiments/whatif_candidates.h). Each row is either a change of one
 * registry key (KEY and VALUE; VALUE NULL means the largest value the
 * registry entry accepts, read from the entry, never repeated here) or a
 * composite change derived from the configuration by a function (which host
 * lacks a certificate, which host lacks IKEFlags 0x14, swapping the hosts'
 * roles). A row that would set what is already set does not apply; the
 * command shows it as such, without a run, so the table always has every
 * row and a reader sees why one is missing its numbers.
 *
 * Values are written as text and parsed back through the registry by the
 * command (prm_set_pair), the same path `rekeysim run KEY=VALUE` takes, so a
 * row's overrides can be pasted onto a run command line. value_text checks
 * that round trip for every value it writes.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "experiments/whatif_candidates.h"
#include "models/host.h"

typedef int (*derive_fn)(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen);

typedef struct row {
    exp_whatif_candidate c;
    const char *key;   /* single-key rows: the registry key */
    const char *value; /* its new value as text; NULL = the entry's maximum */
    const char *note;  /* single-key rows: what the source says about the value chosen */
    derive_fn derive;  /* composite rows */
} row;

/* ---- writing values ---- */

/* Writes the value of P in CFG as text that prm_parse reads back exactly:
 * the registry's own human form without blanks when it survives the round
 * trip ("0x14", "100Mbps", "on"), else the number in base units with the
 * base unit ("1500000123ns"). */
static void value_text(const prm_entry *p, const prm_config *cfg, char *buf, size_t n)
{
    char human[96], err[256];
    size_t k = 0;
    double want = prm_load(p, cfg), got;
    prm_format(p, cfg, human, sizeof human);
    for (const char *c = human; *c && k + 1 < n; c++)
        if (*c != ' ') buf[k++] = *c;
    buf[k] = 0;
    if (prm_parse(p, buf, &got, err, sizeof err) == 0 && got == want) return;
    switch (p->type) {
    case PRM_SIZE: snprintf(buf, n, "%.0fB", want); break;
    case PRM_RATE: snprintf(buf, n, "%.0fbps", want); break;
    case PRM_TIME: snprintf(buf, n, "%.0fns", want); break;
    case PRM_PROB:
    case PRM_REAL: snprintf(buf, n, "%.17g", want); break;
    default: snprintf(buf, n, "%.0f", want); break;
    }
    assert(prm_parse(p, buf, &got, err, sizeof err) == 0 && got == want);
}

/* Appends "KEY=VALUE" to OUT, VALUE being P's value in CFG. */
static void add(exp_whatif_overrides *out, const prm_entry *p, const prm_config *cfg)
{
    char v[96];
    assert(out->n < EXP_WHATIF_MAX_OVERRIDES);
    value_text(p, cfg, v, sizeof v);
    snprintf(out->kv[out->n++], sizeof out->kv[0], "%s=%s", p->name, v);
}

static const char *const role_name[2] = {"client", "server"};

/* Appends "ROLE.SUFFIX=<value in CFG>". */
static void add_host(exp_whatif_overrides *out, int role, const char *suffix, const prm_config *cfg)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", role_name[role], suffix);
    const prm_entry *p = prm_find(key);
    assert(p);
    add(out, p, cfg);
}

/* ---- composite rows ---- */

/* Every host that runs IPsec but has no valid certificate gets one. */
static int derive_cert(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    prm_config c = *base;
    for (int h = 0; h < 2; h++)
        if (base->host[h].ipsec_policy != PRM_POLICY_NONE && base->host[h].cert != PRM_CERT_VALID) {
            c.host[h].cert = PRM_CERT_VALID;
            add_host(out, h, "cert", &c);
        }
    if (out->n == 0)
        snprintf(why, whylen, "already so: every host that runs IPsec has a valid certificate (or none runs IPsec)");
    return out->n > 0;
}

/* The server starts instead: every client.* key takes the server's value
 * and the reverse, and copy.direction flips, so the same bytes move from
 * the same machine to the same machine, but the other one opens the
 * connection (the kb977526-b-initiates preset is this swap, read instead
 * of write). */
static int derive_swap(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    prm_config c = *base;
    int differ = 0;
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *pc = prm_at(i);
        if (strncmp(pc->name, "client.", 7) != 0) continue;
        char other[128];
        snprintf(other, sizeof other, "server.%s", pc->name + 7);
        const prm_entry *ps = prm_find(other);
        if (!ps || prm_load(pc, base) == prm_load(ps, base)) continue;
        prm_store(pc, &c, prm_load(ps, base));
        prm_store(ps, &c, prm_load(pc, base));
        differ = 1;
    }
    if (!differ) {
        snprintf(why, whylen, "does not apply: the two hosts have the same settings, so swapping them changes nothing");
        return 0;
    }
    c.direction = base->direction == PRM_COPY_READ ? PRM_COPY_WRITE : PRM_COPY_READ;
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        if (prm_load(p, base) != prm_load(p, &c)) add(out, p, &c);
    }
    return 1;
}

/* The Simple Policy Update and IKEFlags 0x14 (OR-ed into the value there,
 * as TechNet cc947842 advises) on every host that runs IPsec without them. */
static int derive_ikeflags(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    prm_config c = *base;
    for (int h = 0; h < 2; h++) {
        if (base->host[h].ipsec_policy == PRM_POLICY_NONE) continue;
        if (!base->host[h].ipsec_update) {
            c.host[h].ipsec_update = 1;
            add_host(out, h, "ipsec.update", &c);
        }
        if ((base->host[h].ipsec_ikeflags & 0x14) != 0x14) {
            c.host[h].ipsec_ikeflags = base->host[h].ipsec_ikeflags | 0x14;
            add_host(out, h, "ipsec.ikeflags", &c);
        }
    }
    if (out->n == 0)
        snprintf(why, whylen,
                 "already so: every host that runs IPsec has the update and IKEFlags 0x14 (or none runs IPsec)");
    return out->n > 0;
}

/* Restartable copies (issue 15): copy.tool=robocopy-z, and robocopy's
 * default retries (/R:1000000, the registry's default, read from the entry)
 * when the configuration has fewer. */
static int derive_robocopy(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    const prm_entry *tool = prm_find("copy.tool"), *retries = prm_find("copy.retries");
    char err[256];
    double def_retries;
    int rc = prm_parse(retries, retries->def, &def_retries, err, sizeof err);
    assert(rc == 0);
    (void)rc;
    prm_config c = *base;
    if (base->copy.tool != PRM_TOOL_ROBOCOPY_Z) {
        c.copy.tool = PRM_TOOL_ROBOCOPY_Z;
        add(out, tool, &c);
    }
    if ((double)base->copy.retries < def_retries) {
        prm_store(retries, &c, def_retries);
        add(out, retries, &c);
    }
    if (out->n == 0) snprintf(why, whylen, "already so: copy.tool is robocopy-z with at least robocopy's retries");
    return out->n > 0;
}

/* issue 16, fleets: a server OS without the inbound session limit (XP's 10,
 * KB 314882), when the limit refuses some of the fleet: XP's family member
 * 2003 for XP, 2008 for Vista, so the IPsec behaviour stays the same. */
static int derive_server_os(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    int64_t limit = host_smb_max_connections(base, PRM_SERVER);
    if (base->fleet.clients <= 1) {
        snprintf(why, whylen, "does not apply: one client always gets its session");
        return 0;
    }
    if (limit == 0 || limit >= base->fleet.clients) {
        snprintf(why, whylen, "does not apply: the server's session limit does not refuse %" PRId64 " clients",
                 base->fleet.clients);
        return 0;
    }
    int os = base->host[PRM_SERVER].os;
    if (os != PRM_OS_XP && os != PRM_OS_VISTA) {
        snprintf(why, whylen, "does not apply: server.smb.max_connections is set, not the OS's limit");
        return 0;
    }
    prm_config c = *base;
    c.host[PRM_SERVER].os = os == PRM_OS_XP ? PRM_OS_2003 : PRM_OS_2008;
    add_host(out, PRM_SERVER, "os", &c);
    return 1;
}

/* issue 16: the fleet's starts spread over 10 minutes instead of all at
 * once, so that the start burst (IKE, SYNs, first windows) does not meet a
 * full router queue. */
static int derive_stagger(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    if (base->fleet.clients <= 1) {
        snprintf(why, whylen, "does not apply: one client");
        return 0;
    }
    if (base->fleet.start != PRM_START_TOGETHER) {
        snprintf(why, whylen, "already so: the clients' starts are spread (fleet.start)");
        return 0;
    }
    prm_config c = *base;
    c.fleet.start = PRM_START_UNIFORM;
    c.fleet.start_window_ns = (sim_time_ns)600 * SIM_NS_PER_S;
    add(out, prm_find("fleet.start"), &c);
    add(out, prm_find("fleet.start_window"), &c);
    return 1;
}

static int derive_key(const row *r, const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen);
static int derive_timers(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen);

/* ---- the table ---- */

/* clang-format off */
static const row table[] = {
    {{"cert", "give the host without a valid certificate one (A in KB 977526)",
      "a computer certificate for IPsec (certificate autoenrollment from the domain CA)",
      "KB 977526: A has no valid certificate [S]",
      "PKI work: enrol, and renew before expiry; no cost at run time"},
     NULL, NULL, NULL, derive_cert},
    {{"swap", "let the other host start: roles swapped (client.* <-> server.*), copy.direction flipped, same data flow",
      "run the copy job on the other computer (B pushes to a share on A instead of A pulling from B)",
      "KB 977526 fact 2: when B starts the communication, fallback to clear works [S]",
      "operational: the job moves to the other machine, which needs write access to a share on A"},
     NULL, NULL, NULL, derive_swap},
    {{"ikeflags", "IKEFlags 0x14 and the Simple Policy Update on every IPsec host lacking them",
      "HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent\\Oakley\\IKEFlags |= 0x14; KB 914841 "
      "(in XP SP3 / 2003 SP2)",
      "KB 977526, KB 914841, TechNet cc947842 [S]; what the bits do [I]",
      "a registry value and a Policy Agent restart per host; the update is part of a service pack"},
     NULL, NULL, NULL, derive_ikeflags},
    {{"qm-kb-max", "the largest quick-mode kilobyte lifetime Windows accepts",
      "filter action, key exchange settings: generate a new key every N kilobytes", NULL,
      "each key protects more data before it is replaced (weaker key hygiene)"},
     "ipsec.qm_lifetime_kb", NULL, "the value: the entry's maximum", NULL},
    {{"qm-time-max", "the longest quick-mode time lifetime Windows accepts",
      "filter action, key exchange settings: generate a new key every N minutes", NULL,
      "each key lives longer before it is replaced (weaker key hygiene)"},
     "ipsec.qm_lifetime", NULL, "the value: the entry's maximum", NULL},
    {{"tcp-retries", "more TCP data retransmissions before a connection is given up (10, twice the default)",
      "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\TcpMaxDataRetransmissions = 10", NULL,
      "every connection of the host takes longer to notice a dead peer"},
     "tcp.data_retries", "10", "the value 10: a plausible larger choice [I]", NULL},
    {{"sess-timeout", "a longer SMB session timeout (300 s, five times the default)",
      "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters\\SessTimeout = 300", NULL,
      "a client waits longer on an unresponsive server before it reports error 64"},
     "smb.session_timeout", "300s", "the value 300 s: a plausible larger choice [I]", NULL},
    {{"both-timers", "both tolerant timers together: the tcp-retries and sess-timeout rows at once",
      "TcpMaxDataRetransmissions = 10 and SessTimeout = 300 (the two rows above)",
      "KB 170359, MS-SMB 3.2.3, KB 102067 [S]; the values [I]",
      "both costs above: dead peers and dead servers are noticed later"},
     NULL, NULL, NULL, derive_timers},
    {{"fallback-both", "the presumed fix: responders fall back to clear too (R3's alternative)",
      "none an administrator can set: a hotfix (the KB's resolution text could not be retrieved)", NULL,
      "needs a fix from Microsoft; the model's rule for it is an inference"},
     "ipsec.rule.fallback", "both", "the presumed fix is R3 both [I]", NULL},
    {{"exempt", "an IPsec exemption for the file server: no IPsec policy on its side",
      "no IPsec policy assigned to the file server (or a permit filter for its address)",
      "MS-GPIPSEC: policy none, filter action permit [S]",
      "RISK: all traffic with the file server in clear, no IPsec authentication, integrity or encryption"},
     "server.ipsec.policy", "none", NULL, NULL},
    {{"robocopy-z", "a restartable copy: robocopy /Z with its default retries instead of Explorer's copy",
      "robocopy SRC DST FILE /Z (/R:1000000 /W:30 are its defaults) instead of a copy in Explorer",
      "robocopy /Z /R:n /W:n (DOMAIN.md section 7) [S]; resume at the last complete READ/WRITE [I]",
      "needs robocopy instead of Explorer (a script or a scheduled job); the copy still stalls and "
      "reconnects at every rekey: the added duration is the waits and reconnects"},
     NULL, NULL, NULL, derive_robocopy},
    /* issue 16: fleets (appended: older rows keep their positions) */
    {{"server-os", "a Windows Server as the file server: no limit of 10 inbound sessions",
      "move the share to Windows Server 2003 (from XP) or 2008 (from Vista)",
      "KB 314882: XP Professional accepts 10 concurrent inbound connections, Server 2003 has no such limit [S]",
      "a server licence and a move of the share; the IPsec policy stays that of the same family"},
     NULL, NULL, NULL, derive_server_os},
    {{"stagger", "the fleet's starts spread over 10 minutes instead of all at once",
      "a deployment schedule (SCCM/WSUS: a randomised start or a maintenance window)", "scenario choice",
      "the last client starts up to 10 minutes later"},
     NULL, NULL, NULL, derive_stagger},
};
/* clang-format on */

size_t exp_whatif_count(void) { return sizeof table / sizeof table[0]; }

const exp_whatif_candidate *exp_whatif_at(size_t i) { return i < exp_whatif_count() ? &table[i].c : NULL; }

const char *exp_whatif_source(size_t i, char *buf, size_t n)
{
    const row *r = &table[i];
    const prm_entry *p = r->key ? prm_find(r->key) : NULL;
    if (r->c.source || !p)
        snprintf(buf, n, "%s", r->c.source ? r->c.source : "");
    else
        snprintf(buf, n, "%s: %s%s%s", p->name, p->source, r->note ? "; " : "", r->note ? r->note : "");
    return buf;
}

/* A single-key row: KEY to VALUE (or the entry's maximum), unless the key
 * cannot change this configuration or already has that value (or more, for
 * counts and times, where more is what the row asks for). */
static int derive_key(const row *r, const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    const prm_entry *p = prm_find(r->key);
    char err[256], have[96], reason[256];
    double v;
    assert(p);
    if (!prm_has_effect(p, base, reason, sizeof reason)) {
        snprintf(why, whylen, "does not apply: %s", reason);
        return 0;
    }
    if (r->value) {
        int rc = prm_parse(p, r->value, &v, err, sizeof err);
        assert(rc == 0);
        (void)rc;
    } else {
        v = p->max;
    }
    double cur = prm_load(p, base);
    prm_format(p, base, have, sizeof have);
    int larger_is_more = p->type == PRM_INT || p->type == PRM_TIME;
    if (!strcmp(p->name, "ipsec.qm_lifetime_kb") && cur == 0) {
        snprintf(why, whylen, "already so: %s is 0, no kilobyte lifetime at all", p->name);
        return 0;
    }
    if (cur == v || (larger_is_more && cur > v)) {
        snprintf(why, whylen, "already so: %s is %s", p->name, have);
        return 0;
    }
    prm_config c = *base;
    prm_store(p, &c, v);
    add(out, p, &c);
    return 1;
}

/* The tcp-retries and sess-timeout rows together (table positions found by
 * name, so the two values are written once). Applies when either does. */
static int derive_timers(const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    prm_config c = *base;
    for (size_t i = 0; i < exp_whatif_count(); i++) {
        if (strcmp(table[i].c.name, "tcp-retries") != 0 && strcmp(table[i].c.name, "sess-timeout") != 0) continue;
        exp_whatif_overrides one = {0};
        char skip[256];
        if (!derive_key(&table[i], &c, &one, skip, sizeof skip)) continue;
        assert(out->n < EXP_WHATIF_MAX_OVERRIDES);
        memcpy(out->kv[out->n++], one.kv[0], sizeof one.kv[0]);
    }
    if (out->n < 2)
        snprintf(why, whylen, "does not apply: it is the same as a single row (or both timers are already as long)");
    return out->n == 2;
}

int exp_whatif_derive(size_t i, const prm_config *base, exp_whatif_overrides *out, char *why, size_t whylen)
{
    assert(i < exp_whatif_count());
    out->n = 0;
    why[0] = 0;
    const row *r = &table[i];
    return r->derive ? r->derive(base, out, why, whylen) : derive_key(r, base, out, why, whylen);
}

void exp_whatif_join(const exp_whatif_overrides *o, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < o->n && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " " : "", o->kv[i]);
}
