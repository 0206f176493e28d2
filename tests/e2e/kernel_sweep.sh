#!/usr/bin/env bash
# orbit sweeps a kernel-answered 198.19.0.0/16 x {T:80 open, T:81 closed} and counts what
# it found: a /16 routed "local" to lo in the target namespace, so its kernel answers every
# address (SYN-ACK from a listener on 0.0.0.0:80, RST on 81). Two namespaces made and
# removed here (orbit-dl-TAG-s scanner, orbit-dl-TAG-t target); kernel defaults (offloads on).
#   kernel_sweep.sh ORBIT BACKEND RATE [TAG] [PREFIX_LEN]   (root)
# BACKEND: afpacket or dpdk (net_af_packet on the scanner's veth). Prints one line:
#   backend=B rate=R open=N/T closed=N/T sent=S peer_rx=P summary="orbit's last status line"
# and exits 1 unless every target was found. PREFIX_LEN (default 16) shrinks the range.
set -uo pipefail
orbit=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
backend=$2
rate=$3
tag=${4:-k}
plen=${5:-16}
S=orbit-dl-$tag-s
T=orbit-dl-$tag-t
IS=dl-$tag-s
IT=dl-$tag-t
MAC_S=02:00:c6:12:4d:01
MAC_T=02:00:c6:12:4d:02
SRC=${KS_SRC:-198.18.77.100}
range=198.19.0.0/$plen
total=$((1 << (32 - plen)))
tmp=$(mktemp -d /tmp/orbit-dl.XXXXXX)
lpid=
down() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$T" 2>/dev/null
	rm -rf /var/run/dpdk/"$S" 2>/dev/null
	return 0
}
trap 'down; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
down
ip netns add "$S" && ip netns add "$T" || exit 1
for ns in "$S" "$T"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$S" link add "$IS" address $MAC_S type veth peer name "$IT" address $MAC_T netns "$T" || exit 1
ip -n "$S" addr add 198.18.77.1/24 dev "$IS"
ip -n "$T" addr add 198.18.77.2/24 dev "$IT"
ip -n "$S" link set "$IS" up
ip -n "$T" link set "$IT" up
ip -n "$T" route add local 198.19.0.0/16 dev lo
# KS_ROUTE=1: the scanner can route to the targets, so its kernel answers each SYN-ACK with
# an RST of its own (an outgoing frame every packet socket on the interface may see).
[ -n "${KS_ROUTE:-}" ] && ip -n "$S" route add 198.19.0.0/16 via 198.18.77.2
# The probes' source is held by no interface: the scanner's kernel sends no RST back.
ip -n "$T" neigh replace $SRC lladdr $MAC_S dev "$IT"
ip netns exec "$T" sysctl -qw net.core.somaxconn=65535
ip netns exec "$T" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(65535); print("listening", flush=True); time.sleep(300)' \
	>"$tmp/listen.out" 2>&1 &
lpid=$!
for _ in $(seq 50); do grep -q listening "$tmp/listen.out" && break; sleep 0.1; done
case $backend in
dpdk) io=(--backend dpdk --dpdk-args "--no-huge --no-pci -m 256 --vdev=net_af_packet0,iface=$IS --file-prefix $S" -i "$IS") ;;
*) io=(--backend "$backend" -i "$IS") ;;
esac
# KS_PEER_DOWN=1: the target's end is down, so the scanner's kernel drops every probe
# (carrier off) after the backend handed it over: the check is that orbit counts them.
[ -n "${KS_PEER_DOWN:-}" ] && ip -n "$T" link set "$IT" down && sleep 0.2
rx0=$(ip netns exec "$T" cat /sys/class/net/"$IT"/statistics/rx_packets)
timeout 120 ip netns exec "$S" ${KS_WRAP:-} "$orbit" "${io[@]}" -S $SRC --source-mac $MAC_S -G $MAC_T \
	-b "$here/../lab/lab-blocklist.conf" -p 80,81 --rate "$rate" --cooldown 3 --output-format ndjson "$range" >"$tmp/out.json" 2>"$tmp/err"
rc=$?
rx1=$(ip netns exec "$T" cat /sys/class/net/"$IT"/statistics/rx_packets)
open=$(grep -c '"port":80,.*"state":"open"\|"state":"open".*"port":80' "$tmp/out.json")
closed=$(grep -c '"port":81,.*"state":"closed"\|"state":"closed".*"port":81' "$tmp/out.json")
sent=$(grep -o 'sent [0-9]*' "$tmp/err" | tail -1 | grep -o '[0-9]*')
txdrop=$(grep -o 'tx-dropped [0-9]*' "$tmp/err" | tail -1 | grep -o '[0-9]*')
recv=$(grep -o 'received [0-9]*' "$tmp/err" | tail -1 | grep -o '[0-9]*')
if [ -n "${KS_PEER_DOWN:-}" ]; then
	echo "backend=$backend peer down: sent=${sent:-?} tx-dropped=${txdrop:-?}"
	tail -1 "$tmp/err" | sed 's/^/  /'
	# Not yet all of them: the PMD leaves some in its ring uncounted (see the report).
	[ -n "$sent" ] && [ "${txdrop:-0}" -gt 0 ]
	exit
fi
echo "backend=$backend rate=$rate rc=$rc received=${recv:-?} open=$open/$total closed=$closed/$total sent=${sent:-?} peer_rx=$((rx1 - rx0))"
[ -n "${KS_VERBOSE:-}" ] && cat "$tmp/err" && head -2 "$tmp/out.json"
tail -3 "$tmp/err" | sed 's/^/  /'
[ "$rc" -eq 0 ] && [ "$open" -eq "$total" ] && [ "$closed" -eq "$total" ]
