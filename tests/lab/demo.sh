#!/usr/bin/env bash
# README's first command, the main job: installs what is missing, builds orbit, brings
# the lab up (tests/lab/lab.sh; real daemons in orbit-* network namespaces) and scans
# the lab hosts through DPDK (a net_af_packet vdev on the scanner's veth) for TCP 1-65535
# and the UDP ports orbit has payloads for. Results: NDJSON on stdout (open ports shown
# here; the full file is kept), the summary on stderr. Tears nothing down: stop the lab
# with `bash tests/lab/lab.sh down`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/install-deps.sh >/dev/null
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build -j2 orbit >/dev/null
bash tests/lab/lab.sh up >/dev/null
out=${ORBIT_DEMO_OUT:-/tmp/orbit-lab-scan.json}
echo "orbit: scanning the lab hosts 198.18.1.10-15 (TCP 1-65535, UDP payload ports) via DPDK" >&2
ip netns exec orbit-scan ./build/orbit \
	--backend dpdk -i orbit-s0 \
	--dpdk-args "--no-huge --no-pci -m 256 --vdev=net_af_packet0,iface=orbit-s0 --file-prefix orbit-demo --log-level=lib.eal:warning --no-telemetry" \
	-b tests/lab/lab-blocklist.conf --rate 50000 --cooldown 3 \
	-p T:1-65535,U:53,69,111,123,137,161,500,1900,5353,5683,11211 \
	198.18.1.10-198.18.1.15 >"$out"
echo "open ports (all $(wc -l <"$out") results in $out):" >&2
grep '"state":"open"' "$out"
