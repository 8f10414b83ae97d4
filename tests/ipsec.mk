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
check_PROGRAMS += tests/ipsec/test_pairs
tests_ipsec_test_pairs_SOURCES = tests/ipsec/test_pairs.c
tests_ipsec_test_pairs_CFLAGS = $(test_cflags)
tests_ipsec_test_pairs_LDADD = $(test_ldadd)
TESTS += tests/ipsec/test_pairs
