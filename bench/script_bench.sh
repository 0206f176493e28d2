#!/usr/bin/env bash
# Script engine benchmark: invocations/s and peak memory of orbit's engine (bench/bench_script)
# running the HTTP scripts (http-title, http-methods, http-server-header) on port 80 of
# every address of the grab farm (bench/grab_farm: nginx-like port 80 on 198.18.3.0/24 in
# namespaces of its own, tests/grab/netns.sh), and nmap --script with the same scripts on
# the same targets in the same run. Root only; run it under the lab lock.
#   bench/script_bench.sh BUILD_DIR [REPEAT]     (REPEAT: passes over the 254 targets, default 20)
set -euo pipefail
build=$(realpath "${1:-build}")
repeat=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
P=orbit-scrb
farm=$build/tests/grab/grab_farm
tmp=$(mktemp -d /tmp/orbit-script-bench.XXXXXX)
cleanup() { [ -n "${fpid:-}" ] && kill "$fpid" 2>/dev/null; bash "$root/tests/grab/netns.sh" down $P; rm -rf "$tmp"; }
trap cleanup EXIT
bash "$root/tests/grab/netns.sh" up $P
ip netns exec $P-s timeout 900 "$farm" 900 >"$tmp/farm.log" 2>&1 &
fpid=$!
for _ in $(seq 50); do grep -q ready "$tmp/farm.log" && break; sleep 0.1; done
run() { ip netns exec $P-c "$@"; }
scripts=http-title,http-methods,http-server-header

echo "# targets: 198.18.3.1-254 port 80 (nginx-like), scripts $scripts"
for c in 64 256 1024; do
	echo "## orbit script engine, $c invocations in flight, $repeat passes"
	run /usr/bin/time -f "  cpu %U+%S s" "$build/bench/bench_script" "$scripts" 198.18.3.1 198.18.3.254 80 "$repeat" "$c" 2>&1 | sed 's/^bench_script: /  /'
done
echo "## the same single pass: orbit vs nmap --script $scripts -p 80 (-n -Pn -T4)"
run /usr/bin/time -f "  cpu %U+%S s" "$build/bench/bench_script" "$scripts" 198.18.3.1 198.18.3.254 80 1 256 2>&1 | sed 's/^bench_script: /  orbit: /'
s=$(date +%s.%N)
run /usr/bin/time -f "  nmap peak RSS %M KiB, cpu %U+%S s" nmap -n -Pn -T4 -p 80 --script "$scripts" \
	-oX "$tmp/nmap.xml" 198.18.3.1-254 >/dev/null 2>"$tmp/nmap.time"
e=$(date +%s.%N)
n=$(grep -c '<script id=' "$tmp/nmap.xml" || true)
awk -v a="$s" -v b="$e" -v n="$n" 'BEGIN { printf "  nmap: %d script outputs on 254 ports in %.2f s (scan included) = %.0f ports/s\n", n, b - a, 254 / (b - a) }'
cat "$tmp/nmap.time"
