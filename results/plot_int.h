#ifndef RESULTS_PLOT_INT_H
#define RESULTS_PLOT_INT_H
/*
 * Internals shared by the plotting files (plot.c: the database, an
 * experiment's axes, strings, units, labels and output files; plot_data.c:
 * rows into curves and each figure's query; plot_layout.c: the panels and
 * keys of the p_complete figure; plot_figures.c: the four figures' .dat and
 * .gp; plot_gnuplot.c: gnuplot's language and process; plot_run.c: the
 * single-run timeline; report_*.c: the HTML report). Not for other modules:
 * they use results/plot.h, results/plot_run.h and results/report.h.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include "models/core/params.h"
#include "results/plot.h"
#include "results/store.h"

/* One registry parameter present as a points column. */
typedef struct plot_col {
    const prm_entry *p;
    char name[64]; /* the column: dots as underscores */
} plot_col;

struct plot_db {
    char *path;
    res_store *store; /* validation, experiments, meta */
    sqlite3 *db;      /* read-only connection for the figure queries */
    plot_col *cols;   /* every registry parameter, registry order */
    size_t n_cols;
    res_experiment *exps; /* id order */
    size_t n_exps;
};

/* The shape of one experiment: which parameter columns take two or more
 * values among its points (the searched parameter excluded) as axes of
 * their own, which vary only along with them, and counts. */
typedef struct plot_axes {
    const res_experiment *e;
    size_t exp_index;
    int64_t n_points, n_runs, n_completed, n_thresholds;
    int search_col; /* index into cols of the searched parameter, or -1 */
    size_t *vary;   /* indices into cols, registry order; owned */
    size_t n_vary;
    size_t *dependent; /* columns that vary only as a function of the axes before them
                                   (parameters a scenario preset sets); owned */
    size_t n_dependent;
    int col_file_size, col_link_rate, col_scenario, col_qm_kb, col_fleet_clients; /* indices into cols */
} plot_axes;
int plot__axes_init(plot_db *db, size_t exp_index, plot_axes *a, char *err, size_t errlen);
void plot__axes_fini(plot_axes *a);
int plot__varies(const plot_axes *a, int col);
int plot__dependent(const plot_axes *a, int col);
/* The varying columns except those in SKIP (N_SKIP entries, -1 ignored):
 * written to OUT (room for a->n_vary), count returned. */
size_t plot__other_axes(const plot_axes *a, const int *skip, size_t n_skip, size_t *out);

/* A growable string; on allocation failure it sets oom and stops growing. */
typedef struct plot_buf {
    char *s;
    size_t len, cap;
    int oom;
} plot_buf;
void plot__buf_printf(plot_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void plot__buf_append(plot_buf *b, const char *s, size_t n);
void plot__buf_fini(plot_buf *b);
/* "a, b, c" of the columns' names, each prefixed with PREFIX ("" or "p."). */
void plot__buf_cols(plot_buf *b, const plot_db *db, const size_t *cols, size_t n, const char *prefix);

/* Rows of a query grouped into curves. The query's columns are, in order:
 * the N_CURVE_COLS curve columns, the point id (or any integer), the x value
 * and N_VALUES numbers (NULL becomes NAN); rows must come ordered by the
 * curve columns. A curve's label joins its curve values in human form;
 * the values themselves are kept per curve (plot_series.values). */
#define PLOT_MAX_VALUES 10
typedef struct plot_row {
    int64_t id;
    double x;
    double v[PLOT_MAX_VALUES];
} plot_row;
typedef struct plot_curve {
    char label[256];
    int baseline;    /* its scenario is no-ipsec (and scenario is a curve column) */
    size_t first, n; /* rows[first .. first + n - 1] */
} plot_curve;
/* One curve's value of one curve column: its SQL text, which tells curves
 * apart (NULL for SQL NULL), and its piece of the label in human form. */
typedef struct plot_value {
    char *text; /* owned */
    char piece[128];
} plot_value;
typedef struct plot_series {
    plot_row *rows;
    size_t n_rows;
    plot_curve *curves;
    size_t n_curves;
    size_t n_curve_cols;
    plot_value *values; /* curve k's value of curve column i at [k * n_curve_cols + i]; owned */
} plot_series;
/* Runs SQL (built only from fixed text and registry column names) with ?1
 * bound to EXPERIMENT_ID. Returns 0 and fills OUT (release with
 * plot__series_fini), or PLOT_EIO / PLOT_ENOMEM with ERR filled. */
int plot__fetch(plot_db *db, const char *sql, int64_t experiment_id, const size_t *curve_cols, size_t n_curve_cols,
                size_t n_values, plot_series *out, char *err, size_t errlen);
void plot__series_fini(plot_series *s);

/* The series behind the figures (plot_data.c), shared with the report so
 * that its findings say what the figures show.
 *   p_complete: curves over the varying axes but file.size; x file_size;
 *     values p_complete, _lo, _hi, n_runs, n_completed;
 *   duration: the same curves and x over points with a completed copy;
 *     values duration_mean_s, _lo_s, _hi_s, n_completed, n_runs;
 *   first interruption: curves over the varying axes but link.rate and
 *     file.size; x link.rate when it varies, else file.size (*xcol_out);
 *     values runs with an interruption, bytes median, q1, q3, seconds
 *     median, q1, q3;
 *   critical: curves over the varying axes but x (*xcol_out: link.rate or
 *     the first numeric axis, -1 if none, then x is NAN); values critical,
 *     lo, hi, status (a plot_search_status: 0 bracketed, 1 all_pass,
 *     2 none_pass, 3 other), runs, probes, undecided probes, target. */
int plot__p_complete_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen);
int plot__duration_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen);
int plot__first_interruption_fetch(plot_db *db, const plot_axes *a, int *xcol_out, plot_series *out, char *err,
                                   size_t errlen);
