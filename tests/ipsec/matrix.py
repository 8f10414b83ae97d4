#!/usr/bin/env python3
"""The OS pair matrix (doc/domain.md, "OS pairs").

Every cell is one `rekeysim run --json`: client OS x server OS in {xp, 2003,
vista, 2008}, each host's certificate valid / none / expired, each host's
policy none / fallback (negotiate with both fallback-to-clear boxes) /
require, each host's Simple Policy Update with IKEFlags 0x14 on / off:
16 x 9 x 9 x 4 = 5,184 cells.

The expectations are the class table between the `matrix:begin` and
`matrix:end` markers of doc/domain.md, read from there (the documented table
is the one checked; there is no second copy). Rows are tried in order and the
first whose condition holds decides the cell.

  matrix.py check REKEYSIM DOMAIN_MD [--size S] [--only CLASS]
                                                  run every cell (or CLASS's), compare with the table
  matrix.py show  REKEYSIM [--size S] [KEY=VALUE...]  the outcome of the cells that match
  matrix.py grid  REKEYSIM [--size S]              README's grid (markdown) of the main combos

Exit 0 when every cell matches, 1 when one does not (each mismatch printed),
2 on a malformed table.
"""
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile

OSES = ["xp", "2003", "vista", "2008"]
CERTS = ["valid", "none", "expired"]
POLICIES = ["none", "fallback", "require"]
UPDATES = ["on", "off"]
LEGACY = {"xp", "2003"}

# The variables a condition may name, and the values each takes. `legacy` and
# `vista` are OS families (xp/2003 and vista/2008); `bad` is a certificate
# that is not valid (none or expired).
VARS = {
    "c.os": OSES, "s.os": OSES,
    "c.cert": CERTS, "s.cert": CERTS,
    "c.pol": POLICIES, "s.pol": POLICIES,
    "c.upd": UPDATES, "s.upd": UPDATES,
}
ALIASES = {
    "legacy": {"xp", "2003"}, "vista": {"vista", "2008"}, "bad": {"none", "expired"},
}


def cells():
    for cos, sos, cc, sc, cp, sp, cu, su in itertools.product(
            OSES, OSES, CERTS, CERTS, POLICIES, POLICIES, UPDATES, UPDATES):
        yield {"c.os": cos, "s.os": sos, "c.cert": cc, "s.cert": sc,
               "c.pol": cp, "s.pol": sp, "c.upd": cu, "s.upd": su}


def side_args(role, pol, upd):
    """The registry settings of one host's IPsec choices."""
    if pol == "none":
        return ["%s.ipsec.policy=none" % role]
    a = ["%s.ipsec.policy=%s" % (role, "negotiate" if pol == "fallback" else "require")]
    on = "on" if pol == "fallback" else "off"
    a += ["%s.ipsec.fallback=%s" % (role, on), "%s.ipsec.inbound_clear=%s" % (role, on)]
    a += ["%s.ipsec.update=%s" % (role, upd), "%s.ipsec.ikeflags=%s" % (role, "0x14" if upd == "on" else "0")]
    return a


def run_args(cell, size):
    a = ["--scenario", "no-ipsec", "link.rate=100Mbps", "file.size=" + size,
         "client.os=" + cell["c.os"], "server.os=" + cell["s.os"],
         "client.cert=" + cell["c.cert"], "server.cert=" + cell["s.cert"]]
    if cell["c.pol"] != "none" or cell["s.pol"] != "none":
        a += side_args("client", cell["c.pol"], cell["c.upd"])
        a += side_args("server", cell["s.pol"], cell["s.upd"])
    return a


EVENTS = os.path.join(tempfile.mkdtemp(prefix="rekeysim-matrix."), "events.tsv")


