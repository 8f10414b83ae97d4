#!/bin/sh
# End-to-end tests of `rekeysim run`, `params` and `scenarios` on the real
# binary ($REKEYSIM, exported by tests/local.mk): JSON fields and types, the
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

# 1. run --json: one object, every contract field with its type.
"$rk" run --json --seed 7 file.size=1MiB >"$tmp/run.json" 2>"$tmp/err" || fail "run --json exit $?"
if ! command -v python3 >/dev/null 2>&1; then
  # Without python3 only the names are checked.
  for f in completed failure bytes_done setup_s duration_s n_interruptions first_interruption_s \
           first_interruption_bytes n_negotiations n_negotiation_failures n_fallbacks n_rekeys \
           n_retransmits events events_per_s peak_pending wall_s seed interruptions; do
    grep -q "\"$f\":" "$tmp/run.json" || fail "run --json lacks $f"
  done
else
python3 - "$tmp/run.json" <<'PY' || fails=$((fails + 1))
import json, sys
text = open(sys.argv[1]).read()
obj = json.loads(text)
assert text.strip().count("\n") == 0, "one line"
fields = {"completed": "flag", "failure": "str", "bytes_done": "int", "setup_s": "num", "duration_s": "num",
          "n_interruptions": "int", "first_interruption_s": "num?", "first_interruption_bytes": "int?",
          "n_negotiations": "int", "n_negotiation_failures": "int", "n_fallbacks": "int", "n_rekeys": "int",
          "n_retransmits": "int", "events": "int", "events_per_s": "num", "peak_pending": "int", "wall_s": "num",
          "seed": "int", "interruptions": "list"}
for f, kind in fields.items():
    assert f in obj, "missing " + f
    v = obj[f]
    if kind.endswith("?") and v is None:
        continue
    kind = kind.rstrip("?")
    good = {"flag": lambda v: v in (0, 1) and type(v) is int, "int": lambda v: type(v) is int,
            "num": lambda v: type(v) in (int, float), "str": lambda v: type(v) is str,
            "list": lambda v: type(v) is list}[kind](v)
    assert good, "%s = %r is not %s" % (f, v, kind)
assert obj["completed"] == 1 and obj["failure"] == "none", obj
assert obj["bytes_done"] == 1048576 and obj["seed"] == 7
assert obj["first_interruption_s"] is None and obj["first_interruption_bytes"] is None
print("ok: run --json has every field")
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
  id=$(sqlite3 "$tmp/r.db" 'SELECT run_id FROM runs ORDER BY run_id DESC LIMIT 1')
  want=$(sqlite3 "$tmp/r.db" "SELECT completed, failure, bytes_done, printf('%.6f', duration_s), n_interruptions,
                                     n_rekeys, n_retransmits, events FROM runs WHERE run_id = $id")
  "$rk" run --db "$tmp/r.db" --run "$id" --json >"$tmp/replay.json" 2>"$tmp/err" || fail "replay exit $?: $(cat "$tmp/err")"
  got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("|".join(str(x) for x in (r["completed"], r["failure"], r["bytes_done"], "%.6f" % r["duration_s"],
      r["n_interruptions"], r["n_rekeys"], r["n_retransmits"], r["events"])))' "$tmp/replay.json")
  [ -n "$want" ] && [ "$got" = "$want" ] && ok "replay reproduces run $id" || fail "replay: got '$got', stored '$want'"
  expect_bad "replay of a missing run" "no run" run --db "$tmp/r.db" --run 999999999
else
  echo "skip: replay (sweep unavailable: $(head -c 200 "$tmp/err"))"
fi
expect_bad "mss over mtu" "link.mtu" run link.mtu=1000
expect_bad "params bad scenario" "unknown scenario" params --scenario nosuch
"$rk" run --trace "$tmp/never" link.rat=1 2>/dev/null
[ -e "$tmp/never" ] && fail "bad input wrote a trace file" || ok "bad input writes nothing"

# 7. params and scenarios list every key and preset; help exits 0.
"$rk" params >"$tmp/params" || fail "params exit $?"
for k in scenario file.size copy.direction link.rate link.delay link.loss client.os server.os client.cert \
         server.cert client.ipsec.ikeflags server.ipsec.ikeflags tcp.rto.min smb.session_timeout; do
  grep -q "^$k " "$tmp/params" || fail "params lacks $k"
done
grep -q '^link.rate  *100 Mbps  *bit/s' "$tmp/params" || fail "params shows link.rate as 100 Mbps"
"$rk" params --scenario kb977526 | grep -q '^server.ipsec.ikeflags  *0x14' || fail "params --scenario shows 0x14"
"$rk" scenarios >"$tmp/sc" || fail "scenarios exit $?"
for s in no-ipsec kb977526 kb977526-b-initiates kb977526-flags0 kb977526-no-update kb977526-a-has-cert; do
  grep -q "^$s\$" "$tmp/sc" || fail "scenarios lacks $s"
done
"$rk" run --help | grep -q 'KEY=VALUE' || fail "run --help"
"$rk" params --help | grep -q 'source' || fail "params --help"
ok "params, scenarios, help"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" -eq 0 ]
