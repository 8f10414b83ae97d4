/*
 * The single-run timeline, fed by the run's typed events (it is a recorder
 * sink; it never reads trace text). The events are kept as a few growing
 * arrays: the bytes-delivered curve (the recorder's exact count at each SMB
 * completion and at each interruption), point events (SA installs and
 * deletes, fallbacks, block decisions, establishment) and spans (initiator
 * IKE exchanges, interruption episodes). Per-packet events are only counted,
 * so memory is bounded by those events, not by the packets. The curve is kept
 * monotone and thinned to at most PROGRESS_MAX points when drawn (first and
 * last point of each time bucket), which keeps plateaus and steps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "results/plot_int.h"
#include "models/core/outcome.h"
#include "results/plot_run.h"

#define PROGRESS_MAX 4000

enum { TL_INSTALL_HARD, TL_INSTALL_SOFT, TL_INSTALL_BLOCKED, TL_DELETE, TL_FALLBACK, TL_BLOCK, TL_ESTABLISHED };

typedef struct pt {
    double t;
    double v;
} pt;
typedef struct ev {
    double t;
    int host, kind;
} ev;
typedef struct span {
    double t0, t1; /* t1 NAN while open */
    int host, ok;
    unsigned id;
    char cause[24];
} span;

struct plot_timeline {
    pt *prog;
    size_t n_prog, cap_prog;
    ev *evs;
    size_t n_evs, cap_evs;
    span *negs, *intrs;
    size_t n_negs, cap_negs, n_intrs, cap_intrs;
    double shown; /* last value of the curve (kept monotone) */
    int exact;    /* saw an SMB completion: the curve is the recorder's count */
    double t_first, t_last;
    size_t n_lines; /* events seen */
    char end_text[64];
    int oom;
    unsigned n_copies; /* a fleet run (issue 16): the highest copy seen; only copy 1 is drawn */
};
typedef struct plot_timeline timeline;

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return 0;
    size_t nc = *cap ? 2 * *cap : 64;
    void *g = realloc(*p, nc * size);
    if (!g) return -1;
    *p = g;
    *cap = nc;
    return 0;
}

static void progress(timeline *tl, double t, double bytes)
{
    if (bytes < tl->shown) bytes = tl->shown;
    if (tl->n_prog && bytes == tl->shown && tl->prog[tl->n_prog - 1].t == t) return;
    if (grow((void **)&tl->prog, &tl->cap_prog, tl->n_prog, sizeof *tl->prog)) {
        tl->oom = 1;
        return;
    }
    tl->prog[tl->n_prog++] = (pt){t, bytes};
    tl->shown = bytes;
}

static void event(timeline *tl, double t, int host, int kind)
{
    if (grow((void **)&tl->evs, &tl->cap_evs, tl->n_evs, sizeof *tl->evs)) {
        tl->oom = 1;
        return;
    }
    tl->evs[tl->n_evs++] = (ev){t, host, kind};
}

static span *open_span(timeline *tl, span **arr, size_t *n, size_t *cap, double t, int host)
{
    if (grow((void **)arr, cap, *n, sizeof **arr)) {
        tl->oom = 1;
        return NULL;
    }
    span *s = &(*arr)[(*n)++];
    memset(s, 0, sizeof *s);
    s->t0 = t;
    s->t1 = NAN;
    s->host = host;
    return s;
}

/* ---- the sink ---- */

static void close_negotiation(timeline *tl, double t, int host, uint32_t id, int ok)
{
    for (size_t i = tl->n_negs; i-- > 0;) {
        span *s = &tl->negs[i];
        if (s->host == host && s->id == id && isnan(s->t1)) {
            s->t1 = t;
            s->ok = ok;
            break;
        }
    }
}

