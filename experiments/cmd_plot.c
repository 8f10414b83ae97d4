/*
 * `rekeysim plot` and `rekeysim report`: the command-line side of
 * results/plot.h and results/report.h. Both open the database read-only,
 * pick one experiment (--experiment) or all, write each figure's .dat and
 * .gp, run gnuplot on them, and (report) write report.html. Only this file
 * prints and chooses exit statuses: 2 for bad input (options, a missing or
 * foreign database, an unknown experiment), 1 for the environment (gnuplot
 * missing or failing, an unwritable output directory). Without gnuplot the
 * .dat and .gp files (and the report, with notes in place of the figures)
 * are still written, so nothing computed is lost.
 */
#include <stdio.h>
#include <string.h>
#include "experiments/commands.h"
#include "experiments/opts.h"
#include "results/plot.h"
#include "results/report.h"

typedef struct plot_opts {
    const char *db, *experiment, *out;
} plot_opts;

static void help(const char *cmd, FILE *f)
{
    int report = !strcmp(cmd, "report");
    fprintf(f, "usage: rekeysim %s --db FILE [--experiment NAME] [--out DIR]\n\n", cmd);
    if (report)
        fprintf(f, "Writes DIR/report.html: one self-contained page (figures inline as SVG, no\n"
                   "script, no network) with what was simulated (spec, settings, provenance),\n"
                   "key findings computed from the results, the figures of `rekeysim plot` and\n"
                   "the point_summary and thresholds tables. The figure files are written too.\n\n");
    else
        fprintf(f, "Draws the figures of a results database with gnuplot. For each figure\n"
                   "EXPERIMENT-KIND it writes DIR/EXPERIMENT-KIND.png and .svg, the data (.dat,\n"
                   "in bytes, bit/s and seconds) and the gnuplot script (.gp) that reads it:\n"
                   "edit the script and run `gnuplot FILE.gp` to restyle. Figures:\n"
                   "  p_complete          share of copies completed vs file size, Wilson 95 %% bars\n"
                   "  first_interruption  bytes and time before the first interruption\n"
                   "  duration            copy duration vs file size, no-ipsec baseline\n"
                   "  critical_size       critical file size of a threshold search vs link rate\n"
                   "  capacity_map        the critical size of a search over two axes, a heat map\n"
                   "A figure the experiment's axes do not support is skipped with a note.\n\n");
    fprintf(f, "  --db FILE          the results database (from `rekeysim sweep`)\n"
               "  --experiment NAME  only this experiment (default: all)\n"
               "  --out DIR          output directory, created if missing (default: results/)\n\n"
               "Needs gnuplot (apt-get install gnuplot-nox). Exit status: 0 done, 1 gnuplot\n"
               "missing or failed or an output not writable, 2 bad input.\n");
}

/* Returns -1 to go on, or the exit status. */
static int parse(int argc, char **argv, plot_opts *o)
{
    *o = (plot_opts){NULL, NULL, "results"};
    const char *cmd = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int rc = 0;
        if (exp_opt_is(a, "--help", "-h")) {
            help(cmd, stdout);
            return EXP_OK;
        }
        const char **slot = (rc = exp_opt_value(argc, argv, &i, "--db", &v)) != 0           ? &o->db
                            : (rc = exp_opt_value(argc, argv, &i, "--experiment", &v)) != 0 ? &o->experiment
                            : (rc = exp_opt_value(argc, argv, &i, "--out", &v)) != 0        ? &o->out
                                                                                            : NULL;
        if (rc < 0) {
            fprintf(stderr, "rekeysim %s: %s %s; see `rekeysim %s --help`\n", cmd, a, exp_strerror(rc), cmd);
            return EXP_INPUT;
        }
        if (!slot) {
            fprintf(stderr, "rekeysim %s: unexpected argument '%s'; see `rekeysim %s --help`\n", cmd, a, cmd);
            return EXP_INPUT;
        }
        *slot = v;
    }
    if (!o->db || !*o->db) {
        fprintf(stderr, "rekeysim %s: --db FILE is required; see `rekeysim %s --help`\n", cmd, cmd);
        return EXP_INPUT;
    }
    if (!*o->out) {
        fprintf(stderr, "rekeysim %s: --out needs a directory name\n", cmd);
        return EXP_INPUT;
    }
    return -1;
}

