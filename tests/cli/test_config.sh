#!/usr/bin/env bash
# The configuration from the binary: -c FILE.yaml (the command line over it, the same walk
# as the flags), --print-config read back by orbit and by an independent YAML reader
# (python3-yaml), bad YAML and bad flags (one line, file:line:column, exit 2), and --help
# and orbit.1 checked against the option table's source so they cannot drift.
#   test_config.sh ORBIT_BINARY SOURCE_ROOT MAN_PAGE
set -uo pipefail
orbit=$1
src=$2
man_page=$3
lab_block=$src/tests/lab/lab-blocklist.conf
python=${ORBIT_YAML_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/orbit-cli-config.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { checks=$((checks + 1)); }

# expect_bad NAMED-TEXT... -- ARGS...: exit 2, one line on stderr holding every NAMED-TEXT,
# nothing on stdout.
expect_bad() {
	local named=()
	while [ "$1" != "--" ]; do named+=("$1"); shift; done
	shift
	check
	"$orbit" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne 2 ]; then fail "orbit $* exited $rc, want 2 ($(cat "$tmp/err"))"; return; fi
	if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "orbit $*: want one line on stderr: $(cat "$tmp/err")"; return; fi
	local n
	for n in "${named[@]}"; do
		grep -qF -- "$n" "$tmp/err" || fail "orbit $*: message does not name '$n': $(cat "$tmp/err")"
	done
	if [ -s "$tmp/out" ]; then fail "orbit $*: printed to stdout"; fi
}

# bad_yaml LINE:COL NAMED TEXT: the file is rejected naming file:line:col and NAMED.
bad_yaml() {
	printf '%s' "$3" >"$tmp/bad.yaml"
	expect_bad "$tmp/bad.yaml:$1:" "$2" -- -c "$tmp/bad.yaml" --dry-run
}

if ! "$python" -c 'import yaml' 2>/dev/null; then
	fail "$python has no yaml module (Debian: python3-yaml); the independent reader is missing"
fi

# --- -c reproduces the scan the flags describe -------------------------------------------
cat >"$tmp/scan.yaml" <<EOF
# the acceptance walk as a file
targets:
  - 198.18.0.0/22
ports: 80,U:53
seed: 7
blocklist-file: $lab_block
dry-run: true
EOF
check
"$orbit" --dry-run --seed 7 -p 80,U:53 --blocklist-file "$lab_block" 198.18.0.0/22 >"$tmp/flags" 2>"$tmp/err" || fail "flag walk failed: $(cat "$tmp/err")"
"$orbit" -c "$tmp/scan.yaml" >"$tmp/file" 2>"$tmp/err" || fail "-c walk failed: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/flags")" -eq 2048 ] || fail "flag walk: $(wc -l <"$tmp/flags") lines, want 2048"
cmp -s "$tmp/flags" "$tmp/file" || fail "-c scan.yaml walked differently from the same flags"
# The command line over the file: another seed changes the order, not the set; targets on
# the command line replace the file's.
check
"$orbit" -c "$tmp/scan.yaml" --seed 8 >"$tmp/seed8" 2>/dev/null
cmp -s "$tmp/file" "$tmp/seed8" && fail "--seed 8 over the file did not change the order"
cmp -s <(sort "$tmp/file") <(sort "$tmp/seed8") || fail "--seed 8 over the file changed the set"
check
"$orbit" -c "$tmp/scan.yaml" 198.18.1.0/30 >"$tmp/small" 2>/dev/null
[ "$(wc -l <"$tmp/small")" -eq 8 ] || fail "targets on the command line should replace the file's: $(wc -l <"$tmp/small") lines, want 8"
check
"$orbit" -c "$tmp/scan.yaml" --no-dry-run --print-config >"$tmp/p" 2>"$tmp/err" || fail "--no-dry-run --print-config: $(cat "$tmp/err")"
grep -qx 'dry-run: false' "$tmp/p" || fail "--no-dry-run did not clear the file's dry-run"
grep -qx 'seed: 7' "$tmp/p" || fail "the file's seed is not in --print-config"

