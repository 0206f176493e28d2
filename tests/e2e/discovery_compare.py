#!/usr/bin/env python3
"""discovery_compare.py: orbit's host discovery against nmap's, from their text reports.

  discovery_compare.py hosts NMAP_TXT ORBIT_TXT --floor A,B,... [--self A]
      The hosts each report lists as up (and the "N IP addresses (M hosts up)" footer)
      agree; every floor address is up in both (a lab where nothing answers fails).
      --self: the scanner's own address, which nmap lists (localhost-response).
  discovery_compare.py lines NMAP_TXT ORBIT_TXT A,B,...
      For each address, the "All N scanned ports ... ignored states." and "Not shown: ..."
      lines (and whether a PORT table follows) are the same in both; each address must be
      up in both.
Exit 0 only when everything agrees; each difference on its own line."""
import re
import sys


def report(path, tool):
    """{addr: [lines of its block]}, and the footer's (addresses, up) numbers."""
    hosts, cur, footer = {}, None, None
    head = re.compile(rf'{tool} scan report for (\S+)$')
    for line in open(path):
        line = line.rstrip('\n')
        m = head.match(line)
        if m:
            cur = m.group(1)
            hosts[cur] = []
            continue
        m = re.search(r'(\d+) IP address(?:es)? \((\d+) hosts? up\)', line)
        if m:
            footer = (int(m.group(1)), int(m.group(2)))
            cur = None
        elif cur is not None:
            if line == '':
                cur = None
            else:
                hosts[cur].append(line)
    return hosts, footer


def ignored_lines(block):
    keep = [l for l in block if l.startswith('All ') or l.startswith('Not shown:')]
    return keep + (['(port table)'] if any(l.startswith('PORT ') for l in block) else [])


def cmp_hosts(args):
    nmap_txt, orbit_txt = args[:2]
    opts = dict(zip(args[2::2], args[3::2]))
    floor = [a for a in opts['--floor'].split(',') if a]
    me = opts.get('--self')
    nmap, nfoot = report(nmap_txt, 'Nmap')
    orbit, ofoot = report(orbit_txt, 'orbit')
    want = set(nmap) - {me}
    got = set(orbit)
    bad = 0
    if want != got:
        bad += 1
        print(f'DIFF up hosts: orbit {sorted(got)}\n              nmap  {sorted(want)}')
    adj = 1 if me and me in nmap else 0
    if not nfoot or not ofoot or (nfoot[0], nfoot[1] - adj) != ofoot:
        bad += 1
        print(f'DIFF footer (addresses, hosts up): nmap {nfoot} (self {adj}), orbit {ofoot}')
    for a in floor:
        for side, hs in (('nmap', want), ('orbit', got)):
            if a not in hs:
                bad += 1
                print(f'FLOOR {side}: {a} is not up')
    for a in sorted(got & want):
        if not any(l.startswith('Host is up') for l in orbit[a]):
            bad += 1
            print(f'DIFF {a}: no "Host is up" line in orbit')
        nmac = [l for l in nmap[a] if l.startswith('MAC Address:')]
        omac = [l for l in orbit[a] if l.startswith('MAC Address:')]
        if [l[:30] for l in nmac] != [l[:30] for l in omac]:  # the address, not the vendor
            bad += 1
            print(f'DIFF {a} MAC: nmap {nmac}, orbit {omac}')
    print(f'nmap: {len(want)} up; orbit: {len(got)} up: {" ".join(sorted(got))}')
    return bad


def cmp_lines(args):
    nmap_txt, orbit_txt, addrs = args[0], args[1], args[2].split(',')
    nmap, _ = report(nmap_txt, 'Nmap')
    orbit, _ = report(orbit_txt, 'orbit')
    bad = 0
    for a in addrs:
        if a not in nmap or a not in orbit:
            bad += 1
            print(f'ABSENT {a}: in nmap {a in nmap}, in orbit {a in orbit}')
            continue
        n, o = ignored_lines(nmap[a]), ignored_lines(orbit[a])
        if n != o or not n:
            bad += 1
            print(f'DIFF {a}:\n  nmap  {n}\n  orbit {o}')
        else:
            print(f'same {a}: {" / ".join(n)}')
    return bad


if __name__ == '__main__':
    sys.exit(1 if {'hosts': cmp_hosts, 'lines': cmp_lines}[sys.argv[1]](sys.argv[2:]) else 0)
