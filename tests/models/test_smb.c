/*
 * The SMB1 copy through whole simulations: each message's size against the
 * MS-CIFS layout, the bytes each side puts on the stream (the file plus a
 * per-request overhead computed here), the outstanding-request limit from the copy
 * engine and both hosts, a pipeline-limited copy against its analytic round
 * trip, the write direction, and the client's session time-out.
 */
#include "sim_helpers.h"

/* SMB1 message sizes on the TCP stream, written out here from the MS-CIFS
 * layouts rather than taken from models/smb.h: NetBIOS session header 4 B +
 * SMB header 32 B + WordCount 1 B + 2 B per parameter word + ByteCount 2 B +
 * the bytes (a pad byte aligns the data of READ/WRITE_ANDX). Parameter words:
 *   READ_ANDX request   12: AndX 4, FID 2, Offset 4, MaxCount 2, MinCount 2,
 *                           Timeout 4, Remaining 2, OffsetHigh 4 (24 B)
 *   READ_ANDX response  12: AndX 4, Available 2, DataCompactionMode 2,
 *                           Reserved 2, DataLength 2, DataOffset 2, Reserved 10
 *   WRITE_ANDX request  14: AndX 4, FID 2, Offset 4, Timeout 4, WriteMode 2,
 *                           Remaining 2, DataLengthHigh 2, DataLength 2,
 *                           DataOffset 2, OffsetHigh 4 (28 B)
 *   WRITE_ANDX response  6: AndX 4, Count 2, Available 2, Reserved 4
 *   CLOSE request        3: FID 2, LastTimeModified 4; response 0 words. */
#define CIFS_MSG(words, bytes) (4 + 32 + 1 + 2 * (words) + 2 + (bytes))
enum {
    READ_REQ = CIFS_MSG(12, 0),      /* 63 */
    READ_RESP_HDR = CIFS_MSG(12, 1), /* 64, then the data */
    WRITE_REQ_HDR = CIFS_MSG(14, 1), /* 68, then the data */
    WRITE_RESP = CIFS_MSG(6, 0),     /* 51 */
    CLOSE_REQ = CIFS_MSG(3, 0),      /* 45 */
    CLOSE_RESP = CIFS_MSG(0, 0)      /* 39 */
};

/* The SMB messages of one traced copy: per host, the bytes it put on the
 * stream, and per command the count and sizes seen. */
typedef struct smb_tally {
    uint64_t sent[2]; /* bytes of all messages sent by client, server */
    uint64_t n_read_req, n_read_resp, read_data, n_write_req, n_write_resp, write_data;
    int sizes_ok; /* every READ/WRITE/CLOSE had its MS-CIFS size */
} smb_tally;

static smb_tally tally_copy(const prm_config *c, scn_probe *pr)
{
    FILE *tr = tmpfile();
    cr_assert_not_null(tr);
    out_result r = run_probe(c, 1, tr, pr);
    cr_assert_eq(r.completed, 1, "%s", out_failure_name(r.failure));
    cr_expect_eq(r.bytes_done, c->file_size_bytes);
    out_result_fini(&r);
    smb_tally t = {.sizes_ok = 1};
    char line[512], host[16], dir[16], kind[32];
    unsigned len, data;
    double time_s;
    rewind(tr);
    while (fgets(line, sizeof line, tr)) {
        if (sscanf(line, "%lf %15s smb %15s %31s bytes=%u data=%u", &time_s, host, dir, kind, &len, &data) != 6)
            continue;
        int req = !strcmp(dir, "request");
        if (!req && strcmp(dir, "response")) continue;
        t.sent[strcmp(host, "client") ? 1 : 0] += len;
        unsigned want = 0;
        if (!strcmp(kind, "READ_ANDX")) {
            want = req ? READ_REQ : READ_RESP_HDR + data;
            if (req)
                t.n_read_req++;
            else
                t.n_read_resp++, t.read_data += data;
        } else if (!strcmp(kind, "WRITE_ANDX")) {
            want = req ? WRITE_REQ_HDR + data : WRITE_RESP;
            if (req)
                t.n_write_req++, t.write_data += data;
            else
                t.n_write_resp++;
        } else if (!strcmp(kind, "CLOSE")) {
            want = req ? CLOSE_REQ : CLOSE_RESP;
        }
        if (want && len != want) {
            t.sizes_ok = 0;
            cr_log_error("%s %s: %u bytes on the stream, MS-CIFS gives %u", kind, dir, len, want);
        }
    }
    fclose(tr);
    return t;
}

