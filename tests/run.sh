#!/bin/sh
# tests/run.sh: the README's test command. Installs what it needs (Debian 12,
# root), builds in build/ with warnings as errors, runs every Criterion
# suite and end-to-end test there (make check; its output in
# build/make-check.out), then tests/sanitize.sh (the suite under ASan and
# UBSan, valgrind on real runs, in build-sanitize/), and ends with one
# "N passed, N failed" line. SANITIZE=0 skips the sanitizer pass.
set -eu
cd "$(dirname "$0")/.."
CONFIGURE_FLAGS="${CONFIGURE_FLAGS:---enable-werror}" sh experiments/bootstrap.sh
cd build
status=0
make -s -j"$(nproc)" check >make-check.out 2>&1 || status=$?
grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' make-check.out || true
if [ "$status" -ne 0 ]; then
    tail -n 60 make-check.out
    for log in $(find tests -name '*.log' ! -name test-suite.log); do
        if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
            echo "==== build/$log"; tail -n 40 "$log"
        fi
    done
fi
pass=$(grep -cE '^(PASS|XFAIL):' make-check.out || true)
fail=$(grep -cE '^(FAIL|XPASS|ERROR):' make-check.out || true)
# The whole suite again under AddressSanitizer + UBSan (-Werror), and
# valgrind memcheck on a run, a sweep and the fuzz regressions (issue 7).
# SANITIZE=0 skips it for a quick local run.
if [ "${SANITIZE:-1}" != 0 ]; then
    if sh ../tests/sanitize.sh; then pass=$((pass + 1)); else fail=$((fail + 1)); status=1; fi
fi
echo "${pass} passed, ${fail} failed"
exit "$status"
