#!/bin/sh
# Runs a command with two fresh network namespaces joined by a veth pair, and removes
# them afterwards whatever happens (exit, failure, Ctrl-C, meson's timeout).
#   usage: with_netns.sh PREFIX COMMAND [ARGS...]
# PREFIX-a holds nt-a (198.18.250.1/24, 02:00:c6:12:fa:01), PREFIX-b holds nt-b
# (198.18.250.2/24, 02:00:c6:12:fa:02). In PREFIX-a: 198.19.250.0/24 via 198.18.250.2
# (a resolvable next hop) and 198.18.252.0/24 via 198.18.250.99 (nobody answers).
# IPv6 is off on both ends so the kernel adds no traffic of its own. Nothing is created
# or changed in the namespace this script runs in. The command gets NS_A and NS_B.
# Without root: exit 77 (skip), or 1 in CI (CI=true), where a skip is a failure.
set -eu
# shellcheck source=../e2e/skip.sh
. "$(dirname "$0")/../e2e/skip.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "with_netns.sh: needs root (ip netns)"
prefix=$1
shift
case $prefix in orbit-nictest*) ;; *) echo "prefix must start with orbit-nictest" >&2; exit 2 ;; esac
A=$prefix-a
B=$prefix-b
down() {
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf /var/run/dpdk/"$prefix"-* 2>/dev/null || true
}
trap down EXIT
trap 'exit 130' INT TERM
down
ip netns add "$A"
ip netns add "$B"
# Both ends are created directly inside their namespaces.
ip link add nt-a netns "$A" type veth peer name nt-b netns "$B"
setup() { # ns ifname mac addr
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set "$2" address "$3"
	ip -n "$1" addr add "$4" dev "$2"
	ip -n "$1" link set "$2" up
}
setup "$A" nt-a 02:00:c6:12:fa:01 198.18.250.1/24
setup "$B" nt-b 02:00:c6:12:fa:02 198.18.250.2/24
ip -n "$A" route add 198.19.250.0/24 via 198.18.250.2
ip -n "$A" route add 198.18.252.0/24 via 198.18.250.99
export NS_A="$A" NS_B="$B" NS_PREFIX="$prefix"
rc=0
"$@" || rc=$?
exit $rc
