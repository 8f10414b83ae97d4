# Benchmarks: built by `make`, run by `make bench`, never timed tests.
include %D%/hold.mk
include %D%/tcp_bulk.mk
include %D%/sweep.mk
include %D%/fleet.mk
