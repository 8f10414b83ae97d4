#!/bin/sh
# Results databases as users find them (issue 11; the cases and decisions
# are in the section "Databases (issue 11)" of tests/e2e/BAD_INPUT.md), run
# through the real binary ($REKEYSIM, exported by tests/local.mk). Each case
# failed before its fix. Mounting (read-only media) needs root; without it
# those cases print SKIP. Exit 77 only if every case was skipped.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: the sqlite3 shell is needed"; exit 77; }
tmp=$(mktemp -d) || exit 99
mounts=
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
  for m in $mounts; do umount "$m" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 99
n_ok=0 n_fail=0 n_skip=0
ok() { echo "ok: $*"; n_ok=$((n_ok + 1)); }
fail() { echo "FAIL: $*"; n_fail=$((n_fail + 1)); }
skip() { echo "SKIP: $*"; n_skip=$((n_skip + 1)); }

# expect NAME STATUS PATTERN CMD...: the exit status, and PATTERN (an ERE;
# "" for none) on stderr, which must be one line when the status is not 0.
expect() {
  name=$1 want=$2 pat=$3
  shift 3
  "$@" >out 2>err
  rc=$?
  if [ "$rc" -ne "$want" ]; then fail "$name: exit $rc, wanted $want: $(head -c 400 err)"; return 1; fi
  if [ -n "$pat" ] && ! grep -qE -- "$pat" err; then fail "$name: stderr lacks /$pat/: $(cat err)"; return 1; fi
  if [ "$want" -ne 0 ] && [ "$(grep -c '' err)" -ne 1 ]; then fail "$name: wanted one line on stderr: $(cat err)"; return 1; fi
  ok "$name"
}
runs() { sqlite3 "file:$1?mode=ro" 'SELECT count(*) FROM runs'; }
files_of() { (cd "$1" && ls -A | sort | tr '\n' ' '); }

# rofs SRC MNT: MNT becomes a read-only view of directory SRC.
rofs() {
  mkdir -p "$2"
  if mount --bind "$1" "$2" 2>/dev/null; then
    mounts="$2 $mounts"
    mount -o remount,bind,ro "$2" 2>/dev/null
  elif mount -t tmpfs -o size=64m tmpfs "$2" 2>/dev/null; then
    mounts="$2 $mounts"
    cp -a "$1"/. "$2"/ && mount -o remount,ro "$2" 2>/dev/null
  fi
  if (: >"$2/.probe") 2>/dev/null; then rm -f "$2/.probe"; return 1; fi
  [ -n "$(ls -A "$2")" ]
}

printf '[experiment t]\nfile.size = 1MiB\nreplications = 2\n' >tiny.ini
printf '[experiment w]\nfile.size = 1MiB\nreplications = 20\n' >w.ini
mkdir src
"$rk" sweep tiny.ini --db src/base.db --jobs 1 --quiet >/dev/null 2>&1 || { echo "FAIL: the tiny sweep"; exit 1; }
# A database whose committed runs are all still in its -wal: the writer was
# killed (the test-only hook) before any checkpoint.
REKEYSIM_TEST_COMMIT_EVERY=1 REKEYSIM_TEST_KILL_AFTER_COMMIT=6 "$rk" sweep w.ini --db src/wal.db --jobs 1 --quiet \
  >/dev/null 2>&1
