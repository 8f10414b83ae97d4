#!/bin/sh
# End-to-end tests of fleets (issue 16) on the real binary ($REKEYSIM,
# exported by tests/local.mk) and real SQLite files: the per-copy table and
# the summary of `run`, the XP server's ten sessions, `run --json`'s copies
# against the run-level fields, a sweep of fleets into the `copies` table,
# replays of stored fleet runs, `status`, --jobs and shards giving identical
# rows, fleet.clients=1 identical to a run without the key, compound
# fleet.start values in a spec, and bad input (exit 2, one message, nothing
# written).
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 (the shell) is needed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# expect_bad NAME PATTERN ARGS...: exit 2, stdout empty, one line on stderr matching PATTERN.
expect_bad() {
  name=$1 pat=$2
  shift 2
  "$rk" "$@" >out 2>err
  rc=$?
  if [ "$rc" -ne 2 ]; then fail "$name: exit $rc, wanted 2"
  elif [ -s out ]; then fail "$name: printed on stdout"
  elif [ "$(wc -l <err)" -ne 1 ]; then fail "$name: wanted one line on stderr, got: $(cat err)"
  elif ! grep -q -- "$pat" err; then fail "$name: stderr lacks '$pat': $(cat err)"
  else ok "$name"; fi
}

# The branch rollout of the issue, small: kb977526 on the 10 Mbit/s MPLS path.
branch() { # OS N [--json]
  os=$1 n=$2
  shift 2
  "$rk" run --scenario kb977526 server.os="$os" path=mpls-10m file.size=20MB fleet.clients="$n" "$@"
}

# 1. The human summary: a per-copy table for N <= 20, a summary beyond.
# table_rows FILE: the rows of the per-copy table, "copy completed failure".
table_rows() { awk '/^ copy os/ {t = 1; next} t && /^ *[0-9]+ / {print $1, $5, $6} t && !/^ *[0-9]+ / {t = 0}' "$1"; }
for os in 2003 xp; do
  if ! branch $os 12 >"h$os.txt" 2>err; then fail "run server.os=$os fleet.clients=12: exit $?: $(cat err)"; continue; fi
  table_rows "h$os.txt" >"t$os.txt"
  if [ "$(cut -d' ' -f1 "t$os.txt" | tr '\n' ' ')" != "1 2 3 4 5 6 7 8 9 10 11 12 " ]; then
    fail "server.os=$os: the per-copy table is not copies 1..12: $(cut -d' ' -f1 "t$os.txt" | tr '\n' ' ')"
    continue
  fi
  done_n=$(awk '$2 == 1 && $3 == "none"' "t$os.txt" | wc -l)
  refused=$(awk '$2 == 0 && $3 == "refused"' "t$os.txt" | wc -l)
  if [ $os = xp ]; then want_done=10 want_refused=2; else want_done=12 want_refused=0; fi
  if [ "$done_n" -ne $want_done ] || [ "$refused" -ne $want_refused ]; then
    fail "server.os=$os fleet.clients=12: $done_n completed and $refused refused, wanted $want_done and $want_refused"
  elif ! grep -q "^fleet  *12 copies, $want_done completed, makespan " "h$os.txt"; then
    fail "server.os=$os: no fleet line '12 copies, $want_done completed': $(grep '^fleet' "h$os.txt")"
  else ok "server.os=$os fleet.clients=12: per-copy table of copies 1..12, $want_done completed, $want_refused refused"; fi
done
if ! branch 2003 30 >h30.txt 2>err; then fail "run fleet.clients=30: exit $?: $(cat err)"
elif grep -q '^ copy os' h30.txt || [ -n "$(table_rows h30.txt)" ]; then fail "fleet.clients=30 printed a per-copy table"
elif ! grep -q '^fleet  *30 copies, [0-9]* completed, makespan ' h30.txt ||
  ! grep -q '^copies  *[0-9]* of 30 completed' h30.txt || ! grep -q '^makespan ' h30.txt ||
  ! grep -q '^durations ' h30.txt; then
  fail "fleet.clients=30: the summary lacks its lines: $(sed -n '/^fleet/,$p' h30.txt)"
else ok "fleet.clients=30: the summary, no per-copy table"; fi

