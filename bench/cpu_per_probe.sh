#!/usr/bin/env bash
# CPU time per probe at a paced rate (default 10 kpps) and at the maximum rate: does the
# sender sleep between bursts instead of spinning a core? Each figure is the difference
# of two runs of different lengths at the same rate (user + system time of the whole
# process, receive and supervisor threads included, from bash's `time`), so start-up
# costs (DPDK's EAL, the walk) cancel out.
#   net_null: DPDK's null PMD swallows every frame; nothing leaves the process.
#   afpacket: only when the lab is up (tests/lab/lab.sh): probes from orbit-scan to
#             198.18.200.0/24, which this script makes the lab router blackhole.
# Prints a table; it is a program, not a test. Run as root, under the lab lock:
#   flock -o /tmp/orbit-lab.lock bench/cpu_per_probe.sh [ORBIT_BINARY] [RATE]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orbit=$(realpath "${1:-$root/build/orbit}")
paced=${2:-10000}
eal="--no-huge --no-pci -m 256 --vdev=net_null0,no-rx=1 --file-prefix orbit-cpu --log-level=lib.eal:warning --no-telemetry"
null_args=(--backend dpdk --dpdk-args "$eal" --interface null0 -S 198.18.240.1 --source-mac 02:00:c6:12:f0:01
	-G 02:00:c6:12:f0:02 198.19.0.0/16)
afp_args=(--backend afpacket --interface orbit-s0 198.18.200.0/24)

# cpu_seconds ARGS...: user + system seconds of one quiet run.
cpu_seconds() {
	local t
	t=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -1)
	awk '{print $1 + $2}' <<<"$t"
}

# per_probe LABEL RATE N1 N2 PREFIX... -- ARGS...: microseconds of CPU per probe.
per_probe() {
	local label=$1 rate=$2 n1=$3 n2=$4
	shift 4
	local c1 c2
	c1=$(cpu_seconds "$@" -q -p 1-65535 --cooldown 0 --rate "$rate" --max-targets "$n1")
	c2=$(cpu_seconds "$@" -q -p 1-65535 --cooldown 0 --rate "$rate" --max-targets "$n2")
	awk -v l="$label" -v r="$rate" -v a="$c1" -v b="$c2" -v n1="$n1" -v n2="$n2" 'BEGIN {
		printf "%-10s %10s %10d %9.2f %9.2f %12.3f\n", l, (r == 0 ? "max" : r), n2 - n1, a, b,
			(b - a) / (n2 - n1) * 1e6 }'
}

printf '%-10s %10s %10s %9s %9s %12s\n' backend rate probes "cpu1 s" "cpu2 s" "us/probe"
orbit_null=("$orbit" --blocklist-file "$root/tests/lab/lab-blocklist.conf")
per_probe net_null "$paced" "$paced" $((paced * 6)) "${orbit_null[@]}" "${null_args[@]}"
per_probe net_null 0 200000 2000000 "${orbit_null[@]}" "${null_args[@]}"
if ip netns list 2>/dev/null | grep -qw orbit-scan; then
	ip -n orbit-gw route replace blackhole 198.18.200.0/24
	orbit_afp=(ip netns exec orbit-scan "$orbit" --blocklist-file "$root/tests/lab/lab-blocklist.conf")
	per_probe afpacket "$paced" "$paced" $((paced * 6)) "${orbit_afp[@]}" "${afp_args[@]}"
	per_probe afpacket 0 200000 2000000 "${orbit_afp[@]}" "${afp_args[@]}"
else
	echo "afpacket: the lab is down (tests/lab/lab.sh up), not measured"
fi
