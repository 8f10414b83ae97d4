# Network-path suites (registry, link, TCP, SMB, scenario) and end-to-end tests of `rekeysim run`.
models_tests = \
	tests/models/test_registry \
	tests/models/test_link \
	tests/models/test_tcp \
	tests/models/test_tcp_sack \
	tests/models/test_smb \
	tests/models/test_host \
	tests/models/test_scenario
check_PROGRAMS += $(models_tests)
TESTS += $(models_tests)
EXTRA_DIST += tests/models/sim_helpers.h

tests_models_test_registry_SOURCES = tests/models/test_registry.c
tests_models_test_registry_CFLAGS = $(test_cflags)
tests_models_test_registry_LDADD = $(test_ldadd)
tests_models_test_link_SOURCES = tests/models/test_link.c
tests_models_test_link_CFLAGS = $(test_cflags)
tests_models_test_link_LDADD = $(test_ldadd)
tests_models_test_tcp_SOURCES = tests/models/test_tcp.c tests/models/sim_helpers.h
tests_models_test_tcp_CFLAGS = $(test_cflags)
tests_models_test_tcp_LDADD = $(test_ldadd)
tests_models_test_tcp_sack_SOURCES = tests/models/test_tcp_sack.c tests/models/sim_helpers.h
tests_models_test_tcp_sack_CFLAGS = $(test_cflags)
tests_models_test_tcp_sack_LDADD = $(test_ldadd)
tests_models_test_smb_SOURCES = tests/models/test_smb.c tests/models/sim_helpers.h
tests_models_test_smb_CFLAGS = $(test_cflags)
tests_models_test_smb_LDADD = $(test_ldadd)
tests_models_test_host_SOURCES = tests/models/test_host.c tests/models/sim_helpers.h
tests_models_test_host_CFLAGS = $(test_cflags)
tests_models_test_host_LDADD = $(test_ldadd)
tests_models_test_scenario_SOURCES = tests/models/test_scenario.c tests/models/sim_helpers.h
tests_models_test_scenario_CFLAGS = $(test_cflags)
tests_models_test_scenario_LDADD = $(test_ldadd)
models_tests += tests/models/test_record
tests_models_test_record_SOURCES = tests/models/test_record.c
tests_models_test_record_CFLAGS = $(test_cflags)
tests_models_test_record_LDADD = $(test_ldadd)
# The out-of-memory test fails the recorder's own allocation through the linker.
tests_models_test_record_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=realloc
models_tests += tests/models/test_event
tests_models_test_event_SOURCES = tests/models/test_event.c
tests_models_test_event_CFLAGS = $(test_cflags)
tests_models_test_event_LDADD = $(test_ldadd)
models_tests += tests/models/test_outcome
tests_models_test_outcome_SOURCES = tests/models/test_outcome.c
tests_models_test_outcome_CFLAGS = $(test_cflags)
tests_models_test_outcome_LDADD = $(test_ldadd)
models_tests += tests/models/test_units
tests_models_test_units_SOURCES = tests/models/test_units.c
tests_models_test_units_CFLAGS = $(test_cflags)
tests_models_test_units_LDADD = $(test_ldadd)
models_tests += tests/models/test_path
tests_models_test_path_SOURCES = tests/models/test_path.c tests/models/sim_helpers.h
tests_models_test_path_CFLAGS = $(test_cflags)
tests_models_test_path_LDADD = $(test_ldadd)
# issue 15: restartable copies (copy.tool=robocopy-z)
models_tests += tests/models/test_restart
tests_models_test_restart_SOURCES = tests/models/test_restart.c tests/models/sim_helpers.h
tests_models_test_restart_CFLAGS = $(test_cflags)
tests_models_test_restart_LDADD = $(test_ldadd)
# issue 16: fleets
models_tests += tests/models/test_fleet
tests_models_test_fleet_SOURCES = tests/models/test_fleet.c tests/models/sim_helpers.h
tests_models_test_fleet_CFLAGS = $(test_cflags)
tests_models_test_fleet_LDADD = $(test_ldadd)
# issue 16: the SMB server's session admission (smb_set_admission)
models_tests += tests/models/test_admission
tests_models_test_admission_SOURCES = tests/models/test_admission.c
tests_models_test_admission_CFLAGS = $(test_cflags)
tests_models_test_admission_LDADD = $(test_ldadd)
