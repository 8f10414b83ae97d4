# tests/sim (owned by its module): the kernel's suites link libsim.a alone,
# so they build and run whatever state the other libraries are in.
sim_tests = \
	tests/sim/test_queue \
	tests/sim/test_kernel \
	tests/sim/test_rng \
	tests/sim/test_stats
check_PROGRAMS += $(sim_tests)
TESTS += $(sim_tests)
sim_test_ldadd = libsim.a $(CRITERION_LIBS) $(GSL_LIBS) -lm

tests_sim_test_queue_SOURCES = tests/sim/test_queue.c tests/sim/leak_check.h
tests_sim_test_queue_CFLAGS = $(test_cflags)
tests_sim_test_queue_LDADD = $(sim_test_ldadd)
tests_sim_test_kernel_SOURCES = tests/sim/test_kernel.c tests/sim/leak_check.h
tests_sim_test_kernel_CFLAGS = $(test_cflags)
tests_sim_test_kernel_LDADD = $(sim_test_ldadd)
tests_sim_test_rng_SOURCES = tests/sim/test_rng.c tests/sim/leak_check.h
tests_sim_test_rng_CFLAGS = $(test_cflags)
tests_sim_test_rng_LDADD = $(sim_test_ldadd)
tests_sim_test_stats_SOURCES = tests/sim/test_stats.c
tests_sim_test_stats_CFLAGS = $(test_cflags)
tests_sim_test_stats_LDADD = $(sim_test_ldadd)
