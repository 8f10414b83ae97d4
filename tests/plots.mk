# tests/results: the figures, the single-run timeline and the report
# (results/plot*.c, results/report.c). Included by tests/local.mk inside
# `if HAVE_CRITERION`; the suites build their fixture database with a real
# sweep of tests/results/fixture.ini through $REKEYSIM; the tests that
# render skip without gnuplot (tp_need_gnuplot), and a suite that skipped
# them exits 77. fixture.ini is distributed by tests/shell.mk.
plot_tests = \
	tests/results/test_plot \
	tests/results/test_plot_run \
	tests/results/test_report
check_PROGRAMS += $(plot_tests)
TESTS += $(plot_tests)

tests_results_test_plot_SOURCES = tests/results/test_plot.c tests/results/test_plot_fixture.c
tests_results_test_plot_CFLAGS = $(test_cflags)
tests_results_test_plot_LDADD = $(test_ldadd)
tests_results_test_plot_run_SOURCES = tests/results/test_plot_run.c tests/results/test_plot_fixture.c
tests_results_test_plot_run_CFLAGS = $(test_cflags)
tests_results_test_plot_run_LDADD = $(test_ldadd)
tests_results_test_report_SOURCES = tests/results/test_report.c tests/results/test_plot_fixture.c
tests_results_test_report_CFLAGS = $(test_cflags)
tests_results_test_report_LDADD = $(test_ldadd)
