# Protocol models: link, TCP, SMB, hosts, registry, scenario (network path).
noinst_LIBRARIES += libmodels.a
libmodels_a_SOURCES = \
	%D%/config.h %D%/pkt.h %D%/pkt.c \
	%D%/record.c %D%/record.h \
	%D%/presets.c %D%/presets.h \
	%D%/registry.c %D%/registry.h \
	%D%/host.c %D%/host.h \
	%D%/link.c %D%/link.h \
	%D%/tcp.c %D%/tcp.h \
	%D%/smb.c %D%/smb.h \
	%D%/scenario.c %D%/scenario.h %D%/scenario_int.h
libmodels_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS)
