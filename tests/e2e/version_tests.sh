#!/usr/bin/env bash
# Version detection against nmap (issue 13, "Done when"): nmap -sV and orbit -sV scan the
# same ports of the lab in the same run: the services host 198.18.6.10 (tests/lab/svc.sh),
# the routed hosts 198.18.1.10-14 and the on-link 198.18.5.10-13; the ports are every TCP
# and UDP port the ground truth (tests/lab/expected.txt, services.txt) lists open or
# open|filtered. tests/e2e/version_compare.py prints each service port with both answers
# and fails on any difference in service, product or version (the "?" and tcpwrapped cases
# included), when nmap names fewer products than the floor, and when a port of
# services.txt is not answered by both in the state it lists (a lab where nothing answers
# fails, and so does a daemon that is down). nmap -sV runs its version scripts; orbit -sV
# runs its own (scripts/ of category version: snmp-info, mqtt-version). nmap's run is
# preparation: its exit status is shown, not counted.
#   version_tests.sh ORBIT_BINARY     PASS/FAIL lines, then "N passed, N failed"
# Root; run under the lab lock (flock -o /tmp/orbit-lab.lock). About 3 minutes (nmap -sV
# waits out every probe on the ports it cannot name).
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-version.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
# Products nmap 7.93 names in this lab: 31 (21 on 198.18.6.10); the floor leaves room
# for a daemon nmap stops naming after a Debian update, not for a lab that is half down.
MIN_IDENTIFIED=${ORBIT_VERSION_FLOOR:-26}
ROUTED=(198.18.1.10-198.18.1.14 198.18.6.10) # orbit's target syntax
ONLINK=198.18.5.10-198.18.5.13
NMAP_ROUTED=(198.18.1.10-14 198.18.6.10) # nmap's
NMAP_ONLINK=198.18.5.10-13

bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }

# every port the ground truth lists open (services.txt: or open|filtered, a UDP service
# that answers only a request it understands; expected.txt's are firewall drops), per protocol
ports() {
	awk -F, -v p="$1" '$1 !~ /^#/ && $2 == p && ($4 == "open" || ($4 == "open|filtered" && FILENAME ~ /services/)) &&
		$1 ~ /^198\.18\.(1\.1[0-4]|5\.1[0-3]|6\.10)$/ { print $3 }' \
		"$root/tests/lab/expected.txt" "$root/tests/lab/services.txt" | sort -n -u | paste -sd, -
}
tcp=$(ports tcp)
udp=$(ports udp)
echo "version_tests: ports T:$tcp U:$udp on ${ROUTED[*]} $ONLINK"

start=$(date +%s)
# nmap scans the routed and the on-link hosts one group after the other (one interface
# each); two runs side by side take half the time and probe the same.
for side in routed onlink; do
	if [ $side = routed ]; then targets=("${NMAP_ROUTED[@]}"); else targets=("$NMAP_ONLINK"); fi
	timeout 600 ip netns exec orbit-scan nmap -sS -sU -sV -n -Pn -p "T:$tcp,U:$udp" -oX "$tmp/nmap-$side.xml" \
		-oN "$tmp/nmap-$side.txt" "${targets[@]}" >/dev/null 2>&1 || echo "note: nmap -sV ($side) exited $?" &
done
wait
echo "version_tests: nmap -sV took $(($(date +%s) - start)) s"

start=$(date +%s)
# shellcheck disable=SC2086
timeout 300 ip netns exec orbit-scan "$orbit" --blocklist-file "$lab_block" --backend afpacket \
	--interface orbit-s0 -sS -sU -sV -p "T:$tcp,U:$udp" --cooldown 3 --output-file "$tmp/routed.json" \
	-oX "$tmp/routed.xml" "${ROUTED[@]}" 2>"$tmp/routed.err" || { echo "note: orbit (routed) exited $?"; tail -3 "$tmp/routed.err"; }
timeout 300 ip netns exec orbit-scan "$orbit" --blocklist-file "$lab_block" --backend afpacket \
	--interface orbit-s1 -sS -sU -sV -p "T:$tcp,U:$udp" --cooldown 3 --output-file "$tmp/onlink.json" \
	-oX "$tmp/onlink.xml" "$ONLINK" 2>"$tmp/onlink.err" || { echo "note: orbit (on-link) exited $?"; tail -3 "$tmp/onlink.err"; }
echo "version_tests: orbit -sV took $(($(date +%s) - start)) s"

python3 "$root/tests/e2e/version_compare.py" --min-identified "$MIN_IDENTIFIED" \
	--require "$root/tests/lab/services.txt" --nmap "$tmp/nmap-routed.xml" "$tmp/nmap-onlink.xml" \
	--orbit "$tmp/routed.xml" "$tmp/onlink.xml"
result "orbit -sV agrees with nmap -sV on every service port of the lab (version_compare.py)" $?
if [ -n "${ORBIT_VERSION_KEEP:-}" ]; then mkdir -p "$ORBIT_VERSION_KEEP" && cp "$tmp"/* "$ORBIT_VERSION_KEEP"/; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
