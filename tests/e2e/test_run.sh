#!/bin/sh
# End-to-end tests of `rekeysim run`, `params`, `scenarios` and `outcomes` on
# the real binary ($REKEYSIM, exported by tests/local.mk): JSON fields and
# types against the outcome table, the runs columns of a sweep database, the
# human summary, traces, exit statuses and messages for bad input.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# expect_bad NAME PATTERN ARGS...: exit 2, stdout empty, stderr matches PATTERN.
expect_bad() {
  name=$1 pat=$2
  shift 2
  "$rk" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" -ne 2 ]; then fail "$name: exit $rc, wanted 2"; return; fi
  if [ -s "$tmp/out" ]; then fail "$name: printed on stdout"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "$name: wanted one line on stderr, got: $(cat "$tmp/err")"; return; fi
  if ! grep -q -- "$pat" "$tmp/err"; then fail "$name: stderr lacks '$pat': $(cat "$tmp/err")"; return; fi
  ok "$name"
}

# 1. run --json: one object whose keys are the outcome table's fields
# (`rekeysim outcomes --json`, the one declaration) plus scenario, seed and
# interruptions, each field with its declared type; `rekeysim outcomes`
# lists exactly those fields.
"$rk" outcomes --json >"$tmp/outcomes.json" 2>"$tmp/err" || fail "outcomes --json exit $?: $(cat "$tmp/err")"
"$rk" outcomes >"$tmp/outcomes.txt" 2>"$tmp/err" || fail "outcomes exit $?: $(cat "$tmp/err")"
"$rk" run --json --seed 7 file.size=1MiB >"$tmp/run.json" 2>"$tmp/err" || fail "run --json exit $?"
if ! command -v python3 >/dev/null 2>&1; then
  # Without python3 only the names are checked, taken from the text listing.
  names=$(sed '/^#/d; s/ .*//' "$tmp/outcomes.txt")
  [ -n "$names" ] || fail "outcomes lists no field"
  for f in $names scenario seed interruptions; do
    grep -q "\"$f\":" "$tmp/run.json" || fail "run --json lacks $f"
  done
else
python3 - "$tmp/outcomes.json" "$tmp/outcomes.txt" "$tmp/run.json" <<'PY' || fails=$((fails + 1))
import json, re, sys
errors = []
table = json.load(open(sys.argv[1]))
listed = [line.split()[0] for line in open(sys.argv[2]) if line.strip() and not line.startswith("#")]
text = open(sys.argv[3]).read()
obj = json.loads(text)
if text.strip().count("\n") != 0:
    errors.append("run --json is not one line")
if not table:
    errors.append("outcomes --json lists no field")
names = [f["name"] for f in table]
for f in table:
    for k in ("name", "type", "sql", "unit", "wall_clock", "description"):
        if k not in f:
            errors.append("outcomes --json: %s lacks %s" % (f.get("name"), k))
def differ(what, got, want):
    """Names the fields GOT has beyond WANT and lacks, or says the order differs."""
    extra = [n for n in got if n not in want]
    lacking = [n for n in want if n not in got]
    if extra or lacking:
        errors.append("%s: extra %s, lacking %s" % (what, extra, lacking))
    elif got != want:
        errors.append("%s: same fields in another order: %s" % (what, got))
differ("outcomes (text) against outcomes --json", listed, names)
# The JSON keys in order, less the four that are not outcome fields.
keys = [k for k in obj if k not in ("scenario", "seed", "interruptions", "copies")]
differ("run --json outcome keys against the outcome table", keys, names)
for f in table:
    if type(f.get("per_copy")) is not bool:
        errors.append("outcomes --json: %s has no boolean per_copy" % f.get("name"))
# copies (issue 16): one object per copy, N = 1 included: copy, client_os,
# client_cert, start_s, then every per-copy field; the one copy of a run
# without a fleet equals the run in each of them.
per_copy = [f["name"] for f in table if f.get("per_copy")]
copies = obj.get("copies")
if type(copies) is not list or len(copies) != 1:
    errors.append("run --json copies is not a list of one copy: %r" % copies)