void plot_timeline_event(void *ctx, const ev_event *e)
{
    timeline *tl = ctx;
    if (tl->oom) return;
    if (e->copy > tl->n_copies) tl->n_copies = e->copy;
    if (e->copy > 1) return; /* a fleet: the timeline is copy 1's */
    double t = sim_time_to_s(e->t_ns);
    int host = e->host;
    if (!tl->n_lines++) tl->t_first = t;
    tl->t_last = t;
    switch (e->kind) {
    case EV_SMB_DONE:
        tl->exact = 1;
        progress(tl, t, (double)e->bytes);
        break;
    case EV_IKE_START: {
        span *s = open_span(tl, &tl->negs, &tl->n_negs, &tl->cap_negs, t, host);
        if (s) s->id = e->xchg;
        break;
    }
    case EV_IKE_SUCCEEDED: close_negotiation(tl, t, host, e->xchg, 1); break;
    case EV_IKE_FAILED: close_negotiation(tl, t, host, e->xchg, 0); break;
    case EV_SA_INSTALL:
        if (e->sa == EV_SA_HARD)
            event(tl, t, host, TL_INSTALL_HARD);
        else if (e->sa == EV_SA_BLOCKED)
            event(tl, t, host, TL_INSTALL_BLOCKED);
        else if (e->sa != EV_SA_NONE)
            event(tl, t, host, TL_INSTALL_SOFT);
        break;
    case EV_SA_DELETE:
        if (e->sa != EV_SA_NONE) event(tl, t, host, TL_DELETE);
        break;
    case EV_SA_OLD_DELETE: event(tl, t, host, TL_DELETE); break;
    case EV_IPSEC_FALLBACK: event(tl, t, host, TL_FALLBACK); break;
    case EV_IPSEC_BLOCK: event(tl, t, host, TL_BLOCK); break;
    case EV_INTERRUPTION_BEGIN: {
        span *s = open_span(tl, &tl->intrs, &tl->n_intrs, &tl->cap_intrs, t, host);
        if (s) snprintf(s->cause, sizeof s->cause, "%s", out_cause_name(e->cause));
        progress(tl, t, (double)e->bytes);
        break;
    }
    case EV_INTERRUPTION_END:
        for (size_t i = tl->n_intrs; i-- > 0;)
            if (isnan(tl->intrs[i].t1)) {
                tl->intrs[i].t1 = t;
                break;
            }
        break;
    case EV_TCP_ESTABLISHED:
        if (host == 0) event(tl, t, host, TL_ESTABLISHED);
        break;
    case EV_COPY_END: snprintf(tl->end_text, sizeof tl->end_text, "%s", out_failure_name(e->cause)); break;
    default: break;
    }
}

plot_timeline *plot_timeline_new(void) { return calloc(1, sizeof(plot_timeline)); }

void plot_timeline_free(plot_timeline *tl)
{
    if (!tl) return;
    free(tl->prog);
    free(tl->evs);
    free(tl->negs);
    free(tl->intrs);
    free(tl);
}

int plot_timeline_counts(const plot_timeline *tl, plot_run_counts *counts_out)
{
    if (tl->oom) return PLOT_ENOMEM;
    plot_run_counts c = {.n_events = tl->n_lines,
                         .n_progress = tl->n_prog,
                         .n_negotiations = tl->n_negs,
                         .n_interruptions = tl->n_intrs,
                         .bytes_delivered = (uint64_t)tl->shown,
                         .t_end_s = tl->t_last};
    for (size_t i = 0; i < tl->n_evs; i++) {
        int k = tl->evs[i].kind;
        if (k == TL_INSTALL_HARD || k == TL_INSTALL_SOFT || k == TL_INSTALL_BLOCKED)
            c.n_sa_installs++;
        else if (k == TL_DELETE)
            c.n_sa_deletes++;
        else if (k == TL_FALLBACK)
            c.n_fallbacks++;
        else if (k == TL_BLOCK)
            c.n_blocks++;
    }
    *counts_out = c;
    return 0;
}

/* ---- the script ---- */

