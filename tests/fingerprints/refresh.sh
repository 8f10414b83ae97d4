#!/bin/sh
# Rewrites tests/fingerprints/expected from the current build, after an
# INTENDED model change, and shows what moved. Commit the new file on its own,
# with a message that says why the trajectories changed. A refactor must never
# need this. Usage: sh tests/fingerprints/refresh.sh [PATH-TO-rekeysim]
# (default: $REKEYSIM, else build/rekeysim of this source tree).
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
rk=${1:-${REKEYSIM:-}}
if [ -z "$rk" ]; then
    c=$dir/../../build/rekeysim
    [ -x "$c" ] && rk=$c
fi
[ -n "$rk" ] && [ -x "$rk" ] || { echo "refresh.sh: build rekeysim first (sh experiments/bootstrap.sh makes build/rekeysim), or name it: refresh.sh PATH" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    echo "# Fingerprints of reference.list, written by refresh.sh from $("$rk" --version | head -n 1)."
    while read -r name args; do
        case "$name" in ''|'#'*) continue ;; esac
        # shellcheck disable=SC2086
        fp=$("$rk" run $args --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
        printf '%-24s %s\n' "$name" "$fp"
    done < "$dir/reference.list"
} > "$tmp"
if [ -f "$dir/expected" ] && diff -u "$dir/expected" "$tmp" | grep '^[-+][^-+#]'; then
    echo "refresh.sh: the fingerprints above moved; commit tests/fingerprints/expected saying why"
else
    echo "refresh.sh: no fingerprint moved"
fi
cp "$tmp" "$dir/expected"
