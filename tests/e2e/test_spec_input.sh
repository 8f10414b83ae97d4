#!/bin/sh
# Spec files through the real binary (issue 11; the section "Spec files
# (issue 11)" of tests/e2e/BAD_INPUT.md): specs that differ only deep in a
# long value are different experiments; a grid past the run guard, an
# overlong list, a device, a FIFO or an oversized file are refused at once
# (each under a time limit, since the failure was slowness or a hang); nan
# and inf are refused before anything is stored; numbers are decimal in a
# spec as on the command line; an empty section and text after a header are
# errors; comments may be of any length. Every refusal is checked as in
# test_bad_input.sh: exit 2, one line on stderr naming the file (and line),
# nothing on stdout, no database created or changed.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 99
n_ok=0 n_fail=0
have_sqlite=0
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=1

ok() { echo "ok: $1"; n_ok=$((n_ok + 1)); }
bad() { echo "FAIL: $1"; n_fail=$((n_fail + 1)); }

# refused NAME PATTERN DB -- ARGS...: exit 2 within 30 s, one stderr line
# matching PATTERN, empty stdout; DB "absent:F" must not exist afterwards,
# "same:F" must keep its sha256.
refused() {
  name=$1 pat=$2 db=$3
  shift 4
  before=
  case $db in same:*) before=$(sha256sum "${db#same:}" | cut -d' ' -f1) ;; esac
  timeout -k 2 30 "$@" >out 2>err
  rc=$?
  problem=
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then problem="still running after 30 s"
  elif [ $rc -ne 2 ]; then problem="exit $rc, wanted 2"
  elif [ "$(grep -c '' err)" -ne 1 ]; then problem="$(grep -c '' err) lines on stderr, wanted 1: $(head -c 300 err | tr '\n' '|')"
  elif ! grep -qE -- "$pat" err; then problem="stderr lacks /$pat/: $(head -c 300 err)"
  elif [ -s out ]; then problem="printed on stdout: $(head -n 2 out | tr '\n' '|')"
  fi
  case $db in
  absent:*) [ -z "$problem" ] && [ -e "${db#absent:}" ] && problem="${db#absent:} was created" ;;
  same:*) [ -z "$problem" ] && [ "$(sha256sum "${db#same:}" | cut -d' ' -f1)" != "$before" ] &&
    problem="${db#same:} changed" ;;
  esac
  if [ -z "$problem" ]; then ok "$name: $(cat err)"; else bad "$name: $problem"; fi
}

# A spec whose file.size list has N values (1 KiB ...), ten to a line; the
# last value is LAST KiB.
long_list() { # N LAST
  awk -v n="$1" -v last="$2" 'BEGIN {
    printf "[experiment long]\nreplications = 1\nsim.max_time = 1s\nfile.size = "
    for (i = 1; i <= n; i++) {
      printf "%dKiB", (i == n ? last : i)
      if (i < n) printf (i % 10 == 0 ? ",\n    " : ", ")
    }
    printf "\n" }'
}

# ---- W1: a difference past the 1,024th character is a different spec ----
long_list 300 300 >w1a.ini
long_list 300 301 >w1b.ini
if [ "$(sed -n 4p w1a.ini | wc -c)" -gt 199 ] || [ "$(wc -c <w1a.ini)" -lt 1500 ]; then
  bad "W1 setup: the spec should hold a long value over short lines"
elif ! "$rk" sweep w1a.ini --db w1.db --jobs 1 --quiet >w1.out 2>w1.err; then
  bad "W1: the first sweep failed: $(cat w1.err)"
else
  refused "W1: a spec changed only past the 1,024th character of a value is a changed spec" \
    "w1b.ini.*long|long.*w1b.ini|changed|--force-new" same:w1.db -- "$rk" sweep w1b.ini --db w1.db --jobs 1 --quiet
fi

