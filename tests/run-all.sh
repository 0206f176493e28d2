#!/usr/bin/env bash
# orbit's whole test run, as CI runs it (.ci/run calls this): installs what is missing,
# builds twice with -Werror (gcc; clang with ASan+UBSan), runs every meson test suite in
# both builds, fuzzes each libFuzzer target for FUZZ_SECONDS (default 60), and ends with
# one line "N passed, N failed". Needs root (namespaces for the network tests).
# Logs go inside the build dirs (DIR/ci-build.log, DIR/ci-test.log, build-test/ci-lab.log,
# build-test/ci-output.log), never at the repository's root.
# A skipped test (exit 77) tested nothing: in CI (CI=true) or as root it counts as failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0
failed=0
skip_fails=0
if [ "${CI:-}" = true ] || [ "$(id -u)" = 0 ]; then skip_fails=1; fi

note() { echo "== $*"; }

if ! bash .ci/install-deps.sh; then
	echo "install-deps failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# setup DIR ARGS...: configure (or reconfigure) a build directory and build it.
setup() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi && ninja -C "$dir" -j2 >"$dir/ci-build.log" 2>&1 || { tail -30 "$dir/ci-build.log"; return 1; }
}

# run_suite DIR LABEL [ENV...]: meson test, counting results.
run_suite() {
	local dir=$1 label=$2
	shift 2
	note "tests: $label"
	env "$@" meson test -C "$dir" --print-errorlogs --no-rebuild >"$dir/ci-test.log" 2>&1
	grep -E '^ *[0-9]+/[0-9]+ ' "$dir/ci-test.log"
	local ok fail timeout skipped xpass
	ok=$(summary_count Ok "$dir/ci-test.log")
	fail=$(summary_count Fail "$dir/ci-test.log")
	timeout=$(summary_count Timeout "$dir/ci-test.log")
	skipped=$(summary_count Skipped "$dir/ci-test.log")
	xpass=$(summary_count 'Unexpected Pass' "$dir/ci-test.log")
	if [ -z "$ok" ]; then
		tail -40 "$dir/ci-test.log"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + ok))
	failed=$((failed + ${fail:-0} + ${timeout:-0} + ${xpass:-0}))
	if [ "${skipped:-0}" != 0 ]; then
		if [ $skip_fails = 1 ]; then
			echo "$label: ${skipped} skipped, counted as failed (CI or root: a skip tested nothing)"
			failed=$((failed + skipped))
		else
			echo "$label: ${skipped} skipped (not root, not CI)"
		fi
	fi
	if [ "${fail:-0}" != 0 ] || [ "${timeout:-0}" != 0 ] || [ "${xpass:-0}" != 0 ] || [ "${skipped:-0}" != 0 ]; then
		grep -E 'FAIL|TIMEOUT|SKIP|UNEXPECTEDPASS|CHECK failed|failed:|runtime error|ERROR' "$dir/ci-test.log" | head -40
	fi
}

# summary_count NAME LOG: the number on meson's "NAME: N" summary line, empty if none.
summary_count() {
	sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$2"
}

note "build: gcc, -Werror"
if setup build-test -Dwerror=true -Dbuildtype=debugoptimized; then
	run_suite build-test "gcc build"
else
	failed=$((failed + 1))
fi

note "build: clang, ASan+UBSan, -Werror"
if CC=clang setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false; then
	run_suite build-asan "ASan+UBSan build" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
	failed=$((failed + 1))
fi

note "fuzz: ${FUZZ_SECONDS}s per target"
if FUZZ_BUILD_DIR=$root/build-fuzz sh tests/fuzz/run.sh "$FUZZ_SECONDS"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

# The orbit binary of a build dir, wherever meson puts it (core/scan/orbit today).
orbit_binary() {
	meson introspect "$1" --targets 2>/dev/null | python3 -c '
import json, sys
print(next((f for t in json.load(sys.stdin) if t["name"] == "orbit" and t["type"] == "executable"
            for f in t["filename"]), ""))' 2>/dev/null
}

note "lab: end-to-end tests in network namespaces (gcc build)"
orbit=$(orbit_binary build-test)
if [ -n "$orbit" ] && [ -x "$orbit" ]; then
	bash tests/e2e/lab_tests.sh "$orbit" | tee build-test/ci-lab.log
	lab_ok=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' build-test/ci-lab.log | tail -1)
	lab_bad=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' build-test/ci-lab.log | tail -1)
	passed=$((passed + ${lab_ok:-0}))
	failed=$((failed + ${lab_bad:-1}))
	bash tests/e2e/output_tests.sh "$orbit" | tee build-test/ci-output.log
	out_ok=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' build-test/ci-output.log | tail -1)
	out_bad=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' build-test/ci-output.log | tail -1)
	passed=$((passed + ${out_ok:-0}))
	failed=$((failed + ${out_bad:-1}))
	bash tests/lab/lab.sh down >/dev/null 2>&1 || true
else
	echo "no orbit binary in build-test: lab and output tests not run"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
