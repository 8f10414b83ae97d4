#ifndef EXPERIMENTS_SPEC_H
#define EXPERIMENTS_SPEC_H
/*
 * Sweep specs: INI files (parsed with inih) holding one or more
 * [experiment NAME] sections. Every registry key may be a value, a list
 * ("10Mbps, 100Mbps") or a range ("1MiB..16GiB log 25", "0..0.02 lin 5"),
 * and lists may mix values and ranges. Besides registry keys a section may
 * hold replications, seed, target + max_replications (precision-driven
 * replications) and search + precision (threshold search).
 *
 * Canonical expansion order: the cartesian product of the section's axes in
 * the order the keys appear, the last key varying fastest; a key's values in
 * the order written (ranges from their first bound to their second). The
 * i-th point of that order (from 1) is the experiment's point_index. Points
 * apply, in this order: the registry defaults, the scenario preset, then the
 * section's other keys (explicit keys override the preset).
 */
#include <stddef.h>
#include <stdint.h>
#include "experiments/errors.h" /* EXP_ESPEC, EXP_EREAD, EXP_ENOMEM */
#include "models/core/params.h"

/* Limits of a spec, each refused with a message naming it (exit 2 in the
 * command line): a spec file is a regular file of at most 1 MiB; a key's
 * list holds at most 10,000 items (comma-separated values or ranges), and a
 * key at most 100,000 values in all, the points of its ranges included (a
 * range alone may have that many). A line holds at most 199 characters
 * once its comment is cut; comments may be of any length. */
#define EXP_SPEC_MAX_BYTES (1024 * 1024)
#define EXP_SPEC_MAX_LIST 10000
#define EXP_SPEC_MAX_VALUES 100000

typedef enum { EXP_GRID = 0, EXP_TARGET, EXP_SEARCH } exp_kind;

/* Outcomes a target or search may name. Proportions use the Wilson interval,
 * means the Student t interval (both 95 %). */
typedef enum {
    EXP_P_COMPLETE = 0,    /* share of copies that completed */
    EXP_P_INTERRUPTED,     /* share of copies with at least one interruption */
    EXP_DURATION_MEAN,     /* mean duration_s of completed copies */
    EXP_INTERRUPTIONS_MEAN /* mean n_interruptions */
} exp_outcome;
const char *exp_outcome_name(int outcome);
int exp_outcome_is_proportion(int outcome);
const char *exp_kind_name(int kind);

/* One key of a section: its values in base units (for the searched key, the
 * two ends of its range). */
typedef struct exp_axis {
    const prm_entry *param;
    int line;
    size_t n;
    double *values;
    /* A key that takes compound values, as fleet.start does (uniform:10min
     * also sets fleet.start_window, poisson:0.5 fleet.start_rate): its
     * companion keys, and per value (value-major, n x n_linked) each
     * companion's value, NaN where the value leaves that key to the rest of
     * the section (a bare choice). n_linked is 0 for every other key. */
    size_t n_linked;
    const prm_entry *linked[2];
    double *linked_values;
} exp_axis;

typedef struct exp_experiment {
    char *name;
    int line;      /* of the [experiment NAME] header */
    char *text;    /* the section as written */
    char hash[17]; /* FNV-1a 64 of the canonical form, hex */
    exp_kind kind;
    uint64_t seed;             /* master seed; default 1 */
    uint32_t replications;     /* default 1; per batch for target and search */
    uint32_t max_replications; /* target and search; default 10 x replications */
    int outcome;               /* target or search outcome (exp_outcome) */
    double target_halfwidth;   /* target: wanted half-width of the 95 % interval */
    double search_value;       /* search: the outcome's threshold value */
    double precision;          /* search: relative bracket width; default 0.05 */
    size_t search_axis;        /* search: index of the searched key in axes */
    size_t n_axes;
    exp_axis *axes;
    uint64_t n_points;         /* grid/target: points; search: combinations of the other axes */
    uint32_t probes_per_combo; /* search: most probes one combination can need */
    uint64_t n_runs_min;       /* runs known in advance (points x replications; search: x probes) */
} exp_experiment;

typedef struct exp_spec {
    char *path;
    size_t n;
    exp_experiment *exps;
} exp_spec;

/* Parses the spec file at PATH. Returns 0 and *spec_out (caller frees with
 * exp_spec_free), or EXP_ESPEC / EXP_EREAD / EXP_ENOMEM with a one-line
 * message "FILE:LINE: KEY: what is wrong" in ERR. A PATH that is not a
 * regular file (a directory, a device, a FIFO) or is larger than
 * EXP_SPEC_MAX_BYTES is EXP_EREAD, found before anything is read. */
int exp_spec_new(const char *path, char *err, size_t errlen, exp_spec **spec_out);
/* The same from TEXT; LABEL stands for the file name in messages. */
int exp_spec_new_text(const char *label, const char *text, char *err, size_t errlen, exp_spec **spec_out);
void exp_spec_free(exp_spec *spec);

/* The parameter set of point INDEX (0-based, canonical order) of a grid or
 * target experiment; for a search experiment, of combination INDEX with the
 * searched key set to SEARCH_VALUE (ignored otherwise). Returns 0, or
 * EXP_ESPEC with ERR naming the experiment, the point and the problem (a
 * cross-parameter check failed). */
int exp_point_config(const exp_experiment *e, uint64_t index, double search_value, prm_config *cfg_out, char *err,
                     size_t errlen);

/* Probes a search needs at most for the bracket [lo, hi] to shrink to
 * hi / lo <= 1 + precision by halving on a log scale: both ends, the
 * halvings, and one spare for rounding. This is the size of each
 * combination's block of point ids. */
uint32_t exp_search_max_probes(double lo, double hi, double precision);

#endif
