#!/bin/sh
# Runs experiments/cluster/slurm-sweep.sh on a real Slurm and checks that
# the merged shards equal a single sweep.
#
# If a Slurm controller already answers (sinfo works with the environment's
# configuration), the jobs go there. Otherwise, when run as root with the
# Debian packages slurm-wlm and munge installed, the test starts a private
# single-node Slurm for itself: a munged with its own key and socket, and
# slurmctld and slurmd with a minimal slurm.conf, all in a mktemp -d
# directory, on ports not the default ones. Everything it started is stopped
# and the directory removed on exit, also on failure or interruption.
# Where neither is possible it is skipped (exit 77) with a one-line reason.
# Every wait is bounded; the whole test takes well under five minutes.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
top=${TOP_SRCDIR:?TOP_SRCDIR is not set; run through make check}
skip() { echo "skip: $*"; exit 77; }
for tool in sbatch sinfo squeue scancel sqlite3; do
  command -v $tool >/dev/null 2>&1 || skip "$tool not found (no Slurm here)"
done

tmp=$(mktemp -d) || exit 99
# Process ids of the daemons this script started (empty: none), the jobs
# submitted, and the directory the jobs work in.
munged_pid='' ctld_pid='' slurmd_pid='' private=0 array='' merge='' jobdir=''

# Stops whatever this script started: first its jobs (so that no
# slurmstepd is left behind), then slurmd, slurmctld and munged, each by
# its process id, SIGKILL after ten seconds; then removes the directory.
stop_pid() { # PID
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  n=0
  while kill -0 "$1" 2>/dev/null && [ $n -lt 10 ]; do sleep 1; n=$((n + 1)); done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}
cleanup() {
  if [ -n "$array$merge" ]; then
    scancel $array $merge 2>/dev/null
    # With the private Slurm, wait (at most 20 s) for the jobs' ends.
    n=0
    while [ $private = 1 ] && [ -n "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done
  fi
  stop_pid "$slurmd_pid"
  stop_pid "$ctld_pid"
  stop_pid "$munged_pid"
  rm -rf "$tmp"
  [ -z "$jobdir" ] || rm -rf "$jobdir"
}
trap cleanup EXIT
# A signal ends the script through exit, so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' HUP TERM

# Prints the last lines of the daemons' logs (on a failure to start): their
# standard error, which has all that they log, in the foreground.
log_tails() {
  for f in "$tmp"/munge/stderr.log "$tmp"/slurm/slurmctld.stderr.log "$tmp"/slurm/slurmd.stderr.log; do
    [ -s "$f" ] || continue
    echo "--- tail of ${f#"$tmp"/}:"
    tail -n 12 "$f"
  done
}
# Skips after printing the daemons' log tails.
skip_logs() { log_tails; skip "$@"; }

if sinfo -h >/dev/null 2>&1; then
  echo "using the Slurm controller that answers already"
  # The jobs work in a directory under the current one, which on a
  # cluster is more likely than /tmp to be on a file system the nodes see.
  jobdir=$(mktemp -d -p "$PWD") || exit 99
else
  # --- Start a private single-node Slurm. -------------------------------
  [ "$(id -u)" -eq 0 ] || skip "no Slurm controller answers, and starting one needs root"
  for tool in munged munge unmunge slurmctld slurmd; do
    command -v $tool >/dev/null 2>&1 || skip "no Slurm controller answers, and $tool is not installed (apt-get install slurm-wlm munge)"
  done
  private=1
  host=$(hostname -s) || skip "hostname -s failed"
  cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN) || cpus=1
  # slurm-sweep.sh asks for two CPUs per task: a one-CPU machine claims two
  # (SlurmdParameters=config_overrides lets slurmd accept the node as
  # configured).
  [ "$cpus" -ge 2 ] 2>/dev/null || cpus=2
  # Ports from this process id, away from the default 6817/6818 so that a
  # configured (but stopped) system Slurm is not disturbed.
  port=$((20000 + ($$ % 20000) * 2))
  mkdir -m 700 "$tmp/munge" "$tmp/slurm" "$tmp/slurm/state" "$tmp/slurm/spool" "$tmp/slurm/tmp" "$tmp/job" || exit 99
  # munged wants its socket's directory and the ones above it searchable
  # by all (not listable: the name stays unguessable).
  mkdir -m 711 "$tmp/socket" && chmod 711 "$tmp" || exit 99
  jobdir=$tmp/job

  # munged with a fresh key and its own socket; Slurm finds the socket
  # through AuthInfo (both the auth/munge and cred/munge plugins read it).
  sock=$tmp/socket/munge.socket
  (umask 077 && dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null) || exit 99
  munged --foreground --socket="$sock" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
    --seed-file="$tmp/munge/munged.seed" >"$tmp/munge/stderr.log" 2>&1 &
  munged_pid=$!
  n=0
  until munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; do
    kill -0 "$munged_pid" 2>/dev/null || { munged_pid=''; skip_logs "munged did not start"; }
    n=$((n + 1)); [ $n -lt 10 ] || skip_logs "munged did not answer within 10 s"
    sleep 1
  done

  conf=$tmp/slurm/slurm.conf
  cat >"$conf" <<EOF
