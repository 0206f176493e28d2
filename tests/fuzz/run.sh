#!/bin/sh
# Runs every libFuzzer target for a bounded time under ASan+UBSan; exits non-zero on a
# crash, leak, sanitizer report or broken invariant (the crashing input is kept in
# tests/fuzz/artifacts/). Seeds come from tests/fuzz/corpus/<target>/ and are not modified:
# new inputs go to a scratch copy.
#   usage: tests/fuzz/run.sh [SECONDS_PER_TARGET]     (default 60)
#   FUZZ_BUILD_DIR overrides the build directory (default build-fuzz).
# The reply seed corpus is regenerated with: build/tests/reply_pcap_tool corpus tests/fuzz/corpus/reply
# The config seeds are hand-written YAML (tests/fuzz/corpus/config/).
# The config seeds are hand-written YAML (tests/fuzz/corpus/config/).
# The osfp seeds: orbit's own signature file and hand-written sig lines (tests/fuzz/corpus/osfp/).
# The nmap_os_db seeds: a hand-written db excerpt in nmap-os-db syntax and a subject (tests/fuzz/corpus/nmap_os_db/).
# The nmap_fp seeds: a lab Linux host's answers to nmap -O (build/tests/osfp_tool nmap-fp-seed CAPTURE HOST OUT).
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets="reply config filter script osfp nmap_os_db nmap_fp probes grab"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
for t in $targets; do
	ninja -C "$build" -j2 "tests/fuzz/fuzz_$t" >"$build/fuzz-build.log" 2>&1 ||
		{ echo "fuzz_$t: build failed"; tail -30 "$build/fuzz-build.log"; exit 1; }
done

mkdir -p "$root/tests/fuzz/artifacts"
status=0
for t in $targets; do
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/orbit-fuzz-$t.XXXXXX")
	cp "$root/tests/fuzz/corpus/$t/"* "$scratch/"
	echo "fuzz_$t: ${seconds}s, $(ls "$scratch" | wc -l) seeds"
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	     "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=2048 \
		-artifact_prefix="$root/tests/fuzz/artifacts/$t-" -print_final_stats=1 \
		"$scratch" 2>"$scratch.log"; then
		echo "fuzz_$t: FAILED (log: $scratch.log)"
		tail -40 "$scratch.log"
		status=1
	else
		grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$scratch.log" || true
		rm -f "$scratch.log"
	fi
	rm -rf "$scratch"
done
exit $status
