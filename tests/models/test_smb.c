/*
 * The SMB1 copy through whole simulations: the bytes each side puts on the
 * stream (headers counted), the outstanding-request limit from the copy
 * engine and both hosts, a pipeline-limited copy against its analytic round
 * trip, the write direction, and the client's session time-out.
 */
#include "sim_helpers.h"
#include "models/smb.h"

/* Setup responses: NEGOTIATE, two SESSION_SETUPs, TREE_CONNECT, NT_CREATE; then CLOSE. */
#define SETUP_RESP_BYTES (163 + 327 + 136 + 67 + 107)
#define SETUP_REQ_BYTES (148 + 197 + 453 + 94 + 128)

Test(smb, every_message_puts_its_headers_on_the_stream)
{
    scn_config c = cfg_of("file.size=1000000", "smb.read_size=61440", NULL);
    scn_probe pr;
    scn_result r = run_probe(&c, 1, NULL, &pr);
    cr_assert_eq(r.completed, 1);
    uint64_t n_reads = (1000000 + 61439) / 61440; /* 17: 16 full and one of 16,960 bytes */
    cr_expect_eq(pr.tcp[SCN_CLIENT].n_bytes_received, SETUP_RESP_BYTES + n_reads * SMB_READ_RESP_HDR_BYTES + 1000000 + 39);
    cr_expect_eq(pr.tcp[SCN_SERVER].n_bytes_received, SETUP_REQ_BYTES + n_reads * SMB_READ_REQ_BYTES + 45);
    cr_expect_eq(r.bytes_done, 1000000);
    scn_result_fini(&r);

    c = cfg_of("file.size=1000000", "copy.direction=write", NULL);
    r = run_probe(&c, 1, NULL, &pr);
    cr_assert_eq(r.completed, 1);
    cr_expect_eq(pr.tcp[SCN_SERVER].n_bytes_received, SETUP_REQ_BYTES + n_reads * SMB_WRITE_REQ_HDR_BYTES + 1000000 + 45);
    cr_expect_eq(pr.tcp[SCN_CLIENT].n_bytes_received, SETUP_RESP_BYTES + n_reads * SMB_WRITE_RESP_BYTES + 39);
    cr_expect_eq(r.bytes_done, 1000000, "the server is the reader of a write");
    scn_result_fini(&r);
}

static int64_t limit_of(const char *a, const char *b)
{
    scn_config c = cfg_of("file.size=100KB", a, b, NULL);
    scn_probe pr;
    scn_result r = run_probe(&c, 1, NULL, &pr);
    scn_result_fini(&r);
    return pr.smb_limit;
}

Test(smb, outstanding_requests_are_bounded_by_the_copy_engine_and_both_hosts)
{
    cr_expect_eq(limit_of("server.os=xp", "smb.client_outstanding=8"), 8);
    cr_expect_eq(limit_of("server.os=xp", "smb.client_outstanding=50"), 10, "XP Professional serves 10");
    cr_expect_eq(limit_of("server.os=2003", "smb.client_outstanding=50"), 50, "Server 2003 serves 50");
    cr_expect_eq(limit_of("server.os=2003", "smb.client_outstanding=80"), 50, "the redirector's cap is 50");
    cr_expect_eq(limit_of("server.smb.maxmpx=5", "smb.client_outstanding=8"), 5);
    cr_expect_eq(limit_of("client.smb.maxmpx=3", "smb.client_outstanding=8"), 3);
}

Test(smb, a_pipeline_limited_copy_takes_one_round_trip_per_read)
{
    static const char *const cases[][2] = {
        {"smb.read_size=61440", "link.delay=20ms"},
        {"smb.read_size=32KiB", "link.delay=20ms"},
        {"smb.read_size=61440", "link.delay=2ms"}};
    for (size_t i = 0; i < 3; i++) {
        scn_config c = cfg_of(cases[i][0], cases[i][1], "smb.client_outstanding=1", "client.tcp.window=1MiB",
                              "file.size=20MiB", "link.rate=100Mbps", NULL);
        scn_probe pr;
        scn_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1);
        double mss = (double)pr.mss_bytes, d = sim_time_to_s(c.link.delay_ns), rs = (double)c.smb.read_size_bytes;
        double reads = ceil((double)c.file_size_bytes / rs);
        double cycle = 2 * d + tx_s(&c, SMB_READ_REQ_BYTES + 40) + msg_tx_s(&c, rs + SMB_READ_RESP_HDR_BYTES, mss);
        double want = reads * cycle + 8 * 2 * d;
        expect_within(r.duration_s, want, 0.03, cases[i][0]);
        scn_result_fini(&r);
    }
}

Test(smb, a_request_unanswered_for_the_session_timeout_gives_smb_timeout)
{
    /* TCP must outlast the 60 s session time-out: with the default 5 data
     * retransmissions it aborts after about 19 s on a LAN, so this test raises
     * tcp.data_retries to 12 (0.3 s x (2^13 - 1), far beyond the outage). */
    scn_config c = cfg_of("link.outage.start=1s", "link.outage.duration=100s", "tcp.data_retries=12", NULL);
    scn_probe pr;
    scn_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_str_eq(scn_failure_name(r.failure), "smb_timeout");
    cr_expect_eq(pr.fail_host, SCN_CLIENT);
    /* The oldest unanswered request left about when the outage began (1 s). */
    cr_expect(r.duration_s > 60.9 && r.duration_s <= 61.01, "failed at %f s", r.duration_s);
    cr_expect_gt(r.bytes_done, 0);
    scn_result_fini(&r);

    c = cfg_of("link.outage.start=1s", "link.outage.duration=100s", "tcp.data_retries=12", "smb.session_timeout=45s", NULL);
    r = run_probe(&c, 1, NULL, NULL);
    cr_expect_str_eq(scn_failure_name(r.failure), "smb_timeout");
    cr_expect(r.duration_s > 45.9 && r.duration_s <= 46.01, "NT's 45 s: failed at %f s", r.duration_s);
    scn_result_fini(&r);
}

Test(smb, an_outage_shorter_than_every_timer_only_delays_the_copy)
{
    scn_config c = cfg_of("link.outage.start=1s", "link.outage.duration=30s", "tcp.data_retries=12", "file.size=50MiB", NULL);
    scn_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1, "%s", scn_failure_name(r.failure));
    cr_expect_gt(r.duration_s, 31.0);
    scn_result_fini(&r);
}