Test(smb, every_message_has_its_ms_cifs_size_and_reaches_the_stream)
{
    /* 1,000,000 bytes in 61,440-byte reads: 16 full and one of 16,960. */
    prm_config c = cfg_of("file.size=1000000", "smb.read_size=61440", NULL);
    scn_probe pr;
    smb_tally t = tally_copy(&c, &pr);
    cr_expect(t.sizes_ok, "READ_ANDX and CLOSE sizes");
    cr_expect_eq(t.n_read_req, 17);
    cr_expect_eq(t.n_read_resp, 17);
    cr_expect_eq(t.read_data, 1000000);
    cr_expect_eq(t.n_write_req + t.n_write_resp, 0);
    /* What each side received is exactly what the other side's messages put
     * on the stream: no byte lost or invented between SMB and TCP. */
    cr_expect_eq(pr.tcp[PRM_CLIENT].n_bytes_received, t.sent[PRM_SERVER]);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_bytes_received, t.sent[PRM_CLIENT]);

    c = cfg_of("file.size=1000000", "smb.read_size=61440", "copy.direction=write", NULL);
    t = tally_copy(&c, &pr);
    cr_expect(t.sizes_ok, "WRITE_ANDX and CLOSE sizes");
    cr_expect_eq(t.n_write_req, 17);
    cr_expect_eq(t.n_write_resp, 17);
    cr_expect_eq(t.write_data, 1000000, "the server is the reader of a write");
    cr_expect_eq(t.n_read_req + t.n_read_resp, 0);
    cr_expect_eq(pr.tcp[PRM_CLIENT].n_bytes_received, t.sent[PRM_SERVER]);
    cr_expect_eq(pr.tcp[PRM_SERVER].n_bytes_received, t.sent[PRM_CLIENT]);
}

