/*
 * The scenario as a whole: determinism (same seed, same result but the wall
 * clock; another seed, another loss pattern), no packet left behind whatever
 * the ending (each ending with its failure and its time from the timers),
 * a lossless copy against the link's goodput, memory that does not grow
 * with the file, the result fields, the safety net, and every preset's
 * known outcome through the IPsec seam.
 */
#include "sim_helpers.h"
#include "models/core/presets.h"

static void expect_same(const out_result *a, const out_result *b)
{
    cr_expect_eq(a->completed, b->completed);
    cr_expect_eq(a->failure, b->failure);
    cr_expect_eq(a->bytes_done, b->bytes_done);
    cr_expect(a->setup_s == b->setup_s || (isnan(a->setup_s) && isnan(b->setup_s)));
    cr_expect_eq(a->duration_s, b->duration_s);
    cr_expect_eq(a->n_interruptions, b->n_interruptions);
    cr_expect_eq(a->n_retransmits, b->n_retransmits);
    cr_expect_eq(a->n_negotiations, b->n_negotiations);
    cr_expect_eq(a->events, b->events);
    cr_expect_eq(a->peak_pending, b->peak_pending);
    cr_expect_eq(a->seed, b->seed);
}

Test(scenario, the_same_seed_gives_the_same_result_and_another_seed_another)
{
    prm_config c = cfg_of("link.loss=0.01", "link.delay=10ms", "file.size=5MiB", NULL);
    out_result a = run_probe(&c, 5, NULL, NULL), b = run_probe(&c, 5, NULL, NULL), d = run_probe(&c, 6, NULL, NULL);
    expect_same(&a, &b);
    cr_expect_eq(a.seed, 5);
    cr_expect(a.duration_s != d.duration_s || a.n_retransmits != d.n_retransmits,
              "seeds 5 and 6 lose the same packets");
    out_result_fini(&a);
    out_result_fini(&b);
    out_result_fini(&d);
}

Test(scenario, no_packet_is_left_behind_whatever_the_ending)
{
    static const char *const endings[][3] = {
        {"file.size=2MiB", NULL, NULL},                                               /* completed */
        {"link.outage.start=0", "link.outage.duration=1h", NULL},                     /* connect_timeout */
        {"link.outage.start=0.5s", "link.outage.duration=1h", NULL},                  /* tcp_abort, packets in flight */
        {"link.outage.start=0.5s", "link.outage.duration=1h", "tcp.data_retries=20"}, /* smb_timeout */
        {"sim.max_time=0.2s", "link.delay=50ms", NULL},                               /* sim_limit mid-flight */
        {"link.loss=0.05", "file.size=1MiB", "link.delay=1ms"},                       /* lossy */
    };
    static const char *const want[] = {"none", "connect_timeout", "tcp_abort", "smb_timeout", "sim_limit", "none"};
    /* When each ending happens (seconds), worked out from the timers: the SYN
     * and its 2 retransmissions give up after 3+6+12 s; the last segment
     * sent before the outage (0.5 s) is retransmitted 5 times from the
     * 300 ms floor, doubling, and TCP gives up 0.3 x 63 s after it; the
     * oldest unanswered request left at most one pipeline (8 reads of 60 KiB,
     * 40 ms at 100 Mbps) before the outage and times out 60 s later;
     * sim.max_time. NAN: no closed form (a copy that completes). */
    static const double when_lo_s[] = {NAN, 21.0, 0.45 + 0.3 * 63, 60.44, 0.2, NAN};
    static const double when_hi_s[] = {NAN, 21.0, 0.50 + 0.3 * 63, 60.50, 0.2, NAN};
    for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
        prm_config c = cfg_of("file.size=100MiB", endings[i][0], endings[i][1], endings[i][2], NULL);
        scn_probe pr;
        out_result r = run_probe(&c, 1, NULL, &pr); /* checks pkts_outstanding == 0 */
        cr_expect_str_eq(out_failure_name(r.failure), want[i], "ending %zu", i);
        int ok = !strcmp(want[i], "none");
        cr_expect_eq(r.completed, ok, "ending %zu: completed %d with failure %s", i, r.completed,
                     out_failure_name(r.failure));
        if (ok)
            cr_expect_eq(r.bytes_done, c.file_size_bytes, "ending %zu: a completed copy delivers the file", i);
        else
            cr_expect_lt(r.bytes_done, c.file_size_bytes, "ending %zu: a failed copy stops short", i);
        if (!isnan(when_lo_s[i]))
            cr_expect(r.duration_s >= when_lo_s[i] - 1e-6 && r.duration_s <= when_hi_s[i] + 1e-6,
                      "ending %zu at %.4f s, expected %.2f..%.2f s", i, r.duration_s, when_lo_s[i], when_hi_s[i]);
        out_result_fini(&r);
    }
    /* No byte crosses a link that is down from the start. */
    prm_config c = cfg_of("link.outage.start=0", "link.outage.duration=1h", NULL);
    out_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.bytes_done, 0);
    cr_expect(isnan(r.setup_s), "never established");
    out_result_fini(&r);
}

