#!/usr/bin/env python3
"""orbit -O against nmap -O on the same hosts and ports (tests/e2e/os_tests.sh).

  os_active.py MIN_NAMED NMAP.xml ORBIT.xml HOST...

Both ran with --osscan-guess, so each names its best guesses. For every HOST orbit must
agree with nmap: the same first match, or a first match sharing an osclass (vendor,
family, generation) with nmap's first, and the same distance; where nmap names none (a
host with no open port: "Too many fingerprints match"; every port filtered) orbit must
name none either. The floor: nmap named an OS for at least MIN_NAMED of the hosts (a lab
where nothing answers fails). Prints one line per host with both answers.
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
    nmap, orbit, hosts = os_answers(sys.argv[2]), os_answers(sys.argv[3]), sys.argv[4:]
    ok = True
    named = 0
    none = (None, 0, set(), None)
    for h in hosts:
        n, o = nmap.get(h, none), orbit.get(h, none)
        named += n[0] is not None
        if n[0] is None:
            same = o[0] is None
        else:
            same = o[0] == n[0] or bool(o[2] & n[2])
        verdict = "agree" if same and o[3] == n[3] else "DIFFER"
        print(f"{h}: nmap {n[0]} ({n[1]}%) distance {n[3]} | orbit {o[0]} ({o[1]}%) "
              f"distance {o[3]}: {verdict}")
        ok &= verdict == "agree"
    if named < min_named:
        print(f"nmap named an OS for {named} hosts (floor {min_named})")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
