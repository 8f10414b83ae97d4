#!/bin/sh
# End-to-end tests of `rekeysim sweep`, `merge` and `status` on the real
# binary ($REKEYSIM, exported by tests/local.mk) and real SQLite files:
# bad input (exit 2, nothing written), re-running a finished sweep (a no-op),
# --jobs 1 and --jobs 2 giving identical rows, shards merged equal to the
# single sweep, resuming after SIGINT, after the sweep or one of its workers
# is killed, and after the test-only kill-after-commit hook, changed specs,
# locking, precision targets and a threshold search with an analytic answer.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 (the shell) is needed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# The columns compared between databases: everything but wall-clock figures.
cols="point_id, replication, run_id, seed, completed, failure, bytes_done, setup_s, duration_s,
 n_interruptions, first_interruption_s, first_interruption_bytes, n_negotiations,
 n_negotiation_failures, n_fallbacks, n_rekeys, n_retransmits, events, peak_pending"
rows() { sqlite3 "$1" "SELECT $cols FROM runs ORDER BY point_id, replication"; }
pts() { sqlite3 "$1" "SELECT * FROM points ORDER BY point_id"; }
count() { sqlite3 "$1" "SELECT count(*) FROM ${2:-runs}"; }
intr() { sqlite3 "$1" "SELECT * FROM interruptions ORDER BY run_id, episode"; }
same_rows() { # NAME DB1 DB2
  rows "$2" >"$2.rows"; rows "$3" >"$3.rows"
  if [ ! -s "$2.rows" ]; then fail "$1: $2 has no runs"
  elif ! cmp -s "$2.rows" "$3.rows"; then fail "$1: runs differ: $(diff "$2.rows" "$3.rows" | head -3)"
  elif [ "$(pts "$2")" != "$(pts "$3")" ]; then fail "$1: points differ"
  elif [ "$(intr "$2")" != "$(intr "$3")" ]; then fail "$1: interruptions differ"
  else ok "$1"; fi
}

cat >grid.ini <<'EOF'
; a small grid: 2 scenarios x 3 sizes x 2 loss rates = 12 points, 4 replications;
; kb977526 copies of 128 MiB outlive the quick-mode SA (interruptions)
[experiment grid]
scenario = no-ipsec, kb977526
file.size = 256KiB, 1MiB, 128MiB
link.loss = 0, 0.01
replications = 4
seed = 42
EOF

# 1. Bad input: exit 2, a message naming file, line and key, nothing written.
printf '[experiment bad]\nfile.size = 1MiB\nlink.rat = 10Mbps\n' >bad.ini
"$rk" sweep bad.ini --db bad.db --quiet >out 2>err
rc=$?
if [ $rc -ne 2 ]; then fail "bad key: exit $rc, wanted 2"
elif ! grep -q 'bad.ini:3:.*link.rat' err; then fail "bad key: message lacks file:line:key: $(cat err)"
elif [ -e bad.db ]; then fail "bad key: bad.db was written"
else ok "bad key refused with file:line:key, nothing written"; fi
"$rk" sweep nosuch.ini --quiet >out 2>err
rc=$?
if [ $rc -ne 2 ] || [ -e results ]; then fail "missing spec: exit $rc (wanted 2) or results/ made"; else ok "missing spec"; fi
printf '[experiment huge]\nfile.size = 1MiB..2MiB log 1001\nreplications = 100\n' >huge.ini
"$rk" sweep huge.ini --db huge.db --quiet >out 2>err
rc=$?
if [ $rc -ne 2 ] || [ -e huge.db ] || ! grep -q -- '--yes' err; then
  fail "guard: exit $rc, db $(ls huge.db 2>/dev/null), $(cat err)"
else ok "a sweep over 100,000 runs needs --yes"; fi
for args in "--jobs 0" "--shard 3/2" "--shard x" "--frobnicate"; do
  # shellcheck disable=SC2086
  "$rk" sweep grid.ini --db opt.db $args --quiet >out 2>err
  rc=$?
  if [ $rc -ne 2 ] || [ -e opt.db ]; then fail "option $args: exit $rc"; else ok "option $args refused"; fi
