#!/usr/bin/env bash
# Hostile servers (tests/grab/hostile.py) in namespaces of the test's own
# (tests/grab/netns.sh, prefix orbit-grabh): never answering, one byte a second, 10 MB,
# binary junk, closing at once, RST after accept, a filtered port, a closed port, and TLS.
# Each gets its grab_status; meanwhile 2,000 farm grabs (bench/grab_farm on 198.18.3.0/24)
# finish at full speed, the pool never holds more than its concurrency, memory stays
# bounded, and the whole run ends within its time bound. Root only.
#   test_hostile.sh GRAB_TOOL GRAB_FARM
set -uo pipefail
tool=$(realpath "$1")
farm=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/skip.sh
. "$here/../e2e/skip.sh"
[ "$(id -u)" -eq 0 ] || skip_or_fail "grab_hostile: needs root"
P=orbit-grabh
tmp=$(mktemp -d /tmp/orbit-grab-hostile.XXXXXX)
cleanup() {
	[ -n "${hpid:-}" ] && kill "$hpid" 2>/dev/null
	[ -n "${fpid:-}" ] && kill "$fpid" 2>/dev/null
	bash "$here/netns.sh" down $P
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
result() { if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi; }

bash "$here/netns.sh" up $P || { echo "FAIL netns"; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=orbit-hostile/O=orbit lab" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
ip netns exec $P-s timeout 120 python3 "$here/hostile.py" "$tmp/cert.pem" "$tmp/key.pem" 110 >"$tmp/hostile.log" 2>&1 &
hpid=$!
ip netns exec $P-s timeout 120 "$farm" 110 >"$tmp/farm.log" 2>&1 &
fpid=$!
for _ in $(seq 50); do
	grep -q ready "$tmp/hostile.log" 2>/dev/null && grep -q ready "$tmp/farm.log" 2>/dev/null && break
	sleep 0.1
done

H=198.18.254.2
# Each hostile behaviour 20 times (they hold slots for the whole 3 s timeout), then the
# farm: 1000 addresses x ports 22, 80.
{
	for _ in $(seq 20); do
		for p in 9000 9001 9002 9003 9004 9005 9006 9009 9010 2222 443; do echo "$H:$p"; done
	done
	for a in $(seq 1 250); do
		echo "198.18.3.$a:22,80"
	done
	for a in $(seq 1 250); do
		echo "198.18.3.$a:22,80"
	done
} >"$tmp/targets"
start=$(date +%s.%N)
ip netns exec $P-c timeout 60 "$tool" -c 300 -t 3 -b 65536 -f "$tmp/targets" >"$tmp/out.ndjson" 2>"$tmp/err"
rc=$?
end=$(date +%s.%N)
cat "$tmp/err"
result "grab_tool finished and drained" $rc
lines=$(wc -l <"$tmp/out.ndjson")
[ "$lines" -eq 1220 ]
result "one result per target (1220: $lines)" $?

check() { # NAME PORT JQ-CONDITION (on every result for that port)
	local n bad
	n=$(jq -s "[.[] | select(.addr == \"$H\" and .port == $2)] | length" "$tmp/out.ndjson")
	bad=$(jq -s "[.[] | select(.addr == \"$H\" and .port == $2) | select(($3) | not)] | length" "$tmp/out.ndjson")
	if [ "$n" -eq 20 ] && [ "$bad" -eq 0 ]; then
		result "$1" 0
	else
		result "$1 ($n results, $bad wrong)" 1
		jq -c "select(.addr == \"$H\" and .port == $2) | {grab_status, err: .error, rx_bytes, grab_ms, mod: .module, product, tls, title: .http.title}" "$tmp/out.ndjson" | sort | uniq -c | head -5
	fi
}
check "greeting on an unknown port: detected as SSH (KEXINIT wait: 1/3 of the budget)" 9000 '.grab_status == "success" and .grab_ms < 1500 and .module == "ssh" and .product == "OpenSSH"'
check "never answers: io-timeout at the 3 s bound" 9001 '.grab_status == "io-timeout" and .grab_ms >= 2900 and .grab_ms < 3500'
check "one byte a second: io-timeout, at most 4 bytes" 9002 '.grab_status == "io-timeout" and .rx_bytes <= 4 and .grab_ms < 3500'
check "10 MB: read stops at the 64 KiB limit, truncated" 9003 '.grab_status == "success" and .rx_bytes == 65536 and .banner_truncated == true'
check "binary junk on an unknown port: the banner, escaped" 9004 '.grab_status == "success" and .rx_bytes == 10 and (.banner | startswith("\u0000\u00ff"))'
check "closes at once: connection-closed" 9005 '.grab_status == "connection-closed" and .rx_bytes == 0'
check "accept then RST: connection-closed" 9006 '.grab_status == "connection-closed"'
check "filtered port: connection-timeout" 9009 '.grab_status == "connection-timeout"'
check "closed port: connection-refused" 9010 '.grab_status == "connection-refused"'
check "binary junk on port 2222 (SSH module): protocol-error" 2222 '.grab_status == "protocol-error" and .error == "not ssh"'
check "TLS on 443: version, cipher, certificate, then HTTP" 443 '.grab_status == "success" and .service == "ssl/http" and .tls.version == "TLSv1.3" and (.tls.subject | test("CN=orbit-hostile")) and (.tls.not_after | test("^20[0-9][0-9]-")) and .http.title == "tls ok" and .product == "orbit-tls"'

good=$(jq -s '[.[] | select(.addr | startswith("198.18.3.")) | select(.grab_status == "success")] | length' "$tmp/out.ndjson")
[ "$good" -eq 1000 ]
result "all 1000 farm grabs succeed beside the hostile ones ($good)" $?
slowest=$(jq -s '[.[] | select(.addr | startswith("198.18.3.")) | .grab_ms] | max' "$tmp/out.ndjson")
awk -v s="$slowest" 'BEGIN { exit !(s < 500) }'
result "no farm grab slowed down by a hostile server (slowest $slowest ms)" $?
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
# 220 hostile grabs hold slots up to 3 s each; with 300 slots the run needs ~3 s, not 20 x 3.
awk -v e="$elapsed" 'BEGIN { exit !(e < 8) }'
result "whole run bounded: $elapsed s (< 8 s)" $?
peak=$(sed -n 's/.*peak open \([0-9]*\).*/\1/p' "$tmp/err")
[ -n "$peak" ] && [ "$peak" -le 300 ]
result "never more than 300 connections open (peak $peak)" $?
rss=$(sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p' "$tmp/err")
[ -n "$rss" ] && [ "$rss" -lt 65536 ]
result "peak RSS bounded with 20 x 10 MB servers: $rss KiB (< 64 MiB)" $?

# --grab-source-ip: the server names the address it saw.
ip netns exec $P-c timeout 20 "$tool" -t 3 -s 198.18.254.3 "$H:9011" >"$tmp/src.ndjson" 2>/dev/null
jq -e '.banner | startswith("peer 198.18.254.3")' "$tmp/src.ndjson" >/dev/null
result "source address 198.18.254.3 seen by the server" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
