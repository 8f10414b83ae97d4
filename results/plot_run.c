/*
 * The single-run timeline. The trace is read once, line by line, into a few
 * growing arrays: the bytes-delivered curve, point events (SA installs and
 * deletes, fallbacks, block decisions) and spans (initiator IKE exchanges,
 * interruption episodes). Nothing else is kept, so the memory is bounded by
 * the events, not the packets (the per-packet TCP lines are skipped after
 * reading their layer).
 *
 * Bytes delivered: a line carrying "bytes_done=N" gives it exactly. Without
 * one, the SMB lines are enough: every message is traced when its sender
 * hands it to TCP ("response READ_ANDX bytes=B data=D", D file bytes) and
 * when the reader has consumed all of it ("got response READ_ANDX
 * complete"); TCP delivers a direction's messages in order, so a FIFO of D
 * per sender gives the file bytes delivered at each completion, per message
 * rather than per segment (the recorder credits bytes as segments arrive;
 * the difference is at most one message). "interruption begins ... bytes=N"
 * lines carry the recorder's exact count. The curve is kept monotone and
 * thinned to at most PROGRESS_MAX points (first and last point of each time
 * bucket), which keeps plateaus and steps.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "results/plot_int.h"
#include "results/plot_run.h"

#define PROGRESS_MAX 4000

enum { EV_INSTALL_HARD, EV_INSTALL_SOFT, EV_INSTALL_BLOCKED, EV_DELETE, EV_FALLBACK, EV_BLOCK, EV_ESTABLISHED };

typedef struct pt {
    double t;
    double v;
} pt;
typedef struct ev {
    double t;
    int host, kind;
} ev;
typedef struct span {
    double t0, t1;              /* t1 NAN while open */
    int host, ok;
    unsigned id;
    char cause[24];
} span;

typedef struct fifo {
    uint32_t *v;
    size_t head, n, cap;
} fifo;

typedef struct timeline {
    pt *prog;
    size_t n_prog, cap_prog;
    ev *evs;
    size_t n_evs, cap_evs;
    span *negs, *intrs;
    size_t n_negs, cap_negs, n_intrs, cap_intrs;
    fifo msgs[2];               /* file bytes of each message in flight, per sender */
    uint64_t fifo_bytes;
    double shown;               /* last value of the curve (kept monotone) */
    int exact;                  /* saw bytes_done= lines: the FIFO is not needed */
    double t_first, t_last;
    size_t n_lines;
    char end_text[64];
    int oom;
} timeline;

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

static void fifo_push(timeline *tl, fifo *f, uint32_t v)
{
    if (f->n == f->cap) {
        size_t nc = f->cap ? 2 * f->cap : 64;
        uint32_t *g = malloc(nc * sizeof *g);
        if (!g) {
            tl->oom = 1;
            return;
        }
        for (size_t i = 0; i < f->n; i++) g[i] = f->v[(f->head + i) % f->cap];
        free(f->v);
        f->v = g;
        f->head = 0;
        f->cap = nc;
    }
    f->v[(f->head + f->n++) % f->cap] = v;
}

static uint32_t fifo_pop(fifo *f)
{
    if (f->n == 0) return 0;
    uint32_t v = f->v[f->head];
    f->head = (f->head + 1) % f->cap;
    f->n--;
    return v;
}

