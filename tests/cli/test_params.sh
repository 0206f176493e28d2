#!/usr/bin/env bash
# Bad scan parameters are found before anything is opened: a typo in --source-mac,
# --gateway-mac, --source-port, --tcp-options, --grab-source-ip, --udp-payload or
# --service-probes exits 2 with one stderr line naming the value, and yesterday's -o,
# -oN, -oX, -oG and --status-file files stay byte-for-byte what they were. --dry-run
# goes through the same check. It cannot send: every run either stops at the parameters
# or (were the check to regress) reads replies from a pcap file that does not exist
# (--rx-pcap: nothing is sent); run it under the lab lock all the same (suite cli).
#   test_params.sh ORBIT_BINARY SOURCE_ROOT
set -uo pipefail
orbit=$(realpath "$1") # the script works in its own directory
src=$2
lab_block=$src/tests/lab/lab-blocklist.conf
tmp=$(mktemp -d /tmp/orbit-cli-params.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

outputs=(out.json out.nmap out.xml out.gnmap status.ndjson)
cd "$tmp" || exit 1
for f in "${outputs[@]}"; do
	printf 'yesterday %s\n{"keep":"these bytes"}\n' "$f" >"$f"
	cp "$f" "$f.orig"
done

# expect_bad NAMED -- ARGS...: exit 2, exactly one stderr line naming NAMED, nothing on
# stdout, and every output file intact.
expect_bad() {
	local named=$1
	shift 2
	checks=$((checks + 1))
	"$orbit" "$@" >stdout 2>stderr
	local rc=$?
	if [ "$rc" -ne 2 ]; then fail "orbit $* exited $rc, want 2: $(cat stderr)"; fi
	if [ "$(wc -l <stderr)" -ne 1 ]; then fail "orbit $*: want one line on stderr: $(cat stderr)"; fi
	grep -qF -- "$named" stderr || fail "orbit $*: message does not name '$named': $(cat stderr)"
	if [ -s stdout ]; then fail "orbit $*: printed to stdout"; fi
	local f
	for f in "${outputs[@]}"; do
		if ! cmp -s "$f" "$f.orig"; then
			fail "orbit $*: $f was changed"
			cp "$f.orig" "$f" # so the next check starts from yesterday's bytes again
		fi
	done
}

# The case, as typed (the default blocklist would stop this target later on).
expect_bad "zz:zz" -- --source-mac zz:zz --output-file out.json 198.18.1.10 -p 80
expect_bad "zz:zz" -- --dry-run --source-mac zz:zz 198.18.1.10 -p 80

# Every output named, and a target the lab blocklist allows: only the parameters stop it.
scan=(--output-file out.json -oN out.nmap -oX out.xml -oG out.gnmap --status-file status.ndjson
	-m meta.json --blocklist-file "$lab_block" --rx-pcap "$tmp/none.pcap" -p 80 198.18.1.10)
expect_bad "zz:zz" -- --source-mac zz:zz "${scan[@]}"
expect_bad "00:11:22:33:44" -- --source-mac 00:11:22:33:44 "${scan[@]}"
expect_bad "01:02:03:04:05:1ff" -- --gateway-mac 01:02:03:04:05:1ff "${scan[@]}"
expect_bad "70000" -- --source-port 40000-70000 "${scan[@]}"
expect_bad "9-3" -- --source-port 9-3 "${scan[@]}"
expect_bad "bsd" -- --tcp-options bsd "${scan[@]}"
expect_bad "300.1.2.3" -- -sV --grab-source-ip 300.1.2.3 "${scan[@]}"
expect_bad "53:zz" -- --udp-payload 53:zz "${scan[@]}"
expect_bad "$tmp/no-such-probes" -- -sV --service-probes "$tmp/no-such-probes" "${scan[@]}"
# version detection (issue 13): the intensity, the light/all pair, a probe file's FILE:LINE
expect_bad "'12'" -- -sV --version-intensity 12 "${scan[@]}"
expect_bad "--version-light and --version-all" -- -sV --version-light --version-all "${scan[@]}"
printf 'Probe TCP NULL q||\nmatch x m|a|\nbogus 1\n' >"$tmp/bad.probes"
expect_bad "$tmp/bad.probes:3: unknown directive 'bogus 1'" -- -sV --service-probes "$tmp/bad.probes" "${scan[@]}"
# the probe file is parsed beside the later checks (core/scan/params.c): its error still
# comes first, with a bad script and a bad --dns-servers given too
expect_bad "$tmp/bad.probes:3: unknown directive 'bogus 1'" -- -sV --service-probes "$tmp/bad.probes" \
	--script nosuch --dns-servers 1.2.3 "${scan[@]}"
expect_bad "999.0.0.1" -- --source-ip 999.0.0.1 "${scan[@]}"
expect_bad "'nosuch'" -- --script nosuch "${scan[@]}"
expect_bad "'default and'" -- -sC --script "default and" "${scan[@]}"
expect_bad "a={x" -- -sC --script-args "a={x" "${scan[@]}"
expect_bad "$tmp/no-such-script.nse" -- --script "$tmp/no-such-script.nse" "${scan[@]}"
expect_bad "1.2.3" -- --dns-servers 198.18.1.12,1.2.3 "${scan[@]}"
expect_bad "99999" -- --dns-servers 198.18.1.12:99999 "${scan[@]}"
expect_bad "--no-dns and -R" -- --no-dns -R "${scan[@]}"
expect_bad "tcp prot 80" -- --rx-filter "tcp prot 80" "${scan[@]}"
expect_bad "not dpdk" -- --backend dpdk --rx-filter "tcp" --output-file out.json --blocklist-file "$lab_block" -p 80 198.18.1.10
expect_bad "53:zz" -- --dry-run --udp-payload 53:zz --blocklist-file "$lab_block" -p U:53 198.18.1.10
[ -e meta.json ] && fail "-m meta.json was written"

if [ "$fails" -ne 0 ]; then
	echo "$fails failures in $checks checks"
	exit 1
fi
echo "all $checks parameter checks passed"
