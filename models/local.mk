# Protocol models. models/core is the leaf layer (parameters, units, outcome
# table, typed events, recorder, packets): it includes only sim/ and itself.
# The protocol models (link, tcp, ipsec + ike, smb, host) use only models/core
# and sim/; scenario.c is the one assembler (tests/arch/test_layers.sh).
noinst_LIBRARIES += libmodels.a
libmodels_a_SOURCES = \
	%D%/core/params.h %D%/core/params_int.h %D%/core/params.c %D%/core/params_net.c \
	%D%/core/params_ipsec.c %D%/core/params_flow.c %D%/core/params_fleet.c \
	%D%/core/units.h %D%/core/units.c \
	%D%/core/presets.c %D%/core/presets.h \
	%D%/core/outcome.h %D%/core/outcome.c \
	%D%/core/event.h %D%/core/event.c \
	%D%/core/record.c %D%/core/record.h \
	%D%/core/pkt.h %D%/core/pkt.c \
	%D%/host.c %D%/host.h \
	%D%/link.c %D%/link.h \
	%D%/tcp.c %D%/tcp.h \
	%D%/tcp_sack.c %D%/tcp_sack.h \
	%D%/smb.c %D%/smb.h \
	%D%/flow.c %D%/flow.h %D%/fleet.c %D%/fleet.h \
	%D%/scenario.c %D%/scenario.h %D%/scenario_int.h
libmodels_a_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS)
