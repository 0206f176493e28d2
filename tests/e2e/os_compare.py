#!/usr/bin/env python3
"""Checks for tests/e2e/os_tests.sh.

  os_compare.py passive ORBIT.csv CAPTURE.pcap
      every SYN-ACK row (state open) of orbit's CSV (--fields addr,port,state,os_sig,
      hops,os,os_class,os_confidence) names Linux, class unix, hops 1; at least 6 rows;
      p0f -r CAPTURE.pcap (offline) gives each of those SYN-ACKs the same raw signature,
      and the same label where p0f names one.
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

MIN_SYNACKS = 6


def p0f_synacks(pcap):
    """(srv addr, srv port) -> (os label, raw_sig) from p0f -r's log."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "p0f.log")
        subprocess.run(["p0f", "-r", pcap, "-o", log], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        out = {}
        with open(log, encoding="utf-8") as f:
            for line in f:
                if "mod=syn+ack" not in line:
                    continue
                srv = re.search(r"\|srv=([0-9.]+)/(\d+)", line)
                label = re.search(r"\|os=([^|]*)", line).group(1)
                sig = re.search(r"\|raw_sig=([^|\n]*)", line).group(1)
                out[(srv.group(1), int(srv.group(2)))] = (label, sig)
        return out


def passive(csv_path, pcap):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["state"] == "open"]
    ok = True
    if len(rows) < MIN_SYNACKS:
        print(f"only {len(rows)} SYN-ACKs (floor {MIN_SYNACKS})")
        return False
    p0f = p0f_synacks(pcap)
    labelled = agree = 0
    for r in rows:
        key = (r["addr"], int(r["port"]))
        where = f"{r['addr']}:{r['port']}"
        if not r["os"].startswith("Linux") or r["os_class"] != "unix" or r["hops"] != "1":
            print(f"{where}: os '{r['os']}' class '{r['os_class']}' hops {r['hops']}")
            ok = False
        label, sig = p0f.get(key, (None, None))
        if sig != r["os_sig"]:
            print(f"{where}: orbit sig {r['os_sig']} != p0f raw_sig {sig}")
            ok = False
        if label and label != "???":
            labelled += 1
            if label.split()[0] != r["os"].split()[0]:
                print(f"{where}: p0f says '{label}', orbit '{r['os']}'")
                ok = False
            else:
                agree += 1
    print(f"{len(rows)} SYN-ACKs, e.g. {rows[0]['os_sig']} -> {rows[0]['os']} "
          f"({rows[0]['os_confidence']}); p0f: same signature on "
          f"{sum(1 for r in rows if p0f.get((r['addr'], int(r['port'])), (0, 0))[1] == r['os_sig'])}"
          f", labelled {labelled} (agreeing {agree}), ??? on the rest")
    return ok


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "passive":
        return 0 if passive(sys.argv[2], sys.argv[3]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
