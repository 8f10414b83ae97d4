#ifndef MODELS_CORE_UNITS_H
#define MODELS_CORE_UNITS_H
/*
 * Unit syntax, written once: sizes (B KB KiB MB MiB GB GiB TB TiB; KB = 1000
 * B, KiB = 1024 B), rates (bps Kbps Mbps Gbps), times (ns us ms s min h;
 * bare = seconds) and probabilities (a fraction or a percentage). Parsing
 * gives base units (bytes, bit/s, nanoseconds, probability) as a double,
 * exact for integers up to 2^53; formatting picks the largest unit that
 * divides the value exactly. Units are case-sensitive on purpose: "Mbps" and
 * "MBps" differ by a factor of 8, so a guess would be worse than an error.
 * The one seconds <-> nanoseconds conversion is sim_time_to_s /
 * sim_time_from_s (sim/kernel.h).
 */
#include <stddef.h>

typedef enum { UNIT_SIZE, UNIT_RATE, UNIT_TIME, UNIT_PROB, UNIT_PLAIN } unit_kind;

/* Parses S (no surrounding space) as a decimal number with an optional unit
 * word of KIND. Sizes, rates and times are rounded to whole base units.
 * Returns 0 and *out, or -1 (malformed, unknown unit, hex, inf or nan). */
int unit_parse(unit_kind kind, const char *s, double *out);

/* Writes V (base units of KIND: UNIT_SIZE, UNIT_RATE or UNIT_TIME) with the
 * largest unit that divides it exactly: "2 GiB", "100 Mbps", "250 us". */
void unit_format(unit_kind kind, double v, char *buf, size_t n);

#endif