int plot__critical_fetch(plot_db *db, const plot_axes *a, int *xcol_out, plot_series *out, char *err, size_t errlen);
/* Fleets (issue 16), from point_summary:
 *   fleet complete: the curves and x of p_complete over points whose runs
 *     have copies; values copies_complete_mean, _lo, _hi, n_runs,
 *     n_completed (runs in which every copy completed);
 *   makespan: curves over the varying axes but fleet.clients; x
 *     fleet.clients; values makespan_mean_s, _lo_s, _hi_s, n_runs,
 *     copies_complete_mean and the reference N x size x 8 / (rate x
 *     PLOT_WIRE_EFFICIENCY_SQL), rate the bottleneck's towards the clients.
 * plot__fleet_runs: whether any run of A has more than one copy (0/1), or
 * PLOT_EIO with ERR filled. */
int plot__fleet_complete_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen);
int plot__makespan_fetch(plot_db *db, const plot_axes *a, plot_series *out, char *err, size_t errlen);
int plot__fleet_runs(plot_db *db, const plot_axes *a, char *err, size_t errlen);
/* File bytes per byte on the bottleneck in full segments without IPsec:
 * (MTU - 40) / (MTU + framing), times SMB's 64-byte header per 60 KiB READ
 * (the law tests/models/test_fleet.c checks within 3 %). SQL over the
 * points columns. */
#define PLOT_WIRE_EFFICIENCY_SQL "((link_mtu - 40.0) / (link_mtu + link_overhead) * 61440.0 / 61504.0)"
/* The x column of the critical figure: link.rate when it varies, else the
 * first varying numeric axis; -1 when there is none. */
int plot__critical_x(const plot_axes *a, const plot_db *db);

/* The layout of the p_complete figure (plot_layout.c): panels by one curve
 * column, keys by the others, the image's pixel geometry. */
typedef struct plot_layout {
    int panel_col; /* index among the series' curve columns; -1: one panel */
    size_t n_panels, n_keys;
    size_t rows, cols;         /* the panel grid, filled row by row */
    size_t *panel_of, *key_of; /* per curve; owned (one block with the three below) */
    size_t *panel_curve;       /* per panel, in value order: one of its curves (names the panel) */
    size_t *key_curve;         /* per key: its first curve (names the key) */
    size_t *key_order;         /* the keys in drawing order: grey no-ipsec references first */
    size_t n_grey;             /* keys drawn as grey references: the no-ipsec keys when some key is not */
    int width, height;         /* the image */
    int left, right, top, bottom, xgap, ygap; /* around and between the panels' plot areas */
    int key_rows;                             /* rows of the shared legend below the panels */
} plot_layout;
#define PLOT_BAND_LABEL "bars: Wilson 95 % interval" /* the legend entry of the error bars */
/* Fills L for the series S of p_complete, whose curve columns are CURVE
 * (N_CURVE of them, as plot__p_complete_fetch chose them), with room in
 * the legend for N_EXTRA entries besides the keys and the bars. Returns 0 or
 * PLOT_ENOMEM; release with plot__layout_fini (L's arrays are owned). */
int plot__layout_init(plot_layout *l, const plot_axes *a, const size_t *curve, size_t n_curve, const plot_series *s,
                      size_t n_extra);
