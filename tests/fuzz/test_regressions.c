/*
 * Replays every saved fuzz input through the harnesses' own entry points
 * (tests/fuzz/fuzz_*.c compiled without libFuzzer) in the normal build, so
 * `make check` keeps each crash the fuzzers found fixed: the files under
 * tests/fuzz/regressions/<harness>/ (one per crash, named after the bug) and
 * the seed corpus under tests/fuzz/corpus/<harness>/. Spec inputs are also
 * read from their file with exp_spec_new, the path `rekeysim sweep` takes.
 *
 * A broken property aborts inside the entry point: Criterion reports the
 * test as crashed, and the file being replayed is the last "replaying" line
 * on stderr. Under tests/sanitize.sh the same replays run with ASan, UBSan
 * and LeakSanitizer, and under valgrind.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "experiments/spec.h"
#include "tests/fuzz/harness.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "tests/fuzz"
#endif

typedef int (*entry_fn)(const uint8_t *, size_t);

/* tests/fuzz under the source tree: $TOP_SRCDIR (make check) or the path
 * compiled in. */
static void fuzz_dir(const char *sub, const char *harness, char *buf, size_t n)
{
    const char *top = getenv("TOP_SRCDIR");
    if (top && *top)
        snprintf(buf, n, "%s/tests/fuzz/%s/%s", top, sub, harness);
    else
        snprintf(buf, n, "%s/%s/%s", FUZZ_SRCDIR, sub, harness);
}

/* The whole file at PATH; caller frees. */
static uint8_t *slurp(const char *path, size_t *size_out)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (;;) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        buf = realloc(buf, cap *= 2);
        cr_assert_not_null(buf);
    }
    cr_assert(!ferror(f), "cannot read %s", path);
    fclose(f);
    *size_out = n;
    return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

/* Feeds every regular file of tests/fuzz/SUB/HARNESS to FN (and, when
 * AS_SPEC_FILE, to exp_spec_new by path). Returns how many; a missing
 * directory holds none. */
static size_t replay(const char *sub, const char *harness, entry_fn fn, int as_spec_file)
{
    char dir[4096];
    fuzz_dir(sub, harness, dir, sizeof dir);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) return 0;
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        free(names[i]);
        if (path[strlen(dir) + 1] == '.') continue;
        fprintf(stderr, "replaying %s\n", path);
        size_t size;
        uint8_t *data = slurp(path, &size);
        fn(data, size);
        free(data);
        if (as_spec_file) {
            exp_spec *spec = NULL;
            char err[1024] = "";
            int rc = exp_spec_new(path, err, sizeof err, &spec);
            cr_expect(rc == 0 || strncmp(err, path, strlen(path)) == 0, "%s: message lacks the file name: %s", path,
                      err);
            exp_spec_free(spec);
        }
        count++;
    }
    free(names);
    return count;
}

static void replay_all(const char *harness, entry_fn fn, int as_spec_file)
{
    size_t seeds = replay("corpus", harness, fn, as_spec_file);
    size_t crashes = replay("regressions", harness, fn, as_spec_file);
    /* The seeds are checked in: finding none means the path is wrong and
     * this test would pass without testing anything. */
    cr_assert_gt(seeds, 0, "no seed inputs under tests/fuzz/corpus/%s (TOP_SRCDIR=%s)", harness,
                 getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : "unset");
    cr_log_info("%s: %zu seeds and %zu regression inputs replayed", harness, seeds, crashes);
}

Test(fuzz_regressions, every_saved_unit_input_keeps_the_unit_parser_properties)
{
    replay_all("fuzz_units", fuzz_units_one, 0);
}

Test(fuzz_regressions, every_saved_key_value_input_keeps_the_settings_properties)
{
    replay_all("fuzz_keyvalue", fuzz_keyvalue_one, 0);
}

Test(fuzz_regressions, every_saved_spec_keeps_the_spec_properties_from_text_and_from_file)
{
    replay_all("fuzz_spec", fuzz_spec_one, 1);
}

/* The one found by valgrind rather than the fuzzer (an uninitialised read
 * ASan cannot see): a spec whose first line is empty, or only a UTF-8 BOM,
 * must parse like the same spec without it. tests/sanitize.sh runs this
 * under valgrind, which reports the read. */
