#!/bin/sh
# experiments/main.sh: the README's main job. Installs what it needs (Debian
# 12, root), builds rekeysim, runs the KB 977526 sweep into
# results/kb977526.db (resuming if it was interrupted, doing nothing if it is
# complete), then writes its plots and report into results/.
set -eu
cd "$(dirname "$0")/.."
sh experiments/bootstrap.sh
rk=./experiments/rekeysim
db=results/kb977526.db
mkdir -p results
$rk sweep experiments/kb977526.ini --db "$db"
$rk plot --db "$db" --out results
$rk report --db "$db" --out results
echo "main: results in $db; plots results/kb977526-*.png; report results/report.html"
