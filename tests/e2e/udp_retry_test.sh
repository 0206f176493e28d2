#!/usr/bin/env bash
# UDP at full kernel defaults (tests/lab/README.md, "Kernel settings", ORBIT_LAB_TUNED=0):
# a closed UDP port's host answers about one ICMP port unreachable per second after a
# burst of 6, so a scan that sends each probe once sees most closed ports as open|filtered.
# orbit's --max-retries rounds (default 10, as nmap) must bring every UDP state of the lab hosts to
# what tests/lab/expected.txt says (the truth: at these defaults nmap's own answers vary,
# so they are printed for information only, with both wall times). The lab is put back in
# its default mode (lab.sh up) whatever happens.
#   udp_retry_test.sh ORBIT_BINARY [ORBIT_ARGS...]   last line "udp_retry_test: PASS|FAIL ..."; exit 0 on PASS
# Needs the lab lock (flock -o /tmp/orbit-lab.lock) like every lab test.
set -uo pipefail
orbit=$(realpath "$1")
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/orbit-udpretry.XXXXXX)
restore() { bash "$root/tests/lab/lab.sh" up >"$tmp/restore.log" 2>&1 || cat "$tmp/restore.log"; rm -rf "$tmp"; }
trap restore EXIT
hosts=198.18.1.10-198.18.1.15
ports=53,69,111,123,137,161,500,1900,5353,5683,11211

if ! ORBIT_LAB_TUNED=0 bash "$root/tests/lab/lab.sh" up >"$tmp/up.log" 2>&1; then
	cat "$tmp/up.log"
	echo "FAIL UDP at full kernel defaults: lab.sh up (ORBIT_LAB_TUNED=0) failed"
	exit 1
fi
# Every limiter full again: a previous scan's ICMP tokens must not help or hurt.
sleep 6
t0=$(date +%s.%N)
timeout 120 ip netns exec orbit-scan "$orbit" --no-dns --report-closed --blocklist-file "$root/tests/lab/lab-blocklist.conf" \
	--backend afpacket --interface orbit-s0 -sU -p "$ports" "$@" "$hosts" >"$tmp/orbit.json" 2>"$tmp/orbit.err"
rc=$?
t1=$(date +%s.%N)
grep -E 'UDP retries|^orbit: [0-9.]+ s' "$tmp/orbit.err"
sleep 6
timeout 300 ip netns exec orbit-scan nmap -sU -n -Pn --reason -p "$ports" -oX "$tmp/nmap.xml" \
	198.18.1.10-15 >/dev/null 2>&1 || echo "note: nmap -sU exited $?"
t2=$(date +%s.%N)
ROOT=$root python3 - "$tmp/orbit.json" "$tmp/nmap.xml" "$hosts" "$ports" "$rc" "$t0" "$t1" "$t2" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ['ROOT'], 'tests', 'e2e'))
import lab_floor
orbit_path, nmap_path, hosts, ports, rc, t0, t1, t2 = sys.argv[1:]
truth = lab_floor.known_states(lab_floor.parse_hosts(hosts), lab_floor.parse_ports('U:' + ports))
orbit, twice = {}, []
for line in open(orbit_path):
    r = json.loads(line)
    if 'port' in r:
        key = (r['addr'], r['proto'], r['port'])
        (twice if key in orbit else []).append(key)
        orbit[key] = r['state']
try:
    nmap = lab_floor.xml_states(nmap_path)
except Exception as exc:  # nmap is information here
    nmap = {}
    print(f'note: no nmap XML ({exc})')
bad = [k for k in truth if orbit.get(k, 'open|filtered') != truth[k]]
extra = [k for k in orbit if k not in truth]
nmap_bad = [k for k in truth if nmap.get(k, 'open|filtered') != truth[k]]
for k in sorted(bad):
    print(f'MISMATCH {k[0]} udp/{k[2]}: truth {truth[k]}, orbit {orbit.get(k, "open|filtered")}')
for k in twice + extra:
    print(f'BAD orbit reported {k} twice or outside the scan')
print(f'orbit: exit {rc}, {len(truth) - len(bad)}/{len(truth)} UDP states as expected.txt, '
      f'{float(t1) - float(t0):.1f} s wall; nmap (information): '
      f'{len(truth) - len(nmap_bad)}/{len(truth)}, {float(t2) - float(t1) - 6:.1f} s wall')
sys.exit(0 if rc == '0' and not bad and not twice and not extra else 1)
PY
status=$?
if [ $status -eq 0 ]; then echo "udp_retry_test: PASS UDP at full kernel defaults: orbit -sU gives expected.txt's states (retries)"
else echo "udp_retry_test: FAIL UDP at full kernel defaults: orbit -sU gives expected.txt's states (retries)"; fi
exit $status
