# tests/results and tests/experiments: the results store, sweep specs,
# adaptive decisions (Criterion), and end-to-end sweeps of the real binary.
sweep_tests = \
	tests/results/test_store \
	tests/results/test_copies \
	tests/experiments/test_spec \
	tests/experiments/test_search
check_PROGRAMS += $(sweep_tests)
TESTS += $(sweep_tests)

tests_results_test_store_SOURCES = tests/results/test_store.c tests/results/store_helpers.h
tests_results_test_store_CFLAGS = $(test_cflags)
tests_results_test_store_LDADD = $(test_ldadd)
tests_results_test_copies_SOURCES = tests/results/test_copies.c tests/results/store_helpers.h
tests_results_test_copies_CFLAGS = $(test_cflags)
tests_results_test_copies_LDADD = $(test_ldadd)
tests_experiments_test_spec_SOURCES = tests/experiments/test_spec.c
tests_experiments_test_spec_CFLAGS = $(test_cflags)
tests_experiments_test_spec_LDADD = $(test_ldadd)
tests_experiments_test_search_SOURCES = tests/experiments/test_search.c
tests_experiments_test_search_CFLAGS = $(test_cflags)
tests_experiments_test_search_LDADD = $(test_ldadd)
