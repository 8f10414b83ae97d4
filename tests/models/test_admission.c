/*
 * The SMB server's session admission (issue 16, smb_set_admission) in a
 * real two-host simulation: the path (models/link.h), a TCP endpoint on each
 * host and the SMB copy, assembled here as the scenario does, without IPsec.
 * A hook that refuses makes the server answer the first SESSION_SETUP_ANDX
 * with a 39-byte error response, STATUS_REQUEST_NOT_ACCEPTED (what the user
 * sees as system error 71), and the copy ends with failure refused at the
 * server; a hook that accepts, and no hook, leave the copy as it was, to the
 * fingerprint.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "models/core/params.h"
#include "models/host.h"
#include "models/link.h"
#include "models/smb.h"
#include "models/tcp.h"

/* An SMB error response on the stream: NetBIOS 4 + SMB header 32 (the status
 * in it) + WordCount 1 + ByteCount 2, no words or bytes (MS-CIFS 2.2.3.1). */
#define ERROR_RESPONSE_BYTES (4 + 32 + 1 + 2)

typedef struct admission {
    int answer; /* what the hook returns */
    int calls;
} admission;

static int admit(void *ctx)
{
    admission *a = ctx;
    a->calls++;
    return a->answer;
}

typedef struct ending {
    int done, failure, host;
    sim_time_ns at;
    sim_kernel *k;
} ending;

static void on_done(void *ctx, int failure, int host)
{
    ending *e = ctx;
    e->done++;
    e->failure = failure;
    e->host = host;
    e->at = sim_kernel_now(e->k);
}

/* What one copy did. */
typedef struct copy_run {
    ending end;
    uint64_t bytes_done, fingerprint;
    tcp_stats tcp[2];
    uint64_t pkts_outstanding;
} copy_run;

/* Runs one copy of CFG, with the admission hook A (NULL: none), its trace to TRACE (NULL: none). */
static copy_run run_copy(const prm_config *cfg, admission *a, FILE *trace)
{
    copy_run out = {0};
    sim_kernel *k = sim_kernel_new();
    pkt_pool *pp = pkt_pool_new();
    cr_assert(k && pp);
    rec_recorder rec;
    rec_init(&rec, k);
    if (trace) cr_assert_eq(rec_add_sink(&rec, (rec_sink){rec_sink_text, trace, 0}), 0);
    link_p2p *link = link_new(k, &cfg->link, pp, &rec, 1);
    cr_assert_not_null(link);
    tcp_host_params hp[2];
    tcp_conn *tcp[2];
    for (int h = 0; h < 2; h++) {
        hp[h] = (tcp_host_params){.mss_bytes = host_mss(cfg, h),
                                  .sack = host_tcp_sack(cfg, h),
                                  .sack_rfc3517 = host_tcp_sack_recovery(cfg, h) == PRM_SACKREC_RFC3517,
                                  .limited_transmit = host_tcp_limited_transmit(cfg, h),
                                  .frto = host_tcp_frto(cfg, h)};
        hp[h].rcv_window_bytes = host_rcv_window(cfg, h, &hp[h].autotune);
        tcp[h] = tcp_new(k, &cfg->tcp, &hp[h], h, 1, pp, &rec);
        cr_assert_not_null(tcp[h]);
    }
    for (int h = 0; h < 2; h++) {
        tcp_wire(tcp[h], link_send_port(link, h));
        link_wire(link, h, tcp_input_port(tcp[h]));
    }
    out.end.k = k;
    smb_copy *s = smb_new(k, cfg, &rec, tcp[PRM_CLIENT], tcp[PRM_SERVER], on_done, &out.end);
    cr_assert_not_null(s);
    if (a) smb_set_admission(s, admit, a);
    smb_start(s);
    sim_kernel_run_until(k, sim_time_from_s(600));
    out.bytes_done = rec.bytes_done;
    out.fingerprint = rec.fingerprint;
    for (int h = 0; h < 2; h++) out.tcp[h] = tcp_get_stats(tcp[h]);
    smb_free(s);
    for (int h = 0; h < 2; h++) tcp_free(tcp[h]);
    link_free(link);
    sim_kernel_free(k);
    rec_fini(&rec);
    out.pkts_outstanding = pkt_pool_outstanding(pp);
    pkt_pool_free(pp);
    return out;
}

static prm_config config(const char *extra)
{
    prm_config c;
    char err[512];
    prm_defaults(&c);
    cr_assert_eq(prm_set_pair(&c, "file.size=1MiB", err, sizeof err), 0, "%s", err);
    if (extra) cr_assert_eq(prm_set_pair(&c, extra, err, sizeof err), 0, "%s: %s", extra, err);
    return c;
}

