#!/usr/bin/env bash
# nmap's command line against nmap itself, in the lab (tests/lab/lab.sh), issue 12:
#  - --reason: orbit's port table (PORT STATE SERVICE REASON) equals nmap's --reason table
#    line for line (same ports, states, reasons and reply TTLs); floor: an open port with
#    "syn-ack ttl" and a closed one with "reset ttl";
#  - --open: only nmap's --open lines (no closed port), the same as nmap's;
#  - -T4 -F: the open ports of the top 100 agree with nmap -T4 -F; floor: the lab README's
#    open ports of that host among the top 100 (22, 80);
#  - -oA BASE of a real scan: BASE.nmap, BASE.xml (well-formed), BASE.gnmap;
#  - --scan-delay paces the probes (the -T0..-T2 knob);
#  - --packet-trace prints nmap's SENT/RCVD lines;
#  - -v prints nmap's "Discovered open port" lines as the ports land.
# Needs the lab lock (flock -o /tmp/orbit-lab.lock) like every lab test. About 20 s.
#   cli_tests.sh ORBIT_BINARY          prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-cli-e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
scan() { timeout 120 ip netns exec orbit-scan "$orbit" --no-dns --blocklist-file "$lab_block" --backend afpacket --interface orbit-s0 "$@"; }
nmap_in() { timeout 120 ip netns exec orbit-scan nmap -n "$@"; }
# The port table of a text report: from the PORT header to the first blank line.
table() { sed -n '/^PORT /,/^$/p' "$1" | sed '/^$/d;/^MAC Address/d'; }
# Columns squeezed (widths differ with the longest cell, not with the content).
squeeze() { tr -s ' '; }

H=198.18.1.10
P=21,22,23,25,80,81,443,6379
bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }

scan -sS -Pn -p $P --reason --cooldown 1 -oN "$tmp/o-reason.txt" $H >/dev/null 2>"$tmp/o.err"
nmap_in -sS -Pn -p $P --reason -oN "$tmp/n-reason.txt" $H >/dev/null 2>&1
table "$tmp/o-reason.txt" | squeeze >"$tmp/o.t"
table "$tmp/n-reason.txt" | squeeze >"$tmp/n.t"
echo "orbit --reason:"; sed 's/^/  /' "$tmp/o.t"
grep -q ' open .* syn-ack ttl [0-9]' "$tmp/o.t" && grep -q ' closed .* reset ttl [0-9]' "$tmp/o.t" &&
	diff "$tmp/n.t" "$tmp/o.t"
result "--reason: the REASON column equals nmap's --reason table (floor: syn-ack and reset with TTLs)" $?

scan -sS -Pn -p $P --open --cooldown 1 -oN "$tmp/o-open.txt" $H >/dev/null 2>"$tmp/o.err"
nmap_in -sS -Pn -p $P --open -oN "$tmp/n-open.txt" $H >/dev/null 2>&1
table "$tmp/o-open.txt" | squeeze >"$tmp/o.t"
table "$tmp/n-open.txt" | squeeze >"$tmp/n.t"
! grep -q closed "$tmp/o.t" && grep -q '^22/tcp open' "$tmp/o.t" && diff "$tmp/n.t" "$tmp/o.t"
result "--open: only open ports, the same lines as nmap --open" $?

scan -T4 -F -Pn -oN "$tmp/o-fast.txt" $H >/dev/null 2>"$tmp/o.err"
nmap_in -T4 -F -Pn -oN "$tmp/n-fast.txt" $H >/dev/null 2>&1
open_ports() { table "$1" | awk '$2 == "open" { print $1 }'; }
open_ports "$tmp/o-fast.txt" >"$tmp/o.t"
open_ports "$tmp/n-fast.txt" >"$tmp/n.t"
echo "-T4 -F open: orbit $(tr '\n' ' ' <"$tmp/o.t")/ nmap $(tr '\n' ' ' <"$tmp/n.t")"
grep -qx 22/tcp "$tmp/o.t" && grep -qx 80/tcp "$tmp/o.t" && diff "$tmp/n.t" "$tmp/o.t" >/dev/null
result "-T4 -F: the open ports of the top 100 agree with nmap -T4 -F (floor: 22 and 80)" $?

