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