static int status_of(int rc) { return rc == 0 ? EXP_OK : plot_error_is_input(rc) ? EXP_INPUT : EXP_RUNTIME; }

/* Opens the database and selects the experiment; returns -1 to go on. */
static int open_db(const char *cmd, const plot_opts *o, plot_db **db_out, size_t *exp_out)
{
    char err[1024];
    plot_db *db;
    int rc = plot_db_new(o->db, err, sizeof err, &db);
    if (rc) {
        fprintf(stderr, "rekeysim %s: %s\n", cmd, err);
        return status_of(rc);
    }
    *exp_out = (size_t)-1;
    if (plot_db_n_experiments(db) == 0) {
        fprintf(stderr, "rekeysim %s: %s holds no experiments yet; run `rekeysim sweep SPEC.ini --db %s` first\n", cmd,
                o->db, o->db);
        plot_db_free(db);
        return EXP_INPUT;
    }
    if (o->experiment && (rc = plot_db_find_experiment(db, o->experiment, exp_out, err, sizeof err))) {
        fprintf(stderr, "rekeysim %s: %s\n", cmd, err);
        plot_db_free(db);
        return status_of(rc);
    }
    *db_out = db;
    return -1;
}

/* Writes and renders the figures. Returns 0, or the PLOT_E* code after
 * printing its message (PLOT_ENOGNUPLOT leaves *figs_out usable). */
static int figures(const char *cmd, plot_db *db, size_t exp, const char *out, plot_figure **figs_out, size_t *n_out)
{
    char err[1024];
    int rc = plot_write_figures(db, exp, out, stderr, figs_out, n_out, err, sizeof err);
    if (rc) {
        fprintf(stderr, "rekeysim %s: %s\n", cmd, err);
        return rc;
    }
    rc = plot_render_figures(*figs_out, *n_out, out, err, sizeof err);
    if (rc == PLOT_ENOGNUPLOT)
        fprintf(stderr,
                "rekeysim %s: %s; the data and scripts are written (%s/*.dat, *.gp): run `gnuplot FILE.gp` "
                "once it is installed\n",
                cmd, err, out);
    else if (rc)
        fprintf(stderr, "rekeysim %s: %s\n", cmd, err);
    return rc;
}

int exp_cmd_plot(int argc, char **argv)
{
    plot_opts o;
    int st = parse(argc, argv, &o);
    if (st >= 0) return st;
    plot_db *db;
    size_t exp;
    if ((st = open_db(argv[0], &o, &db, &exp)) >= 0) return st;
    plot_figure *figs = NULL;
    size_t n = 0;
    int rc = figures(argv[0], db, exp, o.out, &figs, &n);
    if (!rc) {
        for (size_t i = 0; i < n; i++) printf("%s/%s.png (.svg .gp .dat)\n", o.out, figs[i].stem);
        if (n == 0) fprintf(stderr, "rekeysim plot: no figure applies to the selected experiments\n");
    }
    plot_figures_free(figs, n);
    plot_db_free(db);
    return status_of(rc);
}

int exp_cmd_report(int argc, char **argv)
{
    plot_opts o;
    int st = parse(argc, argv, &o);
    if (st >= 0) return st;
    plot_db *db;
    size_t exp;
    if ((st = open_db(argv[0], &o, &db, &exp)) >= 0) return st;
    plot_figure *figs = NULL;
    size_t n = 0;
    int rc = figures(argv[0], db, exp, o.out, &figs, &n);
    if (!rc || rc == PLOT_ENOGNUPLOT || rc == PLOT_EGNUPLOT) {
        char err[1024];
        int rrc = report_write(db, exp, figs, n, o.out, err, sizeof err);
        if (rrc)
            fprintf(stderr, "rekeysim report: %s\n", err), rc = rrc;
        else
            printf("%s/report.html\n", o.out);
    }
    plot_figures_free(figs, n);
    plot_db_free(db);
    return status_of(rc);
}
