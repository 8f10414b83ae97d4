/*
 * The host profiles (models/host.h) against the sources' numbers
 * (DOMAIN.md sections 4-6), written out here rather than read from the
 * profile table: the XP/2003 receive window (16 KiB rounded up to whole
 * segments, KB 224829), Vista/2008 auto-tuning from 64 KiB, an explicit
 * window used as given, the SMB outstanding-request limits (KB 926646,
 * MS-CIFS), the inbound SMB session limits (KB 314882) and the MSS under an
 * IPsec policy. One whole simulation shows
 * the XP window where a user sees it: in the copy's duration.
 */
#include "sim_helpers.h"
#include "models/host.h"

static uint64_t window_of(const char *os, const char *extra, int role, int *autotune)
{
    char kv[64];
    snprintf(kv, sizeof kv, "%s.os=%s", role == PRM_CLIENT ? "client" : "server", os);
    prm_config c = cfg_of(kv, extra, NULL);
    *autotune = -1;
    return host_rcv_window(&c, role, autotune);
}

Test(host, xp_and_2003_advertise_17520_bytes_without_auto_tuning)
{
    /* KB 224829: 16 KiB rounded up to an even multiple of the MSS: 12 x 1460. */
    static const char *const oses[] = {"xp", "2003"};
    for (int role = PRM_CLIENT; role <= PRM_SERVER; role++)
        for (size_t i = 0; i < 2; i++) {
            int at;
            cr_expect_eq(window_of(oses[i], NULL, role, &at), 17520, "%s, role %d", oses[i], role);
            cr_expect_eq(at, 0, "%s does not auto-tune", oses[i]);
        }
}

Test(host, the_xp_window_is_whole_segments_of_the_mss_in_force)
{
    int at;
    /* MSS 1000: 17 segments (16,384 / 1,000 rounded up). */
    cr_expect_eq(window_of("xp", "tcp.mss=1000", PRM_CLIENT, &at), 17000);
    /* MSS 1024 divides 16 KiB: no rounding. */
    cr_expect_eq(window_of("xp", "tcp.mss=1024", PRM_CLIENT, &at), 16384);
    /* Under tcp.ipsec_mss=policy an IPsec policy lowers the MSS to 1,400
     * (below), so 12 x 1,400. */
    prm_config c = cfg_of("client.os=xp", "client.ipsec.policy=negotiate", "tcp.ipsec_mss=policy", NULL);
    cr_expect_eq(host_rcv_window(&c, PRM_CLIENT, &at), 16800);
    /* By default (plain) the policy leaves the MSS and so the window alone (issue 12). */
    cr_expect_eq(window_of("xp", "client.ipsec.policy=negotiate", PRM_CLIENT, &at), 17520);
}

Test(host, vista_and_2008_auto_tune_from_64KiB)
{
    static const char *const oses[] = {"vista", "2008"};
    for (int role = PRM_CLIENT; role <= PRM_SERVER; role++)
        for (size_t i = 0; i < 2; i++) {
            int at;
            cr_expect_eq(window_of(oses[i], NULL, role, &at), 65536, "%s, role %d", oses[i], role);
            cr_expect_eq(at, 1, "%s auto-tunes", oses[i]);
        }
}

Test(host, an_explicit_window_is_used_as_given_without_auto_tuning)
{
    static const char *const oses[] = {"xp", "2003", "vista", "2008"};
    for (size_t i = 0; i < 4; i++) {
        int at;
        cr_expect_eq(window_of(oses[i], "client.tcp.window=1MiB", PRM_CLIENT, &at), 1048576, "%s", oses[i]);
        cr_expect_eq(at, 0, "%s with an explicit window", oses[i]);
        /* Not rounded to segments either. */
        cr_expect_eq(window_of(oses[i], "server.tcp.window=10000", PRM_SERVER, &at), 10000, "%s", oses[i]);
        cr_expect_eq(at, 0);
    }
}

static prm_config os_pair(const char *client_os, const char *server_os, const char *extra)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "client.os=%s", client_os);
    snprintf(b, sizeof b, "server.os=%s", server_os);
    return cfg_of(a, b, extra, NULL);
}

Test(host, smb_maxmpx_defaults_are_10_on_client_skus_and_50_on_servers)
{
    /* KB 926646: XP Professional serves 10 outstanding commands; MS-CIFS:
     * Windows servers announce 50; Vista as a client SKU like XP [I]. The
     * redirector caps its own outstanding requests at 50 on every version. */
    static const struct {
        const char *os;
        int64_t server;
    } want[] = {{"xp", 10}, {"vista", 10}, {"2003", 50}, {"2008", 50}};
    for (size_t i = 0; i < 4; i++) {
        prm_config c = os_pair(want[i].os, want[i].os, NULL);
        for (int role = PRM_CLIENT; role <= PRM_SERVER; role++) {
            cr_expect_eq(host_smb_server_maxmpx(&c, role), want[i].server, "%s as server", want[i].os);
            cr_expect_eq(host_smb_client_maxmpx(&c, role), 50, "%s redirector cap", want[i].os);
        }
    }
    /* smb.maxmpx set on a host replaces both of its defaults. */
    prm_config c = os_pair("vista", "2003", "server.smb.maxmpx=7");
    cr_expect_eq(host_smb_server_maxmpx(&c, PRM_SERVER), 7);
    cr_expect_eq(host_smb_client_maxmpx(&c, PRM_SERVER), 7);
    cr_expect_eq(host_smb_server_maxmpx(&c, PRM_CLIENT), 10, "the other host keeps its default");
}

