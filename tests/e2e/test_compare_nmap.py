#!/usr/bin/env python3
"""Self-test of compare_nmap.py and lab_floor.py on fixtures written here (no network):
the lab as expected.txt describes it passes; an empty nmap XML, a lab where nothing
answers (both sides agree: all filtered) and orbit or nmap below the floor fail.
  test_compare_nmap.py          exit 0 when every case ends as it must"""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import lab_floor  # noqa: E402

HOSTS = '198.18.1.10-15'
PORTS = 'T:21,22,23,25,53,80,113,443,6379,8080,U:53,123,161,500'
ACK_HOSTS = '198.18.1.13-15'
ACK_PORTS = '1-1024,8080'


def nmap_xml(path, ports, states, hosts):
    """An nmap -oX file: scaninfo for `ports`, every port of `hosts` listed explicitly."""
    spec = lab_floor.parse_ports(ports)
    with open(path, 'w') as f:
        f.write('<?xml version="1.0"?>\n<nmaprun scanner="nmap">\n')
        for proto, nums in spec.items():
            if nums:
                f.write(f'<scaninfo type="syn" protocol="{proto}" numservices="{len(nums)}" '
                        f'services="{",".join(map(str, sorted(nums)))}"/>\n')
        for a in hosts:
            f.write(f'<host><status state="up"/><address addr="{a}" addrtype="ipv4"/><ports>\n')
            for (addr, proto, port), state in sorted(states.items()):
                if addr == a:
                    f.write(f'<port protocol="{proto}" portid="{port}"><state state="{state}"/></port>\n')
            f.write('</ports></host>\n')
        f.write('</nmaprun>\n')


def orbit_ndjson(path, states, silent):
    """orbit's NDJSON: responders only (a silent port has no record)."""
    with open(path, 'w') as f:
        for (a, proto, port), state in sorted(states.items()):
            if state != silent[proto]:
                f.write(json.dumps({'addr': a, 'proto': proto, 'port': port, 'state': state}) + '\n')


def run(*args):
    p = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix='orbit-cmp-selftest.')
    silent = {'tcp': 'filtered', 'udp': 'open|filtered'}
    hosts = lab_floor.parse_hosts(HOSTS)
    lab = lab_floor.known_states(hosts, lab_floor.parse_ports(PORTS))
    dead = {k: silent[k[1]] for k in lab}  # nothing answers: all silent
    ack_hosts = lab_floor.parse_hosts(ACK_HOSTS)
    ack_lab = {k: ('unfiltered' if s in ('open', 'closed') else 'filtered')
               for k, s in lab_floor.known_states(ack_hosts, lab_floor.parse_ports(ACK_PORTS)).items()}
    ack_dead = {k: 'filtered' for k in ack_lab}
    f = lambda name: os.path.join(tmp, name)  # noqa: E731
    nmap_xml(f('lab.xml'), PORTS, lab, hosts)
    nmap_xml(f('dead.xml'), PORTS, dead, hosts)
    nmap_xml(f('nohosts.xml'), PORTS, {}, [])
    orbit_ndjson(f('lab.json'), lab, silent)
    open(f('empty.json'), 'w').close()
    open(f('empty.xml'), 'w').close()
    short = {**lab, ('198.18.1.11', 'tcp', 6379): 'closed'}  # one known-open port closed
    nmap_xml(f('short.xml'), PORTS, short, hosts)
    orbit_ndjson(f('short.json'), short, silent)
    nmap_xml(f('ack.xml'), ACK_PORTS, ack_lab, ack_hosts)
    nmap_xml(f('ackdead.xml'), ACK_PORTS, ack_dead, ack_hosts)
    orbit_ndjson(f('ack.json'), ack_lab, {'tcp': 'filtered'})

    cmp = [os.path.join(here, 'compare_nmap.py')]
    flo = [os.path.join(here, 'lab_floor.py')]
    syn = ['--hosts', HOSTS, '--ports', PORTS]
    ack = ['--hosts', ACK_HOSTS, '--ports', ACK_PORTS, '--ack']
    agree = ' 0 differ'  # the case fails on its floor alone: nmap and orbit agree
    cases = [  # name, want exit 0?, args[, text the output must hold]
        ('the lab as expected.txt has it agrees', True, cmp + [f('lab.xml'), f('lab.json')] + syn),
        ('empty nmap XML, empty orbit output', False, cmp + [f('nohosts.xml'), f('empty.json')] + syn),
        ('nothing answers (both all silent, they agree)', False, cmp + [f('dead.xml'), f('empty.json')] + syn, agree),
        ('nmap and orbit agree one known-open port short', False, cmp + [f('short.xml'), f('short.json')] + syn, agree),
        ('nmap fine, orbit empty', False, cmp + [f('lab.xml'), f('empty.json')] + syn),
        ('compare_nmap needs the floor arguments', False, cmp + [f('lab.xml'), f('lab.json')]),
        ('-sA: the lab agrees', True, cmp + [f('ack.xml'), f('ack.json')] + ack),
        ('-sA: nothing answers (all filtered, they agree)', False, cmp + [f('ackdead.xml'), f('empty.json')] + ack, agree),
        ('lab_floor: nmap and orbit outputs of the lab', True, flo + syn + [f('lab.xml'), f('lab.json')]),
        ('lab_floor: an empty file', False, flo + syn + [f('lab.xml'), f('empty.xml')]),
        ('lab_floor: an XML with no hosts', False, flo + syn + [f('nohosts.xml')]),
        ('lab_floor: a floor of nothing (h13, no open port)', False, flo + ['--hosts', '198.18.1.13', '--ports', '1-1024', f('lab.xml')]),
    ]
    bad = 0
    for name, want_ok, args, *must_say in cases:
        rc, out = run(*args)
        good = (rc == 0) == want_ok and all(text in out for text in must_say)
        bad += not good
        last = out.strip().split('\n')[-1] if out.strip() else ''
        print(f"{'ok  ' if good else 'BAD '}{name}: exit {rc} (want {'0' if want_ok else 'non-zero'}) | {last}")
    floor = lab_floor.floor(hosts, lab_floor.parse_ports(PORTS))
    print(f'syn floor of the fixture: {len(floor)} ports; ack floor: '
          f'{len(lab_floor.floor(ack_hosts, lab_floor.parse_ports(ACK_PORTS), ack=True))}')
    if len(floor) != 8:  # h10 22,80; h11 21,6379; h12 53/tcp, 53/udp, 161/udp; h14 8080
        print('BAD floor size, want 8')
        bad += 1
    subprocess.run(['rm', '-rf', tmp])
    sys.exit(1 if bad else 0)


main()
