#!/bin/sh
# End-to-end tests of `rekeysim whatif` (issue 15) on the real binary
# ($REKEYSIM, exported by tests/local.mk): which candidate changes make the
# KB 977526 copy of 2 GiB complete, that every row is the simulation its
# overrides make (a `rekeysim run` with them gives the same outcome), the
# order of the rows, --json against the table and --db against --json, a
# configuration that needs nothing, rows that do not apply, bad input, and
# the report's what-if finding against SQL.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed to read the JSON"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: the sqlite3 shell is needed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
kb="--scenario kb977526 file.size=2GiB"

# 1. kb977526 at 2 GiB, as a table and as JSON (the same runs: the same
# seed, so the same numbers).
# shellcheck disable=SC2086
"$rk" whatif $kb >"$tmp/table.txt" 2>"$tmp/err" || fail "whatif exit $?: $(cat "$tmp/err")"
# shellcheck disable=SC2086
"$rk" whatif $kb --json >"$tmp/rows.json" 2>"$tmp/err" || fail "whatif --json exit $?: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/rows.json" >/dev/null 2>&1 && ok "--json parses (python3 -m json.tool)" ||
  fail "--json does not parse: $(head -c 300 "$tmp/rows.json")"

# Which rows complete. By the model's rules (doc/domain.md, R1-R3):
#  - cert: with a certificate A's negotiations succeed, hard SAs, no stall;
#  - swap (B initiates): B opened the connection, so every rekey is B's
#    (R1) and B's 500 ms fallback timer ends each stall (fact 2);
#  - fallback-both: the responder B falls back too (R3 both), the stall
#    after A's rekey ends after 500 ms instead of B's 60 s responder time-out;
#  - exempt: no IPsec on the server, everything in clear.
#  - robocopy-z: every stall still kills the connection, but the copy
#    reconnects and resumes (the count of restarts is checked below).
# Which fail: the stall after A's rekey lasts about 60 s (B's responder
# time-out, R3 initiator), and both timers must outlast it:
#  - tcp-retries alone (TcpMaxDataRetransmissions 10): TCP would wait, but
#    the SMB request stays unanswered past SessTimeout (60 s default);
#  - sess-timeout alone (300 s): TCP gives up after 5 retransmissions,
#    about 19 s at the 300 ms RTO floor.
python3 - "$tmp/rows.json" >"$tmp/check1" 2>&1 <<'EOF' || fail "rows: $(cat "$tmp/check1")"
import json, sys
rows = json.load(open(sys.argv[1]))
by = {r["candidate"]: r for r in rows}
assert rows[0]["candidate"] == "as-given" and rows[0]["row"] == 0, rows[0]
assert rows[0]["completed"] is False, "kb977526 at 2 GiB must fail as given"
for c in ("cert", "swap", "fallback-both", "exempt", "robocopy-z"):
    assert by[c]["applies"] and by[c]["completed"] is True, (c, by[c])
for c in ("tcp-retries", "sess-timeout"):
    assert by[c]["applies"] and by[c]["completed"] is False, (c, by[c])
# Every candidate of the table is a row, once.
names = [r["candidate"] for r in rows[1:]]
assert len(names) == len(set(names)), names
for c in ("cert", "swap", "ikeflags", "qm-kb-max", "qm-time-max", "tcp-retries", "sess-timeout",
          "fallback-both", "exempt", "robocopy-z"):
    assert c in by, "no row " + c
# Order: completing rows first by duration, then failing, then not applying.
rank = [2 if not r["applies"] else 0 if r["completed"] else 1 for r in rows[1:]]
assert rank == sorted(rank), rank
done = [r for r in rows[1:] if r["applies"] and r["completed"]]
d = [r["duration_s"] for r in done]
assert d == sorted(d), d
# added_s: duration beyond the fastest completing row; null for the others.
for r in rows[1:]:
    if r["applies"] and r["completed"]:
        assert abs(r["added_s"] - (r["duration_s"] - d[0])) < 1e-6, r
    else:
        assert r["added_s"] is None, r
