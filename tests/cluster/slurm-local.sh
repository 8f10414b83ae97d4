#!/bin/sh
# Runs experiments/cluster/slurm-sweep.sh on a local Slurm installation (a
# controller and a node on this machine) and checks that the merged shards
# equal a single sweep. Skipped (exit 77) where Slurm cannot run.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
top=${TOP_SRCDIR:?TOP_SRCDIR is not set; run through make check}
for tool in sbatch sinfo squeue sqlite3; do
  command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not found (no Slurm here)"; exit 77; }
done
sinfo -h >/dev/null 2>&1 || { echo "skip: no Slurm controller answers"; exit 77; }
tmp=$(mktemp -d -p "$PWD") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
printf '[experiment slurm]\nfile.size = 256KiB, 512KiB, 1MiB\nlink.loss = 0, 0.01\nreplications = 3\n' >slurm.ini
out=$(REKEYSIM=$rk "$top/experiments/cluster/slurm-sweep.sh" slurm.ini 2 "$tmp/out") || { echo "FAIL: submit: $out"; exit 1; }
echo "$out"
i=0
while [ ! -f out/slurm.db ] || squeue -h -u "$(id -un)" | grep -q rekeysim; do
  sleep 2; i=$((i + 1))
  [ $i -lt 150 ] || { echo "FAIL: the jobs did not finish within 5 minutes"; exit 1; }
done
"$rk" sweep slurm.ini --db single.db --jobs 1 --quiet >/dev/null || exit 1
q='SELECT point_id, replication, seed, completed, bytes_done, duration_s, events FROM runs ORDER BY 1, 2'
if [ "$(sqlite3 out/slurm.db "$q")" = "$(sqlite3 single.db "$q")" ] && [ -n "$(sqlite3 single.db "$q")" ]; then
  echo "ok: Slurm shards merged equal the single sweep"
else
  echo "FAIL: Slurm shards merged differ from the single sweep"; exit 1
fi
