/*
 * Prints a libFuzzer dictionary for the harnesses, built by tests/fuzz/run.sh
 * and run once per build: every registry key (alone and as "key="), every
 * enum choice, and the value words DESIGN.md documents (units, hex, booleans).
 * With argument "spec" it adds the spec file's own words (section header,
 * special keys, range forms, outcomes). The keys come from the registry
 * itself, so the dictionary never goes stale; nothing here is parsed.
 */
#include <stdio.h>
#include <string.h>
#include "models/core/params.h"

static void word(const char *w)
{
    putchar('"');
    for (const char *c = w; *c; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            printf("\\x%02x", (unsigned char)*c);
        else
            putchar(*c);
    }
    printf("\"\n");
}

int main(int argc, char **argv)
{
    static const char *const values[] = {"B",
                                         "KB",
                                         "KiB",
                                         "MB",
                                         "MiB",
                                         "GB",
                                         "GiB",
                                         "TB",
                                         "TiB",
                                         "bps",
                                         "Kbps",
                                         "Mbps",
                                         "Gbps",
                                         "bit/s",
                                         "ns",
                                         "us",
                                         "ms",
                                         "s",
                                         "min",
                                         "h",
                                         "%",
                                         "0x",
                                         "0x14",
                                         "e",
                                         "e+",
                                         "e-",
                                         "inf",
                                         "nan",
                                         "-",
                                         ".",
                                         "on",
                                         "off",
                                         "yes",
                                         "no",
                                         "true",
                                         "false",
                                         "18446744073709551616",
                                         "9007199254740993",
                                         "=",
                                         " "};
    static const char *const spec[] = {"[experiment ",
                                       "]",
                                       "\n",
                                       "\n  ",
                                       "..",
                                       " log ",
                                       " lin ",
                                       ", ",
                                       ";",
                                       " #",
                                       "replications",
                                       "max_replications",
                                       "seed",
                                       "target",
                                       "search",
                                       "precision",
                                       " for ",
                                       " = ",
                                       " >= ",
                                       "p_complete",
                                       "p_interrupted",
                                       "duration_mean_s",
                                       "interruptions_mean",
                                       "+-",
                                       "\xc2\xb1",
                                       "\xef\xbb\xbf",
                                       "\r\n"};
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        char kv[160];
        word(p->name);
        snprintf(kv, sizeof kv, "%s=", p->name);
        word(kv);
        if (p->type == PRM_ENUM)
            for (int k = 0; p->choices[k]; k++) word(p->choices[k]);
        if (p->unit[0]) word(p->unit);
    }
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) word(values[i]);
    if (argc > 1 && !strcmp(argv[1], "spec"))
        for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) word(spec[i]);
    return 0;
}
