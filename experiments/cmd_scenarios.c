/*
 * `rekeysim scenarios`: the named presets (models/core/presets.h), each with
 * its one-line summary and the KEY=VALUE settings it applies on top of the
 * defaults, then the named paths with their sources. It takes no arguments but --help; anything else exits 2.
 */
#include <stdio.h>
#include "experiments/commands.h"
#include "experiments/opts.h"
#include "models/core/presets.h"

int exp_cmd_scenarios(int argc, char **argv)
{
    if (argc > 1) {
        if (exp_opt_is(argv[1], "--help", "-h")) {
            printf("usage: rekeysim scenarios\n\nLists the named presets, what each is and the settings it applies\n"
                   "on top of the defaults; explicit KEY=VALUE settings override them. Then the\n"
                   "named paths (--path NAME or path=NAME), with the sources of their values.\n");
            return EXP_OK;
        }
        /* Through ERR, as before the split: a very long argument is cut at the
         * same length. */
        char err[256];
        snprintf(err, sizeof err, "unexpected argument '%s'; see rekeysim scenarios --help", argv[1]);
        fprintf(stderr, "rekeysim scenarios: %s\n", err);
        return EXP_INPUT;
    }
    for (size_t i = 0; i < preset_count; i++) {
        printf("%s\n    %s\n   ", preset_table[i].name, preset_table[i].summary);
        for (const char *const *s = preset_table[i].settings; *s; s++) printf(" %s", *s);
        printf("\n\n");
    }
    /* The paths follow, under their own heading: `--path NAME` or path=NAME,
     * combinable with any scenario. */
    printf("# paths (--path NAME or path=NAME; applied after the scenario)\n\n");
    for (size_t i = 0; i < path_count; i++) {
        printf("%s\n    %s\n    source: %s\n   ", path_table[i].name, path_table[i].summary, path_table[i].source);
        for (const char *const *s = path_table[i].settings; *s; s++) printf(" %s", *s);
        printf("\n\n");
    }
    return fflush(stdout) == 0 ? EXP_OK : EXP_RUNTIME;
}
