#!/bin/sh
# Instructions per reply on the receive path, from two callgrind runs of bench_classify at
# different counts: (I(n2) - I(n1)) / (n2 - n1), so set-up and one-time costs cancel. Only
# classify_all() (the measured loop) is collected; frame crafting is not counted.
#   usage: bench/classify_instructions.sh [BUILD_DIR] [N1] [N2]   (default build 20000 40000)
set -eu
build=${1:-build}
n1=${2:-20000}
n2=${3:-40000}
bin=$build/bench/bench_classify
[ -x "$bin" ] || { echo "build first: ninja -C $build bench/bench_classify" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/orbit-callgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

instructions() { # count, extra options...
	n=$1
	shift
	valgrind --tool=callgrind '--toggle-collect=classify_all*' \
		--callgrind-out-file="$tmp/cg.out" "$bin" --count "$n" "$@" >/dev/null 2>&1
	sed -n 's/^totals: *//p' "$tmp/cg.out"
}

per_reply() { # extra options...
	i1=$(instructions "$n1" "$@")
	i2=$(instructions "$n2" "$@")
	echo $(( (i2 - i1) / (n2 - n1) ))
}

echo "instructions per reply (callgrind, counts $n1 and $n2, $bin)"
printf '  %-34s %6s\n' "mixed: classify + dedupe" "$(per_reply --mix mixed)"
printf '  %-34s %6s\n' "mixed: classify only" "$(per_reply --mix mixed --no-dedupe)"
for mix in synack rst icmp udp echo junk; do
	printf '  %-34s %6s\n' "$mix: classify only" "$(per_reply --mix "$mix" --no-dedupe)"
done
echo "the burst path (reply_classify_burst, rx.c's: 32 frames, cookies in one SIMD batch;"
echo "under valgrind the batch runs AVX2, which valgrind emulates, not AVX-512)"
printf '  %-34s %6s\n' "mixed: classify + dedupe" "$(per_reply --mix mixed --burst)"
for mix in mixed synack rst icmp udp echo junk; do
	printf '  %-34s %6s\n' "$mix: classify only" "$(per_reply --mix "$mix" --no-dedupe --burst)"
done
for csum in valid partial; do
	printf '  %-34s %6s\n' "synack, l4-csum $csum: classify only" \
		"$(per_reply --mix synack --no-dedupe --l4-csum "$csum")"
done
