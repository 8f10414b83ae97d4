#!/bin/sh
# Loads a rekeysim report in headless Chromium and checks that the page logs
# no console messages (no script errors, no failed loads: the page must be
# self-contained) and that its screenshot is not blank. Part of `make
# check`, which skips it where configure found no chromium or no gnuplot
# ($REKEYSIM_CHROMIUM, $REKEYSIM_GNUPLOT from tests/local.mk: "no"), since
# Chromium is a large optional dependency; also runs by hand.
#
#   tests/results/check_report_chromium.sh [REPORT.html]
#
# Without an argument it builds a report from tests/results/fixture.ini,
# fixture_answer.ini (the answer table's threshold search and a scenario
# that never establishes; one `rekeysim whatif` stored into the database)
# and fixture_fleet.ini (fleets: the fleet_complete and makespan figures and
# the fleet findings) with
# $REKEYSIM (default: build/rekeysim of this source tree).
# Exit status: 0 pass, 1 fail, 77 skipped (no chromium: Debian package
# `chromium`; no gnuplot to draw the figures of the report it builds).
set -u
chromium=${CHROMIUM:-${REKEYSIM_CHROMIUM:-/usr/bin/chromium}}
if [ "$chromium" = no ] || [ ! -x "$chromium" ]; then
  echo "SKIP: chromium not found${REKEYSIM_CHROMIUM:+ by configure} (apt-get install chromium)"
  exit 77
fi
if [ -z "${1:-}" ] && { [ "${REKEYSIM_GNUPLOT:-}" = no ] || ! command -v gnuplot >/dev/null 2>&1; }; then
  echo "SKIP: gnuplot not found, so the report has no figures to check (apt-get install gnuplot-nox)"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

report=${1:-}
if [ -z "$report" ]; then
  rk=${REKEYSIM:-$(cd "$here/../.." && pwd)/build/rekeysim}
  [ -x "$rk" ] || { echo "FAIL: no rekeysim at $rk (set REKEYSIM)"; exit 1; }
  "$rk" sweep "$here/fixture.ini" --db "$tmp/fixture.db" --jobs 2 --quiet >/dev/null || { echo "FAIL: sweep"; exit 1; }
  # A threshold search and a scenario that never establishes, for the answer table's cells.
  "$rk" sweep "$here/fixture_answer.ini" --db "$tmp/fixture.db" --jobs 2 --quiet >/dev/null ||
    { echo "FAIL: sweep of fixture_answer.ini"; exit 1; }
  # Fleets, for the two fleet figures and the fleet findings under the answer table.
  "$rk" sweep "$here/fixture_fleet.ini" --db "$tmp/fixture.db" --jobs 2 --quiet >/dev/null ||
    { echo "FAIL: sweep of fixture_fleet.ini"; exit 1; }
  # What-if rows too, so the page's what-if finding is rendered and checked.
  "$rk" whatif --scenario kb977526 file.size=256MiB --db "$tmp/fixture.db" >/dev/null || { echo "FAIL: whatif"; exit 1; }
  "$rk" report --db "$tmp/fixture.db" --out "$tmp/out" >/dev/null || { echo "FAIL: report"; exit 1; }
  report=$tmp/out/report.html
  grep -q 'data-kind="best_whatif"' "$report" || { echo "FAIL: the report has no what-if finding"; exit 1; }
  for state in bracketed tested all_pass never; do
    grep -q "<td class=\"ans $state\"" "$report" || { echo "FAIL: the answer table has no $state cell"; exit 1; }
  done
  echo "ok: the answer table has bracketed, tested, all_pass and never-establishes cells"
  for kind in fleet_complete makespan; do
    grep -q "<figure id=\"fig-fleet-$kind\" data-kind=\"$kind\"" "$report" ||
      { echo "FAIL: the report has no $kind figure"; exit 1; }
  done
  for kind in fleet_complete fleet_makespan; do
    grep -q "<li data-kind=\"$kind\"" "$report" || { echo "FAIL: the report has no $kind finding"; exit 1; }
  done
  echo "ok: the fleet_complete and makespan figures and the fleet findings are in the report"
fi
[ -r "$report" ] || { echo "FAIL: cannot read $report"; exit 1; }
abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")

# A fresh profile, no network services; the console goes to stderr.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
  --enable-logging=stderr --v=0 --window-size=1280,2400 --screenshot="$tmp/shot.png" \
  "file://$abs" >"$tmp/chromium.out" 2>"$tmp/chromium.log"
rc=$?
fails=0
if [ $rc -ne 0 ]; then
  echo "FAIL: chromium exited $rc"; tail -5 "$tmp/chromium.log"; fails=1
fi
# Console messages look like "...:INFO:CONSOLE(12)] "message", source: ...".
if grep -q 'CONSOLE' "$tmp/chromium.log"; then
  echo "FAIL: console messages:"; grep 'CONSOLE' "$tmp/chromium.log" | head -10; fails=1
else
  echo "ok: no console messages"
fi
# Requests the page made beyond its own file (there must be none).
if grep -E 'net::ERR_|Failed to load resource' "$tmp/chromium.log" | grep -q .; then
  echo "FAIL: the page tried to load something:"; grep -E 'net::ERR_|Failed to load' "$tmp/chromium.log" | head -5
  fails=1
fi
if [ ! -s "$tmp/shot.png" ]; then
  echo "FAIL: no screenshot"; fails=1
elif command -v python3 >/dev/null 2>&1; then
  # Non-blank: decode the PNG (zlib, filters) and count distinct colours.
  if python3 - "$tmp/shot.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), 'unexpected PNG format'
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw, stride, prev, colours, pixels = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set(), 0
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, w, 4):
            colours.add(bytes(line[x * bpp:x * bpp + 3]))
            pixels += 1
    prev = line
print('screenshot %dx%d, %d distinct colours in %d sampled pixels' % (w, h, len(colours), pixels))
sys.exit(0 if len(colours) >= 16 else 1)
EOF
  then echo "ok: the screenshot is not blank"
  else echo "FAIL: the screenshot is blank"; fails=1; fi
else
  size=$(wc -c <"$tmp/shot.png")
  if [ "$size" -gt 20000 ]; then echo "ok: screenshot of $size bytes (no python3 for a pixel check)"
  else echo "FAIL: screenshot of only $size bytes"; fails=1; fi
fi
[ $fails -eq 0 ] && echo "PASS: $report" || echo "FAIL: $report"
exit $fails