# 2. run --json: copies against the run's fields.
# check_json FILE N: copies 1..N in order; n_copies, n_completed, makespan_s,
# completed, failure and the summed counts agree with the copies; each
# interruption names an existing copy, as many per copy as its n_interruptions.
check_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
c = o["copies"]
err = []
if len(c) != n or o["n_copies"] != n:
    err.append("%d copies, n_copies %d, wanted %d" % (len(c), o["n_copies"], n))
if [x["copy"] for x in c] != list(range(1, len(c) + 1)):
    err.append("copy numbers %s" % [x["copy"] for x in c])
done = sum(1 for x in c if x["completed"] == 1)
if o["n_completed"] != done:
    err.append("n_completed %d, %d copies completed" % (o["n_completed"], done))
span = max(x["start_s"] + x["duration_s"] for x in c)
if abs(o["makespan_s"] - span) > 1e-6:
    err.append("makespan_s %r, max(start_s + duration_s) %r" % (o["makespan_s"], span))
if o["completed"] != (1 if done == n else 0):
    err.append("completed %d with %d of %d copies completed" % (o["completed"], done, n))
failed = [x["failure"] for x in c if x["failure"] != "none"]
if o["failure"] != (failed[0] if failed else "none"):
    err.append("failure %s, the first failed copy's %s" % (o["failure"], failed[:1]))
for k in ("n_interruptions", "n_negotiations", "n_retransmits", "n_restarts", "bytes_done"):
    if o[k] != sum(x[k] for x in c):
        err.append("%s %d is not the copies' sum %d" % (k, o[k], sum(x[k] for x in c)))
per = {}
for e in o["interruptions"]:
    if not 1 <= e["copy"] <= n:
        err.append("an interruption names copy %r of %d" % (e["copy"], n))
    per[e["copy"]] = per.get(e["copy"], 0) + 1
for x in c:
    if per.get(x["copy"], 0) != x["n_interruptions"]:
        err.append("copy %d: %d interruptions listed, n_interruptions %d" % (x["copy"], per.get(x["copy"], 0), x["n_interruptions"]))
if err:
    print("; ".join(err[:5]))
    sys.exit(1)
print("%d copies, %d completed, %d interruptions" % (n, done, len(o["interruptions"])))
PY
}
json_case() { # NAME N FILE
  if msg=$(check_json "$3" "$2"); then ok "$1 --json: $msg"; else fail "$1 --json: $msg"; fi
}
branch 2003 12 --json >j2003.json && json_case "kb977526 server.os=2003 fleet.clients=12" 12 j2003.json
branch xp 12 --json >jxp.json && json_case "kb977526 server.os=xp fleet.clients=12" 12 jxp.json
branch 2003 30 --json >j30.json && json_case "kb977526 fleet.clients=30" 30 j30.json
# Interruptions: quick-mode SAs of 20 MiB under 25 MB copies; starts spread.
"$rk" run --scenario kb977526 server.os=2003 file.size=25MB ipsec.qm_lifetime_kb=20480KiB fleet.clients=3 \
  fleet.start=uniform:2s --json >jint.json && json_case "kb977526 with interruptions, 3 clients" 3 jint.json
if [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["interruptions"]) > 0)' jint.json)" != True ]; then
  fail "the interruption case had no interruption: the check above proved nothing"
fi
python3 - jxp.json <<'PY' || fail "server.os=xp --json: refused copies"
import json, sys
c = json.load(open(sys.argv[1]))["copies"]
f = sorted(x["failure"] for x in c)
sys.exit(0 if f == ["none"] * 10 + ["refused"] * 2 else 1)
PY

# 3. fleet.clients=1 is the run without the key: fingerprint and every JSON
# field but the wall-clock ones, copies and interruptions included.
for scn in no-ipsec kb977526; do
  "$rk" run --scenario $scn file.size=2MiB --json >one0.json 2>/dev/null
  "$rk" run --scenario $scn file.size=2MiB fleet.clients=1 --json >one1.json 2>/dev/null
  if python3 - one0.json one1.json <<'PY'; then ok "$scn: fleet.clients=1 gives the same fingerprint and JSON"; else fail "$scn: fleet.clients=1 differs from the run without it"; fi
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for o in (a, b):
    o.pop("wall_s"); o.pop("events_per_s")
if a != b or not a["fingerprint"] or len(a["copies"]) != 1:
    print([k for k in a if a[k] != b.get(k)])
    sys.exit(1)