else:
    c = copies[0]
    differ("run --json copies[0] keys", list(c), ["copy", "client_os", "client_cert", "start_s"] + per_copy)
    if not (c.get("copy") == 1 and c.get("client_os") == "vista" and c.get("client_cert") == "valid"
            and c.get("start_s") == 0):
        errors.append("copies[0] is not copy 1 of the vista client with a valid certificate at 0: %r" % c)
    for n in per_copy:
        if c.get(n) != obj.get(n):
            errors.append("copies[0].%s = %r, the run's %r" % (n, c.get(n), obj.get(n)))
    if not (obj.get("n_copies") == 1 and obj.get("n_completed") == obj.get("completed")
            and obj.get("makespan_s") == obj.get("duration_s")):
        errors.append("a run of one copy: n_copies %r, n_completed %r, makespan_s %r" %
                      (obj.get("n_copies"), obj.get("n_completed"), obj.get("makespan_s")))
checks = {"bool": lambda v: type(v) is int and v in (0, 1), "enum": lambda v: type(v) is str and v != "",
          "count": lambda v: type(v) is int and v >= 0, "real": lambda v: type(v) in (int, float),
          "whole": lambda v: type(v) is int, "hex64": lambda v: type(v) is str and re.fullmatch("[0-9a-f]{16}", v)}
for f in table:
    name, kind = f["name"], f["type"]
    if kind not in checks:
        errors.append("%s: unknown type %r in outcomes --json" % (name, kind))
        continue
    if name not in obj:
        continue  # reported above
    v = obj[name]
    if v is None:
        # Null only where the column may hold NULL (a real or whole absent).
        if "NOT NULL" in f["sql"] or kind not in ("real", "whole"):
            errors.append("%s is null but declared %s %s" % (name, kind, f["sql"]))
    elif not checks[kind](v):
        errors.append("%s = %r is not %s" % (name, v, kind))
for name, good in (("scenario", type(obj.get("scenario")) is str), ("seed", type(obj.get("seed")) is int),
                   ("interruptions", type(obj.get("interruptions")) is list),
                   ("copies", type(obj.get("copies")) is list)):
    if not good:
        errors.append("%s missing or mistyped: %r" % (name, obj.get(name)))
if not errors:
    if not (obj["completed"] == 1 and obj["failure"] == "none"):
        errors.append("1 MiB without IPsec did not complete: %r" % obj)
    if not (obj["bytes_done"] == 1048576 and obj["seed"] == 7):
        errors.append("bytes_done or seed wrong: %r" % obj)
    if not (obj["first_interruption_s"] is None and obj["first_interruption_bytes"] is None):
        errors.append("an uninterrupted copy has a first interruption: %r" % obj)
for e in errors:
    print("FAIL: " + e)
if errors:
    sys.exit(1)
print("ok: run --json has every outcome field (%d) with its declared type; outcomes lists exactly them" % len(names))
PY
fi

# 2. A failed copy is a result: exit 0, failure named.
out=$("$rk" run --json link.outage.start=0 link.outage.duration=1h) || fail "failed copy exit $?"
case $out in *'"failure":"connect_timeout"'*'"setup_s":null'*) ok "failed copy is exit 0 with connect_timeout" ;;
  *) fail "failed copy: $out" ;; esac

# 3. Human output names the outcome and the figures.
"$rk" run file.size=1MiB >"$tmp/human" 2>&1 || fail "run exit $?"
for w in scenario no-ipsec completed bytes setup duration goodput interruptions retransmissions events; do
  grep -q "$w" "$tmp/human" || fail "human output lacks '$w'"
done
ok "human output"

