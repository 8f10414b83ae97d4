# Tests that need only the program, a shell and python3: they run with or
# without Criterion (./configure --without-criterion). One list, so nothing
# is listed twice.
shell_tests = \
	tests/sim/test_no_network_words.sh \
	tests/ipsec/test_no_special_case.sh \
	tests/arch/test_layers.sh \
	tests/arch/test_timeline_reads_events.sh \
	tests/arch/test_format.sh \
	tests/fingerprints/check.sh \
	tests/e2e/test_run.sh \
	tests/e2e/test_bad_input.sh \
	tests/e2e/test_lifetime_ranges.sh \
	tests/e2e/test_smb_timer.sh \
	tests/e2e/test_proc.sh \
	tests/e2e/test_manpage.sh \
	tests/e2e/test_spec_input.sh \
	tests/e2e/test_db_input.sh \
	tests/e2e/test_whatif.sh \
	tests/e2e/test_pcap.sh \
	tests/e2e/test_matrix.sh \
	tests/experiments/test_sweep.sh \
	tests/cluster/test_parallel.sh \
	tests/cluster/slurm-local.sh \
	tests/results/check_report_chromium.sh
# The path presets end to end (issue 12).
shell_tests += tests/e2e/test_path.sh
# Fleets end to end (issue 16).
shell_tests += tests/e2e/test_fleet.sh
TESTS += $(shell_tests)
EXTRA_DIST += $(shell_tests) tests/arch/check_layers.py tests/e2e/check_pcap.py .clang-format tests/results/fixture.ini \
	tests/fingerprints/refresh.sh tests/fingerprints/reference.list tests/fingerprints/expected \
	tests/ipsec/matrix.py
# The answer table fixture of tests/results/test_report.c and check_report_chromium.sh (issue 15)
EXTRA_DIST += tests/results/fixture_answer.ini
# The fleet fixture of tests/results/test_plot.c, test_report.c and check_report_chromium.sh (issue 16)
EXTRA_DIST += tests/results/fixture_fleet.ini