PY
done

# 4. A sweep of fleets: the copies table, status, replays.
cat >fleet.ini <<'EOF'
; kb977526 with quick-mode SAs of 20 MiB: 25 MB copies are interrupted
[experiment rekey]
scenario = kb977526
server.os = 2003
ipsec.qm_lifetime_kb = 20480KiB
fleet.clients = 1, 3
file.size = 10MB, 25MB
replications = 2
seed = 5

; an XP server and 12 clients: refusals; a compound start in a spec
[experiment refuse]
scenario = no-ipsec
fleet.clients = 12
fleet.start = together, uniform:2s
file.size = 1MB
replications = 2
EOF
if ! "$rk" sweep fleet.ini --db j1.db --jobs 1 --quiet >out 2>err; then fail "sweep --jobs 1: exit $?: $(cat err)"; fi
q() { sqlite3 "$1" "$2"; }
if [ "$(q j1.db 'SELECT count(*) FROM runs')" -ne 12 ]; then fail "the sweep made $(q j1.db 'SELECT count(*) FROM runs') runs, wanted 12"
elif [ "$(q j1.db 'SELECT count(*) FROM copies')" != "$(q j1.db 'SELECT sum(n_copies) FROM runs')" ]; then
  fail "copies has $(q j1.db 'SELECT count(*) FROM copies') rows, sum(n_copies) is $(q j1.db 'SELECT sum(n_copies) FROM runs')"
elif [ "$(q j1.db 'SELECT count(*) FROM copies')" -ne $((4 + 12 + 48)) ]; then
  fail "copies has $(q j1.db 'SELECT count(*) FROM copies') rows, wanted 64 (4 x 1 + 4 x 3 + 4 x 12)"
