/*
 * The IPsec half of the parameter registry: every IPsec and IKE setting, with
 * its default, unit, description and the DOMAIN.md source and confidence.
 */
#include <stddef.h>
#include <stdio.h>
#include "models/core/params_int.h"

static const char *const policy_choices[] = {"none", "negotiate", "require", NULL};
static const char *const rekey_choices[] = {"opener", "both", NULL};
static const char *const hold_choices[] = {"drop-soft", "keep-soft", NULL};
static const char *const fallback_choices[] = {"initiator", "both", "legacy-peer", NULL};
static const char *const softlife_choices[] = {"quick-mode", "idle", NULL};
static const char *const discovery_choices[] = {"opened", "all", NULL};

#define H(role, field) offsetof(prm_config, host[role].field)
#define G(field) offsetof(prm_config, ipsec.field)

/* The table is aligned by hand, one entry per block: clang-format would
 * break each entry into one line per field. */
/* clang-format off */
#define HOST_IPSEC(role, pfx)                                                                          \
    {pfx ".ipsec.policy", PRM_ENUM, H(role, ipsec_policy), "none", "", policy_choices, 0, 2,          \
     "IPsec policy: none (not IPsec-aware), negotiate (request security), require",                    \
     "MS-GPIPSEC [S]"},                                                                                \
    {pfx ".ipsec.fallback", PRM_BOOL, H(role, ipsec_fallback), "off", "", NULL, 0, 1,                 \
     "negotiate action allows unsecured communication with non-IPsec-aware computers",                 \
     "MS-GPIPSEC [S]"},                                                                                \
    {pfx ".ipsec.inbound_clear", PRM_BOOL, H(role, ipsec_inbound_clear), "off", "", NULL, 0, 1,       \
     "accept unsecured communication, but always respond using IPsec (inbound pass-through)",          \
     "MS-GPIPSEC [S]"},                                                                                \
    {pfx ".ipsec.update", PRM_BOOL, H(role, ipsec_update), "on", "", NULL, 0, 1,                      \
     "Simple Policy Update installed (XP SP3 / 2003 SP2): 500 ms fallback, fallback on credential "    \
     "mismatch when IKEFlags has 0x14",                                                                \
     "KB 914841 [S]"},                                                                                 \
    {pfx ".ipsec.ikeflags", PRM_INT, H(role, ipsec_ikeflags), "0", "", NULL, 0, 4294967295.0,         \
     "HKLM\\...\\PolicyAgent\\Oakley\\IKEFlags; the update's behaviour is on iff (flags & 0x14) == 0x14", \
     "KB 977526 [S], bit meaning [I]"}

