#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [HARNESS ...]: builds the libFuzzer harnesses
# (clang -fsanitize=fuzzer,address,undefined) against the project's sources,
# compiled directly (no configured tree needed), and runs each named harness
# (default: all three, one after the other, never in parallel) for SECONDS
# (default 60).
#
# Build and working corpus live in $FUZZ_DIR (default /tmp/rekeysim-fuzz);
# the checked-in seeds under tests/fuzz/corpus/<harness>/ are read, never
# written. A crash, leak, timeout or broken property leaves the input in
# $FUZZ_DIR/artifacts/<harness>/; copy it to tests/fuzz/regressions/<harness>/
# so that tests/fuzz/test_regressions.c replays it in `make check`.
# FUZZ_KEEP_GOING=1 keeps fuzzing past crashes (libFuzzer's -fork=1
# -ignore_crashes=1: one child process at a time, restarted after each
# crash), so a known, not yet fixed bug does not end the run; every crash
# still leaves its input in the artifacts directory.
# Each harness ends with one line:
#   fuzz <harness>: <N> executions in <S> s, <C> crashes, corpus <K> inputs
# Exit status: 0 no crash, 1 some harness crashed, 2 build failure.
set -u
secs=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-fuzz_units fuzz_keyvalue fuzz_spec}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_DIR:-/tmp/rekeysim-fuzz}
CC=${FUZZ_CC:-clang}
mkdir -p "$out/obj" "$out/gen" || exit 2

# A minimal config.h: the sources compiled here only need these names.
cat >"$out/gen/config.h.new" <<'EOF'
#define PACKAGE_VERSION "fuzz"
#define PACKAGE_STRING "rekeysim fuzz"
#define REKEYSIM_GIT_COMMIT "fuzz"
#define _FILE_OFFSET_BITS 64
EOF
cmp -s "$out/gen/config.h.new" "$out/gen/config.h" || mv "$out/gen/config.h.new" "$out/gen/config.h"

deps_cflags=$(pkg-config --cflags gsl sqlite3 inih) || exit 2
deps_libs=$(pkg-config --libs gsl sqlite3 inih) || exit 2
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter
 -I$out/gen -I$top $deps_cflags"

# The library code: instrumented for coverage (fuzzer-no-link) and the
# sanitizers. An archive, so each harness pulls only what it uses. Rebuilt
# whole when any source or header changed since the last build.
stamp=$out/obj/.stamp
srcs="$top/sim/*.c $top/models/core/*.c $top/models/*.c $top/experiments/spec.c"
if [ ! -e "$stamp" ] || [ -n "$(find "$top/sim" "$top/models" "$top/experiments" "$top/results" \
    -name '*.[ch]' -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
    rm -f "$out"/obj/*.o
    touch "$stamp.new"
    for src in $srcs; do
        o="$out/obj/$(echo "${src#"$top"/}" | tr / _).o"
        # shellcheck disable=SC2086
        $CC $cflags $san -fsanitize=fuzzer-no-link -c "$src" -o "$o" || exit 2
    done
    mv "$stamp.new" "$stamp"
fi
objs=
for src in $srcs; do objs="$objs $out/obj/$(echo "${src#"$top"/}" | tr / _).o"; done
rm -f "$out/libfuzzsrc.a"
# shellcheck disable=SC2086
ar cr "$out/libfuzzsrc.a" $objs || exit 2

for h in fuzz_units fuzz_keyvalue fuzz_spec; do
    # shellcheck disable=SC2086
    $CC $cflags $san -fsanitize=fuzzer "$here/$h.c" "$out/libfuzzsrc.a" $deps_libs -lm -lpthread \
        -o "$out/$h" || exit 2
done
# The dictionary generator needs only the leaf layer (the parameter
# table), which includes nothing above sim/; built plain, not instrumented.
# shellcheck disable=SC2086
$CC $cflags "$here/dictgen.c" $top/models/core/*.c $top/sim/*.c $deps_libs \
    -lm -lpthread -o "$out/dictgen" || exit 2
"$out/dictgen" | sort -u >"$out/units.dict" || exit 2
"$out/dictgen" spec | sort -u >"$out/spec.dict" || exit 2

status=0
for h in $harnesses; do
    case $h in
    fuzz_spec) dict=$out/spec.dict; maxlen=65536 ;;
    fuzz_units|fuzz_keyvalue) dict=$out/units.dict; maxlen=512 ;;
    *) echo "unknown harness $h"; exit 2 ;;
    esac
    mkdir -p "$out/corpus/$h" "$out/artifacts/$h"
    log="$out/$h.log"
    before=$(ls "$out/artifacts/$h" | wc -l)
    start=$(date +%s)
    # One fuzzing process at a time (fork mode runs one child), so the
    # machine's other users keep a core.
    keep=
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    # shellcheck disable=SC2086
    "$out/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen $keep \
        -dict="$dict" -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" \
        "$out/corpus/$h" "$here/corpus/$h" >"$log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ -z "$execs" ] || [ -n "$keep" ]; then
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    fi
    after=$(ls "$out/artifacts/$h" | wc -l)
    crashes=$((after - before))
    [ "$crashes" -gt 0 ] && status=1
    if [ -n "$keep" ] && [ "$crashes" -gt 0 ]; then
        echo "== $h: $crashes crash inputs; first report lines of each kind:"
        grep -hE 'runtime error|^SUMMARY|fuzz property broken|ERROR: AddressSanitizer|ERROR: LeakSanitizer' "$log" | sort | uniq -c | head -n 20
    fi
    if [ "$rc" -ne 0 ] && [ -z "$keep" ]; then
        status=1
        [ "$crashes" -eq 0 ] && crashes=1
        echo "== $h stopped (exit $rc); the report:"
        grep -E 'ERROR|SUMMARY|fuzz property|runtime error|#[0-9]+ 0x|Test unit written' "$log" | head -n 40
    fi
    echo "fuzz $h: ${execs:-?} executions in $((end - start)) s, $crashes crashes, corpus $(ls "$out/corpus/$h" | wc -l) inputs"
done
exit $status