# ---- W2: a 1000^4 grid is refused by the guard at once ----
printf '[experiment huge]\nfile.size = 1MiB..1GiB log 1000\nlink.rate = 1Mbps..1Gbps log 1000\nlink.loss = 0..0.02 lin 1000\nlink.delay = 1ms..1s log 1000\n' >w2.ini
refused "W2: a 1000^4 grid is refused by the run guard before its points are checked" \
  "w2.ini asks for 1000000000000 runs or more, beyond the guard of 100000" absent:w2.db -- \
  "$rk" sweep w2.ini --db w2.db --quiet

# ---- W3: a list over the cap ----
long_list 10001 10001 >w3.ini
refused "W3: a list of 10,001 values is refused naming the key, the count and the cap" \
  "w3.ini:4: file.size: a list of 10001 values, more than the cap of 10000" absent:w3.db -- \
  "$rk" sweep w3.ini --db w3.db --quiet

# ---- W4: not a regular file, or too large ----
refused "W4: /dev/zero is refused before reading" "/dev/zero: cannot read the spec: not a regular file" \
  absent:w4.db -- "$rk" sweep /dev/zero --db w4.db --quiet
mkfifo w4.fifo
refused "W4: a FIFO is refused without waiting for a writer" "w4.fifo: cannot read the spec: not a regular file \(a FIFO\)" \
  absent:w4.db -- "$rk" sweep w4.fifo --db w4.db --quiet
{ printf '[experiment big]\nfile.size = 1MiB\n'; awk 'BEGIN { for (i = 0; i < 11000; i++) printf "; %097d\n", i }'; } >w4.ini
refused "W4: a spec over 1 MiB is refused" "w4.ini: the spec is [0-9]+ bytes, over the limit of 1 MiB" absent:w4.db -- \
  "$rk" sweep w4.ini --db w4.db --quiet

# ---- W5: nan and inf refused before anything is written ----
n5=0
for v in "search = file.size for duration_mean_s = nan" "search = file.size for duration_mean_s = inf" \
  "search = file.size for interruptions_mean = -inf" "search = file.size for p_complete = 0.9|precision = nan" \
  "search = file.size for p_complete = 0.9|precision = inf" "target = duration_mean_s +-inf|file.size = 1MiB" \
  "target = duration_mean_s +-nan|file.size = 1MiB"; do
  n5=$((n5 + 1))
  case $v in target*) range= ;; *) range='file.size = 1MiB..16MiB\n' ;; esac
  printf "[experiment w5]\n${range}%s\n" "$(echo "$v" | tr '|' '\n')" >w5_$n5.ini
  refused "W5: '$v' is refused" "w5_$n5.ini:[0-9]+: (search|target|precision): .*finite number" absent:w5.db -- \
    "$rk" sweep w5_$n5.ini --db w5.db --quiet
done

# ---- numbers are decimal, in a spec and for run --seed ----
printf '[experiment oct]\nfile.size = 1MiB\nseed = 010\n' >dec.ini
if "$rk" sweep dec.ini --db dec.db --jobs 1 --quiet >/dev/null 2>dec.err; then
  if [ $have_sqlite = 1 ]; then
    s=$(sqlite3 dec.db "SELECT master_seed FROM experiments WHERE name = 'oct'")
    if [ "$s" = 10 ]; then ok "a spec's seed 010 is ten"; else bad "a spec's seed 010 is stored as '$s', wanted 10"; fi
  fi
else
  bad "the spec with seed = 010 was refused: $(cat dec.err)"
fi
"$rk" run --json --seed 010 file.size=1MiB >run.json 2>run.err
if grep -q '"seed":10,' run.json; then ok "run --seed 010 is ten"; else bad "run --seed 010: $(head -c 200 run.json) $(cat run.err)"; fi
printf '[experiment hex]\nfile.size = 1MiB\nseed = 0x10\n' >hex.ini
refused "a spec's seed 0x10 is refused (decimal only, as run --seed)" "hex.ini:3: seed: '0x10' is not a decimal whole number" \
  absent:hex.db -- "$rk" sweep hex.ini --db hex.db --quiet
