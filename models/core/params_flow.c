/*
 * The extra flows' part of the parameter registry (models/flow.h): besides
 * the copy, a scenario may run one series of pings (ICMP echo) and one series
 * of TCP connections between the two hosts, each with an opener, a schedule
 * and (TCP) a size. They are scenario choices, not facts about Windows; what
 * they exercise is the per-flow acquire of negotiation discovery (R5,
 * MS-IKEE 3.7) and the secure-flow rule (DOMAIN.md section 2).
 */
#include <stddef.h>
#include <stdio.h>
#include "models/core/params_int.h"

static const char *const from_choices[] = {"none", "client", "server", NULL};
static const char *const ping_flow_choices[] = {"each", "one", NULL};
static const char *const ping_ipsec_choices[] = {"covered", "exempt", NULL};

#define F(field) offsetof(prm_config, flow.field)

/* clang-format off */
const prm_entry prm__flow_params[] = {
    {"flow.ping.from", PRM_ENUM, F(ping_from), "none", "", from_choices, 0, 2,
     "host that pings the other (ICMP echo request, the other answers): none, client or server",
     "scenario choice"},
    {"flow.ping.every", PRM_TIME, F(ping_every_ns), "10s", "s", NULL, PRM_NS(0.1), PRM_NS(86400),
     "period of the pings; the first echo request leaves this long after the copy starts",
     "scenario choice"},
    {"flow.ping.flows", PRM_ENUM, F(ping_flows), "each", "", ping_flow_choices, 0, 1,
     "whether IPsec sees each echo as a new flow (its own acquire) or the series as one flow",
     "per-flow acquire MS-IKEE 3.7 [S]; what a flow is for ICMP [?]"},
    {"flow.ping.ipsec", PRM_ENUM, F(ping_ipsec), "covered", "", ping_ipsec_choices, 0, 1,
     "the IPsec policy covers ICMP (covered) or a permit rule exempts it (exempt)",
     "TechNet cc780497, cc972929: 'All ICMP Traffic' permit filter list [S]; the KB's policy [?]"},
    {"flow.tcp.from", PRM_ENUM, F(tcp_from), "none", "", from_choices, 0, 2,
     "host that opens extra TCP connections to the other (another SMB session, an LDAP or RPC call)",
     "scenario choice"},
    {"flow.tcp.at", PRM_TIME, F(tcp_at_ns), "30s", "s", NULL, PRM_NS(0.001), PRM_NS(2592000),
     "when the first extra TCP connection opens, from the copy's start", "scenario choice"},
    {"flow.tcp.every", PRM_TIME, F(tcp_every_ns), "0s", "s", NULL, 0, PRM_NS(86400),
     "a new extra TCP connection this often (each one a new flow); 0 = only the one at flow.tcp.at",
     "scenario choice"},
    {"flow.tcp.bytes", PRM_SIZE, F(tcp_bytes), "4KiB", "B", NULL, 1, 1099511627776.0,
     "bytes the opener sends on each extra connection before it closes it", "scenario choice"},
};
/* clang-format on */
const size_t prm__flow_n_params = sizeof prm__flow_params / sizeof prm__flow_params[0];

/* The shortest period of new TCP connections taken, so that a run cannot
 * open connections without bound. */
#define TCP_EVERY_MIN_NS PRM_NS(0.1)

int prm__flow_check(const prm_config *cfg, char *err, size_t errlen)
{
    sim_time_ns every = cfg->flow.tcp_every_ns;
    if (every != 0 && every < (sim_time_ns)TCP_EVERY_MIN_NS) {
        snprintf(err, errlen, "flow.tcp.every: '%g s' is out of range: must be 0 (one connection) or at least 0.1 s",
                 sim_time_to_s(every));
        return PRM_ERANGE;
    }
    return 0;
}
