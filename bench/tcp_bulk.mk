# bench/tcp_bulk (owned by its module): a packet-level bulk copy without IPsec,
# timed per data segment. Built by `make`, run by `make bench`; see bench/README.md.
noinst_PROGRAMS += bench/tcp_bulk
bench_programs += bench/tcp_bulk
bench_tcp_bulk_SOURCES = %D%/tcp_bulk.c %D%/measure.h
bench_tcp_bulk_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(PCAP_CFLAGS) -O2
bench_tcp_bulk_LDADD = libresults.a libmodels.a libsim.a $(PCAP_LIBS) $(GSL_LIBS) -lm
