/*
 * Unit syntax (models/core/units.c): the values of the unit words, case
 * sensitivity, what is refused, the formatter's choice of unit, and parse
 * after format giving back the value over random values of each kind.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "models/core/units.h"

static double parsed(unit_kind kind, const char *s)
{
    double v = -12345.0;
    cr_assert_eq(unit_parse(kind, s, &v), 0, "'%s' was refused", s);
    return v;
}

static void expect_parse(unit_kind kind, const char *s, double want)
{
    double v = parsed(kind, s);
    cr_expect_eq(v, want, "'%s' is %.17g, expected %.17g", s, v, want);
}

static void expect_refused(unit_kind kind, const char *s)
{
    double v = -12345.0;
    cr_expect_eq(unit_parse(kind, s, &v), -1, "'%s' was accepted as %.17g", s, v);
    cr_expect_eq(v, -12345.0, "'%s' was refused but wrote %.17g", s, v);
}

Test(units, sizes_count_kb_as_1000_bytes_and_kib_as_1024)
{
    expect_parse(UNIT_SIZE, "1KB", 1000);
    expect_parse(UNIT_SIZE, "1kB", 1000);
    expect_parse(UNIT_SIZE, "1KiB", 1024);
    expect_parse(UNIT_SIZE, "60KiB", 61440);
    expect_parse(UNIT_SIZE, "1MB", 1e6);
    expect_parse(UNIT_SIZE, "1MiB", 1048576);
    expect_parse(UNIT_SIZE, "2GiB", 2147483648.0);
    expect_parse(UNIT_SIZE, "2GB", 2e9);
    expect_parse(UNIT_SIZE, "1TiB", 1099511627776.0);
    expect_parse(UNIT_SIZE, "300 MiB", 314572800);
    expect_parse(UNIT_SIZE, "1500", 1500);
    expect_parse(UNIT_SIZE, "1500B", 1500);
    expect_parse(UNIT_SIZE, "0.5KiB", 512);
}

Test(units, rates_are_bits_per_second_and_times_are_nanoseconds_with_bare_times_in_seconds)
{
    expect_parse(UNIT_RATE, "100Mbps", 1e8);
    expect_parse(UNIT_RATE, "100 Mbit/s", 1e8);
    expect_parse(UNIT_RATE, "1Gbps", 1e9);
    expect_parse(UNIT_RATE, "64kbps", 64000);
    expect_parse(UNIT_RATE, "9600", 9600);
    expect_parse(UNIT_TIME, "250us", 250000);
    expect_parse(UNIT_TIME, "250 ms", 2.5e8);
    expect_parse(UNIT_TIME, "7ns", 7);
    expect_parse(UNIT_TIME, "2", 2e9);
    expect_parse(UNIT_TIME, "0.5", 5e8);
    expect_parse(UNIT_TIME, "2s", 2e9);
    expect_parse(UNIT_TIME, "60min", 3600e9);
    expect_parse(UNIT_TIME, "1h", 3600e9);
    expect_parse(UNIT_PROB, "0.5%", 0.005);
    expect_parse(UNIT_PROB, "0.01", 0.01);
    expect_parse(UNIT_PROB, "100%", 1.0);
    expect_parse(UNIT_PLAIN, "3", 3);
}

Test(units, unit_words_are_case_sensitive_because_mbps_and_mbytes_differ_eightfold)
{
    expect_refused(UNIT_RATE, "100MBps");
    expect_refused(UNIT_RATE, "100mbps");
    expect_refused(UNIT_RATE, "100MBPS");
    expect_refused(UNIT_SIZE, "1kib");
    expect_refused(UNIT_SIZE, "1mb");
    expect_refused(UNIT_SIZE, "1Mb");
    expect_refused(UNIT_SIZE, "1GIB");
    expect_refused(UNIT_TIME, "5S");
    expect_refused(UNIT_TIME, "5MS");
    expect_refused(UNIT_TIME, "5Min");
    /* A unit of another kind is not a unit of this one. */
    expect_refused(UNIT_SIZE, "5s");
    expect_refused(UNIT_TIME, "5MB");
    expect_refused(UNIT_RATE, "5KiB");
    expect_refused(UNIT_PLAIN, "5%");
    expect_refused(UNIT_PROB, "5s");
}

