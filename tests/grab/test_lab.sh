#!/usr/bin/env bash
# The grab pool against the lab's real daemons (tests/lab/lab.sh), compared with nmap -sV
# from the same namespace: product and version must be nmap's for nginx, OpenSSH, vsftpd
# and Redis, with orbit's own modules and again with Debian's nmap-service-probes file;
# ftp-anon, the HTTP title and the redis fields must be there; --grab-source-ip must be
# the address the server sees. Root only (namespaces); prints PASS/FAIL per check.
#   test_lab.sh GRAB_TOOL
set -uo pipefail
tool=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../e2e/skip.sh
. "$root/tests/e2e/skip.sh"
[ "$(id -u)" -eq 0 ] || skip_or_fail "grab_lab: needs root"
tmp=$(mktemp -d /tmp/orbit-grab-lab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
result() { if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi; }
inscan() { timeout 120 ip netns exec orbit-scan "$@"; }

timeout 300 bash "$root/tests/lab/lab.sh" up >"$tmp/lab.log" 2>&1 || { cat "$tmp/lab.log"; echo "FAIL lab up"; exit 1; }

targets=(198.18.1.10:22,80 198.18.1.11:21,6379)
# nmap's run is preparation, not a test: its status is shown, never counted.
inscan nmap -sV -n -Pn -p 21,22,80,6379 -oX "$tmp/nmap.xml" 198.18.1.10-11 >/dev/null 2>&1 ||
	echo "note: nmap -sV exited $?"
inscan "$tool" -t 10 "${targets[@]}" >"$tmp/native.ndjson" 2>"$tmp/native.err"
result "grab_tool (native modules)" $?
probes=/usr/share/nmap/nmap-service-probes
inscan "$tool" -t 10 -p "$probes" "${targets[@]}" >"$tmp/db.ndjson" 2>"$tmp/db.err"
result "grab_tool (--service-probes)" $?

# Floor: the ports expected.txt says are open on the targets (tests/e2e/lab_floor.py) are
# named by nmap and grabbed by orbit, so a lab where nothing answers cannot agree.
compare() { # NDJSON
	python3 - "$tmp/nmap.xml" "$1" "$root/tests/e2e" <<'PY'
import json, sys, xml.etree.ElementTree as ET
sys.path.insert(0, sys.argv[3])
import lab_floor
want = {}
for h in ET.parse(sys.argv[1]).getroot().iter('host'):
    a = h.find('address').get('addr')
    for p in h.iter('port'):
        s = p.find('service')
        if p.find('state').get('state') == 'open' and s is not None and s.get('product'):
            want[(a, int(p.get('portid')))] = (s.get('name'), s.get('product'), s.get('version', ''), s.get('extrainfo', ''))
got = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    got[(r['addr'], r['port'])] = r
bad = 0
for k, (name, prod, ver, info) in sorted(want.items()):
    r = got.get(k, {})
    mine = (r.get('service'), r.get('product'), r.get('version', ''))
    ok = mine == (name, prod, ver)
    print(f"  {k[0]}:{k[1]} nmap: {name} | {prod} | {ver} | {info}   orbit: {' | '.join(map(str, mine))} | {r.get('info', '')} [{r.get('grab_status')}] {'ok' if ok else 'MISMATCH'}")
    bad += not ok
if len(want) != 4:
    print(f"  nmap named {len(want)} services, expected 4"); bad += 1
floor = lab_floor.floor(lab_floor.parse_hosts('198.18.1.10-11'), lab_floor.parse_ports('21,22,80,6379'))
named = {(a, 'tcp', p) for a, p in want}
grabbed = {(a, 'tcp', p) for (a, p), r in got.items() if r.get('grab_status') == 'success'}
bad += not lab_floor.report('nmap -sV (services named)', floor, sorted(set(floor) - named))
bad += not lab_floor.report('orbit (grabs that succeeded)', floor, sorted(set(floor) - grabbed))
sys.exit(1 if bad else 0)
PY
}
compare "$tmp/native.ndjson"
result "native modules: service, product and version as nmap -sV" $?
compare "$tmp/db.ndjson"
result "nmap-service-probes: service, product and version as nmap -sV" $?

jq -s -e 'map(select(.port == 21))[0] | .ftp.anonymous == "true"' "$tmp/native.ndjson" >/dev/null
result "vsftpd: anonymous login allowed" $?
jq -s -e 'map(select(.port == 80))[0] | .http.title == "orbit lab h10" and .http.status == "200"' "$tmp/native.ndjson" >/dev/null
result "nginx: status 200, title" $?
jq -s -e 'map(select(.port == 22))[0] | (.ssh.kex_algorithms | test("curve25519-sha256")) and (.ssh.host_key_algorithms | length > 0)' "$tmp/native.ndjson" >/dev/null
result "OpenSSH: KEXINIT algorithms" $?
jq -s -e 'map(select(.port == 6379))[0] | .redis.mode == "standalone"' "$tmp/native.ndjson" >/dev/null
result "redis: INFO server fields" $?
n=$(jq -s '[.[] | select(.grab_status == "success")] | length' "$tmp/native.ndjson")
[ "$n" = 4 ]
result "4 grabs, 4 successes ($n)" $?

# --grab-source-ip: nginx's access log names the address it saw.
log=/run/orbit-lab/orbit-h10/nginx-access.log
before=$(grep -c '^198\.18\.0\.3 .*compatible; orbit' "$log" 2>/dev/null)
inscan "$tool" -s 198.18.0.3 198.18.1.10:80 >"$tmp/src.ndjson" 2>/dev/null
sleep 0.2
after=$(grep -c '^198\.18\.0\.3 .*compatible; orbit' "$log" 2>/dev/null)
[ "$after" -ge $((before + 2)) ] # GET and OPTIONS
result "source address 198.18.0.3 seen by nginx ($before -> $after)" $?

cat "$tmp/native.err" "$tmp/db.err"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
