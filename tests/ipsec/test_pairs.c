/*
 * XP/2003 pairs with the Simple Policy Update and IKEFlags 0x14 (KB 914841,
 * doc/domain.md "OS pairs"), from whole simulations through scn_run. The
 * hosts are described, never their outcome: both negotiate with fallback to
 * clear and pass-through, both have the update and 0x14, and one has no
 * valid certificate, so no negotiation between them can succeed.
 *
 * Why setup takes two fallbacks, about 1.0 s: the client's SYN needs an SA,
 * so the client negotiates, fails and falls back 500 ms after its first IKE
 * message; the server takes the clear SYN (pass-through) but must answer
 * through IPsec, so it holds its SYN-ACK, negotiates, fails and falls back
 * 500 ms after its own first message. The client, whose soft SA that second
 * negotiation cost (R2), falls back as responder on its own 500 ms timer
 * (R3 legacy-peer), a quarter of a millisecond after the server. Two 500 ms
 * waits in series, three soft SAs in all.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "models/core/params.h"
#include "models/scenario.h"
#include "tests/models/sim_helpers.h"

#define GiB (1024.0 * 1024.0 * 1024.0)

/* Both hosts XP/2003 as the update and 0x14 want them; COS and SOS the OSes,
 * CCERT and SCERT the certificates. */
static prm_config pair(const char *cos, const char *ccert, const char *sos, const char *scert)
{
    prm_config c;
    char err[256], kv[64];
    prm_defaults(&c);
    static const char *const both[] = {"ipsec.policy=negotiate", "ipsec.fallback=on", "ipsec.inbound_clear=on",
                                       "ipsec.update=on", "ipsec.ikeflags=0x14"};
    for (int role = 0; role < 2; role++)
        for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
            snprintf(kv, sizeof kv, "%s.%s", role ? "server" : "client", both[i]);
            cr_assert_eq(prm_set_pair(&c, kv, err, sizeof err), 0, "%s: %s", kv, err);
        }
    const char *host[4][2] = {{"client.os", cos}, {"client.cert", ccert}, {"server.os", sos}, {"server.cert", scert}};
    for (int i = 0; i < 4; i++) cr_assert_eq(prm_set(&c, host[i][0], host[i][1], err, sizeof err), 0, "%s", err);
    cr_assert_eq(prm_set(&c, "link.rate", "100Mbps", err, sizeof err), 0, "%s", err);
    return c;
}

static out_result run(const prm_config *c)
{
    out_result r;
    cr_assert_eq(scn_run(c, 1, NULL, &r), 0, "scn_run failed");
    return r;
}

/* The client without a certificate, the server with one, and the reverse,
 * for XP and 2003 on either end: setup is two 500 ms fallbacks. */
Test(pairs, xp_2003_pairs_set_up_in_two_fallbacks)
{
    static const char *const oses[][2] = {{"xp", "xp"}, {"xp", "2003"}, {"2003", "xp"}, {"2003", "2003"}};
    static const char *const certs[][2] = {{"none", "valid"}, {"valid", "none"}, {"expired", "valid"}};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 3; j++) {
            prm_config c = pair(oses[i][0], certs[j][0], oses[i][1], certs[j][1]);
            cfg_set(&c, "file.size=1MiB");
            out_result r = run(&c);
            const char *what = oses[i][0];
            cr_expect_eq(r.completed, 1, "%s(%s) <- %s(%s): failure %d", what, certs[j][0], oses[i][1], certs[j][1],
                         r.failure);
            cr_expect(r.setup_s > 0.99 && r.setup_s < 1.01, "%s(%s) <- %s(%s): setup %.6f s, not two 500 ms fallbacks",
                      what, certs[j][0], oses[i][1], certs[j][1], r.setup_s);
            cr_expect_eq(r.n_negotiation_failures, 2, "both initiators fail: %llu",
                         (unsigned long long)r.n_negotiation_failures);
            cr_expect_eq(r.n_fallbacks, 3, "client, server, client as responder: %llu",
                         (unsigned long long)r.n_fallbacks);
            out_result_fini(&r);
        }
}

/* A 2 GiB copy between them completes: every rekey (the client opened the
 * flow, R1) fails for want of the certificate, both hosts fall back within
 * 500 ms, and TCP rides out each stall. */
