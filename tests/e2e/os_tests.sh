#!/usr/bin/env bash
# OS detection in the lab (issue 15), under the lab lock like every lab script:
#  passive: every SYN-ACK of a -sS scan of the lab's hosts is named Linux (os, os_class
#    unix) with hops 1 (the router between), for each --tcp-options profile; floor: at
#    least 6 SYN-ACKs (a lab where nothing answers fails); p0f -r on a capture of the same
#    scan computes the same signature for every SYN-ACK, and the same label where p0f's
#    database has one (it has none for Linux 4+: p0f says ???, printed as a note).
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

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
