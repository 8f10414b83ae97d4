#!/bin/sh
# The layering of doc/design.md: sim/ knows no network, models/core is the
# leaf layer, protocol models use only models/core and sim/, scenario.c is
# the one assembler, and models/ has no include cycle. The check runs on the
# real tree, then on copies with a planted upward include and a planted
# cycle, to prove it can fail.
set -u
src="${TOP_SRCDIR:?}"
check="$src/tests/arch/check_layers.py"
python3 "$check" "$src" || { echo "FAIL: the tree breaks the layering"; exit 1; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
plant() { # NAME: a fresh copy of sim/ and models/ in $tmp/NAME
    mkdir -p "$tmp/$1" && cp -R "$src/sim" "$src/models" "$tmp/$1/" && rm -f "$tmp/$1"/models/*.o "$tmp/$1"/models/*.a
}
plant up
printf '#include "models/tcp.h"\n' > "$tmp/up/models/core/planted.h"
if python3 "$check" "$tmp/up" > "$tmp/up.out"; then echo "FAIL: an upward include from models/core passed"; exit 1; fi
grep -q 'models/core/planted.h: the leaf layer includes models/tcp.h' "$tmp/up.out" ||
    { echo "FAIL: the upward include was not named:"; cat "$tmp/up.out"; exit 1; }
plant cycle
printf '#include "models/smb.h"\n' >> "$tmp/cycle/models/tcp.c"
if python3 "$check" "$tmp/cycle" > "$tmp/cycle.out"; then echo "FAIL: a tcp <-> smb include cycle passed"; exit 1; fi
grep -q 'include cycle among models/ modules' "$tmp/cycle.out" ||
    { echo "FAIL: the cycle was not named:"; cat "$tmp/cycle.out"; exit 1; }
plant assembler
printf '#include "models/scenario.h"\n' >> "$tmp/assembler/models/link.c"
if python3 "$check" "$tmp/assembler" > "$tmp/assembler.out"; then echo "FAIL: a model including scenario.h passed"; exit 1; fi
plant kernel
printf '#include "models/core/pkt.h"\n' >> "$tmp/kernel/sim/kernel.c"
if python3 "$check" "$tmp/kernel" > "$tmp/kernel.out"; then echo "FAIL: the kernel including a model passed"; exit 1; fi
echo "layers: the tree passes; planted upward include, cycle, assembler include and kernel include all fail"
exit 0
