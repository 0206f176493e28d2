#!/usr/bin/env bash
# Per-probe cost: user-space instructions per probe of the sending thread of orbit (its
# tx thread: walk, cookie, template patch, pacing check, nic afpacket sendmmsg path), zmap
# (its send thread, send_run) and masscan (its transmit thread), counted by callgrind with
# --separate-threads=yes: the sending thread is the one whose profile holds its thread
# function (orbit tx_main, zmap send_run: Debian's zmap keeps that symbol), else the
# busiest thread (masscan's binary is stripped: its transmit thread is the busiest, the
# receive thread blocking in pcap and the main thread sleeping; zmap's main thread spins,
# hence the marker). Two
# runs per scanner, N1 and N2 probes, (Ir(N2) - Ir(N1)) / (N2 - N1), so start-up and
# exit cancel out. Kernel work (the syscalls themselves) is not counted by callgrind.
# The probes go to a namespace whose kernel drops them (no responder runs there; it owns
# none of the addresses and does not forward): nothing answers. (With an XDP drop program
# on that veth instead, zmap under valgrind exits before callgrind writes its profiles.)
#   bench/probe_cost.sh [ORBIT] [N1] [N2]      (root; N default 16384 and 49152) -> OUT/probe_cost.csv and a table
# Env: OUT (default bench/results), SCANNERS (default "orbit zmap masscan").
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orbit=$(realpath "${1:-$root/build-release/orbit}")
n1=${2:-16384}
n2=${3:-49152}
out=${OUT:-$root/bench/results}
scanners=${SCANNERS:-"orbit zmap masscan"}
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d /tmp/orbit-cost.XXXXXX)
# shellcheck source=../tests/lab/responder/netns.sh
source "$root/tests/lab/responder/netns.sh"
ping_pid=
cleanup() {
	[ -n "$ping_pid" ] && kill "$ping_pid" 2>/dev/null && wait "$ping_pid" 2>/dev/null
	resp_ns_down
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
resp_ns_up cost 251 || exit 1
: >"$tmp/empty"
{ cat "$root/tests/lab/lab-blocklist.conf"; echo "198.18.251.0/24"; } >"$tmp/block.conf"

cmd() { # SCANNER N
	case $1 in
	orbit) echo "$orbit -q --backend afpacket --interface $RESP_IF_S -S $RESP_SRC --source-mac $RESP_MAC_S" \
		"-G $RESP_MAC_R --blocklist-file $tmp/block.conf -p 80 --rate 0 --cooldown 0 --max-targets $2 --output-file /dev/null 198.18.0.0/15" ;;
	zmap) echo "zmap -q -i $RESP_IF_S -S $RESP_SRC --source-mac $RESP_MAC_S -G $RESP_MAC_R" \
		"-b $tmp/empty -p 80 -r 0 -c 0 -T 1 -n $2 -o /dev/null --disable-syslog 198.18.0.0/15" ;;
	masscan)
		# masscan has no probe cap: N = 16384 x K is 198.19.0.0/18 x K ports.
		(($2 % 16384 == 0)) || { echo "masscan: N must be a multiple of 16384" >&2; return 1; }
		local targets="198.19.0.0/18 -p80-$((79 + $2 / 16384))"
		echo "masscan $targets --rate 10000000 --wait 0 --adapter $RESP_IF_S --adapter-ip $RESP_SRC" \
			"--adapter-mac $RESP_MAC_S --router-mac $RESP_MAC_R -oL /dev/null" ;;
	esac
}

# Instructions of the busiest thread of one callgrind run.
instructions() { # SCANNER N
	local d=$tmp/$1-$2 c
	mkdir -p "$d"
	# zmap drops root for nobody once its sockets are open: the profiles must still be
	# writable then.
	chmod 755 "$tmp"
	chmod 1777 "$d"
	c=$(cmd "$1" "$2") || return 1
	(cd "$d" && timeout 600 ip netns exec "$RESP_NS_S" valgrind --tool=callgrind --separate-threads=yes --compress-strings=no \
		--callgrind-out-file="$d/cg.out" $c >/dev/null 2>"$d/err")
	local best=0 f v marker
	case $1 in orbit) marker=tx_main ;; zmap) marker=send_run ;; *) marker=none ;; esac
	for f in "$d"/cg.out*; do
		v=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -1)
		if grep -qE "^fn=(\([0-9]+\) )?$marker\$" "$f"; then
			echo "$v"
			return
		fi
		[ -n "$v" ] && [ "$v" -gt "$best" ] && best=$v
	done
	[ "$marker" = none ] || echo "$1: no thread runs $marker; taking the busiest" >&2
	echo "$best"
}

# masscan waits for a frame to arrive before it exits: ping the scanner's veth meanwhile.
ip netns exec "$RESP_NS_R" ping -q -i 0.2 -w 1200 "${RESP_SRC%.*}.1" >/dev/null 2>&1 &
ping_pid=$!

csv=$out/probe_cost.csv
echo "scanner,n1,n2,ir_n1,ir_n2,ir_per_probe" >"$csv"
printf '%-8s %14s %14s %12s\n' scanner "Ir($n1)" "Ir($n2)" "Ir/probe"
for s in $scanners; do
	i1=$(instructions "$s" "$n1")
	i2=$(instructions "$s" "$n2")
	if [ -z "$i1" ] || [ -z "$i2" ] || [ "$i1" = 0 ] || [ "$i2" = 0 ]; then
		echo "$s: callgrind run failed"; tail -3 "$tmp/$s-$n2/err"; continue
	fi
	per=$(awk -v a="$i1" -v b="$i2" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
	echo "$s,$n1,$n2,$i1,$i2,$per" >>"$csv"
	printf '%-8s %14s %14s %12s\n' "$s" "$i1" "$i2" "$per"
done
echo "wrote $csv (user-space instructions of the sending thread per probe)"