Test(pairs, xp_xp_two_gib_copy_completes_with_only_fallback_stalls)
{
    prm_config c = pair("xp", "none", "xp", "valid");
    cfg_set(&c, "file.size=2GiB");
    out_result r = run(&c);
    cr_assert_eq(r.completed, 1, "failure %d after %llu bytes", r.failure, (unsigned long long)r.bytes_done);
    cr_expect(r.setup_s > 0.99 && r.setup_s < 1.01, "setup %.6f s", r.setup_s);
    /* 2 GiB at about 0.9 x 100,000 KB per rekey: more than 20 rekeys. */
    cr_expect_geq(r.n_rekeys, 20, "%llu rekeys", (unsigned long long)r.n_rekeys);
    for (uint64_t i = 0; i < r.n_interruptions; i++) {
        const out_interruption *e = &r.interruptions[i];
        cr_expect(!isnan(e->end_s) && e->end_s - e->start_s < 0.51, "episode %llu at %.3f s lasted %.3f s",
                  (unsigned long long)i, e->start_s, e->end_s - e->start_s);
    }
    /* 194 s of simulated time at 100 Mbps: 2 GiB at about 88 Mbit/s of goodput
     * plus the 0.5 s stalls. */
    cr_expect(r.duration_s > 2 * GiB * 8 / 100e6 && r.duration_s < 2 * GiB * 8 / 100e6 + 0.6 * (double)r.n_rekeys + 30,
              "duration %.1f s", r.duration_s);
    out_result_fini(&r);
}

/* The rule that decides: under R3 `initiator` the XP client waits 60 s as
 * responder although the server fell back at 1.0 s, and the server gives up
 * its half-open connection: nothing is delivered. */
Test(pairs, under_r3_initiator_the_xp_pair_deadlocks)
{
    prm_config c = pair("xp", "none", "xp", "valid");
    cfg_set(&c, "file.size=1MiB");
    cfg_set(&c, "ipsec.rule.fallback=initiator");
    out_result r = run(&c);
    cr_expect_eq(r.completed, 0);
    cr_expect_eq(r.bytes_done, 0, "%llu bytes", (unsigned long long)r.bytes_done);
    cr_expect_eq(r.failure, OUT_FAIL_SMB_TIMEOUT, "failure %d", r.failure);
    out_result_fini(&r);
}

/* The host that must fall back lacks 0x14: the server's failed negotiation
 * for its SYN-ACK blocks instead (a peer that answered, KB 914841 before the
 * update), as in KB 977526 fact 3. */
Test(pairs, without_0x14_on_the_host_that_must_reply_nothing_communicates)
{
    prm_config c = pair("xp", "none", "xp", "valid");
    cfg_set(&c, "file.size=1MiB");
    cfg_set(&c, "server.ipsec.ikeflags=0");
    out_result r = run(&c);
    cr_expect_eq(r.completed, 0);
    cr_expect_eq(r.failure, OUT_FAIL_BLOCKED, "failure %d", r.failure);
    cr_expect(isnan(r.setup_s), "set up at %.3f s", r.setup_s);
    out_result_fini(&r);
}

/* Why the KB cannot pin down R3's responder side for XP/2003 initiators: on
 * every KB 977526 preset the XP/2003 host's peer is Vista/2008, so no XP/2003
 * initiator ever meets an XP/2003 responder, and `legacy-peer` and
 * `initiator` make the same run, event for event (same fingerprint). A
 * file size that makes A's rekey happen, so the responder path is taken. */
Test(pairs, on_the_kb_presets_legacy_peer_and_initiator_are_the_same_run)
{
    static const char *const presets[] = {"kb977526", "kb977526-b-initiates", "kb977526-flags0", "kb977526-no-update",
                                          "kb977526-a-has-cert"};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        uint64_t fp[2];
        for (int alt = 0; alt < 2; alt++) {
            prm_config c;
            char err[256];
            prm_defaults(&c);
            cr_assert_eq(prm_set(&c, "scenario", presets[i], err, sizeof err), 0, "%s", err);
            cfg_set(&c, "file.size=300MiB");
            cfg_set(&c, alt ? "ipsec.rule.fallback=initiator" : "ipsec.rule.fallback=legacy-peer");
            out_result r = run(&c);
            fp[alt] = r.fingerprint;
            if (!strcmp(presets[i], "kb977526"))
                cr_expect_eq(r.completed, 0, "%s must still fail (fact 1) under either rule", presets[i]);
            out_result_fini(&r);
        }
        cr_expect_eq(fp[0], fp[1], "%s: legacy-peer %016llx, initiator %016llx", presets[i], (unsigned long long)fp[0],
                     (unsigned long long)fp[1]);
    }
}
