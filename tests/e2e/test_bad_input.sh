#!/bin/sh
# The bad-input table (tests/e2e/BAD_INPUT.md): every way a user can get the
# command line, a sweep spec or a results database wrong, run through the
# real binary ($REKEYSIM and $TOP_SRCDIR, exported by tests/local.mk). Each
# case checks the exit status (2 bad input, 1 runtime failure), exactly one
# non-empty line on stderr matching the case's pattern (the file, key or
# line it names), nothing on stdout, and that nothing was written: a
# database given to the command keeps its sha256 and passes
# PRAGMA integrity_check, and a database that did not exist is not created.
#
# Cases marked known-bug are ones whose fix belongs to another file; they
# print XFAIL while the bug is there (and XPASS once fixed) without failing
# the suite; a case that cannot run here (root without a way to drop
# privileges, no sqlite3 shell, sweep not built) prints SKIP. Exit 77 only if
# every case was skipped.
#
# With BAD_INPUT_MD=FILE set, one Markdown table row per case is appended to
# FILE (how tests/e2e/BAD_INPUT.md's table was made).
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d) || exit 99
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  # Immutable files (the read-only database as root) must be released first.
  command -v chattr >/dev/null 2>&1 && find "$tmp" -type f -exec chattr -i {} + 2>/dev/null
  chmod -R u+rwX "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 99
n_ok=0 n_fail=0 n_skip=0 n_xfail=0

have_sqlite=0
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=1
have_sweep=0
if "$rk" sweep --help >sweep.help 2>&1 && ! grep -qi 'not available' sweep.help; then have_sweep=1; fi

md_row() { # NAME STATUS ARGS...
  [ -n "${BAD_INPUT_MD:-}" ] || return 0
  name=$1 want=$2
  shift 2
  cmd=$(printf '%s ' "$@" | sed -e "s|^setpriv [^ ]* [^ ]* [^ ]* ||" -e "s|$rk|rekeysim|g" -e "s|$tmp/||g" \
    -e "s|$top/||g" -e 's/ $//' -e 's/|/\\|/g')
  msg=$(head -n 1 err | sed -e "s|$tmp/||g" -e 's/|/\\|/g')
  printf '| %s | `%s` | %s | %s |\n' "$name" "$cmd" "$want" "$msg" >>"$BAD_INPUT_MD"
}

# check NAME WANT_STATUS PATTERN DB FLAGS -- ARGS...
#   DB: "-" (none), "absent:FILE" (must not exist afterwards) or
#       "same:FILE" (sha256 and integrity unchanged);
#   FLAGS: "-", "known-bug" (a failure is XFAIL), "sweep" (needs sweep),
#          "sqlite" (needs the sqlite3 shell), joined with commas.
check() {
  name=$1 want=$2 pat=$3 db=$4 flags=$5
  shift 6
  case ",$flags," in *,sweep,*) if [ $have_sweep = 0 ]; then
    echo "SKIP: $name: rekeysim sweep is not available in this build"; n_skip=$((n_skip + 1)); return; fi ;; esac
  case ",$flags," in *,sqlite,*) if [ $have_sqlite = 0 ]; then
    echo "SKIP: $name: needs the sqlite3 shell"; n_skip=$((n_skip + 1)); return; fi ;; esac
  before=
  case $db in same:*) before=$(sha256sum "${db#same:}" | cut -d' ' -f1) ;; esac
  "$@" >out 2>err
  rc=$?
  problem=
  if [ "$rc" -ne "$want" ]; then problem="exit $rc, wanted $want"
  elif [ ! -s err ]; then problem="nothing on stderr"
  elif [ "$(grep -c '' err)" -ne 1 ]; then problem="$(grep -c '' err) lines on stderr, wanted 1: $(tr '\n' '|' <err)"
  elif ! grep -qE -- "$pat" err; then problem="stderr lacks /$pat/: $(cat err)"
  elif [ -s out ]; then problem="printed on stdout: $(head -n 2 out | tr '\n' '|')"
  fi
  if [ -z "$problem" ]; then
    case $db in
    absent:*) [ -e "${db#absent:}" ] && problem="${db#absent:} was created" ;;
    same:*)
      f=${db#same:}
      if [ "$(sha256sum "$f" | cut -d' ' -f1)" != "$before" ]; then problem="$f changed"
      elif [ $have_sqlite = 1 ] && [ "$(head -c 15 "$f")" = "SQLite format 3" ] &&
        [ "$(sqlite3 "file:$f?mode=ro" 'PRAGMA integrity_check' 2>&1)" != ok ]; then
        problem="$f fails PRAGMA integrity_check"
      fi ;;
    esac
  fi
  md_row "$name" "$want" "$@"
  if [ -z "$problem" ]; then
    case ",$flags," in *,known-bug,*) echo "XPASS: $name: fixed; drop its known-bug flag and BAD_INPUT.md note" ;; esac
    echo "ok: $name: exit $rc: $(cat err)"; n_ok=$((n_ok + 1))
  else
    case ",$flags," in
    *,known-bug,*) echo "XFAIL: $name (known bug, see BAD_INPUT.md): $problem"; n_xfail=$((n_xfail + 1)) ;;
    *) echo "FAIL: $name: $problem"; n_fail=$((n_fail + 1)) ;;
    esac
  fi
}
skip() { echo "SKIP: $1: $2"; n_skip=$((n_skip + 1)); }

