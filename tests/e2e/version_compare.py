#!/usr/bin/env python3
"""version_compare.py: orbit -sV against nmap -sV of the same run, port by port.

  version_compare.py --nmap NMAP.xml [...] --orbit ORBIT.xml|ORBIT.json [...]
                     [--truth FILE ...] [--min-identified N] [--require FILE ...]

Every TCP and UDP service port of the lab (the ports the ground-truth files, by default
tests/lab/expected.txt and services.txt, list open or open|filtered, on the hosts and ports
nmap scanned) and every other port either side found open is printed as
  ADDR PORT/PROTO  nmap: SERVICE PRODUCT VERSION (EXTRAINFO)  orbit: ...  [ok|DIFF]
SERVICE is written as nmap's text report writes it: "ssl/" before it for a TLS tunnel,
"?" after it when the name only comes from the port table (method="table") on an open
port, "tcpwrapped" and "unknown" (no service element) as they are. The answers differ
when SERVICE, PRODUCT or VERSION differ (EXTRAINFO is printed, and counted apart). Exit 0
only when no port differs and nmap named the product of at least N ports (default 1):
a lab where nothing answers, or an nmap run that found nothing, fails. --require: every
service port such a ground-truth file lists (open or open|filtered) must be compared and
answered by both sides in the state the file gives (a daemon that is down fails, even
when both scanners agree that it is).

Inputs: nmap-format XML (nmap's or orbit's -oX) or orbit NDJSON (a record per port with
addr, proto, port, state; service, product, version, info, tunnel where named; a port
without a named service gets nmap-services' name, as the table method). Several files on
one side are merged (e.g. a routed and an on-link run)."""
import argparse
import ipaddress
import json
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, '..', 'lab')
TRUTH = [os.path.join(LAB, 'expected.txt'), os.path.join(LAB, 'services.txt')]
NMAP_SERVICES = '/usr/share/nmap/nmap-services'
SERVICE_STATES = ('open', 'open|filtered')


class Answer:
    """What one scanner said about one port."""

    def __init__(self, state, name=None, product='', version='', info='', tunnel='',
                 method='probed'):
        self.state, self.name, self.product = state, name, product
        self.version, self.info, self.tunnel, self.method = version, info, tunnel, method

    def service(self):
        """The SERVICE column as nmap's text report prints it."""
        if not self.name:
            return 'unknown'
        s = ('ssl/' if self.tunnel == 'ssl' else '') + self.name
        if self.method == 'table' and self.state == 'open':
            s += '?'
        return s

    def key(self):
        return (self.state, self.service(), self.product, self.version)

    def text(self):
        words = [self.state, self.service(), self.product, self.version]
        out = ' '.join(w for w in words if w)
        return out + (f' ({self.info})' if self.info else '')


def xml_answers(path):
    """(addr, proto, port) -> Answer from nmap-format XML; also the ports nmap scanned."""
    answers, scanned, hosts = {}, {'tcp': set(), 'udp': set()}, set()
    root = ET.parse(path).getroot()
    for si in root.findall('scaninfo'):
        scanned.setdefault(si.get('protocol'), set()).update(expand(si.get('services', '')))
    for host in root.findall('host'):
        addr = host.find("address[@addrtype='ipv4']").get('addr')
        hosts.add(addr)
        for p in host.findall('ports/port'):
            st = p.find('state').get('state')
            svc = p.find('service')
            a = Answer(st)
            if svc is not None:
                a = Answer(st, svc.get('name'), svc.get('product', ''), svc.get('version', ''),
                           svc.get('extrainfo', ''), svc.get('tunnel', ''),
                           svc.get('method', 'probed'))
            answers[(addr, p.get('protocol'), int(p.get('portid')))] = a
    return answers, scanned, hosts


def table_names(path=NMAP_SERVICES):
    """(proto, port) -> nmap-services' name (read from Debian's nmap-common at run time)."""
    names = {}
    try:
        for line in open(path):
            f = line.split()
            if len(f) >= 2 and not line.startswith('#') and '/' in f[1]:
                port, proto = f[1].split('/')
                names.setdefault((proto, int(port)), f[0])
    except OSError:
        pass
    return names


def ndjson_answers(path, names):
    """(addr, proto, port) -> Answer from orbit NDJSON (later records refine earlier ones)."""
    answers = {}
    for line in open(path):
        if not line.strip():
            continue
        r = json.loads(line)
        if 'port' not in r or 'state' not in r or 'addr' not in r:
            continue
        k = (r['addr'], r.get('proto', 'tcp'), int(r['port']))
        if r.get('service'):
            answers[k] = Answer(r['state'], r['service'], r.get('product', ''), r.get('version', ''),
                                r.get('info', ''), r.get('tunnel', ''), r.get('method', 'probed'))
        elif k not in answers or not answers[k].name:
            answers[k] = Answer(r['state'], names.get(k[1:]), method='table')
    return answers


