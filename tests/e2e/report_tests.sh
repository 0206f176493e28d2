#!/usr/bin/env bash
# The host report (issue 12), in the lab (tests/lab/lab.sh): orbit's text report against
# nmap's for the same command, after normalising what must differ (times, latencies, the
# scanner's name, nmap's submission notes, probes orbit does not send yet):
#  - -sV of h10/h11/h14 by name: names from the command line and the lab's PTRs, the
#    VERSION column, "Service Info", "http-proxy?" and the SF block of h14's socat;
#  - -sn of the on-link segment: names and "MAC Address: ... (Vendor)" lines;
#  - -sU -sV -p 53,123,161 h12.lab.orbit: "rDNS record for" (the PTR is ns.lab.orbit),
#    UDP states and services, SNMP's version from its sysDescr reply;
#  - --no-dns as nmap -n: no names but the user's;
#  - XML: valid against nmap.dtd, read by ndiff and python3-libnmap (hostnames, vendor);
#  - NDJSON to a file: only the hits by default, every answer with --report-closed.
# Floors: each comparison also needs what the lab defines (5 open ports and one SF block;
# 5 vendors not "Unknown"; 53 and 161 open), so a lab where nothing answers fails.
# Every name lookup asks the lab's DNS (198.18.1.12): orbit with --dns-servers, and both
# tools through a private /etc/resolv.conf (unshare -m inside orbit-scan), never the
# machine's servers. About 25 s.
#   report_tests.sh ORBIT_BINARY       prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
dns=198.18.1.12
echo "nameserver $dns" >"$tmp/resolv.conf"
# In orbit-scan with the lab's DNS as the resolver of getaddrinfo (target names).
inlab() {
	timeout 120 ip netns exec orbit-scan unshare -m sh -c \
		'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$tmp/resolv.conf" "$@"
}
scan() { inlab "$orbit" --blocklist-file "$lab_block" --dns-servers $dns "$@"; }
nmap_ref() { inlab nmap --dns-servers $dns "$@" >/dev/null 2>&1 || echo "note: nmap $* exited $?"; }

bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }

# What must differ, made equal: comments (times, command lines), the scanner's name,
# latencies, nmap's closing note, the submission text, the SF lines after the port
# (nmap sends every probe, orbit one so far) and the CPE list of Service Info (orbit's ssh
# module names the OS without nmap's probe line).
normalise() {
	sed -e '/^#/d' -e 's/^Nmap scan report/orbit scan report/' \
	    -e 's/^Host is up (.* latency)\./Host is up./' \
	    -e '/^Service detection performed/d' \
	    -e 's/^\([0-9]* services\{0,1\} unrecognized despite returning data\)\..*/\1./' \
	    -e 's/^\(SF-Port[0-9]*-[A-Z]*\):.*/\1/' -e '/^SF:/d' \
	    -e 's/; CPE: .*//' -e '/^Warning: File .* exists, but Nmap is using /d' "$1"
}
compare() { # NAME NMAP ORBIT [FILTER]: diff of the normalised reports
	local filter=${4:-cat}
	normalise "$2" | $filter >"$2.norm"
	normalise "$3" | $filter >"$3.norm"
	diff -u --label nmap --label orbit "$2.norm" "$3.norm" >"$3.diff" && return 0
	cat "$3.diff"
	return 1
}

# 1. -sV by name.
sv_ports=21,22,80,6379,8080
sv_hosts="h10.lab.orbit h11.lab.orbit h14.lab.orbit"
nmap_ref -sV -p $sv_ports -oN "$tmp/n-sv.txt" -oX "$tmp/n-sv.xml" $sv_hosts
scan --backend afpacket --interface orbit-s0 -sV -p $sv_ports -oN "$tmp/o-sv.txt" -oX "$tmp/o-sv.xml" \
	$sv_hosts >"$tmp/o-sv.json" 2>"$tmp/o-sv.err"
compare sv "$tmp/n-sv.txt" "$tmp/o-sv.txt"
rc=$?
open=$(grep -c '^[0-9]*/tcp *open ' "$tmp/o-sv.txt")
echo "-sV: $open open ports in orbit's report (floor 5), $(grep -c '^SF-Port8080-TCP:V=' "$tmp/o-sv.txt") SF block"
[ $rc -eq 0 ] && [ "$open" -ge 5 ] && grep -q '^8080/tcp open *http-proxy?$' "$tmp/o-sv.txt" &&
	grep -q '^SF-Port8080-TCP:V=' "$tmp/o-sv.txt" &&
	grep -q '^orbit scan report for h10.lab.orbit (198.18.1.10)$' "$tmp/o-sv.txt"
result "orbit -sV -p $sv_ports $sv_hosts: nmap's report (names, versions, Service Info, ?, SF)" $?