done
printf 'not a database at all, but a text file of some length..........................\n' >foreign.db
cp foreign.db foreign.orig
"$rk" sweep grid.ini --db foreign.db --quiet >out 2>err
rc=$?
if [ $rc -ne 2 ] || ! cmp -s foreign.db foreign.orig; then fail "foreign db: exit $rc or file changed"
else ok "a file that is not rekeysim's is refused untouched"; fi

# 2. A sweep, then the same sweep again: nothing to do.
"$rk" sweep grid.ini --db j1.db --jobs 1 --quiet >out 2>err || fail "sweep --jobs 1: exit $? $(cat err)"
if [ "$(count j1.db)" -ne 48 ] || [ "$(count j1.db points)" -ne 12 ]; then
  fail "grid: $(count j1.db) runs, $(count j1.db points) points; wanted 48 and 12"
else ok "grid sweep: 12 points x 4 replications"; fi
hist=$(count j1.db history)
"$rk" sweep grid.ini --db j1.db --jobs 1 --quiet >out 2>err
rc=$?
if [ $rc -ne 0 ] || ! grep -q 'nothing to do' out || [ "$(count j1.db)" -ne 48 ] || [ "$(count j1.db history)" -ne "$hist" ]; then
  fail "rerun: exit $rc, $(cat out), $(count j1.db) runs, history $(count j1.db history) (was $hist)"
else ok "re-running a finished sweep does nothing and says so"; fi
# Point ids follow the canonical order: last key fastest.
order=$(sqlite3 j1.db "SELECT group_concat(scenario || '/' || file_size || '/' || link_loss, ' ') FROM (SELECT * FROM points ORDER BY point_id LIMIT 3)")
if [ "$order" != "no-ipsec/262144/0.0 no-ipsec/262144/0.01 no-ipsec/1048576/0.0" ]; then fail "canonical order: $order"
else ok "point ids follow the canonical expansion order"; fi
seeds=$(sqlite3 j1.db "SELECT count(DISTINCT seed) FROM runs")
if [ "$seeds" -ne 4 ]; then fail "common random numbers: $seeds distinct seeds, wanted 4 (one per replication)"
else ok "replication r has the same seed at every point"; fi

# Seeds are sim_rng_run_seed(master seed, replication), replications from 1
# (sim/rng.c: SplitMix64 of master ^ SplitMix64(replication + 1)).
python3 - j1.db <<'PY' && ok "seeds follow sim_rng_run_seed(seed, replication)" || fail "seeds are not sim_rng_run_seed(42, r)"
import sqlite3, sys
M = 2**64 - 1
def mix(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)
con = sqlite3.connect(sys.argv[1])
for rep, seed in con.execute("SELECT DISTINCT replication, seed FROM runs"):
    assert seed % 2**64 == (mix(42 ^ mix(rep + 1)) or 1), (rep, seed)
assert sorted(r for r, in con.execute("SELECT DISTINCT replication FROM runs")) == [1, 2, 3, 4]
PY
# A stored seed reproduces its run: replication 3 of point 2 (no IPsec,
# 256 KiB, 1 % loss, so the seed matters) made again with `run --seed`.
seed=$(sqlite3 j1.db "SELECT seed FROM runs WHERE point_id = 2 AND replication = 3")
seed=$(python3 -c "import sys; print(int(sys.argv[1]) % 2**64)" "$seed")
"$rk" run --json --seed "$seed" --scenario no-ipsec file.size=256KiB link.loss=0.01 >run.json 2>err || fail "run --seed: exit $?"
python3 - j1.db run.json <<'PY' && ok "a stored seed reproduces its run with rekeysim run --seed" || fail "a stored seed does not reproduce its run"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
fields = ("duration_s", "n_retransmits", "events", "bytes_done", "completed")
row = con.execute("SELECT %s FROM runs WHERE point_id = 2 AND replication = 3" % ", ".join(fields)).fetchone()
run = json.load(open(sys.argv[2]))
assert tuple(run[f] for f in fields) == row, (row, [run[f] for f in fields])
assert con.execute("SELECT count(DISTINCT duration_s) FROM runs WHERE point_id = 2").fetchone()[0] > 1, "seed matters"
PY

n=$(count j1.db interruptions)
[ "$n" -gt 0 ] && ok "the grid has $n interruption episodes to compare" || fail "the grid has no interruptions to compare"

