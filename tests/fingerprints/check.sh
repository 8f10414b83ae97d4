#!/bin/sh
# Run fingerprints (doc/design.md, "Fingerprints"): every reference run of
# reference.list must reproduce the fingerprint recorded in expected. Any
# change in the model's trajectory moves them, so this fails on any
# behaviour change, intended or not. After an intended model change, refresh
# them with `sh tests/fingerprints/refresh.sh` and say why in the commit.
# Also checks that asking for a trace does not change a run.
set -u
rk="${REKEYSIM:?}"
dir="${TOP_SRCDIR:?}/tests/fingerprints"
fail=0 n=0
while read -r name args; do
    case "$name" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    # shellcheck disable=SC2086
    got=$("$rk" run $args --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])') || {
        echo "FAIL $name: the run failed"; fail=1; continue; }
    want=$(awk -v n="$name" '$1 == n { print $2 }' "$dir/expected")
    if [ -z "$want" ]; then
        echo "FAIL $name: no expected fingerprint (run tests/fingerprints/refresh.sh)"; fail=1
    elif [ "$got" != "$want" ]; then
        echo "FAIL $name: fingerprint $got, expected $want"; fail=1
    fi
done < "$dir/reference.list"
extra=$(awk 'NR == FNR { if ($1 !~ /^#/ && NF) seen[$1] = 1; next } $1 !~ /^#/ && NF && !($1 in seen) { print $1 }' \
    "$dir/reference.list" "$dir/expected")
[ -z "$extra" ] || { echo "FAIL: expected lists runs that reference.list does not: $extra"; fail=1; }
[ "$n" -ge 20 ] || { echo "FAIL: only $n reference runs"; fail=1; }
# Sinks observe; they must not steer. The same run traced, with its events
# written and its timeline kept, has the same fingerprint.
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
plain=$("$rk" run --scenario kb977526 file.size=30MiB ipsec.qm_lifetime_kb=20480 --json)
traced=$("$rk" run --scenario kb977526 file.size=30MiB ipsec.qm_lifetime_kb=20480 --json \
    --trace "$tmp/t" --events "$tmp/e.tsv")
fp() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'; }
[ "$(fp "$plain")" = "$(fp "$traced")" ] || { echo "FAIL: tracing changed the fingerprint"; fail=1; }
[ "$fail" -eq 0 ] && echo "fingerprints: $n reference runs unchanged; tracing does not move them"
exit "$fail"
