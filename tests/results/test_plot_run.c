/*
 * The single-run timeline (results/plot_run.h), a sink of typed events: a
 * hand-built event sequence counted exactly (bytes delivered, SA installs
 * and deletes, initiator exchanges, fallbacks, interruptions), a real
 * simulation whose timeline must agree with the run's own outcome, the PNG
 * and SVG it draws, and the errors it reports.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "results/plot.h"
#include "models/core/params.h"
#include "models/scenario.h"
#include "results/plot_run.h"

/* test_plot_fixture.c */
char *tp_dir_new(void);
void tp_dir_free(char *dir);
int tp_run(char *const argv[], const char *dir, const char *out, const char *err, const char *path_env);
const char *tp_rekeysim(void);
char *tp_slurp(const char *path, size_t *len_out);
int tp_png_size(const char *path, uint32_t *w, uint32_t *h);
void tp_need_gnuplot(void);

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

/* Two READ_ANDX responses of 61,440 file bytes delivered, one negotiation
 * that fails, a fallback, an interruption with a third response held. */
static plot_timeline *hand_built(void)
{
    static const ev_event evs[] = {
        {.t_ns = 0, .kind = EV_IKE_START, .host = 0, .xchg = 7, .cause = OUT_CAUSE_PEER_NEGOTIATION},
        {.t_ns = 100000, .kind = EV_TCP_SEND, .host = 0, .flags = 2},
        {.t_ns = 1000000, .kind = EV_IKE_FAILED, .host = 0, .xchg = 7, .detail = "peer reports authentication failure"},
        {.t_ns = 1000000, .kind = EV_SA_INSTALL, .host = 0, .sa = EV_SA_CLEAR, .detail = "clear"},
        {.t_ns = 500000000, .kind = EV_IPSEC_FALLBACK, .host = 1},
        {.t_ns = 500000000, .kind = EV_SA_INSTALL, .host = 1, .sa = EV_SA_SOFT, .detail = "soft"},
        {.t_ns = 500500000, .kind = EV_TCP_ESTABLISHED, .host = 0},
        {.t_ns = 610000000, .kind = EV_SMB_DONE, .host = 0, .detail = "READ_ANDX", .bytes = 61440},
        {.t_ns = 620000000, .kind = EV_SMB_DONE, .host = 0, .detail = "READ_ANDX", .bytes = 122880},
        {.t_ns = 700000000,
         .kind = EV_IKE_START,
         .host = 0,
         .xchg = 8,
         .flags = EV_IKE_REKEY,
         .cause = OUT_CAUSE_REKEY},
        {.t_ns = 700000000,
         .kind = EV_SA_DELETE,
         .host = 1,
         .sa = EV_SA_SOFT,
         .cause = OUT_CAUSE_REKEY,
         .detail = "soft"},
        {.t_ns = 700001000, .kind = EV_INTERRUPTION_BEGIN, .host = 1, .cause = OUT_CAUSE_REKEY, .bytes = 125000},
        {.t_ns = 60700000000, .kind = EV_INTERRUPTION_END, .host = 1},
        {.t_ns = 60710000000, .kind = EV_SMB_DONE, .host = 0, .detail = "READ_ANDX", .bytes = 184320},
        {.t_ns = 60800000000, .kind = EV_COPY_END, .host = 0, .cause = OUT_FAIL_NONE, .detail = "none"},
    };
    plot_timeline *tl = plot_timeline_new();
    cr_assert_not_null(tl);
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) plot_timeline_event(tl, &evs[i]);
    return tl;
}

Test(plot_run, a_hand_built_event_sequence_is_counted_exactly)
{
    tp_need_gnuplot();
    plot_timeline *tl = hand_built();
    plot_run_counts c;
    char err[512];
    cr_assert_eq(plot_timeline_counts(tl, &c), 0);
    cr_expect_eq(c.n_events, 15);
    cr_expect_eq(c.n_sa_installs, 2);
    cr_expect_eq(c.n_sa_deletes, 1);
    cr_expect_eq(c.n_negotiations, 2);
    cr_expect_eq(c.n_fallbacks, 1);
    cr_expect_eq(c.n_interruptions, 1);
    cr_expect_eq(c.bytes_delivered, 3 * 61440, "three responses' file bytes: %llu",
                 (unsigned long long)c.bytes_delivered);
    cr_expect(fabs(c.t_end_s - 60.8) < 1e-9);
    cr_expect_eq(plot_timeline_draw(tl, "hand-built", path("t.png"), err, sizeof err), 0, "%s", err);
    uint32_t w, h;
    cr_expect_eq(tp_png_size(path("t.png"), &w, &h), 0);
    cr_expect(w == PLOT_RUN_WIDTH_PX && h == PLOT_RUN_HEIGHT_PX, "%ux%u", w, h);
    cr_expect_eq(plot_timeline_draw(tl, "hand-built", path("t.svg"), err, sizeof err), 0, "%s", err);
    char *svg = tp_slurp(path("t.svg"), NULL);
    cr_expect(svg && strstr(svg, "<svg") && strstr(svg, "copy completed") && strstr(svg, "hand-built"),
              "an SVG with its title");
    free(svg);
    plot_timeline_free(tl);
}

