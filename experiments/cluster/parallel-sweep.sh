#!/bin/sh
# parallel-sweep.sh: runs a sweep as N shards with GNU parallel, then merges
# the shard databases into one. Every shard is resumable: run the same
# command again after an interruption and only the missing runs are made.
#
# Usage: experiments/cluster/parallel-sweep.sh SPEC.ini N_SHARDS [OUT.db] [JOBS_PER_SHARD]
#   OUT.db          default results/<spec name>.db; shards go to OUT.db.shards/
#   JOBS_PER_SHARD  worker processes per shard (default 1: N shards use N cores)
# Environment: REKEYSIM (default: rekeysim on PATH); PARALLEL_OPTS, extra
# options for GNU parallel, for example "-S host1,host2 --sshdelay 0.1
# --transferfile {} --return ..." to spread shards over hosts (the shard
# database must then come back to this host before the merge: SQLite's WAL
# mode needs a local file system, so never point shards at NFS).
set -eu
usage() { echo "usage: $0 SPEC.ini N_SHARDS [OUT.db] [JOBS_PER_SHARD]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 4 ] || usage
spec=$1 n=$2
case $n in ''|*[!0-9]*) usage ;; esac
[ "$n" -ge 1 ] || usage
name=$(basename "$spec" .ini)
out=${3:-results/$name.db}
jobs=${4:-1}
rk=${REKEYSIM:-rekeysim}
shards=$out.shards
mkdir -p "$shards"
# shellcheck disable=SC2086
seq 1 "$n" | parallel --will-cite --halt now,fail=1 ${PARALLEL_OPTS:-} \
  "'$rk' sweep '$spec' --db '$shards/$name-{}-of-$n.db' --shard {}/$n --jobs $jobs --quiet"
set --
for k in $(seq 1 "$n"); do set -- "$@" "$shards/$name-$k-of-$n.db"; done
"$rk" merge "$out" "$@"
"$rk" status --db "$out"