/* Bytes each side received in a copy of SIZE in reads of READ (a string). */
static void stream_bytes(const char *size, const char *read, const char *direction, uint64_t out[2])
{
    prm_config c = cfg_of(size, read, direction, NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_assert_eq(r.completed, 1, "%s %s %s: %s", size, read, direction, out_failure_name(r.failure));
    out_result_fini(&r);
    out[0] = pr.tcp[PRM_CLIENT].n_bytes_received;
    out[1] = pr.tcp[PRM_SERVER].n_bytes_received;
}

/* What a user sees on the wire: the stream carries the file plus a fixed
 * per-request overhead. The set-up exchanges are the same in every copy, so
 * differences between copies cancel them and leave only the READ/WRITE
 * messages: 1,000,000 more bytes add 16 reads of 61,440 (17 -> 33), and
 * 32 KiB reads of 1,000,000 bytes take 31 requests instead of 17. */
Test(smb, the_stream_carries_the_file_plus_a_fixed_overhead_per_request)
{
    uint64_t a[2], b[2], d[2];
    stream_bytes("file.size=1000000", "smb.read_size=61440", "copy.direction=read", a);
    stream_bytes("file.size=2000000", "smb.read_size=61440", "copy.direction=read", b);
    stream_bytes("file.size=1000000", "smb.read_size=32KiB", "copy.direction=read", d);
    cr_expect_eq(b[PRM_CLIENT] - a[PRM_CLIENT], 1000000 + 16 * READ_RESP_HDR, "responses");
    cr_expect_eq(b[PRM_SERVER] - a[PRM_SERVER], 16 * READ_REQ, "requests");
    cr_expect_eq(d[PRM_CLIENT] - a[PRM_CLIENT], (31 - 17) * READ_RESP_HDR);
    cr_expect_eq(d[PRM_SERVER] - a[PRM_SERVER], (31 - 17) * READ_REQ);

    stream_bytes("file.size=1000000", "smb.read_size=61440", "copy.direction=write", a);
    stream_bytes("file.size=2000000", "smb.read_size=61440", "copy.direction=write", b);
    cr_expect_eq(b[PRM_SERVER] - a[PRM_SERVER], 1000000 + 16 * WRITE_REQ_HDR, "write requests carry the data");
    cr_expect_eq(b[PRM_CLIENT] - a[PRM_CLIENT], 16 * WRITE_RESP);
}

static int64_t limit_of(const char *a, const char *b)
{
    prm_config c = cfg_of("file.size=100KB", a, b, NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    out_result_fini(&r);
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
    static const char *const cases[][2] = {{"smb.read_size=61440", "link.delay=20ms"},
                                           {"smb.read_size=32KiB", "link.delay=20ms"},
                                           {"smb.read_size=61440", "link.delay=2ms"}};
    for (size_t i = 0; i < 3; i++) {
        prm_config c = cfg_of(cases[i][0], cases[i][1], "smb.client_outstanding=1", "client.tcp.window=1MiB",
                              "file.size=20MiB", "link.rate=100Mbps", NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr);
        cr_expect_eq(r.completed, 1);
        double mss = (double)pr.mss_bytes, d = sim_time_to_s(c.link.delay_ns), rs = (double)c.smb.read_size_bytes;
        double reads = ceil((double)c.file_size_bytes / rs);
        double cycle = 2 * d + tx_s(&c, READ_REQ + 40) + msg_tx_s(&c, rs + READ_RESP_HDR, mss);
        double want = reads * cycle + 8 * 2 * d;
        expect_within(r.duration_s, want, 0.03, cases[i][0]);
        out_result_fini(&r);
    }
}

Test(smb, a_request_unanswered_for_the_session_timeout_gives_smb_timeout)
{
    /* TCP must outlast the 60 s session time-out: with the default 5 data
     * retransmissions it aborts after about 19 s on a LAN, so this test raises
     * tcp.data_retries to 12 (0.3 s x (2^13 - 1), far beyond the outage). */
    prm_config c = cfg_of("link.outage.start=1s", "link.outage.duration=100s", "tcp.data_retries=12", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_str_eq(out_failure_name(r.failure), "smb_timeout");
    cr_expect_eq(pr.fail_host, PRM_CLIENT);
    /* The oldest unanswered request left about when the outage began (1 s). */
    cr_expect(r.duration_s > 60.9 && r.duration_s <= 61.01, "failed at %f s", r.duration_s);
    cr_expect_gt(r.bytes_done, 0);
    out_result_fini(&r);

    c = cfg_of("link.outage.start=1s", "link.outage.duration=100s", "tcp.data_retries=12", "smb.session_timeout=45s",
               NULL);
    r = run_probe(&c, 1, NULL, NULL);
    cr_expect_str_eq(out_failure_name(r.failure), "smb_timeout");
    cr_expect(r.duration_s > 45.9 && r.duration_s <= 46.01, "NT's 45 s: failed at %f s", r.duration_s);
    out_result_fini(&r);
}

Test(smb, an_outage_shorter_than_every_timer_only_delays_the_copy)
{
    prm_config c =
        cfg_of("link.outage.start=1s", "link.outage.duration=30s", "tcp.data_retries=12", "file.size=50MiB", NULL);
    out_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1, "%s", out_failure_name(r.failure));
    cr_expect_gt(r.duration_s, 31.0);
    out_result_fini(&r);
}
