#!/usr/bin/env python3
"""nmap's command line on orbit: every option of this machine's `nmap --help` either works
as nmap's (exit 0, checked through --print-config or --dry-run), is refused in one line
naming that nmap option (exit 2), or is owned by another part of orbit (named in OWNED, so
a merge flips it to WORKS); an option of `nmap --help` in none of the tables fails the test.
Also: abbreviations refused, misspellings get the nearest name, -T0..-T5 set the mapped
knobs, the default / -F / --top-ports lists equal nmap's own (read from nmap's XML
scaninfo, under the lab lock in orbit-scan; skipped without nmap or the lab), and -oA
writes BASE.nmap, BASE.xml and BASE.gnmap (pcap backend from an empty capture: nothing is
sent). Runs under the lab lock like the rest of suite cli. Prints PASS/FAIL lines and "N passed, N failed".
  test_nmap_cli.py ORBIT_BINARY SOURCE_ROOT"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

orbit = os.path.realpath(sys.argv[1])
src = os.path.realpath(sys.argv[2])
block = os.path.join(src, 'tests/lab/lab-blocklist.conf')
HOST = '198.18.1.13'
passed = failed = 0


def result(ok, what):
    global passed, failed
    print(('PASS: ' if ok else 'FAIL: ') + what)
    if ok:
        passed += 1
    else:
        failed += 1


def run(*args, cwd=None):
    p = subprocess.run([orbit, *args], capture_output=True, text=True, cwd=cwd, timeout=60)
    return p.returncode, p.stdout, p.stderr


def config_of(*args):
    rc, out, err = run(*args, '--print-config', HOST)
    cfg = {}
    for line in out.splitlines():
        k, _, v = line.partition(':')
        cfg[k] = v.strip().strip('"')
    return rc, cfg, err


# --- every option of `nmap --help` -------------------------------------------------------
# Options that work as nmap's: the arguments of a --print-config run, and the keys it must
# show (None: exit 0 is enough).
WORKS = {
    '-iL': (['-iL', '/dev/null'], {'input-file': '/dev/null'}),
    '--excludefile': (['--excludefile', block], {'blocklist-file': block}),
    '-sS': (['-sS'], {'syn': 'true'}),
    '-sA': (['-sA'], {'ack': 'true'}),
    '-sU': (['-sU'], {'udp': 'true'}),
    '-p': (['-p', '22,80'], {'ports': '22,80'}),
    '-F': (['-F'], {'fast': 'true'}),
    '-r': (['-r'], {'ports-in-order': 'true'}),
    '--reason': (['--reason'], {'reason': 'true'}),
    '--packet-trace': (['--packet-trace'], {'packet-trace': 'true'}),
    '--top-ports': (['--top-ports', '5000'], {'top-ports': '5000'}),
    '-T': (['-T4'], {'timing': '4', 'rate': '50000'}),
    '--max-retries': (['--max-retries', '3'], {'max-retries': '3'}),
    '--scan-delay': (['--scan-delay', '1s'], {'scan-delay': '1000'}),
    '--min-rate': (['--min-rate', '20000'], {'rate': '20000'}),
    '--max-rate': (['--max-rate', '500'], {'rate': '500'}),
    '-S': (['-S', '198.18.0.2'], {'source-ip': '198.18.0.2'}),
    '-e': (['-e', 'orbit-s0'], {'interface': 'orbit-s0'}),
    '-g': (['-g', '53'], {'source-port': '53'}),
    '--source-port': (['--source-port', '53'], {'source-port': '53'}),
    '--ttl': (['--ttl', '33'], {'probe-ttl': '33'}),
    '-oN': (['-oN', 'x.nmap'], {'output-normal': 'x.nmap'}),
    '-oX': (['-oX', 'x.xml'], {'output-xml': 'x.xml'}),
    '-oG': (['-oG', 'x.gnmap'], {'output-grepable': 'x.gnmap'}),
    '-oA': (['-oA', 'x'], {'output-all': 'x', 'output-normal': 'x.nmap', 'output-xml': 'x.xml',
                           'output-grepable': 'x.gnmap'}),
    '-v': (['-v', '-vv'], {'verbosity': '3'}),
    '-d': (['-dd'], {'debug-level': '2'}),
    '--open': (['--open'], {'open': 'true',
                            'output-filter': 'state = open || state = open|filtered'}),
    '--resume': (['--resume', '/dev/null'], {'resume': '/dev/null'}),
    '--noninteractive': (['--noninteractive'], None),
    '--send-eth': (['--send-eth'], None),
    '-V': (['-V'], None),
    '-h': (['-h'], None),
}
# Options another helper's branch implements (issue 12's discovery and report, 13-15).
OWNED = {
    'discovery': ['-sn', '-Pn', '-PS', '-PA', '-PU', '-PE', '-PP'],
    'report': ['-n', '-R', '--dns-servers', '--system-dns'],
    'vscan': ['-sV', '--version-intensity', '--version-light', '--version-all',
              '--version-trace'],
    'nse': ['-sC', '--script', '--script-args', '--script-args-file', '--script-trace',
            '--script-updatedb', '--script-help'],
    'osdetect': ['-O', '--osscan-limit', '--osscan-guess'],
}
# Refused in one line: "nmap's X (...) is not supported" (the arguments to try).
REFUSED = {
    '-iR': ['-iR', '10'], '--exclude': ['--exclude', '198.18.1.1'], '-sL': ['-sL'],
    '-PY': ['-PY22'], '-PM': ['-PM'], '-PO': ['-PO1'], '--traceroute': ['--traceroute'],
    '-sT': ['-sT'], '-sW': ['-sW'], '-sM': ['-sM'], '-sN': ['-sN'], '-sF': ['-sF'],
    '-sX': ['-sX'], '--scanflags': ['--scanflags', 'SYNFIN'], '-sI': ['-sI', '198.18.1.2'],
    '-sY': ['-sY'], '-sZ': ['-sZ'], '-sO': ['-sO'], '-b': ['-b', 'ftp.lab'],
    '--exclude-ports': ['--exclude-ports', '22'], '--port-ratio': ['--port-ratio', '0.1'],
    '--min-hostgroup': ['--min-hostgroup', '4'], '--max-hostgroup': ['--max-hostgroup', '4'],
    '--min-parallelism': ['--min-parallelism', '4'],
    '--max-parallelism': ['--max-parallelism', '4'],
    '--min-rtt-timeout': ['--min-rtt-timeout', '1s'],
    '--max-rtt-timeout': ['--max-rtt-timeout', '1s'],
    '--initial-rtt-timeout': ['--initial-rtt-timeout', '1s'],
    '--host-timeout': ['--host-timeout', '1m'], '--max-scan-delay': ['--max-scan-delay', '1s'],
    '-f': ['-f'], '--mtu': ['--mtu', '16'], '-D': ['-D', 'RND:10'],
    '--proxies': ['--proxies', 'http://x'], '--data': ['--data', '00'],
    '--data-string': ['--data-string', 'x'], '--data-length': ['--data-length', '9'],
    '--ip-options': ['--ip-options', 'R'], '--spoof-mac': ['--spoof-mac', '0'],
    '--badsum': ['--badsum'], '-oS': ['-oS', 'x'], '--iflist': ['--iflist'],
    '--append-output': ['--append-output'], '--stylesheet': ['--stylesheet', 'x.xsl'],
    '--webxml': ['--webxml'], '--no-stylesheet': ['--no-stylesheet'], '-A': ['-A'],
    '--datadir': ['--datadir', '/tmp'], '--send-ip': ['--send-ip'],
    '--privileged': ['--privileged'], '--unprivileged': ['--unprivileged'],
}


def nmap_help_options():
    """The options `nmap --help` names: "-sS/sT/sA", "-PS/PA/PU/PY[portlist]", "-n/-R",
    "--min-rtt-timeout/max-rtt-timeout", "-g/--source-port", "-f; --mtu", "-T<0-5>"."""
    text = subprocess.run(['nmap', '--help'], capture_output=True, text=True).stdout
    found = []
    for line in text.splitlines():
        m = re.match(r'\s+(-[^:]*?)(:| <|\s{2}|$)', line)
        if not m or line.strip().startswith('Ex:'):
            continue
        for chunk in re.split(r';\s*', m.group(1)):
            chunk = re.sub(r'[\[<=].*', '', chunk.split()[0] if chunk.split() else '')
            parts = chunk.split('/')
            first = parts[0]
            found.append(first)
            for p in parts[1:]:
                if p.startswith('-'):
                    found.append(p)
                elif first.startswith('--'):
                    found.append('--' + p)
                else:  # -sS/sT: the same first letter
                    found.append('-' + p)
    return [f for f in dict.fromkeys(found) if re.match(r'^--?[A-Za-z0-9]', f)]


def check_every_nmap_option():
    if not shutil.which('nmap'):
        result(False, 'nmap is not installed: the option list comes from nmap --help')
        return
    options = nmap_help_options()
    owned = {o: owner for owner, opts in OWNED.items() for o in opts}
    result(len(options) > 80, f'nmap --help names {len(options)} options (> 80)')
    for opt in options:
        if opt in WORKS:
            args, want = WORKS[opt]
            rc, cfg, err = config_of(*args)
            bad = [f'{k}={cfg.get(k)!r}' for k, v in (want or {}).items() if cfg.get(k) != v]
            result(rc == 0 and not bad, f'{opt} works as nmap\'s: {" ".join(args)} (exit {rc}'
                   f'{"; " + ", ".join(bad) if bad else ""}{"; " + err.strip() if rc else ""})')
        elif opt in REFUSED:
            rc, out, err = run(*REFUSED[opt], '-p', '80', HOST)
            lines = err.splitlines()
            want = '-6 (IPv6) is not supported yet' if opt == '-6' else \
                f"orbit: nmap's {opt} ("
            ok = rc == 2 and len(lines) == 1 and lines[0].startswith(want) and \
                lines[0].endswith('is not supported') and not out
            result(ok, f'{opt} refused in one line (exit {rc}: {err.strip()})')
        elif opt == '-6':
            rc, out, err = run('-6', HOST)
            result(rc == 2 and err == 'orbit: -6 (IPv6) is not supported yet\n',
                   f'-6: exit {rc}: {err.strip()}')
        elif opt in owned:
            print(f'OWNED: {opt} by the {owned[opt]} branch')
        else:
            result(False, f'{opt} of nmap --help is in no table of this test')


def check_spelling():
    for args, want in [(['--ra', '5'], "unknown option '--ra'; did you mean --rate?"),
                       (['--rat', '5'], "unknown option '--rat'; did you mean --rate?"),
                       (['--rate=5', '--dry-ru'], "unknown option '--dry-ru'; did you mean --dry-run?"),
                       (['--max-tar', '5'], "did you mean --max-targets?"),
                       (['--frobnicate'], "unknown option '--frobnicate'")]:
        rc, out, err = run(*args, HOST)
        result(rc == 2 and len(err.splitlines()) == 1 and want in err,
               f'{" ".join(args)}: exit {rc}: {err.strip()}')
    # A value that starts with "--" is a value, not a misspelt option.
    rc, cfg, err = config_of('--dpdk-args', '--no-huge --vdev=x')
    result(rc == 0 and cfg.get('dpdk-args') == '--no-huge --vdev=x',
           f'--dpdk-args "--no-huge ..." stays a value (exit {rc} {err.strip()})')


TEMPLATES = {  # rate, max-retries, cooldown, grab-timeout, scan-delay (man page table)
    '0': ('10000', '10', '10', '10', '300000'), 'paranoid': ('10000', '10', '10', '10', '300000'),
    '1': ('10000', '10', '10', '10', '15000'), 'sneaky': ('10000', '10', '10', '10', '15000'),
    '2': ('10000', '10', '10', '10', '400'), 'polite': ('10000', '10', '10', '10', '400'),
    '3': ('10000', '10', '8', '10', '0'), 'normal': ('10000', '10', '8', '10', '0'),
    '4': ('50000', '6', '2', '6', '0'), 'aggressive': ('50000', '6', '2', '6', '0'),
    '5': ('200000', '2', '1', '3', '0'), 'insane': ('200000', '2', '1', '3', '0'),
}
KNOBS = ('rate', 'max-retries', 'cooldown', 'grab-timeout', 'scan-delay')


def check_timing():
    for t, want in TEMPLATES.items():
        rc, cfg, err = config_of('-T' + t)
        got = tuple(cfg.get(k) for k in KNOBS)
        result(rc == 0 and got == want, f'-T{t} sets {dict(zip(KNOBS, got))} (want {want})')
    # A knob given explicitly wins over the template, wherever it stands.
    rc, cfg, err = config_of('--max-retries', '9', '-T5', '--cooldown', '4')
    result(rc == 0 and cfg.get('max-retries') == '9' and cfg.get('cooldown') == '4' and
           cfg.get('rate') == '200000', f'-T5 leaves --max-retries 9 and --cooldown 4: {cfg.get("max-retries")} {cfg.get("cooldown")}')
    rc, out, err = run('-T6', HOST)
    result(rc == 2 and "invalid value '6' for --timing" in err, f'-T6 refused: {err.strip()}')
    rc, out, err = run('--min-rate', '10', '--scan-delay', '1s', HOST)
    result(rc == 2 and '--min-rate' in err, f'--min-rate 10 with --scan-delay 1s: {err.strip()}')


def walk_ports(*args):
    p = subprocess.run([orbit, '--dry-run', '--blocklist-file', block, *args, HOST],
                       capture_output=True, text=True, timeout=60)
    rows = [l.split(',') for l in p.stdout.split()]
    return p.returncode, sorted({int(r[2]) for r in rows}), {r[1] for r in rows}


def expand_services(spec):
    ports = []
    for item in spec.split(','):
        lo, _, hi = item.partition('-')
        ports += range(int(lo), int(hi or lo) + 1)
    return sorted(ports)


def nmap_ports(scan, extra):
    """nmap's own port list: <scaninfo services=...> of a scan it starts (one host of the
    lab, stopped after a second)."""
    # The suite runs under the lab lock (flock -o /tmp/orbit-lab.lock meson test --suite cli).
    cmd = ['ip', 'netns', 'exec', 'orbit-scan', 'nmap', scan, *extra, '-n', '-Pn',
           '--host-timeout', '1s', '-oX', '-', HOST]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'<scaninfo [^>]*services="([^"]*)"', out)
    return expand_services(m.group(1)) if m else []


def check_top_ports():
    rc, ports, protos = walk_ports()
    result(rc == 0 and len(ports) == 1000 and protos == {'tcp'}, f'no -p: {len(ports)} {protos} ports (want 1000 tcp)')
    rc, ports, protos = walk_ports('-sU')
    result(rc == 0 and len(ports) == 1000 and protos == {'udp'}, f'-sU, no -p: {len(ports)} {protos} ports')
    rc, ports, _ = walk_ports('-F')
    result(rc == 0 and len(ports) == 100, f'-F: {len(ports)} ports (want 100)')
    rc, ports, _ = walk_ports('--top-ports', '8000')
    result(rc == 0 and len(ports) == 8000, f'--top-ports 8000: {len(ports)} ports')
    rc, out, err = run('--top-ports', '65535', HOST)
    result(rc == 2 and 'nmap-services has' in err, f'--top-ports 65535: {err.strip()}')
    rc, out, err = run('-F', '-p', '80', HOST)
    result(rc == 2 and '-F' in err, f'-F with -p refused: {err.strip()}')
    if not shutil.which('nmap') or not os.path.exists('/run/netns/orbit-scan') or \
            os.environ.get('ORBIT_SKIP_NMAP_LISTS'):
        print('SKIP: nmap\'s own lists (no nmap or no lab namespace orbit-scan)')
        return
    for scan, extra, args in [('-sS', [], []), ('-sS', ['-F'], ['-F']),
                              ('-sS', ['--top-ports', '100'], ['--top-ports', '100']),
                              ('-sS', ['--top-ports', '1000'], ['--top-ports', '1000']),
                              ('-sU', ['--top-ports', '100'], ['-sU', '--top-ports', '100']),
                              ('-sU', ['--top-ports', '1000'], ['-sU', '--top-ports', '1000']),
                              ('-sU', [], ['-sU'])]:
        theirs = nmap_ports(scan, extra)
        _, ours, _ = walk_ports(*args)
        n = len(theirs)
        result(n >= 100 and ours == theirs,
               f'nmap {scan} {" ".join(extra)}: {n} ports; orbit {" ".join(args) or "(default)"}: '
               f'{len(ours)}, {"the same" if ours == theirs else "differ: " + str(sorted(set(ours) ^ set(theirs))[:8])}')


def check_output_all():
    tmp = tempfile.mkdtemp(prefix='orbit-cli-nmap.')
    try:
        with open(os.path.join(tmp, 'empty.pcap'), 'wb') as f:  # no replies: nothing sent
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        rc, out, err = run('--backend', 'pcap', '--rx-pcap', 'empty.pcap', '-oA', 'base', '-p', '80',
                           '--blocklist-file', block, '--cooldown', '0', '--quiet', HOST, cwd=tmp)
        files = sorted(f for f in os.listdir(tmp) if f.startswith('base'))
        xml = open(os.path.join(tmp, 'base.xml')).read() if 'base.xml' in files else ''
        result(rc == 0 and files == ['base.gnmap', 'base.nmap', 'base.xml'] and '<nmaprun' in xml,
               f'-oA base wrote {files} (exit {rc} {err.strip()})')
        rc, out, err = run('-oA', 'base', '-oX', 'other.xml', HOST)
        result(rc == 2 and '-oA' in err, f'-oA base -oX other.xml: {err.strip()}')
    finally:
        shutil.rmtree(tmp)


def check_in_order():
    def walk(*args):
        p = subprocess.run([orbit, '--dry-run', '--blocklist-file', block, *args,
                            '198.18.1.10-198.18.1.29'], capture_output=True, text=True, timeout=60)
        rows = [l.split(',') for l in p.stdout.split()]
        return [(tuple(int(o) for o in r[0].split('.')), r[1], int(r[2])) for r in rows]
    for args in (['-p', '22,80,443,8080'], ['-F', '--tx-threads', '3'], ['-sS', '-sU', '-p', '53,161']):
        got = walk('-r', *args)
        shuffled = walk('--seed', '1', *args)
        result(len(got) > 50 and got == sorted(got) and sorted(shuffled) == got and shuffled != got,
               f'-r {" ".join(args)}: {len(got)} probes, hosts then ports ascending (without -r: '
               f'the same set, {"shuffled" if shuffled != got else "IN ORDER TOO"})')


def check_open():
    tmp = tempfile.mkdtemp(prefix='orbit-cli-nmap.')
    try:
        path = os.path.join(tmp, 'open.yaml')
        rc, out, err = run('--open', '--output-filter', 'port = 22', '--print-config', HOST)
        open(path, 'w').write(out)
        rc2, again, err2 = run('-c', path, '--print-config')
        want = 'output-filter: "(port = 22) && (state = open || state = open|filtered)"'
        result(rc == 0 and rc2 == 0 and want in out and out == again,
               f'--open joins --output-filter, and reads back the same: {err.strip()} {err2.strip()}')
    finally:
        shutil.rmtree(tmp)


def check_letters():
    rc, out, err = run('-6', HOST)
    result(rc == 2 and err == 'orbit: -6 (IPv6) is not supported yet\n', f'-6: {err.strip()}')
    # zmap's letters that meant something else are gone: -n is not --max-targets, -r not --rate.
    # Refused, or nmap's meaning (-n: no DNS, -O: OS detection): never zmap's.
    zmap_meaning = {'-n': 'max-targets', '-O': 'output-format', '-o': 'output-file',
                    '-i': 'interface', '-s': 'source-port', '-b': 'blocklist-file',
                    '-f': 'fields', '-P': 'probes'}
    for letter, key in zmap_meaning.items():
        rc, cfg, err = config_of(letter, '5')
        result(rc == 2 or (rc == 0 and '5' not in (cfg.get(key) or '')),
               f'{letter} 5 is no longer zmap\'s --{key} (exit {rc}: {err.strip()})')
    rc, out, err = run('-sn', '-PS22,80', '-PE', '--print-config', HOST)
    result(rc == 0 and '- "PS22,80"' in out and '- "PE"' in out,
           f'-PS22,80 -PE: nmap\'s ping letters keep their values (ping-probe): {err.strip()}')
    rc, cfg, err = config_of('-r', '198.18.1.14')
    result(rc == 0 and cfg.get('rate') == '10000' and cfg.get('ports-in-order') == 'true',
           f'-r is ports in order, not --rate: rate {cfg.get("rate")}')
    rc, cfg, err = config_of('-v2')
    result(rc == 0 and cfg.get('verbosity') == '2', f'-v2 is verbosity 2: {cfg.get("verbosity")}')
    rc, cfg, err = config_of('-T', '4')
    result(rc == 0 and cfg.get('tx-threads') == '1' and cfg.get('timing') == '4',
           f'-T 4 is the template, not 4 threads: tx-threads {cfg.get("tx-threads")}')


check_every_nmap_option()
check_spelling()
check_timing()
check_top_ports()
check_output_all()
check_open()
check_in_order()
check_letters()
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