# 4. --trace writes time, host, layer, what.
"$rk" run --trace "$tmp/trace" file.size=100KB >/dev/null || fail "run --trace exit $?"
if grep -q '^0.000000000 client tcp send S seq=0' "$tmp/trace" && grep -q 'server smb response READ_ANDX' "$tmp/trace"; then
  ok "trace"
else fail "trace content: $(head -3 "$tmp/trace")"; fi

# 5. Same seed, same numbers; --scenario and explicit keys override.
a=$("$rk" run --json --seed 3 link.loss=0.02 file.size=2MiB | sed 's/"events_per_s":[^,]*,//; s/"wall_s":[^,]*,//')
b=$("$rk" run --json --seed 3 link.loss=0.02 file.size=2MiB | sed 's/"events_per_s":[^,]*,//; s/"wall_s":[^,]*,//')
[ "$a" = "$b" ] && ok "deterministic" || fail "same seed differs: $a / $b"
"$rk" run --scenario kb977526 --json file.size=1MiB | grep -q '"scenario":"kb977526"' && ok "--scenario" || fail "--scenario"

# 6. Bad input: exit 2, one message naming the problem, nothing on stdout, no trace written.
expect_bad "unknown key names the nearest" "did you mean link.rate" run link.rat=10Mbps
expect_bad "bad unit names key and units" "file.size.*12XB.*KiB" run file.size=12XB
expect_bad "out of range" "link.loss" run link.loss=1
expect_bad "unknown scenario" "kb977526" run --scenario nosuch
expect_bad "unknown option" "--frobnicate" run --frobnicate
expect_bad "bad seed" "seed" run --seed -4
expect_bad "missing value" "--seed" run --seed
expect_bad "not KEY=VALUE" "neither" run banana
expect_bad "replay of a missing database" "x.db" run --db "$tmp/x.db" --run 3
expect_bad "--db without --run" "go together" run --db "$tmp/x.db"
expect_bad "replay with settings" "drop --scenario" run --db "$tmp/x.db" --run 3 file.size=1MiB
[ -e "$tmp/x.db" ] && fail "a failed replay created $tmp/x.db"

# --plot draws the run's timeline from its trace: a PNG of the documented size
# (an SVG for a .svg name), with or without --trace.
if command -v gnuplot >/dev/null 2>&1; then
  "$rk" run --scenario kb977526 file.size=120MiB --plot "$tmp/t.png" >/dev/null 2>"$tmp/err" \
    || fail "run --plot exit $?: $(cat "$tmp/err")"
  if [ "$(od -An -tx1 -N8 "$tmp/t.png" 2>/dev/null | tr -d ' ')" = 89504e470d0a1a0a ]; then
    wh=$(od -An -tu1 -j16 -N8 "$tmp/t.png" | awk '{print $3*256+$4, $7*256+$8}')
    [ "$wh" = "1100 700" ] && ok "run --plot PNG" || fail "run --plot PNG is $wh, wanted 1100 700"
  else
    fail "run --plot did not write a PNG"
  fi
  "$rk" run --scenario kb977526 file.size=1MiB --trace "$tmp/t.txt" --plot "$tmp/t.svg" >/dev/null 2>&1 \
    && grep -q '<svg' "$tmp/t.svg" && [ -s "$tmp/t.txt" ] && ok "run --trace --plot SVG" \
    || fail "run --trace --plot SVG"
else
  echo "skip: --plot (no gnuplot)"
fi

# Replay: a run stored by a sweep is reproduced exactly (but wall-clock figures).
printf '%s\n' '[experiment replay]' 'scenario = kb977526' 'file.size = 150MiB' 'replications = 2' 'seed = 5' \
  >"$tmp/replay.ini"
if "$rk" sweep "$tmp/replay.ini" --db "$tmp/r.db" --jobs 1 --quiet >/dev/null 2>"$tmp/err" && command -v sqlite3 >/dev/null; then
  # Every outcome field is a column of runs with the declared SQL type.
  sqlite3 -separator '|' "$tmp/r.db" 'PRAGMA table_info(runs)' >"$tmp/columns"
  python3 - "$tmp/outcomes.json" "$tmp/columns" <<'PY' || fails=$((fails + 1))
