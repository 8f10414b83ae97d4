# bench/sweep (owned by its module): the real `rekeysim sweep` on generated
# specs: runs per second, the runner's overhead against the runs' own times,
# and the speed-up from --jobs 1 to 2. Built by `make`, run by `make bench`
# (from the build directory, where experiments/rekeysim is); see bench/README.md.
noinst_PROGRAMS += bench/sweep
bench_programs += bench/sweep
bench_sweep_SOURCES = %D%/sweep.c
bench_sweep_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(GSL_CFLAGS) $(INIH_CFLAGS) -O2
bench_sweep_LDADD = libexp.a libresults.a libmodels.a libsim.a $(SQLITE_LIBS) $(INIH_LIBS) $(GSL_LIBS) -lm