refused "run --seed 0x10 is refused" "--seed '0x10' is not a" - -- "$rk" run --seed 0x10 file.size=1MiB
refused "run --seed ' 5' is refused (digits only, as in a spec)" "--seed ' 5' is not a" - -- "$rk" run --seed ' 5' file.size=1MiB
refused "run --seed +5 is refused (digits only, as in a spec)" "--seed '\\+5' is not a" - -- "$rk" run --seed +5 file.size=1MiB
printf '[experiment plus]\nfile.size = 1MiB\nseed = +5\n' >plus.ini
refused "a spec's seed +5 is refused (digits only)" "plus.ini:3: seed: '\\+5' is not a decimal whole number" absent:plus.db -- \
  "$rk" sweep plus.ini --db plus.db --quiet

# ---- sections ----
printf '[experiment a]\nfile.size = 1MiB\n\n[experiment b]\n; to do\n' >emptysec.ini
refused "an empty section is refused naming it and its line" "emptysec.ini:4: experiment 'b' has no keys" \
  absent:sec.db -- "$rk" sweep emptysec.ini --db sec.db --quiet
printf '[experiment a] file.size = 1MiB\nreplications = 2\n' >after.ini
refused "text after ']' in a header is refused with file:line" "after.ini:1: text after '\]'" absent:sec.db -- \
  "$rk" sweep after.ini --db sec.db --quiet

# ---- lines: comments of any length; the value line limit is named ----
{ printf '[experiment c]  ; baseline\n; '; head -c 1000000 /dev/zero | tr '\0' x; printf '\nfile.size = 1MiB\n'; } >comment.ini
if timeout -k 2 60 "$rk" sweep comment.ini --db comment.db --jobs 1 --quiet >/dev/null 2>comment.err; then
  ok "a comment line of 1,000,000 characters is fine"
else
  bad "a comment line of 1,000,000 characters: $(head -c 300 comment.err)"
fi
{ printf '[experiment v]\nfile.size = 1KiB'; awk 'BEGIN { for (i = 2; i < 60; i++) printf ", %dKiB", i }'; printf '\n'; } >longval.ini
refused "a long value line names the real limit" "longval.ini:2: line longer than 199 characters \(comments aside\)" \
  absent:lv.db -- "$rk" sweep longval.ini --db lv.db --quiet

# ---- a stored experiment whose seed the same text no longer means ----
# The first round read "seed = 010" as octal 8; the same spec text now means
# 10, hashes the same, and resuming would mix two seeds' runs. Simulated by
# editing the stored master seed.
printf '[experiment s]\nscenario = no-ipsec\nfile.size = 64KiB\nreplications = 2\nseed = 10\n' >seed.ini
if command -v sqlite3 >/dev/null && "$rk" sweep seed.ini --db seed.db --jobs 1 --quiet >/dev/null 2>&1; then
  sqlite3 seed.db "UPDATE experiments SET master_seed = 8"
  refused "a stored seed the spec no longer means" "seed.ini:1: experiment 's' in seed.db was made with master seed 8, but this rekeysim reads the spec's seed as 10" \
    same:seed.db -- "$rk" sweep seed.ini --db seed.db --quiet
  if "$rk" sweep seed.ini --db seed.db --jobs 1 --quiet --force-new >/dev/null 2>&1 &&
     [ "$(sqlite3 seed.db "SELECT group_concat(name || '=' || master_seed, ' ') FROM experiments")" = "s=8 s-2=10" ]; then
    ok "--force-new stores it beside the old one as s-2 with seed 10"
  else
    bad "--force-new after a seed mismatch: $(sqlite3 seed.db 'SELECT name, master_seed FROM experiments' | tr '\n' ' ')"
  fi
fi

echo "spec input: $n_ok ok, $n_fail failed"
[ $n_fail -eq 0 ]
