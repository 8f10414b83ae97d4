/*
 * Fuzz harness for the unit parser, prm_parse, over every registry
 * parameter type. The first byte picks the parameter (modulo the registry's
 * size), the rest is the value text, cut at the first NUL as the command
 * line would see it.
 *
 * Besides "no crash, no leak, no undefined behaviour" it checks what a user
 * relies on: an accepted value is finite, in the parameter's range and a
 * whole number where the type stores integers; it survives store and load
 * unchanged; its human form (what `rekeysim params` prints) parses back to
 * the same value (within the 10 significant digits the form keeps for times
 * and reals); a refused value gets PRM_EVALUE or PRM_ERANGE with a message
 * that starts with the key's name, and the message fits any buffer size.
 */
#include <math.h>
#include "models/core/params.h"
#include "tests/fuzz/harness.h"

static int integral(const prm_entry *p) { return p->type != PRM_PROB && p->type != PRM_REAL; }

static int in_range(const prm_entry *p, double v)
{
    if (p->type == PRM_PROB && p->max == 1) return v >= p->min && v < 1;
    return v >= p->min && v <= p->max;
}

/* The value's printed form must parse back to it: exactly for types printed
 * exactly, within 1e-9 relative for times, probabilities and reals (printed
 * with 10 significant digits), where rounding may also carry a value just
 * inside a bound onto it or past it. */
static void check_round_trip(const prm_entry *p, const prm_config *cfg, double v)
{
    char shown[160], err[512];
    prm_format(p, cfg, shown, sizeof shown);
    FUZZ_CHECK(shown[0] != 0, "%s: empty printed form", p->name);
    double back;
    int rc = prm_parse(p, shown, &back, err, sizeof err);
    int exact = p->type != PRM_TIME && p->type != PRM_PROB && p->type != PRM_REAL;
    double tol = exact ? 0 : 1e-9 * fmax(fabs(v), 1e-300);
    if (rc == PRM_ERANGE && !exact) {
        int near_bound = fabs(v - p->min) <= 1e-9 * fmax(fabs(p->min), 1e-300) ||
                         fabs(v - p->max) <= 1e-9 * fmax(fabs(p->max), 1e-300);
        FUZZ_CHECK(near_bound, "%s: value %.17g prints as '%s', which is refused: %s", p->name, v, shown, err);
        return;
    }
    FUZZ_CHECK(rc == 0, "%s: value %.17g prints as '%s', which is refused: %s", p->name, v, shown, err);
    FUZZ_CHECK(fabs(back - v) <= tol, "%s: value %.17g prints as '%s', which parses as %.17g", p->name, v, shown, back);
}

int fuzz_units_one(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const prm_entry *p = prm_at(data[0] % prm_count());
    FUZZ_CHECK(p != NULL, "prm_at(%u) is NULL", (unsigned)(data[0] % prm_count()));
    char *text = fuzz_cstr(data + 1, size - 1);
    if (!text) return 0;

    double v = -12345.0;
    char err[512] = "";
    int rc = prm_parse(p, text, &v, err, sizeof err);
    if (rc == 0) {
        FUZZ_CHECK(isfinite(v), "%s: '%s' parsed to %g", p->name, text, v);
        FUZZ_CHECK(in_range(p, v), "%s: '%s' parsed to %.17g, outside [%g, %g]", p->name, text, v, p->min, p->max);
        FUZZ_CHECK(!integral(p) || v == floor(v), "%s: '%s' parsed to the fraction %.17g", p->name, text, v);
        prm_config cfg;
        prm_defaults(&cfg);
        prm_store(p, &cfg, v);
        double loaded = prm_load(p, &cfg);
        FUZZ_CHECK(loaded == v, "%s: '%s' stored %.17g, loaded %.17g", p->name, text, v, loaded);
        check_round_trip(p, &cfg, v);
        if (p->type == PRM_ENUM) FUZZ_CHECK(prm_text(p, &cfg) != NULL, "%s: '%s' has no choice name", p->name, text);
    } else {
        FUZZ_CHECK(rc == PRM_EVALUE || rc == PRM_ERANGE, "%s: '%s' gave error code %d", p->name, text, rc);
        FUZZ_CHECK(v == -12345.0, "%s: '%s' refused but *out was written", p->name, text);
        size_t n = strlen(p->name);
        FUZZ_CHECK(strncmp(err, p->name, n) == 0 && err[n] == ':', "%s: message does not start with the key: '%s'",
                   p->name, err);
        /* The same message into a tiny buffer must stay inside it. */
        char tiny[8];
        memset(tiny, 'x', sizeof tiny);
        double ignored;
        prm_parse(p, text, &ignored, tiny, 5);
        FUZZ_CHECK(memchr(tiny, 0, 5) != NULL && tiny[5] == 'x', "%s: message overran a 5-byte buffer", p->name);
    }
    char col[128];
    prm_column(p, col, sizeof col);
    FUZZ_CHECK(col[0] != 0 && strchr(col, '.') == NULL, "%s: bad column name '%s'", p->name, col);
    FUZZ_CHECK(prm_sql_type(p) != NULL, "%s: no SQL type", p->name);
    /* "Did you mean" over arbitrary text. */
    FUZZ_CHECK(prm_nearest(text) != NULL, "no nearest name for '%s'", text);
    free(text);
    return 0;
}

#ifndef FUZZ_NO_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_units_one(data, size); }
#endif