import json, sys
table = json.load(open(sys.argv[1]))
cols = {}
for line in open(sys.argv[2]):
    cid, name, ctype, notnull = line.rstrip("\n").split("|")[:4]
    cols[name] = ctype.upper() + (" NOT NULL" if notnull == "1" else "")
errors = []
for f in table:
    if f["name"] not in cols:
        errors.append("runs has no column %s" % f["name"])
    elif cols[f["name"]] != f["sql"]:
        errors.append("runs.%s is %s, outcomes declares %s" % (f["name"], cols[f["name"]], f["sql"]))
for e in errors:
    print("FAIL: " + e)
if errors:
    sys.exit(1)
print("ok: every outcome field is a runs column with its declared SQL type")
PY
  id=$(sqlite3 "$tmp/r.db" 'SELECT run_id FROM runs ORDER BY run_id DESC LIMIT 1')
  want=$(sqlite3 "$tmp/r.db" "SELECT completed, failure, bytes_done, printf('%.6f', duration_s), n_interruptions,
                                     n_rekeys, n_retransmits, events, fingerprint FROM runs WHERE run_id = $id")
  "$rk" run --db "$tmp/r.db" --run "$id" --json >"$tmp/replay.json" 2>"$tmp/err" || fail "replay exit $?: $(cat "$tmp/err")"
  got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("|".join(str(x) for x in (r["completed"], r["failure"], r["bytes_done"], "%.6f" % r["duration_s"],
      r["n_interruptions"], r["n_rekeys"], r["n_retransmits"], r["events"], r["fingerprint"])))' "$tmp/replay.json")
  [ -n "$want" ] && [ "$got" = "$want" ] && ok "replay reproduces run $id" || fail "replay: got '$got', stored '$want'"
  # The replay's copies equal the stored copies rows, field by field, and
  # its interruptions the stored ones with their copy (issue 16).
  sqlite3 -json "$tmp/r.db" "SELECT * FROM copies WHERE run_id = $id ORDER BY copy" >"$tmp/copies.json"
  sqlite3 -json "$tmp/r.db" "SELECT copy, start_s, end_s, bytes_at_start, cause FROM interruptions
                             WHERE run_id = $id ORDER BY episode" >"$tmp/intr.json"
  sqlite3 -separator '|' "$tmp/r.db" 'PRAGMA table_info(copies)' >"$tmp/copy_columns"
  python3 - "$tmp/outcomes.json" "$tmp/replay.json" "$tmp/copies.json" "$tmp/intr.json" "$tmp/copy_columns" <<'PY' \
    || fails=$((fails + 1))
import json, sys
table = json.load(open(sys.argv[1]))
replay = json.load(open(sys.argv[2]))
rows = json.load(open(sys.argv[3]))
intr = json.load(open(sys.argv[4]) if open(sys.argv[4]).read().strip() else "[]")
errors = []
per_copy = {f["name"]: f for f in table if f["per_copy"]}
cols = [line.split("|")[1] for line in open(sys.argv[5])]
if cols != ["run_id", "copy", "client_os", "client_cert", "start_s"] + list(per_copy):
    errors.append("copies columns %s are not run_id, copy, client_os, client_cert, start_s and the per-copy fields"
                  % cols)
def same(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b)) if type(a) is float or type(b) is float else a == b
if len(rows) != len(replay["copies"]) or not rows:
    errors.append("%d stored copies, %d replayed" % (len(rows), len(replay["copies"])))
for row, c in zip(rows, replay["copies"]):
    for k in ["copy", "client_os", "client_cert", "start_s"] + list(per_copy):
        a, b = c.get(k), row.get(k)
        if a is None or b is None:
            if a is not b:
                errors.append("copy %s %s: replayed %r, stored %r" % (row["copy"], k, a, b))
        elif not same(a, b):
            errors.append("copy %s %s: replayed %r, stored %r" % (row["copy"], k, a, b))
