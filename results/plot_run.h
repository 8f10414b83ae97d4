#ifndef RESULTS_PLOT_RUN_H
#define RESULTS_PLOT_RUN_H
/*
 * The single-run timeline behind `rekeysim run --trace FILE --plot OUT`: it
 * reads a run's trace (one line per model event, "<seconds> <host> <layer>
 * <text>", as models/record.c writes it) and draws the file bytes delivered
 * over simulated time, with the IKE negotiations and the SA installs and
 * deletes of each host on lanes below it, fallbacks to clear, block
 * decisions and the interruption episodes shaded. The picture comes from the
 * trace alone; gnuplot gets the script on its standard input, so nothing is
 * written but OUT.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Image size of the timeline in pixels. */
#define PLOT_RUN_WIDTH_PX 1100
#define PLOT_RUN_HEIGHT_PX 700

/* What a trace holds, as the timeline sees it. */
typedef struct plot_run_counts {
    size_t n_lines;             /* trace lines read */
    size_t n_progress;          /* points of the bytes-delivered curve (before thinning) */
    size_t n_sa_installs, n_sa_deletes;
    size_t n_negotiations;      /* initiator exchanges (rekeys included) */
    size_t n_fallbacks, n_blocks;
    size_t n_interruptions;
    uint64_t bytes_delivered;   /* file bytes delivered at the end of the trace */
    double t_end_s;             /* time of the last line */
} plot_run_counts;

/* Reads the trace at TRACE_PATH. Returns 0 and *counts_out, or PLOT_EINPUT
 * (missing, unreadable or not a trace) / PLOT_ENOMEM with ERR filled. */
int plot_run_scan(const char *trace_path, plot_run_counts *counts_out, char *err, size_t errlen);

/* Draws the timeline of the trace at TRACE_PATH into OUT_PATH: an SVG when
 * the name ends in ".svg", a PNG otherwise. Returns 0, or PLOT_EINPUT (bad
 * trace), PLOT_ENOGNUPLOT (ERR names the package), PLOT_EGNUPLOT, PLOT_EIO or
 * PLOT_ENOMEM (results/plot.h) with a one-line message in ERR. */
int plot_run_timeline(const char *trace_path, const char *out_path, char *err, size_t errlen);
/* The same from an open stream TRACE (read from its current position to its
 * end; borrowed, not closed), for a trace kept in a tmpfile() when the run
 * was asked for --plot without --trace. LABEL names it in messages. */
int plot_run_timeline_stream(FILE *trace, const char *label, const char *out_path, char *err, size_t errlen);

#endif
