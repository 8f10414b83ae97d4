#!/bin/sh
# bootstrap.sh: installs what rekeysim needs on Debian 12 (when run as root
# and something is missing) and builds it out of tree, in build/ (a VPATH
# build: the source tree only gets what autoreconf generates, which git
# ignores). The program is build/experiments/rekeysim, also reachable as
# build/rekeysim. Idempotent: a second run installs nothing and rebuilds only
# what changed. Run by experiments/main.sh and tests/run.sh;
# CONFIGURE_FLAGS adds configure options (a change re-configures build/).
set -eu
cd "$(dirname "$0")/.."
# Besides the build: what make check needs to run every test instead of
# skipping it. slurm-wlm and munge let tests/cluster/slurm-local.sh start a
# private single-node Slurm (their packaged services are not used; installed
# for both README commands, since this script serves both); procps (pgrep,
# ps) and groff-base for the process and man page tests; chromium for
# tests/results/check_report_chromium.sh (headless, the report's oracle);
# libpcap-dev to build `run --pcap`, tshark (with capinfos) as the oracle of
# tests/e2e/test_pcap.sh. tshark's debconf question (may non-root users
# capture?) is answered with its default, no, by the noninteractive frontend
# below: the install never prompts.
# Without any of them ./configure && make check still works: those tests
# skip with a reason.
need="autoconf automake make gcc pkg-config libgsl-dev libsqlite3-dev libcriterion-dev libinih-dev gnuplot-nox sqlite3 parallel valgrind git python3 clang-format slurm-wlm munge procps groff-base chromium libpcap-dev tshark"
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

# A checkout that was configured in place (before the build moved to
# build/) blocks a VPATH build: automake's configure refuses to run next to
# a ./config.status, and stale generated headers in the source tree would
# shadow build/'s. Clean it the way automake offers.
if [ -f config.status ] || [ -f Makefile ]; then
    echo "bootstrap: the source tree was configured in place by an older build; running 'make distclean' there (builds now go to build/)" >&2
    if [ -f Makefile ]; then make -s distclean >/dev/null 2>&1 || true; fi
    if [ -f config.status ] || [ -f Makefile ]; then
        echo "bootstrap: 'make distclean' did not clean $(pwd); remove config.status, Makefile and the build products there by hand, then run this again" >&2
        exit 1
    fi
    rm -f .configure-flags make-check.out
fi

[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ "${CONFIGURE_FLAGS:-}" != "$(cat .configure-flags 2>/dev/null)" ]; then
    # shellcheck disable=SC2086
    ../configure -q ${CONFIGURE_FLAGS:-}
    printf '%s' "${CONFIGURE_FLAGS:-}" > .configure-flags
fi
make -s -j"$(nproc)"