got = [(e["copy"], e["cause"], e["bytes_at_start"]) for e in replay["interruptions"]]
want = [(e["copy"], e["cause"], e["bytes_at_start"]) for e in intr]
if got != want:
    errors.append("replayed interruptions %r, stored %r" % (got, want))
for e in errors:
    print("FAIL: " + e)
if errors:
    sys.exit(1)
print("ok: the replay's %d copies and %d interruptions equal the stored rows" % (len(rows), len(intr)))
PY
  expect_bad "replay of a missing run" "no run" run --db "$tmp/r.db" --run 999999999
else
  echo "skip: replay (sweep unavailable: $(head -c 200 "$tmp/err"))"
fi
expect_bad "mss over mtu" "link.mtu" run link.mtu=1000
expect_bad "params bad scenario" "unknown scenario" params --scenario nosuch
"$rk" run --trace "$tmp/never" link.rat=1 2>/dev/null
[ -e "$tmp/never" ] && fail "bad input wrote a trace file" || ok "bad input writes nothing"

# 7. params and scenarios list every key and preset; help exits 0; outcomes
# refuses a bad argument and reports an unwritable stdout.
"$rk" params >"$tmp/params" || fail "params exit $?"
for k in scenario file.size copy.direction link.rate link.delay link.loss client.os server.os client.cert \
         server.cert client.ipsec.ikeflags server.ipsec.ikeflags tcp.rto.min smb.session_timeout; do
  grep -q "^$k " "$tmp/params" || fail "params lacks $k"
done
grep -q '^link.rate  *100 Mbps  *bit/s' "$tmp/params" || fail "params shows link.rate as 100 Mbps"
# issue 16: the fleet keys and the server's session limits, each with its default and source
for k in fleet.clients fleet.cert_share fleet.mix_os fleet.mix_share fleet.start fleet.start_window \
         fleet.start_rate server.smb.max_connections server.smb.session_linger; do
  grep -q "^$k .*\[.*\]\$" "$tmp/params" || fail "params lacks $k with its source"
done
grep -q '^fleet.clients  *1 ' "$tmp/params" || fail "params shows fleet.clients as 1"
grep -q '^server.smb.max_connections  *0 sessions .*KB 314882' "$tmp/params" ||
  fail "params shows server.smb.max_connections 0 with KB 314882"
grep -q '^server.smb.session_linger  *600 s .*KeepConn' "$tmp/params" ||
  fail "params shows server.smb.session_linger 600 s with KeepConn"
"$rk" params --scenario kb977526 | grep -q '^server.ipsec.ikeflags  *0x14' || fail "params --scenario shows 0x14"
"$rk" scenarios >"$tmp/sc" || fail "scenarios exit $?"
for s in no-ipsec kb977526 kb977526-b-initiates kb977526-flags0 kb977526-no-update kb977526-a-has-cert; do
  grep -q "^$s\$" "$tmp/sc" || fail "scenarios lacks $s"
done
"$rk" run --help | grep -q 'KEY=VALUE' || fail "run --help"
"$rk" params --help | grep -q 'source' || fail "params --help"
"$rk" outcomes --help | grep -q 'wall clock' || fail "outcomes --help"
expect_bad "outcomes bad argument" "unknown argument '--frob'" outcomes --frob
if [ -w /dev/full ]; then
  "$rk" outcomes --json >/dev/full 2>"$tmp/err"
  rc=$?
  [ "$rc" -eq 1 ] && [ -s "$tmp/err" ] && ok "outcomes to a full disk exits 1 with a message" \
    || fail "outcomes >/dev/full: exit $rc, stderr '$(cat "$tmp/err")'"
fi
ok "params, scenarios, help"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" -eq 0 ]
