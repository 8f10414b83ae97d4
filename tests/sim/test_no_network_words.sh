#!/bin/sh
# The kernel knows nothing about networks: fails if any file of sim/ uses one
# of the network words below as a whole word (any case), or includes a header
# from models/. The check first proves on a planted file that it can fail.
set -u
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
words='packets?|SAs?|rekey(s|ed|ing)?|SMB|tcp|ipsec|links?'

# Prints the offending lines of the files under $1; status 0 when clean.
scan() {
    bad=$(grep -rniwE "$words" "$1"; grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([./]*)models/' "$1")
    [ -z "$bad" ] || { printf '%s\n' "$bad"; return 1; }
}

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
printf '/* resend the Packet */\n' > "$tmp/a.c"
if scan "$tmp" >/dev/null; then echo "FAIL: the scan missed a planted word"; exit 1; fi
printf '#include "models/core/pkt.h"\n' > "$tmp/a.c"
if scan "$tmp" >/dev/null; then echo "FAIL: the scan missed a planted include"; exit 1; fi
printf '/* linked lists, a salt, packetised */\n' > "$tmp/a.c"
if ! scan "$tmp" >/dev/null; then echo "FAIL: the scan matched inside longer words"; exit 1; fi

[ -d "$top/sim" ] || { echo "FAIL: no directory $top/sim"; exit 1; }
n=$(find "$top/sim" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL: $top/sim holds no files"; exit 1; }
if ! scan "$top/sim"; then
    echo "FAIL: sim/ must not know about networks (words or models/ includes above)"
    exit 1
fi
echo "ok: $n files of sim/ are free of network words and models/ includes"
