#!/usr/bin/env python3
"""Compare a scanner's results with orbit-responder's --truth.

  responder_compare.py TRUTH.csv RESULTS [--format orbit|zmap|masscan] [--open-only]
                       [--json] [--max-missing N]

TRUTH.csv: addr,proto,port,state,reason (orbit-responder --truth). RESULTS:
  orbit    NDJSON lines {"addr","proto","port","state","reason",...}
  zmap     one address per line (zmap -o FILE: SYN-ACKs only); --port names the port, or
           ADDR,PORT lines (as accuracy_bench.sh merges one zmap run per port)
  masscan  -oL lines "open tcp PORT ADDR TIME"
zmap and masscan report open ports only, so their comparison is --open-only (implied).

Prints one line: truth, found, missing, extra, mismatched (same target, other state or
reason), duplicates (result lines beyond one per target) and the found fraction; --json
prints the same as an object. Exit 0 when missing <= --max-missing (default 0) and there
is nothing extra, mismatched or duplicated; 1 otherwise.
"""
import argparse
import json
import sys


def load_truth(path, open_only):
    truth = {}
    with open(path) as f:
        header = f.readline().strip()
        if header != "addr,proto,port,state,reason":
            sys.exit(f"{path}: not a truth file (header {header!r})")
        for line in f:
            addr, proto, port, state, reason = line.rstrip("\n").split(",")
            if open_only and not (proto == "tcp" and state == "open"):
                continue
            truth[(addr, proto, int(port))] = (state, reason)
    return truth


def load_results(path, fmt, port):
    """Yields ((addr, proto, port), (state, reason or None)) per result line."""
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if fmt == "orbit":
                r = json.loads(line)
                if "addr" not in r or "state" not in r:
                    continue  # a metadata object
                yield (r["addr"], r["proto"], int(r.get("port", 0))), (r["state"], r.get("reason"))
            elif fmt == "zmap":
                if line == "saddr":
                    continue
                if "," in line:
                    addr, p = line.split(",")[:2]
                    yield (addr, "tcp", int(p)), ("open", None)
                else:
                    yield (line, "tcp", port), ("open", None)
            elif fmt == "masscan":
                parts = line.split()
                if len(parts) >= 4 and parts[0] == "open":
                    yield (parts[3], parts[1], int(parts[2])), ("open", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("results")
    ap.add_argument("--format", default="orbit", choices=["orbit", "zmap", "masscan"])
    ap.add_argument("--port", type=int, default=80, help="zmap: the port of address-only lines")
    ap.add_argument("--open-only", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--max-missing", type=int, default=0)
    a = ap.parse_args()
    open_only = a.open_only or a.format != "orbit"
    truth = load_truth(a.truth, open_only)
    seen = {}
    lines = 0
    for key, val in load_results(a.results, a.format, a.port):
        if open_only and not (key[1] == "tcp" and val[0] == "open"):
            continue
        lines += 1
        seen.setdefault(key, val)
    found = mismatched = 0
    for key, val in seen.items():
        want = truth.get(key)
        if want is None:
            continue
        if val[0] == want[0] and (val[1] is None or val[1] == want[1]):
            found += 1
        else:
            mismatched += 1
    extra = sum(1 for k in seen if k not in truth)
    missing = sum(1 for k in truth if k not in seen)
    out = {
        "truth": len(truth), "found": found, "missing": missing, "extra": extra,
        "mismatched": mismatched, "duplicates": lines - len(seen),
        "found_fraction": found / len(truth) if truth else 1.0,
    }
    if a.json:
        print(json.dumps(out))
    else:
        print("truth {truth}, found {found}, missing {missing}, extra {extra}, mismatched "
              "{mismatched}, duplicates {duplicates}, found fraction {found_fraction:.6f}".format(**out))
        if mismatched or extra:
            shown = 0
            for key, val in seen.items():
                if truth.get(key) != val and shown < 5:
                    print(f"  e.g. {key}: got {val}, truth {truth.get(key)}")
                    shown += 1
    ok = missing <= a.max_missing and not extra and not mismatched and lines == len(seen)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