# --- --print-config: a complete record that loads back -----------------------------------
tricky=$'a: b # c\n\t"q" \'s\' \\ -x ~ null café'
check
"$orbit" -sS -p 1-1024 --rate 50k -oX lab.xml -oN - --udp-payload 53:dns --udp-payload "161:$tricky" \
	--output-filter "$tricky" --print-config -- 198.18.1.0/24 "-odd target" >"$tmp/a.yaml" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "--print-config exited $rc: $(cat "$tmp/err")"
"$orbit" -c "$tmp/a.yaml" --print-config >"$tmp/b.yaml" 2>"$tmp/err" || fail "loading the printed config: $(cat "$tmp/err")"
cmp -s "$tmp/a.yaml" "$tmp/b.yaml" || fail "print → load → print differs: $(diff "$tmp/a.yaml" "$tmp/b.yaml" | head -5)"
# An independent reader sees the same values, and every option of the table's source (but
# the command-line actions) as a key.
check
TRICKY=$tricky "$python" - "$tmp/a.yaml" "$src/config/options.c" <<'EOF' || fail "python3-yaml disagrees with --print-config (above)"
import os, re, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
tricky = os.environ["TRICKY"]
want = {
    "targets": ["198.18.1.0/24", "-odd target"], "ports": "1-1024", "syn": True,
    "udp": False, "rate": 50000, "output-xml": "lab.xml", "output-normal": "-",
    "udp-payload": ["53:dns", "161:" + tricky], "output-filter": tricky, "seed": None,
    "top-ports": None, "shards": 1, "tcp-options": "linux",
}
bad = [f"{k}: {cfg.get(k)!r} != {v!r}" for k, v in want.items() if cfg.get(k) != v]
source = open(sys.argv[2], encoding="utf-8").read()
source = source[source.index("option_table[] = {"):]
source = source[:source.index("\n};")]
entries = re.findall(r'\{"([a-z0-9-]+)", (.*?)\},\n', source, re.S)
names = [n for n, rest in entries if "cli_only = true" not in rest]
aliases = {"max-rate", "excludefile", "ttl", "sender-threads", "adapter", "adapter-ip",
           "adapter-mac", "router-mac", "adapter-port", "cooldown-time", "output-fields"}  # same field as another: printed under the canonical name only
missing = [n for n in names if n not in cfg and n not in aliases]
extra = [k for k in cfg if k not in names and k != "targets"]
if len(entries) < 40:
    bad.append(f"found only {len(entries)} table entries in options.c: is the pattern stale?")
if missing: bad.append(f"keys missing from --print-config: {missing}")
if extra: bad.append(f"unexpected keys: {extra}")
for b in bad: print(b)
sys.exit(1 if bad else 0)
EOF
# Defaults print too: a bare --print-config is a complete, loadable file.
check
"$orbit" --print-config >"$tmp/d.yaml" 2>"$tmp/err" || fail "bare --print-config: $(cat "$tmp/err")"
grep -qx 'rate: 10000' "$tmp/d.yaml" || fail "the default rate is not printed"
"$orbit" -c "$tmp/d.yaml" --print-config | cmp -s - "$tmp/d.yaml" || fail "defaults do not round-trip"
# Not UTF-8: YAML cannot hold it; one line naming the option, exit 2.
expect_bad "--interface" "UTF-8" -- --interface $'eth\xff' --print-config

# --- bad YAML: file, line, column, the key or value ---------------------------------------
bad_yaml 2:1 "unknown key 'frob'" $'rate: 1\nfrob: 2\n'
bad_yaml 1:1 "'syn'" $'sS: true\n'
bad_yaml 2:7 "'fast' for key 'rate'" $'ports: 80\nrate: fast\n'
bad_yaml 1:6 "'maybe' for key 'syn'" $'syn: maybe\n'
bad_yaml 1:8 "key 'ports'" $'ports: [80, 443]\n'
bad_yaml 1:14 "key 'status-file'" $'status-file: true\n'   # a flag's value for a file
bad_yaml 3:1 "duplicate key 'rate'" $'rate: 1\nports: 80\nrate: 2\n'
bad_yaml 2:1 "'max-rate'" $'rate: 1\nmax-rate: 2\n'
bad_yaml 2:8 "syntax error" $'rate: 1\n  ports: 2\n'
bad_yaml 1:1 "expected a mapping" $'- 80\n'
bad_yaml 1:1 "'config'" $'config: other.yaml\n'
bad_yaml 1:10 "'dpdkk' for key 'backend'" $'backend: dpdkk\n'
bad_yaml 2:5 "key 'targets'" $'targets:\n  - [1.2.3.4]\n'
expect_bad "/nonexistent/scan.yaml" -- -c /nonexistent/scan.yaml --dry-run
# A conflict the file brings in is still a conflict.
printf 'syn: true\nack: true\n' >"$tmp/conflict.yaml"
expect_bad "-sA" -- -c "$tmp/conflict.yaml" --dry-run -p 80 198.18.0.1

