/*
 * `rekeysim params`: the parameter registry (models/core/params.h) listed
 * one key a line, with each key's value under a scenario (the defaults
 * with that preset applied), its unit, description and the source of the
 * default. Bad arguments exit 2 with one message on stderr and nothing on
 * stdout; a stdout that cannot be written exits 1.
 */
#include <stdio.h>
#include "experiments/commands.h"
#include "experiments/opts.h"
#include "models/core/params.h"

static void params_usage(FILE *f)
{
    fprintf(f, "usage: rekeysim params [--scenario NAME]\n"
               "\n"
               "Lists every parameter key: name, value (the default, or under scenario NAME),\n"
               "unit, description and the source of the default with its confidence:\n"
               "[S] stated by a source, [I] inferred, [?] a placeholder nobody documents.\n"
               "Set any key with KEY=VALUE on `rekeysim run` or in a sweep spec.\n");
}

int exp_cmd_params(int argc, char **argv)
{
    const char *scenario = "no-ipsec", *v;
    char err[512];
    int rc;
    for (int i = 1; i < argc; i++) {
        if (exp_opt_is(argv[i], "--help", "-h")) {
            params_usage(stdout);
            return EXP_OK;
        } else if ((rc = exp_opt_value(argc, argv, &i, "--scenario", &v)) != 0) {
            if (rc < 0) {
                fprintf(stderr, "rekeysim params: --scenario needs a value\n");
                return EXP_INPUT;
            }
            scenario = v;
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
    if (prm_apply_preset(&cfg, scenario, err, sizeof err) != 0) {
        fprintf(stderr, "rekeysim params: %s\n", err);
        return EXP_INPUT;
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