void plot__layout_fini(plot_layout *l);
/* The legend label of key J: its values but the panel's, in human form. */
void plot__layout_key_label(const plot_layout *l, const plot_series *s, size_t j, char *buf, size_t n);
/* The colour of the key drawn R-th (its line and its band); a static string. */
const char *plot__layout_key_colour(const plot_layout *l, size_t r);
/* The gnuplot style of the key drawn R-th ("lc rgb ... dt ... lw ... pt ... ps ..."). */
void plot__layout_key_style(const plot_layout *l, size_t r, char *buf, size_t n);
/* The curve of key J in panel P, or (size_t)-1 when the key has no rows there. */
size_t plot__layout_curve_at(const plot_layout *l, const plot_series *s, size_t p, size_t j);
/* The human name of panel P ("10 Mbps"), borrowed from S. */
const char *plot__layout_panel_label(const plot_layout *l, const plot_series *s, size_t p);

/* Human form of a value of P in base units (bytes, bit/s, ns ...): exact
 * values as the registry writes them ("100 Mbps", "64 MiB"), others rounded
 * to three significant digits in the nearest binary unit ("97.7 MiB"). */
void plot__human(const prm_entry *p, double base, char *buf, size_t n);
/* A points column value of P as stored (seconds for times) to base units. */
double plot__db_to_base(const prm_entry *p, double db_value);
/* Short human label of one curve value: the bare value for scenario,
 * file.size and link.rate ("kb977526", "100 Mbps"), "N clients" for
 * fleet.clients ("1 client", "40 clients"), "NAME=VALUE" otherwise. */
void plot__label_piece(const prm_entry *p, sqlite3_stmt *st, int i, char *buf, size_t n);

/* The display unit of an axis for values of P (base units) within [LO, HI]:
 * sizes in B/KiB/MiB/GiB, rates in Kbps/Mbps/Gbps, times in s. */
typedef struct plot_unit {
    char name[16];
    double div; /* display value = base / div */
} plot_unit;
plot_unit plot__unit(const prm_entry *p, double lo, double hi);
/* The same for a size in bytes. */
plot_unit plot__size_unit(double lo, double hi);

/* Output files: written to a mkstemp name in DIR and renamed over DIR/NAME by
 * plot__out_close, so a reader never sees half a file. */
typedef struct plot_out {
    FILE *f;
    char tmp[4096], final[4096];
} plot_out;
int plot__out_open(plot_out *o, const char *dir, const char *name, char *err, size_t errlen);
/* Closes and renames (or removes the temporary file when FAILED). */
int plot__out_close(plot_out *o, int failed, char *err, size_t errlen);
/* mkdir -p DIR. */
int plot__mkdirs(const char *dir, char *err, size_t errlen);
/* Reads DIR/NAME whole into a NUL-terminated buffer (caller frees). */
char *plot__slurp(const char *dir, const char *name, size_t *len_out);
/* Copies S into BUF keeping [A-Za-z0-9._-] and mapping others to '_'. */
void plot__safe_name(const char *s, char *buf, size_t n);
/* The file-name part of experiment E: its safe name, with "-e<id>" added
 * when another experiment's safe name is the same. */
void plot__exp_stem(const plot_db *db, size_t e, char *buf, size_t n);

/* gnuplot's language and process (plot_gnuplot.c). */
/* The curve colours (cycled). */
extern const char *const plot__colours[];
extern const size_t plot__n_colours;
/* Writes S as a gnuplot single-quoted string ('' for a quote; control
 * characters become spaces, so nothing from the database can end the
 * string or the line). */
void plot__gp_string(FILE *f, const char *s);
/* The same appended to a buffer. */
void plot__buf_gp_string(plot_buf *b, const char *s);
/* Writes S with control characters replaced by spaces (for comments). */
void plot__gp_comment_text(FILE *f, const char *s);
/* The standard opening of a figure script: comments, the line that makes
 * relative file names resolve next to the script, missing-value marker. */
void plot__gp_preamble(FILE *f, const char *stem, const char *title, const plot_db *db, const char *experiment);
/* "do for [fmt in ...] { set terminal ...; set output ..." and its end. */
void plot__gp_terminals_begin(FILE *f, const char *stem, int width, int height);
void plot__gp_terminals_end(FILE *f);

/* Finds gnuplot on PATH: 0 and its path in BUF, or PLOT_ENOGNUPLOT. */
int plot__gnuplot_find(char *buf, size_t n);
/* Runs gnuplot in directory DIR on SCRIPT (a file name relative to DIR) or,
 * when SCRIPT is NULL, on INPUT (LEN bytes fed to its standard input).
 * Returns 0, PLOT_ENOGNUPLOT, PLOT_EGNUPLOT (with gnuplot's first error
 * line in ERR) or PLOT_EIO. */
int plot__gnuplot_run(const char *dir, const char *script, const char *input, size_t len, char *err, size_t errlen);
/* The message for a missing gnuplot, naming the package. */
void plot__no_gnuplot_msg(char *err, size_t errlen);

#endif
