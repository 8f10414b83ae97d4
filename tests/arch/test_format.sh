#!/bin/sh
# The C sources follow the checked-in .clang-format (STYLE.md). Needs
# clang-format 14, the version of Debian 12 the file was written for (other
# versions format some constructs differently): SKIP (77) without it.
set -u
src="${TOP_SRCDIR:?}"
cf=$(command -v clang-format-14 || command -v clang-format) || { echo "SKIP: no clang-format"; exit 77; }
"$cf" --version | grep -q 'version 14\.' || { echo "SKIP: $("$cf" --version) is not clang-format 14"; exit 77; }
cd "$src" || exit 99
files=$(git ls-files 'sim/*.[ch]' 'models/*.[ch]' 'models/core/*.[ch]' 'experiments/*.[ch]' 'results/*.[ch]' \
    'tests/*.[ch]' 'bench/*.[ch]' 2>/dev/null) || files=""
[ -n "$files" ] || files=$(find sim models experiments results tests bench -name '*.[ch]' ! -name schema_sql.h ! -name build_info.h)
# shellcheck disable=SC2086
if ! "$cf" --dry-run -Werror $files 2>"${TMPDIR:-/tmp}/rekeysim-format.$$"; then
    head -n 30 "${TMPDIR:-/tmp}/rekeysim-format.$$"
    rm -f "${TMPDIR:-/tmp}/rekeysim-format.$$"
    echo "FAIL: run clang-format -i on the files above"
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/rekeysim-format.$$"
echo "format: $(echo "$files" | wc -w) files follow .clang-format"
exit 0
