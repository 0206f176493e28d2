#!/usr/bin/env bash
# The transmit path against the machine's limit, in one run (issue 16):
#  1. packets/s of bench/tx_limit (a plain DPDK sender: fixed frame, incrementing address)
#     and of orbit's full SYN probes, both into DPDK's net_null, for 1 and 2 threads;
#  2. user-space instructions per probe of each sending thread (callgrind, two probe counts,
#     the difference divided by the count difference, so start-up cancels), orbit's split by
#     function into the parts of the path (walk and pacing, template and checksums, cookie,
#     mbuf alloc, submit, __tls_get_addr, the PMD).
# Nothing leaves the process: net_null swallows every frame (no namespace, no network).
# Writes OUT/tx_limit.csv and OUT/tx_instructions.csv, prints both, and draws them with
# bench/tx_plot.py into OUT/tx_limit.svg (beside send_bench.sh's veth rates if present).
# A program, not a test. Run as root:
#   bench/tx_limit.sh BUILD_DIR [SECONDS]        (a release build: meson -Dbuildtype=release)
# Packets/s on a loaded machine are low and noisy (the script prints the load average);
# instruction counts are not.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build-release}")
seconds=${2:-3}
out=${OUT:-$root/bench/results}
orbit=$build/orbit
limit=$build/bench/tx_limit
[ -x "$orbit" ] && [ -x "$limit" ] || { echo "tx_limit.sh: no $orbit or $limit (build first)"; exit 2; }
command -v valgrind >/dev/null || { echo "tx_limit.sh: valgrind not installed"; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d /tmp/orbit-txlimit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
eal() { echo "--no-huge --no-pci -m 256 --vdev=net_null0,no-rx=1 --file-prefix orbit-txl$1 --log-level=lib.eal:warning --no-telemetry"; }
# orbit_args THREADS: the command of an unpaced SYN scan of 198.19.0.0/16 into net_null,
# in the array ORBIT (add --max-targets).
orbit_args() {
	local threads=$1
	ORBIT=("$orbit" --no-drop-privileges --blocklist-file "$root/tests/lab/lab-blocklist.conf" \
		--backend dpdk --dpdk-args "$(eal "$threads")" --interface null0 -S 198.18.240.1 \
		--source-mac 02:00:c6:12:f0:01 --gateway-mac 02:00:c6:12:f0:02 --tx-threads "$threads" \
		-p 1-65535 --cooldown 0 --rate 0 --seed 1 --output-file /dev/null 198.19.0.0/16)
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "sender,threads,pps" >"$tmp/rate.csv"
for threads in 1 2; do
	"$limit" "$seconds" "$threads" $(eal "$threads") |
		awk -v t="$threads" '{print "tx_limit," t "," $4}' >>"$tmp/rate.csv"
	# orbit: as many probes as the reference sent in its time, at least 20 M.
	n=$(awk -F, -v t="$threads" '$1 == "tx_limit" && $2 == t {printf "%d", $3 * '"$seconds"'}' "$tmp/rate.csv")
	[ "${n:-0}" -lt 20000000 ] && n=20000000
	orbit_args "$threads"
	"${ORBIT[@]}" --max-targets "$n" --metadata "$tmp/meta$threads.json" >/dev/null 2>&1 || true
	python3 - "$tmp/meta$threads.json" "$threads" >>"$tmp/rate.csv" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
sent = m["counters"]["sent"]
print(f"orbit,{sys.argv[2]},{sent / m['send_duration_s']:.0f}")
EOF
done
cp "$tmp/rate.csv" "$out/tx_limit.csv"
column -s, -t "$out/tx_limit.csv"
awk -F, 'NR > 1 {r[$1 "," $2] = $3} END {
	for (t = 1; t <= 2; t++) printf "threads %d: orbit / tx_limit = %.2f\n", t, r["orbit," t] / r["tx_limit," t];
	printf "orbit -T 2 / -T 1 = %.2f\n", r["orbit,2"] / r["orbit,1"] }' "$out/tx_limit.csv"

# sending_profile DIR: the callgrind profile of the thread that sends (the biggest one that
# holds the sending loop's function).
sending_profile() {
	local f best= max=0
	for f in "$1"/cg.out-*; do
		grep -q -E 'fn=.*(tx_main|send_loop)' "$f" || continue
		local ir
		ir=$(sed -n 's/^summary: //p' "$f")
		[ "$ir" -gt "$max" ] && { max=$ir; best=$f; }
	done
	echo "$best"
}
# callgrind_run DIR CMD...: profile CMD with one file per thread into DIR.
callgrind_run() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && timeout 600 valgrind --tool=callgrind --separate-threads=yes \
		--callgrind-out-file=cg.out "$@" >run.log 2>&1)
}
n1=200000 n2=600000
for n in $n1 $n2; do
	orbit_args 1
	callgrind_run "$tmp/orbit$n" "${ORBIT[@]}" --max-targets "$n"