def run(rekeysim, cell, size, records=True):
    """One cell's `run --json` outcome, plus (RECORDS) `records`: the SA
    record kinds each host installed ({"client": {"hard", ...}, "server":
    ...}), from its event table (which costs time on long copies)."""
    ev = ["--events", EVENTS] if records else []
    p = subprocess.run([rekeysim, "run", "--json"] + ev + run_args(cell, size),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("rekeysim run %s: exit %d: %s" % (" ".join(run_args(cell, size)), p.returncode, p.stderr))
    r = json.loads(p.stdout)
    if not records:
        return r
    r["records"] = {"client": set(), "server": set()}
    with open(EVENTS, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        ih, ie, idet = head.index("host"), head.index("event"), head.index("detail")
        for line in f:
            c = line.rstrip("\n").split("\t")
            if c[ie] == "sa_install":
                r["records"][c[ih]].add(c[idet])
    return r


def outcome(r):
    """The class of a run: plain (completed, no IKE at all), esp (completed,
    both hosts installed hard SAs and neither a soft or clear record), clear
    (completed otherwise: fallback, or a failed discovery exchange), blocked
    (failure blocked) or failed (any other failure)."""
    if r["completed"]:
        if r["n_negotiations"] == 0:
            return "plain"
        rec = r["records"]
        if all("hard" in rec[h] and not rec[h] & {"soft", "clear"} for h in rec):
            return "esp"
        return "clear"
    if r["failure"] == "blocked":
        return "blocked"
    return "failed"


# ---- the table in doc/domain.md ----------------------------------------

def parse_cond(text, where):
    """`c.pol=none & s.pol=fallback,require` -> list of (var, set, negated)."""
    terms = []
    if text.strip() in ("", "*", "any other"):
        return terms
    for t in text.split("&"):
        m = re.fullmatch(r"\s*`?\s*([cs]\.(?:os|cert|pol|upd))\s*(!?=)\s*([\w,]+)\s*`?\s*", t)
        if not m:
            raise ValueError("%s: cannot read condition term %r" % (where, t.strip()))
        var, op, vals = m.groups()
        allowed = set()
        for v in vals.split(","):
            if v in ALIASES:
                allowed |= ALIASES[v]
            elif v in VARS[var]:
                allowed.add(v)
            else:
                raise ValueError("%s: %s has no value %r" % (where, var, v))
        terms.append((var, allowed, op == "!="))
    return terms


def holds(terms, cell):
    return all((cell[v] in s) != neg for v, s, neg in terms)


def parse_setup(text, where):
    """`--`, `< 0.01`, `0.4..0.6` -> (lo, hi) in seconds, or None for no setup."""
    t = text.strip().replace(" s", "").replace("s", "")
    if t in ("--", "—", "-"):
        return None
    m = re.fullmatch(r"<\s*([\d.]+)", t)
    if m:
        return (0.0, float(m.group(1)))
    m = re.fullmatch(r"([\d.]+)\s*\.\.\s*([\d.]+)", t)
    if m:
        return (float(m.group(1)), float(m.group(2)))
    raise ValueError("%s: cannot read setup bound %r" % (where, text))


def read_table(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"<!-- matrix:begin -->\n(.*?)<!-- matrix:end -->", text, re.S)
    if not m:
        raise ValueError("%s: no <!-- matrix:begin --> ... <!-- matrix:end --> table" % path)
    rows = []
    for n, line in enumerate(m.group(1).splitlines()):
        if not line.startswith("|") or re.match(r"\|\s*-", line) or n == 0:
            continue
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) < 6:
            raise ValueError("%s: table row %r has %d columns, wants 6" % (path, line, len(cols)))
        name, cond, out, setup = cols[0], cols[1], cols[2].strip("`"), cols[3]
        where = "%s: class %s" % (path, name)
        if out not in ("esp", "clear", "plain", "blocked", "failed"):
            raise ValueError("%s: unknown outcome %r" % (where, out))
        rows.append({"name": name, "terms": parse_cond(cond.replace("`", ""), where), "out": out,
                     "setup": parse_setup(setup, where)})
    if not rows:
        raise ValueError("%s: the matrix table has no rows" % path)
    return rows


def classify(rows, cell):
    for row in rows:
        if holds(row["terms"], cell):
            return row
    return None


def describe(cell):
    return "client %s/%s/%s/upd=%s server %s/%s/%s/upd=%s" % (
        cell["c.os"], cell["c.cert"], cell["c.pol"], cell["c.upd"],
        cell["s.os"], cell["s.cert"], cell["s.pol"], cell["s.upd"])


def check(rekeysim, domain, size, only=None):
    try:
        rows = read_table(domain)
    except ValueError as e:
        print(e)
        return 2
    if only is not None and only not in [r["name"] for r in rows]:
        print("%s: no class %s" % (domain, only))
        return 2
    bad = 0
    per_class = {r["name"]: 0 for r in rows if only is None or r["name"] == only}
    n = 0
    for cell in cells():
        row = classify(rows, cell)
        if row is None:
            print("no class for", describe(cell))
            bad += 1
            continue
        if only is not None and row["name"] != only:
            continue
        n += 1
        per_class[row["name"]] += 1
        r = run(rekeysim, cell, size)
        got = outcome(r)
        msg = []
        if got != row["out"]:
            msg.append("outcome %s, class %s predicts %s" % (got, row["name"], row["out"]))
        s = r["setup_s"]
        if row["setup"] is None:
            if s is not None:
                msg.append("set up after %s s, class %s predicts no setup" % (s, row["name"]))
        elif s is None or not (row["setup"][0] <= s <= row["setup"][1]):
            msg.append("setup %s s outside class %s's %g..%g s" % (s, row["name"], row["setup"][0], row["setup"][1]))
        if msg:
            bad += 1
            if bad <= 40:
                print("%s: %s (%s %s)" % (describe(cell), "; ".join(msg), r["failure"], run_args(cell, size)))
    for name, k in per_class.items():
        print("class %-4s %5d cells" % (name, k))
        if k == 0:
            print("class %s decides no cell: it is dead and should go" % name)
            bad += 1
    print("%d cells, %d not as the table says" % (n, bad))
    return 1 if bad else 0


def show(rekeysim, size, filters):
    want = dict(f.split("=", 1) for f in filters)
    for cell in cells():
        if any(cell[k] != v for k, v in want.items()):
            continue
        r = run(rekeysim, cell, size)
        print("%-70s %-7s %-14s setup=%s" % (describe(cell), outcome(r), r["failure"], r["setup_s"]))


# ---- README's grid ------------------------------------------------------

GRID_COMBOS = [
    ("both certs valid, both fallback", {"c.cert": "valid", "s.cert": "valid"}),
    ("client without cert, both fallback (KB 977526's setting)", {"c.cert": "none", "s.cert": "valid"}),
    ("server without cert, both fallback", {"c.cert": "valid", "s.cert": "none"}),
    ("both certs valid, client fallback, server not IPsec-aware (policy none)",
     {"c.cert": "valid", "s.cert": "valid", "s.pol": "none"}),
]


def grid(rekeysim, size):
    base = {"c.pol": "fallback", "s.pol": "fallback", "c.upd": "on", "s.upd": "on"}
    print("<!-- generated by: python3 tests/ipsec/matrix.py grid build/rekeysim --size %s -->" % size)
    print("Each cell: outcome, setup time, interruptions (and the longest) of a %s copy at 100 Mbps,"
          " seed 1; unless a title says otherwise both hosts negotiate with fallback to clear, the update and"
          " IKEFlags 0x14;"
          " a copy that died is marked with its failure and the bytes delivered." % size)
    for title, combo in GRID_COMBOS:
        print()
        print("**%s**" % title)
        print()
        print("| client \\ server | " + " | ".join(OSES) + " |")
        print("|---" * (len(OSES) + 1) + "|")
        for cos in OSES:
            line = ["%s" % cos]
            for sos in OSES:
                cell = dict(base, **combo)
                cell["c.os"], cell["s.os"] = cos, sos
                r = run(rekeysim, cell, size, records=False)
                res = "done" if r["completed"] else "**%s** at %d MB" % (r["failure"], r["bytes_done"] // 1000000)
                setup = "%.2f s" % r["setup_s"] if r["setup_s"] is not None else "no setup"
                ints = r["interruptions"]
                longest = max([(i["end_s"] if i["end_s"] is not None else r["duration_s"]) - i["start_s"]
                               for i in ints], default=0.0)
                stalls = "%d" % len(ints) + (" (longest %.2f s)" % longest if ints else "")
                line.append("%s, %s, %s" % (res, setup, stalls))
            print("| " + " | ".join(line) + " |")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "show", "grid"):
        print(__doc__)
        return 2
    size = "1MiB"
    rest = argv[3:]
    if "--size" in rest:
        i = rest.index("--size")
        size = rest[i + 1]
        del rest[i:i + 2]
    if argv[1] == "check":
        only = None
        if "--only" in rest:
            i = rest.index("--only")
            only = rest[i + 1]
            del rest[i:i + 2]
        return check(argv[2], rest[0], size, only)
    if argv[1] == "show":
        show(argv[2], size, rest)
        return 0
    grid(argv[2], "2GiB" if size == "1MiB" else size)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
