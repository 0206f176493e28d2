#!/usr/bin/env bash
# README's first command: installs what is missing, builds orbit, and runs the main job.
# Until the scan engine lands this is the dry-run walk over the lab range: the exact
# probe order a scan of the lab would send (nothing is sent).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build -j2 orbit >/dev/null
./build/orbit --dry-run --seed 7 -p 21,22,80,U:53,U:161 -b tests/lab/lab-blocklist.conf \
	198.18.1.0/24 | head -20
echo "... ($(./build/orbit --dry-run --seed 7 -p 21,22,80,U:53,U:161 -b tests/lab/lab-blocklist.conf 198.18.1.0/24 | wc -l) probes in all)"
