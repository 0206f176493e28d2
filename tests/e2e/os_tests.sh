#!/usr/bin/env bash
# OS detection in the lab (issue 15), under the lab lock like every lab script:
#  passive: every SYN-ACK of a -sS scan of the lab's hosts is named Linux (os, os_class
#    unix) with hops 1 (the router between), for each --tcp-options profile; floor: at
#    least 6 SYN-ACKs (a lab where nothing answers fails); p0f -r on a capture of the same
#    scan computes the same signature for every SYN-ACK, and the same label where p0f's
#    database has one (it has none for Linux 4+: p0f says ???, printed as a note).
#  -O's matcher and report lines: nmap -O --osscan-guess -d's own fingerprint of each lab
#    host with an open and a closed port, matched by orbit's nmap-os-db matcher
#    (osfp_tool nmap-match, built beside the binary), gives nmap's first answer with its
#    accuracy and the same Network Distance; floor: nmap must print a fingerprint and an
#    answer for each (a lab where nothing answers fails); and core/osfp/nmap_fingerprint,
#    on nmap's probes and replies in a capture of that run (one OS try, --max-os-tries 1,
#    so each probe is sent once per answer), rebuilds the 16 probes byte for byte, finds
#    nmap's distance and computes nmap's own 13 lines SEQ..IE (SEQ's SP, ISR within 2 and
#    TS within 1: nmap's clock and the capture's differ by microseconds; floor: T1, U1, IE
#    answered, SEQ has GCD); the same for two on-link hosts (distance 1).
#  -O itself: orbit -O and nmap -O (both --osscan-guess) on the routed and on-link hosts
#    name the same first OS (or one of its classes) and the same Network Distance, or
#    none where nmap names none (tests/e2e/os_active.py; floor: nmap names one for 4
#    routed and 3 on-link hosts); when they differ nmap runs once more and orbit must
#    agree with one of its two runs (nmap's own first guess changes between runs where
#    two guesses lie 1 % apart).
#   os_tests.sh ORBIT_BINARY       prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-os.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
hosts="198.18.1.10 198.18.1.11 198.18.1.12 198.18.1.13 198.18.1.14 198.18.1.15"
ports=21,22,25,53,80,443,3306,5432,6379,8080
bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }

start=$(date +%s)
for profile in linux windows mss-only none; do
	ip netns exec orbit-scan timeout 30 tcpdump -i orbit-s0 -U -w "$tmp/$profile.pcap" \
		'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null &
	dump=$!
	sleep 1
	timeout 60 ip netns exec orbit-scan "$orbit" --blocklist-file "$lab_block" -sS -p $ports \
		--tcp-options $profile --cooldown 2 --output-format csv --quiet \
		--fields addr,port,state,os_sig,hops,os,os_class,os_confidence $hosts \
		>"$tmp/$profile.csv" 2>"$tmp/$profile.err"
	rc=$?
	sleep 1
	kill $dump 2>/dev/null
	wait $dump 2>/dev/null
	[ $rc -eq 0 ] && python3 "$root/tests/e2e/os_compare.py" passive "$tmp/$profile.csv" \
		"$tmp/$profile.pcap"
	result "passive ($profile SYN): every lab SYN-ACK named Linux, hops 1; p0f -r computes the same signatures" $?
done
echo "passive: $(( $(date +%s) - start )) s"

start=$(date +%s)
tool=$(dirname "$orbit")/tests/osfp_tool
os_hosts="198.18.1.10 198.18.1.11" # each has open and closed ports (tests/lab/expected.txt)
ip netns exec orbit-scan timeout 150 tcpdump -i orbit-s0 -U -w "$tmp/nmap-O.pcap" \
	'host 198.18.1.10 or host 198.18.1.11' 2>/dev/null &
dump=$!
sleep 1
timeout 120 ip netns exec orbit-scan nmap -n -Pn -O --osscan-guess --max-os-tries 1 -d -p 1,21,22,80,6379 \
	$os_hosts >"$tmp/nmap-O.txt" 2>&1
sleep 1
kill $dump 2>/dev/null
wait $dump 2>/dev/null
[ -x "$tool" ] && python3 "$root/tests/e2e/os_compare.py" nmap-match "$tmp/nmap-O.txt" "$tool" $os_hosts
result "-O matcher: nmap's fingerprints of $os_hosts get nmap's first answer, accuracy and distance" $?
[ -x "$tool" ] && python3 "$root/tests/e2e/os_compare.py" nmap-tests "$tmp/nmap-O.txt" "$tool" \
	"$tmp/nmap-O.pcap" $os_hosts
result "-O fingerprint: nmap's 16 probes rebuilt byte for byte; their replies give nmap's distance and its 13 lines SEQ..IE (core/osfp/nmap_fingerprint)" $?
echo "nmap -O --osscan-guess of 2 hosts: $(( $(date +%s) - start )) s"

