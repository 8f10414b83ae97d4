# The command line and experiment machinery.
noinst_LIBRARIES += libexp.a
libexp_a_SOURCES = \
	%D%/spec.c %D%/spec.h \
	%D%/runner.c %D%/runner.h %D%/runner_int.h \
	%D%/workers.c \
	%D%/search.c %D%/search.h
libexp_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS)
EXTRA_DIST += %D%/kb977526.ini %D%/capacity.ini %D%/hypotheses.ini \
	%D%/cluster/slurm-sweep.sh %D%/cluster/parallel-sweep.sh %D%/cluster/README

bin_PROGRAMS += experiments/rekeysim
experiments_rekeysim_SOURCES = \
	%D%/main.c %D%/commands.h \
	%D%/cmd_run.c \
	%D%/cmd_sweep.c \
	%D%/cmd_plot.c
experiments_rekeysim_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS)
experiments_rekeysim_LDADD = libexp.a libresults.a libmodels.a libsim.a $(SQLITE_LIBS) $(INIH_LIBS) $(GSL_LIBS) -lm