/* The unsigned number after KEY in TEXT ("data=61440"), or -1. */
static double field(const char *text, const char *key)
{
    const char *s = strstr(text, key);
    if (!s) return -1;
    s += strlen(key);
    char *end;
    double v = strtod(s, &end);
    return end == s ? -1 : v;
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static void on_smb(timeline *tl, double t, int host, const char *text)
{
    if (host < 0 || tl->exact) return;
    if (starts(text, "request ") || starts(text, "response ")) {
        double d = field(text, "data=");
        fifo_push(tl, &tl->msgs[host], d > 0 ? (uint32_t)d : 0);
    } else if (starts(text, "got request ") || starts(text, "got response ")) {
        uint32_t d = fifo_pop(&tl->msgs[1 - host]);
        if (d) {
            tl->fifo_bytes += d;
            progress(tl, t, (double)tl->fifo_bytes);
        }
    }
}

static void on_ike(timeline *tl, double t, int host, const char *text)
{
    unsigned id;
    if (sscanf(text, "initiator starts exchange %u", &id) == 1) {
        span *s = open_span(tl, &tl->negs, &tl->n_negs, &tl->cap_negs, t, host);
        if (s) s->id = id;
    } else if (sscanf(text, "initiator exchange %u", &id) == 1) {
        for (size_t i = tl->n_negs; i-- > 0;) {
            span *s = &tl->negs[i];
            if (s->host == host && s->id == id && isnan(s->t1)) {
                s->t1 = t;
                s->ok = strstr(text, "succeeded") != NULL;
                break;
            }
        }
    }
}

static void on_ipsec(timeline *tl, double t, int host, const char *text)
{
    if (starts(text, "installs ")) {
        int kind = strstr(text, "installs hard") ? EV_INSTALL_HARD
                   : strstr(text, "installs blocked") ? EV_INSTALL_BLOCKED
                   : strstr(text, "installs none") ? -1 : EV_INSTALL_SOFT;
        if (kind >= 0) event(tl, t, host, kind);
    } else if (starts(text, "deletes ") && !strstr(text, "deletes none")) {
        event(tl, t, host, EV_DELETE);
    } else if (starts(text, "falls back to clear")) {
        event(tl, t, host, EV_FALLBACK);
    } else if (starts(text, "blocks traffic")) {
        event(tl, t, host, EV_BLOCK);
    }
}

static void on_rec(timeline *tl, double t, int host, const char *text)
{
    if (starts(text, "interruption begins")) {
        span *s = open_span(tl, &tl->intrs, &tl->n_intrs, &tl->cap_intrs, t, host);
        const char *c = strstr(text, "cause=");
        if (s && c) sscanf(c + 6, "%23s", s->cause);
        double b = field(text, "bytes=");
        if (b >= 0) progress(tl, t, b);
    } else if (starts(text, "interruption ends")) {
        for (size_t i = tl->n_intrs; i-- > 0;)
            if (isnan(tl->intrs[i].t1)) {
                tl->intrs[i].t1 = t;
                break;
            }
    }
}

/* One trace line; returns 0, or -1 if it is not "<seconds> <host> <layer> <text>". */
static int parse_line(timeline *tl, char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (!len) return 0;
    char *end;
    double t = strtod(line, &end);
    if (end == line || *end != ' ' || !isfinite(t)) return -1;
    char *hs = end + 1, *he = strchr(hs, ' ');
    if (!he) return -1;
    *he = 0;
    int host = !strcmp(hs, "client") ? 0 : !strcmp(hs, "server") ? 1 : !strcmp(hs, "link") ? -1 : -2;
    if (host == -2) return -1;
    char *layer = he + 1, *le = strchr(layer, ' ');
    const char *text = "";
    if (le) *le = 0, text = le + 1;
    if (!tl->n_lines++) tl->t_first = t;
    tl->t_last = t;
    double exact = field(text, "bytes_done=");
    if (exact >= 0) {
        tl->exact = 1;
        progress(tl, t, exact);
    }
    if (!strcmp(layer, "smb")) on_smb(tl, t, host, text);
    else if (!strcmp(layer, "ike")) on_ike(tl, t, host, text);
    else if (!strcmp(layer, "ipsec")) on_ipsec(tl, t, host, text);
    else if (!strcmp(layer, "rec")) on_rec(tl, t, host, text);
    else if (!strcmp(layer, "tcp") && !strcmp(text, "established") && host == 0) event(tl, t, host, EV_ESTABLISHED);
    else if (!strcmp(layer, "scn") && starts(text, "copy ends: ")) snprintf(tl->end_text, sizeof tl->end_text, "%s", text + 11);
    return 0;
}

static void timeline_fini(timeline *tl)
{
    free(tl->prog);
    free(tl->evs);
    free(tl->negs);
    free(tl->intrs);
    free(tl->msgs[0].v);
    free(tl->msgs[1].v);
    memset(tl, 0, sizeof *tl);
}

/* Reads the trace from F (named PATH in messages) into TL. */
static int read_stream(FILE *f, const char *path, timeline *tl, char *err, size_t errlen)
{
    memset(tl, 0, sizeof *tl);
    char *line = NULL;
    size_t cap = 0, lineno = 0, bad = 0, first_bad = 0;
    while (getline(&line, &cap, f) >= 0 && !tl->oom) {
        lineno++;
        if (parse_line(tl, line) && !bad++) first_bad = lineno;
    }
    int rd = ferror(f);
    free(line);
    if (tl->oom) return timeline_fini(tl), snprintf(err, errlen, "out of memory reading %s", path), PLOT_ENOMEM;
    if (rd) return timeline_fini(tl), snprintf(err, errlen, "%s: cannot read the trace", path), PLOT_EINPUT;
    if (tl->n_lines == 0 || bad > tl->n_lines) {
        timeline_fini(tl);
        if (bad) snprintf(err, errlen, "%s:%zu: not a rekeysim trace line (\"<seconds> <host> <layer> <text>\")", path,
                          first_bad);
        else snprintf(err, errlen, "%s: the trace is empty", path);
        return PLOT_EINPUT;
    }
    return 0;
}

static int read_trace(const char *path, timeline *tl, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) return snprintf(err, errlen, "%s: cannot read the trace: %s", path, strerror(errno)), PLOT_EINPUT;
    int rc = read_stream(f, path, tl, err, errlen);
    fclose(f);
    return rc;
}