Test(fuzz_regressions, a_spec_starting_with_an_empty_line_parses_like_one_without)
{
    static const char *const texts[] = {"\n[experiment a]\nfile.size = 1MiB, 2MiB\n",
                                        "\xef\xbb\xbf\n[experiment a]\nfile.size = 1MiB, 2MiB\n",
                                        "[experiment a]\n\nfile.size = 1MiB, 2MiB\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        exp_spec *spec = NULL;
        char err[512] = "";
        int rc = exp_spec_new_text("t.ini", texts[i], err, sizeof err, &spec);
        cr_assert_eq(rc, 0, "text %zu refused: %s", i, err);
        cr_expect_eq(spec->n, 1);
        cr_expect_eq(spec->exps[0].n_points, 2);
        exp_spec_free(spec);
    }
}

/* The paths of tests/fuzz/corpus/spec_paths/: files a fuzzer cannot make
 * (libFuzzer hands over bytes, not files), each a one-line seed: a device
 * path as is, or @fifo, @directory, @oversize (EXP_SPEC_MAX_BYTES + 1 bytes
 * of comments) and @at-cap (exactly the cap), made here in a temporary
 * directory. All but @at-cap must be refused with EXP_EREAD and a message
 * naming the path, at once: /dev/zero was read until memory ran out and a
 * FIFO blocked forever (issue 11, W4). The timeout catches a hang. */
static void make_spec_of_size(const char *path, size_t size)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    size_t n = (size_t)fprintf(f, "[experiment cap]\nfile.size = 1MiB\n");
    for (; n < size; n++) fputc(n + 1 == size || n % 100 == 99 ? '\n' : ';', f);
    cr_assert_eq(fclose(f), 0);
}

Test(fuzz_regressions, every_saved_path_that_is_not_a_small_regular_file_is_refused_before_reading, .timeout = 60)
{
    char dir[4096], tmp[] = "/tmp/fuzz_paths_XXXXXX";
    fuzz_dir("corpus", "spec_paths", dir, sizeof dir);
    cr_assert_not_null(mkdtemp(tmp));
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    cr_assert_gt(n, 2, "no seeds under %s", dir);
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        char seed_path[8192], target[8192] = "";
        snprintf(seed_path, sizeof seed_path, "%s/%s", dir, names[i]->d_name);
        int dot = names[i]->d_name[0] == '.';
        free(names[i]);
        if (dot) continue;
        size_t size;
        uint8_t *data = slurp(seed_path, &size);
        char *line = fuzz_cstr(data, size);
        free(data);
        cr_assert_not_null(line);
        line[strcspn(line, "\n")] = 0;
        int want_ok = !strcmp(line, "@at-cap");
        if (line[0] != '@') {
            snprintf(target, sizeof target, "%s", line);
        } else {
            snprintf(target, sizeof target, "%s/%s", tmp, line + 1);
            if (!strcmp(line, "@fifo"))
                cr_assert_eq(mkfifo(target, 0600), 0);
            else if (!strcmp(line, "@directory"))
                cr_assert_eq(mkdir(target, 0700), 0);
            else if (!strcmp(line, "@oversize"))
                make_spec_of_size(target, EXP_SPEC_MAX_BYTES + 1);
            else if (want_ok)
                make_spec_of_size(target, EXP_SPEC_MAX_BYTES);
            else
                cr_assert_fail("%s: unknown seed '%s'", seed_path, line);
        }
        free(line);
        fprintf(stderr, "replaying %s (%s)\n", seed_path, target);
        exp_spec *spec = NULL;
        char err[1024] = "";
        int rc = exp_spec_new(target, err, sizeof err, &spec);
        if (want_ok) {
            cr_expect_eq(rc, 0, "%s: a spec of exactly the cap refused: %s", target, err);
        } else {
            cr_expect_eq(rc, EXP_EREAD, "%s: rc %d, wanted a read error", target, rc);
            cr_expect(strncmp(err, target, strlen(target)) == 0, "%s: message lacks the path: %s", target, err);
            cr_expect_null(spec);
        }
        exp_spec_free(spec);
        if (target[0] && !strncmp(target, tmp, strlen(tmp))) {
            if (rmdir(target) != 0) unlink(target);
        }
        count++;
    }
    free(names);
    rmdir(tmp);
    cr_log_info("spec_paths: %zu paths", count);
}
