#ifndef TESTS_FUZZ_HARNESS_H
#define TESTS_FUZZ_HARNESS_H
/*
 * What the three fuzz harnesses share with tests/fuzz/test_regressions.c:
 * the entry points that take one input (the same code under libFuzzer and
 * under Criterion) and the oracle macro. An entry point returns 0; a broken
 * property prints what broke and aborts, which libFuzzer records as a crash
 * and Criterion as a crashed test.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/fuzz/fuzz_units.c: byte 0 picks the registry parameter, the rest is
 * the value text given to prm_parse. */
int fuzz_units_one(const uint8_t *data, size_t size);
/* tests/fuzz/fuzz_keyvalue.c: each line is one KEY=VALUE given to
 * prm_set_pair on one config, then prm_check. */
int fuzz_keyvalue_one(const uint8_t *data, size_t size);
/* tests/fuzz/fuzz_spec.c: the text is a sweep spec given to
 * exp_spec_new_text, then sample points expanded with exp_point_config. */
int fuzz_spec_one(const uint8_t *data, size_t size);

/* A property every input must keep. */
#define FUZZ_CHECK(cond, ...)                                                                                          \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: fuzz property broken: %s: ", __FILE__, __LINE__, #cond);                           \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* DATA as a C string, cut at its first NUL byte (as argv and the spec
 * reader would see it). Caller frees with free(); NULL when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    const void *nul = memchr(data, 0, size);
    size_t n = nul ? (size_t)((const uint8_t *)nul - data) : size;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, data, n);
    s[n] = 0;
    return s;
}

#endif
