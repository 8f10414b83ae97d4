#!/bin/sh
# experiments/main.sh: the README's main job. Installs what it needs (Debian
# 12, root), builds rekeysim in build/, runs the KB 977526 sweep into
# results/kb977526/kb977526.db (resuming if it was interrupted, doing nothing
# if it is complete), then writes its plots and report into the same folder:
# one output folder per experiment, ignored by git.
set -eu
cd "$(dirname "$0")/.."
sh experiments/bootstrap.sh
rk=build/rekeysim
exp=kb977526
out=results/$exp
db=$out/$exp.db
mkdir -p "$out"
$rk sweep experiments/$exp.ini --db "$db"
$rk plot --db "$db" --out "$out"
$rk report --db "$db" --out "$out"
echo "main: results in $db; plots $out/$exp-*.png; report $out/report.html"
