# IPsec acceptance tests: the KB 977526 facts from whole simulations.
check_PROGRAMS += tests/ipsec/test_kb977526
tests_ipsec_test_kb977526_SOURCES = tests/ipsec/test_kb977526.c
tests_ipsec_test_kb977526_CFLAGS = $(test_cflags)
tests_ipsec_test_kb977526_LDADD = $(test_ldadd)
TESTS += tests/ipsec/test_kb977526
check_PROGRAMS += tests/ipsec/test_ike
tests_ipsec_test_ike_SOURCES = tests/ipsec/test_ike.c
tests_ipsec_test_ike_CFLAGS = $(test_cflags)
tests_ipsec_test_ike_LDADD = $(test_ldadd)
TESTS += tests/ipsec/test_ike
# Several flows between the hosts (models/flow.h): pings and extra TCP
# connections through the same IPsec layer, their attribution and streams.
check_PROGRAMS += tests/ipsec/test_flows
tests_ipsec_test_flows_SOURCES = tests/ipsec/test_flows.c
tests_ipsec_test_flows_CFLAGS = $(test_cflags)
tests_ipsec_test_flows_LDADD = $(test_ldadd)
TESTS += tests/ipsec/test_flows

check_PROGRAMS += tests/ipsec/test_pairs
tests_ipsec_test_pairs_SOURCES = tests/ipsec/test_pairs.c
tests_ipsec_test_pairs_CFLAGS = $(test_cflags)
tests_ipsec_test_pairs_LDADD = $(test_ldadd)
TESTS += tests/ipsec/test_pairs
