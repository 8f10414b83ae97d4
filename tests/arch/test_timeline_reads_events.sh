#!/bin/sh
# The timeline plot must consume typed events, never trace text: the trace's
# wording is for people and may change. Fails if results/plot_run.c reads or
# parses text (stdio reads, sscanf, strstr, strtod, getline), and proves it
# can fail on a planted copy that does.
set -u
src="${TOP_SRCDIR:?}"
pattern='sscanf|strstr|strtod|strtol|getline|fgets|fscanf|fopen'
scan() { grep -nE "$pattern" "$1"; }
if scan "$src/results/plot_run.c"; then
    echo "FAIL: results/plot_run.c parses text (above); it must read ev_event fields"
    exit 1
fi
grep -q 'plot_timeline_event' "$src/results/plot_run.c" || { echo "FAIL: plot_run.c has no event sink"; exit 1; }
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
cp "$src/results/plot_run.c" "$tmp"
printf 'static int planted(const char *t) { unsigned id; return sscanf(t, "exchange %%u", &id); }\n' >> "$tmp"
scan "$tmp" > /dev/null || { echo "FAIL: the check missed a planted sscanf"; exit 1; }
echo "timeline: reads events only; a planted sscanf is caught"
exit 0
