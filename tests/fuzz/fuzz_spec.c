/*
 * Fuzz harness for sweep specs (experiments/spec.h): the input, cut at its
 * first NUL, is the text of a spec file given to exp_spec_new_text under
 * the label "fuzz.ini"; an accepted spec then has a few of its points
 * expanded with exp_point_config (first, last, middle and two more spread by
 * the input's length), as the sweep runner would.
 *
 * Properties: a refused spec returns EXP_ESPEC or EXP_ENOMEM with a message
 * that starts with the label and leaves *spec_out alone; an accepted one has
 * at least one experiment, each with a name, every axis with at least one
 * value, every value in its parameter's range (and whole where the type
 * stores integers), n_points equal to the product of the axes' sizes, a
 * search range with 0 < LO < HI, n_runs_min at least n_points; and
 * expanding a point either works or fails with EXP_ESPEC and a message.
 */
#include <math.h>
#include "experiments/spec.h"
#include "models/core/params.h"
#include "tests/fuzz/harness.h"

#define LABEL "fuzz.ini"

static int value_ok(const prm_entry *p, double v)
{
    if (!isfinite(v)) return 0;
    if (p->type != PRM_PROB && p->type != PRM_REAL && v != floor(v)) return 0;
    if (p->type == PRM_PROB && p->max == 1) return v >= p->min && v < 1;
    return v >= p->min && v <= p->max;
}

static void check_point(const exp_experiment *x, uint64_t index, double search_value)
{
    prm_config cfg;
    char err[1024] = "";
    int rc = exp_point_config(x, index, search_value, &cfg, err, sizeof err);
    FUZZ_CHECK(rc == 0 || (rc == EXP_ESPEC && err[0]), "experiment %s point %llu: rc %d, message '%s'", x->name,
               (unsigned long long)index, rc, err);
    if (rc == 0) {
        char msg[512];
        FUZZ_CHECK(prm_check(&cfg, msg, sizeof msg) == 0,
                   "experiment %s point %llu passes a config that "
                   "fails prm_check: %s",
                   x->name, (unsigned long long)index, msg);
    }
}

static void check_experiment(const exp_experiment *x, size_t seed)
{
    FUZZ_CHECK(x->name && x->name[0], "an experiment without a name");
    FUZZ_CHECK(x->text != NULL, "experiment %s without its text", x->name);
    FUZZ_CHECK(x->kind == EXP_GRID || x->kind == EXP_TARGET || x->kind == EXP_SEARCH, "experiment %s: kind %d", x->name,
               (int)x->kind);
    FUZZ_CHECK(x->replications >= 1 && x->max_replications >= x->replications,
               "experiment %s: replications %u, max_replications %u", x->name, x->replications, x->max_replications);
    uint64_t product = 1;
    int overflow = 0;
    for (size_t i = 0; i < x->n_axes; i++) {
        const exp_axis *ax = &x->axes[i];
        FUZZ_CHECK(ax->param != NULL && ax->n >= 1, "experiment %s: axis %zu empty", x->name, i);
        for (size_t k = 0; k < ax->n; k++)
            FUZZ_CHECK(value_ok(ax->param, ax->values[k]), "experiment %s: %s value %zu is %.17g, outside [%g, %g]",
                       x->name, ax->param->name, k, ax->values[k], ax->param->min, ax->param->max);
        if (x->kind == EXP_SEARCH && i == x->search_axis) {
            FUZZ_CHECK(ax->n == 2 && ax->values[0] > 0 && ax->values[0] < ax->values[1],
                       "experiment %s: searched %s has %zu values", x->name, ax->param->name, ax->n);
            continue;
        }
        if (ax->n > UINT64_MAX / product)
            overflow = 1;
        else
            product *= ax->n;
    }
    FUZZ_CHECK(!overflow, "experiment %s: accepted with an overflowing point count", x->name);
    FUZZ_CHECK(x->n_points == product, "experiment %s: n_points %llu, product of axes %llu", x->name,
               (unsigned long long)x->n_points, (unsigned long long)product);
    FUZZ_CHECK(x->n_runs_min >= x->n_points, "experiment %s: n_runs_min %llu below n_points %llu", x->name,
               (unsigned long long)x->n_runs_min, (unsigned long long)x->n_points);
    double sv = 0;
    if (x->kind == EXP_SEARCH) {
        const exp_axis *ax = &x->axes[x->search_axis];
        sv = ax->values[0];
        FUZZ_CHECK(x->probes_per_combo >= 3 && x->probes_per_combo <= 67, "experiment %s: %u probes per combination",
                   x->name, x->probes_per_combo);
    }
    uint64_t picks[5] = {0, x->n_points - 1, x->n_points / 2, (uint64_t)seed * 7919u % x->n_points,
                         (uint64_t)seed * 104729u % x->n_points};
    for (size_t i = 0; i < 5; i++) check_point(x, picks[i], sv);
}

int fuzz_spec_one(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text) return 0;
    exp_spec *spec = (exp_spec *)(uintptr_t)0x1;
    char err[1024] = "";
    int rc = exp_spec_new_text(LABEL, text, err, sizeof err, &spec);
    if (rc != 0) {
        FUZZ_CHECK(rc == EXP_ESPEC || rc == EXP_ENOMEM, "spec refused with code %d: %s", rc, err);
        FUZZ_CHECK(strncmp(err, LABEL, strlen(LABEL)) == 0, "message does not start with the file name: '%s'", err);
        FUZZ_CHECK(spec == (exp_spec *)(uintptr_t)0x1, "spec refused but *spec_out was written");
    } else {
        FUZZ_CHECK(spec != NULL && spec->n >= 1, "spec accepted with no experiment");
        for (size_t i = 0; i < spec->n; i++) check_experiment(&spec->exps[i], size);
        exp_spec_free(spec);
    }
    free(text);
    return 0;
}

#ifndef FUZZ_NO_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_spec_one(data, size); }
#endif