/* A lossless copy without IPsec on the default LAN is limited by the link:
 * the server sends the file and one 64-byte READ_ANDX response header per
 * 60 KiB read (MS-CIFS: NetBIOS 4 + SMB 32 + WordCount 1 + 12 words + ByteCount
 * 2 + pad 1) in segments of at most MSS 1460 bytes, each with 40 bytes of IP
 * and TCP headers and 38 bytes of Ethernet framing on the 100 Mbps wire. That
 * wire time is a lower bound no copy can beat; slow start, the set-up
 * exchanges and the last round trips add well under 1 % to 100 MiB. */
Test(scenario, a_lossless_copy_takes_the_file_over_the_link_goodput)
{
    const double file = 100.0 * 1048576, read = 61440, mss = 1460, rate = 100e6;
    prm_config c = cfg_of("scenario=no-ipsec", "file.size=100MiB", "link.loss=0", NULL);
    out_result r = run_probe(&c, 1, NULL, NULL);
    cr_expect_eq(r.completed, 1);
    cr_expect_str_eq(out_failure_name(r.failure), "none");
    cr_expect_eq(r.bytes_done, 100 * 1048576ull);
    cr_expect_eq(r.n_retransmits, 0, "nothing is lost");
    double stream = file + ceil(file / read) * 64;
    double bound = ceil(stream / mss) * (mss + 40 + 38) * 8 / rate; /* 8.846 s: goodput 94.9 Mbps */
    cr_expect_geq(r.duration_s, bound, "%.4f s beats the link's %.4f s", r.duration_s, bound);
    cr_expect_lt(r.duration_s, 1.01 * bound, "%.4f s against the link's %.4f s", r.duration_s, bound);
    out_result_fini(&r);
}

Test(scenario, memory_does_not_grow_with_the_file)
{
    prm_config small = cfg_of("file.size=4MiB", "link.delay=5ms", NULL);
    prm_config large = cfg_of("file.size=400MiB", "link.delay=5ms", NULL);
    out_result a = run_probe(&small, 1, NULL, NULL), b = run_probe(&large, 1, NULL, NULL);
    cr_expect_eq(a.completed, 1);
    cr_expect_eq(b.completed, 1);
    cr_expect_eq(a.peak_pending, b.peak_pending, "pending events %llu vs %llu", (unsigned long long)a.peak_pending,
                 (unsigned long long)b.peak_pending);
    cr_expect_lt(a.peak_pending, 16);
    cr_expect_gt(b.events, 50 * a.events);
    out_result_fini(&a);
    out_result_fini(&b);
}

Test(scenario, the_result_fields_are_consistent)
{
    prm_config c = cfg_of("file.size=3MiB", "link.delay=1ms", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 42, NULL, &pr);
    cr_expect_eq(r.completed, 1);
    cr_expect_str_eq(out_failure_name(r.failure), "none");
    cr_expect_eq(r.bytes_done, 3 * 1048576ull);
    expect_within(r.setup_s, 2 * 0.001 + 2 * (44 + 38) * 8 / 1e8, 0.001, "setup is one round trip of SYN and SYN-ACK");
    cr_expect_gt(r.duration_s, r.setup_s);
    cr_expect_eq(r.n_interruptions, 0);
    cr_expect(isnan(r.first_interruption_s) && isnan(r.first_interruption_bytes));
    cr_expect_null(r.interruptions);
    cr_expect_eq(r.n_negotiations + r.n_fallbacks + r.n_rekeys + r.n_negotiation_failures, 0);
    cr_expect_gt(r.events, 1000);
    cr_expect_gt(r.peak_pending, 0);
    cr_expect_eq(r.seed, 42);
    cr_expect_float_eq(pr.end_s, r.duration_s, 1e-9, "the clock starts with the first SYN at 0");
    cr_expect_eq(pr.fail_host, -1);
    out_result_fini(&r);
}

