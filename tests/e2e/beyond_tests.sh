#!/usr/bin/env bash
# Issue 17 end to end, against orbit-responder (the simulated internet, 198.19.0.0/16) on
# a veth of its own (tests/lab/responder/netns.sh, tag "by", link 198.18.246.0/24):
#  1. compressed streams: --output-file x.ndjson.zst / .gz equal the truth; a scan killed
#     with -9 leaves a file zstdcat / zcat read to the end (frames ended every second).
#  2. responsible runs: --contact in HTTP's User-Agent and SSH's version line (seen by a
#     listener of tests/e2e/beyond_identity.py), --contact/--notes in the metadata; a range
#     added to the blocklist file mid-scan gets no probe after SIGHUP (captured at the
#     responder's side), the reload latency measured; sent + suppressed = the walk.
#  3. Slurm: a single-node cluster in the scanner's namespace runs the job array of
#     deploy/slurm/orbit-array.sbatch; merged by deploy/orbit-merge = a one-machine scan,
#     also with a task killed halfway and resumed (tests/e2e/beyond_slurm.sh).
#  4. PostgreSQL: --output-postgres into a cluster of its own (unix socket only, in the
#     scanner's namespace) = the NDJSON; kill -9 + --resume: exactly once (beyond_pg.sh).
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
link_base=(--report-closed --no-dns --backend afpacket --interface "$RESP_IF_S" --max-retries 0 --source-ip "$RESP_SRC"
	--source-mac "$RESP_MAC_S" --gateway-mac "$RESP_MAC_R")
link_args=("${link_base[@]}" --blocklist-file "$root/tests/lab/lab-blocklist.conf")
scan() { # NAME ARGS...: orbit from the scanner namespace, stdout to $tmp/NAME.out
	local name=$1
	shift
	timeout 120 ip netns exec "$RESP_NS_S" "$orbit" "${link_args[@]}" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
}
truth() { # PORTS RANGE > csv
	"$responder" --truth "${model[@]}" -p "$1" "$2"
}

# BEYOND_ONLY=N runs only section N (while developing).
only() { [ -z "${BEYOND_ONLY:-}" ] || [ "$BEYOND_ONLY" = "$1" ]; }

# ---- 1. compressed streams ----------------------------------------------------------------
if only 1; then
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
fi

# ---- 2. responsible runs: --contact / --notes, the blocklist reloaded mid-scan -------------
if only 2; then
# --contact reaches a server in the HTTP User-Agent and the SSH client's version line.
ip netns exec "$RESP_NS_R" python3 "$here/beyond_identity.py" 198.18.246.2 "$tmp/seen.jsonl" \
	>"$tmp/ident.out" 2>&1 &
ident_pid=$!
extra_cleanup+=("kill $ident_pid")
for _ in $(seq 50); do grep -q listening "$tmp/ident.out" 2>/dev/null && break; sleep 0.1; done
contact='https://scan.example.org/optout'
timeout 60 ip netns exec "$RESP_NS_S" "$orbit" --backend afpacket --interface "$RESP_IF_S" \
	--source-mac "$RESP_MAC_S" --gateway-mac "$RESP_MAC_R" --source-ip 198.18.246.1 \
	--blocklist-file "$root/tests/lab/lab-blocklist.conf" -sV -p 22,80 --cooldown 2 \
	--grab-timeout 5 --contact "$contact" --notes "issue 17 lab run" --metadata "$tmp/id.meta.json" \
	198.18.246.2 >"$tmp/id.json" 2>"$tmp/id.err"
rc=$?
python3 - "$tmp/seen.jsonl" "$tmp/id.meta.json" "$contact" $rc <<'PY'
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1])] if __import__('os').path.exists(sys.argv[1]) else []
meta = json.load(open(sys.argv[2])) if sys.argv[4] == '0' else {}
contact = sys.argv[3]
http = [s['text'] for s in seen if s['kind'] == 'http']
ssh = [s['text'] for s in seen if s['kind'] == 'ssh']
print(f'HTTP User-Agent seen: {http[:1]}; SSH client line seen: {ssh[:1]}; '
      f'metadata contact {meta.get("contact")!r}, notes {meta.get("notes")!r}')
ok = (http and all(f'+{contact})' in h for h in http) and ssh and
      all(s.startswith('SSH-2.0-orbit_') and s.endswith(' ' + contact) for s in ssh) and
      meta.get('contact') == contact and meta.get('notes') == 'issue 17 lab run')
sys.exit(0 if ok else 1)
PY
result "--contact in the HTTP User-Agent, the SSH version line and the metadata; --notes in the metadata" $?
kill $ident_pid 2>/dev/null; wait $ident_pid 2>/dev/null
extra_cleanup=()

