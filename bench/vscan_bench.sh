#!/usr/bin/env bash
# -sV benchmark (issue 13's "Done when"): a program that prints figures, not a test.
#  1. The lab's services x 10 copies: ten more addresses on the services host's veth,
#     198.18.6.20-29, each DNATed (nftables, in orbit-svc, table orbit_vbench; removed
#     at the end) to 198.18.6.10, so the same real daemons answer on 10 addresses (each
#     copy's clients SNATed to a source of its own, 198.18.7.20-29). orbit
#     -sS -sU -sV -n -Pn and nmap -sS -sU -sV -n -Pn (the same options: orbit ran without
#     -n -Pn before, doing host discovery and reverse DNS nmap did not; no measurable
#     difference in its wall) scan the ports of tests/lab/services.txt on the ten
#     copies, one after the other, each under /usr/bin/time -v: wall time, peak RSS, and
#     how many ports the two name alike (tests/e2e/version_compare.py, nmap as reference).
#  2. grabs/s at 1k and 10k concurrency with nmap's probe sequence on (grab_tool -V 7
#     with nmap-service-probes): the grab farm (bench/grab_farm: OpenSSH-like port 22 and
#     nginx-like port 80 on every address of 198.18.3.0/24) in tests/grab/netns.sh's own
#     two namespaces.
# Root; the caller holds the lab lock (flock -o /tmp/orbit-lab.lock). About 4 minutes.
#   bench/vscan_bench.sh BUILD_DIR [PASSES]   (PASSES over the farm's 508 ports, default 40)
set -euo pipefail
build=$(realpath "${1:-build}")
passes=${2:-40}
root=$(cd "$(dirname "$0")/.." && pwd)
orbit=$build/orbit
tool=$build/tests/grab/grab_tool
farm=$build/tests/grab/grab_farm
probes=/usr/share/nmap/nmap-service-probes
P=orbit-vbench
NS=orbit-svc
tmp=$(mktemp -d /tmp/orbit-vscan-bench.XXXXXX)
copies=$(seq 20 29)
cleanup() {
	[ -n "${fpid:-}" ] && kill "$fpid" 2>/dev/null
	bash "$root/tests/grab/netns.sh" down $P || true
	ip netns exec $NS nft delete table ip orbit_vbench 2>/dev/null || true
	for i in $copies; do ip -n $NS addr del "198.18.6.$i/24" dev orbit-v0 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -x /usr/bin/time ] || { echo "vscan_bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { tail "$tmp/lab-up.log"; exit 1; }
for i in $copies; do ip -n $NS addr replace "198.18.6.$i/24" dev orbit-v0; done
# Each copy's connections also come from a source of its own (198.18.7.N for copy
# 198.18.6.N, SNAT on input): a daemon's per-client limits (ngircd: 5 connections per
# IP) then count each copy apart, as ten real hosts would, not the scanner's total.
{
	echo "table ip orbit_vbench {"
	echo "	chain pre { type nat hook prerouting priority dstnat; ip daddr 198.18.6.20-198.18.6.29 dnat to 198.18.6.10; }"
	echo "	chain in { type nat hook input priority 100;"
	for i in $copies; do echo "		ct original ip daddr 198.18.6.$i snat to 198.18.7.$i"; done
	echo "	}"
	echo "}"
} | ip netns exec $NS nft -f -

ports() {
	awk -F, -v p="$1" '$1 == "198.18.6.10" && $2 == p && ($4 == "open" || $4 == "open|filtered") { print $3 }' \
		"$root/tests/lab/services.txt" | sort -n -u | paste -sd, -
}
tcp=$(ports tcp)
udp=$(ports udp)
nports=$(( $(tr ',' '\n' <<<"$tcp,$udp" | wc -l) * 10 ))
echo "# 1. the lab's services x 10 copies: 198.18.6.20-29 (DNAT to 198.18.6.10), T:$tcp U:$udp ($nports ports)"
measure() { # NAME LOG: wall seconds and peak RSS from /usr/bin/time -v
	awk -v n="$1" -F': ' '/Elapsed \(wall clock\)/ { split($2, t, ":"); w = (length(t) == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
		/Maximum resident set size/ { m = $2 } END { printf "  %-6s wall %7.2f s   peak RSS %7.1f MiB\n", n, w, m / 1024 }' "$2"
}
ip netns exec orbit-scan /usr/bin/time -v -o "$tmp/nmap.time" timeout 900 nmap -sS -sU -sV -n -Pn \
	-p "T:$tcp,U:$udp" -oX "$tmp/nmap.xml" 198.18.6.20-29 >/dev/null 2>&1 || echo "  note: nmap exited $?"
ip netns exec orbit-scan /usr/bin/time -v -o "$tmp/orbit.time" timeout 600 "$orbit" --quiet \
	--blocklist-file "$root/tests/lab/lab-blocklist.conf" --backend afpacket --interface orbit-s0 \
	-sS -sU -sV -n -Pn -p "T:$tcp,U:$udp" --cooldown 3 -oX "$tmp/orbit.xml" 198.18.6.20-198.18.6.29 \
	>/dev/null 2>"$tmp/orbit.err" || echo "  note: orbit exited $?"
measure nmap "$tmp/nmap.time"
measure orbit "$tmp/orbit.time"
awk '/Elapsed \(wall clock\)/ { split($NF, t, ":"); w[FNR == NR] = (length(t) == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
	END { if (w[0] > 0) printf "  orbit -sV is %.2fx as fast as nmap -sV (wall time; goal 20x)\n", w[1] / w[0] }' "$tmp/nmap.time" "$tmp/orbit.time"
# no truth for the copies: every port either side found open is compared
python3 "$root/tests/e2e/version_compare.py" --truth /dev/null --nmap "$tmp/nmap.xml" --orbit "$tmp/orbit.xml" \
	>"$tmp/compare.txt" || true
tail -1 "$tmp/compare.txt" | sed 's/^/  /'
grep DIFF "$tmp/compare.txt" | sed 's/^/  /' | head -20 || true

echo "# 2. grabs/s with nmap's probe sequence (-V 7), grab farm 198.18.3.1-254 ports 22 and 80, $passes passes"
bash "$root/tests/grab/netns.sh" up $P
ip netns exec $P-s timeout 900 "$farm" 900 >"$tmp/farm.log" 2>&1 &
fpid=$!
for _ in $(seq 50); do grep -q ready "$tmp/farm.log" && break; sleep 0.1; done
for c in 1000 10000; do
	echo "## concurrency $c"
	ip netns exec $P-c /usr/bin/time -v -o "$tmp/grab.time" timeout 600 "$tool" -q -c "$c" -t 10 \
		-r "$passes" -p "$probes" -V 7 198.18.3.1-254:22,80 2>&1 | sed 's/^grab_tool: /  /'
	measure grab "$tmp/grab.time"
done
