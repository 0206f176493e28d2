#!/usr/bin/env python3
"""compare_nmap.py NMAP_XML ORBIT_NDJSON: port-by-port agreement of orbit with nmap.

Every (host, proto, port) nmap scanned (its scaninfo lists them) is looked up in both
outputs. nmap names every port, explicitly or through extraports/extrareasons; orbit
reports responders only, so a port orbit has no record of is what silence means for
the probe: filtered for TCP, open|filtered for UDP (Nmap's own reading of no reply).
Exit 0 only when every state agrees; mismatches are printed one per line."""
import json
import sys
import xml.etree.ElementTree as ET


def expand(ports):
    out = []
    for part in ports.split(','):
        if '-' in part:
            a, b = part.split('-')
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def nmap_states(path):
    root = ET.parse(path).getroot()
    scanned = {}
    for info in root.findall('scaninfo'):
        scanned[info.get('protocol')] = expand(info.get('services'))
    states = {}
    for host in root.findall('host'):
        addr = host.find("address[@addrtype='ipv4']").get('addr')
        ports = host.find('ports')
        if ports is None:
            continue
        for p in ports.findall('port'):
            states[(addr, p.get('protocol'), int(p.get('portid')))] = p.find('state').get('state')
        for extra in ports.findall('extraports'):
            for why in extra.findall('extrareasons'):
                for port in expand(why.get('ports', '')):
                    states[(addr, why.get('proto'), port)] = extra.get('state')
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


def main():
    scanned, nmap = nmap_states(sys.argv[1])
    orbit = orbit_states(sys.argv[2])
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
    sys.exit(1 if mismatches or not compared else 0)


main()
