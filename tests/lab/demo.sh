#!/usr/bin/env bash
# README's first command, the main job: installs what is missing, builds orbit, brings
# the lab up (tests/lab/lab.sh; real daemons in orbit-* network namespaces) and scans
# the lab hosts through DPDK (a net_af_packet vdev on the scanner's veth) for TCP 1-65535
# and the UDP ports orbit has payloads for, with -sV (nmap's probe sequence) and -sC (the
# default scripts) and -O (nmap's OS detection), by name for the services host, then the
# on-link LAN segment (ARP, MACs and their vendors). Results: nmap's report on stdout (reverse DNS from the lab's
# own server), NDJSON and XML kept in /tmp/orbit-lab/, the summary on stderr; -v prints
# each open port as it lands. The passive OS guess of every SYN-ACK is in the NDJSON
# (--fields ...,os,hops). Tears nothing down: `bash tests/lab/lab.sh down` stops the lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/install-deps.sh >/dev/null
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build -j2 orbit >/dev/null
bash tests/lab/lab.sh up >/dev/null
out=${ORBIT_DEMO_OUT:-/tmp/orbit-lab}
mkdir -p "$out"
dpdk="--no-huge --no-pci -m 256 --vdev=net_af_packet0,iface=orbit-s0 --file-prefix orbit-demo --log-level=lib.eal:warning --no-telemetry"
# The routed hosts through DPDK: every TCP port and the UDP payload ports, services and
# versions (-sV), the default scripts (-sC) and the OS (-O), as nmap's report (-oN -);
# NDJSON and XML kept.
echo "orbit: the lab's routed hosts 198.18.1.10-15 and svc.lab.orbit via DPDK (TCP 1-65535, UDP payload ports, -sV -sC -O)" >&2
ip netns exec orbit-scan ./build/orbit --dns-servers 198.18.1.12 --backend dpdk --interface orbit-s0 --dpdk-args "$dpdk" \
	--blocklist-file tests/lab/lab-blocklist.conf --rate 50000 -v -sS -sU -sV -sC -O --osscan-guess \
	-p T:1-65535,U:53,69,111,123,137,161,500,1900,5353,5683,11211 \
	--output-file "$out/routed.json" -oX "$out/routed.xml" -oN - 198.18.1.10-198.18.1.15 svc.lab.orbit
# The on-link LAN segment (AF_PACKET): an ARP sweep finds the hosts, each answers at its own
# MAC, and the report names it as nmap does.
echo "orbit: the lab's on-link segment 198.18.5.0/24 (ARP sweep, then TCP ports, -sV -sC -O)" >&2
ip netns exec orbit-scan ./build/orbit --dns-servers 198.18.1.12 --backend afpacket --interface orbit-s1 \
	--blocklist-file tests/lab/lab-blocklist.conf -v -sS -sV -sC -O --osscan-guess -p 22,80,443,8080,8888,40713 \
	--output-file "$out/lan.json" -oX "$out/lan.xml" -oN - 198.18.5.0/24
echo "orbit: NDJSON and XML in $out/" >&2
