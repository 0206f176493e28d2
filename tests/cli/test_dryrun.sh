#!/usr/bin/env bash
# The dry-run walk from the command line: bad input (one line naming the value, exit 2),
# the issue's acceptance walk, shard unions, checkpoint and resume. Sends nothing.
#   test_dryrun.sh ORBIT_BINARY SOURCE_ROOT
set -uo pipefail
orbit=$1
src=$2
lab_block=$src/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { checks=$((checks + 1)); }

# expect_bad NAMED-VALUE ARGS...: exit 2, exactly one line on stderr naming the value,
# nothing on stdout.
expect_bad() {
	local named=$1
	shift
	check
	"$orbit" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	local lines
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -ne 2 ]; then fail "orbit $* exited $rc, want 2"; return; fi
	if [ "$lines" -ne 1 ]; then fail "orbit $*: $lines lines on stderr, want 1: $(cat "$tmp/err")"; return; fi
	if ! grep -qF -- "$named" "$tmp/err"; then fail "orbit $*: message does not name '$named': $(cat "$tmp/err")"; return; fi
	if [ -s "$tmp/out" ]; then fail "orbit $*: printed to stdout"; fi
}

expect_bad "1.2.3.4/33" --dry-run -p 80 1.2.3.4/33
expect_bad "300.1.1.1" --dry-run -p 80 300.1.1.1
expect_bad "10.0.0.0-" --dry-run -p 80 10.0.0.0-
expect_bad "'0'" --dry-run -p 0 198.18.0.1
expect_bad "70000" --dry-run -p 70000 198.18.0.1
expect_bad "80-20" --dry-run -p 80-20 198.18.0.1
expect_bad "U:" --dry-run -p U: 198.18.0.1
: >"$tmp/empty"
expect_bad "$tmp/empty" --dry-run -p 80 -iL "$tmp/empty"
head -c 4096 "$orbit" >"$tmp/binary"
expect_bad "$tmp/binary" --dry-run -p 80 -iL "$tmp/binary"
expect_bad "--shard 3" --dry-run -p 80 --shard 3 --shards 3 --blocklist-file "$lab_block" 198.18.0.1
expect_bad "--shards 4 needs --seed" --dry-run -p 80 --shards 4 --shard 1 --blocklist-file "$lab_block" 198.18.0.1
expect_bad "--frobnicate" --dry-run --frobnicate 198.18.0.1
expect_bad "abc" --dry-run -p 80 --seed abc 198.18.0.1
expect_bad "no targets left" --dry-run -p 80 198.18.0.0/24   # all in the default blocklist
expect_bad "-sA" --dry-run -sS -sA -p 80 --blocklist-file "$lab_block" 198.18.0.1
expect_bad "/nonexistent/list" --dry-run -p 80 --blocklist-file /nonexistent/list 198.18.0.1
expect_bad "--probes 2" --dry-run -p 80 --probes 2 --checkpoint "$tmp/cpx" --blocklist-file "$lab_block" 198.18.0.1
# An unresolvable hostname: resolved inside a namespace of our own whose resolver is
# loopback, so the lookup fails fast and no DNS query leaves the machine.
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	ns=orbit-cli-$$
	mkdir -p "/etc/netns/$ns"
	echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	check
	ip netns exec "$ns" "$orbit" --dry-run -p 80 a.b.c.d >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "a.b.c.d" "$tmp/err"; then
		fail "unresolvable hostname: exit $rc, stderr: $(cat "$tmp/err")"
	fi
	ip netns del "$ns"
	rm -rf "/etc/netns/$ns"
else
	fail "hostname test needs root and iproute2 (run as root)"
fi

# nmap's rule: unprefixed ports go to every scan type given (-sS -sU -p 53,161 is four
# probes), prefixed ones to their protocol only; --top-ports N with both is N of each.
check
"$orbit" --dry-run -sS -sU -p 53,161 --blocklist-file "$lab_block" 198.18.1.10 2>/dev/null | sort >"$tmp/both"
printf '%s\n' 198.18.1.10,tcp,161 198.18.1.10,tcp,53 198.18.1.10,udp,161 198.18.1.10,udp,53 |
	sort | cmp -s - "$tmp/both" || fail "-sS -sU -p 53,161 walked: $(tr '\n' ' ' <"$tmp/both")"