def read_side(paths, names):
    answers, scanned, hosts = {}, {'tcp': set(), 'udp': set()}, set()
    for path in paths:
        with open(path) as f:
            xml = f.read(64).lstrip().startswith('<')
        if xml:
            a, s, h = xml_answers(path)
            for proto, ports in s.items():
                scanned.setdefault(proto, set()).update(ports)
            hosts |= h
        else:
            a = ndjson_answers(path, names)
        answers.update(a)
    return answers, scanned, hosts


def expand(ports):
    out = []
    for part in ports.split(','):
        lo, _, hi = part.partition('-')
        if lo:
            out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def truth_ports(paths, hosts, scanned):
    """The service ports of the ground truth on the hosts and ports nmap scanned."""
    want = set()
    for path in paths:
        for line in open(path):
            f = line.strip().split(',')
            if line.startswith('#') or len(f) != 4 or f[1] not in ('tcp', 'udp'):
                continue
            if f[0] in hosts and f[3] in SERVICE_STATES:
                want.update((f[0], f[1], p) for p in expand(f[2]) if p in scanned.get(f[1], ()))
    return want


def compare(nmap, orbit, ports):
    """Rows (key, nmap Answer|None, orbit Answer|None, same) in address and port order."""
    rows = []
    for k in sorted(ports, key=lambda k: (ipaddress.IPv4Address(k[0]), k[1], k[2])):
        n, o = nmap.get(k), orbit.get(k)
        same = n is not None and o is not None and n.key() == o.key()
        rows.append((k, n, o, same))
    return rows


def require_answered(paths, nmap, orbit):
    """The service ports of the files that either side did not answer in their state."""
    bad = []
    for path in paths:
        for line in open(path):
            f = line.strip().split(',')
            if line.startswith('#') or len(f) != 4 or f[1] not in ('tcp', 'udp'):
                continue
            if f[3] not in SERVICE_STATES:
                continue
            for port in expand(f[2]):
                k = (f[0], f[1], port)
                for side, answers in (('nmap', nmap), ('orbit', orbit)):
                    a = answers.get(k)
                    if a is None or a.state != f[3]:
                        bad.append(f'{f[0]} {port}/{f[1]} {side}: '
                                   f'{a.state if a else "no answer"} (want {f[3]})')
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--nmap', nargs='+', required=True)
    ap.add_argument('--orbit', nargs='+', required=True)
    ap.add_argument('--truth', nargs='+', default=TRUTH)
    ap.add_argument('--min-identified', type=int, default=1,
                    help='ports whose product nmap must name (the floor)')
    ap.add_argument('--require', nargs='+', default=[],
                    help='ground-truth files whose every service port must be answered')
    a = ap.parse_args()
    names = table_names()
    nmap, scanned, hosts = read_side(a.nmap, names)
    orbit, _, _ = read_side(a.orbit, names)
    ports = truth_ports(a.truth, hosts, scanned)
    ports |= {k for side in (nmap, orbit) for k, v in side.items() if v.state == 'open'}
    rows = compare(nmap, orbit, ports)
    differ = info_differ = 0
    for (addr, proto, port), n, o, same in rows:
        nt, ot = (n.text() if n else '-'), (o.text() if o else '-')
        print(f'{addr:<12} {port:>5}/{proto}  nmap: {nt:<48}  orbit: {ot:<48}  '
              + ('ok' if same else 'DIFF'))
        differ += not same
        info_differ += same and n.info != o.info
    identified = sum(1 for n in nmap.values() if n.state == 'open' and n.product and n.method != 'table')
    agree = len(rows) - differ
    print(f'version_compare: {len(rows)} service ports: {agree} agree, {differ} differ'
          f' ({info_differ} of the agreeing differ in extrainfo only); nmap named the product'
          f' of {identified} (floor {a.min_identified})')
    missing = require_answered(a.require, nmap, orbit)
    for line in missing:
        print('version_compare: FAIL: not answered as the ground truth says: ' + line)
    ok = differ == 0 and identified >= a.min_identified and a.min_identified > 0 and not missing
    if identified < a.min_identified:
        print('version_compare: FAIL: nmap named fewer products than the floor '
              '(is the lab up? did nmap run with -sV?)')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
