#!/usr/bin/env bash
# orbit sweeps 198.19.0.0/16 x 4 ports (T:22,80,443, U:53) against orbit-responder, the
# simulated internet, and its results are diffed against the responder's --truth.
#  1. exact: 0 missing, 0 extra, 0 mismatched, 0 duplicate results; the responder received
#     every probe and kept up; orbit's duplicate counter equals the duplicate SYN-ACKs the
#     responder sent (5 % of hosts retransmit theirs), with per-host delays up to 20 ms
#     and one /24 that answers every port.
#  2. loss: 1 % of frames are dropped on each direction, with --probes 2. This kernel has
#     no netem (nor tc classifiers), so an XDP program (tests/lab/responder/xdp_loss.c)
#     drops each frame independently with probability 0.01 where it is received: on the
#     responder's veth (probes) and on the scanner's (replies), before any packet socket. Model: each round of a
#     target is lost independently with probability L = 1 - (1 - 0.01)^2 = 0.0199 (probe or
#     reply lost), so a target is missed only when both rounds are: found fraction
#     1 - L^2 = 0.999604. The number missed is binomial(N, L^2) ~ Poisson(N L^2), N the
#     truth's size (~28 k, mean ~11): accepted within mean +- (4 sd + 2). The responder's
#     received count must show the 1 % probe loss (2 x probes x 0.99, +- 5 sd).
#  3. ICMP echo sweep of the /16: exactly the hosts that are up and answer pings.
# Every packet stays in two namespaces made and removed here (orbit-resp-ci-s/-r).
#   responder_sweep.sh ORBIT RESPONDER      (root) prints PASS/FAIL lines, "N passed, N failed"
# RESP_RATE (default 50000) sets the probe rate.
set -uo pipefail
orbit=$(realpath "$1")
responder=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rate=${RESP_RATE:-50000}
# shellcheck source=skip.sh
. "$here/skip.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "responder_sweep: needs root (network namespaces)"
tmp=$(mktemp -d /tmp/orbit-resp-ci.XXXXXX)
# shellcheck source=../lab/responder/netns.sh
source "$root/tests/lab/responder/netns.sh"
resp_pid=
cleanup() {
	[ -n "$resp_pid" ] && kill "$resp_pid" 2>/dev/null && wait "$resp_pid" 2>/dev/null
	resp_ns_down
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}

resp_ns_up ci 248 || { echo "FAIL namespaces"; echo "0 passed, 1 failed"; exit 1; }
model=(--seed 6 --dup-synack 0.05 --all-open 198.19.255.0/24 --delay-ms 20)
ports=22,80,443,U:53
range=198.19.0.0/16

start_responder() { # NAME
	ip netns exec "$RESP_NS_R" "$responder" -i "$RESP_IF_R" "${model[@]}" --max-seconds 120 \
		--stats-file "$tmp/$1.resp.json" 2>"$tmp/$1.resp.err" &
	resp_pid=$!
	# Scan only once it serves (its socket is open): at most 10 s.
	for _ in $(seq 100); do
		grep -q 'serving on' "$tmp/$1.resp.err" 2>/dev/null && break
		sleep 0.1
	done
}
stop_responder() {
	kill -TERM "$resp_pid"
	wait "$resp_pid"
	resp_pid=
}
# --max-retries 0: these checks count every probe the responder receives against what one
# round (or --probes N rounds) sends, and model loss per round; UDP retry rounds would add
# probes that depend on what the responder answered.
scan() { # NAME ARGS...: orbit from the scanner namespace, results in $tmp/NAME.json
	local name=$1
	shift
	timeout 120 ip netns exec "$RESP_NS_S" "$orbit" --no-dns --report-closed --backend afpacket --interface "$RESP_IF_S" \
		--max-retries 0 -S "$RESP_SRC" --source-mac "$RESP_MAC_S" -G "$RESP_MAC_R" \
		--blocklist-file "$root/tests/lab/lab-blocklist.conf" --rate "$rate" "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.err"
}
jget() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }

"$responder" --truth "${model[@]}" -p "$ports" $range >"$tmp/truth.csv" 2>"$tmp/truth.err"
cat "$tmp/truth.err"
n_truth=$(($(wc -l <"$tmp/truth.csv") - 1))

