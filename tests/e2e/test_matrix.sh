#!/bin/sh
# The OS pair matrix (doc/domain.md section 10): all 5,184 cells of client
# OS x server OS x certificates x policies x update/IKEFlags, each a real
# `rekeysim run` of a 1 MiB copy, checked against the expectation table that
# doc/domain.md shows (tests/ipsec/matrix.py reads it from there: one copy).
# Then the check is shown to bite: a copy of the page whose class F5 (two
# XP/2003 hosts, a bad certificate, the update and 0x14 on both) predicts
# `blocked` must fail on each of F5's cells.
: "${REKEYSIM:?}" "${TOP_SRCDIR:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
m="$TOP_SRCDIR/tests/ipsec/matrix.py"
doc="$TOP_SRCDIR/doc/domain.md"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

python3 "$m" check "$REKEYSIM" "$doc" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc -eq 0 ] || { echo "FAIL: the matrix does not match doc/domain.md's table (exit $rc)"; exit 1; }
grep -q '^5184 cells, 0 not as the table says$' "$tmp/out" || { echo "FAIL: not every cell was checked"; exit 1; }

sed 's/^\(| F5 | [^|]*| \)`clear`/\1`blocked`/' "$doc" >"$tmp/domain.md"
cmp -s "$doc" "$tmp/domain.md" && { echo "FAIL: could not change class F5 in the copy"; exit 1; }
python3 "$m" check "$REKEYSIM" "$tmp/domain.md" --only F5 >"$tmp/out2" 2>&1
rc=$?
tail -3 "$tmp/out2"
[ $rc -eq 1 ] || { echo "FAIL: a wrong prediction for F5 was not caught (exit $rc)"; exit 1; }
grep -q '^32 cells, 32 not as the table says$' "$tmp/out2" || { echo "FAIL: expected all 32 F5 cells to mismatch"; exit 1; }
echo "matrix: every cell as documented; a wrong class is caught"
exit 0
