# The command line and experiment machinery.
noinst_LIBRARIES += libexp.a
libexp_a_SOURCES =
libexp_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS)

bin_PROGRAMS += experiments/rekeysim
experiments_rekeysim_SOURCES = \
	%D%/main.c %D%/commands.h \
	%D%/cmd_run.c \
	%D%/cmd_sweep.c \
	%D%/cmd_plot.c
experiments_rekeysim_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS)
experiments_rekeysim_LDADD = libexp.a libresults.a libmodels.a libsim.a $(SQLITE_LIBS) $(INIH_LIBS) $(GSL_LIBS) -lm