int plot_run_scan(const char *trace_path, plot_run_counts *counts_out, char *err, size_t errlen)
{
    timeline tl;
    int rc = read_trace(trace_path, &tl, err, errlen);
    if (rc) return rc;
    plot_run_counts c = {.n_lines = tl.n_lines, .n_progress = tl.n_prog, .n_negotiations = tl.n_negs,
                         .n_interruptions = tl.n_intrs, .bytes_delivered = (uint64_t)tl.shown, .t_end_s = tl.t_last};
    for (size_t i = 0; i < tl.n_evs; i++) {
        int k = tl.evs[i].kind;
        if (k == EV_INSTALL_HARD || k == EV_INSTALL_SOFT || k == EV_INSTALL_BLOCKED) c.n_sa_installs++;
        else if (k == EV_DELETE) c.n_sa_deletes++;
        else if (k == EV_FALLBACK) c.n_fallbacks++;
        else if (k == EV_BLOCK) c.n_blocks++;
    }
    timeline_fini(&tl);
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
    size_t n_hard = block_events(b, tl, "sa_hard", EV_INSTALL_HARD, -1);
    size_t n_soft = block_events(b, tl, "sa_soft", EV_INSTALL_SOFT, -1);
    size_t n_blk = block_events(b, tl, "sa_block", EV_INSTALL_BLOCKED, EV_BLOCK);
    size_t n_del = block_events(b, tl, "sa_del", EV_DELETE, -1);
    size_t n_fb = block_events(b, tl, "fallback", EV_FALLBACK, -1);
    plot__buf_printf(b, "set tmargin at screen 0.38\nset bmargin at screen 0.09\nunset title\n"
                        "set xlabel 'simulated time (s)'\nset format x '%%g'\nunset ylabel\n"
                        "set yrange [0.4:4.6]\nset ytics ('server IPsec' 1, 'server IKE' 2, 'client IPsec' 3, "
                        "'client IKE' 4)\nset grid xtics\nset key outside right top vertical\n");
    int first = 1;
    /* An exchange lasts milliseconds on a LAN: a bar for its length and a
     * point at its start, so it stays visible on a scale of minutes. */
    if (n_ok) elem(b, &first, "%s using 1:2:3:(0) with vectors nohead lw 7 lc rgb '#2ca02c' title 'IKE exchange, succeeded', "
                              "$neg_ok using 1:2 with points pt 7 ps 0.7 lc rgb '#2ca02c' notitle", "$neg_ok");
    if (n_fail) elem(b, &first, "%s using 1:2:3:(0) with vectors nohead lw 7 lc rgb '#d62728' title 'IKE exchange, failed', "
                                "$neg_fail using 1:2 with points pt 7 ps 0.7 lc rgb '#d62728' notitle", "$neg_fail");
    if (n_open) elem(b, &first, "%s using 1:2:3:(0) with vectors nohead lw 7 lc rgb '#999999' title 'IKE exchange, unfinished', "
                                "$neg_open using 1:2 with points pt 7 ps 0.7 lc rgb '#999999' notitle", "$neg_open");
    if (n_hard) elem(b, &first, "%s using 1:2 with points pt 9 ps 1.6 lc rgb '#2ca02c' title 'hard SA installed'", "$sa_hard");
    if (n_soft) elem(b, &first, "%s using 1:2 with points pt 8 ps 1.6 lc rgb '#1f77b4' title 'soft (clear) SA installed'", "$sa_soft");
    if (n_blk) elem(b, &first, "%s using 1:2 with points pt 5 ps 1.4 lc rgb '#000000' title 'blocked'", "$sa_block");
    if (n_del) elem(b, &first, "%s using 1:2 with points pt 11 ps 1.6 lc rgb '#d62728' title 'SA deleted'", "$sa_del");
    if (n_fb) elem(b, &first, "%s using 1:2 with points pt 13 ps 2.0 lc rgb '#ff7f0e' title 'fallback to clear'", "$fallback");
    if (first) plot__buf_printf(b, "plot NaN notitle");
    plot__buf_printf(b, "\n");
}

