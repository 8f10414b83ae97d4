/*
 * The single-run timeline (results/plot_run.h): a hand-written trace whose
 * events are counted exactly (bytes delivered rebuilt from the SMB lines,
 * SA installs and deletes, initiator exchanges, fallbacks, interruptions),
 * a real trace from `rekeysim run --trace` whose counts must agree with the
 * run's own JSON outcome, the PNG and SVG it draws, and bad traces.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "results/plot.h"
#include "results/plot_run.h"

/* test_plot_fixture.c */
char *tp_dir_new(void);
void tp_dir_free(char *dir);
int tp_run(char *const argv[], const char *dir, const char *out, const char *err, const char *path_env);
const char *tp_rekeysim(void);
char *tp_slurp(const char *path, size_t *len_out);
int tp_png_size(const char *path, uint32_t *w, uint32_t *h);

static char *dir;
static void setup(void) { dir = tp_dir_new(); }
static void teardown(void) { tp_dir_free(dir); }
TestSuite(plot_run, .init = setup, .fini = teardown, .timeout = 60);

static const char *path(const char *name)
{
    static char buf[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Two READ_ANDX responses of 61,440 file bytes delivered, one negotiation
 * that fails, a fallback, an interruption with a third response held. */
static const char TRACE[] =
    "0.000000000 client ike initiator starts exchange 7 (main mode, cause peer_negotiation)\n"
    "0.000100000 client tcp send SYN seq=0 len=0 ack=0 win=65535 cwnd=2920\n"
    "0.001000000 client ike initiator exchange 7 failed: peer reports authentication failure\n"
    "0.001000000 client ipsec installs clear SA record\n"
    "0.500000000 server ipsec falls back to clear\n"
    "0.500000000 server ipsec installs soft SA record\n"
    "0.500500000 client tcp established\n"
    "0.600000000 client smb request READ_ANDX bytes=63 data=0\n"
    "0.600000000 client smb request READ_ANDX bytes=63 data=0\n"
    "0.600000000 client smb request READ_ANDX bytes=63 data=0\n"
    "0.601000000 server smb got request READ_ANDX complete\n"
    "0.601000000 server smb response READ_ANDX bytes=61504 data=61440\n"
    "0.601000000 server smb got request READ_ANDX complete\n"
    "0.601000000 server smb response READ_ANDX bytes=61504 data=61440\n"
    "0.601000000 server smb got request READ_ANDX complete\n"
    "0.601000000 server smb response READ_ANDX bytes=61504 data=61440\n"
    "0.610000000 client smb got response READ_ANDX complete\n"
    "0.620000000 client smb got response READ_ANDX complete\n"
    "0.700000000 client ike initiator starts exchange 8 (main mode, rekey, cause rekey)\n"
    "0.700000000 server ipsec deletes soft SA record (rekey)\n"
    "0.700001000 server rec interruption begins cause=rekey bytes=125000\n"
    "60.700000000 server rec interruption ends\n"
    "60.710000000 client smb got response READ_ANDX complete\n"
    "60.800000000 client scn copy ends: none\n";

Test(plot_run, a_hand_written_trace_is_counted_exactly)
{
    write_file(path("t.trace"), TRACE);
    plot_run_counts c;
    char err[512];
    cr_assert_eq(plot_run_scan(path("t.trace"), &c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.n_lines, 24);
    cr_expect_eq(c.n_sa_installs, 2);
    cr_expect_eq(c.n_sa_deletes, 1);
    cr_expect_eq(c.n_negotiations, 2);
    cr_expect_eq(c.n_fallbacks, 1);
    cr_expect_eq(c.n_interruptions, 1);
    cr_expect_eq(c.bytes_delivered, 3 * 61440, "three responses' file bytes: %llu",
                 (unsigned long long)c.bytes_delivered);
    cr_expect(fabs(c.t_end_s - 60.8) < 1e-9);
    cr_expect_eq(plot_run_timeline(path("t.trace"), path("t.png"), err, sizeof err), 0, "%s", err);
    uint32_t w, h;
    cr_expect_eq(tp_png_size(path("t.png"), &w, &h), 0);
    cr_expect(w == PLOT_RUN_WIDTH_PX && h == PLOT_RUN_HEIGHT_PX, "%ux%u", w, h);
    cr_expect_eq(plot_run_timeline(path("t.trace"), path("t.svg"), err, sizeof err), 0, "%s", err);
    char *svg = tp_slurp(path("t.svg"), NULL);
    cr_expect(svg && strstr(svg, "<svg") && strstr(svg, "copy completed"), "an SVG with its title");
    free(svg);
    FILE *tmp = tmpfile();
    cr_assert_not_null(tmp);
    fputs(TRACE, tmp);
    rewind(tmp);
    cr_expect_eq(plot_run_timeline_stream(tmp, "(kept trace)", path("s.png"), err, sizeof err), 0, "%s", err);
    cr_expect_eq(tp_png_size(path("s.png"), &w, &h), 0, "drawn from an open stream as well");
    fclose(tmp);
}

Test(plot_run, an_unwritable_output_is_a_runtime_error_with_gnuplots_reason)
{
    write_file(path("t.trace"), TRACE);
    char err[512];
    cr_expect_eq(plot_run_timeline(path("t.trace"), path("no/such/dir/t.png"), err, sizeof err), PLOT_EGNUPLOT);
    cr_expect(strstr(err, "no/such/dir/t.png") && strstr(err, "cannot open file"), "%s", err);
}

Test(plot_run, a_bytes_done_token_overrides_the_message_count)
{
    write_file(path("t.trace"), "0.1 client smb got response READ_ANDX complete bytes_done=1000\n"
                                "0.2 server smb response READ_ANDX bytes=61504 data=61440\n"
                                "0.3 client smb got response READ_ANDX complete bytes_done=70000\n");
    plot_run_counts c;
    char err[512];
    cr_assert_eq(plot_run_scan(path("t.trace"), &c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.bytes_delivered, 70000);
}

Test(plot_run, a_real_trace_agrees_with_the_runs_outcome)
{
    /* Tolerant timers, so the copy survives several interruptions. */
    char *argv[] = {(char *)tp_rekeysim(), "run", "--scenario", "kb977526", "--json", "--trace",
                    (char *)path("run.trace"), "file.size=3MiB", "ipsec.qm_lifetime_kb=1000",
                    "tcp.data_retries=12", "smb.session_timeout=600s", NULL};
    cr_assert_eq(tp_run(argv, dir, path("run.json"), path("run.err"), NULL), 0);
    char *json = tp_slurp(path("run.json"), NULL);
    cr_assert_not_null(json);
    const char *ni = strstr(json, "\"n_interruptions\":"), *bd = strstr(json, "\"bytes_done\":");
    cr_assert(ni && bd, "%s", json);
    long n_intr = strtol(ni + 18, NULL, 10);
    long long bytes = strtoll(bd + 13, NULL, 10);
    free(json);
    plot_run_counts c;
    char err[512];
    cr_assert_eq(plot_run_scan(path("run.trace"), &c, err, sizeof err), 0, "%s", err);
    cr_expect_eq((long)c.n_interruptions, n_intr, "interruptions: trace %zu, outcome %ld", c.n_interruptions, n_intr);
    cr_expect((long long)c.bytes_delivered <= bytes && bytes - (long long)c.bytes_delivered < 61440,
              "bytes: trace %llu, outcome %lld (counted per SMB message)", (unsigned long long)c.bytes_delivered,
              bytes);
    cr_expect_gt(c.n_negotiations, 0);
    cr_expect_gt(c.n_sa_installs, 0);
    cr_expect_eq(plot_run_timeline(path("run.trace"), path("run.png"), err, sizeof err), 0, "%s", err);
    uint32_t w, h;
    cr_expect_eq(tp_png_size(path("run.png"), &w, &h), 0);
    cr_expect(w == PLOT_RUN_WIDTH_PX && h == PLOT_RUN_HEIGHT_PX);
}

Test(plot_run, bad_traces_are_bad_input_naming_file_and_line)
{
    plot_run_counts c;
    char err[512];
    cr_expect_eq(plot_run_scan(path("none.trace"), &c, err, sizeof err), PLOT_EINPUT);
    cr_expect(strstr(err, "none.trace") != NULL, "%s", err);
    write_file(path("empty.trace"), "");
    cr_expect_eq(plot_run_scan(path("empty.trace"), &c, err, sizeof err), PLOT_EINPUT);
    write_file(path("bad.trace"), "this is not\na trace at all\n");
    cr_expect_eq(plot_run_timeline(path("bad.trace"), path("bad.png"), err, sizeof err), PLOT_EINPUT);
    cr_expect(strstr(err, "bad.trace:1:") != NULL, "%s", err);
    struct stat sb;
    cr_expect_neq(stat(path("bad.png"), &sb), 0, "nothing drawn");
    write_file(path("t.trace"), TRACE);
    setenv("PATH", path("nowhere"), 1);
    cr_expect_eq(plot_run_timeline(path("t.trace"), path("t.png"), err, sizeof err), PLOT_ENOGNUPLOT);
    cr_expect(strstr(err, "gnuplot-nox") != NULL, "%s", err);
}