# Running as another user: root ignores permission bits, so the permission
# cases drop to nobody when they can (setpriv, and a binary nobody may run).
as_user=
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$rk" --version >/dev/null 2>&1; then
  as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
  chmod 0755 "$tmp"
fi

# ---- the command line ----
check "unknown subcommand" 2 "unknown command 'frobnicate'" - - -- "$rk" frobnicate
# No subcommand at all: the usage text, on stderr, exit 2.
"$rk" >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ ! -s out ] && grep -q '^usage:' err; then echo "ok: no subcommand: exit 2, usage on stderr"; n_ok=$((n_ok + 1))
else echo "FAIL: no subcommand: exit $rc, wanted 2 with the usage on stderr only"; n_fail=$((n_fail + 1)); fi
check "unknown option" 2 "unknown option '--frobnicate'" - - -- "$rk" run --frobnicate
check "option without its value" 2 "--seed needs a value" - - -- "$rk" run --seed
check "seed not a number" 2 "--seed 'x'" - - -- "$rk" run --seed x
check "unknown parameter (nearest name suggested)" 2 "unknown key 'link.rat' \(did you mean link.rate\?\)" - - -- \
  "$rk" run link.rat=10Mbps
check "unknown parameter, one letter off" 2 "unknown key 'file.sise' \(did you mean file.size\?\)" - - -- \
  "$rk" run file.sise=1MiB
check "not KEY=VALUE" 2 "'file.size' is neither an option nor KEY=VALUE" - - -- "$rk" run file.size
check "empty key" 2 "'=5' is not KEY=VALUE" - - -- "$rk" run =5
check "malformed value" 2 "link.delay: 'fast' is not valid" - - -- "$rk" run link.delay=fast
check "bad unit (size given in bits)" 2 "file.size: '10Mbit' is not valid; expected a size" - - -- \
  "$rk" run file.size=10Mbit
check "bad unit (MBps is not Mbps)" 2 "link.rate: '100MBps' is not valid; expected a rate" - - -- \
  "$rk" run link.rate=100MBps
check "hex where a size is expected" 2 "file.size: '0x10' is not valid" - - -- "$rk" run file.size=0x10
check "overflowing number" 2 "file.size: '1e400' is not valid" - - -- "$rk" run file.size=1e400
check "not a number (nan)" 2 "link.delay: 'nan' is not valid" - - -- "$rk" run link.delay=nan
check "negative size" 2 "file.size: '-1MiB' is out of range" - - -- "$rk" run file.size=-1MiB
check "zero rate" 2 "link.rate: '0' is out of range" - - -- "$rk" run link.rate=0
check "loss = 1" 2 "link.loss: '1' is out of range: must be at least 0 and below 1" - - -- "$rk" run link.loss=1
check "loss = 100%" 2 "link.loss: '100%' is out of range" - - -- "$rk" run link.loss=100%
check "lifetime 0" 2 "ipsec.qm_lifetime: '0' is out of range" - - -- "$rk" run ipsec.qm_lifetime=0
check "IKEFlags not a number" 2 "server.ipsec.ikeflags: 'abc' is not valid; expected a whole number" - - -- \
  "$rk" run server.ipsec.ikeflags=abc
