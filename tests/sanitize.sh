#!/bin/sh
# tests/sanitize.sh: the sanitizer and leak pass (issue 7). Two out-of-tree
# builds of their own under build-sanitize/ (beside the main build/, which
# it never reconfigures; kept between runs, so a second run rebuilds only
# what changed):
#   1. build-sanitize/asan: --enable-asan --enable-ubsan --enable-werror,
#      then `make check` with LeakSanitizer on and UBSan halting on the
#      first error;
#   2. build-sanitize/plain: a plain -O1 -g build, whose binary runs under
#      valgrind memcheck (--error-exitcode=3 --leak-check=full
#      --errors-for-leak-kinds=definite,indirect, following children):
#      `rekeysim run --scenario kb977526 file.size=200MiB`, a short sweep
#      with --jobs 1, a sweep refused for a bad spec, `status`, and the fuzz
#      regression replays (tests/fuzz/test_regressions), which is where
#      valgrind sees uninitialised reads that ASan cannot.
# Prints one line per step and the time each took; exits 0 when every step
# passed, 1 otherwise. Each step's log is build-sanitize/NAME.log. Run from
# anywhere: sh tests/sanitize.sh
# Environment: JOBS (make -j, default: online cores), SANITIZE_DIR (instead
# of build-sanitize/), CC passes a compiler to configure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
work=${SANITIZE_DIR:-$top/build-sanitize}
mkdir -p "$work" && work=$(cd "$work" && pwd) || exit 1
# What the last run left: step logs, valgrind logs, the valgrind step's
# databases and specs (a sweep into an old v.db would do nothing).
rm -rf "$work"/*.log "$work"/*.vg.* "$work"/run
trap 'exit 1' INT TERM
failed=0
t0=$(date +%s)

step() { # NAME COMMAND...: runs COMMAND, logs to $work/NAME.log, reports.
  name=$1
  shift
  s=$(date +%s)
  "$@" >"$work/$name.log" 2>&1
  rc=$?
  e=$(($(date +%s) - s))
  if [ $rc -eq 0 ]; then
    echo "ok: $name ($e s)"
  else
    echo "FAIL: $name: exit $rc ($e s); last lines of $work/$name.log:"
    tail -n 40 "$work/$name.log" | sed 's/^/    /'
    failed=1
  fi
  return $rc
}

# configure_in DIR ARGS...: configures DIR with ARGS unless its last
# configure used the same sources and ARGS (then `make` updates what
# changed, re-running configure itself when configure.ac did).
configure_in() {
  d=$1
  shift
  mkdir -p "$d" && cd "$d" || return 1
  if [ -f Makefile ] && [ "$top $*" = "$(cat .configure-args 2>/dev/null)" ]; then
    echo "already configured: $top/configure $*"
    return 0
  fi
  rm -f .configure-args
  "$top/configure" "$@" && printf '%s' "$top $*" >.configure-args
}

if [ -f "$top/config.status" ]; then
  # A source tree configured in place (an old checkout: experiments/
  # bootstrap.sh cleans it) refuses out-of-tree builds: build from a copy of
  # the sources (tracked files and untracked ones git does not ignore, as in
  # the working tree).
  rm -rf "$work/src" && mkdir "$work/src" || exit 1
  (cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf -) |
    (cd "$work/src" && tar xf -) || { echo "FAIL: copying the sources"; exit 1; }
  top=$work/src
  (cd "$top" && autoreconf -fi >/dev/null 2>&1) || { echo "FAIL: autoreconf"; exit 1; }
elif [ ! -x "$top/configure" ]; then
  (cd "$top" && autoreconf -fi) || { echo "FAIL: autoreconf"; exit 1; }
fi

# ---- 1. ASan + UBSan + LSan: make check ----
step asan-configure configure_in "$work/asan" -q --enable-asan --enable-ubsan --enable-werror ${CC:+CC="$CC"} &&
  cd "$work/asan" && step asan-build make -j"$jobs"
if [ $failed -eq 0 ]; then
  # Logs of an earlier run (of tests since renamed, too) must not be read
  # as this run's.
  find tests -name '*.log' -exec rm -f {} + 2>/dev/null
  # detect_leaks is on by default on x86_64 Linux; said here so that a
  # changed default cannot switch it off. abort_on_error makes an ASan
  # report a crash that Criterion and the test driver both see.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS UBSAN_OPTIONS
  step asan-make-check make -j"$jobs" check
  unset ASAN_OPTIONS UBSAN_OPTIONS
  grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' "$work/asan-make-check.log" | sed 's/^/    /'
  # Sanitizer reports inside logs of tests that still passed (a report in a
  # child process that the test did not look at).
  reports=$(find tests -name '*.log' ! -name test-suite.log -exec grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' {} + 2>/dev/null)
  if [ -n "$reports" ]; then
    echo "FAIL: sanitizer reports in: $reports"
    for f in $reports; do grep -m 3 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|^    #[0-3] ' "$f" | sed 's/^/    /'; done
    failed=1
  fi
fi

# ---- 2. valgrind memcheck on a plain build ----
if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind is not installed"
else
  if step plain-configure configure_in "$work/plain" -q CFLAGS="-O1 -g" ${CC:+CC="$CC"} &&
     cd "$work/plain" && step plain-build make -j"$jobs" experiments/rekeysim tests/fuzz/test_regressions; then
    rk=$work/plain/experiments/rekeysim
    mkdir -p "$work/run" && cd "$work/run" || exit 1
    printf '[experiment v]\nscenario = no-ipsec, kb977526\nfile.size = 1MiB, 8MiB\nreplications = 2\n' >v.ini
    printf '[experiment v]\nfile.size = 1MiB\nlink.rat = 1Mbps\n' >bad.ini
    export TOP_SRCDIR="$top"
    # vgstep NAME WANT_STATUS COMMAND...: COMMAND under valgrind, one log file
    # per process (%p): a report in a forked child (a sweep worker, a
    # Criterion test) fails the step even when the parent exits 0.
    vgstep() {
      name=$1 want=$2
      shift 2
      step "$name" sh -c 'want=$1; logs=$2; shift 2
        valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect \
          --show-leak-kinds=definite,indirect --trace-children=yes --track-origins=yes \
          --log-file="$logs.%p" "$@"
        rc=$?
        cat "$logs".* 2>/dev/null
        if [ -n "$(cat "$logs".* 2>/dev/null)" ]; then echo "valgrind reported errors"; exit 3; fi
        [ $rc -eq "$want" ] || { echo "exit $rc, wanted $want"; exit 1; }' sh "$want" "$work/$name.vg" "$@"
    }
    vgstep valgrind-run 0 "$rk" run --scenario kb977526 file.size=200MiB
    vgstep valgrind-sweep 0 "$rk" sweep v.ini --db v.db --jobs 1 --quiet
    vgstep valgrind-status 0 "$rk" status --db v.db
    # A refused spec exits 2 and leaks nothing on the error path.
    vgstep valgrind-bad-spec 2 "$rk" sweep bad.ini --db bad.db --quiet
    # The fuzz regressions, where valgrind sees uninitialised reads ASan
    # cannot (one Criterion worker at a time).
    vgstep valgrind-fuzz-regressions 0 "$work/plain/tests/fuzz/test_regressions" --jobs 1
  fi
fi

echo "sanitize: $(($(date +%s) - t0)) s in all; $([ $failed -eq 0 ] && echo passed || echo FAILED)"
exit $failed
