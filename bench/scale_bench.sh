#!/usr/bin/env bash
# Scale: orbit's wall time, probes/s and peak RSS for sweeps of /16, /12 and /8 size.
# Only 198.18.0.0/15 (131,072 addresses) may be used here, so the larger sweeps are that
# /15 times ports, the index space orbit walks being addresses x ports either way:
#   /16-sized: 198.19.0.0/16 x port 80            =     65,536 probes
#   /12-sized: 198.18.0.0/15 x ports 1-8          =  1,046,528 probes (the link /24 blocked)
#   /8-sized:  198.18.0.0/15 x ports 1-128        = 16,744,448 probes
# Each size runs twice, unpaced (--rate 0), through the afpacket backend on a direct veth:
#   silent:   nothing answers (no responder): memory of the walk, pacing and I/O alone
#   answered: orbit-responder answers for the whole /15 with its default densities (about
#             11 % of probes get a reply), so the dedupe set and output grow with hits
# Results go to /dev/null; peak RSS is GNU time's maximum resident set size.
#   bench/scale_bench.sh [ORBIT] [RESPONDER]      (root) -> OUT/scale.csv and a table
# Env: SIZES (default "16 12 8"), OUT (default bench/results).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orbit=$(realpath "${1:-$root/build-release/orbit}")
responder=$(realpath "${2:-$root/build-release/tests/lab/responder/orbit-responder}")
sizes=${SIZES:-"16 12 8"}
out=${OUT:-$root/bench/results}
mkdir -p "$out"
tmp=$(mktemp -d /tmp/orbit-scale.XXXXXX)
# shellcheck source=../tests/lab/responder/netns.sh
source "$root/tests/lab/responder/netns.sh"
resp_pid=
cleanup() {
	[ -n "$resp_pid" ] && kill "$resp_pid" 2>/dev/null && wait "$resp_pid" 2>/dev/null
	resp_ns_down
	rm -rf "$tmp"
}
trap cleanup EXIT
resp_ns_up scale 250 || exit 1
{ cat "$root/tests/lab/lab-blocklist.conf"; echo "198.18.250.0/24 # the scanner<->responder link"; } >"$tmp/block.conf"

csv=$out/scale.csv
echo "size,mode,targets,probes,wall_s,probes_per_s,peak_rss_kib,results,responder_rx_missed" >"$csv"
printf '%-5s %-9s %11s %8s %12s %14s %10s\n' size mode probes "wall s" "probes/s" "peak RSS KiB" results
for size in $sizes; do
	case $size in
	16) targets=198.19.0.0/16; ports=80 ;;
	12) targets=198.18.0.0/15; ports=1-8 ;;
	8) targets=198.18.0.0/15; ports=1-128 ;;
	*) echo "unknown size $size"; continue ;;
	esac
	for mode in silent answered; do
		if [ $mode = answered ]; then
			ip netns exec "$RESP_NS_R" nice -n -10 "$responder" -i "$RESP_IF_R" --serve 198.18.0.0/15 \
				--max-seconds 120 --stats-file "$tmp/resp.json" 2>"$tmp/resp.err" &
			resp_pid=$!
			sleep 0.5
		fi
		/usr/bin/time -f '%e %M' -o "$tmp/time" timeout 100 ip netns exec "$RESP_NS_S" "$orbit" \
			--backend afpacket --interface "$RESP_IF_S" -S "$RESP_SRC" --source-mac "$RESP_MAC_S" \
			-G "$RESP_MAC_R" --blocklist-file "$tmp/block.conf" -p $ports --rate 0 --cooldown 2 \
			--output-file /dev/null $targets 2>"$tmp/orbit.err"
		rc=$?
		missed=""
		if [ -n "$resp_pid" ]; then
			kill -TERM "$resp_pid"; wait "$resp_pid"; resp_pid=
			missed=$(python3 -c "import json; print(json.load(open('$tmp/resp.json'))['rx_missed'])")
		fi
		if [ $rc -ne 0 ]; then
			echo "/$size $mode: orbit exited $rc"; tail -3 "$tmp/orbit.err"; continue
		fi
		read -r wall rss <"$tmp/time"
		summary=$(grep -E '^orbit: [0-9.]+ s, sent' "$tmp/orbit.err" | tail -1)
		sent=$(sed -n 's/.* sent \([0-9]*\) .*/\1/p' <<<"$summary")
		pps=$(sed -n 's/.* sent [0-9]* (\([0-9]*\)\/s while sending).*/\1/p' <<<"$summary")
		results=$(sed -n 's/.* results \([0-9]*\) .*/\1/p' <<<"$summary")
		echo "/$size,$mode,$targets x $ports,$sent,$wall,$pps,$rss,$results,$missed" >>"$csv"
		printf '%-5s %-9s %11s %8s %12s %14s %10s\n' "/$size" $mode "$sent" "$wall" "$pps" "$rss" "$results"
	done
done
echo "wrote $csv (probes/s: orbit's own count while sending; wall time includes the 2 s cooldown)"