check
"$orbit" --dry-run -sS -sU -p 22,U:53 --blocklist-file "$lab_block" 198.18.1.10 2>/dev/null | sort >"$tmp/both"
printf '%s\n' 198.18.1.10,tcp,22 198.18.1.10,udp,22 198.18.1.10,udp,53 |
	sort | cmp -s - "$tmp/both" || fail "-sS -sU -p 22,U:53 walked: $(tr '\n' ' ' <"$tmp/both")"
check
"$orbit" --dry-run -sS -sU --top-ports 10 --blocklist-file "$lab_block" 198.18.1.10 2>/dev/null >"$tmp/both"
[ "$(grep -c ',tcp,' "$tmp/both")" -eq 10 ] && [ "$(grep -c ',udp,' "$tmp/both")" -eq 10 ] ||
	fail "-sS -sU --top-ports 10 walked $(grep -c ,tcp, "$tmp/both") tcp and $(grep -c ,udp, "$tmp/both") udp ports, want 10 each"

# The acceptance walk: 1,024 addresses x {tcp/80, udp/53}, distinct, reproducible, and
# equal to the union of four shards.
check
"$orbit" --dry-run --seed 7 -p 80,U:53 --blocklist-file "$lab_block" 198.18.0.0/22 >"$tmp/a" 2>"$tmp/err" || fail "dry run failed: $(cat "$tmp/err")"
"$orbit" --dry-run --seed 7 -p 80,U:53 --blocklist-file "$lab_block" 198.18.0.0/22 >"$tmp/b" 2>/dev/null
[ "$(wc -l <"$tmp/a")" -eq 2048 ] || fail "want 2048 lines, got $(wc -l <"$tmp/a")"
[ "$(sort -u "$tmp/a" | wc -l)" -eq 2048 ] || fail "lines are not distinct"
cmp -s "$tmp/a" "$tmp/b" || fail "same seed gave a different order"
grep -qvE '^198\.18\.[0-3]\.[0-9]{1,3},(tcp,80|udp,53)$' "$tmp/a" && fail "unexpected line: $(grep -vE '^198\.18\.[0-3]\.[0-9]{1,3},(tcp,80|udp,53)$' "$tmp/a" | head -1)"
: >"$tmp/shards"
for i in 0 1 2 3; do
	"$orbit" --dry-run --seed 7 -p 80,U:53 --blocklist-file "$lab_block" --shards 4 --shard $i 198.18.0.0/22 >>"$tmp/shards" 2>/dev/null
done
check
[ "$(wc -l <"$tmp/shards")" -eq 2048 ] || fail "4 shards printed $(wc -l <"$tmp/shards") lines"
cmp -s <(sort "$tmp/a") <(sort "$tmp/shards") || fail "union of shards differs from the single walk"
check
"$orbit" --dry-run --seed 8 -p 80,U:53 --blocklist-file "$lab_block" 198.18.0.0/22 >"$tmp/c" 2>/dev/null
cmp -s "$tmp/a" "$tmp/c" && fail "seed 8 gave the same order as seed 7"
cmp -s <(sort "$tmp/a") <(sort "$tmp/c") || fail "seed 8 walked a different set"
check
"$orbit" --dry-run --seed 7 --tx-threads 3 -p 80,U:53 --blocklist-file "$lab_block" 198.18.0.0/22 2>/dev/null | sort >"$tmp/t3"
cmp -s <(sort "$tmp/a") "$tmp/t3" || fail "--tx-threads 3 changed the set"
# Without --seed a random one is printed, and repeating it repeats the order.
check
"$orbit" --dry-run -p 80 --blocklist-file "$lab_block" 198.18.0.0/24 >"$tmp/r1" 2>"$tmp/err"
seed=$(sed -n 's/.*--seed \([0-9]*\).*/\1/p' "$tmp/err")
[ -n "$seed" ] || fail "no seed printed: $(cat "$tmp/err")"
"$orbit" --dry-run --seed "$seed" -p 80 --blocklist-file "$lab_block" 198.18.0.0/24 >"$tmp/r2" 2>/dev/null
cmp -s "$tmp/r1" "$tmp/r2" || fail "--seed $seed did not repeat the printed order"
# Blocked ranges are dropped with one warning naming them (dry run: nothing is sent).
check
printf '198.19.255.0/24   # lab hole\n' >"$tmp/hole.conf"
"$orbit" --dry-run --seed 1 -p 80 --blocklist-file "$tmp/hole.conf" 198.19.255.0/24 198.18.7.0/30 >"$tmp/out" 2>"$tmp/err"
[ "$(grep -c 'warning' "$tmp/err")" -eq 1 ] && grep -q "198.19.255.0/24.*256 addresses dropped.*lab hole" "$tmp/err" \
	|| fail "blocked-range warning: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -eq 4 ] || fail "want the 4 unblocked addresses, got $(wc -l <"$tmp/out")"

