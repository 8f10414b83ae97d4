#!/bin/sh
# doc/rekeysim.1 against the program ($REKEYSIM): every subcommand that
# `rekeysim --help` lists has its own subsection (.SS "rekeysim NAME") in
# the man page, and every option that the subcommand's --help lists appears
# in that subsection; --help and --version appear too. With groff here, the
# page must also format without a warning.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
man=$top/doc/rekeysim.1
[ -r "$man" ] || { echo "FAIL: no $man"; exit 1; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The page as plain words: \- is a hyphen, font changes are dropped.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(mu/x/g' "$man" >"$tmp/man.txt"
# The options a help text lists (long ones, and -X short ones).
options() { grep -oE -- '(^|[^A-Za-z0-9_-])--?[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }

"$rk" --help >"$tmp/help" || fail "rekeysim --help: exit $?"
cmds=$(sed -n 's/^  rekeysim \([a-z][a-z]*\).*/\1/p' "$tmp/help" | sort -u)
[ -n "$cmds" ] || fail "no subcommand found in rekeysim --help"
for o in $(options <"$tmp/help"); do
  grep -q -- "$o" "$tmp/man.txt" || fail "rekeysim --help lists $o; the man page does not"
done
n=0
for c in $cmds; do
  n=$((n + 1))
  # The subsection: from its .SS line to the next .SS or .SH.
  awk -v want=".SS \"rekeysim $c\"" '$0 == want { on = 1; next } on && /^\.S[SH] / { on = 0 } on' \
    "$tmp/man.txt" >"$tmp/sec"
  if [ ! -s "$tmp/sec" ]; then fail "the man page has no subsection .SS \"rekeysim $c\""; continue; fi
  "$rk" "$c" --help >"$tmp/chelp" 2>&1 || fail "rekeysim $c --help: exit $?"
  for o in $(options <"$tmp/chelp"); do
    case $o in --help|-h) continue ;; esac
    grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" "$tmp/sec" ||
      fail "rekeysim $c --help lists $o; its subsection in the man page does not"
  done
done
if command -v groff >/dev/null 2>&1; then
  groff -man -Tutf8 -ww -z "$man" 2>"$tmp/groff" || fail "groff: exit $?"
  [ -s "$tmp/groff" ] && fail "groff warns: $(head -3 "$tmp/groff" | tr '\n' '|')"
else
  echo "note: groff not found: formatting not checked"
fi
[ $fails -eq 0 ] && echo "ok: the man page covers the $n subcommands and every option their --help lists"
[ $fails -eq 0 ]
