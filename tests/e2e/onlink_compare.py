#!/usr/bin/env python3
"""onlink_compare.py: orbit against nmap on the lab's on-link segment (198.18.5.0/24).

  onlink_compare.py hosts NMAP_XML ORBIT_NDJSON ORBIT_TEXT ORBIT_XML --floor A=MAC,... --self A
      -sn: the up hosts and their MACs agree between nmap's XML and each of orbit's NDJSON
      (`mac`), text report (`MAC Address:`) and XML (`addrtype="mac"`); every floor host
      (the lab's, from lab.sh) is among them with its MAC. --self: the scanner's own
      address, which nmap lists as up (localhost-response, no MAC) and no ARP answers.
  onlink_compare.py ports NMAP_XML ORBIT_NDJSON ORBIT_TEXT --floor A/P=STATE,... --macs A=MAC,...
      -sS: every (host, port) nmap reports has the same state in orbit (silence is
      filtered), each up host of nmap is up in orbit's report with the same MAC line.
Exit 0 only when everything agrees; each difference is printed on its own line."""
import json
import re
import sys
import xml.etree.ElementTree as ET


def nmap_hosts(path):
    """{addr: (mac or None, {(proto, port): state})} for hosts nmap says are up."""
    hosts = {}
    for h in ET.parse(path).getroot().findall('host'):
        if h.find('status').get('state') != 'up':
            continue
        addr = mac = None
        for a in h.findall('address'):
            if a.get('addrtype') == 'ipv4':
                addr = a.get('addr')
            elif a.get('addrtype') == 'mac':
                mac = a.get('addr').upper()
        ports = {}
        for p in h.findall('ports/port'):
            ports[(p.get('protocol'), int(p.get('portid')))] = p.find('state').get('state')
        hosts[addr] = (mac, ports)
    return hosts


def orbit_ndjson(path):
    macs, states = {}, {}
    for line in open(path):
        r = json.loads(line)
        if 'mac' in r:
            if macs.setdefault(r['addr'], r['mac']) != r['mac']:
                print(f'DIFF orbit ndjson: two MACs for {r["addr"]}')
                macs[r['addr']] = '?'
        if 'port' in r:
            states[(r['addr'], r['proto'], r['port'])] = r['state']
    return macs, states


def orbit_text(path):
    """{addr: mac or None} of the hosts the report lists as up."""
    hosts, cur = {}, None
    for line in open(path):
        m = re.match(r'orbit scan report for (\S+)$', line)
        if m:
            cur = m.group(1)
            hosts[cur] = None
        m = re.match(r'MAC Address: ([0-9A-F:]{17}) \([^()]+\)$', line)  # with nmap's vendor
        if m and cur:
            hosts[cur] = m.group(1)
    return hosts


def orbit_xml(path):
    hosts = {}
    for h in ET.parse(path).getroot().findall('host'):
        if h.find('status').get('state') != 'up':
            continue
        addrs = {a.get('addrtype'): a.get('addr') for a in h.findall('address')}
        hosts[addrs['ipv4']] = addrs.get('mac')
    return hosts


def pairs(text):
    return dict(x.split('=', 1) for x in text.split(',') if x)


def cmp_hosts(args):
    nmap_xml, nd, txt, xml = args[:4]
    opts = dict(zip(args[4::2], args[5::2]))
    floor = {a: m.upper() for a, m in pairs(opts['--floor']).items()}
    me = opts.get('--self')
    want = {a: mac for a, (mac, _) in nmap_hosts(nmap_xml).items() if a != me}
    bad = 0
    macs, _ = orbit_ndjson(nd)
    for name, got in (('ndjson', macs), ('text', orbit_text(txt)), ('xml', orbit_xml(xml))):
        if got != want:
            bad += 1
            print(f'DIFF {name}: orbit {sorted(got.items())}\n     nmap  {sorted(want.items())}')
    for a, mac in floor.items():
        if want.get(a) != mac:
            bad += 1
            print(f'FLOOR nmap: {a} {mac} not up with that MAC ({want.get(a)})')
        if macs.get(a) != mac:
            bad += 1
            print(f'FLOOR orbit: {a} {mac} not up with that MAC ({macs.get(a)})')
    print(f'nmap: {len(want)} up (besides {me}): {" ".join(sorted(want))}')
    print(f'orbit: {len(macs)} up: {" ".join(sorted(macs))}')
    return bad


def cmp_ports(args):
    nmap_xml, nd, txt = args[:3]
    opts = dict(zip(args[3::2], args[4::2]))
    floor = pairs(opts['--floor'])
    macs_want = {a: m.upper() for a, m in pairs(opts['--macs']).items()}
    nmap = nmap_hosts(nmap_xml)
    _, states = orbit_ndjson(nd)
    report = orbit_text(txt)
    bad = 0
    for addr, (mac, ports) in sorted(nmap.items()):
        for (proto, port), state in sorted(ports.items()):
            got = states.get((addr, proto, port), 'filtered')
            if got != state:
                bad += 1
                print(f'MISMATCH {addr} {proto}/{port}: nmap {state}, orbit {got}')
        if report.get(addr, 'absent') != mac:
            bad += 1
            print(f'MAC {addr}: nmap {mac}, orbit report {report.get(addr, "host absent")}')
    if set(report) != set(nmap):
        bad += 1
        print(f'HOSTS orbit {sorted(report)} nmap {sorted(nmap)}')
    for key, state in floor.items():
        addr, port = key.split('/')
        for side, got in (('nmap', nmap.get(addr, (None, {}))[1].get(('tcp', int(port)))),
                          ('orbit', states.get((addr, 'tcp', int(port)), 'filtered'))):
            if got != state:
                bad += 1
                print(f'FLOOR {side}: {addr} tcp/{port} {got}, the lab says {state}')
    for addr, mac in macs_want.items():
        if report.get(addr) != mac:
            bad += 1
            print(f'FLOOR orbit: {addr} MAC {report.get(addr)}, the lab says {mac}')
    print(f'{len(nmap)} hosts up in nmap, {len(report)} in orbit; {bad} differences')
    return bad


if __name__ == '__main__':
    sys.exit(1 if {'hosts': cmp_hosts, 'ports': cmp_ports}[sys.argv[1]](sys.argv[2:]) else 0)