/* The number of lines of trace F containing NEEDLE (and NEEDLE2 if not NULL). */
static int lines_with(FILE *f, const char *needle, const char *needle2)
{
    char line[512];
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f)) n += strstr(line, needle) && (!needle2 || strstr(line, needle2));
    return n;
}

static void expect_refused(const char *extra)
{
    prm_config c = config(extra);
    const char *what = extra ? extra : "defaults";
    admission a = {.answer = 0};
    FILE *tr = tmpfile();
    cr_assert_not_null(tr);
    copy_run r = run_copy(&c, &a, tr);
    fflush(tr);
    cr_expect_eq(a.calls, 1, "%s: the hook is asked once, at the first SESSION_SETUP", what);
    cr_expect_eq(r.end.done, 1, "%s: the copy ends once", what);
    cr_expect_str_eq(out_failure_name(r.end.failure), "refused", "%s", what);
    cr_expect_eq(r.end.host, PRM_SERVER, "%s: refused by the server", what);
    cr_expect_eq(r.bytes_done, 0, "%s: no file byte moves", what);
    /* The error response: 39 bytes on the stream, naming the status; the client gives up there. */
    cr_expect_eq(lines_with(tr, "server smb response STATUS_REQUEST_NOT_ACCEPTED bytes=39 data=0", NULL), 1,
                 "%s: the server's error response", what);
    cr_expect_eq(lines_with(tr, "client smb got response STATUS_REQUEST_NOT_ACCEPTED complete", NULL), 1,
                 "%s: the client receives it", what);
    cr_expect_eq(lines_with(tr, "smb request", "SESSION_SETUP"), 1, "%s: no second session leg", what);
    cr_expect_eq(lines_with(tr, "smb request", "TREE_CONNECT"), 0, "%s: no share connected", what);
    cr_expect_eq(lines_with(tr, "smb request", "READ_ANDX"), 0, "%s: nothing read", what);
    cr_expect_eq(lines_with(tr, "server smb response", NULL), 2, "%s: NEGOTIATE and the error", what);
    /* What the client received is the NEGOTIATE response plus the error response. */
    uint64_t negotiate = 0;
    char line[512];
    rewind(tr);
    while (fgets(line, sizeof line, tr)) {
        unsigned len;
        const char *at = strstr(line, "server smb response NEGOTIATE bytes=");
        if (at && sscanf(at, "server smb response NEGOTIATE bytes=%u", &len) == 1) negotiate = len;
    }
    cr_expect(negotiate > 0, "%s: a NEGOTIATE response", what);
    cr_expect_eq(r.tcp[PRM_CLIENT].n_bytes_received, negotiate + ERROR_RESPONSE_BYTES, "%s", what);
    /* The client closes its connection: both sides see the close. */
    cr_expect_eq(lines_with(tr, "client tcp closed", NULL), 1, "%s: the client's connection closes", what);
    cr_expect_eq(r.pkts_outstanding, 0, "%s: packets leaked", what);
    fclose(tr);
}

Test(admission, a_refused_session_ends_the_copy_with_failure_refused_at_the_server)
{
    expect_refused(NULL);
    /* A server that takes time per request refuses the same way, after its service time. */
    expect_refused("server.smb.latency=20ms");
    expect_refused("copy.direction=write");
}

Test(admission, an_accepting_hook_and_no_hook_leave_the_copy_as_it_was)
{
    prm_config c = config(NULL);
    copy_run plain = run_copy(&c, NULL, NULL);
    cr_assert_eq(plain.end.done, 1);
    cr_expect_eq(plain.end.failure, OUT_FAIL_NONE);
    cr_expect_eq(plain.bytes_done, c.file_size_bytes);
    admission a = {.answer = 1};
    copy_run hooked = run_copy(&c, &a, NULL);
    cr_expect_eq(a.calls, 1, "asked once per session");
    cr_expect_eq(hooked.end.failure, OUT_FAIL_NONE);
    cr_expect_eq(hooked.bytes_done, c.file_size_bytes);
    cr_expect_eq(hooked.end.at, plain.end.at, "the same end time");
    cr_expect_eq(hooked.fingerprint, plain.fingerprint, "the same events: the fingerprint does not move");
    cr_expect_eq(hooked.tcp[PRM_CLIENT].n_bytes_received, plain.tcp[PRM_CLIENT].n_bytes_received);
    cr_expect_eq(plain.pkts_outstanding + hooked.pkts_outstanding, 0, "packets leaked");
}
