#!/usr/bin/env bash
# Two namespaces of the grab tests' own (not the shared lab): a client and a server joined
# by a veth, 198.18.254.1 <-> 198.18.254.2. The server namespace answers for the whole
# banner-grab farm range 198.18.3.0/24 (local route on lo), so one listener on 0.0.0.0
# serves 254 addresses. Idempotent; `down` removes both.
#   netns.sh up|down [PREFIX]       (default prefix orbit-grab: orbit-grab-c, orbit-grab-s)
set -euo pipefail
cmd=${1:?up|down}
p=${2:-orbit-grab}
C=$p-c
S=$p-s
case $cmd in
up)
	if [ -e "/run/netns/$C" ] && [ -e "/run/netns/$S" ] &&
		ip netns exec "$C" ping -c1 -W1 198.18.3.1 >/dev/null 2>&1; then
		exit 0
	fi
	ip netns del "$C" 2>/dev/null || true
	ip netns del "$S" 2>/dev/null || true
	ip netns add "$C"
	ip netns add "$S"
	ip link add gt-c type veth peer name gt-s
	ip link set gt-c netns "$C"
	ip link set gt-s netns "$S"
	ip -n "$C" addr add 198.18.254.1/24 dev gt-c
	ip -n "$C" addr add 198.18.254.3/24 dev gt-c # a second source address
	ip -n "$S" addr add 198.18.254.2/24 dev gt-s
	for ns in "$C" "$S"; do
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_syn_backlog=65536
		ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
	done
	ip -n "$C" link set gt-c up
	ip -n "$S" link set gt-s up
	ip -n "$S" route add local 198.18.3.0/24 dev lo
	ip -n "$C" route add 198.18.3.0/24 via 198.18.254.2
	# a filtered port (no answer at all) for connection timeouts
	ip netns exec "$S" nft -f - <<'NFT'
table inet orbitgrab {
	chain input {
		type filter hook input priority 0;
		tcp dport 9009 drop
	}
}
NFT
	ip netns exec "$C" ping -c1 -W2 198.18.3.1 >/dev/null
	;;
down)
	ip netns pids "$S" 2>/dev/null | xargs -r kill 2>/dev/null || true
	ip netns pids "$C" 2>/dev/null | xargs -r kill 2>/dev/null || true
	ip netns del "$C" 2>/dev/null || true
	ip netns del "$S" 2>/dev/null || true
	;;
*) echo "usage: netns.sh up|down [PREFIX]" >&2; exit 2 ;;
esac
