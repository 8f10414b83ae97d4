#ifndef RESULTS_PLOT_RUN_H
#define RESULTS_PLOT_RUN_H
/*
 * The single-run timeline behind `rekeysim run --plot OUT`: a sink of the
 * run's typed events (models/core/event.h) that draws the file bytes
 * delivered over simulated time, with the IKE negotiations and the SA
 * installs and deletes of each host on lanes below it, fallbacks to clear,
 * block decisions and the interruption episodes shaded (in a fleet run, copy
 * 1's: the events of the other copies are counted, not drawn, and the title
 * says "copy 1 of N"). It consumes events,
 * never trace text (tests/results/test_timeline_reads_events.sh checks it);
 * gnuplot gets the script on its standard input, so nothing is written but
 * OUT.
 */
#include <stddef.h>
#include <stdint.h>
#include "models/core/event.h"

/* Image size of the timeline in pixels. */
#define PLOT_RUN_WIDTH_PX 1100
#define PLOT_RUN_HEIGHT_PX 700

typedef struct plot_timeline plot_timeline;

/* What the timeline has collected. */
typedef struct plot_run_counts {
    size_t n_events;   /* events seen */
    size_t n_progress; /* points of the bytes-delivered curve (before thinning) */
    size_t n_sa_installs, n_sa_deletes;
    size_t n_negotiations; /* initiator exchanges (rekeys included) */
    size_t n_fallbacks, n_blocks;
    size_t n_interruptions;
    uint64_t bytes_delivered; /* file bytes delivered at the last event */
    double t_end_s;           /* time of the last event */
} plot_run_counts;

/* An empty timeline, or NULL when out of memory; free with
 * plot_timeline_free (NULL no-op). */
plot_timeline *plot_timeline_new(void);
void plot_timeline_free(plot_timeline *tl);
/* The sink function: CTX is a plot_timeline (rec_sink{plot_timeline_event, tl}). */
void plot_timeline_event(void *ctx, const ev_event *e);

/* Fills *counts_out. Returns 0, or PLOT_ENOMEM if an event was lost. */
int plot_timeline_counts(const plot_timeline *tl, plot_run_counts *counts_out);

/* Draws TL into OUT_PATH: an SVG when the name ends in ".svg", a PNG
 * otherwise; LABEL names the run in the title (its trace file or scenario).
 * Returns 0, or PLOT_EINPUT (no events, bad name), PLOT_ENOGNUPLOT (ERR names
 * the package), PLOT_EGNUPLOT, PLOT_EIO or PLOT_ENOMEM (results/plot.h) with
 * a one-line message in ERR. */
int plot_timeline_draw(const plot_timeline *tl, const char *label, const char *out_path, char *err, size_t errlen);

#endif
