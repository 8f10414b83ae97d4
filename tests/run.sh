#!/bin/sh
# tests/run.sh: the README's test command. Installs what it needs (Debian 12,
# root), builds with warnings as errors, runs every Criterion suite and
# end-to-end test (make check), and ends with one "N passed, N failed" line.
set -eu
cd "$(dirname "$0")/.."
CONFIGURE_FLAGS="${CONFIGURE_FLAGS:---enable-werror}" sh experiments/bootstrap.sh
status=0
make -s -j"$(nproc)" check >make-check.out 2>&1 || status=$?
grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' make-check.out || true
if [ "$status" -ne 0 ]; then
    tail -n 60 make-check.out
    for log in $(find tests -name '*.log' ! -name test-suite.log); do
        if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
            echo "==== $log"; tail -n 40 "$log"
        fi
    done
fi
pass=$(grep -cE '^(PASS|XFAIL):' make-check.out || true)
fail=$(grep -cE '^(FAIL|XPASS|ERROR):' make-check.out || true)
echo "${pass} passed, ${fail} failed"
exit "$status"
