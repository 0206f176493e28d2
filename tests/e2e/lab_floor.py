#!/usr/bin/env python3
"""lab_floor.py: the lab's known answers (tests/lab/expected.txt), a floor for every
"orbit agrees with nmap" test, so that a lab where nothing answers cannot pass.

  lab_floor.py --hosts H --ports P [--ack] [--expected FILE] RESULTS...

H: 198.18.1.10-15, 198.18.1.10-198.18.1.15 or a comma list; P: nmap's -p syntax
(T:1-1024,6379,U:53 or 1-1024 for TCP). The floor is taken from expected.txt and the
scan's targets only, never from a scan's output: for a SYN/UDP scan every port
expected.txt lists open; for an ACK scan (--ack) every TCP port that answers with a RST
(expected open or closed) must be unfiltered. Each RESULTS file (nmap-format XML, nmap's
or orbit's -oX, or orbit NDJSON) must show every floor port in that state; a port missing
from a file counts as not shown. Prints one line per file; exit 1 when any is below the
floor (or the floor is empty: a floor of nothing bounds nothing).
Also a module: known_states, floor, parse_hosts, parse_ports, read_states."""
import argparse
import ipaddress
import json
import os
import sys
import xml.etree.ElementTree as ET

EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lab', 'expected.txt')


def expand(ports):
    """'1-3,7' -> [1, 2, 3, 7]"""
    out = []
    for part in ports.split(','):
        if '-' in part:
            a, b = part.split('-')
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def parse_ports(spec):
    """nmap's -p: 'T:1-1024,6379,U:53,161' -> {'tcp': {...}, 'udp': {...}}; no prefix is TCP."""
    ports = {'tcp': set(), 'udp': set()}
    proto = 'tcp'
    for part in spec.split(','):
        if part[:2] in ('T:', 'U:'):
            proto = 'tcp' if part[0] == 'T' else 'udp'
            part = part[2:]
        ports[proto].update(expand(part))
    return ports


def parse_hosts(spec):
    """'198.18.1.10-15', '198.18.1.10-198.18.1.15' or 'a,b' -> ['198.18.1.10', ...]"""
    hosts = []
    for part in spec.split(','):
        lo, _, hi = part.partition('-')
        first = ipaddress.IPv4Address(lo)
        if not hi:
            last = first
        elif '.' in hi:
            last = ipaddress.IPv4Address(hi)
        else:
            last = ipaddress.IPv4Address(lo.rsplit('.', 1)[0] + '.' + hi)
        hosts.extend(str(ipaddress.IPv4Address(a)) for a in range(int(first), int(last) + 1))
    return hosts


def known_states(hosts, ports, expected=EXPECTED):
    """(addr, proto, port) -> the state expected.txt gives a -sS/-sU scan (closed unless listed)."""
    want = {(a, proto, p): 'closed' for a in hosts for proto in ports for p in ports[proto]}
    for line in open(expected):
        if line.startswith('#') or ',host,' in line or not line.strip():
            continue
        addr, proto, span, state = line.strip().split(',')
        lo, _, hi = span.partition('-')
        for p in range(int(lo), int(hi or lo) + 1):
            if (addr, proto, p) in want:
                want[(addr, proto, p)] = state
    return want


def floor(hosts, ports, ack=False, expected=EXPECTED):
    """(addr, proto, port) -> the state every agreeing scan must show for it."""
    known = known_states(hosts, ports, expected)
    if ack:
        return {k: 'unfiltered' for k, s in known.items() if k[1] == 'tcp' and s in ('open', 'closed')}
    return {k: s for k, s in known.items() if s == 'open'}


def read_states(path):
    """(addr, proto, port) -> state from nmap-format XML (explicit ports and the
    extrareasons port lists) or from orbit NDJSON; a file of neither kind is empty."""
    with open(path) as f:
        head = f.read(64).lstrip()
    if head.startswith('<'):
        return xml_states(path)
    states = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            if 'port' in r and 'state' in r:
                states[(r['addr'], r['proto'], r['port'])] = r['state']
    return states


def xml_states(path):
    states = {}
    for host in ET.parse(path).getroot().findall('host'):
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
    return states


def below(required, states, silent=None):
    """The floor ports `states` does not show in their required state. silent: proto ->
    the state a port without a record has (orbit reports responders only)."""
    silent = silent or {}
    return sorted(k for k, s in required.items() if states.get(k, silent.get(k[1])) != s)


def report(name, required, missing):
    """One line; True when `name` reaches the floor."""
    have = len(required) - len(missing)
    shown = ' '.join(f'{a}:{p}/{proto}' for a, proto, p in missing[:5])
    print(f'floor: {name} shows {have} of {len(required)} ports the lab is known to answer'
          + (f'; not: {shown}' if missing else ''))
    return bool(required) and not missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--hosts', required=True)
    ap.add_argument('--ports', required=True)
    ap.add_argument('--ack', action='store_true')
    ap.add_argument('--expected', default=EXPECTED)
    ap.add_argument('results', nargs='+')
    a = ap.parse_args()
    required = floor(parse_hosts(a.hosts), parse_ports(a.ports), a.ack, a.expected)
    ok = True
    for path in a.results:
        ok &= report(path, required, below(required, read_states(path)))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
