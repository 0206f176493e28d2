#!/usr/bin/env bash
# End-to-end tests of orbit's outputs in the lab (tests/lab/lab.sh): the issue's acceptance
# scan (-oX + -oN - of 198.18.1.0/24) read as an nmap user would, the text report against
# expected.txt, a >10k-result scan through jq with metadata, status lines and a slow
# reader, Ctrl-C + --checkpoint/--resume with exactly-once results, --report-all, and bad
# output options. Every packet stays inside the orbit-* namespaces.
#   output_tests.sh ORBIT_BINARY     prints PASS/FAIL per test, then "N passed, N failed"
set -uo pipefail
orbit=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
lab_block=$root/tests/lab/lab-blocklist.conf
expected=$root/tests/lab/expected.txt
tmp=$(mktemp -d /tmp/orbit-out-e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
scan() { timeout 300 ip netns exec orbit-scan "$orbit" --no-dns --report-closed --blocklist-file "$lab_block" --backend afpacket --interface orbit-s0 "$@"; }
result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}

bash "$root/tests/lab/lab.sh" up >"$tmp/lab-up.log" 2>&1 || { cat "$tmp/lab-up.log"; echo "0 passed, 1 failed"; exit 1; }
hosts=198.18.1.10-198.18.1.15

# The report parser shared by the checks below: per host, the listed ports and the
# summarised ("Not shown") states.
cat >"$tmp/report.py" <<'PY'
import re
def parse_report(path):
    hosts, cur = {}, None
    for line in open(path):
        line = line.rstrip('\n')
        m = re.match(r'orbit scan report for (\S+)$', line)
        if m:
            cur = hosts.setdefault(m.group(1), {'ports': {}, 'not_shown': {}, 'up': None})
            continue
        if cur is None:
            continue
        if line.startswith('Host is up'):
            cur['up'] = line
        m = re.match(r'(\d+)/(tcp|udp) +(\S+) +(\S+)$', line)
        if m:
            cur['ports'][(m.group(2), int(m.group(1)))] = (m.group(3), m.group(4))
        if line.startswith('Not shown: '):
            for n, state, proto in re.findall(r'(\d+) (\S+) (tcp|udp) ports?', line):
                cur['not_shown'][(state, proto)] = int(n)
    return hosts

def expected_states(path, hosts, tcp_ports, udp_ports):
    """(addr, proto, port) -> state for the scanned ports, closed unless listed."""
    want = {}
    for a in hosts:
        for p in tcp_ports:
            want[(a, 'tcp', p)] = 'closed'
        for p in udp_ports:
            want[(a, 'udp', p)] = 'closed'
    for line in open(path):
        if line.startswith('#') or ',host,' in line or not line.strip():
            continue
        a, proto, ports, state = line.strip().split(',')
        lo, _, hi = ports.partition('-')
        for p in range(int(lo), int(hi or lo) + 1):
            if (a, proto, p) in want:
                want[(a, proto, p)] = state
    return want
PY

# 1. The issue's acceptance: orbit -sS -p 1-1024 --rate 50000 -oX lab.xml -oN - ... /24.
scan -sS -p 1-1024 --rate 50000 --cooldown 4 -oX "$tmp/lab.xml" -oN - 198.18.1.0/24 \
	>"$tmp/acc.txt" 2>"$tmp/acc.err"
rc=$?
tail -1 "$tmp/acc.err"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/lab.xml" &&
	python3 - "$tmp/acc.txt" "$tmp/lab.xml" "$expected" $rc "$tmp/report.py" <<'PY'
import sys, xml.etree.ElementTree as ET
exec(open(sys.argv[5]).read())
txt, xmlf, exp, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lines = open(txt).read().split('\n')
problems = []
if rc != 0: problems.append(f'exit {rc}')
if not lines[0].startswith('# orbit ') or not lines[-2].startswith('# orbit done at '):
    problems.append('header/footer')
if any(l.startswith('{') for l in lines): problems.append('NDJSON mixed into the -oN - report')
rep = parse_report(txt)
listed = sorted(rep)
# h15 answers ICMP echo only: up by host discovery, all ports filtered, as nmap lists it.
want_hosts = ['198.18.1.1', '198.18.1.10', '198.18.1.11', '198.18.1.12', '198.18.1.13', '198.18.1.14', '198.18.1.15']
if listed != want_hosts: problems.append(f'hosts {listed}')
want = expected_states(exp, want_hosts, range(1, 1025), [])
for a, h in rep.items():
    for (proto, port), (state, svc) in h['ports'].items():
        if want.get((a, proto, port)) != state: problems.append(f'{a} {port}/{proto} {state} want {want.get((a, proto, port))}')
    for (a2, proto, port), state in want.items():
        if a2 == a and state != 'closed' and (proto, port) not in h['ports'] and not h['not_shown'].get((state, proto)):
            problems.append(f'{a} {port}/{proto} {state} not listed')
    if sum(h['not_shown'].values()) + len(h['ports']) != 1024: problems.append(f'{a} counts {h}')
