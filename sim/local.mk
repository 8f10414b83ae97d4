# The event kernel: knows nothing about networks.
noinst_LIBRARIES += libsim.a
libsim_a_SOURCES = \
	%D%/kernel.c %D%/kernel.h \
	%D%/queue.c %D%/queue.h \
	%D%/rng.c %D%/rng.h %D%/hash.h \
	%D%/stats.c %D%/stats.h
libsim_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS)