# The same on the on-link segment (distance 1: U1's quote keeps nmap's TTL), h10's web
# (80 open) and h11's ssh (22 open); port 1 closed on both.
start=$(date +%s)
lan_hosts="198.18.5.10 198.18.5.11"
ip netns exec orbit-scan timeout 150 tcpdump -i orbit-s1 -U -w "$tmp/nmap-O-lan.pcap" \
	'host 198.18.5.10 or host 198.18.5.11' 2>/dev/null &
dump=$!
sleep 1
timeout 120 ip netns exec orbit-scan nmap -n -Pn -O --osscan-guess --max-os-tries 1 -d -p 1,22,80 \
	$lan_hosts >"$tmp/nmap-O-lan.txt" 2>&1
sleep 1
kill $dump 2>/dev/null
wait $dump 2>/dev/null
[ -x "$tool" ] && python3 "$root/tests/e2e/os_compare.py" nmap-tests "$tmp/nmap-O-lan.txt" "$tool" \
	"$tmp/nmap-O-lan.pcap" $lan_hosts
result "-O fingerprint on-link ($lan_hosts): nmap's probes rebuilt, distance 1, its 13 lines SEQ..IE" $?
echo "nmap -O of 2 on-link hosts: $(( $(date +%s) - start )) s"


# -O itself: orbit and nmap, each with --osscan-guess (so each names its best guesses), on
# the same hosts and ports, one after the other: the router and the routed hosts (2 hops)
# and, in a run of their own (orbit scans from one interface per run), the on-link
# segment's (1 hop, each reached at its own MAC), every lab host but the services host
# (started by version_tests.sh only).
active_ports=1,21,22,25,53,80,443,3306,5432,6379,8080,8888,40713
routed="198.18.1.1 198.18.1.10 198.18.1.11 198.18.1.12 198.18.1.13 198.18.1.14 198.18.1.15"
onlink="198.18.5.1 198.18.5.10 198.18.5.11 198.18.5.12 198.18.5.13"
# named by nmap: not the routers (.1.1, .5.1) nor h13 (no open port: "Too many
# fingerprints"), nor h15 and l12 (every port filtered)
declare -A min_named=([routed]=4 [onlink]=3)
active_rc=0
for group in routed onlink; do
	hosts=${!group}
	start=$(date +%s)
	timeout 180 ip netns exec orbit-scan nmap -n -Pn -O --osscan-guess -p $active_ports \
		-oX "$tmp/nmap-O-$group.xml" $hosts >/dev/null 2>&1
	nmap_s=$(( $(date +%s) - start ))
	start=$(date +%s)
	timeout 180 ip netns exec orbit-scan "$orbit" --blocklist-file "$lab_block" --no-dns -Pn -O \
		--osscan-guess -p $active_ports -oX "$tmp/orbit-O-$group.xml" \
		-oN "$tmp/orbit-O-$group.txt" $hosts >/dev/null 2>"$tmp/orbit-O-$group.err"
	rc=$?
	orbit_s=$(( $(date +%s) - start ))
	echo "-O of the $group hosts ($hosts): nmap $nmap_s s, orbit $orbit_s s"
	tail -1 "$tmp/orbit-O-$group.err"
	nmap_xml=$tmp/nmap-O-$group.xml
	if [ $rc -ne 0 ]; then
		active_rc=1
	elif ! python3 "$root/tests/e2e/os_active.py" ${min_named[$group]} "$nmap_xml" \
		"$tmp/orbit-O-$group.xml" $hosts; then
		# nmap's first guess for a host can change between its own runs (two guesses 1 %
		# apart): a second nmap run is a second answer (os_active.py).
		echo "nmap -O of the $group hosts once more"
		timeout 180 ip netns exec orbit-scan nmap -n -Pn -O --osscan-guess -p $active_ports \
			-oX "$tmp/nmap-O-$group-2.xml" $hosts >/dev/null 2>&1
		python3 "$root/tests/e2e/os_active.py" ${min_named[$group]} \
			"$nmap_xml,$tmp/nmap-O-$group-2.xml" "$tmp/orbit-O-$group.xml" $hosts || active_rc=1
	fi
	xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/orbit-O-$group.xml" || active_rc=1
done
result "orbit -O --osscan-guess names nmap's first OS (or its osclass) and distance for every routed and on-link host; its XML is valid for nmap.dtd" $active_rc
grep -A24 'scan report for 198.18.5.11' "$tmp/orbit-O-onlink.txt"

# Bad input stops -O before anything is sent: an unreadable --max-os-tries.
out=$("$orbit" --blocklist-file "$lab_block" -O --max-os-tries x -p 22 198.18.1.10 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
result "orbit -O --max-os-tries x: one line, exit 2" $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