# --- bad and conflicting flags ------------------------------------------------------------
expect_bad "--frobnicate" -- --frobnicate
expect_bad "nmap's -sT" -- -sT -p 80 198.18.0.1
expect_bad "nmap's -oS" -- -oS out -p 80 198.18.0.1
expect_bad "--grab-" "did you mean" -- --grab- 198.18.0.1
expect_bad "-sA" -- -sS -sA -p 80 198.18.0.1
expect_bad "-sn" "-p" -- -sn -p 80 198.18.0.1
expect_bad "--shard 2" -- --shards 2 --shard 2 -p 80 198.18.0.1
expect_bad "-oX 'b.xml'" "-oX 'a.xml'" -- -oX a.xml -oX b.xml -p 80 198.18.0.1
expect_bad "-oN" "-oX" "'same'" -- -oX same -oN same -p 80 198.18.0.1
expect_bad "'9x'" "--probes" -- --probes 9x -p 80 198.18.0.1
# --list-fields with targets is no conflict, and --dry-run behaves as before.
check
"$orbit" --list-fields 198.18.0.1 --print-config >/dev/null 2>"$tmp/err" || fail "--list-fields with a target: $(cat "$tmp/err")"

# --- --help and orbit.1 name every option of the table ------------------------------------
check
"$orbit" --help >"$tmp/help" 2>"$tmp/err" || fail "--help failed: $(cat "$tmp/err")"
[ -s "$man_page" ] || fail "no man page at $man_page"
# The man page in plain text: \- is '-', font escapes gone.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$man_page" >"$tmp/man.txt"
n=0
while IFS='|' read -r name short alias; do
	n=$((n + 1))
	grep -qE -- "--$name( |$)" "$tmp/help" || fail "--help lacks --$name"
	grep -qE -- "--$name( |$)" "$tmp/man.txt" || fail "orbit.1 lacks --$name"
	if [ -n "$short" ]; then
		grep -qE -- "-$short, .*--$name( |$)" "$tmp/help" || fail "--help lacks -$short for --$name"
		grep -qE -- "-$short, .*--$name( |$)" "$tmp/man.txt" || fail "orbit.1 lacks -$short for --$name"
	fi
	if [ -n "$alias" ]; then
		grep -qE -- "$alias, --$name( |$)" "$tmp/help" || fail "--help lacks $alias for --$name"
		grep -qE -- "$alias, --$name( |$)" "$tmp/man.txt" || fail "orbit.1 lacks $alias for --$name"
	fi
done < <(sed -n '/^const struct option_spec option_table/,/^};/p' "$src/config/options.c" |
	sed -nE "s/^[[:space:]]*\{\"([a-z0-9-]+)\", (0|'(.)'), (NULL|\"([^\"]*)\"),.*/\1|\3|\5/p")
[ "$n" -ge 40 ] || fail "found only $n options in config/options.c: is the pattern stale?"
check
# groff's own checks: no warning, no unknown request or escape.
groff -man -ww -z "$man_page" 2>"$tmp/groff" || fail "groff failed on orbit.1"
[ -s "$tmp/groff" ] && fail "groff warns about orbit.1: $(head -3 "$tmp/groff")"
check
[ "$("$orbit" --version)" = "orbit $(sed -nE "s/^  version : '([^']+)'.*/\1/p" "$src/meson.build")" ] || fail "--version: $("$orbit" --version)"

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
