/*
 * `rekeysim outcomes [--json]`: the outcome table (models/core/outcome.h)
 * listed, one field a line, for people (NAME TYPE UNIT SCOPE DESCRIPTION,
 * like `rekeysim params`; SCOPE copy or run, out_field.per_copy) or as one
 * JSON array for scripts; the end-to-end tests
 * check `run --json` and the runs table against that array, so the table
 * stays the one declaration of what a run reports. Exit 0, 2 for a bad
 * argument, 1 when standard output cannot be written.
 */
#include <stdio.h>
#include <string.h>
#include "experiments/commands.h"
#include "experiments/json.h"
#include "experiments/opts.h"
#include "models/core/outcome.h"

static void outcomes_usage(FILE *f)
{
    fprintf(f, "usage: rekeysim outcomes [--json]\n"
               "\n"
               "Lists every outcome field of a run: the keys of `rekeysim run --json` (besides\n"
               "scenario, seed and interruptions) and the outcome columns of the runs table of\n"
               "a results database, with type, unit, scope and description. [wall clock] marks\n"
               "the fields that depend on the machine, not the model; comparisons leave them out.\n"
               "Scope: copy (also a field of each copy: the copies table and run --json's\n"
               "copies; the run's value summarises its copies) or run (the run's only).\n"
               "  --json  print one JSON array of {name, type, sql, unit, wall_clock, per_copy,\n"
               "          description}\n"
               "\n"
               "Types: bool (0 or 1), enum (a name), count (a whole number), real (a number,\n"
               "null when absent), whole (a whole number or null), hex64 (16 hex digits, a string).\n");
}

/* The name of type T in this listing and its JSON; "?" cannot happen while
 * the switch covers out_type (-Wswitch warns otherwise). */
static const char *type_name(out_type t)
{
    switch (t) {
    case OUT_BOOL: return "bool";
    case OUT_ENUM: return "enum";
    case OUT_COUNT: return "count";
    case OUT_REAL: return "real";
    case OUT_WHOLE: return "whole";
    case OUT_HEX64: return "hex64";
    }
    return "?";
}

static void print_json(FILE *f)
{
    fputs("[\n", f);
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *d = out_field_at(i);
        fputs("{\"name\":", f);
        exp_json_string(f, d->name);
        fprintf(f, ",\"type\":\"%s\",\"sql\":", type_name(d->type));
        exp_json_string(f, out_field_sql_decl(d));
        fputs(",\"unit\":", f);
        exp_json_string(f, d->unit);
        fprintf(f, ",\"wall_clock\":%s,\"per_copy\":%s,\"description\":", d->wall_clock ? "true" : "false",
                d->per_copy ? "true" : "false");
        exp_json_string(f, d->desc);
        fprintf(f, "}%s\n", i + 1 < out_field_count() ? "," : "");
    }
    fputs("]\n", f);
}

static void print_text(FILE *f)
{
    fprintf(f, "# outcome fields of `rekeysim run --json` and the runs table: NAME TYPE UNIT SCOPE DESCRIPTION\n"
               "# (SCOPE copy: also a column of the copies table; run: the run's only)\n");
    for (size_t i = 0; i < out_field_count(); i++) {
        const out_field *d = out_field_at(i);
        fprintf(f, "%-26s %-6s %-5s %-5s %s%s\n", d->name, type_name(d->type), d->unit[0] ? d->unit : "-",
                d->per_copy ? "copy" : "run", d->desc, d->wall_clock ? " [wall clock]" : "");
    }
}

int exp_cmd_outcomes(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (exp_opt_is(argv[i], "--help", "-h")) {
            outcomes_usage(stdout);
            return EXP_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "rekeysim outcomes: unknown argument '%s'; see rekeysim outcomes --help\n", argv[i]);
            return EXP_INPUT;
        }
    }
    if (json)
        print_json(stdout);
    else
        print_text(stdout);
    /* main() flushes and closes stdout and turns a write error into exit 1
     * with one message, for every command alike. */
    return EXP_OK;
}
