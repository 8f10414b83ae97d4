#!/bin/sh
# slurm-sweep.sh: runs a sweep as a Slurm job array of N shards and merges
# the shard databases in a job that waits for all of them.
#
# Submit (from the project root):
#   experiments/cluster/slurm-sweep.sh SPEC.ini N_SHARDS [OUTDIR]
# which runs, for you:
#   sbatch --array=1-N  slurm-sweep.sh --shard SPEC.ini OUTDIR        (one task per shard)
#   sbatch --dependency=afterok:ARRAY slurm-sweep.sh --merge SPEC.ini OUTDIR N
# Each shard task works on a copy of its database on node-local disk
# ($SLURM_TMPDIR or $TMPDIR: SQLite's WAL mode needs a local file system)
# and copies it back to OUTDIR at the end, also when Slurm stops it early
# (SIGTERM: rekeysim commits the runs in hand). Resubmitting resumes: a task
# starts from the shard database already in OUTDIR.
# Environment: REKEYSIM (default: rekeysim on PATH).
#SBATCH --job-name=rekeysim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
#SBATCH --signal=B:TERM@120
set -eu
rk=${REKEYSIM:-rekeysim}

run_shard() { # SPEC OUTDIR
  spec=$1 outdir=$2
  k=${SLURM_ARRAY_TASK_ID:?not inside a job array}
  n=${SLURM_ARRAY_TASK_COUNT:?not inside a job array}
  name=$(basename "$spec" .ini)
  db=$name-$k-of-$n.db
  work=${SLURM_TMPDIR:-${TMPDIR:-/tmp}}/rekeysim-$name-$k-$$
  mkdir -p "$work" "$outdir"
  [ -f "$outdir/$db" ] && cp "$outdir/$db" "$work/$db"
  # In the background so that Slurm's early SIGTERM (sent to this shell,
  # --signal=B:TERM) reaches rekeysim, which then commits and stops.
  set +e
  "$rk" sweep "$spec" --db "$work/$db" --shard "$k/$n" --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' TERM
  wait "$pid"
  status=$?
  if [ "$status" -gt 128 ] && kill -0 "$pid" 2>/dev/null; then wait "$pid"; status=$?; fi
  set -e
  # Fold the WAL into the file before copying it back.
  if command -v sqlite3 >/dev/null 2>&1; then sqlite3 "$work/$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null || true; fi
  cp "$work/$db" "$outdir/$db.tmp" && mv "$outdir/$db.tmp" "$outdir/$db"
  rm -rf "$work"
  exit "$status"
}

merge_shards() { # SPEC OUTDIR N
  spec=$1 outdir=$2 n=$3
  name=$(basename "$spec" .ini)
  set --
  for k in $(seq 1 "$n"); do set -- "$@" "$outdir/$name-$k-of-$n.db"; done
  "$rk" merge "$outdir/$name.db" "$@"
  "$rk" status --db "$outdir/$name.db"
}

case ${1:-} in
  --shard) run_shard "$2" "$3" ;;
  --merge) merge_shards "$2" "$3" "$4" ;;
  ''|-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  *)
    spec=$1 n=${2:?N_SHARDS missing} outdir=${3:-results/slurm}
    command -v sbatch >/dev/null 2>&1 || { echo "$0: sbatch not found (no Slurm here)" >&2; exit 1; }
    self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
    mkdir -p "$outdir"
    array=$(sbatch --parsable --array=1-"$n" --output="$outdir/slurm-%A_%a.out" "$self" --shard "$spec" "$outdir")
    merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$outdir/slurm-%j-merge.out" "$self" --merge "$spec" "$outdir" "$n")
    echo "submitted shards as job array $array and the merge as job $merge; results in $outdir/$(basename "$spec" .ini).db"
    ;;
esac
