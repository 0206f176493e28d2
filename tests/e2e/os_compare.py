#!/usr/bin/env python3
"""Checks for tests/e2e/os_tests.sh.

  os_compare.py passive ORBIT.csv CAPTURE.pcap
      every SYN-ACK row (state open) of orbit's CSV (--fields addr,port,state,os_sig,
      hops,os,os_class,os_confidence) names Linux, class unix, hops 1; at least 6 rows;
      p0f -r CAPTURE.pcap (offline) gives each of those SYN-ACKs the same raw signature,
      and the same label where p0f names one.
  os_compare.py nmap-match NMAP.txt OSFP_TOOL HOST...
      nmap -O --osscan-guess -d's fingerprint of each HOST, matched by orbit's nmap-os-db
      matcher (osfp_tool nmap-match), gives nmap's first answer and its Network Distance.
  os_compare.py nmap-tests NMAP.txt OSFP_TOOL CAPTURE.pcap HOST...
      core/osfp/nmap_fingerprint on nmap's probes and replies in CAPTURE.pcap (osfp_tool
      nmap-fp) rebuilds the 16 probes byte for byte, gets nmap's distance, and computes
      nmap's own 13 lines SEQ..IE of each HOST (SEQ's SP, ISR within 2, TS within 1).
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



def nmap_hosts(path):
    """host -> (its section's lines) of an nmap -oN/-d text."""
    hosts, cur = {}, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"Nmap scan report for (\S+)", line)
            if m:
                cur = m.group(1)
                hosts[cur] = []
            elif cur:
                hosts[cur].append(line.rstrip("\n"))
    return hosts


def nmap_match(nmap_txt, tool, want_hosts):
    """orbit's matcher and OS lines on nmap's own fingerprint of each host agree with
    nmap's answer: same first guess (or OS details) and accuracy, same distance."""
    ok = True
    hosts = nmap_hosts(nmap_txt)
    for host in want_hosts:
        lines = hosts.get(host, [])
        fp = [ln for ln in lines if ln.startswith("OS:")]
        answer = [ln for ln in lines if ln.startswith(("Aggressive OS guesses:", "OS details:"))]
        dist = [ln for ln in lines if ln.startswith("Network Distance:")]
        if not fp or not answer or not dist:
            print(f"{host}: nmap gave no fingerprint, answer or distance")
            ok = False
            continue
        hops = int(re.search(r"(\d+) hop", dist[0]).group(1))
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as t:
            t.write("\n".join(fp) + "\n")
        out = subprocess.run([tool, "nmap-match", t.name, str(hops), "guess"],
                             capture_output=True, text=True, check=True).stdout
        os.unlink(t.name)
        ours = [ln for ln in out.splitlines()
                if ln.startswith(("Aggressive OS guesses:", "OS details:"))]
        our_dist = [ln for ln in out.splitlines() if ln.startswith("Network Distance:")]
        first = lambda s: s.split(": ", 1)[1].split(", ")[0]  # noqa: E731
        same = bool(ours) and first(ours[0]) == first(answer[0]) and our_dist == dist[:1]
        print(f"{host}: nmap '{first(answer[0])}', orbit '{first(ours[0]) if ours else None}'"
              f"; {dist[0]} / {our_dist[0] if our_dist else None}")
        ok = ok and same
    return ok


if __name__ == "__main__" and len(sys.argv) >= 5 and sys.argv[1] == "nmap-match":
    sys.exit(0 if nmap_match(sys.argv[2], sys.argv[3], sys.argv[4:]) else 1)



def nmap_fp_tests(lines):
    """nmap's printed fingerprint ("OS:" lines) -> {test name: attribute text}."""
    joined = "".join(ln[3:] for ln in lines if ln.startswith("OS:"))
    return dict(re.findall(r"([A-Z0-9]+)\(([^)]*)\)", joined))


# SEQ's timing-derived values: nmap times its probes itself, the capture a few us apart,
# so a rate on a rounding edge may come out one step off; every other value is exact.
SEQ_TOLERANCE = {"SP": 2, "ISR": 2, "TS": 1}
ALL_LINES = ["SEQ", "OPS", "WIN", "ECN", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "U1", "IE"]


def attrs(text):
    return dict(kv.split("=", 1) for kv in text.split("%") if "=" in kv)


def same_line(name, ours, theirs):
    if ours == theirs:
        return True
    if name != "SEQ" or theirs is None:
        return False
    a, b = attrs(ours), attrs(theirs)
    if set(a) != set(b):
        return False
    for k in a:
        if k in SEQ_TOLERANCE:
            if abs(int(a[k], 16) - int(b[k], 16)) > SEQ_TOLERANCE[k]:
                return False
        elif a[k] != b[k]:
            return False
    return True


def nmap_tests(nmap_txt, tool, pcap, want_hosts):
    """core/osfp/nmap_fingerprint on nmap -O's own probes and their replies (in a capture
    of the run; osfp_tool nmap-fp) rebuilds all 16 probes byte for byte, finds nmap's
    Network Distance (from U1, as nmap did) and computes nmap's own 13 test lines."""
    ok = True
    hosts = nmap_hosts(nmap_txt)
    for host in want_hosts:
        lines = hosts.get(host, [])
        theirs = nmap_fp_tests(lines)
        dist = [ln for ln in lines if ln.startswith("Network Distance:")]
        if "T1" not in theirs or not dist:
            print(f"{host}: nmap printed no fingerprint")
            ok = False
            continue
        hops = int(re.search(r"(\d+) hop", dist[0]).group(1))
        out = subprocess.run([tool, "nmap-fp", pcap, host], capture_output=True,
                             text=True, check=True).stdout
        ours = dict(re.findall(r"^([A-Z0-9]+)\(([^)]*)\)$", out, re.M))
        probes = re.search(r"probes: (\d+) of (\d+)", out)
        our_hops = int(re.search(r"distance (\d+)", out).group(1))
        same = [t for t in ALL_LINES if t in ours and same_line(t, ours[t], theirs.get(t))]
        diff = [t for t in ALL_LINES if t not in same]
        print(f"{host}: {len(same)} of {len(ALL_LINES)} test lines equal nmap's "
              f"(SEQ ours {ours.get('SEQ')} nmap {theirs.get('SEQ')}); probes rebuilt "
              f"{probes.group(1)}/{probes.group(2)}; distance {our_hops} (nmap {hops})"
              + (f"; differ: {', '.join(f'{t}: ours {ours.get(t)} nmap {theirs.get(t)}' for t in diff)}"
                 if diff else ""))
        ok = (ok and not diff and probes.group(1) == probes.group(2) == "16"
              and our_hops == hops and "R=Y" in ours.get("T1", "")
              and "R=Y" in ours.get("U1", "") and "R=Y" in ours.get("IE", "")
              and "GCD=" in ours.get("SEQ", ""))
    return ok


if __name__ == "__main__" and len(sys.argv) >= 6 and sys.argv[1] == "nmap-tests":
    sys.exit(0 if nmap_tests(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]) else 1)


if __name__ == "__main__":
    sys.exit(main())