# 2. XML readers: the DTD, ndiff, python3-libnmap.
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/o-sv.xml" 2>"$tmp/dtd.err"
dtd=$?
ndiff "$tmp/n-sv.xml" "$tmp/o-sv.xml" >"$tmp/ndiff.txt" 2>&1
nd=$? # 0 same, 1 different: both mean ndiff read the file
/usr/bin/python3 - "$tmp/o-sv.xml" <<'PY'
import sys
from libnmap.parser import NmapParser
r = NmapParser.parse_fromfile(sys.argv[1])
h = {x.address: x for x in r.hosts}
h10, h14 = h['198.18.1.10'], h['198.18.1.14']
assert 'h10.lab.orbit' in h10.hostnames, h10.hostnames
ssh = [s for s in h10.services if s.port == 22][0]
assert ssh.service == 'ssh' and 'OpenSSH' in ssh.banner, ssh.banner
proxy = [s for s in h14.services if s.port == 8080][0]
assert proxy.servicefp.startswith('SF-Port8080-TCP:V='), proxy.servicefp
print('libnmap: %d hosts, h10 named %s, ssh %r' % (len(r.hosts), h10.hostnames, ssh.banner))
PY
lib=$?
echo "XML: DTD $dtd, ndiff $nd, libnmap $lib"
[ $dtd -eq 0 ] && [ $nd -le 1 ] && [ $lib -eq 0 ] && grep -q '<hostname name="h10.lab.orbit" type="PTR"/>' "$tmp/o-sv.xml"
result "orbit's XML: nmap.dtd-valid, read by ndiff and python3-libnmap (hostnames, servicefp)" $?

# 3. -sn of the on-link segment: vendors. nmap lists the scanner's own address (orbit does
# not send to itself): that host is left out of nmap's side.
nmap_ref -sn -oN "$tmp/n-sn.txt" 198.18.5.0/24
scan --backend afpacket --interface orbit-s1 -sn --cooldown 1 -oN "$tmp/o-sn.txt" 198.18.5.0/24 \
	>/dev/null 2>"$tmp/o-sn.err"
drop_self() { sed '/(198\.18\.5\.2)$/,/^Host is up/d'; }
compare sn "$tmp/n-sn.txt" "$tmp/o-sn.txt" drop_self
rc=$?
vendors=$(grep -c '^MAC Address: .* ([^U][^)]*)$' "$tmp/o-sn.txt")
echo "-sn: $vendors MAC lines with a vendor (floor 5)"
[ $rc -eq 0 ] && [ "$vendors" -ge 5 ]
result "orbit -sn 198.18.5.0/24: nmap's hosts, names and MAC vendors" $?

# 4. -sU -sV by a name whose PTR differs: rDNS record line; UDP services and states
# (orbit's version strings come from its own payloads' replies: the VERSION column and
# Service Info are compared only for being there; SNMP's product as nmap -sV names it,
# its probe's "SNMPv1 server" and the version script snmp-info's "net-snmp SNMPv3 server").
nmap_ref -sU -sV -p 53,123,161 -oN "$tmp/n-udp.txt" h12.lab.orbit
scan --backend afpacket --interface orbit-s0 -sU -sV -p 53,123,161 -oN "$tmp/o-udp.txt" h12.lab.orbit \
	>/dev/null 2>"$tmp/o-udp.err"
columns() { sed -e 's/^\([0-9]*\/udp *[a-z|]* *[a-z-]*\).*/\1/' -e 's/ *$//' -e '/^Service Info/d' -e '/^PORT/d'; }
compare udp "$tmp/n-udp.txt" "$tmp/o-udp.txt" columns
rc=$?
[ $rc -eq 0 ] && grep -q '^rDNS record for 198.18.1.12: ns.lab.orbit$' "$tmp/o-udp.txt" &&
	grep -q '^53/udp *open *domain' "$tmp/o-udp.txt" &&
	grep -q '^161/udp *open *snmp *SNMPv[12]c\{0,1\} server; net-snmp SNMPv3 server (public)$' "$tmp/o-udp.txt"
result "orbit -sU -sV -p 53,123,161 h12.lab.orbit: rDNS line, UDP states, SNMP version" $?

# 5. --no-dns as nmap -n: the user's name stays, no PTR asked.
nmap_ref -n -p 22,80 -oN "$tmp/n-n.txt" h10.lab.orbit 198.18.1.11
scan --backend afpacket --interface orbit-s0 --no-dns -p 22,80 -oN "$tmp/o-n.txt" h10.lab.orbit 198.18.1.11 \
	>/dev/null 2>"$tmp/o-n.err"
compare no-dns "$tmp/n-n.txt" "$tmp/o-n.txt"
rc=$?
[ $rc -eq 0 ] && grep -q '^orbit scan report for 198.18.1.11$' "$tmp/o-n.txt" &&
	! grep -q 'reverse DNS' "$tmp/o-n.err"
result "orbit --no-dns agrees with nmap -n (the user's name only)" $?

# 6. NDJSON to a file: the hits by default, every answer with --report-closed.
scan --backend afpacket --interface orbit-s0 -p 21,22,80 h10.lab.orbit >"$tmp/hits.json" 2>/dev/null
scan --backend afpacket --interface orbit-s0 -p 21,22,80 --report-closed h10.lab.orbit >"$tmp/all.json" 2>/dev/null
/usr/bin/python3 - "$tmp/hits.json" "$tmp/all.json" <<'PY'
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
every = [json.loads(l) for l in open(sys.argv[2])]
ports = lambda v, s: sorted(r['port'] for r in v if r.get('state') == s)
ptr = [r for r in hits if 'ptr' not in r and r.get('hostname') != 'h10.lab.orbit']
print('hits: open %s closed %s; --report-closed: open %s closed %s' % (
    ports(hits, 'open'), ports(hits, 'closed'), ports(every, 'open'), ports(every, 'closed')))
ok = (ports(hits, 'open') == [22, 80] and ports(hits, 'closed') == [] and
      ports(every, 'open') == [22, 80] and ports(every, 'closed') == [21] and not ptr)
sys.exit(0 if ok else 1)
PY
result "NDJSON: only the hits by default, closed ports with --report-closed, hostname on each" $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
