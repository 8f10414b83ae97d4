# Architecture checks: shell and python only, so they run without Criterion.
TESTS += tests/arch/test_layers.sh tests/arch/test_timeline_reads_events.sh tests/fingerprints/check.sh
EXTRA_DIST += tests/arch/test_layers.sh tests/arch/check_layers.py tests/arch/test_timeline_reads_events.sh \
	tests/fingerprints/check.sh tests/fingerprints/refresh.sh tests/fingerprints/reference.list \
	tests/fingerprints/expected
