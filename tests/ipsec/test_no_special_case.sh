#!/bin/sh
# The founding case must emerge from mechanism: no model or kernel file may
# name a KB 977526 preset (the lower-case preset names), so none can test for
# it. Only the preset table names them. Citations of the KB as the source of
# a default ("KB 977526 [S]") are allowed.
cd "${TOP_SRCDIR:?}" || exit 99
presets=models/core/presets.c
hits=$(grep -lE 'kb977526' models/*.c models/*.h models/core/*.c models/core/*.h sim/*.c sim/*.h | grep -v "^$presets\$")
if [ -n "$hits" ]; then
    echo "files other than $presets that name a KB 977526 preset:"
    grep -nE 'kb977526' $hits
    exit 1
fi
# The test must be able to fail: the preset table itself does name it.
grep -q 'kb977526' "$presets" || { echo "$presets no longer names kb977526?"; exit 1; }
exit 0
