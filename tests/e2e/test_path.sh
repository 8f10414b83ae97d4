#!/bin/sh
# End-to-end tests of the path presets on the real binary ($REKEYSIM):
# `run --path NAME` and path=NAME combined with a scenario, explicit keys
# overriding a path, a bad path name (exit 2, one message), `scenarios`
# listing every path with its source, `params --path`, and a sweep with a
# path axis whose stored rows carry the path and replay exactly.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
fp() { python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'; }

# 1. --path after --scenario: the scenario's hosts, the path's bottleneck.
"$rk" run --scenario kb977526 --path branch-t1 file.size=1MiB >out 2>err || fail "run --path: exit $?"
grep -q '^link  *1544 Kbps, 25 ms one way' out || fail "run --path: the T1 bottleneck is not shown: $(head -4 out)"
grep -q '^path  *branch-t1' out || fail "run --path: no path line"
grep -q 'client vista (cert none)' out || fail "run --path: the scenario's hosts are gone"
grep -q '^result  *completed' out || fail "run --path: $(grep result out)"
ok "run --scenario kb977526 --path branch-t1"

# 2. path=NAME is the same run; an explicit key after it overrides it.
a=$("$rk" run --scenario kb977526 --path branch-t1 file.size=1MiB --json | fp)
b=$("$rk" run --scenario kb977526 path=branch-t1 file.size=1MiB --json | fp)
[ "$a" = "$b" ] && ok "path=NAME equals --path NAME" || fail "path=branch-t1 and --path branch-t1 differ"
"$rk" run --path branch-t1 link.rate=2Mbps file.size=1MiB >out 2>err || fail "override: exit $?"
grep -q '^link  *2 Mbps, 25 ms' out && ok "a key after the path overrides it" || fail "override: $(sed -n 3p out)"
c=$("$rk" run file.size=1MiB --json | fp)
d=$("$rk" run --path lan file.size=1MiB --json | fp)
[ "$c" = "$d" ] && ok "--path lan is the default" || fail "--path lan differs from the default"

# 3. A bad path: exit 2, one line naming the choices; --path needs a value.
"$rk" run --path nosuch >out 2>err
rc=$?
if [ $rc -ne 2 ]; then fail "bad path: exit $rc, wanted 2"
elif ! grep -q "unknown path 'nosuch'; expected one of: lan, branch-t1" err; then fail "bad path: $(cat err)"
elif [ "$(wc -l <err)" -ne 1 ]; then fail "bad path: more than one line: $(cat err)"
else ok "bad path refused"; fi
"$rk" run --path >out 2>err
[ $? -eq 2 ] && grep -q -- '--path needs a value' err && ok "--path needs a value" || fail "--path alone: $(cat err)"

# 4. scenarios lists every path with a source; params --path shows its values.
"$rk" scenarios >sc || fail "scenarios: exit $?"
grep -q '^# paths' sc || fail "scenarios: no paths heading"
for p in lan branch-t1 mpls-10m adsl-8-1 isdn-64k satellite; do
  grep -q "^$p\$" sc || fail "scenarios lacks path $p"
done
[ "$(grep -c '^    source: ' sc)" -eq 6 ] && ok "scenarios lists 6 paths with sources" || fail "sources: $(grep -c source: sc)"
"$rk" params --path adsl-8-1 >pa || fail "params --path: exit $?"
grep -q '^link.rate.to_client  *8 Mbps' pa && grep -q '^link.rate  *1 Mbps' pa && grep -q '^path  *adsl-8-1' pa &&
  ok "params --path adsl-8-1" || fail "params --path: $(grep -E '^(path|link.rate)' pa)"

# 5. A sweep with a path axis: rows carry the path; a stored run replays exactly.
if command -v sqlite3 >/dev/null 2>&1; then
  cat >p.ini <<'EOF'
[experiment paths]
scenario = kb977526
path = lan, isdn-64k, satellite
file.size = 256KiB
smb.session_timeout = 600s
EOF
  "$rk" sweep p.ini --db p.db --quiet >out 2>err || fail "sweep: exit $?: $(cat err)"
  got=$(sqlite3 p.db "SELECT path || ' ' || link_rate || ' ' || client_access_rate FROM points ORDER BY point_id" | tr '\n' ';')
  [ "$got" = "lan 100000000 0;isdn-64k 64000 100000000;satellite 2000000 100000000;" ] &&
    ok "sweep path axis: $got" || fail "sweep path axis: $got"
  id=$(sqlite3 p.db "SELECT r.run_id FROM runs r JOIN points p USING (point_id) WHERE p.path = 'satellite'")
  want=$(sqlite3 p.db "SELECT duration_s FROM runs WHERE run_id = $id")
  have=$("$rk" run --db p.db --run "$id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["duration_s"])')
  python3 -c "import sys; sys.exit(abs($want - $have) > 1e-9)" && ok "a satellite run replays ($have s)" ||
    fail "replay: stored $want, replayed $have"
else
  echo "skip: sqlite3 (the shell) is missing: no sweep check"
fi

[ "$fails" -eq 0 ] && echo "test_path: all passed"
exit "$fails"