if rep.get('198.18.1.10', {}).get('ports', {}).get(('tcp', 22)) != ('open', 'ssh'): problems.append('22/tcp open ssh')
root = ET.parse(xmlf).getroot()
xhosts = sorted(h.find('address').get('addr') for h in root.findall('host'))
if xhosts != want_hosts: problems.append(f'xml hosts {xhosts}')
xports = {(h.find('address').get('addr'), int(p.get('portid'))): p.find('state').get('state')
          for h in root.findall('host') for p in h.iter('port')}
xextra = {(h.find('address').get('addr'), e.get('state')) for h in root.findall('host') for e in h.iter('extraports')}
for (a, proto, port), (state) in [((a, pr, po), s) for (a, pr, po), s in want.items() if s != 'closed']:
    if xports.get((a, port)) != state and (a, state) not in xextra: problems.append(f'xml {a} {port} {xports.get((a, port))}')
print(f'acceptance: {len(listed)} hosts listed, {sum(len(h["ports"]) for h in rep.values())} ports listed; problems: {problems[:5]}')
sys.exit(1 if problems else 0)
PY
result "acceptance: -oX lab.xml -oN - of 198.18.1.0/24 is what nmap users expect (DTD-valid, expected.txt)" $?

# 2. ndiff: orbit's XML against nmap's of the same ports and hosts, -Pn both: no differences.
#    Floor: both XMLs show the lab's open ports (expected.txt) open; nmap's run is preparation.
ip netns exec orbit-scan nmap -sS -n -Pn -p 1-1024,6379,8080 -oX "$tmp/nmap.xml" 198.18.1.10-15 >/dev/null 2>&1 ||
	echo "note: nmap -sS exited $?"
scan -sS -Pn -p 1-1024,6379,8080 --cooldown 3 -q -oX "$tmp/orbit.xml" --output-file /dev/null $hosts
ndiff "$tmp/nmap.xml" "$tmp/orbit.xml" >"$tmp/ndiff.txt"
nd=$?
grep -E '^[-+]' "$tmp/ndiff.txt" | grep -v 'scan initiated' | head -5
[ $nd -le 1 ] && ! grep -E '^[-+]' "$tmp/ndiff.txt" | grep -qv 'scan initiated' &&
	python3 "$root/tests/e2e/lab_floor.py" --hosts $hosts --ports 1-1024,6379,8080 "$tmp/nmap.xml" "$tmp/orbit.xml"
result "ndiff: orbit -oX and nmap -oX of the lab differ in nothing but the header; both show its open ports" $?

# 3. Text report on stdout (--output-format text) of TCP and UDP against expected.txt, with -Pn so the
#    silent h15 is listed, filtered ports filled in from the complement.
scan -sS -sU -Pn -p T:1-1024,6379,8080,U:53,123,161,500 --cooldown 3 --output-format text $hosts \
	>"$tmp/text.txt" 2>"$tmp/text.err"
python3 - "$tmp/text.txt" "$expected" "$tmp/report.py" <<'PY'
import sys
exec(open(sys.argv[3]).read())
rep = parse_report(sys.argv[1])
hosts = [f'198.18.1.{i}' for i in range(10, 16)]
tcp = list(range(1, 1025)) + [6379, 8080]
udp = [53, 123, 161, 500]
want = expected_states(sys.argv[2], hosts, tcp, udp)
problems = []
if sorted(rep) != hosts: problems.append(f'hosts {sorted(rep)}')
for a in hosts:
    h = rep.get(a, {'ports': {}, 'not_shown': {}})
    got = {}
    for (proto, port), (state, svc) in h['ports'].items():
        got[(a, proto, port)] = state
    # Summarised states account for every port not listed.
    counts = {}
    for (a2, proto, port), state in want.items():
        if a2 == a and (a, proto, port) not in got:
            counts[(state, proto)] = counts.get((state, proto), 0) + 1
        elif a2 == a and got[(a, proto, port)] != state:
            problems.append(f'{a} {port}/{proto} {got[(a, proto, port)]} want {state}')
    if counts != h['not_shown']: problems.append(f'{a} not shown {h["not_shown"]} want {counts}')
