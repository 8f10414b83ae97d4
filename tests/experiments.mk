# tests/experiments: the sweep's plan, ledger (resume) and worker pool, on
# real components (real SQLite files in a temporary directory, real runs).
exp_tests = \
	tests/experiments/test_plan \
	tests/experiments/test_runner \
	tests/experiments/test_pool
check_PROGRAMS += $(exp_tests)
TESTS += $(exp_tests)

tests_experiments_test_plan_SOURCES = tests/experiments/test_plan.c
tests_experiments_test_plan_CFLAGS = $(test_cflags)
tests_experiments_test_plan_LDADD = $(test_ldadd)
tests_experiments_test_runner_SOURCES = tests/experiments/test_runner.c
tests_experiments_test_runner_CFLAGS = $(test_cflags)
tests_experiments_test_runner_LDADD = $(test_ldadd)
tests_experiments_test_pool_SOURCES = tests/experiments/test_pool.c
tests_experiments_test_pool_CFLAGS = $(test_cflags)
tests_experiments_test_pool_LDADD = $(test_ldadd)
