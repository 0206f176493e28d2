#!/usr/bin/env bash
# Host discovery (issue 12) in the lab (tests/lab/lab.sh), against nmap 7.93:
#  - orbit -sn 198.18.1.0/24 (routed: nmap's default pings) and -sn 198.18.5.0/24
#    (on-link: ARP) list the hosts nmap -sn lists, with "Host is up" and MAC lines, and
#    the same footer counts; floor: the lab's hosts (h10-h15; the on-link segment's);
#  - a port scan of 198.18.1.10-20 -p 1-1000 with the default discovery lists nmap's up
#    hosts, h15 (drops all but ICMP echo) among them, and h13 (all closed) and h15 (all
#    filtered) with nmap's "All 1000 scanned ports ... ignored states." / "Not shown:"
#    lines;
#  - --discovery none sends no ping (11,000 probes; no ICMP request seen at the router;
#    h15 not listed), the default sends 3 more per address (ICMP echo, timestamp, ACK to
#    80: the SYN to 443 is the port probe) and says so in the banner and -m metadata;
#  - -Pn is unchanged: no ping, every address listed;
#  - each of -PE -PP -PS22 -PA80 -PU alone finds nmap's hosts; -PS443 works in an ACK scan;
#  - the comparison's lower bound: a lab where nothing answers fails it.
#   discovery_tests.sh ORBIT_BINARY      PASS/FAIL per test, then "N passed, N failed" (~30 s)
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_sh=$root/tests/lab/lab.sh
lab_block=$root/tests/lab/lab-blocklist.conf
compare=$root/tests/e2e/discovery_compare.py
tmp=$(mktemp -d /tmp/orbit-discovery.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
scan() { timeout 60 ip netns exec orbit-scan "$orbit" --no-dns --blocklist-file "$lab_block" --seed 7 --cooldown 1 "$@"; }
nmap_bg() { # OUT ARGS...: nmap in the background, its report in OUT
	local out=$1
	shift
	timeout 90 ip netns exec orbit-scan nmap -n -T4 "$@" -oN "$out" >/dev/null 2>&1 &
}
sent_of() { sed -n 's/.* sent \([0-9]*\) .*/\1/p' "$1" | tail -1; }

bash "$lab_sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }
routed_floor=198.18.1.10,198.18.1.11,198.18.1.12,198.18.1.13,198.18.1.14,198.18.1.15
# The on-link segment's hosts as lab.sh defines them (the router's leg .1 and LAN_MAC[NN]).
onlink_floor=$(sed -n -e 's/^MAC_G5=.*/198.18.5.1/p' -e 's/^ *\[\([0-9]*\)\]=[0-9a-f:]\{17\}.*/198.18.5.\1/p' \
	"$lab_sh" | paste -sd, -)
range=198.18.1.10-198.18.1.20

# The references, in parallel (nmap waits on silent addresses; orbit does not).
nmap_bg "$tmp/nmap-sn-routed.txt" -sn 198.18.1.0/24
nmap_bg "$tmp/nmap-sn-onlink.txt" -sn 198.18.5.0/24
nmap_bg "$tmp/nmap-ss.txt" -sS -p 1-1000 198.18.1.10-20
wait
echo "nmap references: ${SECONDS} s"

# 1. -sn, routed and on-link.
scan -sn 198.18.1.0/24 -oN "$tmp/sn-routed.txt" >/dev/null 2>"$tmp/sn-routed.err"
grep 'discovery' "$tmp/sn-routed.err"
python3 "$compare" hosts "$tmp/nmap-sn-routed.txt" "$tmp/sn-routed.txt" --floor "$routed_floor"
result "orbit -sn 198.18.1.0/24 (routed) lists nmap -sn's up hosts" $?
scan --interface orbit-s1 -sn 198.18.5.0/24 -oN "$tmp/sn-onlink.txt" >/dev/null 2>"$tmp/sn-onlink.err"
python3 "$compare" hosts "$tmp/nmap-sn-onlink.txt" "$tmp/sn-onlink.txt" --floor "$onlink_floor" \
	--self 198.18.5.2
result "orbit -sn 198.18.5.0/24 (on-link) lists nmap -sn's up hosts and MACs" $?

# 2. The port scan with the default discovery.
scan -sS -p 1-1000 $range -oN "$tmp/ss.txt" --metadata "$tmp/ss-meta.json" >/dev/null 2>"$tmp/ss.err"
python3 "$compare" hosts "$tmp/nmap-ss.txt" "$tmp/ss.txt" --floor "$routed_floor"
result "orbit -sS -p 1-1000 $range (default discovery) lists nmap's up hosts, h15 among them" $?
python3 "$compare" lines "$tmp/nmap-ss.txt" "$tmp/ss.txt" 198.18.1.13,198.18.1.15,198.18.1.10
result "h13 (all closed), h15 (all filtered, pingable), h10: nmap's ignored-states and Not shown lines" $?

# 3. Traffic: --discovery none against the default, counted by orbit and at the router.
count_pings() { # OUT: ICMP echo and timestamp requests to the range, seen on the router's leg
	timeout 15 ip netns exec orbit-gw tcpdump -n -i orbit-g0 -c 200 \
		'icmp and (icmp[0] = 8 or icmp[0] = 13) and dst net 198.18.1.0/24' >"$1" 2>/dev/null &
	sleep 1
}
count_pings "$tmp/pings-none.txt"
dump=$!
scan -sS -p 1-1000 $range --discovery none -oN "$tmp/none.txt" --metadata "$tmp/none-meta.json" \
	>/dev/null 2>"$tmp/none.err"
sleep 1; kill $dump 2>/dev/null; wait $dump 2>/dev/null
count_pings "$tmp/pings-default.txt"
dump=$!
scan -sS -p 1-1000 $range --discovery default -oN /dev/null >/dev/null 2>"$tmp/default.err"
sleep 1; kill $dump 2>/dev/null; wait $dump 2>/dev/null
none_sent=$(sent_of "$tmp/none.err"); default_sent=$(sent_of "$tmp/default.err"); auto_sent=$(sent_of "$tmp/ss.err")
none_seen=$(grep -c 'ICMP' "$tmp/pings-none.txt"); default_seen=$(grep -c 'ICMP' "$tmp/pings-default.txt")
echo "probes sent: --discovery none $none_sent, default $default_sent, automatic $auto_sent;" \
	"ICMP requests at the router: none $none_seen, default $default_seen"
[ "$none_sent" = 11000 ] && [ "$default_sent" = 11033 ] && [ "$auto_sent" = 11033 ] &&
	[ "$none_seen" -eq 0 ] && [ "$default_seen" -eq 22 ]
result "--discovery none sends 11000 probes and no ping; the default 3 more per address (22 ICMP)" $?
grep -q 'discovery none (as given)' "$tmp/none.err" &&
	grep -q 'discovery PE,PS443,PA80,PP,PR (default: a report of at most 4096 addresses)' "$tmp/ss.err" &&
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a["discovery"]=="none" and b["discovery"]=="PE,PS443,PA80,PP,PR" and b["config"]["discovery"] is None else 1)' \
		"$tmp/none-meta.json" "$tmp/ss-meta.json"
