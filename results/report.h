#ifndef RESULTS_REPORT_H
#define RESULTS_REPORT_H
/*
 * The capacity-planning report behind `rekeysim report`: one self-contained
 * HTML page (CSS inline, figures inline as SVG, no script, no network) with
 * what was simulated (spec text, settings, provenance from meta and the
 * sweep history), key findings written as sentences from the data, the
 * figures of results/plot.h and the point_summary and thresholds tables.
 * Everything that comes from the database is HTML-escaped. Prefix report_
 * (report__ inside: results/report_int.h); errors are results/plot.h's.
 */
#include <stddef.h>
#include "results/plot.h"

/* Writes OUT_DIR/report.html for experiment EXPERIMENT of DB (an index, or
 * (size_t)-1 for every experiment). FIGS are the figures of
 * plot_write_figures (borrowed); a figure whose rendered flag is set is
 * embedded from OUT_DIR/STEM.svg, the others are named with a note that
 * gnuplot did not draw them. Returns 0 or a PLOT_E* code (results/plot.h)
 * with a one-line message in ERR; the file appears whole or not at all. */
int report_write(plot_db *db, size_t experiment, const plot_figure *figs, size_t n_figs, const char *out_dir, char *err,
                 size_t errlen);

#endif
