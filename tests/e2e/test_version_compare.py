#!/usr/bin/env python3
"""Self-test of version_compare.py on XML and NDJSON pairs written here (no network):
answers that agree pass; a different product, version or service name, a missing `?`,
tcpwrapped against a name, ssl/ against plain, a port orbit did not report, an empty
nmap run, a lab where nothing answers and (--require) a daemon both find closed all fail.
  test_version_compare.py       exit 0 when every case ends as it must"""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(here, 'version_compare.py')
ADDR = '198.18.6.10'
# (proto, port, state, service attributes) of a small lab the truth file below lists
LAB = [
    ('tcp', 25, 'open', {'name': 'smtp', 'product': 'Exim smtpd', 'version': '4.96'}),
    ('tcp', 47443, 'open', {'name': 'http', 'product': 'nginx', 'version': '1.22.1', 'tunnel': 'ssl'}),
    ('tcp', 8080, 'open', {'name': 'http-proxy', 'method': 'table', 'conf': '3'}),
    ('tcp', 7777, 'open', {'name': 'tcpwrapped'}),
    ('tcp', 39418, 'open', None),
    ('udp', 123, 'open', {'name': 'ntp', 'product': 'NTP', 'version': 'v4', 'extrainfo': 'secondary server'}),
    ('udp', 69, 'open|filtered', {'name': 'tftp', 'method': 'table', 'conf': '3'}),
]
TRUTH = ''.join(f'{ADDR},{p},{n},{s}\n' for p, n, s, _ in LAB)


def xml(path, lab, scanned=True):
    """An nmap -oX file of `lab` (scaninfo lists every port of LAB when scanned)."""
    with open(path, 'w') as f:
        f.write('<?xml version="1.0"?>\n<nmaprun scanner="nmap">\n')
        if scanned:
            for proto in ('tcp', 'udp'):
                ports = ','.join(str(n) for p, n, _, _ in LAB if p == proto)
                f.write(f'<scaninfo type="syn" protocol="{proto}" services="{ports}"/>\n')
        f.write(f'<host><status state="up"/><address addr="{ADDR}" addrtype="ipv4"/><ports>\n')
        for proto, port, state, svc in lab:
            f.write(f'<port protocol="{proto}" portid="{port}"><state state="{state}"/>')
            if svc:
                attrs = dict({'method': 'probed', 'conf': '10'}, **svc)
                f.write('<service ' + ' '.join(f'{k}="{v}"' for k, v in attrs.items()) + '/>')
            f.write('</port>\n')
        f.write('</ports></host>\n</nmaprun>\n')


def ndjson(path, lab):
    with open(path, 'w') as f:
        for proto, port, state, svc in lab:
            r = {'addr': ADDR, 'proto': proto, 'port': port, 'state': state}
            if svc and svc.get('method') != 'table':
                r.update({'service': svc['name']}, **{k: v for k, v in svc.items()
                                                      if k in ('product', 'version', 'tunnel')})
                if 'extrainfo' in svc:
                    r['info'] = svc['extrainfo']
            f.write(json.dumps(r) + '\n')


def changed(port, **attrs):
    """LAB with the service of `port` changed (None: no service element; 'drop': no port)."""
    out = []
    for proto, n, state, svc in LAB:
        if n == port:
            if attrs.get('drop'):
                continue
            if 'state' in attrs:
                state = attrs['state']
            if attrs.get('svc', 1) is None:
                svc = None
            else:
                svc = {k: v for k, v in dict(svc or {}, **attrs).items()
                       if k not in ('state', 'svc') and v is not None}
        out.append((proto, n, state, svc))
    return out


def run(tmp, nmap_lab, orbit_lab, orbit_kind='xml', floor=3, nmap_scanned=True, require=False):
    truth = os.path.join(tmp, 'truth.txt')
    with open(truth, 'w') as f:
        f.write(TRUTH)
    n, o = os.path.join(tmp, 'nmap.xml'), os.path.join(tmp, 'orbit.' + orbit_kind)
    xml(n, nmap_lab, nmap_scanned)
    (xml if orbit_kind == 'xml' else ndjson)(o, orbit_lab)
    args = ['--require', truth] if require else []
    p = subprocess.run([sys.executable, COMPARE, '--truth', truth, '--min-identified', str(floor),
                        '--nmap', n, '--orbit', o] + args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix='orbit-vcmp-selftest.')
    silent = [(p, n, 'filtered' if p == 'tcp' else 'open|filtered', None) for p, n, _, _ in LAB]
    cases = [  # name, passes?, nmap's lab, orbit's lab, kwargs
        ('identical answers agree', True, LAB, LAB, {}),
        ('orbit NDJSON (table names from nmap-services) agrees', True, LAB, LAB, {'orbit_kind': 'json'}),
        ('extrainfo alone does not fail', True, LAB, changed(123, extrainfo='primary server'), {}),
        ('a different product fails', False, LAB, changed(25, product='Postfix smtpd'), {}),
        ('a different version fails', False, LAB, changed(25, version='4.95'), {}),
        ('a different service name fails', False, LAB, changed(25, name='smtps'), {}),
        ('a named service where nmap has "?" fails', False, LAB,
         changed(8080, method='probed', product='socat'), {}),
        ('"?" on one side only fails', False, LAB, changed(8080, method='probed'), {}),
        ('tcpwrapped against a name fails', False, LAB, changed(7777, name='http'), {}),
        ('ssl/ against plain http fails', False, LAB, changed(47443, tunnel=None), {}),
        ('"unknown" against a name fails', False, LAB, changed(39418, svc={}, name='git'), {}),
        ('a port orbit did not report fails', False, LAB, changed(25, drop=True), {}),
        ('open|filtered against open fails', False, LAB, changed(69, state='open'), {}),
        ('a lab where nothing answers fails (floor)', False, silent, silent, {}),
        ('an empty nmap run fails', False, [], LAB, {'nmap_scanned': False}),
        ('a floor above what nmap named fails', False, LAB, LAB, {'floor': 4}),
        ('a floor of 0 fails (it bounds nothing)', False, LAB, LAB, {'floor': 0}),
        ('--require: every port answered as the truth says passes', True, LAB, LAB, {'require': True}),
        ('--require: a daemon both find closed fails', False, changed(25, state='closed'),
         changed(25, state='closed'), {'require': True}),
    ]
    bad = 0
    for name, want, nlab, olab, kw in cases:
        rc, out = run(tmp, nlab, olab, **kw)
        good = (rc == 0) == want
        # a difference case must fail on that one port, not on the floor
        if not want and nlab == LAB and kw.get('floor', 3) == 3:
            good &= ' 1 differ' in out and out.count('DIFF') == 1
        bad += not good
        print(f"{'ok  ' if good else 'FAIL'} {name} (exit {rc})")
        if not good:
            print(out)
    print(f'test_version_compare: {len(cases) - bad} of {len(cases)} cases as they must be')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
