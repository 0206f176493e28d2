#!/bin/sh
# Instructions per probe built, per kind: two callgrind runs of bench_probe at different
# --count, (instructions(N2) - instructions(N1)) / (N2 - N1), so set-up and exit costs
# cancel out. Valgrind hides AVX-512 from the program, so cookies run the AVX2 batch
# (or the scalar one with SIMD=scalar).
#   bench/probe_instructions.sh [BUILD_DIR] [N1] [N2]
# Env: KINDS (default: all four), SIMD (scalar|avx2; default: what the program picks),
#      PART (all|build|cookie; default all: cookie + frame, as the tx loop does).
set -eu
build=${1:-build}
n1=${2:-200000}
n2=${3:-1200000}
bench="$build/bench/bench_probe"
[ -x "$bench" ] || { echo "no $bench: build first (ninja -C $build)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
kinds=${KINDS:-"tcp-syn tcp-ack udp icmp-echo"}
simd_arg=""
[ -n "${SIMD:-}" ] && simd_arg="--simd $SIMD"
simd_arg="$simd_arg --part ${PART:-all}"

instructions() { # kind count -> total instructions (Ir) of one run
	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bench" --kind "$1" --count "$2" $simd_arg 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-10s %14s %14s %12s\n' kind "Ir($n1)" "Ir($n2)" "Ir/probe"
for kind in $kinds; do
	i1=$(instructions "$kind" "$n1")
	i2=$(instructions "$kind" "$n2")
	per=$(awk -v a="$i1" -v b="$i2" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
	printf '%-10s %14s %14s %12s\n' "$kind" "$i1" "$i2" "$per"
done
