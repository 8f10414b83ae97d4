#!/bin/sh
# bootstrap.sh: installs what rekeysim needs on Debian 12 (when run as root
# and something is missing) and builds it in place. Idempotent: a second run
# installs nothing and rebuilds only what changed. Sourced by
# experiments/main.sh and tests/run.sh; CONFIGURE_FLAGS adds configure options.
set -eu
cd "$(dirname "$0")/.."
need="autoconf automake make gcc pkg-config libgsl-dev libsqlite3-dev libcriterion-dev libinih-dev gnuplot-nox sqlite3 parallel valgrind git python3"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "bootstrap: missing Debian packages:$missing" >&2
        echo "bootstrap: run this as root, or first: sudo apt-get install$missing" >&2
        exit 1
    fi
    echo "bootstrap: installing$missing" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ -x configure ] || autoreconf -fi
if [ ! -f Makefile ] || [ "${CONFIGURE_FLAGS:-}" != "$(cat .configure-flags 2>/dev/null)" ]; then
    # shellcheck disable=SC2086
    ./configure -q ${CONFIGURE_FLAGS:-}
    printf '%s' "${CONFIGURE_FLAGS:-}" > .configure-flags
fi
make -s -j"$(nproc)"