# 3. --jobs 2 gives the same rows.
"$rk" sweep grid.ini --db j2.db --jobs 2 --quiet >out 2>err || fail "sweep --jobs 2: exit $?"
same_rows "--jobs 1 and --jobs 2 give identical rows" j1.db j2.db

# 4. Shards merged equal the single sweep, and each run is in exactly one shard.
for k in 1 2 3; do "$rk" sweep grid.ini --db sh$k.db --shard $k/3 --jobs 1 --quiet >out 2>err || fail "shard $k: exit $?"; done
n1=$(count sh1.db); n2=$(count sh2.db); n3=$(count sh3.db)
if [ $((n1 + n2 + n3)) -ne 48 ] || [ "$n1" -eq 0 ] || [ "$n2" -eq 0 ] || [ "$n3" -eq 0 ]; then
  fail "shards hold $n1 + $n2 + $n3 runs, wanted 48 in all"
else ok "three shards hold $n1 + $n2 + $n3 = 48 runs"; fi
"$rk" merge merged.db sh1.db sh2.db sh3.db >out 2>err || fail "merge: exit $? $(cat err)"
same_rows "shards 1/3 + 2/3 + 3/3 merged equal the single sweep" j1.db merged.db
"$rk" merge merged.db sh2.db >out 2>err || fail "merging a shard again: exit $?"
[ "$(count merged.db)" -eq 48 ] && ok "merging the same shard twice adds nothing" || fail "re-merge: $(count merged.db) runs"
if command -v parallel >/dev/null 2>&1; then
  parallel --will-cite "'$rk' sweep grid.ini --db par{}.db --shard {}/2 --jobs 1 --quiet" ::: 1 2 >out 2>err || fail "parallel: exit $?"
  "$rk" merge par.db par1.db par2.db >out 2>err || fail "merge of parallel shards: exit $?"
  same_rows "shards run by GNU parallel and merged equal the single sweep" j1.db par.db
else
  echo "skip: GNU parallel is not installed"
fi

# 5. A changed spec is refused; --force-new keeps both.
sed 's/replications = 4/replications = 5/' grid.ini >grid5.ini
cp j1.db changed.db
"$rk" sweep grid5.ini --db changed.db --quiet >out 2>err
rc=$?
if [ $rc -ne 2 ] || ! grep -q 'force-new' err || [ "$(count changed.db)" -ne 48 ]; then
  fail "changed spec: exit $rc, $(cat err)"
else ok "a changed spec under an existing name is refused"; fi
"$rk" sweep grid5.ini --db changed.db --quiet --force-new >out 2>err || fail "--force-new: exit $?"
names=$(sqlite3 changed.db "SELECT group_concat(name, ' ') FROM experiments")
if [ "$names" != "grid grid-2" ] || [ "$(count changed.db)" -ne $((48 + 60)) ]; then fail "--force-new: $names, $(count changed.db) runs"
else ok "--force-new stores the changed spec as grid-2"; fi
"$rk" sweep grid5.ini --db changed.db --quiet >out 2>err
rc=$?
if [ $rc -ne 0 ] || ! grep -q 'nothing to do' out; then fail "rerun of grid-2: exit $rc $(cat out)"; else ok "the changed spec then resumes as grid-2"; fi
"$rk" merge bad-merge.db j1.db changed.db >out 2>err
if [ $? -ne 0 ]; then fail "merging a superset should work: $(cat err)"; fi
sed 's/seed = 42/seed = 43/' grid.ini >grid43.ini
"$rk" sweep grid43.ini --db other.db --quiet >out 2>err || fail "sweep seed 43: exit $?"
"$rk" merge mm.db j1.db other.db >out 2>err
rc=$?
if [ $rc -ne 2 ] || ! grep -q 'different spec' err || [ -e mm.db ]; then fail "merge of different specs: exit $rc, $(cat err)"
else ok "merge refuses experiments with a different spec and leaves no output"; fi

# 5b. A write that fails (file size limit: the disk is "full") is a runtime
# error, exit 1, with a message; the same sweep then runs where it can write.
sh -c "ulimit -f 16; trap '' XFSZ; exec '$rk' sweep grid.ini --db full.db --jobs 1 --quiet" >out 2>err
rc=$?
if [ $rc -ne 1 ] || ! grep -q 'full.db' err; then fail "failed write: exit $rc, $(cat err)"
else ok "a failed database write exits 1 and names the database"; fi
"$rk" sweep grid.ini --db full.db --jobs 1 --quiet >out 2>err || fail "sweep after the failed write: exit $? $(cat err)"
same_rows "after a failed write the sweep completes normally" j1.db full.db

