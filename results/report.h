#ifndef RESULTS_REPORT_H
#define RESULTS_REPORT_H
/*
 * The capacity-planning report behind `rekeysim report`: one self-contained
 * HTML page (CSS inline, figures inline as SVG, no script, no network) that
 * opens with the answer (one table: per scenario row and link rate column
 * the largest file size with p_complete >= 0.95, or "never establishes",
 * the first interruption and its cause, the best what-if change), then the
 * figures of results/plot.h, then the details: findings written as
 * sentences from the data, what was simulated (spec text, settings), the
 * point_summary and thresholds tables and the provenance (meta, the sweep
 * history).
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
