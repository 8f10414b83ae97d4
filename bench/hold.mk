# bench/hold (owned by its module): the kernel against a bare 4-ary heap in
# the hold model. Built by `make`, run by `make bench`; see bench/README.md.
noinst_PROGRAMS += bench/hold
bench_programs += bench/hold
bench_hold_SOURCES = %D%/hold.c
bench_hold_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_hold_LDADD = libsim.a $(GSL_LIBS) -lm