check "IKEFlags bad hex" 2 "server.ipsec.ikeflags: '0x1G' is not valid" - - -- "$rk" run server.ipsec.ikeflags=0x1G
check "boolean not a boolean" 2 "client.ipsec.fallback: 'maybe' is not valid; expected a boolean" - - -- \
  "$rk" run client.ipsec.fallback=maybe
check "unknown choice" 2 "client.os: 'win7' is not a valid choice; expected one of: xp, 2003, vista, 2008" - - -- \
  "$rk" run client.os=win7
check "unknown scenario (option)" 2 "unknown scenario 'nosuch'; expected one of: no-ipsec" - - -- \
  "$rk" run --scenario nosuch
check "unknown scenario (key)" 2 "unknown scenario 'nosuch'" - - -- "$rk" run scenario=nosuch
check "unknown scenario (params)" 2 "unknown scenario 'nosuch'" - - -- "$rk" params --scenario nosuch
check "MSS does not fit the MTU" 2 "tcp.mss \(1460 B\).*exceeds link.mtu \(600 B\)" - - -- "$rk" run link.mtu=600
check "RTO minimum above maximum" 2 "tcp.rto.min \(10 s\) exceeds tcp.rto.max \(1 s\)" - - -- \
  "$rk" run tcp.rto.min=10s tcp.rto.max=1s
# issue 16: the fleet keys' compound start syntax and cross-checks
check "fleet start: poisson rate not a number" 2 "fleet.start: in 'poisson:x', 'x' is not a rate" - - -- \
  "$rk" run fleet.start=poisson:x
check "fleet start: poisson rate unit unknown" 2 "fleet.start: in 'poisson:3/day', '3/day' is not a rate" - - -- \
  "$rk" run fleet.start=poisson:3/day
check "fleet start: poisson rate 0" 2 "fleet.start: in 'poisson:0', the rate is out of range: must be above 0" - - -- \
  "$rk" run fleet.start=poisson:0
check "fleet start: uniform window not a time" 2 "fleet.start: in 'uniform:soon', 'soon' is not a time" - - -- \
  "$rk" run fleet.start=uniform:soon
check "fleet start: together with a value" 2 "fleet.start: 'together' takes no value after a colon" - - -- \
  "$rk" run fleet.start=together:5s
check "fleet start: unknown schedule" 2 "fleet.start: 'burst' is not a valid choice; expected one of: together, uniform, poisson" \
  - - -- "$rk" run fleet.start=burst:5s
check "fleet with extra flows" 2 "flow.\\* extra flows are modelled for one client; set fleet.clients=1" - - -- \
  "$rk" run fleet.clients=2 flow.ping.from=client
check "trace file cannot be written" 1 "cannot write the trace file .*nodir/t.txt" - - -- \
  "$rk" run --trace "$tmp/nodir/t.txt" file.size=1MiB
check "sweep: unknown option" 2 "unknown option '--frobnicate'" absent:opt.db sweep -- \
  "$rk" sweep "$top/experiments/kb977526.ini" --db opt.db --frobnicate
check "sweep: --jobs 0" 2 "--jobs '0'" absent:opt.db sweep -- "$rk" sweep "$top/experiments/kb977526.ini" --db opt.db --jobs 0
check "sweep: --shard 3/2" 2 "--shard '3/2'" absent:opt.db sweep -- \
  "$rk" sweep "$top/experiments/kb977526.ini" --db opt.db --shard 3/2

# ---- sweep specs: nothing may be written ----
printf '[experiment t]\nfile.size = 1MiB\nreplications = 2\n' >tiny.ini
check "missing spec file" 2 "nosuch.ini: cannot read the spec: No such file" absent:spec.db sweep -- \
  "$rk" sweep nosuch.ini --db spec.db --quiet
cp tiny.ini unread.ini
chmod 0000 unread.ini
if [ "$(id -u)" -ne 0 ]; then
  check "unreadable spec" 2 "unread.ini: cannot read the spec: Permission denied" absent:spec.db sweep -- \
    "$rk" sweep unread.ini --db spec.db --quiet