# 6. Status.
"$rk" status --db j1.db >out 2>err || fail "status: exit $?"
grep -q 'experiment grid (grid, complete' out && grep -q '48/48 runs' out && ok "status shows runs done/planned" ||
  fail "status: $(cat out)"
# The failure breakdown status prints is what the runs table holds.
want=$(sqlite3 j1.db "SELECT group_concat(failure || ' ' || n, ', ') FROM (SELECT failure, count(*) AS n FROM runs
    WHERE failure != 'none' GROUP BY failure ORDER BY CASE failure WHEN 'connect_timeout' THEN 1 WHEN 'tcp_abort'
    THEN 2 WHEN 'smb_timeout' THEN 3 WHEN 'blocked' THEN 4 ELSE 5 END)")
if [ -n "$want" ]; then
  grep -q "did not complete ($want)" out && ok "status names why copies failed ($want)" ||
    fail "status failure breakdown: wanted ($want) in $(cat out)"
else
  grep -q "0 copies did not complete$" out && ok "status: no failures to break down" || fail "status: $(cat out)"
fi
"$rk" status --db nosuch.db >out 2>err
[ $? -eq 2 ] && ok "status of a missing database is bad input" || fail "status nosuch.db: not exit 2"

# 7. Resuming: a longer sweep to interrupt (about 40 ms a run). The
# interrupted sweeps commit every run (REKEYSIM_TEST_COMMIT_EVERY=1) so that
# the first commit comes early; how often a sweep commits never changes rows.
cat >long.ini <<'EOF'
[experiment long]
file.size = 256MiB
link.loss = 0.0005
replications = 40
EOF
"$rk" sweep long.ini --db ref.db --jobs 2 --quiet >out 2>err || fail "reference long sweep: exit $?"

# 7a. The test-only hook: killed right after its 3rd commit (1: the
# experiment and its points; 2 and 3: at most three runs each — the writer
# also commits every 0.5 s, so a slow build, ASan for one, may commit fewer).
REKEYSIM_TEST_COMMIT_EVERY=3 REKEYSIM_TEST_KILL_AFTER_COMMIT=3 "$rk" sweep long.ini --db hook.db --jobs 2 --quiet >out 2>err
rc=$?
n=$(count hook.db)
if [ $rc -ne 137 ] || [ "$n" -lt 2 ] || [ "$n" -gt 6 ]; then
  fail "kill after commit 3: exit $rc, $n runs stored (wanted 137 and 2..6)"
else ok "killed right after a commit: exactly the committed runs are there ($n)"; fi
[ "$(sqlite3 hook.db 'PRAGMA integrity_check')" = ok ] || fail "integrity after the hook kill"
"$rk" sweep long.ini --db hook.db --jobs 2 --quiet >out 2>err || fail "resume after the hook: exit $?"
grep -q "$((40 - n)) runs made" out || fail "resume after the hook made: $(cat out) (wanted $((40 - n)))"
same_rows "resumed after a kill right after a commit: rows equal an uninterrupted sweep" ref.db hook.db

