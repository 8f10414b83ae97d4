# Criterion suites mirroring the modules, and end-to-end tests of the command.
if HAVE_CRITERION
test_cflags = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS)
test_ldadd = libexp.a libresults.a libmodels.a libsim.a $(PCAP_LIBS) $(CRITERION_LIBS) $(SQLITE_LIBS) $(INIH_LIBS) $(GSL_LIBS) -lm
include %D%/sim.mk
include %D%/models.mk
include %D%/ipsec.mk
include %D%/results.mk
include %D%/experiments.mk
include %D%/plots.mk
include %D%/reliability.mk
endif
# The optional tools as configure found them ("no": absent or hidden with
# ac_cv_path_GNUPLOT=no and the like); the tests that need one skip.
AM_TESTS_ENVIRONMENT = export REKEYSIM='$(abs_top_builddir)/experiments/rekeysim'; export TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_BUILDDIR='$(abs_top_builddir)'; \
	export REKEYSIM_GNUPLOT='$(GNUPLOT)' REKEYSIM_CHROMIUM='$(CHROMIUM)' REKEYSIM_TSHARK='$(TSHARK)';
include %D%/shell.mk
