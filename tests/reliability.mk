# Reliability (issue 7): the fuzz inputs replayed through the harnesses'
# entry points (tests/fuzz/test_regressions.c, normal build, no libFuzzer)
# and the table of bad input to the real binary (tests/e2e/test_bad_input.sh).
# Included by tests/local.mk inside `if HAVE_CRITERION`. The fuzzers
# themselves (tests/fuzz/run.sh) and the sanitizer/valgrind pass
# (tests/sanitize.sh) are run by hand or by CI, never by `make check`.
check_PROGRAMS += tests/fuzz/test_regressions
TESTS += tests/fuzz/test_regressions

tests_fuzz_test_regressions_SOURCES = tests/fuzz/test_regressions.c tests/fuzz/harness.h \
	tests/fuzz/fuzz_units.c tests/fuzz/fuzz_keyvalue.c tests/fuzz/fuzz_spec.c
tests_fuzz_test_regressions_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NO_LIBFUZZER \
	-DFUZZ_SRCDIR='"$(abs_top_srcdir)/tests/fuzz"'
tests_fuzz_test_regressions_CFLAGS = $(test_cflags)
tests_fuzz_test_regressions_LDADD = $(test_ldadd)

EXTRA_DIST += tests/e2e/BAD_INPUT.md tests/sanitize.sh \
	tests/fuzz/run.sh tests/fuzz/README.md tests/fuzz/dictgen.c \
	tests/fuzz/corpus tests/fuzz/regressions
