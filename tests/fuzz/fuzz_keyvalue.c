/*
 * Fuzz harness for KEY=VALUE settings: each line of the input (at most 32)
 * goes to prm_set_pair on one config that starts from the defaults,
 * as the words of `rekeysim run` do, then prm_check runs on the
 * result.
 *
 * Properties: a refused pair returns one of the SCN_E* codes with a
 * non-empty message, leaves the config exactly as it was, and an unknown key
 * gets a "did you mean" suggestion that is a registered key; whatever was
 * accepted, every parameter of the config stays in its range and prints, the
 * scenario index names a preset, and prm_check answers 0 or
 * PRM_ERANGE with a message.
 */
#include <math.h>
#include "models/core/params.h"
#include "tests/fuzz/harness.h"

#define MAX_LINES 32

static void check_refusal(const prm_config *before, const prm_config *cfg, const char *pair, int rc, const char *err)
{
    FUZZ_CHECK(rc == PRM_EUNKNOWN || rc == PRM_EVALUE || rc == PRM_ERANGE || rc == PRM_ESCENARIO,
               "'%s' gave error code %d", pair, rc);
    FUZZ_CHECK(err[0] != 0, "'%s' refused (%d) without a message", pair, rc);
    FUZZ_CHECK(memcmp(before, cfg, sizeof *cfg) == 0, "'%s' refused (%d) but the config changed", pair, rc);
    if (rc == PRM_EUNKNOWN) {
        /* The last one: the key, quoted earlier in the message, may hold the words. */
        const char *s = NULL;
        for (const char *t = strstr(err, "did you mean "); t; t = strstr(t + 1, "did you mean ")) s = t;
        FUZZ_CHECK(s != NULL, "'%s': unknown key without a suggestion: %s", pair, err);
        char name[128];
        size_t n = strcspn(s + 13, "?");
        FUZZ_CHECK(n < sizeof name, "'%s': suggestion too long: %s", pair, err);
        memcpy(name, s + 13, n);
        name[n] = 0;
        FUZZ_CHECK(prm_find(name) != NULL, "'%s': suggests '%s', which is not a key", pair, name);
    }
}

static void check_config(const prm_config *cfg)
{
    for (size_t i = 0; i < prm_count(); i++) {
        const prm_entry *p = prm_at(i);
        double v = prm_load(p, cfg);
        int ok = p->type == PRM_PROB && p->max == 1 ? v >= p->min && v < 1 : v >= p->min && v <= p->max;
        FUZZ_CHECK(ok && isfinite(v), "%s holds %.17g, outside [%g, %g]", p->name, v, p->min, p->max);
        char shown[160];
        prm_format(p, cfg, shown, sizeof shown);
        FUZZ_CHECK(shown[0] != 0 && strcmp(shown, "?") != 0, "%s prints as '%s'", p->name, shown);
    }
    FUZZ_CHECK(prm_text(prm_at(0), cfg) != NULL, "scenario index %d names no preset", cfg->scenario);
}

int fuzz_keyvalue_one(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text) return 0;
    prm_config cfg, before;
    prm_defaults(&cfg);
    char *save = NULL;
    int n = 0;
    for (char *line = strtok_r(text, "\n", &save); line && n < MAX_LINES; line = strtok_r(NULL, "\n", &save), n++) {
        char err[512] = "";
        memcpy(&before, &cfg, sizeof cfg);
        int rc = prm_set_pair(&cfg, line, err, sizeof err);
        if (rc != 0) check_refusal(&before, &cfg, line, rc, err);
    }
    check_config(&cfg);
    char err[512] = "";
    int rc = prm_check(&cfg, err, sizeof err);
    FUZZ_CHECK(rc == 0 || (rc == PRM_ERANGE && err[0]), "prm_check gave %d, message '%s'", rc, err);
    free(text);
    return 0;
}

#ifndef FUZZ_NO_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_keyvalue_one(data, size); }
#endif
