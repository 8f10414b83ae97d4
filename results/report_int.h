#ifndef RESULTS_REPORT_INT_H
#define RESULTS_REPORT_INT_H
/*
 * Internals shared by the report's files: report_layout.c (the page, its
 * HTML helpers and queries), report_findings.c (the answer table, the key
 * findings and the what-if findings) and report_fleet.c (the fleet
 * findings under the answer table).
 * Not for other modules: they use results/report.h.
 */
#include <sqlite3.h>
#include <stdint.h>
#include "results/plot_int.h"

/* One report being written: the page grows in H; the first error's message
 * goes to ERR. DB and DIR are borrowed. */
typedef struct report_ctx {
    plot_db *db;
    plot_buf h;
    char *err;
    size_t errlen;
    const char *dir; /* the output directory, where the figures' SVG files are */
} report_ctx;

/* Appends S HTML-escaped (& < > " ' as entities, control characters but
 * newline and tab as spaces). NULL appends nothing. */
void report__esc(plot_buf *b, const char *s);
/* The same for printf output (at most 2047 bytes). */
void report__escf(plot_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Human form of V, a value of column COL as stored ("n/a" for NAN). */
void report__human_db(const plot_col *col, double v, char *buf, size_t n);
/* Prepares SQL on the figures' connection with ?1 bound to EXPERIMENT_ID
 * (unless negative). Returns 0, or PLOT_EIO with R->err filled. */
int report__prepare(report_ctx *r, sqlite3_stmt **st, const char *sql, int64_t experiment_id);
/* Finalizes ST; STEP_RC is the last sqlite3_step result. Returns 0 when it
 * was SQLITE_DONE, else PLOT_EIO with R->err filled. */
int report__finish(report_ctx *r, sqlite3_stmt *st, int step_rc);

/* Appends the <ul class="findings"> of the experiment of A. Returns 0 or a
 * PLOT_E* code with R->err filled. */
int report__findings(report_ctx *r, const plot_axes *a);

/* Appends the answer section at the top of the page: one table, rows the
 * scenario (and the other row axes: a path preset, a lifetime ...) of each
 * experiment that varies or searches file.size, columns the link rates,
 * each cell the largest file size with p_complete >= 0.95 (from the
 * threshold search's bracket, else from the tested sizes, marked so),
 * "never establishes" or "every size tested completes", with the median
 * first interruption and its most common cause; a what-if column when the
 * database has whatif rows, then the what-if findings (report__whatif).
 * EXPERIMENT is an index or (size_t)-1 for all. Cells carry their numbers
 * in data- attributes (report_findings.c says which). Returns 0 or a
 * PLOT_E* code with R->err filled. */
int report__answer(report_ctx *r, size_t experiment);

/* Appends the fleet findings (results/report_fleet.c) of experiment
 * EXPERIMENT (an index or (size_t)-1 for all) whose runs have more than
 * one copy: a heading, a note and one list; nothing when there is none.
 * Returns 0 or a PLOT_E* code with R->err filled. */
int report__fleet(report_ctx *r, size_t experiment);

/* Appends the what-if findings (one per stored `rekeysim whatif`, its best
 * change) when the database has whatif rows; nothing otherwise. Returns 0
 * or a PLOT_E* code with R->err filled. */
int report__whatif(report_ctx *r);

#endif