/* Lanes of the lower panel, top to bottom. */
static double lane(int host, int ike) { return host == 0 ? (ike ? 4 : 3) : host == 1 ? (ike ? 2 : 1) : 0.5; }

static void block_progress(plot_buf *b, const timeline *tl, double div)
{
    plot__buf_printf(b, "$progress << EOD\n%.9f 0\n", tl->t_first);
    double span_s = tl->t_last - tl->t_first;
    long last_bucket = -1;
    for (size_t i = 0; i < tl->n_prog; i++) {
        long bucket = span_s > 0 ? (long)((tl->prog[i].t - tl->t_first) / span_s * (PROGRESS_MAX / 2)) : 0;
        int keep = tl->n_prog <= PROGRESS_MAX || i == 0 || i + 1 == tl->n_prog || bucket != last_bucket;
        if (!keep && i + 1 < tl->n_prog) {
            long next = (long)((tl->prog[i + 1].t - tl->t_first) / span_s * (PROGRESS_MAX / 2));
            keep = next != bucket;
        }
        if (keep) plot__buf_printf(b, "%.9f %.9g\n", tl->prog[i].t, tl->prog[i].v / div);
        last_bucket = bucket;
    }
    plot__buf_printf(b, "%.9f %.9g\nEOD\n", tl->t_last, tl->shown / div);
}

/* A datablock of the events of KIND (or of both kinds A and B); returns how many. */
static size_t block_events(plot_buf *b, const timeline *tl, const char *name, int kind_a, int kind_b)
{
    size_t n = 0;
    plot__buf_printf(b, "$%s << EOD\n", name);
    for (size_t i = 0; i < tl->n_evs; i++)
        if (tl->evs[i].kind == kind_a || tl->evs[i].kind == kind_b) {
            plot__buf_printf(b, "%.9f %g\n", tl->evs[i].t, lane(tl->evs[i].host, 0));
            n++;
        }
    plot__buf_printf(b, "EOD\n");
    return n;
}

/* Negotiations with outcome OK (1 succeeded, 0 failed, -1 still open) as vectors. */
static size_t block_negs(plot_buf *b, const timeline *tl, const char *name, int ok)
{
    size_t n = 0;
    plot__buf_printf(b, "$%s << EOD\n", name);
    for (size_t i = 0; i < tl->n_negs; i++) {
        const span *s = &tl->negs[i];
        int state = isnan(s->t1) ? -1 : s->ok;
        if (state != ok) continue;
        double t1 = isnan(s->t1) ? tl->t_last : s->t1;
        plot__buf_printf(b, "%.9f %g %.9f\n", s->t0, lane(s->host, 1), t1 - s->t0);
        n++;
    }
    plot__buf_printf(b, "EOD\n");
    return n;
}

static void interruption_objects(plot_buf *b, const timeline *tl)
{
    for (size_t i = 0; i < tl->n_intrs; i++) {
        const span *s = &tl->intrs[i];
        double t1 = isnan(s->t1) ? tl->t_last : s->t1;
        if (t1 <= s->t0) t1 = s->t0 + (tl->t_last - tl->t_first) * 1e-4;
        plot__buf_printf(b,
                         "set object %zu rect from first %.9f, graph 0 to first %.9f, graph 1 behind "
                         "fc rgb '#f08080' fs transparent solid 0.22 noborder\n",
                         i + 1, s->t0, t1);
    }
}

/* Appends ", " between plot elements. */
static void elem(plot_buf *b, int *first, const char *fmt, const char *name)
{
    plot__buf_printf(b, *first ? "plot " : ", \\\n     ");
    plot__buf_printf(b, fmt, name);
    *first = 0;
}

