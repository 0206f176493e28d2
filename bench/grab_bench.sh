#!/usr/bin/env bash
# Banner-grab benchmark: grabs/s, CPU and peak RSS of the grab pool (tests/grab/grab_tool)
# at 1k and 10k concurrency against the grab farm (bench/grab_farm: OpenSSH-like port 22 and
# nginx-like port 80 on every address of 198.18.3.0/24, in namespaces of its own made by
# tests/grab/netns.sh), and nmap -sV on the same targets in the same run. Root only.
#   bench/grab_bench.sh BUILD_DIR [REPEAT]     (REPEAT: passes over the 508 targets, default 100)
set -euo pipefail
build=$(realpath "${1:-build}")
repeat=${2:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
P=orbit-grabb
tool=$build/tests/grab/grab_tool
farm=$build/tests/grab/grab_farm
tmp=$(mktemp -d /tmp/orbit-grab-bench.XXXXXX)
cleanup() { [ -n "${fpid:-}" ] && kill "$fpid" 2>/dev/null; bash "$root/tests/grab/netns.sh" down $P; rm -rf "$tmp"; }
trap cleanup EXIT
bash "$root/tests/grab/netns.sh" up $P
ip netns exec $P-s timeout 1800 "$farm" 1800 >"$tmp/farm.log" 2>&1 &
fpid=$!
for _ in $(seq 50); do grep -q ready "$tmp/farm.log" && break; sleep 0.1; done
run() { ip netns exec $P-c "$@"; }

echo "# targets: 198.18.3.1-254, ports 22 (OpenSSH-like: ident + KEXINIT) and 80 (nginx-like: GET + OPTIONS)"
for c in 1000 10000; do
	echo "## orbit grab pool, concurrency $c, $repeat passes over 508 targets"
	run "$tool" -q -c "$c" -t 10 -r "$repeat" 198.18.3.1-254:22,80 2>&1 | sed 's/^grab_tool: /  /'
	echo "## same, with --service-probes $( [ -r /usr/share/nmap/nmap-service-probes ] && echo /usr/share/nmap/nmap-service-probes)"
	run "$tool" -q -c "$c" -t 10 -r "$repeat" -p /usr/share/nmap/nmap-service-probes 198.18.3.1-254:22,80 2>&1 | sed 's/^grab_tool: /  /'
	echo "## same, with Nmap's probe sequence (-V 7, as -sV --version-intensity 7)"
	run "$tool" -q -c "$c" -t 10 -r "$repeat" -p /usr/share/nmap/nmap-service-probes -V 7 198.18.3.1-254:22,80 2>&1 | sed 's/^grab_tool: /  /'
done

echo "## nmap -sV vs orbit on the same 128 services (198.18.3.1-64, ports 22 and 80)"
s=$(date +%s.%N)
run /usr/bin/time -f "  nmap peak RSS %M KiB, cpu %U+%S s" nmap -sV -n -Pn -T4 -p 22,80 -oX "$tmp/nmap.xml" 198.18.3.1-64 >/dev/null 2>"$tmp/nmap.time"
e=$(date +%s.%N)
n=$(grep -c '<service name=' "$tmp/nmap.xml" || true)
named=$(grep -c 'product="' "$tmp/nmap.xml" || true)
awk -v a="$s" -v b="$e" -v n="$n" -v p="$named" 'BEGIN { printf "  nmap -sV: %d services (%d with a product) in %.2f s = %.1f services/s\n", n, p, b - a, n / (b - a) }'
cat "$tmp/nmap.time"
run "$tool" -c 1000 -t 10 198.18.3.1-64:22,80 2>&1 >"$tmp/orbit.ndjson" | sed 's/^grab_tool: /  orbit: /'
echo "  orbit named: $(jq -s '[.[] | select(.product != null)] | length' "$tmp/orbit.ndjson") services with a product; sample:"
jq -c '{addr, port, service, product, version, info}' "$tmp/orbit.ndjson" | head -2 | sed 's/^/    /'
grep -o 'name="[a-z]*" product="[^"]*" version="[^"]*" extrainfo="[^"]*"' "$tmp/nmap.xml" | sort | uniq -c | sed 's/^/    nmap: /'
