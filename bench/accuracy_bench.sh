#!/usr/bin/env bash
# Accuracy vs rate: the same sweep, 198.19.0.0/16 x T:22,80,443,8080 (262,144 probes), at
# increasing rates, for orbit (afpacket; DPDK net_af_packet; DPDK net_af_xdp when it
# starts), zmap and masscan, each against orbit-responder on a direct veth between two
# namespaces made here (orbit-resp-bench-s/-r). Results are diffed against the responder's
# --truth. zmap and masscan report open ports only, so the found fraction compared across
# scanners is over the open (SYN-ACK) targets; orbit's found fraction over every reported
# state is a column of its own. Debian's zmap 2.1.1 scans one port per run, so its sweep
# is four runs (one per port) whose results are merged.
#
# The rate achieved is counted at the responder's veth (rx_packets, sampled every 10 ms,
# over the intervals in which it moved), not taken from a scanner. A row is valid only
# where the responder kept up: responder_rx_missed (frames its socket lost) and
# responder_tx_dropped are in the CSV, and such rows are drawn hollow in the plot.
#
#   bench/accuracy_bench.sh [ORBIT] [RESPONDER]     (root; defaults: build-release/...)
# Env: RATES (default "50000 100000 200000 300000 400000 600000 0"; 0 = as fast as the
#      scanner goes), SCANNERS (default all five), OUT (default bench/results),
#      COOLDOWN (s, default 2). Writes OUT/accuracy.csv and OUT/accuracy.svg.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orbit=$(realpath "${1:-$root/build-release/orbit}")
responder=$(realpath "${2:-$root/build-release/tests/lab/responder/orbit-responder}")
rates=${RATES:-"50000 100000 200000 300000 400000 600000 0"}
scanners=${SCANNERS:-"orbit-afpacket orbit-dpdk-af_packet orbit-dpdk-af_xdp zmap masscan"}
out=${OUT:-$root/bench/results}
cooldown=${COOLDOWN:-2}
ports=22,80,443,8080
range=198.19.0.0/16
probes=$((65536 * 4))
seed=7
mkdir -p "$out"
tmp=$(mktemp -d /tmp/orbit-acc.XXXXXX)
# shellcheck source=../tests/lab/responder/netns.sh
source "$root/tests/lab/responder/netns.sh"
resp_pid=
cleanup() {
	[ -n "$resp_pid" ] && kill "$resp_pid" 2>/dev/null && wait "$resp_pid" 2>/dev/null
	resp_ns_down
	rm -rf "$tmp"
}
trap cleanup EXIT
resp_ns_up bench 249 || exit 1
: >"$tmp/empty"
"$responder" --truth --seed $seed -p "$ports" $range >"$tmp/truth.csv" 2>/dev/null

