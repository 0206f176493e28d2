#!/usr/bin/env bash
# The issue-6 benchmarks in one command: accuracy vs rate (CSV + SVG), scale (/16, /12 and
# /8-sized sweeps: wall time, probes/s, peak RSS) and per-probe cost (callgrind), against
# orbit-responder in namespaces each script makes and removes. Root; a release build:
#   meson setup build-release --buildtype=release && ninja -C build-release -j2
#   sudo bench/internet_bench.sh [BUILD_DIR]        (default build-release; ~10 minutes)
# Writes bench/results/{accuracy.csv,accuracy.svg,scale.csv,probe_cost.csv} (OUT= to move).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build-release}")
orbit=$build/orbit
responder=$build/tests/lab/responder/orbit-responder
[ -x "$orbit" ] && [ -x "$responder" ] || { echo "build first: ninja -C $build"; exit 2; }
echo "== accuracy vs rate"
bash "$root/bench/accuracy_bench.sh" "$orbit" "$responder"
echo "== scale"
bash "$root/bench/scale_bench.sh" "$orbit" "$responder"
echo "== per-probe cost"
bash "$root/bench/probe_cost.sh" "$orbit"
