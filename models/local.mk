# Protocol models: link, TCP, SMB, hosts, registry, scenario (network path).
noinst_LIBRARIES += libmodels.a
libmodels_a_SOURCES = \
	%D%/config.h %D%/pkt.h \
	%D%/record.c %D%/record.h \
	%D%/presets.c %D%/presets.h \
	%D%/scenario.h
libmodels_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS)