# The same -wal without its -shm (copied on its own).
cp src/wal.db src/noshm.db && cp src/wal.db-wal src/noshm.db-wal
n_wal=$(runs src/wal.db)
n_main=$(sqlite3 "file:src/wal.db?immutable=1" 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
[ -s src/wal.db-wal ] && [ "${n_wal:-0}" -gt "${n_main:-0}" ] || echo "note: wal.db: $n_wal runs, $n_main without its -wal"

# ---- W6-W11: read-only media ----
if [ "$(id -u)" -ne 0 ]; then
  skip "read-only media: mounting needs root"
elif ! rofs src ro; then
  skip "read-only media: neither a read-only bind mount nor a read-only tmpfs could be made here"
else
  expect "W6 status of a database on read-only media" 0 "" "$rk" status --db ro/base.db &&
    { grep -q '2/2 runs' out || fail "W6 status: $(cat out)"; }
  expect "W6' status shows the runs of a -wal on read-only media" 0 "" "$rk" status --db ro/wal.db &&
    { grep -q "$n_wal/20 runs" out || fail "W6' status: wanted $n_wal/20 runs: $(cat out)"; }
  if command -v gnuplot >/dev/null 2>&1; then
    expect "W7 plot of a database on read-only media" 0 "" "$rk" plot --db ro/base.db --out plots
    expect "W8 report of a database on read-only media" 0 "" "$rk" report --db ro/base.db --out rep &&
      { [ -s rep/report.html ] || fail "W8 report: no report.html"; }
  else
    skip "W7/W8 plot and report: gnuplot is not installed"
  fi
  expect "W9 replay from a database on read-only media" 0 "" "$rk" run --db ro/base.db --run 100001
  last=$(sqlite3 "file:src/wal.db?mode=ro" 'SELECT max(run_id) FROM runs')
  expect "W9' replay of a run only the -wal holds" 0 "" "$rk" run --db ro/wal.db --run "$last"
  expect "W10 merge of inputs on read-only media" 0 "" "$rk" merge m1.db ro/base.db &&
    { [ "$(runs m1.db)" -eq 2 ] || fail "W10 merge: $(runs m1.db) runs in the output"; }
  expect "W10' merge of a -wal input on read-only media" 0 "" "$rk" merge m2.db ro/wal.db &&
    { [ "$(runs m2.db)" -eq "$n_wal" ] || fail "W10' merge: $(runs m2.db) runs, wanted $n_wal"; }
  expect "a -wal with runs but no -shm on read-only media is refused, not shown without them" 1 \
    "ro/noshm.db cannot be read here: its write-ahead log" "$rk" status --db ro/noshm.db
  expect "W11 sweep into a database on read-only media" 1 "ro/base.db is read-only" \
    "$rk" sweep tiny.ini --db ro/base.db --quiet
  expect "W11' sweep creating a database on read-only media" 1 "ro/new.db.*read-only" \
    "$rk" sweep tiny.ini --db ro/new.db --quiet
fi

# ---- readers leave nothing beside the file ----
mkdir rw && cp src/base.db rw/
left=
for c in "status --db rw/base.db" "run --db rw/base.db --run 100001" "merge m3.db rw/base.db" \
  "plot --db rw/base.db --out rwplots"; do
  before=$(files_of rw)
  # shellcheck disable=SC2086
  "$rk" $c >/dev/null 2>&1
  after=$(files_of rw)
  [ "$before" = "$after" ] || left="$left; $c: before '$before', after '$after'"
  rm -f rw/base.db-wal rw/base.db-shm
done
[ -z "$left" ] && ok "status, replay, merge and plot leave no -wal or -shm beside what they read" ||
  fail "readers left files$left"

# ---- W12: merge into a database a sweep is writing ----
printf '[experiment long]\nscenario = kb977526-b-initiates\nfile.size = 16GiB\nreplications = 4\n' >long.ini
"$rk" sweep long.ini --db busy.db --jobs 1 --quiet >long.out 2>&1 &
holder=$!
tries=0
until "$rk" status --db busy.db 2>/dev/null | grep -q 'running' || [ $tries -ge 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
if [ $tries -ge 100 ] || ! kill -0 "$holder" 2>/dev/null; then
  skip "W12 merge into a database being swept: the sweep did not start or ended too soon"
else
  # An input merge would take: its experiment's ids (2) are not the sweep's (1).
  printf '[experiment pad]\nfile.size = 1MiB\n[experiment x]\nfile.size = 1MiB\nreplications = 2\n' >pad.ini
  "$rk" sweep pad.ini --db pad.db --jobs 1 --quiet >/dev/null 2>&1
  sqlite3 pad.db "DELETE FROM interruptions; DELETE FROM runs WHERE point_id = 1; DELETE FROM points WHERE point_id = 1;
    DELETE FROM experiments WHERE name = 'pad';"
  n0=$(runs busy.db)
  expect "W12 merge into a database a sweep is writing" 1 "busy.db is being written by a sweep" \
    "$rk" merge busy.db pad.db
  [ "$(runs busy.db)" -eq "$n0" ] || fail "W12: the merge added runs to busy.db"
fi
kill -INT "$holder" 2>/dev/null
sleep 0.2
kill -INT "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=
[ "$(sqlite3 busy.db 'PRAGMA integrity_check' 2>&1)" = ok ] || fail "W12: busy.db fails its integrity check"

# ---- W15: disk full: the message counts what was committed ----
# A tmpfs of 400 KiB fills after a few batches of 256 runs; without root a
# file size limit fails the same commits.
printf '[experiment f]\nfile.size = 64KiB\nlink.loss = 0, 0.01\nreplications = 3000\n' >fill.ini
mkdir full
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=400k tmpfs full 2>/dev/null; then
  mounts="full $mounts"
  "$rk" sweep fill.ini --db full/f.db --jobs 2 --quiet >out 2>err
else
  sh -c "ulimit -f 800; trap '' XFSZ; exec '$rk' sweep fill.ini --db full/f.db --jobs 2 --quiet" >out 2>err
fi
rc=$?
cp full/f.db* .
stored=$(runs f.db)
said=$(sed -n 's/.*; \([0-9]*\) runs of this invocation are stored.*/\1/p' err)
if [ $rc -ne 1 ]; then fail "W15 disk full: exit $rc, wanted 1: $(cat err)"
elif [ -z "$said" ]; then fail "W15 disk full: the message gives no count: $(cat err)"
elif [ "$said" -ne "$stored" ]; then fail "W15 disk full: the message says $said runs are stored, the database holds $stored"
else ok "W15 disk full: the message counts the $stored runs really stored"; fi

# ---- extra or changed rows ----
cp src/base.db tam.db
sqlite3 tam.db "CREATE TEMP TABLE t AS SELECT * FROM runs WHERE replication = 2;
  UPDATE t SET run_id = run_id + 1, replication = 3; INSERT INTO runs SELECT * FROM t;"
expect "status warns about a replication the spec does not make" 0 "run 100003, replication 3" \
  "$rk" status --db tam.db
cp src/base.db tam2.db
sqlite3 tam2.db "UPDATE points SET file_size = 2097152"
expect "status warns about a point changed by hand" 0 "point 1: file.size is 2 MiB in the database, 1 MiB in the spec" \
  "$rk" status --db tam2.db
expect "replay refuses a run whose point no longer matches its spec" 2 "run 100001 of tam2.db .*file.size" \
  "$rk" run --db tam2.db --run 100001
[ -s out ] && fail "replay of a changed row printed: $(head -n 1 out)"

# ---- merge: messages, output, history ----
cp src/base.db orphan.db
# A run moved to a point that does not exist (run ids follow the point).
sqlite3 orphan.db "PRAGMA foreign_keys = OFF; UPDATE runs SET point_id = 7, run_id = 700002 WHERE replication = 2;
  UPDATE interruptions SET run_id = 700002 WHERE run_id = 100002;"
cp src/base.db good.db
expect "merge names the input whose rows are at fault" 2 "^rekeysim merge: orphan.db" "$rk" merge mo.db good.db orphan.db
[ -s out ] && fail "merge printed before it failed: $(head -n 1 out)"
[ -e mo.db ] && fail "the failed merge left mo.db"
"$rk" merge twice.db src/base.db >/dev/null 2>&1
"$rk" merge twice.db src/base.db >/dev/null 2>&1
n_hist=$(sqlite3 twice.db "SELECT count(*) FROM history WHERE command_line LIKE '%sweep%'")
[ "$n_hist" -eq 1 ] && ok "merging an input twice copies its history once" ||
  fail "merging an input twice: $n_hist copies of its sweep's history row"

# ---- two sweeps creating one new database ----
bad_race=
for i in 1 2 3 4 5 6; do
  rm -f race.db race.db-wal race.db-shm
  "$rk" sweep tiny.ini --db race.db --jobs 1 --quiet >r1.out 2>r1.err &
  p1=$!
  "$rk" sweep tiny.ini --db race.db --jobs 1 --quiet >r2.out 2>r2.err
  rc2=$?
  wait $p1
  rc1=$?
  for k in 1 2; do
    eval "rc=\$rc$k"
    if [ "$rc" -ne 0 ] && ! grep -q 'being written by another rekeysim sweep' r$k.err; then
      bad_race="exit $rc: $(cat r$k.err)"
    fi
  done
  [ "$(runs race.db)" -eq 2 ] || bad_race="race.db holds $(runs race.db) runs"
done
[ -z "$bad_race" ] && ok "two sweeps creating one database: one makes it, the other waits or gets the lock error" ||
  fail "two sweeps creating one database: $bad_race"

# ---- a file name too long for the journal ----
long=$(printf 'b%.0s' $(seq 250))
mkdir names && cp tiny.ini "names/$long.ini"
(cd names && "$rk" sweep "$long.ini" --quiet >../out 2>../err)
rc=$?
if [ $rc -ne 2 ] || ! grep -q 'too long' err; then fail "250-character name: exit $rc, wanted 2: $(cat err)"
elif [ -e names/results ]; then fail "250-character name: created $(ls -A names/results | head -c 80)"
else ok "a 250-character spec name is refused (exit 2) and creates nothing"; fi

# ---- a database deleted during a sweep ----
printf '[experiment d]\nfile.size = 256MiB\nlink.loss = 0.0005\nreplications = 40\n' >del.ini
REKEYSIM_TEST_COMMIT_EVERY=1 "$rk" sweep del.ini --db del.db --jobs 1 --quiet >out 2>err &
holder=$!
tries=0
until [ "$(runs del.db 2>/dev/null || echo 0)" -ge 2 ] || [ $tries -ge 200 ]; do
  sleep 0.05
  tries=$((tries + 1))
done
rm -f del.db del.db-wal del.db-shm
wait "$holder"
rc=$?
holder=
if [ $rc -ne 1 ] || ! grep -q 'del.db was deleted' err; then fail "database deleted during a sweep: exit $rc: $(cat err)"
elif [ -e del.db ]; then fail "database deleted during a sweep: del.db came back"
else ok "a database deleted during a sweep stops it at the next commit (exit 1)"; fi

echo "databases: $n_ok ok, $n_fail failed, $n_skip skipped"
[ $n_fail -gt 0 ] && exit 1
[ $n_ok -eq 0 ] && exit 77
exit 0