# Stalls: the interruption records. A completed copy without interruptions
# has no stall time; the swap's stalls are its short fallback episodes.
assert by["cert"]["n_stalls"] == 0 and by["cert"]["stall_s"] == 0
assert by["swap"]["n_stalls"] == by["swap"]["outcome"]["n_interruptions"] > 0
assert by["swap"]["stall_s"] < by["swap"]["n_stalls"] * 2.0, by["swap"]
# The exemption's risk is stated.
assert "clear" in by["exempt"]["cost_risk"], by["exempt"]["cost_risk"]
print("rows ok")
EOF
grep -q "rows ok" "$tmp/check1" && ok "kb977526 2 GiB: cert, swap, fallback-both, exempt complete; tcp-retries, sess-timeout fail; order and added_s"

# The qm-kb-max row sets the largest value the registry accepts for the key
# (`rekeysim params --json` max), whatever that is.
"$rk" params --json >"$tmp/params.json" || fail "params --json"
python3 - "$tmp/params.json" "$tmp/rows.json" >"$tmp/checkmax" 2>&1 <<'EOF2' || fail "qm-kb-max: $(cat "$tmp/checkmax")"
import json, re, sys
mx = [p for p in json.load(open(sys.argv[1])) if p["name"] == "ipsec.qm_lifetime_kb"][0]["max"]
ov = [r for r in json.load(open(sys.argv[2])) if r["candidate"] == "qm-kb-max"][0]["overrides"]
m = re.fullmatch(r"ipsec\.qm_lifetime_kb=(\d+)(KiB)?", ov)
assert m and int(m.group(1)) == mx, (ov, mx)
print("max ok", ov)
EOF2
grep -q "max ok" "$tmp/checkmax" && ok "qm-kb-max sets the registry's maximum: $(cut -d' ' -f3 "$tmp/checkmax")"

# The restartable copy (issue 15): robocopy-z completes on kb977526 at 2 GiB,
# with one restart per rekey inside the file. The rule that decides the
# count: each attempt carries one soft SA, and A's rekey of it at
# ipsec.rekey_fraction x ipsec.qm_lifetime_kb x U(1 - jitter, 1 + jitter)
# of IP payload (87.6-96.8 MB at kb977526's settings, from `params`) stalls
# the copy for B's 60 s responder wait (R3); TCP gives up (tcp_abort) and
# robocopy reconnects 30 s later (copy.retry_wait), resuming at the last
# complete READ. An attempt moves a little less file data than its rekey
# point (TCP headers and SMB headers count towards the SA: at least 98 % is
# file data) plus what was in flight when the stall began (at most 1 MB), so
# restarts = attempts - 1 lie in [ceil(2 GiB / (hi + 1 MB)) - 1,
# ceil(2 GiB / (0.98 lo)) - 1] = [21, 25] (23 with seed 1). The issue's "about
# ceil(2 GiB / 87 MB)" = 25 counts attempts at the first rekey's offset
# (86.8 MB, near the low end of the jitter); with seed 1 the 24 attempts average 89.5 MB.
# Each failed attempt is one stall (its episode lasts through the wait).
"$rk" params --scenario kb977526 --json >"$tmp/kbparams.json" || fail "params --scenario kb977526 --json"
python3 - "$tmp/kbparams.json" "$tmp/rows.json" >"$tmp/checkz" 2>&1 <<'EOF3' || fail "robocopy-z: $(cat "$tmp/checkz")"
import json, math, sys
p = {e["name"]: float(e["value"].split()[0]) for e in json.load(open(sys.argv[1]))
     if e["name"] in ("ipsec.rekey_fraction", "ipsec.qm_lifetime_kb", "ipsec.rekey_jitter")}
z = [r for r in json.load(open(sys.argv[2])) if r["candidate"] == "robocopy-z"][0]
assert z["applies"] and z["completed"] is True, z
assert z["overrides"] == "copy.tool=robocopy-z", z["overrides"]
assert "robocopy" in z["cost_risk"] and z["added_s"] > 0, z
size = 2 * 2**30
assert z["bytes_done"] == size, z["bytes_done"]
point = p["ipsec.rekey_fraction"] * p["ipsec.qm_lifetime_kb"] * 1024
lo, hi = point * (1 - p["ipsec.rekey_jitter"]), point * (1 + p["ipsec.rekey_jitter"])
n = z["outcome"]["n_restarts"]
want = (math.ceil(size / (hi + 2**20)) - 1, math.ceil(size / (0.98 * lo)) - 1)
assert want[0] <= n <= want[1], (n, want)
assert z["n_stalls"] == n, (z["n_stalls"], n)
# The other rows never restart.
for r in json.load(open(sys.argv[2])):
    if r["applies"] and r["candidate"] != "robocopy-z":
        assert r["outcome"]["n_restarts"] == 0, r["candidate"]