const prm_entry prm__ipsec_params[] = {
    HOST_IPSEC(PRM_CLIENT, "client"),
    HOST_IPSEC(PRM_SERVER, "server"),
    {"ipsec.mm_lifetime", PRM_TIME, G(mm_lifetime_ns), "480min", "s", NULL, PRM_NS(60), PRM_NS(172800),
     "main-mode SA lifetime; Windows takes at least 60 s, the 48 h ceiling is the phase-2 one",
     "MS-GPIPSEC [S]; range: TMG IFPCVpnNetworkIPSecSettings, at least 60 s [S], at most 48 h [I]"},
    {"ipsec.qm_lifetime", PRM_TIME, G(qm_lifetime_ns), "60min", "s", NULL, PRM_NS(300), PRM_NS(172800),
     "quick-mode SA lifetime in time",
     "KB 2790970 [S]; range: TMG IFPCVpnNetworkIPSecSettings, MS-GPFAS 2.2.5.21 [S]"},
    /* The kilobyte range has a hole: 0 (no kilobyte lifetime) or 20,480 to
     * 2,000,000,000. The table holds the outer bounds; prm__ipsec_check
     * refuses the values in between. */
    {"ipsec.qm_lifetime_kb", PRM_INT, G(qm_lifetime_kb), "100000", "KiB", NULL, 0, 2e9,
     "quick-mode SA lifetime in Windows kilobytes (1 KB = 1,024 bytes of IP payload, counted per SA "
     "and direction at each end); 0 = no kilobyte lifetime, else 20,480 to 2,000,000,000",
     "KB 2790970 [S], unit and counting [?]; range: TMG IFPCVpnNetworkIPSecSettings [S]; "
     "0: HP-UX interoperability guide [S]"},
    {"ipsec.idle_timeout", PRM_TIME, G(idle_timeout_ns), "300s", "s", NULL, PRM_NS(1), PRM_NS(86400),
     "SA idle time after which an unused SA is deleted (SAIdleTime 300-3600 s)", "SAIdleTime [S]"},
    {"ipsec.rekey_fraction", PRM_REAL, G(rekey_fraction), "0.9", "", NULL, 0.05, 1.0,
     "rekey point as a fraction of the lifetime (other stacks: 70-90 %)", "undocumented for Windows [?]"},
    {"ipsec.rekey_jitter", PRM_REAL, G(rekey_jitter), "0.05", "", NULL, 0.0, 0.5,
     "rekey point jitter: lifetime x fraction x U(1-j, 1+j), from the host's own stream",
     "undocumented [?]"},
    {"ipsec.fallback_timeout", PRM_TIME, G(fallback_update_ns), "500ms", "s", NULL, PRM_NS(0.001), PRM_NS(600),
     "fallback-to-clear timer with the Simple Policy Update and IKEFlags 0x14", "KB 914841 [S]"},
    {"ipsec.fallback_timeout_legacy", PRM_TIME, G(fallback_legacy_ns), "3s", "s", NULL, PRM_NS(0.001), PRM_NS(600),
     "fallback-to-clear timer without the update (only when the peer gives no IKE reply)",
     "KB 914841 [S]"},
    {"ipsec.old_sa_overlap", PRM_TIME, G(old_sa_overlap_ns), "60s", "s", NULL, 0, PRM_NS(86400),
     "after a successful rekey the old SAs are deleted this much later", "MS-AIPS [S]"},
    {"ipsec.esp_overhead", PRM_INT, G(esp_overhead_bytes), "60", "B", NULL, 0, 400,
     "bytes ESP adds to each packet of a hard SA (header, IV, padding, ICV)", "RFC 4303 [I]"},
    {"ipsec.hold_queue", PRM_INT, G(hold_queue_packets), "1000", "packets", NULL, 1, 1e7,
     "packets an XP/2003 host holds per peer while a negotiation runs; overflow is dropped", "[?]"},
    {"ike.retrans", PRM_TIME, G(ike_retrans_ns), "1s", "s", NULL, PRM_NS(0.001), PRM_NS(600),
     "IKE initiator's first retransmission timeout, doubling; responders never retransmit",
     "MS-IKEE [I]; AuthIP 2 s MS-AIPS [S]"},
    {"ike.authip_retrans", PRM_TIME, G(ike_authip_retrans_ns), "2s", "s", NULL, PRM_NS(0.001), PRM_NS(600),
     "AuthIP initiator's first retransmission timeout, doubling; used once the peer answered the "
     "exchange as AuthIP (both hosts speak it), IKEv1's ike.retrans until then",
     "MS-AIPS [S]"},
    {"ike.retrans_max", PRM_INT, G(ike_retrans_max), "4", "", NULL, 0, 100,
     "IKE initiator retransmissions before the negotiation fails", "MS-IKEE [I], MS-AIPS [S]"},
    {"ike.responder_timeout", PRM_TIME, G(ike_responder_timeout_ns), "60s", "s", NULL, PRM_NS(0.001), PRM_NS(86400),
     "a responder whose negotiation failed gives up after this (and a peer waiting on it starts "
     "none of its own until then, R3)",
     "MS-AIPS [S] for AuthIP, [?] for XP"},
    {"ipsec.rule.rekey", PRM_ENUM, G(rekey_rule), "opener", "", rekey_choices, 0, 1,
     "R1 who rekeys: opener (the host that opened the flow renegotiates at its rekey point) or both "
     "(each side at its own jittered point)",
     "DOMAIN.md 3 [I], confidence ~0.4"},
    {"ipsec.rule.hold", PRM_ENUM, G(hold_rule), "drop-soft", "", hold_choices, 0, 1,
     "R2 XP/2003 on a new negotiation: drop-soft (drop the soft SA and hold uncovered traffic) or "
     "keep-soft (keep sending in clear until a new SA exists)",
     "KB 313236 [S], rule [I]"},
    {"ipsec.rule.fallback", PRM_ENUM, G(fallback_rule), "legacy-peer", "", fallback_choices, 0, 2,
     "R3 who falls back: legacy-peer (initiators; and an XP/2003 responder with the update and 0x14 "
     "whose soft SA an XP/2003 initiator's negotiation cost, 500 ms after its first message), "
     "initiator (responders wait for the responder time-out) or both (every responder)",
     "KB 914841 [S]; responder side [I], confidence ~0.35; initiator's OS from the MS NT5 "
     "ISAKMPOAKLEY vendor ID version (ike-scan, nmap IKE fingerprints) [S]"},
    {"ipsec.rule.soft_lifetime", PRM_ENUM, G(softlife_rule), "quick-mode", "", softlife_choices, 0, 1,
     "R4 which lifetime a soft SA obeys: quick-mode (seconds and KB) or idle (idle timer only)",
     "undocumented [?]"},
    {"ipsec.rule.discovery", PRM_ENUM, G(discovery_rule), "opened", "", discovery_choices, 0, 1,
     "R5 Vista/2008 negotiation discovery starts IKE for: opened (flows it opens) or all flows",
     "MS-IKEE 3.7 [S], per-flow acquire [I]"},
};
/* clang-format on */
const size_t prm__ipsec_n_params = sizeof prm__ipsec_params / sizeof prm__ipsec_params[0];

/* The smallest kilobyte lifetime Windows takes other than 0 (TMG's
 * IFPCVpnNetworkIPSecSettings, DOMAIN.md section 7). */
#define QM_KB_MIN 20480

int prm__ipsec_check(const prm_config *cfg, char *err, size_t errlen)
{
    uint64_t kb = cfg->ipsec.qm_lifetime_kb;
    if (kb != 0 && kb < QM_KB_MIN) {
        const prm_entry *p = prm_find("ipsec.qm_lifetime_kb");
        snprintf(err, errlen,
                 "%s: '%llu' is out of range: must be 0 (no kilobyte lifetime) or from %d KiB to %.0f KiB (%s)",
                 p->name, (unsigned long long)kb, QM_KB_MIN, p->max, p->source);
        return PRM_ERANGE;
    }
    return 0;
}
