#!/bin/sh
# `rekeysim run --pcap`: packet captures checked by Wireshark's own
# dissectors and TCP analysis (tshark, the oracle; the test SKIPs without
# it). For each preset, a lossy run and a replay: tshark reads every frame,
# none is malformed or carries a warning (checksums verified on whole
# frames), capinfos' count and duration match the run's events and outcome,
# SMB commands, FIDs, READ_ANDX offsets and counts match what the copy
# moved, ISAKMP exchange types match the IKE messages, tshark's
# retransmissions match n_retransmits (tests/e2e/check_pcap.py says which
# class of packets tshark cannot see and why); the capture leaves the run
# unchanged (same JSON and fingerprint); bad options exit 2 and leave no file.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
src=${TOP_SRCDIR:?TOP_SRCDIR is not set; run through make check}
ts=${REKEYSIM_TSHARK:-no}
if [ "$ts" = no ] || [ ! -x "$ts" ]; then echo "SKIP: tshark not found (apt-get install tshark)"; exit 77; fi
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed"; exit 77; }
ci=$(dirname "$ts")/capinfos
[ -x "$ci" ] || { echo "SKIP: capinfos not found next to $ts (Debian package tshark)"; exit 77; }
export REKEYSIM_TSHARK="$ts"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
nowall() { sed 's/"wall_s":[^,]*,//; s/"events_per_s":[^,]*,//' "$1"; }

# capture NAME POINT FULL ARGS...: a run with --pcap at POINT (FULL=1: whole
# frames), checked against its events and outcome, and against the same run
# without a capture.
capture() {
  name=$1 point=$2 full=$3
  shift 3
  snap=""
  [ "$full" = 1 ] && snap="--pcap-snaplen 262144"
  # shellcheck disable=SC2086
  "$rk" run --json "$@" --pcap "$tmp/$name.pcap" --pcap-at "$point" $snap --events "$tmp/$name.tsv" \
    >"$tmp/$name.json" 2>"$tmp/err" || { fail "$name: run exit $?: $(cat "$tmp/err")"; return; }
  "$rk" run --json "$@" >"$tmp/$name.plain.json" 2>/dev/null
  if [ "$(nowall "$tmp/$name.json")" = "$(nowall "$tmp/$name.plain.json")" ]; then
    ok "$name: the same outcome and fingerprint with and without --pcap"
  else
    fail "$name: --pcap changed the run: $(nowall "$tmp/$name.plain.json") / $(nowall "$tmp/$name.json")"
  fi
  python3 "$src/tests/e2e/check_pcap.py" "$tmp/$name.pcap" "$tmp/$name.tsv" "$tmp/$name.json" "$point" "$full" \
    >"$tmp/$name.check" 2>&1
  rc=$?
  cat "$tmp/$name.check"
  [ $rc -eq 0 ] || fails=$((fails + 1))
}

# 1. The presets, at the client's wire, headers only and whole frames.
for sc in no-ipsec kb977526 kb977526-b-initiates kb977526-a-has-cert; do
  capture "$sc" client 0 --scenario "$sc" file.size=20MiB
  capture "$sc-full" client 1 --scenario "$sc" file.size=20MiB
