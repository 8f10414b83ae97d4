# Criterion suites mirroring the modules, and end-to-end tests of the command.
if HAVE_CRITERION
test_cflags = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS)
test_ldadd = libexp.a libresults.a libmodels.a libsim.a $(CRITERION_LIBS) $(SQLITE_LIBS) $(INIH_LIBS) $(GSL_LIBS) -lm
include %D%/sim.mk
include %D%/models.mk
include %D%/ipsec.mk
include %D%/results.mk
include %D%/plots.mk
include %D%/reliability.mk
else
# Without Criterion the shell tests still run: they need only the program.
# The fragments above list them for the Criterion build; keep this list the
# same as their *.sh entries in TESTS.
TESTS += \
	tests/sim/test_no_network_words.sh \
	tests/e2e/test_run.sh \
	tests/ipsec/test_no_special_case.sh \
	tests/experiments/test_sweep.sh \
	tests/cluster/test_parallel.sh \
	tests/cluster/slurm-local.sh \
	tests/e2e/test_bad_input.sh
endif
AM_TESTS_ENVIRONMENT = export REKEYSIM='$(abs_top_builddir)/experiments/rekeysim'; export TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_BUILDDIR='$(abs_top_builddir)';