/* issue 16: concurrent inbound SMB sessions. KB 314882: XP Professional
 * accepts 10, Server 2003 has no limit; Vista the same 10 as XP (its EULA)
 * [I]; 2008 none [I]. 0 stands for no limit. */
Test(host, inbound_smb_sessions_are_10_on_xp_and_vista_and_unlimited_on_servers)
{
    static const struct {
        const char *os;
        int64_t limit;
    } want[] = {{"xp", 10}, {"vista", 10}, {"2003", 0}, {"2008", 0}};
    for (size_t i = 0; i < 4; i++) {
        prm_config c = os_pair("vista", want[i].os, NULL);
        cr_expect_eq(host_smb_max_connections(&c, PRM_SERVER), want[i].limit, "%s server", want[i].os);
    }
    /* server.smb.max_connections replaces the OS's; -1 lifts every limit. */
    prm_config c = os_pair("vista", "2003", "server.smb.max_connections=3");
    cr_expect_eq(host_smb_max_connections(&c, PRM_SERVER), 3, "an explicit limit on a 2003 server");
    c = os_pair("vista", "xp", "server.smb.max_connections=-1");
    cr_expect_eq(host_smb_max_connections(&c, PRM_SERVER), 0, "-1: an XP server without its limit");
    c = os_pair("vista", "xp", "server.smb.max_connections=25");
    cr_expect_eq(host_smb_max_connections(&c, PRM_SERVER), 25, "above the OS's 10");
}

Test(host, an_ipsec_policy_lowers_the_mss_by_the_esp_overhead_only_under_tcp_ipsec_mss_policy)
{
    /* Ethernet MTU 1500 - 20 IP - 20 TCP = 1460; with ESP (about 60 B,
     * RFC 4303) 1400 under tcp.ipsec_mss=policy. Only the host with a policy
     * pays it. */
    prm_config c = cfg_of(NULL);
    cr_expect_eq(host_mss(&c, PRM_CLIENT), 1460);
    cr_expect_eq(host_mss(&c, PRM_SERVER), 1460);
    c = cfg_of("server.ipsec.policy=negotiate", "tcp.ipsec_mss=policy", NULL);
    cr_expect_eq(host_mss(&c, PRM_SERVER), 1400);
    cr_expect_eq(host_mss(&c, PRM_CLIENT), 1460);
    c = cfg_of("client.ipsec.policy=require", "ipsec.esp_overhead=100", "tcp.ipsec_mss=policy", NULL);
    cr_expect_eq(host_mss(&c, PRM_CLIENT), 1360);
    /* The default, plain: a policy leaves the MSS at 1460 (issue 12; ESP
     * segments are larger on the wire and the link fragments them). */
    c = cfg_of("server.ipsec.policy=negotiate", NULL);
    cr_expect_eq(host_mss(&c, PRM_SERVER), 1460);
    c = cfg_of("client.ipsec.policy=require", "ipsec.esp_overhead=100", NULL);
    cr_expect_eq(host_mss(&c, PRM_CLIENT), 1460);
    /* tcp.mss below the room left is kept; a smaller MTU lowers it. */
    c = cfg_of("tcp.mss=536", "client.ipsec.policy=negotiate", "tcp.ipsec_mss=policy", NULL);
    cr_expect_eq(host_mss(&c, PRM_CLIENT), 536);
    c = cfg_of("link.mtu=1400", NULL);
    cr_expect_eq(host_mss(&c, PRM_CLIENT), 1360);
}

/* What a user sees: an XP client on a 40 ms round trip reads at most one
 * 17,520-byte window per round trip (plus the window's own wire time at
 * 100 Mbps, 1538 bytes per 1460-byte segment), so 4 MiB and its READ_ANDX
 * response headers (64 B per 60 KiB read) take about 240 round trips; the
 * set-up exchanges add about 5 round trips. A Vista client, auto-tuning,
 * is several times faster on the same path. */
Test(host, an_xp_client_copies_one_17520_byte_window_per_round_trip, .timeout = 60)
{
    const double file = 4.0 * 1048576, rtt = 0.040, window = 17520;
    double stream = file + ceil(file / 61440) * 64;
    double per_window = rtt + window / 1460 * 1538 * 8 / 100e6;
    double want = ceil(stream / window) * per_window + 5 * rtt;
    prm_config c = cfg_of("client.os=xp", "link.delay=20ms", "file.size=4MiB", NULL);
    out_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1);
    expect_within(r.duration_s, want, 0.05, "XP client, 40 ms round trip");
    out_result_fini(&r);
    c = cfg_of("client.os=vista", "link.delay=20ms", "file.size=4MiB", NULL);
    r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1);
    cr_expect_lt(r.duration_s, want / 3, "Vista %.3f s against XP's %.3f s", r.duration_s, want);
    out_result_fini(&r);
}
