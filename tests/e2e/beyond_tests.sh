#!/usr/bin/env bash
# Issue 17 end to end, against orbit-responder (the simulated internet, 198.19.0.0/16) on
# a veth of its own (tests/lab/responder/netns.sh, tag "by", link 198.18.246.0/24):
#  1. compressed streams: --output-file x.ndjson.zst / .gz equal the truth; a scan killed
#     with -9 leaves a file zstdcat / zcat read to the end (frames ended every second).
# Every packet and daemon stays in namespaces made and removed here.
#   beyond_tests.sh ORBIT [RESPONDER]   (root) prints PASS/FAIL lines, "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
responder=$(realpath "${2:-$(dirname "$orbit")/tests/lab/responder/orbit-responder}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=skip.sh
. "$here/skip.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "beyond_tests: needs root (network namespaces)"
[ -x "$responder" ] || skip_or_fail "beyond_tests: no responder at $responder"
tmp=$(mktemp -d /tmp/orbit-beyond.XXXXXX)
chmod 755 "$tmp"
# shellcheck source=../lab/responder/netns.sh
source "$root/tests/lab/responder/netns.sh"
resp_pid=
extra_cleanup=()
cleanup() {
	local c
	for c in "${extra_cleanup[@]}"; do $c; done
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
t0=$(date +%s)

resp_ns_up by 246 || { echo "FAIL namespaces"; echo "0 passed, 1 failed"; exit 1; }
model=(--seed 17)
range=198.19.0.0/16

start_responder() { # NAME [ARGS...]
	local name=$1
	shift
	ip netns exec "$RESP_NS_R" "$responder" -i "$RESP_IF_R" "${model[@]}" --max-seconds 170 \
		--stats-file "$tmp/$name.resp.json" "$@" 2>"$tmp/$name.resp.err" &
	resp_pid=$!
	for _ in $(seq 100); do
		grep -q 'serving on' "$tmp/$name.resp.err" 2>/dev/null && break
		sleep 0.1
	done
}
stop_responder() {
	[ -n "$resp_pid" ] || return 0
	kill -TERM "$resp_pid"
	wait "$resp_pid"
	resp_pid=
}
# orbit's link options, for scans from the scanner namespace (ORBIT_ARGS in sub-scripts).
link_args=(--backend afpacket --interface "$RESP_IF_S" --max-retries 0 --source-ip "$RESP_SRC"
	--source-mac "$RESP_MAC_S" --gateway-mac "$RESP_MAC_R"
	--blocklist-file "$root/tests/lab/lab-blocklist.conf")
scan() { # NAME ARGS...: orbit from the scanner namespace, stdout to $tmp/NAME.out
	local name=$1
	shift
	timeout 120 ip netns exec "$RESP_NS_S" "$orbit" "${link_args[@]}" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
}
truth() { # PORTS RANGE > csv
	"$responder" --truth "${model[@]}" -p "$1" "$2"
}

# ---- 1. compressed streams ----------------------------------------------------------------
truth 80,443 $range >"$tmp/truth2.csv"
start_responder zst
scan zst -p 80,443 --rate 100000 --cooldown 1 --output-file "$tmp/r.ndjson.zst" $range
rc=$?
scan gz -p 80,443 --rate 100000 --cooldown 1 --output-file "$tmp/r.ndjson.gz" $range
rc=$((rc || $?))
stop_responder
zstdcat "$tmp/r.ndjson.zst" | jq -c . >"$tmp/zst.json" && zcat "$tmp/r.ndjson.gz" >"$tmp/gz.json"
rc=$((rc || $?))
python3 "$here/responder_compare.py" "$tmp/truth2.csv" "$tmp/zst.json" &&
	python3 "$here/responder_compare.py" "$tmp/truth2.csv" "$tmp/gz.json"
result "--output-file .ndjson.zst and .ndjson.gz of $range x 2 ports equal the truth (zstdcat | jq, zcat)" $((rc || $?))

# kill -9 halfway through a slow scan: every frame ended so far is complete.
start_responder kill
ip netns exec "$RESP_NS_S" "$orbit" "${link_args[@]}" -p 80 --rate 8000 --cooldown 0 \
	--output-file "$tmp/k.ndjson.zst" $range >/dev/null 2>"$tmp/k.err" &
kpid=$!
sleep 4.5
kill -9 $kpid
wait $kpid 2>/dev/null
stop_responder
lines=$(zstdcat "$tmp/k.ndjson.zst" | jq -c . | wc -l)
zst_ok=$((PIPESTATUS[0] || PIPESTATUS[1]))
zstdcat "$tmp/k.ndjson.zst" | jq -c . >/dev/null
echo "kill -9 after 4.5 s: zstdcat | jq read $lines results (status ${PIPESTATUS[0]}/${PIPESTATUS[1]})"
[ "$lines" -gt 100 ] && zstdcat "$tmp/k.ndjson.zst" >/dev/null 2>&1 &&
	zstdcat "$tmp/k.ndjson.zst" | jq -e . >/dev/null
result "kill -9 mid-scan: the .zst so far is complete frames (zstdcat and jq read it without error)" $?

echo "beyond_tests: $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