# Checkpoint and resume: stop after k probes, resume, union exact (several k, 2 threads).
for k in 1 100 777 2047; do
	check
	rm -f "$tmp/cp"
	"$orbit" --dry-run --seed 3 --tx-threads 2 -p 80,U:53 --blocklist-file "$lab_block" --max-targets $k --checkpoint "$tmp/cp" 198.18.0.0/22 >"$tmp/part1" 2>/dev/null
	"$orbit" --dry-run --tx-threads 2 -p 80,U:53 --blocklist-file "$lab_block" --resume "$tmp/cp" 198.18.0.0/22 >"$tmp/part2" 2>/dev/null
	[ "$(wc -l <"$tmp/part1")" -le $k ] || fail "k=$k: first run printed $(wc -l <"$tmp/part1") lines"
	cmp -s <(sort "$tmp/part1" "$tmp/part2") <(sort "$tmp/a") || fail "k=$k: first + resumed run differ from the full walk"
done
check
"$orbit" --dry-run --tx-threads 2 -p 80 --blocklist-file "$lab_block" --resume "$tmp/cp" 198.18.0.0/22 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "other targets or ports" "$tmp/err" || fail "resume with other ports: $(cat "$tmp/err")"
check
"$orbit" --dry-run --tx-threads 2 -p 80,U:53 --blocklist-file "$lab_block" --resume "$tmp/cp" --seed 4 198.18.0.0/22 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "seed" "$tmp/err" || fail "resume with another seed: $(cat "$tmp/err")"
# Ctrl-C (SIGINT) mid-walk writes a checkpoint; lines printed before the stop plus the
# resumed run's lines are exactly the whole walk (distinctness is test_walk's job).
check
( "$orbit" --dry-run --seed 5 -p 1-1000 --blocklist-file "$lab_block" --checkpoint "$tmp/cp2" 198.18.0.0/16 2>/dev/null | wc -l >"$tmp/n1" ) &
sleep 0.3
pkill -INT -f -- "--checkpoint $tmp/cp2" || true
wait
if [ -f "$tmp/cp2" ]; then
	"$orbit" --dry-run -p 1-1000 --blocklist-file "$lab_block" --resume "$tmp/cp2" 198.18.0.0/16 2>/dev/null | wc -l >"$tmp/n2"
	n1=$(cat "$tmp/n1"); n2=$(cat "$tmp/n2")
	echo "interrupted after $n1 probes; the resumed run printed $n2"
	[ "$n1" -gt 0 ] && [ "$n1" -lt 65536000 ] || fail "the first run was not interrupted mid-walk ($n1 lines)"
	[ $((n1 + n2)) -eq 65536000 ] || fail "interrupted + resumed = $((n1 + n2)), want 65536000"
else
	fail "no checkpoint written on SIGINT"
fi

echo "dry-run CLI: $checks checks, $fails failed"
[ $fails -eq 0 ]
