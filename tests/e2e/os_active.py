#!/usr/bin/env python3
"""orbit -O against nmap -O on the same hosts and ports (tests/e2e/os_tests.sh).

  os_active.py MIN_NAMED NMAP.xml[,NMAP2.xml] ORBIT.xml HOST...

Both ran with --osscan-guess, so each names its best guesses. For every HOST orbit must
agree with nmap: the same first match, or a first match sharing an osclass (vendor,
family, generation) with nmap's first, and the same distance; where nmap names none (a
host with no open port: "Too many fingerprints match"; every port filtered) orbit must
name none either. A second nmap run (os_tests.sh runs one when the first disagrees) is
a second answer: nmap's own first guess for a host changes between runs where two of its
guesses lie 1 % apart (CI: 198.18.5.11 was "Linux 3.2 (95%)" in one run, "Linux 5.3 - 5.4
(96%)" in the others), and orbit must agree with one of nmap's runs. The floor: nmap's
first run named an OS for at least MIN_NAMED of the hosts (a lab where nothing answers
fails). Prints one line per host with every answer.
"""
import sys
import xml.etree.ElementTree as ET


def os_answers(path):
    """addr -> (first osmatch name, accuracy, {osclass tuples}, distance or None)."""
    out = {}
    for host in ET.parse(path).getroot().iter("host"):
        addr = None
        for a in host.findall("address"):
            if a.get("addrtype") == "ipv4":
                addr = a.get("addr")
        os_el = host.find("os")
        dist = host.find("distance")
        match = os_el.find("osmatch") if os_el is not None else None
        if match is None:
            out[addr] = (None, 0, set(), dist.get("value") if dist is not None else None)
            continue
        classes = {(c.get("vendor"), c.get("osfamily"), c.get("osgen") or "")
                   for c in match.findall("osclass")}
        out[addr] = (match.get("name"), int(match.get("accuracy")), classes,
                     dist.get("value") if dist is not None else None)
    return out


def main():
    min_named = int(sys.argv[1])
    nmap_runs = [os_answers(p) for p in sys.argv[2].split(",")]
    orbit, hosts = os_answers(sys.argv[3]), sys.argv[4:]
    ok = True
    named = 0
    none = (None, 0, set(), None)
    for h in hosts:
        o = orbit.get(h, none)
        answers = [run.get(h, none) for run in nmap_runs]
        named += answers[0][0] is not None
        agree = False
        for n in answers:
            if n[0] is None:
                same = o[0] is None
            else:
                same = o[0] == n[0] or bool(o[2] & n[2])
            agree |= same and o[3] == n[3]
        said = " / ".join(f"{n[0]} ({n[1]}%) distance {n[3]}" for n in answers)
        print(f"{h}: nmap {said} | orbit {o[0]} ({o[1]}%) distance {o[3]}: "
              f"{'agree' if agree else 'DIFFER'}")
        ok &= agree
    if named < min_named:
        print(f"nmap named an OS for {named} hosts (floor {min_named})")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
