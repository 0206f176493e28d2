#!/usr/bin/env python3
"""Regenerates top-ports-{tcp,udp}.txt from a port-frequency table.

Source data: the open-frequency column of nmap-services (the Nmap project's
port-frequency figures from its Internet-wide scans), as shipped in Debian's
nmap package at /usr/share/nmap/nmap-services.  Only port numbers, ranks and the
frequencies are taken; the list is re-ranked here, ties broken by port number.
Usage: gen_top_ports.py [/usr/share/nmap/nmap-services]"""
import sys

src = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/nmap/nmap-services'
rows = {'tcp': [], 'udp': []}
for line in open(src, encoding='utf-8', errors='replace'):
    line = line.split('#', 1)[0].split()
    if len(line) < 3:
        continue
    name, portproto, freq = line[0], line[1], float(line[2])
    port, proto = portproto.split('/')
    if proto in rows and freq > 0:
        rows[proto].append((-freq, int(port), name))
for proto, r in rows.items():
    r.sort()
    with open(f'top-ports-{proto}.txt', 'w') as out:
        out.write(f'# Top {proto.upper()} ports by open frequency, most frequent first.\n')
        out.write('# Source: nmap-services open-frequency data (Nmap project), Debian nmap 7.93;\n')
        out.write('# re-ranked by targets/gen_top_ports.py. Columns: port frequency service\n')
        for negf, port, name in r[:1000]:
            out.write(f'{port}\t{-negf:.6f}\t{name}\n')
