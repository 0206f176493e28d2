#!/usr/bin/env python3
"""Compares the script results of orbit and nmap, port by port.

    script_compare.py NMAP_XML[,NMAP_XML...] ORBIT_XML NMAP_TEXT[,...] ORBIT_TEXT IDS FLOOR

IDS: the script ids compared (comma-separated). FLOOR: "addr:port:id,..." results nmap
must have (a lab where nothing answers fails). For every (address, port, id) either side
has: the same XML output attribute and the same text-report lines. Exit 0 when all agree.
"""
import re
import sys
import xml.etree.ElementTree as ET


def xml_scripts(paths, ids):
    out = {}
    for path in paths.split(","):
        for host in ET.parse(path).getroot().iter("host"):
            addr = host.find("address").get("addr")
            for port in host.iter("port"):
                for s in port.iter("script"):
                    if s.get("id") in ids:
                        out[(addr, port.get("portid"), s.get("id"))] = s.get("output")
    return out


def text_scripts(paths, ids):
    """(addr, port, id) -> the report's lines of that script."""
    out = {}
    for path in paths.split(","):
        addr = port = None
        cur = None
        for line in open(path, encoding="utf-8", errors="replace"):
            line = line.rstrip("\n")
            m = re.match(r"^(?:Nmap|orbit) scan report for (\S+)", line)
            if m:
                addr = m.group(1)
                continue
            m = re.match(r"^(\d+)/(tcp|udp)\s", line)
            if m:
                port = m.group(1)
                cur = None
                continue
            m = re.match(r"^\|[ _]([\w-]+): ?", line)
            if m and m.group(1) in ids and (cur is None or cur[2] != m.group(1)):
                cur = (addr, port, m.group(1))
                out[cur] = [line]
            elif line.startswith("|") and cur:
                out[cur].append(line)
            if line.startswith("|_"):
                cur = None
    return out


def main():
    nmap_xml, orbit_xml, nmap_txt, orbit_txt, ids, floor = sys.argv[1:7]
    ids = set(ids.split(","))
    bad = 0
    nx, ox = xml_scripts(nmap_xml, ids), xml_scripts(orbit_xml, ids)
    nt, ot = text_scripts(nmap_txt, ids), text_scripts(orbit_txt, ids)
    for key in floor.split(","):
        a, p, i = key.split(":")
        if (a, p, i) not in nx:
            print(f"floor: nmap has no {i} on {a}:{p}")
            bad += 1
    for key in sorted(set(nx) | set(ox)):
        if nx.get(key) != ox.get(key):
            print(f"XML {key}: nmap {nx.get(key)!r} orbit {ox.get(key)!r}")
            bad += 1
    for key in sorted(set(nt) | set(ot)):
        if nt.get(key) != ot.get(key):
            print(f"text {key}: nmap {nt.get(key)!r} orbit {ot.get(key)!r}")
            bad += 1
    print(f"compared {len(set(nx) | set(ox))} script results (XML) and {len(set(nt) | set(ot))} (text)")
    return 1 if bad else 0


sys.exit(main())