print(f'text report: {len(rep)} hosts; problems: {problems[:5]}')
sys.exit(1 if problems else 0)
PY
result "text report (--output-format text, -sS -sU -Pn) matches expected.txt port for port" $?

# 4. A >10k-result scan piped through jq, with metadata, status file and --status lines.
#    5,000 pps: ~2.5 s of sending for two or more once-a-second status lines, now that the
#    cooldown ends as soon as every probe is answered (issue 11) instead of lasting 2 s.
scan -p 1-2100 --rate 5000 --cooldown 2 --seed 42 -m "$tmp/meta.json" --status-file "$tmp/status.ndjson" \
	--status $hosts 2>"$tmp/big.err" | jq -c . >"$tmp/big.json"
rcs=("${PIPESTATUS[@]}")
lines=$(wc -l <"$tmp/big.json")
status_lines=$(grep -cE '^orbit: [0-9]+:[0-9]+ +[0-9]+% (ETA|cooldown) .*; sent .*; recv .*; hits .*; drops ' "$tmp/big.err")
echo "jq: exit ${rcs[1]}, $lines results; $status_lines status lines on stderr"
[ "${rcs[0]}" -eq 0 ] && [ "${rcs[1]}" -eq 0 ] && [ "$lines" -ge 10000 ] && [ "$status_lines" -ge 2 ]
result ">10k results (TCP 1-2100 on six hosts) pass through jq -c . without error" $?
python3 - "$tmp/meta.json" "$tmp/big.json" "$tmp/status.ndjson" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
results = [json.loads(l) for l in open(sys.argv[2])]
status = [json.loads(l) for l in open(sys.argv[3])]
c = m['counters']
opened = sum(1 for r in results if r['state'] == 'open')
checks = {
    'version': m['orbit_version'] and m['dpdk_version'] is None and m['backend'] == 'afpacket',
    'seed': m['seed'] == 42 and m['config']['seed'] == 42 and m['config']['seed-given'] is True,
    'config': m['config']['rate'] == 5000 and m['config']['ports'] == '1-2100' and
              m['config']['targets'] == ['198.18.1.10-198.18.1.15'] and m['config']['status-file'],
    'times': m['start_time_unix'] < m['end_time_unix'] and m['duration_s'] > 0 and m['interrupted'] is False,
    'targets': m['targets'] == {'addresses': 6, 'ports': 2100, 'probes': 12600},
    'sent': c['sent'] == 12600 and m['nic']['tx_packets'] >= 12600 if 'nic' in m else c['nic']['tx_packets'] >= 12600,
    'results': c['results'] == len(results) and c['output']['written'] == len(results) and c['output']['dropped'] == 0,
    'by_state': c['by_state']['open'] == opened and sum(c['by_state'].values()) == c['results'],
    'drops': set(c['rx_drops']) >= {'bad-cookie', 'not-to-us', 'fragment'} and c['rx_drops_total'] == sum(c['rx_drops'].values()),
    'duplicates': c['duplicates'] == 0,
    'status': len(status) >= 2 and status[-1]['sent'] <= 12600 and all('eta_s' in s and 'followup_queue' in s for s in status),
}
print('metadata:', {k: v for k, v in checks.items()}, f'({len(results)} results, {opened} open, {len(status)} status lines)')
sys.exit(0 if all(checks.values()) else 1)
PY
result "-m metadata: version, seed, config, times, counters by state and drop cause; --status-file lines" $?

# 5. A slow reader: the pipe stalls for 4 s; back-pressure blocks the receive path and
#    nothing is lost (same result count as above, output drops 0).
scan -p 1-2100 --rate 20000 --cooldown 2 -m "$tmp/slow.json" $hosts 2>"$tmp/slow.err" |
	(sleep 4; cat) >"$tmp/slow.ndjson"
slow=$(wc -l <"$tmp/slow.ndjson")
python3 -c "
import json, sys
m = json.load(open('$tmp/slow.json'))
print(f'slow reader: {$slow} results (unblocked run: {$lines}); output dropped', m['counters']['output']['dropped'],
      ', rx-missed', m['counters']['nic']['rx_missed'])
sys.exit(0 if $slow == $lines and m['counters']['output']['dropped'] == 0 else 1)"
result "slow reader: back-pressure, no result lost" $?

# 6. Ctrl-C + --checkpoint, then --resume: together each result exactly once, and the
#    union is the whole scan. The interrupted run's XML is still complete and valid.
rm -f "$tmp/ckpt"
# Not through timeout(1): it would pass the signal on to the whole process group, and a
# second SIGINT ends orbit without a cooldown. ip netns exec execs orbit: $! is orbit.
ip netns exec orbit-scan "$orbit" --no-dns --report-closed --blocklist-file "$lab_block" --backend afpacket --interface orbit-s0 -p 1-2100 --rate 3000 \
	--cooldown 2 --checkpoint "$tmp/ckpt" -oX "$tmp/int.xml" $hosts >"$tmp/run1.json" 2>"$tmp/run1.err" &
