#!/usr/bin/env python3
"""Fails when a source file includes one of orbit's headers from a layer above its own.

The layers, bottom up (shared/DESIGN.md, README "Architecture"); a file may include its own
folder and any folder of a lower rank, never one of the same rank or above. Folders of one
rank are siblings and must not include each other. Tests and benchmarks sit above everything.

    python3 tests/check_layers.py [SOURCE_ROOT]       exit 0 clean, 1 with one line per breach
"""
import os
import re
import sys

LAYERS = [  # (folder, rank)
    ("core/base", 0),      # ground: errors, hashing, checksums, packet views, the result record
    ("core/probe", 1),     # probe kinds: template, build, classify; the reply peel
    ("core/osfp", 2),      # passive OS fingerprints (p0f format) of TCP replies
    ("targets", 2),        # the walk and its sets
    ("nic", 2),            # packet I/O backends
    ("config", 3),         # options -> config (uses targets' parsers)
    ("output", 4),         # fields, formats, sinks, metadata
    ("core/followup", 5),  # the follow-up pool, its loop, TLS, modules
    ("core/script", 6),    # the script engine (Lua 5.4, nmap's NSE API) on the follow-up loop
    ("core/scan", 7),      # lifecycle, tx, rx, totals, main
]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    for folder, rank in LAYERS:
        if path == folder or path.startswith(folder + "/"):
            return folder, rank
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    breaches = []
    checked = 0
    for folder, _ in LAYERS:
        for dirpath, _, names in os.walk(os.path.join(root, folder)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                mine = layer_of(path)
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    text = f.read()
                for inc in INCLUDE.findall(text):
                    checked += 1
                    theirs = layer_of(inc)
                    if theirs is None:
                        if not os.path.exists(os.path.join(dirpath, inc)):
                            breaches.append(f"{path}: includes \"{inc}\", which is in no layer")
                        continue
                    if theirs[0] == mine[0]:
                        continue
                    if theirs[1] >= mine[1]:
                        how = "a sibling" if theirs[1] == mine[1] else "a layer above"
                        breaches.append(f"{path} ({mine[0]}, rank {mine[1]}) includes \"{inc}\" "
                                        f"from {how} ({theirs[0]}, rank {theirs[1]})")
    for b in breaches:
        print(b)
    print(f"check_layers: {checked} includes checked, {len(breaches)} pointing up or sideways")
    if checked == 0:
        print("check_layers: no include was read: wrong source root?")
        return 1
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
