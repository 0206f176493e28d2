#!/usr/bin/env bash
# On-link targets and the next hop (issue 11), in the lab (tests/lab/lab.sh):
#  - orbit -sn of the on-link segment 198.18.5.0/24 lists exactly the hosts nmap -sn
#    lists there (nmap uses ARP only on a local segment), with the same MACs, in NDJSON,
#    the text report and XML, for each backend; floor: the segment's hosts and MACs as
#    lab.sh defines them;
#  - orbit -sS of 198.18.5.10-14 agrees with nmap -sS port by port and prints each host's
#    MAC Address line; floor: the ports the lab README's table says;
#  - with the scanner's neighbour table flushed, a routed lab host is scanned (orbit ARPs
#    for the gateway itself);
#  - a gateway nobody answers for: exit 1 and one line naming it, within the bounded wait
#    (its own two namespaces orbit-arpgw-s/-r, 198.18.6.0/24; deleted at the end).
#   onlink_tests.sh ORBIT_BINARY       prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_sh=$root/tests/lab/lab.sh
lab_block=$root/tests/lab/lab-blocklist.conf
compare=$root/tests/e2e/onlink_compare.py
tmp=$(mktemp -d /tmp/orbit-onlink.XXXXXX)
GW_S=orbit-arpgw-s
GW_R=orbit-arpgw-r
cleanup() {
	ip netns del $GW_S 2>/dev/null
	ip netns del $GW_R 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
nmap_note() { echo "note: nmap $1 exited $2"; }
scan() { timeout 120 ip netns exec orbit-scan "$orbit" --no-dns --report-closed --blocklist-file "$lab_block" "$@"; }

bash "$lab_sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }

# The floor, from lab.sh itself: the router's leg (MAC_G5, .1) and LAN_MAC[NN] (.NN).
floor=$(sed -n -e 's/^MAC_G5=\([0-9a-f:]*\).*/198.18.5.1=\1/p' \
	-e 's/^ *\[\([0-9]*\)\]=\([0-9a-f:]\{17\}\).*/198.18.5.\1=\2/p' "$lab_sh" | paste -sd, -)
echo "floor (lab.sh): $floor"
self=198.18.5.2 # orbit-s1: nmap lists the scanner itself as up (localhost-response)

# 1. -sn of the segment, nmap first (the reference, not counted).
timeout 120 ip netns exec orbit-scan nmap -sn -n -oX "$tmp/nmap-sn.xml" 198.18.5.0/24 \
	>"$tmp/nmap-sn.txt" 2>&1 || nmap_note -sn $?
dpdk_args="--no-huge --no-pci -m 256 --vdev=net_af_packet0,iface=orbit-s1 --file-prefix orbit-onlink --log-level=lib.eal:warning --no-telemetry"
for backend in afpacket pcap dpdk; do
	extra=()
	[ "$backend" = dpdk ] && extra=(--dpdk-args "$dpdk_args")
	scan --backend $backend --interface orbit-s1 "${extra[@]}" -sn --cooldown 1 198.18.5.0/24 \
		-oN "$tmp/sn-$backend.txt" -oX "$tmp/sn-$backend.xml" >"$tmp/sn-$backend.json" \
		2>"$tmp/sn-$backend.err"
	rc=$?
	grep 'ARP sweep' "$tmp/sn-$backend.err"
	[ $rc -eq 0 ] && python3 "$compare" hosts "$tmp/nmap-sn.xml" "$tmp/sn-$backend.json" \
		"$tmp/sn-$backend.txt" "$tmp/sn-$backend.xml" --floor "$floor" --self $self
	result "orbit -sn ($backend) of 198.18.5.0/24 lists nmap -sn's hosts and MACs" $?
done

# 2. -sS of the segment's hosts and its empty address.
ports=22,80,8888,40713
# The lab README's table: .10 web (80, 8888), .11 ssh (22), .12 drops all TCP, .13 odd
# (40713); every other port of .10, .11, .13 closed; .14 empty (down).
port_floor=198.18.5.10/22=closed,198.18.5.10/80=open,198.18.5.10/8888=open,198.18.5.10/40713=closed
port_floor+=,198.18.5.11/22=open,198.18.5.11/80=closed,198.18.5.11/8888=closed,198.18.5.11/40713=closed
port_floor+=,198.18.5.12/22=filtered,198.18.5.12/80=filtered,198.18.5.12/8888=filtered,198.18.5.12/40713=filtered
port_floor+=,198.18.5.13/22=closed,198.18.5.13/80=closed,198.18.5.13/8888=closed,198.18.5.13/40713=open
host_macs=$(echo "$floor" | tr , '\n' | grep -v '^198\.18\.5\.1=' | paste -sd, -)
timeout 120 ip netns exec orbit-scan nmap -sS -n -p $ports -oX "$tmp/nmap-ss.xml" 198.18.5.10-14 \
	>/dev/null 2>&1 || nmap_note -sS $?
scan --interface orbit-s1 -sS -p $ports --cooldown 2 198.18.5.10-198.18.5.14 -oN "$tmp/ss.txt" \
	>"$tmp/ss.json" 2>"$tmp/ss.err"
rc=$?
tail -1 "$tmp/ss.err"
[ $rc -eq 0 ] && python3 "$compare" ports "$tmp/nmap-ss.xml" "$tmp/ss.json" "$tmp/ss.txt" \
	--floor "$port_floor" --macs "$host_macs"
result "orbit -sS -p $ports 198.18.5.10-14 agrees with nmap -sS, with MAC Address lines" $?

# 3. No neighbour entry for the gateway: orbit ARPs for it and the routed scan works.
# Port 23 of h10 is closed: its RST is the kernel's own, so this holds whatever the
# routed part's offload settings (ORBIT_LAB_TUNED).
ip -n orbit-scan neigh flush all
scan --interface orbit-s0 -p 23 --cooldown 1 198.18.1.10 >"$tmp/flush.json" 2>"$tmp/flush.err"
rc=$?
[ $rc -eq 0 ] && grep -q '"addr":"198.18.1.10","proto":"tcp","port":23,"state":"closed"' "$tmp/flush.json"
rc2=$?
[ $rc2 -ne 0 ] && cat "$tmp/flush.err"
result "after ip neigh flush, a routed host is scanned (orbit resolves the gateway)" $rc2

# 4. A gateway that does not exist: exit 1 (runtime), one line naming it, bounded wait.
ip netns del $GW_S 2>/dev/null; ip netns del $GW_R 2>/dev/null
ip netns add $GW_S && ip netns add $GW_R &&
	ip link add arpgw-s0 netns $GW_S type veth peer name arpgw-r0 netns $GW_R &&
	ip -n $GW_S link set lo up && ip -n $GW_R link set lo up &&
	ip -n $GW_S addr add 198.18.6.2/24 dev arpgw-s0 && ip -n $GW_S link set arpgw-s0 up &&
	ip -n $GW_R addr add 198.18.6.3/24 dev arpgw-r0 && ip -n $GW_R link set arpgw-r0 up &&
	ip -n $GW_S route add 198.18.7.0/24 via 198.18.6.1 dev arpgw-s0
rc=$?
if [ $rc -eq 0 ]; then
	t0=$(date +%s%N)
	timeout 60 ip netns exec $GW_S "$orbit" --no-dns --report-closed --blocklist-file "$lab_block" --seed 1 -p 80 --cooldown 1 \
		198.18.7.9 \
		>"$tmp/nogw.json" 2>"$tmp/nogw.err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	cat "$tmp/nogw.err"
	echo "exit $rc after $ms ms"
	[ $rc -eq 1 ] && [ "$(grep -c . "$tmp/nogw.err")" -eq 1 ] &&
		grep -q 'no ARP reply from next hop 198\.18\.6\.1 on arpgw-s0' "$tmp/nogw.err" &&
		[ $ms -lt 3000 ] && [ ! -s "$tmp/nogw.json" ]
	rc=$?
fi
result "a gateway nobody answers for: exit 1, one line naming 198.18.6.1" $rc

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
