#!/usr/bin/env bash
# Several receive queues, one result per key (issue 11), in the lab (tests/lab/lab.sh):
# orbit --rx-threads 2 -sS -sU --probes 3 of the routed lab hosts and of down ones, so
# that the router (198.18.1.1) answers for the down hosts with ICMP host-unreachable after
# its ~3 s ARP timeout (a first-round probe may wait through two of them; at 30/s the
# three rounds last ~9 s, so those errors arrive before the cooldown can end early), while h13/h14 answer with their own RSTs,
# SYN-ACKs and ICMP rejects. The AF_PACKET fanout must put every error on the queue of
# the target it is about: exactly one result per (addr, proto, port), the same states as
# with --rx-threads 1, and a result for every probed port of every down host.
#   fanout_tests.sh ORBIT_BINARY       prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-fanout.XXXXXX)
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
# This test counts every ICMP error the router sends (44 host-unreachables): at the kernel's
# default rate limit (one a second per peer after a burst of 6) most would never be sent, so
# it runs with ICMP rate limits off on the routed part (ORBIT_LAB_TUNED=icmp) and puts the
# lab back to its default mode (kernel defaults) when it ends.
trap 'bash "$root/tests/lab/lab.sh" up >/dev/null 2>&1; rm -rf "$tmp"' EXIT
ORBIT_LAB_TUNED=icmp bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }

live="198.18.1.12-198.18.1.15"
down="198.18.1.20-198.18.1.23"
ports="T:22,23,25,80,113,443,8080,U:53,123,161,500"
for rx in 1 2; do
	timeout 60 ip netns exec orbit-scan "$orbit" -b "$lab_block" --backend afpacket -i orbit-s0 \
		--rx-threads $rx -sS -sU -p "$ports" --probes 3 --rate 30 --cooldown 6 --output-format ndjson \
		$live $down >"$tmp/rx$rx.json" 2>"$tmp/rx$rx.err"
	echo "rx-threads $rx: exit $?; $(tail -1 "$tmp/rx$rx.err")"
done

python3 - "$tmp/rx1.json" "$tmp/rx2.json" <<'PY'
import json, sys
runs = []
for path in sys.argv[1:]:
    states, repeated = {}, []
    for line in open(path):
        r = json.loads(line)
        key = (r['addr'], r['proto'], r['port'])
        if key in states:
            repeated.append(key)
        states[key] = (r['state'], r.get('reason'))
    runs.append((states, repeated))
(one, rep1), (two, rep2) = runs
down = [k for k in two if k[0] in ('198.18.1.20', '198.18.1.21', '198.18.1.22', '198.18.1.23')]
differ = sorted(k for k in set(one) | set(two) if one.get(k) != two.get(k))
print(f'rx-threads 1: {len(one)} results, {len(rep1)} repeated; rx-threads 2: {len(two)} '
      f'results, {len(rep2)} repeated; {len(down)} of 44 from the router for down hosts; '
      f'{len(differ)} keys differ {differ[:5]}')
sys.exit(0 if not rep1 and not rep2 and not differ and len(down) == 44 else 1)
PY
result "--rx-threads 2: one result per (addr, proto, port), the router's errors included, same states as --rx-threads 1" $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
