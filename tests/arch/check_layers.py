#!/usr/bin/env python3
"""Checks the layering of rekeysim's sources (doc/design.md, "Layers").

Reads every #include "..." of sim/, models/core/ and models/ under ROOT and
fails (exit 1, one line per violation) when:
  - a sim/ file includes anything outside sim/ (the kernel knows no network);
  - a models/core/ file (the leaf layer) includes anything outside
    models/core/ and sim/;
  - a protocol model (models/*.c, models/*.h) includes anything but
    models/core/, sim/ and models/ itself, or includes the assembler
    (models/scenario.h, models/scenario_int.h) without being it;
  - the modules of models/ form an include cycle (a module is a file's name
    without its extension and without a trailing _int: ipsec.c, ipsec.h and
    ipsec_int.h are module ipsec).
Usage: check_layers.py ROOT
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root, sub):
    d = os.path.join(root, sub)
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(sub, f) for f in os.listdir(d) if f.endswith((".c", ".h")))


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def module(path):
    base = os.path.splitext(os.path.basename(path))[0]
    return os.path.dirname(path) + "/" + re.sub(r"_int$", "", base)


def main(root):
    bad = []
    for p in sources(root, "sim"):
        for inc in includes(root, p):
            if not inc.startswith("sim/") and inc != "config.h":
                bad.append(f"{p}: the kernel includes {inc} (sim/ may include only sim/)")
    for p in sources(root, "models/core"):
        for inc in includes(root, p):
            if not (inc.startswith("models/core/") or inc.startswith("sim/") or inc == "config.h"):
                bad.append(f"{p}: the leaf layer includes {inc} (models/core may include only models/core and sim)")
    assembler = {"models/scenario.h", "models/scenario_int.h"}
    edges = {}
    for p in sources(root, "models") + sources(root, "models/core"):
        m = module(p)
        edges.setdefault(m, set())
        for inc in includes(root, p):
            if p.startswith("models/core/"):
                pass
            elif not (inc.startswith("models/") or inc.startswith("sim/") or inc == "config.h"):
                bad.append(f"{p}: a protocol model includes {inc} (only models/ and sim/)")
            if inc in assembler and module(p) != "models/scenario":
                bad.append(f"{p}: includes the assembler {inc}; nothing below scenario.c may")
            if inc.startswith("models/") and os.path.exists(os.path.join(root, inc)):
                t = module(inc)
                if t != m:
                    edges[m].add(t)
    # Cycle detection over the module graph (iterative DFS, colours).
    colour = {m: 0 for m in edges}
    for start in sorted(edges):
        if colour[start]:
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
                continue
            if nxt not in colour:
                continue
            if colour[nxt] == 1:
                cyc = path[path.index(nxt):] + [nxt]
                bad.append("include cycle among models/ modules: " + " -> ".join(cyc))
            elif colour[nxt] == 0:
                colour[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(edges[nxt]))))
    for line in bad:
        print(line)
    n_files = len(sources(root, "sim") + sources(root, "models") + sources(root, "models/core"))
    print(f"check_layers: {n_files} files, {sum(len(v) for v in edges.values())} module edges, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