pid=$!
sleep 2.5
kill -INT $pid
wait $pid
rc1=$?
scan -p 1-2100 --rate 20000 --cooldown 2 --resume "$tmp/ckpt" $hosts >"$tmp/run2.json" 2>"$tmp/run2.err"
rc2=$?
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/int.xml" &&
	python3 - "$tmp/run1.json" "$tmp/run2.json" "$tmp/big.json" $rc1 $rc2 <<'PY'
import json, sys
from collections import Counter
r1 = [json.loads(l) for l in open(sys.argv[1])]
r2 = [json.loads(l) for l in open(sys.argv[2])]
full = {(r['addr'], r['proto'], r['port']) for r in map(json.loads, open(sys.argv[3]))}
keys = Counter((r['addr'], r['proto'], r['port']) for r in r1 + r2)
twice = [k for k, n in keys.items() if n > 1]
missing = full - set(keys)
print(f'exits {sys.argv[4]},{sys.argv[5]}; run 1: {len(r1)} results, run 2: {len(r2)}; union {len(keys)} (full scan {len(full)}); twice {len(twice)}, missing {len(missing)}')
# Run 1 was stopped: exit 130 (128 + SIGINT). Issue 11 says the old 0 was wrong.
sys.exit(0 if (sys.argv[4], sys.argv[5]) == ('130', '0') and r1 and r2 and not twice and not missing and set(keys) == full else 1)
PY
result "Ctrl-C + --checkpoint/--resume: exit 130, each result exactly once across both runs; valid XML after Ctrl-C" $?

# 7. --report-all: unanswered targets as the complement (filtered, open|filtered, down).
scan -sS -sU --report-all -p T:22,443,8080,U:53,500 --cooldown 3 --fields addr,proto,port,state,reason --output-format csv \
	198.18.1.14 >"$tmp/all.csv" 2>/dev/null &&
	scan -sn --report-all --cooldown 4 198.18.1.0/28 >"$tmp/sweep.json" 2>/dev/null &&
	python3 - "$tmp/all.csv" "$tmp/sweep.json" <<'PY'
import csv, json, sys
rows = {(r['proto'], int(r['port'])): (r['state'], r['reason']) for r in csv.DictReader(open(sys.argv[1]))}
want = {('tcp', 22): ('filtered', 'no-response'), ('tcp', 443): ('filtered', 'no-response'),
        ('tcp', 8080): ('open', 'syn-ack'), ('udp', 53): ('open|filtered', 'no-response'),
        ('udp', 500): ('open|filtered', 'no-response')}
sweep = {r['addr']: r['state'] for r in map(json.loads, open(sys.argv[2]))}
up = sorted(a for a, s in sweep.items() if s == 'up')
print(f'report-all: {rows}; sweep {len(sweep)} addresses, up {up}')
ok = rows == want and len(sweep) == 16 and up == ['198.18.1.1', '198.18.1.10', '198.18.1.11', '198.18.1.12', '198.18.1.13', '198.18.1.14', '198.18.1.15']
ok = ok and all(s == 'down' for a, s in sweep.items() if a not in up)
sys.exit(0 if ok else 1)
PY
result "--report-all: filtered / open|filtered / down for targets that never answered (CSV -f, -sn)" $?

# 8. Bad output options: one line naming the problem, exit 2, before any packet.
bad=0
check_bad() { # WANT_TEXT ARGS...
	local want=$1
	shift
	out=$(scan -p 80 "$@" 198.18.1.10 2>&1 >/dev/null)
	local rc=$?
	if [ $rc -ne 2 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! grep -qF -- "$want" <<<"$out"; then
		echo "  bad option case '$*': exit $rc, message: $out"
		bad=1
	fi
}
check_bad "at position 14: expected && or ||" --output-filter "state = open & port = 22"
check_bad "unknown field 'prot'" --output-filter "prot = tcp"
check_bad "invalid value 'yaml' for --output-format" --output-format yaml
check_bad "unknown field 'bogus'" --output-format csv --fields addr,bogus
check_bad "both write to stdout" --output-format csv -oN -
check_bad "more than one of -oN/-oX/-oG" -oN - -oX -
"$orbit" --list-fields | grep -q '^addr .*address' || bad=1
[ $bad -eq 0 ]
result "bad output options: one line, exit 2; --list-fields" $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