static void lanes_panel(plot_buf *b, const timeline *tl)
{
    size_t n_ok = block_negs(b, tl, "neg_ok", 1), n_fail = block_negs(b, tl, "neg_fail", 0),
           n_open = block_negs(b, tl, "neg_open", -1);
    size_t n_hard = block_events(b, tl, "sa_hard", TL_INSTALL_HARD, -1);
    size_t n_soft = block_events(b, tl, "sa_soft", TL_INSTALL_SOFT, -1);
    size_t n_blk = block_events(b, tl, "sa_block", TL_INSTALL_BLOCKED, TL_BLOCK);
    size_t n_del = block_events(b, tl, "sa_del", TL_DELETE, -1);
    size_t n_fb = block_events(b, tl, "fallback", TL_FALLBACK, -1);
    plot__buf_printf(b, "set tmargin at screen 0.38\nset bmargin at screen 0.09\nunset title\n"
                        "set xlabel 'simulated time (s)'\nset format x '%%g'\nunset ylabel\n"
                        "set yrange [0.4:4.6]\nset ytics ('server IPsec' 1, 'server IKE' 2, 'client IPsec' 3, "
                        "'client IKE' 4)\nset grid xtics\nset key outside right top vertical\n");
    int first = 1;
    /* An exchange lasts milliseconds on a LAN: a bar for its length and a
     * point at its start, so it stays visible on a scale of minutes. */
    if (n_ok)
        elem(b, &first,
             "%s using 1:2:3:(0) with vectors nohead lw 7 lc rgb '#2ca02c' title 'IKE exchange, succeeded', "
             "$neg_ok using 1:2 with points pt 7 ps 0.7 lc rgb '#2ca02c' notitle",
             "$neg_ok");
    if (n_fail)
        elem(b, &first,
             "%s using 1:2:3:(0) with vectors nohead lw 7 lc rgb '#d62728' title 'IKE exchange, failed', "
             "$neg_fail using 1:2 with points pt 7 ps 0.7 lc rgb '#d62728' notitle",
             "$neg_fail");
    if (n_open)
        elem(b, &first,
             "%s using 1:2:3:(0) with vectors nohead lw 7 lc rgb '#999999' title 'IKE exchange, unfinished', "
             "$neg_open using 1:2 with points pt 7 ps 0.7 lc rgb '#999999' notitle",
             "$neg_open");
    if (n_hard)
        elem(b, &first, "%s using 1:2 with points pt 9 ps 1.6 lc rgb '#2ca02c' title 'hard SA installed'", "$sa_hard");
    if (n_soft)
        elem(b, &first, "%s using 1:2 with points pt 8 ps 1.6 lc rgb '#1f77b4' title 'soft (clear) SA installed'",
             "$sa_soft");
    if (n_blk) elem(b, &first, "%s using 1:2 with points pt 5 ps 1.4 lc rgb '#000000' title 'blocked'", "$sa_block");
    if (n_del) elem(b, &first, "%s using 1:2 with points pt 11 ps 1.6 lc rgb '#d62728' title 'SA deleted'", "$sa_del");
    if (n_fb)
        elem(b, &first, "%s using 1:2 with points pt 13 ps 2.0 lc rgb '#ff7f0e' title 'fallback to clear'",
             "$fallback");
    if (first) plot__buf_printf(b, "plot NaN notitle");
    plot__buf_printf(b, "\n");
}

