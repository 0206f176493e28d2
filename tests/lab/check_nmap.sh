#!/usr/bin/env bash
# Scan the lab with Debian's nmap from inside orbit-scan and compare with
# tests/lab/expected.txt.  Exit 0 only if they agree port by port (and the
# ICMP echo sweep of 198.18.1.0/24 finds exactly the hosts that are up).
#
#   tests/lab/check_nmap.sh [-k]      (-k: keep nmap's outputs, print where)
#
# Needs the lab up (tests/lab/lab.sh up).  Extra nmap options: NMAP_ARGS="...".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
expected=$here/expected.txt
# The lab's interesting ports: every state h10-h15 can show, plus closed ones.
TCP_PORTS=21,22,23,25,53,80,113,443,6379,8080
UDP_PORTS=53,123,161,500,514
TARGETS=198.18.1.10-15
HOSTS=(10 11 12 13 14 15)
keep=0
[[ ${1:-} == -k ]] && keep=1

[[ $(id -u) == 0 ]] || { echo "check_nmap: run as root" >&2; exit 1; }
[[ -e /run/netns/orbit-scan ]] || { echo "check_nmap: the lab is down (run tests/lab/lab.sh up)" >&2; exit 1; }

out=$(mktemp -d /tmp/orbit-lab-nmap.XXXXXX)
((keep)) || trap 'rm -rf "$out"' EXIT

# shellcheck disable=SC2086
# --scan-delay 1100ms: the hosts rate-limit ICMP at the kernel's default (one port-unreachable
# a second per peer after a burst of 6); nmap's adaptive timing alone does not always wait.
timeout 300 ip netns exec orbit-scan nmap -sS -sU -n -Pn -p "T:$TCP_PORTS,U:$UDP_PORTS" --reason --scan-delay 1100ms \
    ${NMAP_ARGS:-} -oN "$out/ports.nmap" -oG "$out/ports.gnmap" "$TARGETS" >/dev/null
timeout 120 ip netns exec orbit-scan nmap -sn -PE -n -oG "$out/sweep.gnmap" 198.18.1.0/24 >/dev/null

# expected: "addr proto port state" for every scanned port of h10-h15, + "addr host - up"
expect() {
    awk -F, -v tcp="$TCP_PORTS" -v udp="$UDP_PORTS" -v hosts="${HOSTS[*]}" '
        BEGIN {
            n = split(tcp, t, ","); for (i = 1; i <= n; i++) ports["tcp", t[i]] = 1
            n = split(udp, u, ","); for (i = 1; i <= n; i++) ports["udp", u[i]] = 1
            n = split(hosts, h, " ")
            for (i = 1; i <= n; i++) for (k in ports) { split(k, pp, SUBSEP); st["198.18.1." h[i], pp[1], pp[2]] = "closed" }
        }
        /^[[:space:]]*(#|$)/ { next }
        NF != 4 { printf "expected.txt:%d: not addr,proto,port,state\n", NR > "/dev/stderr"; exit 1 }
        $2 == "host" { print $1, "host", "-", $4; next }
        {
            lo = $3; hi = $3
            if ($3 ~ /-/) { split($3, r, "-"); lo = r[1]; hi = r[2] }
            for (k in ports) {
                split(k, pp, SUBSEP)
                if (pp[1] == $2 && pp[2] + 0 >= lo + 0 && pp[2] + 0 <= hi + 0 && (($1, pp[1], pp[2]) in st))
                    st[$1, pp[1], pp[2]] = $4
            }
        }
        END { for (k in st) { split(k, a, SUBSEP); print a[1], a[2], a[3], st[k] } }
    ' "$expected" | sort
}

# what nmap saw, same form.  Ports nmap folded into "Ignored State: S (N)" get S.
actual() {
    awk -v tcp="$TCP_PORTS" -v udp="$UDP_PORTS" '
        BEGIN {
            n = split(tcp, t, ","); for (i = 1; i <= n; i++) ports["tcp", t[i]] = 1
            n = split(udp, u, ","); for (i = 1; i <= n; i++) ports["udp", u[i]] = 1
        }
        FILENAME ~ /sweep/ && /Status: Up/ { print $2, "host", "-", "up"; next }
        FILENAME ~ /sweep/ { next }
        /Ports: / {
            addr = $2; ign = ""
            line = $0
            if (match(line, /Ignored State: [^ ]+/)) ign = substr(line, RSTART + 15, RLENGTH - 15)
            sub(/.*Ports: /, "", line); sub(/\t.*/, "", line)
            delete seen
            n = split(line, e, ", ")
            for (i = 1; i <= n; i++) {
                split(e[i], f, "/")           # port/state/proto/owner/service/rpc/version/
                print addr, f[3], f[1], f[2]; seen[f[3], f[1]] = 1
            }
            for (k in ports) {
                split(k, pp, SUBSEP)
                if (!((pp[1], pp[2]) in seen)) print addr, pp[1], pp[2], (ign == "" ? "MISSING" : ign)
            }
        }
    ' "$out/ports.gnmap" "$out/sweep.gnmap" | sort
}

expect >"$out/expected"
actual >"$out/actual"
ntcp=$(tr , '\n' <<<"$TCP_PORTS" | wc -l)
nudp=$(tr , '\n' <<<"$UDP_PORTS" | wc -l)
if diff -u --label expected.txt --label nmap "$out/expected" "$out/actual" >"$out/diff"; then
    grep -vE '^(#|$)' "$out/ports.nmap" | grep -vE 'closed|^PORT|Host is up' || true
    echo "check_nmap: nmap agrees with expected.txt: ${#HOSTS[@]} hosts x ($ntcp tcp + $nudp udp) ports, $(grep -c ' host ' "$out/actual") hosts up in 198.18.1.0/24"
    ((keep)) && echo "check_nmap: nmap outputs in $out"
    exit 0
fi
cat "$out/ports.nmap"
echo "check_nmap: MISMATCH (- expected, + nmap):"
grep -E '^[-+][0-9]' "$out/diff"
echo "check_nmap: nmap outputs in $out"
trap - EXIT
exit 1