else ok "the copies table has sum(n_copies) = 64 rows"; fi
bad=$(q j1.db "SELECT r.run_id FROM runs r LEFT JOIN copies c USING (run_id) GROUP BY r.run_id
  HAVING count(c.copy) != r.n_copies OR sum(c.completed) != r.n_completed OR max(c.copy) != r.n_copies
  OR abs(max(c.start_s + c.duration_s) - r.makespan_s) > 1e-6")
if [ -n "$bad" ]; then fail "runs whose copies disagree with n_copies, n_completed or makespan_s: $bad"
else ok "every run's n_copies, n_completed and makespan_s agree with its copies rows"; fi
n_int=$(q j1.db "SELECT count(*) FROM interruptions i JOIN runs r USING (run_id) WHERE r.n_copies = 3")
orphans=$(q j1.db "SELECT count(*) FROM interruptions i LEFT JOIN copies c ON c.run_id = i.run_id AND c.copy = i.copy WHERE c.copy IS NULL")
if [ "$n_int" -eq 0 ]; then fail "no interruption in the 3-client runs of the sweep"
elif [ "$orphans" -ne 0 ]; then fail "$orphans interruptions name a copy that has no copies row"
else ok "$n_int interruptions in 3-client runs, each naming a stored copy"; fi
windows=$(q j1.db "SELECT group_concat(fleet_start || ':' || fleet_start_window, ' ') FROM (SELECT p.* FROM points p
  JOIN experiments e USING (experiment_id) WHERE e.name = 'refuse' ORDER BY point_index)")
refused=$(q j1.db "SELECT count(*) FROM copies WHERE failure = 'refused'")
if [ "$windows" != "together:0.0 uniform:2.0" ]; then fail "the compound fleet.start points hold '$windows'"
elif [ "$refused" -ne 8 ]; then fail "$refused copies refused, wanted 2 in each of the 4 runs of 12 clients"
else ok "fleet.start = together, uniform:2s: points hold the expanded window; 2 of 12 refused in each run"; fi
"$rk" status --db j1.db >status.txt 2>err || fail "status: exit $?: $(cat err)"
want=$(q j1.db "SELECT sum(n_completed) || ' of ' || sum(n_copies) FROM runs r JOIN points p USING (point_id)
  JOIN experiments e USING (experiment_id) WHERE e.name = 'refuse'")
if grep -q "copies: $want completed (up to 12 a run)" status.txt; then ok "status: copies: $want completed (up to 12 a run)"
else fail "status lacks 'copies: $want completed (up to 12 a run)': $(cat status.txt)"; fi

# Replays: copies, interruptions and the run row equal what is stored
# (reals within the JSON's printed precision, wall-clock fields aside).
cat >replay.py <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
rid = int(sys.argv[2])
o = json.load(open(sys.argv[3]))
err = []
def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-8 * max(1.0, abs(b))
    return a == b
wall = ("wall_s", "events_per_s")
run = dict(db.execute("SELECT * FROM runs WHERE run_id = ?", (rid,)).fetchone())
run["seed"] %= 2 ** 64  # stored as the signed 64-bit integer of the same bits
for k in run:
    if k in o and k not in wall and not same(o[k], run[k]):
        err.append("run %s: %r, stored %r" % (k, o[k], run[k]))
rows = [dict(r) for r in db.execute("SELECT * FROM copies WHERE run_id = ? ORDER BY copy", (rid,))]
if len(rows) != len(o["copies"]):
    err.append("%d copies, %d stored" % (len(o["copies"]), len(rows)))
for got, want in zip(o["copies"], rows):
    want.pop("run_id")
    if set(got) != set(want):
        err.append("copy fields %s, stored columns %s" % (sorted(got), sorted(want)))
    for k in want:
        if not same(got.get(k), want[k]):
            err.append("copy %d %s: %r, stored %r" % (want["copy"], k, got.get(k), want[k]))
ints = [dict(r) for r in db.execute("SELECT * FROM interruptions WHERE run_id = ? ORDER BY episode", (rid,))]
if len(ints) != len(o["interruptions"]):
    err.append("%d interruptions, %d stored" % (len(o["interruptions"]), len(ints)))
for got, want in zip(o["interruptions"], ints):
    for k in ("start_s", "end_s", "bytes_at_start", "cause", "copy"):
        if not same(got[k], want[k]):
            err.append("interruption %d %s: %r, stored %r" % (want["episode"], k, got[k], want[k]))
if err:
    print("; ".join(err[:5]))
    sys.exit(1)
print("%d copies, %d interruptions equal the stored rows" % (len(rows), len(ints)))
PY
replay_case() { # ID WHAT
  if ! "$rk" run --db j1.db --run "$1" --json >replay.json 2>err; then fail "replay of run $1: exit $?: $(cat err)"; return; fi
  if msg=$(python3 replay.py j1.db "$1" replay.json); then ok "replay of $2 (run $1): $msg"
  else fail "replay of $2 (run $1): $msg"; fi
}
id=$(q j1.db "SELECT run_id FROM runs WHERE n_copies = 3 AND n_interruptions > 0 ORDER BY run_id LIMIT 1")
if [ -n "$id" ]; then replay_case "$id" "a 3-client run with interruptions"; else fail "no 3-client run with interruptions to replay"; fi
id=$(q j1.db "SELECT run_id FROM runs WHERE n_copies = 12 ORDER BY run_id DESC LIMIT 1")
replay_case "$id" "a 12-client run with refusals"

# 5. Determinism: --jobs 2 and two shards merged give the rows of --jobs 1.
dump() { # DB: every stored row but the wall-clock columns
  sqlite3 "$1" "SELECT * FROM points ORDER BY point_id" \
    "SELECT run_id, point_id, replication, seed, completed, failure, bytes_done, setup_s, duration_s, n_interruptions,
       first_interruption_s, first_interruption_bytes, n_negotiations, n_negotiation_failures, n_fallbacks, n_rekeys,
       n_retransmits, events, peak_pending, fingerprint, n_restarts, n_copies, n_completed, makespan_s
     FROM runs ORDER BY run_id" \
    "SELECT * FROM copies ORDER BY run_id, copy" "SELECT * FROM interruptions ORDER BY run_id, episode"
}
"$rk" sweep fleet.ini --db j2.db --jobs 2 --quiet >out 2>err || fail "sweep --jobs 2: exit $?: $(cat err)"
"$rk" sweep fleet.ini --db s1.db --shard 1/2 --jobs 1 --quiet >out 2>err || fail "shard 1/2: exit $?: $(cat err)"
"$rk" sweep fleet.ini --db s2.db --shard 2/2 --jobs 2 --quiet >out 2>err || fail "shard 2/2: exit $?: $(cat err)"
"$rk" merge m.db s1.db s2.db >out 2>err || fail "merge: exit $?: $(cat err)"
dump j1.db >j1.rows
for db in j2 m; do
  dump $db.db >$db.rows
  if [ ! -s j1.rows ]; then fail "--jobs 1 stored nothing"
  elif cmp -s j1.rows $db.rows; then ok "$db.db: points, runs, copies and interruptions equal --jobs 1"
  else fail "$db.db differs from --jobs 1: $(diff j1.rows $db.rows | head -3)"; fi
done
if [ "$(q s1.db 'SELECT count(*) FROM runs')" -eq 0 ] || [ "$(q s2.db 'SELECT count(*) FROM runs')" -eq 0 ]; then
  fail "a shard is empty: the merge compared nothing"
fi

# 6. Bad input: one message each, exit 2, nothing written.
expect_bad "fleet.clients=0" "fleet.clients: '0' is out of range: must be from 1 to 10000" run fleet.clients=0
expect_bad "fleet.start=uniform:" "fleet.start: 'uniform:' has nothing after the colon; write uniform:T" run fleet.start=uniform:
expect_bad "--pcap with fleet.clients=3" "--pcap captures one client pair; set fleet.clients=1" \
  run --pcap f.pcap fleet.clients=3 file.size=1MB
[ -e f.pcap ] && fail "--pcap with fleet.clients=3 wrote f.pcap"
sum=$(sha256sum j1.db)
expect_bad "--pcap on a replayed fleet run" "--pcap captures one client pair; set fleet.clients=1" \
  run --db j1.db --run "$id" --pcap r.pcap
[ -e r.pcap ] && fail "--pcap on a replayed fleet run wrote r.pcap"
[ "$(sha256sum j1.db)" = "$sum" ] || fail "--pcap on a replayed fleet run changed the database"
if "$rk" run --pcap one.pcap fleet.clients=1 file.size=1MB >out 2>err && [ -s one.pcap ]; then
  ok "--pcap with fleet.clients=1 still captures"
else fail "--pcap with fleet.clients=1: exit or no file: $(cat err)"; fi
printf '[experiment twice]\nfleet.start = uniform:10s\nfleet.start_window = 1min\n' >twice.ini
expect_bad "a spec giving fleet.start_window twice" "twice.ini:3: fleet.start_window: also set by fleet.start on line 2" \
  sweep twice.ini --db twice.db --quiet
[ -e twice.db ] && fail "the refused spec wrote twice.db"

# run --plot of a fleet draws copy 1's timeline and says so in the title.
if command -v gnuplot >/dev/null 2>&1; then
  if "$rk" run --scenario kb977526 server.os=2003 path=mpls-10m file.size=2MB fleet.clients=4 --plot fl.svg >/dev/null 2>err &&
    grep -q 'copy 1 of 4' fl.svg; then ok "run --plot of a fleet: copy 1's timeline, titled so"
  else fail "run --plot of a fleet: $(cat err; grep -o 'Run timeline[^<]*' fl.svg 2>/dev/null)"; fi
fi

# whatif on a fleet: an XP server refuses 2 of 12; the fastest change that
# completes is a Windows Server (KB 314882), and every other row shows how
# many copies made it.
"$rk" whatif --scenario kb977526 server.os=xp path=mpls-10m file.size=20MB fleet.clients=12 --json >wi.json 2>err ||
  fail "whatif on a fleet: exit $?: $(cat err)"
python3 - wi.json <<'PY' || fail "whatif on a fleet: see above"
import json, sys
rows = json.load(open(sys.argv[1]))
given = rows[0]
assert given["failure"] == "refused", given
best = min((r for r in rows[1:] if r["applies"] and r["completed"]), key=lambda r: r["duration_s"])
assert best["candidate"] == "server-os", best["candidate"]
assert "server.os=2003" in best["overrides"], best["overrides"]
stagger = [r for r in rows if r["candidate"] == "stagger"][0]
assert stagger["applies"] and "fleet.start=uniform" in stagger["overrides"], stagger
PY
[ $? -eq 0 ] && ok "whatif on an XP-served fleet picks server-os"
"$rk" whatif --scenario no-ipsec file.size=1MB fleet.clients=1 server.os=xp >wi1.txt 2>&1 || true
grep -q 'completes as given' wi1.txt && ok "whatif: one client on XP completes as given" ||
  fail "whatif with one client: $(head -3 wi1.txt)"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0