static void build_script(plot_buf *b, const timeline *tl, const char *trace_path, const char *out_path)
{
    plot_unit u = plot__size_unit(tl->shown > 0 ? tl->shown : 1, tl->shown > 0 ? tl->shown : 1);
    size_t olen = strlen(out_path);
    int svg = olen >= 4 && !strcmp(out_path + olen - 4, ".svg");
    block_progress(b, tl, u.div);
    if (svg)
        plot__buf_printf(b, "set terminal svg size %d,%d noenhanced font 'sans,10' background rgb 'white'\n",
                         PLOT_RUN_WIDTH_PX, PLOT_RUN_HEIGHT_PX);
    else
        plot__buf_printf(b, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n", PLOT_RUN_WIDTH_PX,
                         PLOT_RUN_HEIGHT_PX);
    plot__buf_printf(b, "set output ");
    plot__buf_gp_string(b, out_path);
    char title[2048];
    const char *base = strrchr(trace_path, '/');
    char outcome[96];
    if (!tl->end_text[0])
        snprintf(outcome, sizeof outcome, "copy end not traced");
    else if (!strcmp(tl->end_text, "none"))
        snprintf(outcome, sizeof outcome, "copy completed");
    else
        snprintf(outcome, sizeof outcome, "copy failed: %s", tl->end_text);
    char fleet[96] = "";
    if (tl->n_copies > 1) snprintf(fleet, sizeof fleet, " (copy 1 of %u; run --json has every copy)", tl->n_copies);
    snprintf(title, sizeof title, "Run timeline (trace %s): %s%s, %s%.4g %s delivered in %.6g s",
             base ? base + 1 : trace_path, outcome, fleet, tl->exact ? "" : "about ", tl->shown / u.div, u.name,
             tl->t_last - tl->t_first);
    plot__buf_printf(b, "\nset title ");
    plot__buf_gp_string(b, title);
    plot__buf_printf(b, "\n");
    double pad = (tl->t_last - tl->t_first) * 0.01 + 1e-6;
    plot__buf_printf(b,
                     "set multiplot\nset lmargin at screen 0.09\nset rmargin at screen 0.76\n"
                     "set tmargin at screen 0.92\nset bmargin at screen 0.42\nset xrange [%.9f:%.9f]\n"
                     "set format x ''\nset ylabel 'file bytes delivered (%s)'\nset yrange [0:*]\nset grid\n"
                     "set key outside right top vertical\n",
                     tl->t_first - pad, tl->t_last + pad, u.name);
    interruption_objects(b, tl);
    for (size_t i = 0; i < tl->n_evs; i++)
        if (tl->evs[i].kind == TL_ESTABLISHED) {
            plot__buf_printf(
                b,
                "set arrow 1 from first %.9f, graph 0 to first %.9f, graph 1 nohead dt 3 lc rgb '#2ca02c'\n"
                "set label 1 'TCP established' at first %.9f, graph 0.97 left offset 0.5,0 "
                "tc rgb '#2ca02c'\n",
                tl->evs[i].t, tl->evs[i].t, tl->evs[i].t);
            break;
        }
    plot__buf_printf(b, "plot $progress using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'bytes delivered', \\\n"
                        "     keyentry with boxes fc rgb '#f08080' fs transparent solid 0.22 noborder "
                        "title 'interruption'\nunset title\n");
    plot__buf_printf(b, "unset arrow 1\nunset label 1\n");
    lanes_panel(b, tl);
    plot__buf_printf(b, "unset multiplot\nunset output\n");
}

int plot_timeline_draw(const plot_timeline *tl, const char *label, const char *out_path, char *err, size_t errlen)
{
    for (const char *c = out_path; *c; c++)
        if ((unsigned char)*c < 0x20)
            return snprintf(err, errlen, "plot file name has a control character"), PLOT_EINPUT;
    if (tl->oom) return snprintf(err, errlen, "out of memory collecting the timeline"), PLOT_ENOMEM;
    if (tl->n_lines == 0) return snprintf(err, errlen, "%s: the run reported no events", label), PLOT_EINPUT;
    plot_buf script = {0};
    build_script(&script, tl, label, out_path);
    if (script.oom) return plot__buf_fini(&script), snprintf(err, errlen, "out of memory"), PLOT_ENOMEM;
    char msg[1024];
    int rc = plot__gnuplot_run(".", NULL, script.s, script.len, msg, sizeof msg);
    plot__buf_fini(&script);
    struct stat sb;
    if (!rc && (stat(out_path, &sb) != 0 || sb.st_size == 0))
        rc = PLOT_EIO, snprintf(msg, sizeof msg, "gnuplot could not write it");
    if (rc) snprintf(err, errlen, "%s: %s", out_path, msg);
    return rc;
}
