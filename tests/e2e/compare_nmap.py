#!/usr/bin/env python3
"""compare_nmap.py NMAP_XML[,NMAP_XML...] ORBIT_NDJSON: port-by-port agreement of orbit with nmap.

Every (host, proto, port) nmap scanned (its scaninfo lists them) is looked up in both
outputs. nmap names every port, explicitly or through extraports/extrareasons; orbit
reports responders only, so a port orbit has no record of is what silence means for
the probe: filtered for TCP, open|filtered for UDP (Nmap's own reading of no reply).
Exit 0 only when every state agrees; mismatches are printed one per line.

Agreement alone has no lower bound (nmap and orbit agree on a lab where nothing answers),
so both sides must also reach the lab's floor (lab_floor.py): every port expected.txt
says the targets --hosts/--ports answer on, in the state it says (--ack: an ACK scan).

Several nmap XMLs (comma-separated) are one reference: e.g. a TCP run and a UDP run with
its own timing (a rate-limited host's UDP needs nmap's --scan-delay).

  compare_nmap.py NMAP_XML[,NMAP_XML...] ORBIT_NDJSON --hosts H --ports P [--ack] [--expected FILE]"""
import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab_floor  # noqa: E402


def nmap_states(paths):
    scanned, states = {}, {}
    for path in paths.split(','):
        for info in ET.parse(path).getroot().findall('scaninfo'):
            ports = lab_floor.expand(info.get('services'))
            scanned[info.get('protocol')] = sorted(set(scanned.get(info.get('protocol'), [])) | set(ports))
        states.update(lab_floor.xml_states(path))
    return scanned, states


def orbit_states(path):
    states = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)  # every line must be valid JSON
            if 'port' in r:
                key = (r['addr'], r['proto'], r['port'])
                if key in states:
                    sys.exit(f'orbit reported {key} twice (line {n})')
                states[key] = r['state']
    return states


def arguments():
    ap = argparse.ArgumentParser()
    ap.add_argument('nmap_xml')
    ap.add_argument('orbit_ndjson')
    ap.add_argument('--hosts', required=True, help="the scan's targets, e.g. 198.18.1.10-15")
    ap.add_argument('--ports', required=True, help="the scan's -p, e.g. T:1-1024,U:53")
    ap.add_argument('--ack', action='store_true', help='an ACK scan (-sA)')
    ap.add_argument('--expected', default=lab_floor.EXPECTED)
    return ap.parse_args()


def main():
    a = arguments()
    scanned, nmap = nmap_states(a.nmap_xml)
    orbit = orbit_states(a.orbit_ndjson)
    hosts = sorted({k[0] for k in nmap})
    silent = {'tcp': 'filtered', 'udp': 'open|filtered'}
    compared = mismatches = 0
    for host in hosts:
        for proto, ports in scanned.items():
            for port in ports:
                want = nmap.get((host, proto, port))
                got = orbit.get((host, proto, port), silent[proto])
                compared += 1
                if want != got:
                    mismatches += 1
                    print(f'MISMATCH {host} {proto}/{port}: nmap {want}, orbit {got}')
    extra = [k for k in orbit if k[0] not in hosts or k[2] not in scanned.get(k[1], [])]
    for k in extra:
        mismatches += 1
        print(f'EXTRA orbit reported {k} that nmap did not scan')
    print(f'compared {compared} (host, port) pairs on {len(hosts)} hosts: '
          f'{compared - mismatches} agree, {mismatches} differ')
    required = lab_floor.floor(lab_floor.parse_hosts(a.hosts), lab_floor.parse_ports(a.ports),
                               a.ack, a.expected)
    floor_nmap = lab_floor.report('nmap', required, lab_floor.below(required, nmap))
    floor_orbit = lab_floor.report('orbit', required, lab_floor.below(required, orbit, silent))
    sys.exit(1 if mismatches or not compared or not floor_nmap or not floor_orbit else 0)


main()
