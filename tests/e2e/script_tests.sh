#!/usr/bin/env bash
# Scripts (-sC, --script; issue 14) in the lab, against Debian's nmap from the same
# namespace (the caller holds the lab lock, as lab_tests.sh does):
#  - orbit -sC -p 21,22,79,80 on h10, h11 and orbit-svc prints the same script results as
#    nmap -sC (XML output attributes and the text report's lines) for ftp-anon (with the
#    listing), ssh-hostkey, http-title, http-methods and finger; floor: nmap has each of
#    them where the lab runs the service;
#  - ssh-hostkey's fingerprints equal ssh-keygen -lf -E md5 of the lab's host keys;
#  - snmp-brute with orbit's own wordlist finds orbit-svc's non-default community, as
#    nmap's snmp-brute does;
#  - ssl-cert (a TLS socket) prints nmap's lines for orbit-svc's HTTPS port;
#  - orbit's XML with scripts is valid against nmap.dtd; NDJSON carries scripts.{id}.
#    {output, elements};
#  - hostile scripts (a runaway loop, endless allocation, a server that never answers)
#    end within --script-timeout and --script-memory while ftp-anon on the same scan
#    completes.
# About 30 s.
#   script_tests.sh ORBIT_BINARY       prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-scripts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
scan() { timeout 120 ip netns exec orbit-scan "$orbit" --no-dns --blocklist-file "$lab_block" --quiet "$@"; }
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
nmap_note() { echo "note: nmap $1 exited $2"; }
targets="198.18.1.10 198.18.1.11 198.18.6.10"
# nmap's snmp probe is SNMPv3 discovery (no community needed); orbit gets the same one so
# the agent with a non-default community answers and port 161 is open for both.
snmp_v3=303a020103300f02024a69020300ffe30401040201030410300e0400020100020100040004000400301204000400a00c020237f00201000201003000

# The references, run from a folder without scripts/ (nmap prefers its own anyway).
(cd "$tmp" && timeout 120 ip netns exec orbit-scan nmap -n -Pn -sC -p 21,22,79,80 \
	-oX nmap-tcp.xml -oN nmap-tcp.txt $targets >/dev/null 2>&1) || nmap_note -sC $?
(cd "$tmp" && timeout 60 ip netns exec orbit-scan nmap -n -Pn -sU --script snmp-brute -p 161 \
	-oX nmap-snmp.xml -oN nmap-snmp.txt 198.18.6.10 >/dev/null 2>&1) || nmap_note snmp-brute $?

scan -sC -p 21,22,79,80 -oX "$tmp/orbit-tcp.xml" -oN "$tmp/orbit-tcp.txt" $targets \
	>"$tmp/orbit-tcp.ndjson" 2>"$tmp/orbit-tcp.err"
rc=$?
[ $rc -eq 0 ] && python3 "$root/tests/e2e/script_compare.py" "$tmp/nmap-tcp.xml" "$tmp/orbit-tcp.xml" \
	"$tmp/nmap-tcp.txt" "$tmp/orbit-tcp.txt" ftp-anon,ssh-hostkey,http-title,http-methods,finger \
	198.18.1.11:21:ftp-anon,198.18.1.10:22:ssh-hostkey,198.18.1.10:80:http-title,198.18.6.10:79:finger
result "orbit -sC agrees with nmap -sC: ftp-anon, ssh-hostkey, http-title, http-methods, finger" $?

# The lab's host keys (tests/lab/lab.sh keeps them in its run folder).
python3 - "$tmp/orbit-tcp.xml" /run/orbit-lab/orbit-h10 <<'PY'
import glob, subprocess, sys, xml.etree.ElementTree as ET
want = set()
for pub in glob.glob(sys.argv[2] + "/ssh_host_*_key.pub"):
    out = subprocess.run(["ssh-keygen", "-lf", pub, "-E", "md5"], capture_output=True, text=True).stdout
    want.add(out.split()[1].replace("MD5:", "").replace(":", ""))
got = set()
for host in ET.parse(sys.argv[1]).getroot().iter("host"):
    if host.find("address").get("addr") != "198.18.1.10":
        continue
    for s in host.iter("script"):
        if s.get("id") == "ssh-hostkey":
            got |= {e.text for e in s.iter("elem") if e.get("key") == "fingerprint"}
print(f"ssh-keygen: {sorted(want)}; orbit: {sorted(got)}")
sys.exit(0 if want and want == got else 1)
PY
result "ssh-hostkey fingerprints equal ssh-keygen -lf of the lab's host keys" $?