done
# The reference runs for a time, not a count: its own output says how many it sent.
for s in 1 3; do
	callgrind_run "$tmp/limit$s" "$limit" "$s" 1 $(eal 1)
done
python3 - "$(sending_profile "$tmp/orbit$n1")" "$(sending_profile "$tmp/orbit$n2")" $n1 $n2 \
	"$(sending_profile "$tmp/limit1")" "$(sending_profile "$tmp/limit3")" \
	"$(awk '/^threads/ {print $6}' "$tmp/limit1/run.log")" "$(awk '/^threads/ {print $6}' "$tmp/limit3/run.log")" \
	"$out/tx_instructions.csv" <<'EOF'
import re, subprocess, sys
o1, o2, n1, n2, l1, l2, s1, s2, csv = sys.argv[1:]
# The parts of the path, by function (first match wins); the PMD and libc by their object.
PARTS = [("PMD (net_null tx, mbuf free)", r"librte_net_null|librte_mempool"),
         ("__tls_get_addr (DPDK per-lcore)", r"__tls_get_addr"),
         ("cookie (SipHash, SIMD)", r"batch_avx2|batch_sse|siphash|cookie_"),
         ("template, patch, checksums", r"_build_burst|probe_build|tcp_syn_build|udp_build|icmp_"),
         ("mbuf alloc", r"tx_alloc"),
         ("submit (tx_burst, counters)", r"tx_submit"),
         ("the loop: walk, decode, pacing (tx_limit: all its work)", r"send_arc|walk_|tx_main|rate_|clock_gettime|send_loop"),
         ]
def by_function(path):
    text = subprocess.run(["callgrind_annotate", "--threshold=100", path], capture_output=True,
                          text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
        if m and "PROGRAM TOTALS" not in line:
            costs[m.group(2)] = costs.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    return costs
def per_part(a, b, count):
    parts = {}
    for name in set(a) | set(b):
        d = (b.get(name, 0) - a.get(name, 0)) / count
        label = next((p for p, rx in PARTS if re.search(rx, name)), "other")
        parts[label] = parts.get(label, 0) + d
    return parts
orbit = per_part(by_function(o1), by_function(o2), int(n2) - int(n1))
limit = per_part(by_function(l1), by_function(l2), int(s2) - int(s1))
labels = [p for p, _ in PARTS] + ["other"]
import csv as csvmod
with open(csv, "w", newline="") as f:
    w = csvmod.writer(f)
    w.writerow(["part", "orbit", "tx_limit"])
    for p in labels:
        w.writerow([p, f"{orbit.get(p, 0):.1f}", f"{limit.get(p, 0):.1f}"])
print(f"\n{'instructions per probe (sending thread)':40} {'orbit':>8} {'tx_limit':>9}")
for p in labels:
    print(f"{p:40} {orbit.get(p, 0):8.1f} {limit.get(p, 0):9.1f}")
print(f"{'total':40} {sum(orbit.values()):8.1f} {sum(limit.values()):9.1f}")
EOF
python3 "$root/bench/tx_plot.py" "$out" && echo "picture: $out/tx_limit.svg (with the veth rates of $out/send_bench.csv when bench/send_bench.sh wrote it)"
