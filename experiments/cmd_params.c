/*
 * `rekeysim params [--json]`: the parameter registry (models/core/params.h)
 * listed one key a line, with each key's value under a scenario (the
 * defaults with that preset applied), its unit, description and the source
 * of the default; or, for scripts, one JSON array of objects with the same
 * facts plus the type, default, choices and valid range. Bad arguments exit
 * 2 with one message on stderr and nothing on stdout; a stdout that cannot
 * be written exits 1 (main() checks it).
 */
#include <math.h>
#include <stdio.h>
#include "experiments/commands.h"
#include "experiments/json.h"
#include "experiments/opts.h"
#include "models/core/params.h"

static void params_usage(FILE *f)
{
    fprintf(f, "usage: rekeysim params [--scenario NAME] [--path NAME] [--json]\n"
               "\n"
               "Lists every parameter key: name, value (the default, or under scenario NAME),\n"
               "unit, description and the source of the default with its confidence:\n"
               "[S] stated by a source, [I] inferred, [?] a placeholder nobody documents.\n"
               "Set any key with KEY=VALUE on `rekeysim run` or in a sweep spec.\n"
               "  --scenario NAME  values under that preset (default no-ipsec)\n"
               "  --path NAME      and under that path preset (default lan)\n"
               "  --json           one JSON array of {name, type, value, default, unit,\n"
               "                   choices, min, max, description, source}: value as listed,\n"
               "                   default as written on the command line, choices an array\n"
               "                   for enum keys (else null), min and max in the unit shown\n"
               "                   (seconds for times; null when unbounded and for enums)\n");
}

/* The name of type T in the JSON listing. */
static const char *type_name(prm_type t)
{
    switch (t) {
    case PRM_SIZE: return "size";
    case PRM_RATE: return "rate";
    case PRM_TIME: return "time";
    case PRM_PROB: return "probability";
    case PRM_REAL: return "real";
    case PRM_INT: return "int";
    case PRM_BOOL: return "bool";
    case PRM_ENUM: return "enum";
    }
    return "?";
}

/* A bound of P in the unit `params` shows (seconds for times), or null
 * when unbounded (infinite, or at the 64-bit limit). */
static void json_bound(FILE *f, const prm_entry *p, double base)
{
    if (!isfinite(base) || fabs(base) >= 1.8e19) {
        fputs("null", f);
        return;
    }
    fprintf(f, "%.17g", p->type == PRM_TIME ? base / 1e9 : base);
}

static void print_json(FILE *f, const prm_config *cfg)
{
    fputs("[\n", f);
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        char val[128];
        prm_format(p, cfg, val, sizeof val);
        fputs("{\"name\":", f);
        exp_json_string(f, p->name);
        fprintf(f, ",\"type\":\"%s\",\"value\":", type_name(p->type));
        exp_json_string(f, val);
        fputs(",\"default\":", f);
        exp_json_string(f, p->def);
        fputs(",\"unit\":", f);
        exp_json_string(f, p->unit);
        fputs(",\"choices\":", f);
        if (p->type == PRM_ENUM && p->choices) {
            fputc('[', f);
            for (size_t c = 0; p->choices[c]; c++) {
                if (c) fputc(',', f);
                exp_json_string(f, p->choices[c]);
            }
            fputc(']', f);
        } else {
            fputs("null", f);
        }
        /* An enum's range is over choice indexes: choices says it better. */
        fputs(",\"min\":", f);
        json_bound(f, p, p->type == PRM_ENUM ? INFINITY : p->min);
        fputs(",\"max\":", f);
        json_bound(f, p, p->type == PRM_ENUM ? INFINITY : p->max);
        fputs(",\"description\":", f);
        exp_json_string(f, p->desc);
        fputs(",\"source\":", f);
        exp_json_string(f, p->source);
        fprintf(f, "}%s\n", i + 1 < prm_count() ? "," : "");
    }
    fputs("]\n", f);
}

int exp_cmd_params(int argc, char **argv)
{
    const char *scenario = "no-ipsec", *path = NULL, *v;
    char err[512];
    int rc, json = 0;
    for (int i = 1; i < argc; i++) {
        if (exp_opt_is(argv[i], "--help", "-h")) {
            params_usage(stdout);
            return EXP_OK;
        } else if (exp_opt_is(argv[i], "--json", NULL)) {
            json = 1;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--scenario", &v)) != 0) {
            if (rc < 0) {
                fprintf(stderr, "rekeysim params: --scenario needs a value\n");
                return EXP_INPUT;
            }
            scenario = v;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--path", &v)) != 0) {
            if (rc < 0) {
                fprintf(stderr, "rekeysim params: --path needs a value\n");
                return EXP_INPUT;
            }
            path = v;
        } else {
            /* Through ERR, as before the split: a very long argument is cut
             * at the same length. */
            snprintf(err, sizeof err, "unknown argument '%s'; see rekeysim params --help", argv[i]);
            fprintf(stderr, "rekeysim params: %s\n", err);
            return EXP_INPUT;
        }
    }
    prm_config cfg;
    prm_defaults(&cfg);
    if (prm_apply_preset(&cfg, scenario, err, sizeof err) != 0 ||
        (path && prm_apply_path(&cfg, path, err, sizeof err) != 0)) {
        fprintf(stderr, "rekeysim params: %s\n", err);
        return EXP_INPUT;
    }
    if (json) {
        print_json(stdout, &cfg);
        return EXP_OK;
    }
    printf("# parameters under scenario %s: KEY VALUE UNIT DESCRIPTION [SOURCE]\n", scenario);
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        char val[128];
        prm_format(p, &cfg, val, sizeof val);
        printf("%-30s %-14s %-8s %s [%s]\n", p->name, val, p->unit[0] ? p->unit : "-", p->desc, p->source);
    }
    return fflush(stdout) == 0 ? EXP_OK : EXP_RUNTIME;
}
