/*
 * The option parser of experiments/opts.h. Deliberately small: getopt_long
 * was rejected because it permutes argv, prints its own messages (in the C
 * library's wording, not the command's) and would change how the commands
 * treat "--db=" and a trailing "--db", which users and tests rely on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiments/opts.h"

int exp_opt_is(const char *arg, const char *name, const char *alias)
{
    return !strcmp(arg, name) || (alias && !strcmp(arg, alias));
}

int exp_opt_value(int argc, char **argv, int *i, const char *name, const char **val_out)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *val_out = a + n + 1;
        return 1;
    }
    if (a[n] != 0) return 0;
    if (*i + 1 >= argc) return EXP_OPT_EMISSING;
    *val_out = argv[++*i];
    return 1;
}

/* Decimal digits only, the rule of spec files too (experiments/spec.c):
 * strtoul alone would also take leading blanks and a '+', and base 0 would
 * read 010 as octal. */
static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

int exp_opt_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!all_digits(s)) return EXP_OPT_ENUMBER;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > max) return EXP_OPT_ENUMBER;
    *out = v;
    return 0;
}

int exp_opt_u64(const char *s, uint64_t *out)
{
    if (!all_digits(s)) return EXP_OPT_ENUMBER;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return EXP_OPT_ENUMBER;
    *out = v;
    return 0;
}

int exp_opt_shard(const char *s, unsigned *k_out, unsigned *n_out)
{
    char kbuf[32];
    const char *slash = strchr(s, '/');
    unsigned long k, n;
    if (!slash || (size_t)(slash - s) >= sizeof kbuf) return EXP_OPT_EFORM;
    memcpy(kbuf, s, (size_t)(slash - s));
    kbuf[slash - s] = 0;
    if (exp_opt_uint(kbuf, 1000000, &k) || exp_opt_uint(slash + 1, 1000000, &n) || n < 1 || k < 1 || k > n)
        return EXP_OPT_ERANGE;
    *k_out = (unsigned)k;
    *n_out = (unsigned)n;
    return 0;
}

char *exp_opt_join_command(int argc, char **argv)
{
    size_t n = 16;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 3;
    char *out = malloc(n);
    if (!out) return NULL;
    size_t used = (size_t)snprintf(out, n, "rekeysim");
    for (int i = 0; i < argc; i++)
        used += (size_t)snprintf(out + used, n - used, strpbrk(argv[i], " \t'\"") ? " '%s'" : " %s", argv[i]);
    return out;
}
