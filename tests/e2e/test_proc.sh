#!/bin/sh
# The process-level contract of the command line (tests/e2e/BAD_INPUT.md,
# "Signals, output and packaging (issue 11)"), run through the real binary
# ($REKEYSIM): what `timeout`, systemd and Slurm send (SIGTERM, SIGHUP to
# the whole process group) is an interruption like SIGINT, with the batch
# committed, a resume hint and exit 128 + signal, and the resumed sweep's
# rows equal an uninterrupted one's; every command exits 1 with one message
# on stderr when its standard output is full (/dev/full) or closed (>&-);
# --jobs is capped at the runs to make and at 4 x the cores; --version names
# the commit; `params --json` lists every key `params` does.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: the sqlite3 shell is needed"; exit 77; }
tmp=$(mktemp -d) || exit 99
bg=''
cleanup() {
  # A sweep this test started in its own process group, if still there.
  [ -n "$bg" ] && kill -KILL "-$bg" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
cd "$tmp" || exit 99
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
nlines() { grep -c '' "$1"; }

cols="point_id, replication, run_id, seed, completed, failure, bytes_done, setup_s, duration_s,
 n_interruptions, n_negotiations, n_fallbacks, n_rekeys, n_retransmits, events"
rows() { sqlite3 "$1" "SELECT $cols FROM runs ORDER BY point_id, replication"; }
count() { sqlite3 "$1" "SELECT count(*) FROM runs" 2>/dev/null || echo 0; }
# wait_runs DB N: waits (up to 20 s) until DB holds at least N committed runs.
wait_runs() {
  i=0
  while [ $i -lt 200 ]; do
    c=$(count "$1")
    [ "${c:-0}" -ge "$2" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# ---- W13, W14: SIGTERM and SIGHUP to the sweep's whole process group ----
# 120 runs of about 30 ms each: seconds of work, so the signal lands mid-sweep.
printf '[experiment long]\nfile.size = 256MiB\nlink.loss = 0.0005\nreplications = 120\n' >long.ini
"$rk" sweep long.ini --db ref.db --jobs 2 --quiet >/dev/null 2>err || fail "reference sweep: exit $?: $(cat err)"
[ "$(count ref.db)" = 120 ] || fail "reference sweep stored $(count ref.db) runs, wanted 120"

# group_signal ID CASE SIG WANT: a sweep started in its own process group (as
# under timeout, systemd or a Slurm step) gets SIG on the whole group after
# its first commit; it must stop as interrupted (exit WANT, the resume hint,
# no worker reported killed, no process left), and resuming must give the
# uninterrupted sweep's rows.
group_signal() {
  db=$1.db
  shift
  REKEYSIM_TEST_COMMIT_EVERY=1 setsid "$rk" sweep long.ini --db "$db" --jobs 2 --quiet >out 2>err &
  pid=$!
  bg=$pid
  if ! wait_runs "$db" 1; then
    fail "$1: no run committed within 20 s"; kill -KILL "-$pid" 2>/dev/null; wait $pid; bg=''; return
  fi
  pg=$(ps -o pgid= -p "$pid" | tr -d ' ')
  if [ "$pg" != "$pid" ]; then
    fail "$1: setsid did not make the sweep a process group leader (pgid '$pg', pid $pid)"
    kill -KILL "$pid"; wait $pid; bg=''; return
  fi
  kill "-$2" "-$pg"
  wait $pid
  rc=$?
  bg=''
  n=$(count "$db")
  left=$(pgrep -g "$pg" 2>/dev/null | tr '\n' ' ')
  if [ "$n" -ge 120 ]; then
    echo "note: $1: the sweep finished before the signal"
  elif [ $rc -ne "$3" ]; then fail "$1: exit $rc, wanted $3: $(cat err)"
  elif grep -q 'killed by signal' err; then fail "$1: a worker died of the signal: $(cat err)"
  elif ! grep -q 'interrupted.*again to resume' err; then fail "$1: no resume hint: $(cat err)"
  elif ! grep -q 'interrupted$' out; then fail "$1: the summary does not say interrupted: $(cat out)"
  elif [ -n "$left" ]; then fail "$1: processes left in the group: $left"
  elif [ "$n" -lt 1 ]; then fail "$1: nothing committed"
  else ok "$1: exit $rc after committing $n runs, resume explained, no worker killed"; fi
  [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "$1: integrity check after the signal"
  "$rk" sweep long.ini --db "$db" --jobs 2 --quiet >out 2>err || fail "$1: resume: exit $?: $(cat err)"
  if [ "$(rows "$db")" = "$(rows ref.db)" ]; then ok "$1: resumed rows equal the uninterrupted sweep's"
  else fail "$1: resumed rows differ from the uninterrupted sweep's"; fi
}
if command -v setsid >/dev/null 2>&1 && command -v pgrep >/dev/null 2>&1; then
  group_signal w13 "W13 SIGTERM to the process group" TERM 143
  group_signal w14 "W14 SIGHUP to the process group" HUP 129
else
  echo "SKIP: W13, W14: setsid or pgrep not found"
fi

# ---- W16-W19: standard output full or closed ----
printf '[experiment tiny]\nfile.size = 256KiB, 512KiB\nreplications = 2\n' >tiny.ini
"$rk" sweep tiny.ini --db base.db --jobs 1 --quiet >/dev/null 2>err || fail "base sweep: exit $?: $(cat err)"
have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1

# out_case NAME full|closed ARGS...: exit 1, one line on stderr naming
# standard output (besides the notes plot and report always print).
k=0
out_case() {
  name=$1 how=$2
  shift 2
  if [ "$how" = full ]; then "$rk" "$@" >/dev/full 2>err.all; else "$rk" "$@" >&- 2>err.all; fi
  rc=$?
  grep -v '^note: ' err.all >err
  if [ $rc -ne 1 ]; then fail "$name (stdout $how): exit $rc, wanted 1; stderr: $(tr '\n' '|' <err)"
  elif [ "$(nlines err)" -ne 1 ]; then fail "$name (stdout $how): $(nlines err) lines on stderr, wanted 1: $(tr '\n' '|' <err)"
  elif ! grep -q 'standard output' err; then fail "$name (stdout $how): the message does not name standard output: $(cat err)"
  else k=$((k + 1)); fi
}
if [ -w /dev/full ]; then hows="full closed"; else hows=closed; echo "note: no /dev/full: only closed stdout"; fi
for how in $hows; do
  n0=$fails k=0
  out_case "W16 status" $how status --db base.db
  rm -f "s-$how.db"
  out_case "W17 sweep" $how sweep tiny.ini --db "s-$how.db" --jobs 1 --quiet
  # The runs are made and committed; only the summary is lost.
  if [ "$(rows "s-$how.db" 2>/dev/null)" != "$(rows base.db)" ]; then fail "W17 sweep (stdout $how): the runs were not all stored"; fi
  rm -f "m-$how.db"
  out_case "W18 merge" $how merge "m-$how.db" base.db
  out_case "W19 run" $how run file.size=1MiB
  out_case "W19 run --json" $how run file.size=1MiB --json
  out_case "W19 params" $how params
  out_case "W19 scenarios" $how scenarios
  out_case "W19 outcomes" $how outcomes
  out_case "W19 outcomes --json" $how outcomes --json
  out_case "W19 --help" $how --help
  out_case "W19 --version" $how --version
  for c in run sweep merge status plot report params scenarios outcomes; do
    out_case "W19 $c --help" $how $c --help
  done
  if [ $have_gnuplot = 1 ]; then
    out_case "W19 plot" $how plot --db base.db --out "p-$how"
    out_case "W19 report" $how report --db base.db --out "r-$how"
  fi
  [ $fails -eq "$n0" ] && ok "W16-W19: $k commands with stdout $how exit 1 with one message"
done
[ $have_gnuplot = 1 ] || echo "note: gnuplot not found: plot and report with a bad stdout not checked"
# A closed stdout must not become the next file opened (a figure, a database).
"$rk" sweep tiny.ini --db closed2.db --jobs 1 --quiet >&- 2>/dev/null
[ "$(sqlite3 closed2.db 'PRAGMA integrity_check')" = ok ] && [ "$(rows closed2.db)" = "$(rows base.db)" ] \
  || fail "sweep with stdout closed: the database is damaged or incomplete"
# Output that works still exits 0 (a pipe, a file).
"$rk" status --db base.db | cat >st.out && [ -s st.out ] || fail "status into a pipe"

# ---- --jobs is capped at the runs to make and at 4 x the cores ----
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }
printf '[experiment few]\nfile.size = 256KiB\nreplications = 3\n' >few.ini
"$rk" sweep few.ini --db few.db --jobs 1024 --quiet >out 2>err || fail "--jobs 1024 on 3 runs: exit $?: $(cat err)"
want=$(min 3 $((cores * 4)))
grep -q "($want jobs)" out && ok "--jobs 1024 on 3 runs starts $want workers" \
  || fail "--jobs 1024 on 3 runs: wanted $want workers: $(cat out)"
printf '[experiment many]\nfile.size = 256KiB\nreplications = 200\n' >many.ini
"$rk" sweep many.ini --db many.db --jobs 1024 --quiet >out 2>err || fail "--jobs 1024 on 200 runs: exit $?: $(cat err)"
want=$(min 200 $((cores * 4)))
grep -q "($want jobs)" out && ok "--jobs 1024 on 200 runs starts $want workers ($cores cores)" \
  || fail "--jobs 1024 on 200 runs: wanted $want workers: $(cat out)"
"$rk" sweep --help | grep -q 'at most 4 x the cores' || fail "sweep --help does not state the --jobs cap"

# ---- --version: the version and the commit ----
# The commit is the one this build was made from (HEAD may have moved since
# make): it must be a commit of the source tree's repository, or "unknown"
# outside git.
v=$("$rk" --version)
commit=$(echo "$v" | sed -n 's/^rekeysim [0-9.]* (git \([0-9a-f]*\).*/\1/p')
if ! echo "$v" | grep -Eq '^rekeysim [0-9]+\.[0-9]+\.[0-9]+ \(git (unknown|[0-9a-f]{12}(, modified)?)\)$'; then
  fail "--version: '$v' (wanted rekeysim VERSION (git COMMIT[, modified]))"
elif [ -n "$commit" ] && (cd "$top" && git rev-parse --git-dir >/dev/null 2>&1) &&
  ! (cd "$top" && git cat-file -e "$commit^{commit}" 2>/dev/null); then
  fail "--version: $commit is not a commit of $top"
elif [ -z "$commit" ] && (cd "$top" && git rev-parse --git-dir >/dev/null 2>&1); then
  fail "--version: '$v' names no commit although $top is a git checkout"
else ok "--version: $v"; fi

# ---- params --json: every key of the text listing, with its fields ----
if command -v python3 >/dev/null 2>&1; then
  for sc in no-ipsec kb977526; do
    "$rk" params --scenario $sc >params.txt 2>err || fail "params --scenario $sc: exit $?"
    "$rk" params --scenario $sc --json >params.json 2>err || fail "params --scenario $sc --json: exit $?: $(cat err)"
    if msg=$(python3 - params.txt params.json 2>&1 <<'EOF'
import json, sys
text = [l.split()[0] for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
arr = json.load(open(sys.argv[2]))
assert isinstance(arr, list), "not an array"
want = {"name", "type", "value", "default", "unit", "choices", "min", "max", "description", "source"}
for e in arr:
    assert set(e) == want, "%s has keys %s" % (e.get("name"), sorted(set(e) ^ want))
    assert isinstance(e["value"], str) and isinstance(e["default"], str) and e["description"]
    assert (e["type"] == "enum") == isinstance(e["choices"], list), e["name"] + ": choices"
    for b in ("min", "max"):
        assert e[b] is None or isinstance(e[b], (int, float)), e["name"] + ": " + b
names = [e["name"] for e in arr]
assert names == text, "keys differ: %s" % sorted(set(names) ^ set(text))
lines = {l.split()[0]: l for l in open(sys.argv[1]) if not l.startswith('#')}
for e in arr:
    assert (" %s " % e["value"]) in lines[e["name"]], e["name"] + ": value " + e["value"]
print(len(arr))
EOF
    ); then ok "params --scenario $sc --json: $msg keys, the same as the text listing"
    else fail "params --scenario $sc --json: $msg"; fi
  done
  python3 -c 'import json,sys; a={e["name"]: e for e in json.load(sys.stdin)}; e=a["server.ipsec.ikeflags"]; assert e["value"] == "0x14", e' \
    <params.json 2>err || fail "params --json under kb977526: server.ipsec.ikeflags is not 0x14: $(cat err)"
else
  echo "note: python3 not found: params --json not parsed"
fi

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" -eq 0 ]