elif [ -n "$as_user" ]; then
  # shellcheck disable=SC2086
  check "unreadable spec" 2 "unread.ini: cannot read the spec: Permission denied" absent:spec.db sweep -- \
    $as_user "$rk" sweep unread.ini --db spec.db --quiet
else
  skip "unreadable spec" "running as root without setpriv: permission bits do not stop root"
fi
mkdir spec_dir.ini
check "spec is a directory" 2 "spec_dir.ini: cannot read the spec" absent:spec.db sweep -- \
  "$rk" sweep spec_dir.ini --db spec.db --quiet
printf '[experiment t]\nfile.size = 1MiB\n\000\n' >binary.ini
check "spec is not text (NUL bytes)" 2 "binary.ini: cannot read the spec \(not a text file\)" absent:spec.db sweep -- \
  "$rk" sweep binary.ini --db spec.db --quiet
printf '[experiment t]\nfile.size = 1MiB\nthis line has no equals sign\n' >syntax.ini
check "spec syntax error (file and line)" 2 "syntax.ini:3: syntax error" absent:spec.db sweep -- \
  "$rk" sweep syntax.ini --db spec.db --quiet
printf '[experiment t\nfile.size = 1MiB\n' >header.ini
check "spec header not closed" 2 "header.ini:1: " absent:spec.db sweep -- "$rk" sweep header.ini --db spec.db --quiet
printf '[experiment t]\nfile.size = 1MiB\n  [x\n' >indented.ini
# Found by fuzz_spec: this crashed (SIGSEGV) before experiments/spec.c took
# indented headers as headers.
check "spec: indented unclosed header after a key" 2 "indented.ini:3: unclosed section header" absent:spec.db \
  sweep -- "$rk" sweep indented.ini --db spec.db --quiet
printf '[experiment t]\nfile.size = 1MiB\nlink.rat = 10Mbps\n' >badkey.ini
check "spec: unknown key (file, line, nearest name)" 2 "badkey.ini:3: link.rat: unknown key \(did you mean link.rate\?\)" \
  absent:spec.db sweep -- "$rk" sweep badkey.ini --db spec.db --quiet
printf '[experiment t]\nfile.size = 10Mbit\n' >badval.ini
check "spec: bad unit (file, line, key)" 2 "badval.ini:2: file.size: '10Mbit' is not valid" absent:spec.db sweep -- \
  "$rk" sweep badval.ini --db spec.db --quiet
printf '[experiment t]\nfile.size = 1MiB\nreplications = 0\n' >reps.ini
check "spec: replications 0" 2 "reps.ini:3: replications: '0'" absent:spec.db sweep -- \
  "$rk" sweep reps.ini --db spec.db --quiet
: >empty.ini
check "empty spec" 2 "empty.ini: no \[experiment NAME\] section" absent:spec.db sweep -- \
  "$rk" sweep empty.ini --db spec.db --quiet
printf '; only a comment\n\n' >comments.ini
check "spec with comments only" 2 "comments.ini: no \[experiment NAME\] section" absent:spec.db sweep -- \
  "$rk" sweep comments.ini --db spec.db --quiet
printf '[experiment big]\nfile.size = 1MiB..2MiB log 1001\nreplications = 100\n' >big.ini
check "spec over 100,000 runs without --yes" 2 "big.ini.*100000.*--yes" absent:spec.db sweep -- \
  "$rk" sweep big.ini --db spec.db --quiet

# ---- results databases: refused, and left exactly as they were ----
if [ $have_sweep = 1 ] && "$rk" sweep tiny.ini --db base.db --jobs 1 --quiet >/dev/null 2>sweep.err; then
  have_base=1
else
  have_base=0
  [ $have_sweep = 1 ] && echo "note: the tiny sweep that makes base.db failed: $(cat sweep.err)"
fi
printf 'not a database at all, but a text file of some length..........................\n' >text.db
check "database is a text file (sweep)" 2 "text.db is not a rekeysim database \(not an SQLite file\)" same:text.db \
  sweep -- "$rk" sweep tiny.ini --db text.db --quiet