Test(plot_run, an_unwritable_output_is_a_runtime_error_with_gnuplots_reason)
{
    tp_need_gnuplot();
    plot_timeline *tl = hand_built();
    char err[512];
    cr_expect_eq(plot_timeline_draw(tl, "x", path("no/such/dir/t.png"), err, sizeof err), PLOT_EGNUPLOT);
    cr_expect(strstr(err, "no/such/dir/t.png") && strstr(err, "cannot open file"), "%s", err);
    plot_timeline_free(tl);
}

Test(plot_run, a_real_run_agrees_with_its_outcome)
{
    tp_need_gnuplot();
    /* Tolerant timers, so the copy survives several interruptions. */
    prm_config cfg;
    char err[512];
    prm_defaults(&cfg);
    const char *kv[] = {"scenario=kb977526", "file.size=64MiB", "ipsec.qm_lifetime_kb=20480", "tcp.data_retries=12",
                        "smb.session_timeout=600s"};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        cr_assert_eq(prm_set_pair(&cfg, kv[i], err, sizeof err), 0, "%s", err);
    plot_timeline *tl = plot_timeline_new();
    rec_sink sink = {plot_timeline_event, tl, 0};
    out_result r;
    cr_assert_eq(scn_run_sinks(&cfg, 1, &sink, 1, &r), 0);
    plot_run_counts c;
    cr_assert_eq(plot_timeline_counts(tl, &c), 0);
    cr_expect_gt(r.n_interruptions, 1, "the setting interrupts the copy more than once");
    cr_expect_eq(c.n_interruptions, r.n_interruptions, "interruptions: timeline %zu, outcome %llu", c.n_interruptions,
                 (unsigned long long)r.n_interruptions);
    cr_expect_eq(c.bytes_delivered, r.bytes_done, "bytes: timeline %llu, outcome %llu",
                 (unsigned long long)c.bytes_delivered, (unsigned long long)r.bytes_done);
    cr_expect_eq(c.n_fallbacks, r.n_fallbacks);
    cr_expect_geq(c.n_negotiations, r.n_negotiations, "every main mode plus quick-mode rekeys");
    cr_expect_gt(c.n_sa_installs, 0);
    cr_expect(fabs(c.t_end_s - (r.duration_s + 0.0)) < r.duration_s, "ends within the run");
    cr_expect_eq(plot_timeline_draw(tl, "kb977526", path("run.png"), err, sizeof err), 0, "%s", err);
    uint32_t w, h;
    cr_expect_eq(tp_png_size(path("run.png"), &w, &h), 0);
    cr_expect(w == PLOT_RUN_WIDTH_PX && h == PLOT_RUN_HEIGHT_PX);
    out_result_fini(&r);
    plot_timeline_free(tl);
}

Test(plot_run, run_plot_end_to_end_draws_the_same_run_it_reports)
{
    tp_need_gnuplot();
    char *argv[] = {(char *)tp_rekeysim(),
                    "run",
                    "--scenario",
                    "kb977526",
                    "--json",
                    "--events",
                    (char *)path("run.tsv"),
                    "--plot",
                    (char *)path("run.svg"),
                    "file.size=64MiB",
                    "ipsec.qm_lifetime_kb=20480",
                    "tcp.data_retries=12",
                    "smb.session_timeout=600s",
                    NULL};
    cr_assert_eq(tp_run(argv, dir, path("run.json"), path("run.err"), NULL), 0);
    char *json = tp_slurp(path("run.json"), NULL), *svg = tp_slurp(path("run.svg"), NULL);
    cr_assert(json && svg);
    const char *bd = strstr(json, "\"bytes_done\":");
    cr_assert_not_null(bd);
    long long bytes = strtoll(bd + 13, NULL, 10);
    char want[64];
    snprintf(want, sizeof want, "%.4g MiB delivered", (double)bytes / 1048576.0);
    cr_expect(strstr(svg, "copy completed") && strstr(svg, want), "title names the outcome and %s", want);
    free(json);
    free(svg);
}

Test(plot_run, a_timeline_without_events_or_gnuplot_is_refused_with_a_reason)
{
    plot_timeline *empty = plot_timeline_new();
    char err[512];
    cr_expect_eq(plot_timeline_draw(empty, "empty run", path("e.png"), err, sizeof err), PLOT_EINPUT);
    cr_expect(strstr(err, "no events") != NULL, "%s", err);
    struct stat sb;
    cr_expect_neq(stat(path("e.png"), &sb), 0, "nothing drawn");
    plot_timeline_free(empty);
    plot_timeline *tl = hand_built();
    setenv("PATH", path("nowhere"), 1);
    cr_expect_eq(plot_timeline_draw(tl, "x", path("t.png"), err, sizeof err), PLOT_ENOGNUPLOT);
    cr_expect(strstr(err, "gnuplot-nox") != NULL, "%s", err);
    plot_timeline_free(tl);
}
