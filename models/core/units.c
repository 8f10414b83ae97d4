/*
 * Unit tables and the parser and formatter over them. A size is shown in
 * binary or decimal units, whichever gives the smaller number (2 GiB, 2 GB,
 * 60 KiB); a time in minutes from an hour up when whole minutes, else in
 * seconds from 1 s up, else in the largest sub-second unit that divides it.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/core/units.h"

typedef struct unit {
    const char *name;
    double factor; /* base units per unit */
} unit;

static const unit size_units[] = {
    {"B", 1},    {"KB", 1e3},           {"kB", 1e3},  {"KiB", 1024.0},          {"MB", 1e6}, {"MiB", 1048576.0},
    {"GB", 1e9}, {"GiB", 1073741824.0}, {"TB", 1e12}, {"TiB", 1099511627776.0}, {NULL, 0}};
static const unit rate_units[] = {{"bps", 1},      {"bit/s", 1},    {"Kbps", 1e3},  {"kbps", 1e3},
                                  {"Kbit/s", 1e3}, {"kbit/s", 1e3}, {"Mbps", 1e6},  {"Mbit/s", 1e6},
                                  {"Gbps", 1e9},   {"Gbit/s", 1e9}, {"Tbps", 1e12}, {NULL, 0}};
static const unit time_units[] = {{"ns", 1},    {"us", 1e3},   {"ms", 1e6},   {"s", 1e9},
                                  {"sec", 1e9}, {"min", 60e9}, {"h", 3600e9}, {NULL, 0}};

/* A decimal number (no hex, inf or nan) at the start of S; *end after it. */
static int parse_decimal(const char *s, double *v, const char **end)
{
    const char *q = s;
    if (*q == '+' || *q == '-') q++;
    if (!isdigit((unsigned char)*q) && !(*q == '.' && isdigit((unsigned char)q[1]))) return -1;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) return -1;
    char *e;
    *v = strtod(s, &e);
    *end = e;
    return 0;
}

static int parse_unit(const unit *units, const char *word, double *factor)
{
    for (const unit *u = units; u->name; u++)
        if (strcmp(u->name, word) == 0) {
            *factor = u->factor;
            return 0;
        }
    return -1;
}

int unit_parse(unit_kind kind, const char *s, double *out)
{
    double v;
    const char *e;
    if (parse_decimal(s, &v, &e) != 0) return -1;
    const char *word = e;
    while (isspace((unsigned char)*word)) word++;
    double factor = 1;
    switch (kind) {
    case UNIT_SIZE:
        if (*word && parse_unit(size_units, word, &factor)) return -1;
        break;
    case UNIT_RATE:
        if (*word && parse_unit(rate_units, word, &factor)) return -1;
        break;
    case UNIT_TIME:
        factor = 1e9;
        if (*word && parse_unit(time_units, word, &factor)) return -1;
        break;
    case UNIT_PROB:
        if (*word && strcmp(word, "%") == 0)
            factor = 0.01;
        else if (*word)
            return -1;
        break;
    case UNIT_PLAIN:
        if (*word) return -1;
    }
    v *= factor;
    if (kind == UNIT_SIZE || kind == UNIT_RATE || kind == UNIT_TIME) v = nearbyint(v);
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* The largest of the N ascending UNITS that divides V exactly: *q_out is the
 * quotient, the return value the unit (NULL when none does). */
static const unit *exact_unit(double v, const unit *units, size_t n, double *q_out)
{
    for (size_t i = n; i-- > 0;) {
        double q = v / units[i].factor;
        if (v != 0 && q >= 1 && q == floor(q)) {
            *q_out = q;
            return &units[i];
        }
    }
    return NULL;
}

/* Whether TEXT (a number of seconds) parses back to exactly NS. */
static int seconds_exact(const char *text, double ns) { return nearbyint(strtod(text, NULL) * 1e9) == ns; }

static void format_time(double ns, char *buf, size_t n)
{
    char s[64];
    snprintf(s, sizeof s, "%.10g", ns / 1e9);
    if (ns == 0) {
        snprintf(buf, n, "0 s");
    } else if (ns >= 3600e9 && fmod(ns, 60e9) == 0) {
        snprintf(buf, n, "%.0f min", ns / 60e9);
    } else if (ns >= 1e9 && seconds_exact(s, ns)) {
        snprintf(buf, n, "%s s", s);
    } else if (ns >= 1e9) {
        /* Ten significant digits would round it: the exact count instead. */
        snprintf(buf, n, "%.0f ns", ns);
    } else if (fmod(ns, 1e6) == 0) {
        snprintf(buf, n, "%.0f ms", ns / 1e6);
    } else if (fmod(ns, 1e3) == 0) {
        snprintf(buf, n, "%.0f us", ns / 1e3);
    } else if (ns >= 1e6) {
        snprintf(buf, n, "%.10g ms", ns / 1e6);
    } else {
        snprintf(buf, n, "%.0f ns", ns);
    }
}

void unit_format(unit_kind kind, double v, char *buf, size_t n)
{
    static const unit bin[] = {{"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
    static const unit dec[] = {{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}};
    static const unit rates[] = {{"Kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}, {"Tbps", 1e12}};
    switch (kind) {
    case UNIT_SIZE: {
        double qb = 0, qd = 0;
        const unit *ub = exact_unit(v, bin, 4, &qb), *ud = exact_unit(v, dec, 4, &qd);
        if (ud && (!ub || qd < qb)) ub = ud, qb = qd;
        if (ub)
            snprintf(buf, n, "%.0f %s", qb, ub->name);
        else
            snprintf(buf, n, "%.0f B", v);
        break;
    }
    case UNIT_RATE: {
        double q = 0;
        const unit *u = exact_unit(v, rates, 4, &q);
        if (u)
            snprintf(buf, n, "%.0f %s", q, u->name);
        else
            snprintf(buf, n, "%.0f bps", v);
        break;
    }
    case UNIT_TIME: format_time(v, buf, n); break;
    case UNIT_PROB:
    case UNIT_PLAIN: snprintf(buf, n, "%.10g", v); break;
    }
}