Test(scenario, the_run_stops_when_the_copy_ends)
{
    /* A completed copy stops the kernel at once: no idle timers simulated afterwards. */
    prm_config c = cfg_of("file.size=1MiB", NULL);
    scn_probe pr;
    out_result r = run_probe(&c, 1, NULL, &pr);
    cr_expect_float_eq(pr.end_s, r.duration_s, 1e-9);
    cr_expect_lt(r.duration_s, 1.0);
    out_result_fini(&r);
    c = cfg_of("link.outage.start=0", "link.outage.duration=1h", NULL);
    r = run_probe(&c, 1, NULL, &pr);
    cr_expect_float_eq(pr.end_s, 21.0, 1e-6, "stops at the connect failure, not at the outage end");
    out_result_fini(&r);
}

Test(scenario, an_invalid_config_is_refused_without_running)
{
    prm_config c = cfg_of("link.mtu=1000", NULL);
    out_result r = {.seed = 77};
    cr_expect_lt(scn_run(&c, 1, NULL, &r), 0);
    cr_expect_eq(r.seed, 77, "the result is untouched");
}

/* What a 2 MiB copy (done before any SA expires) gives in each preset of
 * KB 977526's story (DOMAIN.md sections 1 and 3): every preset that
 * communicates completes; IKEFlags without 0x14 or no Simple Policy Update
 * block B's SYN-ACK, so A's connect fails after 21 s with nothing copied. */
static const struct {
    const char *name, *failure;
} preset_outcomes[] = {
    {"no-ipsec", "none"},
    {"kb977526", "none"},
    {"kb977526-b-initiates", "none"},
    {"kb977526-a-has-cert", "none"},
    {"kb977526-flags0", "blocked"},
    {"kb977526-no-update", "blocked"},
};

Test(scenario, every_preset_runs_to_its_known_outcome, .timeout = 60)
{
    for (size_t i = 0; i < preset_count; i++) {
        const char *name = preset_table[i].name, *want = NULL;
        prm_config c;
        char err[256], kv[128];
        prm_defaults(&c);
        snprintf(kv, sizeof kv, "scenario=%s", name);
        cr_assert_eq(prm_set_pair(&c, kv, err, sizeof err), 0, "%s", err);
        cr_assert_eq(prm_set_pair(&c, "file.size=2MiB", err, sizeof err), 0);
        out_result r = run_probe(&c, 1, NULL, NULL);
        for (size_t j = 0; j < sizeof preset_outcomes / sizeof preset_outcomes[0]; j++)
            if (!strcmp(preset_outcomes[j].name, name)) want = preset_outcomes[j].failure;
        if (want) {
            cr_expect_str_eq(out_failure_name(r.failure), want, "%s", name);
        } else {
            /* A preset added since: no known answer here, but it must end. */
            cr_log_warn("preset %s has no expected outcome in this test", name);
            cr_expect(r.failure != OUT_FAIL_SIM_LIMIT, "%s hit the safety net", name);
        }
        /* completed, failure and bytes tell one story. */
        int ok = r.failure == OUT_FAIL_NONE;
        cr_expect_eq(r.completed, ok, "%s: completed %d, failure %s", name, r.completed, out_failure_name(r.failure));
        cr_expect_eq(r.bytes_done == c.file_size_bytes, ok, "%s: %llu bytes", name, (unsigned long long)r.bytes_done);
        if (want && !strcmp(want, "blocked")) {
            cr_expect_eq(r.bytes_done, 0, "%s", name);
            cr_expect(fabs(r.duration_s - 21.0) < 0.01, "%s: connect gave up at %.3f s", name, r.duration_s);
        }
        out_result_fini(&r);
    }
}

Test(scenario, a_trace_names_time_host_layer_and_event)
{
    prm_config c = cfg_of("file.size=200KB", "link.loss=0.05", NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *tr = open_memstream(&buf, &len);
    out_result r = run_probe(&c, 3, tr, NULL);
    fflush(tr);
    cr_expect(strstr(buf, "client tcp send S seq=0") != NULL, "the first SYN");
    cr_expect(strstr(buf, "server smb response READ_ANDX") != NULL);
    cr_expect(strstr(buf, "client smb request NEGOTIATE") != NULL);
    cr_expect(strstr(buf, "link link drop loss") != NULL);
    cr_expect(strstr(buf, "resend") != NULL);
    cr_expect(strstr(buf, "client scn copy ends: none") != NULL);
    /* Every line: seconds, host, layer, text. */
    char *line = buf;
    while (line && *line) {
        double t;
        char host[16], layer[16];
        cr_expect_eq(sscanf(line, "%lf %15s %15s", &t, host, layer), 3, "line: %.60s", line);
        cr_expect(!strcmp(host, "client") || !strcmp(host, "server") || !strcmp(host, "link"), "host %s", host);
        line = strchr(line, '\n');
        if (line) line++;
    }
    fclose(tr);
    free(buf);
    out_result_fini(&r);
}