check "database is a text file (status)" 2 "text.db is not a rekeysim database" same:text.db sweep -- \
  "$rk" status --db text.db
if [ $have_sqlite = 1 ]; then
  sqlite3 other.db 'CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);'
fi
check "database of another application (sweep)" 2 "other.db is not a rekeysim database \(an SQLite file of another application\)" \
  same:other.db sweep,sqlite -- "$rk" sweep tiny.ini --db other.db --quiet
check "database of another application (merge input)" 2 "other.db is not a rekeysim database" absent:merged.db \
  sweep,sqlite -- "$rk" merge merged.db other.db
check "database does not exist (status)" 2 "missing.db: no such database" absent:missing.db sweep -- \
  "$rk" status --db missing.db
check "database in a missing directory" 1 "nodir/x.db" absent:nodir/x.db sweep  -- \
  "$rk" sweep tiny.ini --db nodir/x.db --quiet
if [ $have_base = 1 ] && [ $have_sqlite = 1 ]; then
  # One version past this build's (read from a database it made), so the
  # case keeps meaning "newer" whenever the schema version moves.
  cur=$(sqlite3 base.db "PRAGMA user_version")
  nv=$((cur + 1))
  cp base.db newer.db
  sqlite3 newer.db "PRAGMA user_version = $nv; UPDATE meta SET value = '$nv' WHERE key = 'schema_version';"
  check "database from a newer schema (sweep)" 2 "newer.db has schema version $nv, newer than this rekeysim's" \
    same:newer.db sweep,sqlite -- "$rk" sweep tiny.ini --db newer.db --quiet
  check "database from a newer schema (status)" 2 "newer.db has schema version $nv" same:newer.db sweep,sqlite -- \
    "$rk" status --db newer.db
  check "database from a newer schema (merge input)" 2 "newer.db has schema version $nv" absent:merged.db \
    sweep,sqlite -- "$rk" merge merged.db newer.db
  cp base.db newer_meta.db
  sqlite3 newer_meta.db "UPDATE meta SET value = '$nv' WHERE key = 'schema_version';"
  check "database whose meta says a newer schema" 2 "newer_meta.db has schema version $nv" same:newer_meta.db \
    sweep,sqlite  -- "$rk" status --db newer_meta.db
  cp base.db older.db
  sqlite3 older.db "PRAGMA user_version = 1; UPDATE meta SET value = '1' WHERE key = 'schema_version';"
  check "database from an older schema (before runs.fingerprint)" 2 "older.db has schema version 1, from an older rekeysim" \
    same:older.db sweep,sqlite -- "$rk" sweep tiny.ini --db older.db --quiet
  check "replay: no such run" 2 "base.db has no run 999" same:base.db sweep,sqlite -- "$rk" run --db base.db --run 999
  check "replay: --db without --run" 2 "--db and --run go together" same:base.db sweep -- "$rk" run --db base.db
  check "replay: run id not a number" 2 "--run 'x' is not a run id" same:base.db sweep -- "$rk" run --db base.db --run x
  check "replay: parameters given too" 2 "a replayed run takes its scenario, seed and parameters from the database" \
    same:base.db sweep -- "$rk" run --db base.db --run 1 file.size=1MiB
  check "replay: database is a text file" 2 "text.db is not a rekeysim database" same:text.db sweep -- \
    "$rk" run --db text.db --run 1
  check "merge into one of its inputs" 2 "base.db is both the output and an input" same:base.db sweep -- \
    "$rk" merge base.db base.db

  # Read-only: permission bits as a normal user; as root an immutable file
  # (chattr +i) if the file system has them, else the run as nobody.
  mkdir ro && cp base.db ro/ro.db
  printf '[experiment t]\nfile.size = 1MiB, 2MiB\nreplications = 2\n' >tiny2.ini
  if [ "$(id -u)" -ne 0 ]; then
    chmod 0444 ro/ro.db
    check "read-only database" 1 "ro/ro.db is read-only" same:ro/ro.db sweep  -- \
      "$rk" sweep tiny2.ini --db ro/ro.db --force-new --quiet
  elif command -v chattr >/dev/null 2>&1 && chattr +i ro/ro.db 2>/dev/null; then
    check "read-only database" 1 "ro/ro.db is read-only" same:ro/ro.db sweep  -- \
      "$rk" sweep tiny2.ini --db ro/ro.db --force-new --quiet
  elif [ -n "$as_user" ]; then
    chmod 0444 ro/ro.db && chmod 0777 ro
    # shellcheck disable=SC2086
    check "read-only database" 1 "ro/ro.db is read-only" same:ro/ro.db sweep  -- \
      $as_user "$rk" sweep tiny2.ini --db ro/ro.db --force-new --quiet
  else
    skip "read-only database" "running as root without chattr +i or setpriv: permission bits do not stop root"
  fi

  # Locked: another process holds the write lock for the whole case.
  cp base.db locked.db
  mkfifo lock.ctl
  sqlite3 locked.db <lock.ctl >lock.out 2>&1 &
  holder=$!
  exec 3>lock.ctl
  echo "BEGIN EXCLUSIVE;" >&3
  tries=0
  while sqlite3 locked.db '.timeout 0' 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 && [ $tries -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  if [ $tries -ge 50 ]; then
    skip "database locked by another process" "could not take the lock with the sqlite3 shell"
  else
    check "database locked by another process" 1 "locked.db.*locked" same:locked.db sweep  -- \
      "$rk" sweep tiny2.ini --db locked.db --force-new --quiet
  fi
  echo "COMMIT;" >&3
  exec 3>&-
  wait "$holder" 2>/dev/null
  holder=

  # Another sweep writing the same database: a long run (16 GiB copied
  # without interruptions) holds it while the second sweep tries; the first
  # is then interrupted (SIGINT keeps what it committed) and the database
  # must still pass its integrity check.
  printf '[experiment long]\nscenario = kb977526-b-initiates\nfile.size = 16GiB\nreplications = 4\n' >long.ini
  "$rk" sweep long.ini --db busy.db --jobs 1 --quiet >long.out 2>&1 &
  holder=$!
  tries=0
  until "$rk" status --db busy.db 2>/dev/null | grep -q 'running' || [ $tries -ge 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  if [ $tries -ge 100 ] || ! kill -0 "$holder" 2>/dev/null; then
    skip "database being written by another sweep" "the first sweep did not start or ended too soon"
  else
    check "database being written by another sweep" 1 "busy.db is being written by another rekeysim sweep" \
      - sweep  -- "$rk" sweep tiny2.ini --db busy.db --quiet
  fi
  # A second SIGINT drops the run in hand instead of finishing it.
  kill -INT "$holder" 2>/dev/null
  sleep 0.2
  kill -INT "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  holder=
  if [ -e busy.db ] && [ "$(sqlite3 busy.db 'PRAGMA integrity_check' 2>&1)" != ok ]; then
    echo "FAIL: database being written by another sweep: busy.db fails PRAGMA integrity_check afterwards"
    n_fail=$((n_fail + 1))
  fi
else
  for c in "database from a newer schema" "read-only database" "database locked by another process"; do
    skip "$c" "needs the sqlite3 shell and a working sweep to make the database"
  done
fi

# ---- contradictory settings: a warning, still a result ----
# IPsec parameters with both policies none change nothing; `run` says so on
# stderr and still runs (exit 0).
"$rk" run --scenario no-ipsec ipsec.qm_lifetime=1h file.size=1MiB >out 2>err
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c '' err)" -eq 1 ] && grep -q 'warning: ipsec.qm_lifetime has no effect' err &&
  grep -q '^result' out; then
  echo "ok: contradictory settings: exit 0, warning: $(cat err)"; n_ok=$((n_ok + 1))
else
  echo "FAIL: contradictory settings (no-ipsec with ipsec.qm_lifetime): exit $rc, stderr '$(cat err)'" \
       "(wanted exit 0, one warning naming ipsec.qm_lifetime, the result on stdout)"
  n_fail=$((n_fail + 1))
fi

echo "bad input: $n_ok ok, $n_fail failed, $n_xfail known bugs (XFAIL), $n_skip skipped"
if [ $n_fail -gt 0 ]; then exit 1; fi
if [ $n_ok -eq 0 ] && [ $n_xfail -eq 0 ]; then exit 77; fi
exit 0