print("robocopy ok", n, "restarts, expected", want[0], "to", want[1], "; %.2f s" % z["duration_s"])
EOF3
grep -q "robocopy ok" "$tmp/checkz" && ok "robocopy-z completes: $(sed 's/robocopy ok //' "$tmp/checkz")"

# 2. Each row is the run its overrides make: `rekeysim run` of the same
# configuration plus the row's KEY=VALUE, same seed, gives the same outcome
# (completed, duration, fingerprint). Common random numbers and faithful
# overrides in one check.
python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["applies"]:
        print(r["candidate"], r["outcome"]["fingerprint"], r["overrides"])' "$tmp/rows.json" >"$tmp/list"
n_same=0
while read -r cand fp overrides; do
  # shellcheck disable=SC2086
  got=$("$rk" run $kb $overrides --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
  if [ "$got" = "$fp" ]; then n_same=$((n_same + 1)); else fail "row $cand: run with '$overrides' has fingerprint $got, whatif $fp"; fi
done <"$tmp/list"
[ "$n_same" -ge 10 ] && ok "$n_same rows equal a rekeysim run with their overrides (fingerprints)" ||
  fail "only $n_same rows checked against rekeysim run"

# 3. The table agrees with --json: row number, change, result, duration.
python3 - "$tmp/rows.json" "$tmp/table.txt" >"$tmp/check3" 2>&1 <<'EOF' || fail "table vs json: $(cat "$tmp/check3")"
import json, re, sys
rows = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n\nWhat each row changes")[0].splitlines()
table = {}
for l in lines:
    m = re.match(r"^(\d+)\s+(\S+)\s+(.*)$", l)
    if m: table[int(m.group(1))] = (m.group(2), m.group(3))
assert len(table) == len(rows) - 1, (len(table), len(rows))
for r in rows[1:]:
    name, rest = table[r["row"]]
    assert name == r["candidate"], (r["row"], name, r["candidate"])
    if not r["applies"]:
        assert rest.startswith(r["why_not"][:40]), rest
        continue
    assert rest.startswith("completes" if r["completed"] else "FAILS " + r["failure"]), rest
    assert ("%.2f s" % r["duration_s"]) in rest, (rest, r["duration_s"])
    assert ("%.2f s" % r["stall_s"]) in rest and (" %d " % r["n_stalls"]) in rest, rest
    assert (" %d " % r["outcome"]["n_restarts"]) in rest, rest
print("table ok")
EOF
grep -q "table ok" "$tmp/check3" && ok "the table agrees with --json"

# 4. --db: one row per candidate plus the base, equal to --json; a second
# invocation is a second whatif_id, the first left as it was.
# shellcheck disable=SC2086
"$rk" whatif $kb --db "$tmp/w.db" >/dev/null 2>"$tmp/err" || fail "whatif --db exit $?: $(cat "$tmp/err")"
sqlite3 -json "$tmp/w.db" "SELECT row, candidate, scenario, settings, seed, applies, completed, failure, bytes_done,
  duration_s, setup_s, n_stalls, stall_s, added_s, overrides, fingerprint FROM whatif WHERE whatif_id = 1 ORDER BY row" \
  >"$tmp/db.json" || fail "sqlite3 query"
python3 - "$tmp/rows.json" "$tmp/db.json" >"$tmp/check4" 2>&1 <<'EOF' || fail "db vs json: $(cat "$tmp/check4")"
import json, sys
js, db = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(js) == len(db), (len(js), len(db))
def close(a, b): return (a is None and b is None) or abs(a - b) < 1e-6
for j, d in zip(js, db):
    assert (j["row"], j["candidate"], j["scenario"], j["settings"], j["seed"], j["overrides"]) == \
           (d["row"], d["candidate"], d["scenario"], d["settings"], d["seed"], d["overrides"]), (j, d)
    assert bool(j["applies"]) == bool(d["applies"])
    if not j["applies"]: continue
    assert bool(j["completed"]) == bool(d["completed"]) and j["failure"] == d["failure"], (j, d)
    assert j["bytes_done"] == d["bytes_done"] and j["n_stalls"] == d["n_stalls"], (j, d)
    for k in ("duration_s", "setup_s", "stall_s", "added_s"):
        assert close(j[k], d[k]), (k, j[k], d[k])
    assert j["outcome"]["fingerprint"] == d["fingerprint"]
print("db ok")
EOF
grep -q "db ok" "$tmp/check4" && ok "--db rows agree with --json"
"$rk" whatif --db "$tmp/w.db" >/dev/null 2>&1 || fail "second whatif --db"
got=$(sqlite3 "$tmp/w.db" "SELECT group_concat(whatif_id || ':' || n, ' ') FROM (SELECT whatif_id, count(*) AS n FROM whatif GROUP BY whatif_id)")
n_json=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/rows.json")
[ "$got" = "1:$n_json 2:1" ] && ok "a second invocation is whatif_id 2 ($got)" || fail "whatif ids and rows: $got"

# 5. A configuration that completes as given needs nothing: exit 0, no
# candidate runs (one row).
"$rk" whatif >"$tmp/none.txt" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && grep -q "no change is needed" "$tmp/none.txt" && ok "no-ipsec: nothing is needed, exit 0" ||
  fail "no-ipsec: exit $rc: $(cat "$tmp/none.txt" "$tmp/err")"
n=$("$rk" whatif --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), r[0]["completed"])')
[ "$n" = "1 True" ] && ok "no-ipsec --json: one row, completed" || fail "no-ipsec --json: $n"

