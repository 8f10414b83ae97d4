#!/bin/sh
# Runs the GNU parallel recipe (experiments/cluster/parallel-sweep.sh) for
# real: three shards in parallel, merged, must equal a single sweep; running
# the recipe again must make no run.
set -u
rk=${REKEYSIM:?REKEYSIM is not set; run through make check}
top=${TOP_SRCDIR:?TOP_SRCDIR is not set; run through make check}
for tool in parallel sqlite3; do
  command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not found"; exit 77; }
done
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
printf '[experiment par]\nscenario = no-ipsec, kb977526\nfile.size = 256KiB..2MiB log 4\nlink.loss = 0.002\nreplications = 3\n' >par.ini
REKEYSIM=$rk "$top/experiments/cluster/parallel-sweep.sh" par.ini 3 out.db >log 2>&1 || { echo "FAIL: recipe: $(cat log)"; exit 1; }
"$rk" sweep par.ini --db single.db --jobs 2 --quiet >/dev/null || { echo "FAIL: single sweep"; exit 1; }
q='SELECT point_id, replication, seed, completed, failure, bytes_done, duration_s, n_retransmits, events FROM runs ORDER BY 1, 2'
fails=0
if [ "$(sqlite3 out.db "$q")" = "$(sqlite3 single.db "$q")" ] && [ "$(sqlite3 single.db 'SELECT count(*) FROM runs')" -eq 24 ]; then
  echo "ok: three shards run by GNU parallel and merged equal the single sweep"
else
  echo "FAIL: the merged shards differ from the single sweep"; fails=1
fi
REKEYSIM=$rk "$top/experiments/cluster/parallel-sweep.sh" par.ini 3 out.db >log 2>&1 || { echo "FAIL: recipe again: $(cat log)"; exit 1; }
if [ "$(grep -c 'nothing to do' log)" -eq 3 ] && [ "$(sqlite3 out.db 'SELECT count(*) FROM runs')" -eq 24 ]; then
  echo "ok: the recipe run again makes nothing"
else
  echo "FAIL: the recipe run again: $(cat log)"; fails=1
fi
exit $fails
