#!/usr/bin/env bash
# Scan the services host 198.18.6.10 with Debian's nmap (-sS -sU) from inside orbit-scan and
# compare with tests/lab/services.txt port by port: every port it lists, plus a few that
# must be closed. Exit 0 only if they agree on every port (a host where nothing answers
# disagrees on each open port, so it fails).
#
#   tests/lab/check_svc.sh [-k]      (-k: keep nmap's output, print where)
#
# Needs the lab up (tests/lab/lab.sh up), root, and the lab lock held by the caller.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
truth=$here/services.txt
addr=198.18.6.10
closed_tcp=22,443,3306,8080 # the usual ports of services that listen elsewhere here
closed_udp=137,514
keep=0
[[ ${1:-} == -k ]] && keep=1
[[ $(id -u) == 0 ]] || { echo "check_svc: run as root" >&2; exit 1; }
[[ -e /run/netns/orbit-svc ]] || { echo "check_svc: the lab is down (run tests/lab/lab.sh up)" >&2; exit 1; }

list() { awk -F, -v p="$1" '$1 !~ /^#/ && $2 == p { printf "%s%s", sep, $3; sep = "," }' "$truth"; }
tcp=$(list tcp),$closed_tcp
udp=$(list udp),$closed_udp
out=$(mktemp -d /tmp/orbit-svc-nmap.XXXXXX)
((keep)) || trap 'rm -rf "$out"' EXIT

timeout 300 ip netns exec orbit-scan nmap -sS -sU -n -Pn --reason --max-retries 2 -p "T:$tcp,U:$udp" \
    -oX "$out/svc.xml" -oN "$out/svc.nmap" "$addr" >/dev/null

rc=0
python3 - "$truth" "$out/svc.xml" "$addr" "T:$tcp,U:$udp" <<'PY' || rc=$?
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(sys.argv[1]), '..', 'e2e'))
import lab_floor
truth, xml, addr, ports = sys.argv[1:]
want = lab_floor.known_states([addr], lab_floor.parse_ports(ports), truth)
got = lab_floor.read_states(xml)
bad = 0
for k in sorted(want, key=lambda k: (k[1], k[2])):
    g = got.get(k, 'MISSING')
    if g != want[k]:
        bad += 1
        print(f'check_svc: {k[2]}/{k[1]}: services.txt {want[k]}, nmap {g}')
listed = sum(1 for s in want.values() if s != 'closed')
if bad or listed < 20:
    print(f'check_svc: MISMATCH: {bad} of {len(want)} ports differ ({listed} listed ports)')
    sys.exit(1)
print(f'check_svc: nmap agrees with services.txt: {addr} x {len(want)} ports '
      f'({listed} listed, {len(want) - listed} closed)')
PY
((rc == 0)) || { cat "$out/svc.nmap"; echo "check_svc: nmap output in $out"; trap - EXIT; }
if ((keep && rc == 0)); then echo "check_svc: nmap output in $out"; fi
exit $rc