(cd "$tmp" && scan -sS -Pn -p 22,23 --cooldown 1 -oA base --quiet $H >/dev/null 2>"$tmp/oa.err")
[ -s "$tmp/base.nmap" ] && [ -s "$tmp/base.gnmap" ] && xmllint --noout "$tmp/base.xml" 2>/dev/null &&
	grep -q '22/open/tcp' "$tmp/base.gnmap" && grep -q '^22/tcp *open' "$tmp/base.nmap"
result "-oA base: base.nmap, base.xml (well-formed) and base.gnmap of one scan" $?

# --scan-delay (what -T0..-T2 set): one probe per delay. 5 probes 250 ms apart take >= 1 s
# (at the default rate they take microseconds); a second of cooldown for the last reply.
t0=$(date +%s%N)
scan -sS -Pn -p 21-25 --scan-delay 250ms --cooldown 1 --quiet $H >"$tmp/delay.json" 2>"$tmp/delay.err"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "--scan-delay 250ms, 5 probes: ${ms} ms"
[ $ms -ge 1000 ] && [ $ms -lt 5000 ] && jq -se 'map(select(.port == 22 and .state == "open")) | length == 1' "$tmp/delay.json" >/dev/null
result "--scan-delay 250ms paces 5 probes over >= 1 s (and still finds 22 open)" $?

# --packet-trace: nmap's SENT/RCVD lines. Compared with nmap's own trace of the same probes
# by their shape (protocol, addresses, destination port, flags), times and ports aside.
shape() { sed -n 's/^\(SENT\|RCVD\) ([0-9.]*s) TCP \([0-9.]*\):\([0-9]*\) > \([0-9.]*\):\([0-9]*\) \([A-Z]*\) .*/\1 \2 \4 \6/p' |
	awk '{ print $1, $2, $3, $4 }' | sort; }
scan -sS -Pn -p 22,23 --packet-trace --cooldown 1 --quiet $H >/dev/null 2>"$tmp/o-trace.txt"
nmap_in -sS -Pn -p 22,23 --packet-trace $H 2>&1 | grep -E '^(SENT|RCVD).* TCP ' >"$tmp/n-trace.txt"
shape <"$tmp/o-trace.txt" | uniq >"$tmp/o.t"
shape <"$tmp/n-trace.txt" | grep -v ' R$' | uniq >"$tmp/n.t" # nmap resets its own SYN-ACKs (R)
echo "orbit --packet-trace:"; sed 's/^/  /' "$tmp/o-trace.txt"
[ "$(grep -c '^SENT' "$tmp/o-trace.txt")" -eq 2 ] && [ "$(grep -c '^RCVD' "$tmp/o-trace.txt")" -eq 2 ] &&
	grep -q '^RCVD .* 198.18.1.10:22 > .* SA ttl=' "$tmp/o-trace.txt" && diff "$tmp/n.t" "$tmp/o.t"
result "--packet-trace: 2 SENT and 2 RCVD lines, the shape of nmap's (S, SA, RA)" $?

# -v: nmap's "Discovered open port P/tcp on ADDR" line for each open port as it lands (orbit
# prints them on stderr); the same set as nmap -v's. Floor: 22 and 80.
scan -v -sS -Pn -p $P --cooldown 1 $H >/dev/null 2>"$tmp/o-v.err"
nmap_in -v -sS -Pn -p $P $H >"$tmp/n-v.txt" 2>&1
grep -o 'Discovered open port [0-9]*/tcp on [0-9.]*' "$tmp/o-v.err" | sort >"$tmp/o-v.t"
grep -o 'Discovered open port [0-9]*/tcp on [0-9.]*' "$tmp/n-v.txt" | sort >"$tmp/n-v.t"
sed 's/^/  orbit -v: /' "$tmp/o-v.t"
cmp -s "$tmp/o-v.t" "$tmp/n-v.t" && grep -q "port 22/tcp on $H" "$tmp/o-v.t" && grep -q "port 80/tcp on $H" "$tmp/o-v.t"
result "-v: a Discovered open port line per open port, the same as nmap -v's (floor: 22, 80)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