eal="--no-huge --no-pci -m 256 --file-prefix orbit-acc --log-level=lib.eal:warning --no-telemetry"
orbit_cmd() { # BACKEND-ARGS... : the common orbit command line
	echo "$orbit --interface $RESP_IF_S -S $RESP_SRC --source-mac $RESP_MAC_S -G $RESP_MAC_R" \
		"--blocklist-file $root/tests/lab/lab-blocklist.conf -p $ports --cooldown $cooldown $* $range"
}
scanner_cmd() { # SCANNER RATE RESULTFILE
	local s=$1 r=$2 f=$3
	case $s in
	orbit-afpacket) orbit_cmd --backend afpacket --rate "$r" ">$f" ;;
	orbit-dpdk-af_packet) orbit_cmd --backend dpdk --rate "$r" \
		"--dpdk-args '$eal --vdev=net_af_packet0,iface=$RESP_IF_S'" ">$f" ;;
	orbit-dpdk-af_xdp) orbit_cmd --backend dpdk --rate "$r" \
		"--dpdk-args '$eal --vdev=net_af_xdp0,iface=$RESP_IF_S'" ">$f" ;;
	zmap)
		# One run per port (zmap 2.1.1); "ADDR,PORT" lines merged into $f.
		local zr=$r p
		[ "$r" = 0 ] && zr=0
		echo -n ": >$f;"
		for p in ${ports//,/ }; do
			echo -n " zmap -q -i $RESP_IF_S -S $RESP_SRC --source-mac $RESP_MAC_S -G $RESP_MAC_R" \
				"-b $tmp/empty -p $p -r $zr -c $cooldown -o $f.$p -m $f.$p.meta" \
				"--disable-syslog $range && sed 's/\$/,$p/' $f.$p >>$f;"
		done ;;
	masscan)
		local mr=$r
		[ "$r" = 0 ] && mr=10000000
		# masscan's receive thread blocks in pcap while no frame arrives, and masscan
		# never exits once the veth goes quiet: a ping from the responder's namespace to
		# the scanner's veth (5 frames/s, started by the loop below) wakes it.
		echo "masscan $range -p$ports --rate $mr --wait $cooldown --adapter $RESP_IF_S" \
			"--adapter-ip $RESP_SRC --adapter-mac $RESP_MAC_S --router-mac $RESP_MAC_R -oL $f" ;;
	esac
}