result "the banner and the -m metadata name the discovery set and why" $?
grep -q 'orbit scan report for 198.18.1.15$' "$tmp/none.txt"
h15_none=$?
grep -q '11 IP addresses (5 hosts up)' "$tmp/none.txt" && [ $h15_none -ne 0 ]
result "--discovery none: up means a port answered (h15, ping-only, not listed; 5 hosts up)" $?

# 4. -Pn: no ping, every address up, as before.
scan -sS -p 1-1000 $range -Pn -oN "$tmp/pn.txt" >/dev/null 2>"$tmp/pn.err"
echo "-Pn: $(grep -o 'discovery [^)]*)' "$tmp/pn.err"), sent $(sent_of "$tmp/pn.err")"
[ "$(sent_of "$tmp/pn.err")" = 11000 ] && grep -q '11 IP addresses (11 hosts up)' "$tmp/pn.txt" &&
	grep -q 'discovery none (-Pn' "$tmp/pn.err"
result "-Pn: no discovery probe, all 11 addresses listed up" $?

# 5. Each probe type alone (-PE, -PP timestamp, -PS22, -PA80: a SYN-scan kind's other,
# -PU 40125), and -PS443 in an ACK scan: the hosts nmap finds with it (h15 answers echo only;
# h14 drops 22). Floor: h10-h13 answer every one.
for p in -PE -PP -PS22 -PA80 -PU; do
	timeout 30 ip netns exec orbit-scan nmap -n -T4 -sn $p 198.18.1.10-20 -oN "$tmp/nmap$p.txt" >/dev/null 2>&1
	scan -sn $p $range -oN "$tmp/orbit$p.txt" >/dev/null 2>&1
	python3 "$compare" hosts "$tmp/nmap$p.txt" "$tmp/orbit$p.txt" \
		--floor 198.18.1.10,198.18.1.11,198.18.1.12,198.18.1.13 >"$tmp/cmp$p.txt"
	rc=$?
	tail -1 "$tmp/cmp$p.txt"
	result "orbit -sn $p $range finds nmap -sn $p's hosts" $rc
done
scan -sA -p 22 -PS443 $range -oN "$tmp/ack-ps.txt" >/dev/null 2>&1
grep -c '^orbit scan report for' "$tmp/ack-ps.txt" | grep -qx 4 &&
	grep -q 'orbit scan report for 198.18.1.13$' "$tmp/ack-ps.txt"
result "-sA -p 22 -PS443: the SYN ping's replies (another kind than the scan's) make 4 hosts up" $?

# 6. The lower bound: a lab where nothing answers fails the comparison.
printf 'Nmap done: 11 IP addresses (0 hosts up) scanned in 2.00 seconds\n' >"$tmp/nmap-empty.txt"
printf '# orbit done at x -- 11 IP addresses (0 hosts up) scanned in 1.00 seconds\n' >"$tmp/orbit-empty.txt"
python3 "$compare" hosts "$tmp/nmap-empty.txt" "$tmp/orbit-empty.txt" --floor "$routed_floor" >/dev/null
[ $? -ne 0 ]
result "lower bound: two reports with no host up fail the comparison" $?

echo "discovery_tests: ${SECONDS} s"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