done
capture kb977526-server server 0 --scenario kb977526 file.size=20MiB
# WRITE_ANDX (a copy to the server), and window scaling on both sides (XP
# with 256 KiB windows scales by 3, Vista and 2008 by 8).
capture write client 1 copy.direction=write file.size=20MiB
capture scaled-xp client 1 client.os=xp server.os=xp client.tcp.window=256KiB server.tcp.window=256KiB file.size=20MiB
capture scaled-vista client 1 client.os=vista server.os=2008 file.size=20MiB
# 2. Lossy runs: at the bottleneck (next to both senders) tshark's TCP
# analysis must find every retransmission; at the client's wire what the
# wire lost is missing, and said so.
capture lossy-bottleneck bottleneck 1 link.loss=0.01 file.size=20MiB
capture lossy-client client 0 link.loss=0.01 file.size=20MiB --seed 3
# The same with SACK off (NewReno), and a lossy WAN path (router queue,
# access links): tshark's count still equals the run's. With SACK on the
# receiver's ACKs carry SACK blocks that tshark decodes; with it off no SYN
# offers SACK and no ACK carries a block.
capture lossy-nosack bottleneck 1 link.loss=0.01 file.size=20MiB tcp.sack=off
capture lossy-wan bottleneck 0 --path mpls-10m link.loss=0.005 file.size=20MiB
n_sack=$("$ts" -r "$tmp/lossy-bottleneck.pcap" -Y tcp.options.sack_le 2>/dev/null | wc -l)
[ "$n_sack" -gt 0 ] && ok "SACK on: $n_sack frames carry SACK blocks tshark decodes" || fail "SACK on: no SACK block in the capture"
n_sack=$("$ts" -r "$tmp/lossy-nosack.pcap" -Y 'tcp.options.sack_le || tcp.options.sack_perm' 2>/dev/null | wc -l)
[ "$n_sack" -eq 0 ] && ok "SACK off: no SACK-permitted and no SACK block" || fail "SACK off: $n_sack frames with SACK options"
# Pings of the extra flows (models/flow.h): ICMP echo requests and replies.
capture ping client 1 flow.ping.from=client flow.ping.every=200ms file.size=20MiB
n_req=$("$ts" -r "$tmp/ping.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
n_rep=$("$ts" -r "$tmp/ping.pcap" -Y 'icmp.type == 0' 2>/dev/null | wc -l)
n_ev=$(awk -F'\t' '$4 == "icmp_send" && $2 == "client"' "$tmp/ping.tsv" | wc -l)
[ "$n_req" -gt 0 ] && [ "$n_req" -eq "$n_ev" ] && [ "$n_rep" -eq "$n_req" ] &&
  ok "ping: $n_req echo requests (as the run sent) and $n_rep replies" ||
  fail "ping: $n_req requests, $n_rep replies, the run sent $n_ev"
# 3. KB 977526 itself: a 2 GiB copy that dies near 87 MB. The capture has
# B's silence (its IPsec holds the retransmissions tshark never sees) and,
# at the default snap length, stays under 64 MB.
capture kb977526-2g bottleneck 0 --scenario kb977526 file.size=2GiB
size=$(wc -c <"$tmp/kb977526-2g.pcap")
[ "$size" -lt 67108864 ] && ok "kb977526 2 GiB: capture of $size bytes < 64 MB" || fail "kb977526 2 GiB: $size bytes"

# A completed 1 GiB copy at the default snap length: under 200 MB.
"$rk" run file.size=1GiB --pcap "$tmp/1g.pcap" >/dev/null 2>"$tmp/err" || fail "1 GiB: $(cat "$tmp/err")"
size=$(wc -c <"$tmp/1g.pcap")
[ "$size" -lt 209715200 ] && ok "1 GiB completed copy: capture of $size bytes < 200 MB" || fail "1 GiB: $size bytes"
rm -f "$tmp/1g.pcap"

# 4. A replay writes the same capture as the run it replays.
cat >"$tmp/one.ini" <<'INI'
[experiment pcap]
scenario = kb977526
file.size = 4MiB
replications = 1
INI
if command -v sqlite3 >/dev/null 2>&1 && "$rk" sweep "$tmp/one.ini" --db "$tmp/one.db" --jobs 1 --quiet >/dev/null 2>"$tmp/err"; then
  id=$(sqlite3 "$tmp/one.db" 'SELECT run_id FROM runs ORDER BY run_id LIMIT 1')
  seed=$(sqlite3 "$tmp/one.db" "SELECT seed FROM runs WHERE run_id = $id")
  seed=$(python3 -c "print($seed % 2**64)") # stored as a signed 64-bit integer
  "$rk" run --db "$tmp/one.db" --run "$id" --pcap "$tmp/replay.pcap" >/dev/null 2>"$tmp/err" || fail "replay: $(cat "$tmp/err")"
  "$rk" run --scenario kb977526 file.size=4MiB --seed "$seed" --pcap "$tmp/direct.pcap" >/dev/null 2>&1
  if cmp -s "$tmp/replay.pcap" "$tmp/direct.pcap"; then ok "replay: run --db --run $id --pcap writes the run's capture"
  else fail "replay: the capture of run $id differs from its direct run's (seed $seed)"; fi
else
  echo "SKIP: replay: sqlite3 missing or the sweep could not run: $(cat "$tmp/err")"
fi

# 5. Bad input: one message, exit 2, no file left behind.
expect_bad() {
  name=$1 pat=$2
  shift 2
  "$rk" run "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 2 ]; then fail "$name: exit $rc, wanted 2"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q -- "$pat" "$tmp/err"; then
    fail "$name: wanted one line with '$pat', got: $(cat "$tmp/err")"
    return
  fi
  if ls -A "$tmp/bad" | grep -q .; then fail "$name: left $(ls -A "$tmp/bad")"; return; fi
  ok "$name"
}
mkdir -p "$tmp/bad"
expect_bad "unknown --pcap-at" "not a capture point" --pcap "$tmp/bad/x.pcap" --pcap-at router
expect_bad "snap length too small" "snap length" --pcap "$tmp/bad/x.pcap" --pcap-snaplen 10
expect_bad "snap length too large" "snap length" --pcap "$tmp/bad/x.pcap" --pcap-snaplen 300000
expect_bad "--pcap-at without --pcap" "need --pcap" --pcap-at server
expect_bad "unwritable directory" "cannot write the capture file" --pcap "$tmp/bad/no/such/dir/x.pcap"
 mkdir -p "$tmp/adir"
expect_bad "a directory as FILE" "is a directory" --pcap "$tmp/adir"
expect_bad "bad key with --pcap" "" --pcap "$tmp/bad/x.pcap" no.such.key=1

[ $fails -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "pcap: every capture checked by tshark"