Test(units, hex_infinity_nan_and_malformed_numbers_are_refused)
{
    static const char *const bad[] = {"0x10",     "0X10", "-0x1",   "+0x1",  "inf", "-inf", "INF",
                                      "infinity", "nan",  "NaN",    "1e400", "",    "KB",   " 1",
                                      "1 2",      "1KBx", "1 KB B", "--1",   ".",   "e5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_refused(UNIT_SIZE, bad[i]);
        expect_refused(UNIT_PLAIN, bad[i]);
    }
    expect_refused(UNIT_TIME, "0x10s");
    expect_refused(UNIT_TIME, "infs");
    expect_refused(UNIT_RATE, "nanbps");
    expect_refused(UNIT_PROB, "nan%");
    expect_refused(UNIT_TIME, "1e300h"); /* finite number, infinite nanoseconds */
}

static void expect_format(unit_kind kind, double v, const char *want)
{
    char buf[64];
    unit_format(kind, v, buf, sizeof buf);
    cr_expect_str_eq(buf, want, "%.17g is shown as '%s', expected '%s'", v, buf, want);
}

Test(units, format_picks_the_largest_unit_that_divides_the_value_exactly)
{
    expect_format(UNIT_SIZE, 2147483648.0, "2 GiB");
    expect_format(UNIT_SIZE, 2e9, "2 GB");
    expect_format(UNIT_SIZE, 61440, "60 KiB");
    expect_format(UNIT_SIZE, 1048576, "1 MiB");
    expect_format(UNIT_SIZE, 314572800, "300 MiB");
    expect_format(UNIT_SIZE, 3000, "3 KB");
    expect_format(UNIT_SIZE, 1500, "1500 B");
    expect_format(UNIT_SIZE, 0, "0 B");
    expect_format(UNIT_RATE, 1e8, "100 Mbps");
    expect_format(UNIT_RATE, 1e9, "1 Gbps");
    expect_format(UNIT_RATE, 64000, "64 Kbps");
    expect_format(UNIT_RATE, 1500, "1500 bps");
    expect_format(UNIT_TIME, 250000, "250 us");
    expect_format(UNIT_TIME, 3600e9, "60 min");
    expect_format(UNIT_TIME, 5400e9, "90 min");
    expect_format(UNIT_TIME, 1.5e9, "1.5 s");
    expect_format(UNIT_TIME, 61e9, "61 s");
    expect_format(UNIT_TIME, 2e6, "2 ms");
    expect_format(UNIT_TIME, 1.5e6, "1500 us");
    expect_format(UNIT_TIME, 7, "7 ns");
    expect_format(UNIT_TIME, 0, "0 s");
}

/* splitmix64: a fixed stream of test values. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void expect_round_trip(unit_kind kind, double v, int *fails)
{
    char buf[64];
    unit_format(kind, v, buf, sizeof buf);
    double back = -1;
    int rc = unit_parse(kind, buf, &back);
    if ((rc != 0 || back != v) && (*fails)++ < 5)
        cr_expect(0, "%.17g is shown as '%s', which parses (rc %d) as %.17g", v, buf, rc, back);
}

Test(units, parse_after_format_gives_back_the_value_for_random_values_of_each_kind)
{
    static const double size_units[] = {1, 1e3, 1024, 1e6, 1048576, 1e9, 1073741824, 1e12, 1099511627776.0};
    static const double rate_units[] = {1, 1e3, 1e6, 1e9, 1e12};
    static const double time_units[] = {1, 1e3, 1e6, 1e9, 60e9, 3600e9};
    uint64_t s = 20240601;
    int fails = 0, n = 0;
    for (int i = 0; i < 300; i++) {
        /* A whole multiple of a unit (what users write) and an arbitrary
         * whole number (what the models compute). */
        double m = (double)(1 + next(&s) % 1000000);
        expect_round_trip(UNIT_SIZE, m * size_units[next(&s) % 9], &fails);
        expect_round_trip(UNIT_SIZE, (double)(next(&s) >> 11), &fails); /* below 2^53 */
        expect_round_trip(UNIT_RATE, m * rate_units[next(&s) % 5], &fails);
        expect_round_trip(UNIT_RATE, (double)(next(&s) >> 11), &fails);
        expect_round_trip(UNIT_TIME, m * time_units[next(&s) % 6], &fails);
        expect_round_trip(UNIT_TIME, (double)(next(&s) % UINT64_C(1000000000000000)), &fails); /* to 11.6 days */
        n += 6;
    }
    cr_expect_eq(fails, 0, "%d of %d values did not survive format then parse", fails, n);
}
