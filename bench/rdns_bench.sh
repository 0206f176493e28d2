#!/usr/bin/env bash
# Reverse DNS throughput in the lab: NSD (authoritative, fast; Debian's nsd) in a namespace
# of its own, orbit-dns at 198.18.7.53, routed through orbit-gw (a leg orbit-g7,
# 198.18.7.1/24, added for the run), serving 18.198.in-addr.arpa: one PTR for each of the
# 65,536 addresses of 198.18.0.0/16. build/bench/rdns_bench then asks for all of them from
# orbit-scan through orbit's resolver (c-ares) and prints lookups/s. Everything it adds is
# removed at the end (the NSD it started, the namespace, the router's leg).
#   flock -o /tmp/orbit-lab.lock bench/rdns_bench.sh BUILD_DIR [COUNT] [CONCURRENCY]   (root)
set -euo pipefail
build=$(realpath "$1")
count=${2:-65536}
conc=${3:-512}
root=$(cd "$(dirname "$0")/.." && pwd)
ns=orbit-dns
addr=198.18.7.53
tmp=$(mktemp -d /tmp/orbit-rdns-bench.XXXXXX)
nsd_pid=
cleanup() {
	[ -n "$nsd_pid" ] && kill "$nsd_pid" 2>/dev/null && wait "$nsd_pid" 2>/dev/null
	ip netns del $ns 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
command -v nsd >/dev/null || { echo "rdns_bench: needs nsd (apt-get install nsd)" >&2; exit 1; }
bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; exit 1; }

ip netns del $ns 2>/dev/null || true
ip netns add $ns
ip -n $ns link set lo up
ip link add orbit-d0 netns $ns type veth peer name orbit-g7 netns orbit-gw
ip -n $ns addr add $addr/24 dev orbit-d0
ip -n $ns link set orbit-d0 up
ip -n $ns route add default via 198.18.7.1
ip -n orbit-gw addr add 198.18.7.1/24 dev orbit-g7
ip -n orbit-gw link set orbit-g7 up

python3 - "$tmp/zone" <<'PY'
import sys
with open(sys.argv[1], 'w') as z:
    z.write('$TTL 3600\n@ IN SOA ns.bench.orbit. hostmaster.bench.orbit. 1 3600 600 86400 60\n'
            '@ IN NS ns.bench.orbit.\n')
    for x in range(256):
        for y in range(256):
            z.write(f'{y}.{x} IN PTR h-{x}-{y}.bench.orbit.\n')
PY
cat >"$tmp/nsd.conf" <<CONF
server:
	ip-address: $addr
	port: 53
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$tmp"
	pidfile: "$tmp/nsd.pid"
	zonelistfile: "$tmp/zone.list"
	xfrdfile: "$tmp/xfrd.state"
	xfrdir: "$tmp"
	logfile: "$tmp/nsd.log"
	database: ""
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: 18.198.in-addr.arpa
	zonefile: "$tmp/zone"
CONF
ip netns exec $ns nsd -d -c "$tmp/nsd.conf" &
nsd_pid=$!
for _ in $(seq 50); do # bounded: 5 s for the zone to load
	ip netns exec orbit-scan dig +short +time=1 +tries=1 @$addr -x 198.18.255.255 2>/dev/null |
		grep -q bench.orbit && break
	sleep 0.1
done
echo "rdns_bench: NSD $(nsd -v 2>&1 | head -1) on $addr (orbit-dns), $count PTRs asked from orbit-scan"
ip netns exec orbit-scan timeout 120 "$build/bench/rdns_bench" $addr 198.18.0.0 "$count" "$conc"