# A private single-node Slurm for tests/cluster/slurm-local.sh.
ClusterName=rekeysim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/slurm/state
SlurmdSpoolDir=$tmp/slurm/spool
SlurmctldPidFile=$tmp/slurm/slurmctld.pid
SlurmdPidFile=$tmp/slurm/slurmd.pid
SlurmctldLogFile=$tmp/slurm/slurmctld.log
SlurmdLogFile=$tmp/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
TmpFS=$tmp/slurm/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A merge job whose shards failed is cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
# Keeps finished jobs visible to squeue while the test looks at them.
MinJobAge=600
ReturnToService=2
SlurmdParameters=config_overrides
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=256 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  # The clients (sinfo, sbatch, ...) and the jobs (sbatch exports the
  # environment) use this configuration.
  SLURM_CONF=$conf
  export SLURM_CONF
  # -D: in the foreground, so that $! is the daemon; -c/-i: no old state.
  slurmctld -D -c -i -f "$conf" >"$tmp/slurm/slurmctld.stderr.log" 2>&1 &
  ctld_pid=$!
  slurmd -D -f "$conf" -N "$host" >"$tmp/slurm/slurmd.stderr.log" 2>&1 &
  slurmd_pid=$!
  # Wait (at most 60 s) for the node to be idle.
  n=0
  until [ "$(sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ]; do
    kill -0 "$ctld_pid" 2>/dev/null || { ctld_pid=''; skip_logs "slurmctld did not start"; }
    kill -0 "$slurmd_pid" 2>/dev/null || { slurmd_pid=''; skip_logs "slurmd did not start"; }
    n=$((n + 1)); [ $n -lt 60 ] || skip_logs "the Slurm node was not idle within 60 s (state: $(sinfo -h -n "$host" -o %t 2>&1))"
    sleep 1
  done
  echo "started a private Slurm (slurmctld, slurmd, munged) on $host, ports $port and $((port + 1))"
fi

# --- Run the sweep as a job array and merge it. --------------------------
cd "$jobdir" || exit 99
printf '[experiment slurm]\nfile.size = 256KiB, 512KiB, 1MiB\nlink.loss = 0, 0.01\nreplications = 3\n' >slurm.ini
out=$(REKEYSIM=$rk "$top/experiments/cluster/slurm-sweep.sh" slurm.ini 2 "$jobdir/out" 2>&1) || { echo "FAIL: submit: $out"; exit 1; }
echo "$out"
array=$(echo "$out" | sed -n 's/.*job array \([0-9][0-9]*\).*/\1/p')
merge=$(echo "$out" | sed -n 's/.*merge as job \([0-9][0-9]*\).*/\1/p')
[ -n "$array" ] && [ -n "$merge" ] || { echo "FAIL: no job ids in the submit message"; exit 1; }

# Prints the jobs' output files (on a failure).
job_outputs() {
  for f in out/slurm-*.out; do
    [ -f "$f" ] || continue
    echo "--- $f:"
    tail -n 20 "$f"
  done
}
# Waits (at most 3 minutes) until no job of the array or the merge is
# pending or running; then every one of them must have COMPLETED.
n=0
while :; do
  states=$(squeue -h -t all -j "$array,$merge" -o '%i %T %r' 2>&1)
  case $states in
    *DependencyNeverSatisfied*) echo "FAIL: a shard failed, the merge cannot run:"; echo "$states"; job_outputs; exit 1 ;;
    *PENDING*|*RUNNING*|*CONFIGURING*|*COMPLETING*|*SUSPENDED*|*REQUEUE*|*RESIZING*|*SIGNALING*|*STAGE_OUT*) ;;
    *) break ;;
  esac
  n=$((n + 1))
  [ $n -lt 90 ] || { echo "FAIL: the jobs did not finish within 3 minutes:"; echo "$states"; job_outputs; exit 1; }
  sleep 2
done
if echo "$states" | grep -v ' COMPLETED ' | grep -q .; then
  echo "FAIL: not every job completed:"; echo "$states"; job_outputs; exit 1
fi
[ -f out/slurm.db ] || { echo "FAIL: the merge made no out/slurm.db"; job_outputs; exit 1; }
echo "jobs: $(echo "$states" | sed 's/ *None$//' | tr '\n' ',' | sed 's/,$//; s/,/, /g')"

"$rk" sweep slurm.ini --db single.db --jobs 1 --quiet >/dev/null || { echo "FAIL: single sweep"; exit 1; }
q='SELECT point_id, replication, seed, completed, bytes_done, duration_s, events FROM runs ORDER BY 1, 2'
if [ "$(sqlite3 out/slurm.db "$q")" = "$(sqlite3 single.db "$q")" ] && [ -n "$(sqlite3 single.db "$q")" ]; then
  echo "ok: Slurm shards merged equal the single sweep"
else
  echo "FAIL: Slurm shards merged differ from the single sweep"; job_outputs; exit 1
fi