# A key that cannot change the run draws run's warning (exit 0 still).
"$rk" run ipsec.qm_lifetime=1h >/dev/null 2>"$tmp/run.err"
"$rk" whatif ipsec.qm_lifetime=1h >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(sed 's/^rekeysim whatif: //' "$tmp/err")" = "$(sed 's/^rekeysim run: //' "$tmp/run.err")" ] &&
  ok "a key without effect: run's warning, exit 0" || fail "no-effect warning: exit $rc: $(cat "$tmp/err")"

# 6. A change that is already so does not apply: no run, listed last with
# the reason.
# shellcheck disable=SC2086
"$rk" whatif $kb ipsec.qm_lifetime=2880min tcp.data_retries=20 --json >"$tmp/na.json" 2>"$tmp/err" ||
  fail "whatif with settings already at the candidate's: exit $?"
python3 - "$tmp/na.json" >"$tmp/check6" 2>&1 <<'EOF' || fail "not applying: $(cat "$tmp/check6")"
import json, sys
rows = json.load(open(sys.argv[1]))
na = [r["candidate"] for r in rows if not r["applies"]]
assert "qm-time-max" in na and "tcp-retries" in na and "both-timers" in na, na
assert [r["candidate"] for r in rows[-len(na):]] == na, "not-applying rows must come last"
for r in rows:
    if not r["applies"]:
        assert r["why_not"] and r["completed"] is None and r["outcome"] is None, r
print("na ok")
EOF
grep -q "na ok" "$tmp/check6" && ok "rows already so do not apply, last, with the reason"

# 7. Bad input: the messages of `rekeysim run`, exit 2, one line, nothing
# on stdout, and no database file made or changed.
for args in "nosuch.key=1" "link.rate=fast" "file.size=-1MiB" "=5" "--seed -1" "--scenario nope" "stray" "--frobnicate"; do
  # shellcheck disable=SC2086
  "$rk" run $args >/dev/null 2>"$tmp/run.err"
  # shellcheck disable=SC2086
  "$rk" whatif $args --db "$tmp/new.db" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  want=$(sed 's/^rekeysim run: //; s/rekeysim run --help/rekeysim whatif --help/' "$tmp/run.err")
  have=$(sed 's/^rekeysim whatif: //' "$tmp/err")
  if [ $rc -ne 2 ] || [ -s "$tmp/out" ] || [ "$(grep -c '' "$tmp/err")" -ne 1 ] || [ -e "$tmp/new.db" ]; then
    fail "whatif $args: exit $rc, stderr $(cat "$tmp/err"), db made: $([ -e "$tmp/new.db" ] && echo yes || echo no)"
  elif [ "$have" != "$want" ]; then
    fail "whatif $args: '$have', run says '$want'"
  else
    ok "whatif $args: exit 2, run's message"
  fi
