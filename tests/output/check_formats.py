#!/usr/bin/env python3
"""Every output format of orbit, read back by an independent reader.

output_tool (tests/support/output_tool.c) writes one synthetic scan through the output
set in every format; this script parses each with a reader that shares no code with
orbit -- python's json and csv modules, xmllint against Nmap's own DTD, Debian's ndiff
-- and checks the content, not just the syntax.
  check_formats.py OUTPUT_TOOL
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

tool = sys.argv[1]
failures = 0


def check(cond, what):
    global failures
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures += 1


with tempfile.TemporaryDirectory() as d0, tempfile.TemporaryDirectory() as d1:
    for d, variant in ((d0, 0), (d1, 1)):
        subprocess.run([tool, d, str(variant)], check=True)
    p = lambda name: os.path.join(d0, name)

    # NDJSON: every line one object; the answered results, no complement by default.
    rows = [json.loads(line) for line in open(p('out.ndjson'))]
    check(len(rows) == 1024 + 1 + 1 + 1 + 20, f'ndjson: {len(rows)} answered results')
    keys = {(r['addr'], r['proto'], r.get('port')) for r in rows}
    check(len(keys) == len(rows), 'ndjson: each result once')
    r22 = next(r for r in rows if r['addr'] == '198.18.1.10' and r.get('port') == 22)
    check(r22['state'] == 'open' and r22['reason'] == 'syn-ack' and r22['mss'] == 1460 and
          r22['rtt_us'] == 420 and r22['time'] == '2026-11-25T11:33:57.123456Z', 'ndjson: fields of 22/tcp')
    r23 = next(r for r in rows if r['addr'] == '198.18.1.11' and r.get('port') == 23)
    check(r23['responder'] == '198.18.1.1' and r23['icmp_code'] == 13, 'ndjson: ICMP error fields')

    # --report-all: the complement too, as filtered / open|filtered with no-response.
    rows = [json.loads(line) for line in open(p('all.ndjson'))]
    unanswered = [r for r in rows if r['reason'] == 'no-response']
    check(len(rows) == 1047 + 2028 and len(unanswered) == 2028, f'report-all: {len(rows)} results, {len(unanswered)} unanswered')
    check({r['state'] for r in unanswered if r['proto'] == 'tcp'} == {'filtered'} and
          {r['state'] for r in unanswered if r['proto'] == 'udp'} == {'open|filtered'}, 'report-all: states of the unanswered')
    check(all('ttl' not in r for r in unanswered), 'report-all: no reply fields on the unanswered')

    # Filter.
    rows = [json.loads(line) for line in open(p('filt.ndjson'))]
    got = sorted((r['addr'], r['proto'], r['port']) for r in rows)
    check(got == [('198.18.1.10', 'tcp', 80), ('198.18.1.10', 'udp', 53), ('198.18.1.11', 'tcp', 21)],
          f'filter: {got}')

    # Concurrent writers: whole lines, nothing lost, nothing twice.
    rows = [json.loads(line) for line in open(p('threads.ndjson'))]
    check(len(rows) == 20000 and len({r['addr'] for r in rows}) == 20000, f'4 threads: {len(rows)} whole lines')

    # CSV: a header row, every field, the python csv reader agrees on every row.
    with open(p('out.csv'), newline='') as f:
        rows = list(csv.DictReader(f))
    with open(p('out.csv'), newline='') as f:
        header = next(csv.reader(f))
    fields = subprocess.run([os.path.join(os.path.dirname(tool), '..', 'orbit'), '--list-fields'],
                            capture_output=True, text=True).stdout.split('\n')
    names = [line.split()[0] for line in fields if line.strip()]
    check(header == names, f'csv: header is every field of --list-fields ({len(header)})')
    check(len(rows) == 1047, f'csv: {len(rows)} rows')
    r = next(r for r in rows if r['addr'] == '198.18.1.10' and r['port'] == '22')
    check(r['state'] == 'open' and r['service'] == 'ssh' and r['sack'] == 'true' and r['mss'] == '1460',
          'csv: values of 22/tcp')
    r = next(r for r in rows if r['addr'] == '198.18.1.10' and r['port'] == '23')
    check(r['mss'] == '' and r['state'] == 'closed', 'csv: absent field is empty')
    with open(p('sel.csv'), newline='') as f:
        rows = list(csv.reader(f))
    check(rows[0] == ['addr', 'port', 'state', 'service'] and all(len(x) == 4 for x in rows),
          'csv -f: chosen fields in order')

    # XML: valid against Nmap's DTD; ndiff reads it and sees exactly the one change.
    for d in (d0, d1):
        rc = subprocess.run(['xmllint', '--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd',
                             os.path.join(d, 'out.xml')]).returncode
        check(rc == 0, f'xmllint --dtdvalid nmap.dtd {os.path.basename(d)}/out.xml')
    nd = subprocess.run(['ndiff', p('out.xml'), os.path.join(d1, 'out.xml')], capture_output=True, text=True)
    changes = [line for line in nd.stdout.split('\n') if re.match(r'^[-+] *\d+/(tcp|udp)', line)]
    # Closed, 80 joins the summarised closed ports: ndiff shows it leaving the list.
    check(nd.returncode == 1 and changes == ['-80/tcp open  http'], f'ndiff sees 80/tcp no longer open: {changes}')
    same = subprocess.run(['ndiff', p('out.xml'), p('out.xml')], capture_output=True, text=True)
    check(same.returncode == 0, 'ndiff: a file against itself has no differences')
    x = open(p('out.xml')).read()
    check('<extraports state="closed" count="1022">' in x and
          '<extrareasons reason="reset" count="1022" proto="tcp" ports="1-21,23-79,81-1024"/>' in x,
          'xml: extraports of 198.18.1.10')
    check('args="orbit -sS -p T:1-1024,U:53 --cooldown 2 198.18.1.10-198.18.1.12 &apos;a&amp;b&lt;c&gt;&quot;d&quot;&apos;"' in x,
          'xml: args escaped')
    check('<hosts up="2" down="1" total="3"/>' in x, 'xml: runstats hosts')

    # Normal (text) report: Nmap's layout.
    t = open(p('out.txt')).read()
    want_h10 = ('orbit scan report for 198.18.1.10\nHost is up (0.00042s latency).\n'
                'Not shown: 1022 closed tcp ports (reset)\nPORT   STATE SERVICE\n'
                '22/tcp open  ssh\n80/tcp open  http\n53/udp open  domain\n\n')
    check(want_h10 in t, 'text: 198.18.1.10 block')
    want_h11 = ('orbit scan report for 198.18.1.11\nHost is up (0.00042s latency).\n'
                'Not shown: 1003 filtered tcp ports (1002 no-response, 1 admin-prohibited)\n'
                'PORT   STATE         SERVICE\n1/tcp  closed        tcpmux\n')
    check(want_h11 in t, 'text: 198.18.1.11 summary with two reasons')
    check('\n20/tcp closed        ftp-data\n21/tcp open          ftp\n53/udp open|filtered domain\n\n' in t,
          'text: 20 closed ports are listed (25 or fewer), columns aligned')
    check('198.18.1.12' not in t.split('\n', 1)[1].rsplit('\n', 2)[0], 'text: a host that never answered is not listed')
    check(re.search(r'# orbit done at .* -- 3 IP addresses \(2 hosts up\) scanned in 2\.50 seconds\n$', t) is not None,
          'text: footer')

    # Grepable.
    g = open(p('out.gnmap')).read().split('\n')
    check('Host: 198.18.1.10 ()\tPorts: 22/open/tcp//ssh///, 80/open/tcp//http///, 53/open/udp//domain///\tIgnored State: closed (1022)' in g,
          'grepable: 198.18.1.10 ports line')
    check(any(line.startswith('Host: 198.18.1.11 ()\tPorts: 1/closed/tcp//tcpmux///') and
              line.endswith('\tIgnored State: filtered (1003)') for line in g), 'grepable: 198.18.1.11 ports line')

print(f'{failures} failed')
sys.exit(1 if failures else 0)
