#!/usr/bin/env bash
# Installs every Debian package orbit's build, tests, lab and benchmarks need. Idempotent:
# packages already present are skipped, and apt's lists are refreshed only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev
            libdpdk-dev dpdk libpcap-dev libjudy-dev libyaml-dev libdivide-dev
            libssl-dev libpcre2-dev libcap-ng-dev libc-ares-dev liblua5.4-dev libzstd-dev
            zlib1g-dev libpq-dev)
test_pkgs=(python3 python3-scapy tshark jq libxml2-utils iproute2 nftables tcpdump
           valgrind nmap ndiff zmap masscan python3-libnmap zstd
           p0f time)  # p0f: /etc/p0f/p0f.fp, the passive OS signatures orbit reads at run time; time: /usr/bin/time -v (bench/vscan_bench.sh)
# Daemons of issue 17's tests (tests/e2e/beyond_tests.sh starts them in its own namespace):
# installed with policy-rc.d forbidding any start, so none runs in the root namespace.
daemon_test_pkgs=(postgresql slurm-wlm munge)
lab_pkgs=()
if [ -f tests/lab/packages.txt ]; then
	mapfile -t lab_pkgs < <(grep -vE '^\s*(#|$)' tests/lab/packages.txt)
fi

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture: answer no, without a prompt.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
missing=()
for p in "${daemon_test_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]} (no daemon started)"
	policy=/usr/sbin/policy-rc.d
	[ -e "$policy" ] && cp -p "$policy" "$policy.orbit-deps"
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	if [ -e "$policy.orbit-deps" ]; then mv -f "$policy.orbit-deps" "$policy"; else rm -f "$policy"; fi
fi
# Lab daemons are installed by the lab's own script, which keeps them from starting in
# the root namespace.
if [ ${#lab_pkgs[@]} -gt 0 ] && [ -x tests/lab/install.sh ]; then
	tests/lab/install.sh
fi
echo "install-deps: all packages present"