done
# Databases that are not rekeysim's: the messages of `rekeysim run --db`,
# exit 2, the file untouched.
echo "not a database" >"$tmp/junk.db"
sqlite3 "$tmp/other.db" "CREATE TABLE x (a)"
for f in junk other; do
  cp "$tmp/$f.db" "$tmp/$f.orig"
  "$rk" run --db "$tmp/$f.db" --run 1 >/dev/null 2>"$tmp/run.err"
  # shellcheck disable=SC2086
  "$rk" whatif $kb --db "$tmp/$f.db" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  want=$(sed 's/^rekeysim run: //' "$tmp/run.err")
  have=$(sed 's/^rekeysim whatif: //' "$tmp/err")
  [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$have" = "$want" ] && cmp -s "$tmp/$f.db" "$tmp/$f.orig" &&
    ok "--db $f.db: exit 2, run's message ($have), file untouched" || fail "--db $f.db: exit $rc: '$have', run: '$want'"
done
# A database of this schema version without the whatif table (made before
# it existed; made here by dropping it): refused before anything runs,
# nothing written.
"$rk" whatif --db "$tmp/old.db" >/dev/null 2>&1 && sqlite3 "$tmp/old.db" "DROP TABLE whatif" || fail "making old.db"
before=$(sqlite3 "$tmp/old.db" "SELECT count(*) FROM sqlite_master")
"$rk" whatif $kb --db "$tmp/old.db" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "has no whatif table" "$tmp/err" &&
  [ "$(sqlite3 "$tmp/old.db" "SELECT count(*) FROM sqlite_master")" = "$before" ] &&
  ok "--db without a whatif table: exit 2, nothing written" || fail "--db old: exit $rc: $(cat "$tmp/err")"
"$rk" whatif --db >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "needs a value" "$tmp/err" && ok "--db without a value: exit 2" || fail "--db without value: $(cat "$tmp/err")"

# 8. The report's what-if finding names the best change the database holds:
# the fastest completing row whose cost is not marked RISK (the report ranks
# a risky change, the exemption, after safe ones; doc/design.md).
printf '[experiment t]\nscenario = kb977526\nfile.size = 1MiB, 4MiB\nreplications = 2\n' >"$tmp/t.ini"
"$rk" sweep "$tmp/t.ini" --db "$tmp/w.db" --jobs 1 --quiet >/dev/null 2>&1 || fail "sweep into the whatif database"
if "$rk" report --db "$tmp/w.db" --out "$tmp/rep" >/dev/null 2>"$tmp/err"; then
  best=$(sqlite3 "$tmp/w.db" "SELECT candidate FROM whatif WHERE whatif_id = 1 AND row > 0 AND completed = 1
    AND cost_risk NOT LIKE 'RISK:%' ORDER BY duration_s, row LIMIT 1")
  if grep -q "data-kind=\"best_whatif\" data-whatif-id=\"1\" data-candidate=\"$best\"" "$tmp/rep/report.html" &&
    grep -q 'data-kind="whatif_none_needed" data-whatif-id="2"' "$tmp/rep/report.html"; then
    ok "the report names the best change ($best) and the invocation that needed none"
  else
    fail "report: no best_whatif finding for $best: $(grep -o 'data-kind="[a-z_]*whatif[^>]*' "$tmp/rep/report.html")"
  fi
else
  fail "report exit: $(cat "$tmp/err")"
fi

[ $fails -eq 0 ] && echo "PASS: test_whatif" || echo "FAIL: test_whatif ($fails)"
[ $fails -eq 0 ]
