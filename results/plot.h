#ifndef RESULTS_PLOT_H
#define RESULTS_PLOT_H
/*
 * Figures of a results database, driven only by SQL over its tables and
 * views: for each experiment, p_complete vs file size with Wilson error bars,
 * the first interruption (bytes and time), copy duration with the no-ipsec
 * baseline, the critical file size of a threshold search, and for fleets
 * (fleet.clients > 1) the share of copies completed and the makespan. Each figure is
 * four files in the output directory: STEM.dat (the data, base units),
 * STEM.gp (a gnuplot script that reads the .dat and writes STEM.png and
 * STEM.svg; re-runnable by hand), and the two images, rendered by running
 * gnuplot directly (fork + exec, never a shell). Library code: it never
 * prints to stdout; skipped figures are reported on a caller's stream.
 */
#include <stddef.h>
#include <stdio.h>

typedef struct plot_db plot_db;

/* Error codes. PLOT_EINPUT is the user's input (exit status 2: a missing or
 * foreign database, an unknown experiment, an unreadable trace); the others
 * are the environment (exit status 1). */
enum {
    PLOT_EIO = -1,        /* cannot read the database or write an output file */
    PLOT_ENOMEM = -2,     /* out of memory */
    PLOT_ENOGNUPLOT = -3, /* gnuplot is not installed: .dat and .gp written, images not */
    PLOT_EGNUPLOT = -4,   /* gnuplot ran and failed */
    PLOT_EINPUT = -10     /* bad input, see above */
};
int plot_error_is_input(int rc);
const char *plot_strerror(int rc);

/* The figure kinds, in the order they are written. */
typedef enum {
    PLOT_FIG_P_COMPLETE = 0,     /* (a) share completed vs file size, Wilson 95 % bars */
    PLOT_FIG_FIRST_INTERRUPTION, /* (b) bytes and time to the first interruption */
    PLOT_FIG_DURATION,           /* (c) copy duration vs file size, no-ipsec baseline */
    PLOT_FIG_CRITICAL_SIZE,      /* (d) critical value of a threshold search vs link rate */
    PLOT_FIG_CAPACITY_MAP,       /* (e) the critical value over two axes of a search: a heat map */
    PLOT_FIG_FLEET_COMPLETE,     /* (f) fleets: share of copies completed vs file size, one curve per N */
    PLOT_FIG_MAKESPAN,           /* (g) fleets: makespan vs fleet.clients, with the N x size / rate law */
    PLOT_FIG_COUNT
} plot_kind;
/* The file-name part of a kind ("p_complete", "first_interruption", ...). */
const char *plot_kind_name(int kind);

/* The statuses of a threshold search (column search_status of the view
 * threshold_summary): exactly the names the sweep's runner writes, with the
 * code that stands for each in column 6 of a critical_size .dat. */
typedef enum {
    PLOT_SEARCH_BRACKETED = 0, /* "bracketed": the final bracket has one end passing, one not */
    PLOT_SEARCH_ALL_PASS,      /* "all_pass": every probe passed, no crossing in the range */
    PLOT_SEARCH_NONE_PASS,     /* "none_pass": no probe passed, no crossing in the range */
    PLOT_SEARCH_OTHER          /* any other text (none is written) */
} plot_search_status;
/* The name of STATUS as stored ("bracketed", "all_pass", "none_pass"); NULL
 * for PLOT_SEARCH_OTHER and anything out of range. A static string. */
const char *plot_search_status_name(int status);

/* Image sizes in pixels (the PNG's IHDR and the SVG's width and height). */
#define PLOT_WIDTH_PX 960
#define PLOT_HEIGHT_PX 600
#define PLOT_TALL_HEIGHT_PX 800 /* PLOT_FIG_FIRST_INTERRUPTION: two panels */

/* One figure written by plot_write_figures. */
typedef struct plot_figure {
    char *stem;        /* "<experiment>-<kind name>", the name sanitised to [A-Za-z0-9._-] (with
                            "-e<id>" when two experiments would share it); files STEM.* */
    char *title;       /* plain text (not escaped) */
    char *caption;     /* one plain-text sentence: what is drawn and from which SQL */
    size_t experiment; /* index, see plot_db_experiment_name */
    int kind;          /* plot_kind */
    int width_px, height_px;
    int rendered; /* STEM.png and STEM.svg were written (set by plot_render_figures) */
} plot_figure;

/* Opens the rekeysim database at PATH read-only (checked as the store
 * checks it: application id, schema version, points columns). Returns 0 and
 * *db_out (caller frees with plot_db_free), or PLOT_EINPUT / PLOT_EIO /
 * PLOT_ENOMEM with a one-line message naming the file in ERR. */
int plot_db_new(const char *path, char *err, size_t errlen, plot_db **db_out);
/* NULL is a no-op. */
void plot_db_free(plot_db *db);
/* The database's experiments in id order; names borrowed from DB. */
size_t plot_db_n_experiments(const plot_db *db);
const char *plot_db_experiment_name(const plot_db *db, size_t i);
/* The index of experiment NAME. Returns 0 and *index_out, or PLOT_EINPUT with
 * ERR listing the known names. */
int plot_db_find_experiment(const plot_db *db, const char *name, size_t *index_out, char *err, size_t errlen);
/* The path the database was opened with (borrowed). */
const char *plot_db_path(const plot_db *db);

/* Writes STEM.dat and STEM.gp for every figure the experiment's axes
 * support, for experiment EXPERIMENT (an index) or for all experiments when
 * EXPERIMENT is (size_t)-1, into OUT_DIR (created if missing). Figures that
 * do not apply are skipped with one line on NOTES (may be NULL). Returns 0
 * and the figures written (caller frees with plot_figures_free; the list may
 * be empty), or a PLOT_E* code with ERR filled. */
int plot_write_figures(plot_db *db, size_t experiment, const char *out_dir, FILE *notes, plot_figure **figs_out,
                       size_t *n_out, char *err, size_t errlen);
void plot_figures_free(plot_figure *figs, size_t n);

/* Runs gnuplot on each figure's STEM.gp in OUT_DIR, setting its rendered
 * flag. Returns 0; PLOT_ENOGNUPLOT (nothing run; ERR says which package to
 * install); or PLOT_EGNUPLOT with gnuplot's first error line in ERR. */
int plot_render_figures(plot_figure *figs, size_t n, const char *out_dir, char *err, size_t errlen);

#endif
