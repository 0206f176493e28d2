#!/usr/bin/env bash
# One transmit core, 198.19.0.0/16 x 32 ports, into a target namespace that drops
# everything (an XDP drop program, bench/xdp_drop.c, on its veth): orbit with each
# backend beside zmap and masscan, in one run. Packets are counted at the target veth
# (its rx_packets, sampled every 20 ms), not from any scanner's own counter; the rate is
# taken between the first and the last moment the count moved, so start-up and exit
# delays (masscan waits ~10 s at exit) do not count. CPU seconds are the scanner's
# user + system time over the whole run, per million packets counted.
# Everything stays inside two namespaces this script makes and removes (orbit-bench-*).
#   bench/send_bench.sh [ORBIT_BINARY]   (default build-release/orbit; run as root)
# Also writes OUT/send_bench.csv (default bench/results), which bench/tx_plot.py draws.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orbit=$(realpath "${1:-$root/build-release/orbit}")
S=orbit-bench-s
T=orbit-bench-t
tmp=$(mktemp -d /tmp/orbit-bench.XXXXXX)
cleanup() { ip netns del $S 2>/dev/null; ip netns del $T 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cleanup; mkdir -p "$tmp"

ip netns add $S && ip netns add $T
ip -n $S link add orbit-bs0 address 02:00:c6:12:f0:01 type veth peer name orbit-bt0 address 02:00:c6:12:f0:02 netns $T
ip -n $S addr add 198.18.240.1/24 dev orbit-bs0
ip -n $T addr add 198.18.240.2/24 dev orbit-bt0
# IPv6 off on both ends (as tests/nic/with_netns.sh): otherwise the kernel's own ND/MLD
# frames, sent when a scanner attaches or detaches XDP (net_af_xdp), land at the target
# after the probes and stretch the first-to-last window (af_xdp read ~575 kpps, not ~2.4 M).
for ns in $S $T; do
	ip -n $ns link set lo up
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n $S link set orbit-bs0 up && ip -n $T link set orbit-bt0 up
ip -n $S route add 198.19.0.0/16 via 198.18.240.2
ip -n $S neigh replace 198.18.240.2 lladdr 02:00:c6:12:f0:02 dev orbit-bs0
clang -O2 -target bpf -c "$root/bench/xdp_drop.c" -o "$tmp/xdp_drop.o"
ip -n $T link set dev orbit-bt0 xdp obj "$tmp/xdp_drop.o" sec xdp
: >"$tmp/empty"

counted() { ip netns exec $T cat /sys/class/net/orbit-bt0/statistics/rx_packets; }
common_orbit=(-q --interface orbit-bs0 -S 198.18.240.1 --source-mac 02:00:c6:12:f0:01 -G 02:00:c6:12:f0:02
	--blocklist-file "$root/tests/lab/lab-blocklist.conf" -p 1-32 --rate 0 --cooldown 0 198.19.0.0/16)
eal="--no-huge --no-pci -m 256 --file-prefix orbit-bench --log-level=lib.eal:warning --no-telemetry"

declare -a names cmds
add() { names+=("$1"); cmds+=("$2"); }
add "orbit afpacket" "$orbit --backend afpacket ${common_orbit[*]}"
add "orbit pcap" "$orbit --backend pcap ${common_orbit[*]}"
add "orbit dpdk af_packet" "$orbit --backend dpdk --dpdk-args '$eal --vdev=net_af_packet0,iface=orbit-bs0' ${common_orbit[*]}"
add "orbit dpdk af_xdp" "$orbit --backend dpdk --dpdk-args '$eal --vdev=net_af_xdp0,iface=orbit-bs0' ${common_orbit[*]}"
add "zmap" "zmap -q -i orbit-bs0 -S 198.18.240.1 --source-mac 02:00:c6:12:f0:01 -G 02:00:c6:12:f0:02 -b $tmp/empty -p 80 -P 32 -r 0 -c 0 -T 1 -o /dev/null --disable-syslog 198.19.0.0/16"
# The limit of the AF_XDP path here: a plain DPDK sender (bench/tx_limit.c: one fixed frame,
# incrementing address, no walk, no cookie, no pacing) through the same PMD for 2 s.
tx_limit=$(dirname "$orbit")/bench/tx_limit
[ -x "$tx_limit" ] && add "limit: af_xdp tx_limit" "$tx_limit 2 1 $eal --vdev=net_af_xdp0,iface=orbit-bs0"
add "masscan" "masscan 198.19.0.0/16 -p1-32 --rate 10000000 --wait 0 --adapter orbit-bs0 --adapter-ip 198.18.240.1 --adapter-mac 02:00:c6:12:f0:01 --router-mac 02:00:c6:12:f0:02 -oL /dev/null"

printf '%-22s %12s %10s %10s %14s\n' scanner counted "send s" "pps" "CPU s/M"
for i in "${!names[@]}"; do
	( TIMEFORMAT='%U %S'; { time timeout 60 ip netns exec $S bash -c "${cmds[$i]}" >/dev/null 2>"$tmp/err"; } 2>"$tmp/time" ) &
	pid=$!
	# The sampler runs inside the target namespace and reads sysfs directly: one process,
	# not an `ip netns exec` per sample competing with the scanner for the two cores.
	ip netns exec $T python3 - "$pid" >"$tmp/rate" <<'PY'
import os, sys, time
pid = int(sys.argv[1])
def count():
    with open('/sys/class/net/orbit-bt0/statistics/rx_packets') as f:
        return int(f.read())
base = last = count()
first_t = last_t = None
while True:
    alive = os.path.exists(f'/proc/{pid}')
    c, t = count(), time.monotonic()
    if c != last:
        if first_t is None:
            first_t = t
        last_t, last = t, c
    if not alive:
        break
    time.sleep(0.002)
n = last - base
secs = (last_t - first_t) if first_t and last_t and last_t > first_t else 0
print(n, secs)
PY
	wait $pid
	read -r n secs <"$tmp/rate"
	read -r user sys <"$tmp/time"
	python3 -c "
n, secs, cpu = $n, $secs, $user + $sys
pps = n / secs if secs else 0
per_m = cpu / (n / 1e6) if n else float('inf')
print('%-22s %12d %10.2f %10.0f %14.2f' % ('${names[$i]}', n, secs, pps, per_m))" | tee -a "$tmp/table"
	[ "$n" -gt 1000 ] || sed 's/^/    /' "$tmp/err" | tail -3
done
echo "(2,097,152 probes per run; one transmit thread each)"
# The ratios the issue asks for: orbit's fastest backend over each peer and the limit.
out=${OUT:-$root/bench/results}
mkdir -p "$out"
python3 - "$tmp/table" "$out/send_bench.csv" <<'PY'
import sys
pps = {}
with open(sys.argv[2], "w") as csv:
    csv.write("scanner,counted,send_s,pps,cpu_s_per_m\n")
    for line in open(sys.argv[1]):
        f = line.rsplit(None, 4)
        pps[f[0].strip()] = float(f[3])
        csv.write(",".join([f[0].strip()] + f[1:]) + "\n")
orbit = max((v, k) for k, v in pps.items() if k.startswith("orbit"))
for peer in ("zmap", "masscan", "limit: af_xdp tx_limit"):
    if pps.get(peer):
        print(f"{orbit[1]} / {peer}: {orbit[0] / pps[peer]:.2f}")
PY