# Runs CMD in the scanner namespace (its own process group, at most 60 s) while counting
# the frames arriving at the responder's veth: prints "DELIVERED ACTIVE_SECONDS EXIT", the
# active time being the 10 ms samples in which the count moved (gaps between zmap's runs
# and start-up do not count). The base count is taken before the scanner starts.
run_counted() { # CMD
	python3 - "$RESP_NS_S" "$RESP_NS_R" "$RESP_IF_R" "$1" "$tmp/scan.err" <<'PY'
import os, signal, subprocess, sys, time
ns_s, ns_r, dev, cmd, errf = sys.argv[1:]
sh = subprocess.Popen(["ip", "netns", "exec", ns_r, "sh", "-c",
    f"while read x; do cat /sys/class/net/{dev}/statistics/rx_packets; done"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
def count():
    sh.stdin.write("\n"); sh.stdin.flush()
    return int(sh.stdout.readline())
base = last = count()
err = open(errf, "w")
p = subprocess.Popen(["ip", "netns", "exec", ns_s, "bash", "-c", cmd], stdout=subprocess.DEVNULL,
                     stderr=err, start_new_session=True, cwd=os.path.dirname(errf))
t_last = time.monotonic(); active = 0.0; deadline = t_last + 60
while True:
    rc = p.poll()
    time.sleep(0.01)
    c, t = count(), time.monotonic()
    if c != last:
        active += t - t_last
    last, t_last = c, t
    if rc is not None:
        break
    if t > deadline:
        os.killpg(p.pid, signal.SIGKILL)
        rc = 124
        p.wait()
        break
sh.stdin.close(); sh.wait()
print(last - base, f"{active:.3f}", rc)
PY
}

# The kernel's drop counters of a veth (rx_dropped: the backlog queue was full).
veth_dropped() { # NS DEV
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_dropped"
}

csv=$out/accuracy.csv
echo "scanner,rate,probes,delivered,active_s,achieved_pps,truth_open,found_open,found_fraction_open,found_fraction_all,missing_open,extra,duplicates,scanner_rx_drops,responder_rx,responder_rx_missed,responder_tx_dropped,veth_dropped,valid" >"$csv"
for s in $scanners; do
	for r in $rates; do
		f=$tmp/$s-$r.out
		rm -f "$f"*
		# The responder plays the internet: it gets a head start on the shared cores.
		ip netns exec "$RESP_NS_R" nice -n -10 "$responder" -i "$RESP_IF_R" --seed $seed --max-seconds 120 \
			--stats-file "$tmp/resp.json" 2>"$tmp/resp.err" &
		resp_pid=$!
		sleep 0.5
		ping_pid=
		if [ "$s" = masscan ]; then
			ip netns exec "$RESP_NS_R" ping -q -i 0.2 -w 60 "${RESP_SRC%.*}.1" >/dev/null 2>&1 &
			ping_pid=$!
		fi
		vd0=$(( $(veth_dropped "$RESP_NS_S" "$RESP_IF_S") + $(veth_dropped "$RESP_NS_R" "$RESP_IF_R") ))
		read -r delivered active rc < <(run_counted "$(scanner_cmd "$s" "$r" "$f")")
		vd=$(( $(veth_dropped "$RESP_NS_S" "$RESP_IF_S") + $(veth_dropped "$RESP_NS_R" "$RESP_IF_R") - vd0 ))
		[ -n "$ping_pid" ] && kill "$ping_pid" 2>/dev/null && wait "$ping_pid" 2>/dev/null
		kill -TERM $resp_pid; wait $resp_pid; resp_pid=
		if [ $rc -ne 0 ] || [ "$delivered" -lt $((probes / 2)) ]; then
			echo "$s at rate $r: failed (exit $rc, $delivered frames delivered):"
			tail -c 400 "$tmp/scan.err" | tr '\r' '\n' | tail -3 | sed 's/^/    /'
			echo "$s: skipping its other rates"
			break
		fi
		fmt=orbit
		case $s in zmap) fmt=zmap ;; masscan) fmt=masscan ;; esac
		cmp_open=$(python3 "$root/tests/e2e/responder_compare.py" "$tmp/truth.csv" "$f" --format $fmt --open-only --json)
		cmp_all='{"found_fraction": ""}'
		[ $fmt = orbit ] && cmp_all=$(python3 "$root/tests/e2e/responder_compare.py" "$tmp/truth.csv" "$f" --json)
		drops=""
		case $s in
		orbit-*) drops=$(grep -o 'rx-missed [0-9]*' "$tmp/scan.err" | tail -1 | grep -o '[0-9]*$') ;;
		zmap) drops=$(cat "$f".*.meta | python3 -c "import json,sys,re
d=json.JSONDecoder(); s=sys.stdin.read(); i=0; n=0
while i < len(s):
    s2 = s[i:].lstrip()
    if not s2: break
    o, j = d.raw_decode(s2); i = len(s) - len(s2) + j
    n += int(o.get('pcap_drop', 0) or 0) + int(o.get('pcap_ifdrop', 0) or 0)
print(n)") ;;
		esac
		row=$(python3 - "$s" "$r" "$probes" "$delivered" "$active" "$cmp_open" "$cmp_all" "${drops:-}" "$tmp/resp.json" "$vd" <<'PY'
import json, sys
s, r, probes, delivered, active, co, ca, drops, rj, vd = sys.argv[1:]
co, ca, resp = json.loads(co), json.loads(ca), json.load(open(rj))
# Probes only (masscan also sends a RST per SYN-ACK and more): what the responder read as
# probes, plus what its socket lost, over the time the veth's count moved.
probes_in = min(int(delivered), resp["rx_syn"] + resp["rx_udp"] + resp["rx_echo"] + resp["rx_missed"])
pps = probes_in / float(active) if float(active) > 0 else 0
delivered = probes_in
valid = resp["rx_missed"] == 0 and resp["tx_dropped"] == 0 and vd == "0"
fa = ca["found_fraction"]
print(",".join(str(x) for x in [s, r, probes, delivered, active, round(pps), co["truth"], co["found"],
      f"{co['found_fraction']:.6f}", f"{fa:.6f}" if fa != "" else "", co["missing"], co["extra"],
      co["duplicates"], drops, resp["rx"], resp["rx_missed"], resp["tx_dropped"], vd, int(valid)]))
PY
)
		echo "$row" >>"$csv"
		echo "$row"
	done
done
python3 "$root/bench/accuracy_plot.py" "$csv" "$out/accuracy.svg"
echo "wrote $csv and $out/accuracy.svg"