# A range added to the blocklist mid-scan gets no probe once SIGHUP reloaded it: every SYN
# reaching the responder's side is captured; the scan walks 198.19.0.0/16 x 1 port at
# 10 kpps (~6.5 s); after 2 s 198.19.128.0/17 is added and orbit gets SIGHUP.
cp "$root/tests/lab/lab-blocklist.conf" "$tmp/bl.conf"
chmod 644 "$tmp/bl.conf"
ip netns exec "$RESP_NS_R" tcpdump -i "$RESP_IF_R" -n -s 64 -U -w "$tmp/reload.pcap" \
	'tcp[13] & 2 != 0' 2>"$tmp/tcpdump.err" &
dump_pid=$!
extra_cleanup+=("kill $dump_pid")
for _ in $(seq 50); do grep -q listening "$tmp/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$RESP_NS_S" "$orbit" "${link_base[@]}" --blocklist-file "$tmp/bl.conf" \
	-p 80 --rate 10000 --cooldown 0 --metadata "$tmp/reload.meta.json" --checkpoint "$tmp/reload.ckpt" \
	$range >"$tmp/reload.json" 2>"$tmp/reload.err" &
scan_pid=$!
sleep 2
echo "198.19.128.0/17 # opt-out received mid-scan" >>"$tmp/bl.conf"
hup_at=$(date +%s.%N)
kill -HUP $scan_pid
wait $scan_pid
rc=$?
sleep 0.5
kill -INT $dump_pid; wait $dump_pid 2>/dev/null
extra_cleanup=()
grep 'reloaded' "$tmp/reload.err"
tcpdump -r "$tmp/reload.pcap" -n -tt 2>/dev/null | awk '{print $1, $5}' | sed 's/\.[0-9]*:$//' >"$tmp/reload.txt"
kdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$tmp/tcpdump.err")
python3 - "$tmp/reload.txt" "$hup_at" "$tmp/reload.meta.json" $rc "${kdrop:--1}" <<'PY'
import ipaddress, json, sys
hup = float(sys.argv[2])
net = ipaddress.ip_network('198.19.128.0/17')
probes = []
for line in open(sys.argv[1]):
    ts, dst = line.split()
    dst = dst.rsplit('.', 1)[0] if dst.count('.') == 4 else dst
    probes.append((float(ts), ipaddress.ip_address(dst)))
meta = json.load(open(sys.argv[3])) if sys.argv[4] == '0' else {}
inside = [t for t, a in probes if a in net]
before = [t for t in inside if t <= hup]
after = [t for t in inside if t > hup]
latency = (max(after) - hup) if after else 0.0
late = [t for t in after if t > hup + 0.1]
rl = meta.get('blocklist_reload', {})
sent = meta.get('counters', {}).get('sent', -1)
sup = rl.get('probes_suppressed', -1)
print(f'SYNs captured {len(probes)}; to 198.19.128.0/17: {len(before)} before the SIGHUP, '
      f'{len(after)} after it, the last {latency * 1000:.1f} ms after (reload latency); '
      f'metadata: sent {sent} + suppressed {sup} = {sent + sup} of 65536, '
      f'reloads {rl.get("reloads")}, addresses added {rl.get("addresses_added")}; '
      f'capture: kernel drops {sys.argv[5]}')
# The capture may miss the first probes (tcpdump attaching), never any later one.
ok = (len(before) > 1000 and not late and sent + sup == 65536 and sup > 10000 and
      sent * 0.95 <= len(probes) <= sent and sys.argv[5] == '0' and
      rl.get('addresses_added') == 32768 and rl.get('reloads') == 1)
sys.exit(0 if ok else 1)
PY
result "a range added to the blocklist mid-scan: no probe reaches it 100 ms after SIGHUP; sent + suppressed = the walk" $?
fi

# ---- 3. shards under Slurm ----------------------------------------------------------------
if ! only 3; then
	:
elif command -v slurmctld >/dev/null && command -v munged >/dev/null; then
	# shellcheck source=beyond_slurm.sh
	source "$here/beyond_slurm.sh"
else
	result "Slurm (slurm-wlm, munge: .ci/install-deps.sh) installed" 1
fi

# ---- 4. results into PostgreSQL, exactly once ------------------------------------------
if only 4; then
	if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
		# shellcheck source=beyond_pg.sh
		source "$here/beyond_pg.sh"
	else
		result "PostgreSQL (postgresql: .ci/install-deps.sh) installed" 1
	fi
fi

echo "beyond_tests: $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
