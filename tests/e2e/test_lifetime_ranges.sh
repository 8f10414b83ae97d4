#!/bin/sh
# Windows' lifetime ranges (doc/domain.md section 2, "Lifetimes"): the
# registry refuses a quick-mode time lifetime outside 300 s to 172,800 s, a
# kilobyte lifetime other than 0 outside 20,480 to 2,000,000,000 KB, and a
# main-mode lifetime outside 60 s to 172,800 s. For each bound, the bound
# itself is accepted and the value just outside it is refused: exit 2, one
# line on stderr that names the key, the range and its source, nothing on
# stdout. The same value in a sweep spec is refused before anything is
# written: no database appears.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fail=0 n=0

have_sweep=0
if "$rk" sweep --help >sweep.help 2>&1 && ! grep -qi 'not available' sweep.help; then have_sweep=1; fi

# accepted KEY=VALUE: a run with it succeeds (a small copy in the KB preset).
accepted() {
  n=$((n + 1))
  if ! "$rk" run --scenario kb977526 file.size=256KiB "$1" --json >out 2>err; then
    echo "FAIL: $1 was refused: $(cat err)"; fail=1
  fi
}

# refused KEY=VALUE RANGE SOURCE: exit 2, one stderr line naming the key,
# the range text and the source, nothing on stdout; and a sweep whose spec
# holds the value writes no database.
refused() {
  n=$((n + 1))
  kv=$1 range=$2 source=$3 key=${1%%=*}
  "$rk" run --scenario kb977526 file.size=256KiB "$kv" >out 2>err
  rc=$?
  line=$(head -n 1 err)
  if [ $rc -ne 2 ] || [ -s out ] || [ "$(grep -c '' err)" -ne 1 ]; then
    echo "FAIL: $kv: exit $rc, stdout $(wc -c <out) bytes, stderr '$(cat err)' (wanted exit 2 and one line)"; fail=1
  fi
  for want in "$key" "out of range" "$range" "$source"; do
    case "$line" in *"$want"*) ;; *) echo "FAIL: $kv: the message does not say '$want': $line"; fail=1 ;; esac
  done
  [ $have_sweep = 1 ] || return 0
  printf '[experiment e]\nscenario = kb977526\nfile.size = 256KiB\n%s = %s\n' "$key" "${kv#*=}" >spec.ini
  rm -f sweep.db
  "$rk" sweep spec.ini --db sweep.db --quiet >out 2>err
  rc=$?
  if [ $rc -ne 2 ] || [ -e sweep.db ]; then
    echo "FAIL: sweep with $kv: exit $rc, database $( [ -e sweep.db ] && echo written || echo absent ), stderr '$(cat err)'"
    fail=1
  fi
  case "$(cat err)" in *"$key"*"out of range"*) ;; *) echo "FAIL: sweep with $kv: '$(cat err)'"; fail=1 ;; esac
}

tmg=IFPCVpnNetworkIPSecSettings
accepted ipsec.qm_lifetime=300s
accepted ipsec.qm_lifetime=172800s
refused ipsec.qm_lifetime=299s "from 300 s to 2880 min" "$tmg, MS-GPFAS 2.2.5.21"
refused ipsec.qm_lifetime=172801s "from 300 s to 2880 min" "$tmg, MS-GPFAS 2.2.5.21"
accepted ipsec.qm_lifetime_kb=0
accepted ipsec.qm_lifetime_kb=20480
accepted ipsec.qm_lifetime_kb=2000000000
refused ipsec.qm_lifetime_kb=1 "0 (no kilobyte lifetime) or from 20480 KiB to 2000000000 KiB" "$tmg"
refused ipsec.qm_lifetime_kb=20479 "0 (no kilobyte lifetime) or from 20480 KiB to 2000000000 KiB" "$tmg"
refused ipsec.qm_lifetime_kb=2000000001 "to 2000000000 KiB" "$tmg"
accepted ipsec.mm_lifetime=60s
accepted ipsec.mm_lifetime=48h
refused ipsec.mm_lifetime=59s "from 60 s to 2880 min" "$tmg, at least 60 s [S], at most 48 h [I]"
refused ipsec.mm_lifetime=172801s "from 60 s to 2880 min" "$tmg, at least 60 s [S], at most 48 h [I]"

[ $fail -eq 0 ] && echo "lifetime ranges: $n cases as Windows takes them"
exit $fail