static void build_script(plot_buf *b, const timeline *tl, const char *trace_path, const char *out_path)
{
    plot_unit u = plot__size_unit(tl->shown > 0 ? tl->shown : 1, tl->shown > 0 ? tl->shown : 1);
    size_t olen = strlen(out_path);
    int svg = olen >= 4 && !strcmp(out_path + olen - 4, ".svg");
    block_progress(b, tl, u.div);
    if (svg) plot__buf_printf(b, "set terminal svg size %d,%d noenhanced font 'sans,10' background rgb 'white'\n",
                              PLOT_RUN_WIDTH_PX, PLOT_RUN_HEIGHT_PX);
    else plot__buf_printf(b, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n", PLOT_RUN_WIDTH_PX,
                          PLOT_RUN_HEIGHT_PX);
    plot__buf_printf(b, "set output ");
    plot__buf_gp_string(b, out_path);
    char title[2048];
    const char *base = strrchr(trace_path, '/');
    char outcome[96];
    if (!tl->end_text[0]) snprintf(outcome, sizeof outcome, "copy end not traced");
    else if (!strcmp(tl->end_text, "none")) snprintf(outcome, sizeof outcome, "copy completed");
    else snprintf(outcome, sizeof outcome, "copy failed: %s", tl->end_text);
    snprintf(title, sizeof title, "Run timeline (trace %s): %s, %s%.4g %s delivered in %.6g s",
             base ? base + 1 : trace_path, outcome, tl->exact ? "" : "about ",
             tl->shown / u.div, u.name, tl->t_last - tl->t_first);
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
        if (tl->evs[i].kind == EV_ESTABLISHED) {
            plot__buf_printf(b,
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

/* Draws TL (released here) into OUT_PATH. */
static int draw(timeline *tl, const char *trace_path, const char *out_path, char *err, size_t errlen)
{
    for (const char *s = out_path; *s; s++)
        if ((unsigned char)*s < 0x20) {
            timeline_fini(tl);
            return snprintf(err, errlen, "plot file name has a control character"), PLOT_EINPUT;
        }
    plot_buf script = {0};
    build_script(&script, tl, trace_path, out_path);
    timeline_fini(tl);
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

int plot_run_timeline(const char *trace_path, const char *out_path, char *err, size_t errlen)
{
    timeline tl;
    int rc = read_trace(trace_path, &tl, err, errlen);
    return rc ? rc : draw(&tl, trace_path, out_path, err, errlen);
}

int plot_run_timeline_stream(FILE *trace, const char *label, const char *out_path, char *err, size_t errlen)
{
    timeline tl;
    int rc = read_stream(trace, label, &tl, err, errlen);
    return rc ? rc : draw(&tl, label, out_path, err, errlen);
}