scan -sU --script snmp-brute -p 161 --udp-payload "161:$snmp_v3" -oX "$tmp/orbit-snmp.xml" \
	-oN "$tmp/orbit-snmp.txt" 198.18.6.10 >/dev/null 2>"$tmp/orbit-snmp.err"
rc=$?
[ $rc -eq 0 ] && python3 "$root/tests/e2e/script_compare.py" "$tmp/nmap-snmp.xml" "$tmp/orbit-snmp.xml" \
	"$tmp/nmap-snmp.txt" "$tmp/orbit-snmp.txt" snmp-brute 198.18.6.10:161:snmp-brute
result "snmp-brute finds orbit-svc's community with orbit's wordlist, as nmap's does" $?

# ssl-cert through the engine's TLS sockets, on orbit-svc's HTTPS port. orbit's -sV does
# not flag that port as TLS yet, so the test's copy of the script takes any port.
(cd "$tmp" && timeout 60 ip netns exec orbit-scan nmap -n -Pn -sV --script ssl-cert -p 47443 \
	-oX nmap-ssl.xml -oN nmap-ssl.txt 198.18.6.10 >/dev/null 2>&1) || nmap_note ssl-cert $?
mkdir -p "$tmp/tls"
sed 's/^portrule = shortport.ssl$/portrule = function() return true end/' \
	"$root/scripts/ssl-cert.nse" >"$tmp/tls/ssl-cert.nse"
scan --script "$tmp/tls/ssl-cert.nse" -p 47443 -oX "$tmp/orbit-ssl.xml" -oN "$tmp/orbit-ssl.txt" \
	198.18.6.10 >/dev/null 2>"$tmp/orbit-ssl.err"
rc=$?
[ $rc -eq 0 ] && python3 "$root/tests/e2e/script_compare.py" "$tmp/nmap-ssl.xml" "$tmp/orbit-ssl.xml" \
	"$tmp/nmap-ssl.txt" "$tmp/orbit-ssl.txt" ssl-cert 198.18.6.10:47443:ssl-cert
result "ssl-cert over the engine's TLS socket prints nmap's lines" $?

xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/orbit-tcp.xml" "$tmp/orbit-snmp.xml" \
	"$tmp/orbit-ssl.xml" 2>"$tmp/dtd.err"
rc=$?
[ $rc -ne 0 ] && head -5 "$tmp/dtd.err"
[ $rc -eq 0 ] && grep -q '<script id="ssh-hostkey"' "$tmp/orbit-tcp.xml"
result "XML with script results is valid against nmap.dtd" $?

python3 - "$tmp/orbit-tcp.ndjson" <<'PY'
import json, sys
ok = False
for line in open(sys.argv[1]):
    r = json.loads(line)
    s = r.get("scripts", {}).get("ssh-hostkey")
    if s and s["output"].startswith("\n  ") and all("fingerprint" in k for k in s["elements"]):
        ok = True
sys.exit(0 if ok else 1)
PY
result "NDJSON carries scripts.ssh-hostkey.{output, elements}" $?

# Hostile scripts beside ftp-anon on one scan: each ends by its limit (runaway: the
# instruction budget; allocation: the memory cap, then the clock; silence: the clock).
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$tmp/hostile.rss" timeout 60 ip netns exec orbit-scan "$orbit" \
	--blocklist-file "$lab_block" --quiet --script "ftp-anon,$root/tests/e2e/scripts" \
	--script-errors --script-timeout 3 --script-memory 16M -p 21,6379 -oN "$tmp/hostile.txt" \
	198.18.1.11 >/dev/null 2>"$tmp/hostile.err"
rc=$?
wall=$(echo "$(date +%s.%N) - $t0" | bc)
rss=$(tail -1 "$tmp/hostile.rss")
python3 - "$tmp/hostile.txt" "$rc" "$wall" "$rss" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rc, wall, rss = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
errors = dict(re.findall(r"^\|_(hostile-\w+): (ERROR: .*)$", text, re.M))
anon = "ftp-anon: Anonymous FTP login allowed" in text
print(f"exit {rc}, {wall:.1f} s, max RSS {rss} KiB, ftp-anon {anon}, errors {errors}")
ok = (rc == 0 and wall < 15 and rss < 200 * 1024 and anon and
      errors.get("hostile-loop") in ("ERROR: instruction limit", "ERROR: timeout") and
      errors.get("hostile-alloc") == "ERROR: timeout" and
      errors.get("hostile-silent") == "ERROR: timeout")
sys.exit(0 if ok else 1)
PY
result "hostile scripts (loop, allocation, silent server) end within their limits; ftp-anon completes" $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
