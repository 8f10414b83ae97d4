# bench/fleet (issue 16): N = 1, 10, 100 and 1,000 clients copying through a
# shared bottleneck, timed per data segment, with peak RSS per case. Built by
# `make`, run by `make bench`; see bench/README.md.
noinst_PROGRAMS += bench/fleet
bench_programs += bench/fleet
bench_fleet_SOURCES = %D%/fleet.c %D%/measure.h
bench_fleet_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_fleet_LDADD = libmodels.a libsim.a $(GSL_LIBS) -lm