# 1. Exact.
start_responder exact
scan exact -p "$ports" --cooldown 2 $range
rc=$?
stop_responder
tail -1 "$tmp/exact.err"
tail -1 "$tmp/exact.resp.err"
python3 "$here/responder_compare.py" "$tmp/truth.csv" "$tmp/exact.json"
result "sweep of $range x 4 ports equals the truth (0 missing, 0 extra, 0 duplicates)" $((rc || $?))
probes=$((65536 * 4))
rx=$(jget "$tmp/exact.resp.json" rx)
missed=$(jget "$tmp/exact.resp.json" rx_missed)
txdrop=$(jget "$tmp/exact.resp.json" tx_dropped)
echo "responder received $rx of $probes probes, kernel drops $missed, tx dropped $txdrop"
[ "$rx" -eq $probes ] && [ "$missed" -eq 0 ] && [ "$txdrop" -eq 0 ]
result "the responder received every probe and kept up" $?
dups=$(jget "$tmp/exact.resp.json" tx_dup)
odups=$(grep -o 'duplicates [0-9]*' "$tmp/exact.err" | grep -o '[0-9]*')
echo "duplicate SYN-ACKs sent $dups, orbit counted $odups duplicates"
[ "$dups" -gt 0 ] && [ "$dups" = "$odups" ]
result "orbit drops exactly the duplicate SYN-ACKs" $?

# 2. 1 % loss each way, two probes per target.
clang -O2 -target bpf -DLOSS_PPM=10000 -c "$root/tests/lab/responder/xdp_loss.c" -o "$tmp/loss.o" &&
	ip -n "$RESP_NS_S" link set dev "$RESP_IF_S" xdp obj "$tmp/loss.o" sec xdp &&
	ip -n "$RESP_NS_R" link set dev "$RESP_IF_R" xdp obj "$tmp/loss.o" sec xdp
result "1 % loss set up (XDP on both veths)" $?
start_responder loss
scan loss -p "$ports" --probes 2 --cooldown 2 $range
rc=$?
stop_responder
ip -n "$RESP_NS_S" link set dev "$RESP_IF_S" xdp off
ip -n "$RESP_NS_R" link set dev "$RESP_IF_R" xdp off
tail -1 "$tmp/loss.err"
tail -1 "$tmp/loss.resp.err"
python3 "$here/responder_compare.py" "$tmp/truth.csv" "$tmp/loss.json" --json >"$tmp/loss.cmp"
python3 - "$tmp/loss.cmp" "$n_truth" "$tmp/loss.resp.json" $((probes * 2)) $rc <<'PY'
import json, math, sys
c = json.load(open(sys.argv[1]))
n, resp, sent, rc = int(sys.argv[2]), json.load(open(sys.argv[3])), int(sys.argv[4]), int(sys.argv[5])
loss = 0.01
L = 1 - (1 - loss) ** 2            # one round lost: the probe or its reply
expect_missing = n * L ** 2        # both rounds lost
tol = 4 * math.sqrt(expect_missing) + 2
rx_expect = sent * (1 - loss)
rx_tol = 5 * math.sqrt(sent * loss * (1 - loss))
print(f"found {c['found']} of {n}: fraction {c['found_fraction']:.6f}, expected "
      f"1 - L^2 = {1 - L**2:.6f} (L = 1 - 0.99^2 = {L:.4f}); missing {c['missing']}, "
      f"expected {expect_missing:.1f} +- {tol:.1f}; extra {c['extra']}, mismatched "
      f"{c['mismatched']}, duplicates {c['duplicates']}")
print(f"responder received {resp['rx']} of {sent} probes (expected {rx_expect:.0f} +- {rx_tol:.0f} "
      f"with 1 % loss), kernel drops {resp['rx_missed']}")
ok = (rc == 0 and abs(c["missing"] - expect_missing) <= tol and c["extra"] == 0 and
      c["mismatched"] == 0 and c["duplicates"] == 0 and abs(resp["rx"] - rx_expect) <= rx_tol
      and resp["rx_missed"] == 0)
sys.exit(0 if ok else 1)
PY
result "1 % loss each way, --probes 2: found fraction matches 1 - L^2" $?

# 3. ICMP echo sweep (-PE: -sn alone sends nmap's whole default set, TCP pings too).
"$responder" --truth "${model[@]}" --icmp $range >"$tmp/truth-icmp.csv" 2>/dev/null
start_responder icmp
scan icmp -sn -PE --cooldown 2 $range
rc=$?
stop_responder
tail -1 "$tmp/icmp.err"
python3 "$here/responder_compare.py" "$tmp/truth-icmp.csv" "$tmp/icmp.json"
result "ICMP echo sweep of $range finds exactly the hosts that answer pings" $((rc || $?))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
