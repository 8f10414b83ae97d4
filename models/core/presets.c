/*
 * The preset table. Host A of KB 977526 is Windows Vista without an IPsec
 * certificate under a Group Policy negotiate policy; host B is Windows XP
 * with a valid certificate, the Simple Policy Update, both fallback options
 * and IKEFlags 0x14. Every variant differs from kb977526 in the settings it
 * names, nothing else: the behaviour comes from the models.
 */
#include <string.h>
#include "models/core/presets.h"

#define HOST_A(role)                                                                                                   \
    role ".os=vista", role ".cert=none", role ".ipsec.policy=negotiate", role ".ipsec.fallback=on",                    \
        role ".ipsec.inbound_clear=on", role ".ipsec.update=on", role ".ipsec.ikeflags=0"
#define HOST_B(role)                                                                                                   \
    role ".os=xp", role ".cert=valid", role ".ipsec.policy=negotiate", role ".ipsec.fallback=on",                      \
        role ".ipsec.inbound_clear=on", role ".ipsec.update=on", role ".ipsec.ikeflags=0x14"

static const char *const no_ipsec[] = {"client.os=vista",          "server.os=xp",      "client.ipsec.policy=none",
                                       "server.ipsec.policy=none", "link.rate=100Mbps", NULL};
static const char *const kb[] = {HOST_A("client"), HOST_B("server"), "link.rate=100Mbps", NULL};
static const char *const kb_b_init[] = {HOST_B("client"), HOST_A("server"), "link.rate=100Mbps", NULL};
static const char *const kb_flags0[] = {HOST_A("client"), HOST_B("server"), "server.ipsec.ikeflags=0",
                                        "link.rate=100Mbps", NULL};
static const char *const kb_no_update[] = {HOST_A("client"), HOST_B("server"), "server.ipsec.update=off",
                                           "link.rate=100Mbps", NULL};
static const char *const kb_a_cert[] = {HOST_A("client"), HOST_B("server"), "client.cert=valid", "link.rate=100Mbps",
                                        NULL};

const preset_entry preset_table[] = {
    {"no-ipsec", "Vista client copies from an XP server over 100 Mbps, no IPsec", no_ipsec},
    {"kb977526", "KB 977526: A (Vista, no certificate) copies from B (XP, cert, update, fallback, IKEFlags 0x14)", kb},
    {"kb977526-b-initiates", "KB 977526 reversed: B (XP) is the client and copies from A (Vista, no certificate)",
     kb_b_init},
    {"kb977526-flags0", "kb977526 with IKEFlags 0 on B: the legacy rule blocks after a failed negotiation", kb_flags0},
    {"kb977526-no-update", "kb977526 without the Simple Policy Update on B", kb_no_update},
    {"kb977526-a-has-cert", "kb977526 with a valid certificate on A: hard SAs, ESP", kb_a_cert},
};
const size_t preset_count = sizeof preset_table / sizeof preset_table[0];

const preset_entry *preset_find(const char *name, int *index_out)
{
    for (size_t i = 0; i < preset_count; i++)
        if (strcmp(preset_table[i].name, name) == 0) {
            if (index_out) *index_out = (int)i;
            return &preset_table[i];
        }
    return NULL;
}

/* ---- path presets ----
 * Branch-office WAN paths of that era (../shared/DOMAIN.md section 7 [I]):
 * the bottleneck's rate is the line's nominal rate [S for T1 and ISDN BRI B
 * channel, by definition]; delays and router queues are typical values,
 * not facts about one network [I]. Each host sits on a 100 Mbit/s LAN
 * segment of 50 us to its router [I]. Router queues are 64 packets (the low
 * end of DOMAIN.md's 64-1,000), more where 64 packets would be below the
 * bandwidth-delay product (satellite). link.overhead stays Ethernet framing
 * on every segment (a WAN's HDLC/PPP framing is shorter; a choice). */
#define PATH_KEYS(rate, to_client, delay, queue, access)                                                               \
    "link.rate=" rate, "link.rate.to_client=" to_client, "link.delay=" delay, "link.queue=" queue,                     \
        "link.queue_bytes=0", "client.access.rate=" access, "client.access.delay=50us", "server.access.rate=" access,  \
        "server.access.delay=50us"

static const char *const path_lan[] = {"link.rate=100Mbps",     "link.rate.to_client=0",
                                       "link.delay=250us",      "link.queue=1000",
                                       "link.queue_bytes=0",    "client.access.rate=0",
                                       "client.access.delay=0", "server.access.rate=0",
                                       "server.access.delay=0", NULL};
static const char *const path_t1[] = {PATH_KEYS("1544kbps", "0", "25ms", "64", "100Mbps"), NULL};
static const char *const path_mpls[] = {PATH_KEYS("10Mbps", "0", "20ms", "64", "100Mbps"), NULL};
static const char *const path_adsl[] = {PATH_KEYS("1Mbps", "8Mbps", "15ms", "64", "100Mbps"), NULL};
static const char *const path_isdn[] = {PATH_KEYS("64kbps", "0", "10ms", "64", "100Mbps"), NULL};
static const char *const path_sat[] = {PATH_KEYS("2Mbps", "0", "300ms", "256", "100Mbps"), NULL};

const path_preset path_table[] = {
    {"lan", "the default: one 100 Mbit/s hop, 250 us one way, hosts on it directly (no routers)",
     "scenario choice (LAN: 0.5 ms round trip)", path_lan},
    {"branch-t1", "T1 branch: 1.544 Mbit/s both ways, 50 ms round trip, 64-packet router queues, 100 Mbit/s LANs",
     "T1 rate [S]; delay and queue [I] (DOMAIN.md 7)", path_t1},
    {"mpls-10m", "10 Mbit/s MPLS branch: 40 ms round trip, 64-packet router queues, 100 Mbit/s LANs",
     "rate and RTT as the issue asks [I] (DOMAIN.md 7); queue [I]", path_mpls},
    {"adsl-8-1", "ADSL 8/1: 8 Mbit/s to the client, 1 Mbit/s to the server, 30 ms round trip, 64-packet queues",
     "ADSL rates [I] (DOMAIN.md 7); delay and queue [I]", path_adsl},
    {"isdn-64k", "ISDN: one 64 kbit/s B channel both ways, 20 ms round trip, 64-packet router queues",
     "B channel 64 kbit/s [S]; delay and queue [I] (DOMAIN.md 7)", path_isdn},
    {"satellite",
     "geostationary hop: 2 Mbit/s both ways, 300 ms one way (600 ms round trip), 256-packet queues "
     "(above the 150 KB bandwidth-delay product)",
     "GEO delay about 600 ms RTT [I] (DOMAIN.md 7); rate and queue [I]", path_sat},
};
const size_t path_count = sizeof path_table / sizeof path_table[0];

const path_preset *path_find(const char *name, int *index_out)
{
    for (size_t i = 0; i < path_count; i++)
        if (strcmp(path_table[i].name, name) == 0) {
            if (index_out) *index_out = (int)i;
            return &path_table[i];
        }
    return NULL;
}
