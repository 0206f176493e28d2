# shellcheck shell=bash disable=SC2034 # RESP_* are for the scripts that source this
# Two namespaces joined by one direct veth, for scans against orbit-responder (sourced by
# tests/e2e/responder_sweep.sh and bench/accuracy_bench.sh). No router in between, so the
# responder sees every probe as the scanner sent it; nothing is added to the root namespace.
#   resp_ns_up TAG N   makes orbit-resp-TAG-s (scanner, orbit-rs-TAG) and orbit-resp-TAG-r
#                      (responder, orbit-rr-TAG), link 198.18.N.0/24; sets RESP_* variables
#   resp_ns_down       deletes both namespaces (and with them the veth)
# The scanner's probes come from 198.18.N.100, an address no interface holds: the scanner
# namespace's kernel ignores the replies (no RSTs back, no ICMP), as zmap and masscan advise.
resp_ns_up() {
	local tag=$1 net=$2
	RESP_NS_S=orbit-resp-$tag-s
	RESP_NS_R=orbit-resp-$tag-r
	RESP_IF_S=orbit-rs-$tag
	RESP_IF_R=orbit-rr-$tag
	RESP_MAC_S=02:00:c6:12:$(printf %02x "$net"):01
	RESP_MAC_R=02:00:c6:12:$(printf %02x "$net"):02
	RESP_SRC=198.18.$net.100
	resp_ns_down
	ip netns add "$RESP_NS_S" && ip netns add "$RESP_NS_R" || return 1
	local ns
	for ns in "$RESP_NS_S" "$RESP_NS_R"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	ip -n "$RESP_NS_S" link add "$RESP_IF_S" address "$RESP_MAC_S" type veth \
		peer name "$RESP_IF_R" address "$RESP_MAC_R" netns "$RESP_NS_R" || return 1
	ip -n "$RESP_NS_S" addr add "198.18.$net.1/24" dev "$RESP_IF_S"
	ip -n "$RESP_NS_R" addr add "198.18.$net.2/24" dev "$RESP_IF_R"
	for ns in "$RESP_NS_S:$RESP_IF_S" "$RESP_NS_R:$RESP_IF_R"; do
		# A determinism test (orbit's results diffed exactly against the responder's
		# --truth), not a real-network one: the responder writes every frame itself with
		# complete checksums, so offloads change nothing it sends; off, no frame the kernel
		# builds here (none expected) could reach orbit half-finished either.
		ip netns exec "${ns%%:*}" ethtool -K "${ns#*:}" tx off tso off gso off gro off >/dev/null 2>&1
		ip -n "${ns%%:*}" link set "${ns#*:}" up
	done
	ip -n "$RESP_NS_S" route add 198.18.0.0/15 via "198.18.$net.2" 2>/dev/null
	ip -n "$RESP_NS_S" neigh replace "198.18.$net.2" lladdr "$RESP_MAC_R" dev "$RESP_IF_S"
}

resp_ns_down() {
	[ -n "${RESP_NS_S:-}" ] && ip netns del "$RESP_NS_S" 2>/dev/null
	[ -n "${RESP_NS_R:-}" ] && ip netns del "$RESP_NS_R" 2>/dev/null
	return 0
}