# 7a'. SIGKILL at several random points of one sweep, resuming each time:
# whatever moment the kill hits (a run in progress, a commit under way),
# every planned run ends up stored exactly once, rows equal the
# uninterrupted sweep's, and the file passes PRAGMA integrity_check.
seed_awk=$(date +%s)
for k in 1 2 3; do
  have=$(count multi.db 2>/dev/null || echo 0)
  target=$(awk -v s="$seed_awk$k" -v have="${have:-0}" 'BEGIN { srand(s); print have + 1 + int(rand() * 8) }')
  REKEYSIM_TEST_COMMIT_EVERY=1 "$rk" sweep long.ini --db multi.db --jobs 2 --quiet >out 2>err &
  pid=$!
  i=0
  while [ $i -lt 200 ]; do
    c=$(sqlite3 multi.db "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
    [ "${c:-0}" -ge "$target" ] && break
    sleep 0.05; i=$((i + 1))
  done
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  ic=$(sqlite3 multi.db 'PRAGMA integrity_check' 2>&1)
  [ "$ic" = ok ] || fail "integrity after kill $k (at $target+ runs): $ic"
  dup=$(sqlite3 multi.db "SELECT count(*) - count(DISTINCT point_id || '/' || replication) FROM runs")
  [ "$dup" = 0 ] || fail "kill $k left $dup duplicate runs"
  echo "note: kill $k after $(count multi.db) runs (target $target)"
done
"$rk" sweep long.ini --db multi.db --jobs 2 --quiet >out 2>err || fail "resume after three kills: exit $? $(cat err)"
[ "$(count multi.db)" = 40 ] || fail "after three kills and a resume: $(count multi.db) runs, wanted 40"
[ "$(sqlite3 multi.db 'PRAGMA integrity_check')" = ok ] || fail "integrity after three kills and a resume"
same_rows "killed at three random points and resumed: rows equal an uninterrupted sweep" ref.db multi.db

# wait_runs DB N: waits (up to 20 s) until DB holds at least N committed runs.
wait_runs() {
  i=0
  while [ $i -lt 200 ]; do
    c=$(sqlite3 "$1" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
    [ "${c:-0}" -ge "$2" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# 7b. SIGKILL of the sweep process while it runs.
REKEYSIM_TEST_COMMIT_EVERY=1 "$rk" sweep long.ini --db k9.db --jobs 2 --quiet >out 2>err &
pid=$!
wait_runs k9.db 1 || fail "no run committed within 20 s"
kill -9 $pid
wait $pid 2>/dev/null
n=$(count k9.db)
if [ "$n" -ge 40 ]; then echo "note: the sweep finished before it was killed"; fi
"$rk" sweep long.ini --db k9.db --jobs 2 --quiet >out 2>err || fail "resume after SIGKILL: exit $? $(cat err)"
same_rows "killed mid-sweep ($n runs stored) and resumed: rows equal an uninterrupted sweep" ref.db k9.db

# 7c. A worker process killed mid-sweep: the sweep stops with exit 1 and resumes.
REKEYSIM_TEST_COMMIT_EVERY=1 "$rk" sweep long.ini --db kw.db --jobs 2 --quiet >out 2>err &
pid=$!
wait_runs kw.db 1 || fail "no run committed within 20 s"
worker=$(pgrep -P $pid | head -n 1)
if [ -n "$worker" ]; then
  kill -9 "$worker"
  wait $pid
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q 'worker' err; then fail "worker killed: exit $rc, $(cat err)"
  else ok "a killed worker stops the sweep with exit 1 and says so"; fi
else
  wait $pid
  echo "note: the sweep finished before a worker could be killed"
fi
"$rk" sweep long.ini --db kw.db --jobs 2 --quiet >out 2>err || fail "resume after a killed worker: exit $?"
same_rows "resumed after a killed worker: rows equal an uninterrupted sweep" ref.db kw.db

# 7d. SIGINT: the runs in hand are committed, exit 130, how to resume printed.
REKEYSIM_TEST_COMMIT_EVERY=1 "$rk" sweep long.ini --db int.db --jobs 2 --quiet >out 2>err &
pid=$!
wait_runs int.db 1 || fail "no run committed within 20 s"
kill -INT $pid
wait $pid
rc=$?
n=$(count int.db)
if [ "$n" -lt 40 ]; then
  if [ $rc -ne 130 ] || ! grep -q 'again to resume' err; then fail "SIGINT: exit $rc, $(cat err)"
  else ok "SIGINT: exit 130 after committing $n runs, resume explained"; fi
fi
"$rk" sweep long.ini --db int.db --jobs 2 --quiet >out 2>err || fail "resume after SIGINT: exit $?"
same_rows "resumed after SIGINT: rows equal an uninterrupted sweep" ref.db int.db

# 7e. A second sweep on a database in use is refused at once (exit 1).
REKEYSIM_TEST_COMMIT_EVERY=1 "$rk" sweep long.ini --db busy.db --jobs 1 --quiet >out 2>err &
pid=$!
wait_runs busy.db 1 || fail "no run committed within 20 s"
"$rk" sweep long.ini --db busy.db --jobs 1 --quiet >out2 2>err2
rc=$?
kill -INT $pid 2>/dev/null
wait $pid
if [ $rc -ne 1 ] || ! grep -q 'another rekeysim sweep' err2; then fail "concurrent sweep: exit $rc, $(cat err2)"
else ok "a database in use by another sweep is refused with exit 1"; fi

# 8. Precision targets: replications added per point until the half-width is met.
cat >target.ini <<'EOF'
[experiment target]
file.size = 2MiB
link.loss = 0, 0.005
target = duration_mean_s +-0.01
replications = 4
max_replications = 40
EOF
"$rk" sweep target.ini --db t1.db --jobs 1 --quiet >out 2>err || fail "target sweep: exit $?"
"$rk" sweep target.ini --db t2.db --jobs 2 --quiet >out 2>err || fail "target sweep --jobs 2: exit $?"
same_rows "precision-driven replications are the same with --jobs 1 and 2" t1.db t2.db
got=$(sqlite3 t1.db "SELECT group_concat(p.stop_reason || ':' || (SELECT count(*) FROM runs r WHERE r.point_id = p.point_id), ' ') FROM points p ORDER BY p.point_id")
case $got in
  "precision:4 "*) ok "targets stop when precise ($got)" ;;
  *) fail "target stops: $got (a lossless point has no variance: 4 runs should do)" ;;
esac
n2=$(sqlite3 t1.db "SELECT count(*) FROM runs WHERE point_id = 2")
if [ $((n2 % 4)) -ne 0 ] || [ "$n2" -le 4 ]; then fail "the lossy point got $n2 runs: wanted more than 4, in batches of 4"
else ok "the lossy point got $n2 runs in batches of 4"; fi

# 9. Threshold search with an analytic answer: no IPsec, the link fails for
# good at T = 1 s, so a copy completes only if it is done by then: the
# critical file size is about rate/8 x T x MSS/(MSS + 40 + 38) (payload share
# of each 1538-byte frame), a little less for connection and SMB set-up.
cat >search.ini <<'EOF'
[experiment outage]
scenario = no-ipsec
link.rate = 10Mbps, 100Mbps
link.outage.start = 1s
link.outage.duration = 1000s
file.size = 100KiB..1GiB
search = file.size for p_complete = 0.5
precision = 0.01
replications = 1
max_replications = 1
EOF
"$rk" sweep search.ini --db s1.db --jobs 1 --quiet >out 2>err || fail "search: exit $? $(cat err)"
for combo in 1 2; do
  line=$(sqlite3 s1.db "SELECT t.status, t.critical, t.lo, t.hi, p.link_rate FROM thresholds t JOIN points p ON p.point_id = t.point_id WHERE t.search_combo = $combo")
  python3 - "$line" <<'PY' && ok "search combination $combo: $line" || fail "search combination $combo: $line"
import sys
status, crit, lo, hi, rate = sys.argv[1].split("|")
crit, lo, hi, rate = float(crit), float(lo), float(hi), float(rate)
analytic = rate / 8 * 1.0 * 1460 / 1538
assert status == "bracketed", status
assert hi / lo <= 1.01 + 1e-12, "bracket wider than 1 %"
assert 0.97 * analytic <= crit <= analytic, "critical %.0f against %.0f" % (crit, analytic)
PY
done
"$rk" sweep search.ini --db s2.db --jobs 2 --quiet >out 2>err || fail "search --jobs 2: exit $?"
same_rows "the search makes the same probes with --jobs 1 and 2" s1.db s2.db
"$rk" sweep search.ini --db ss1.db --shard 1/2 --quiet >out 2>err && "$rk" sweep search.ini --db ss2.db --shard 2/2 --quiet >out 2>err &&
  "$rk" merge ssm.db ss1.db ss2.db >out 2>err || fail "sharded search: exit $?"
same_rows "a sharded search merged equals the single one" s1.db ssm.db
if [ "$(sqlite3 s1.db 'SELECT group_concat(critical) FROM thresholds ORDER BY search_combo')" != "$(sqlite3 ssm.db 'SELECT group_concat(critical) FROM thresholds ORDER BY search_combo')" ]; then
  fail "thresholds of the merged shards differ"; else ok "thresholds of the merged shards agree"; fi
"$rk" status --db s1.db >out 2>err && grep -q 'combination 2 link.rate=100 Mbps: bracketed' out && ok "status lists thresholds" ||
  fail "status of a search: $(cat out)"

echo "$fails failed"
[ $fails -eq 0 ]
