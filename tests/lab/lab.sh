#!/usr/bin/env bash
# orbit's network lab: namespaces, a router, and lab hosts running real Debian
# daemons, all inside 198.18.0.0/15.  Nothing is added to the root namespace.
#
#   tests/lab/lab.sh up       build what is missing, start what is not running
#   tests/lab/lab.sh down     kill everything in the lab namespaces, delete them
#   tests/lab/lab.sh status   print what is up; exit 0 only if every service answers
#
# Topology, addresses and ports: tests/lab/README.md (and expected.txt).
# Run as root; needs the packages in tests/lab/packages.txt (tests/lab/install.sh).
set -euo pipefail
set +m # background daemons must stay in our process group so setsid does not fork

RUN=${ORBIT_LAB_RUN:-/run/orbit-lab} # lab-private configs, logs, pid files
WAIT_TENTHS=100                      # wait at most 10 s for each service to listen

# ---------------------------------------------------- kernel settings: tuned or defaults
# The lab runs at the kernel's defaults, as a fresh namespace and a fresh veth have them
# (offloads on, ICMP rate limits on): what every container, pod and VM network looks like.
# orbit reads offloaded checksums, and retries unanswered UDP probes of answering hosts
# (--max-retries) so closed ports behind the per-peer ICMP limit (one error a second after a
# burst of 6) are still found; nmap's reference runs use --scan-delay for the same reason.
# ORBIT_LAB_TUNED=icmp turns ICMP rate limits off on the routed part (orbit-scan, orbit-gw,
# orbit-h*, orbit-resp): tests/e2e/fanout_tests.sh needs it for its own run, because it
# counts every host-unreachable the router sends; =1 also turns offloads off there (the old
# wire-like lab, for comparisons). The on-link segment (orbit-sw, orbit-l*, and the
# scanner's and router's legs on it) always runs at kernel defaults. `up` applies the
# chosen mode both ways on an existing lab.
LAB_TUNED_DEFAULT=0
LAB_TUNED=${ORBIT_LAB_TUNED:-$LAB_TUNED_DEFAULT}
case $LAB_TUNED in
0) ROUTED_MODE=defaults ;;
1) ROUTED_MODE=tuned ;;
icmp) ROUTED_MODE=icmp ;;
*) echo "lab: error: ORBIT_LAB_TUNED must be 0, 1 or icmp, not '$LAB_TUNED'" >&2; exit 2 ;;
esac
LAN_MODE=defaults # never tuned: the segment is there to look like a real LAN
# The tuned values, and why each exists (a mode of "defaults" restores the kernel's own;
# "icmp" takes only TUNED_SYSCTL):
#  - veth/bridge tx checksum offload off: otherwise a peer kernel sends its TCP segments
#    (SYN-ACKs) as CHECKSUM_PARTIAL and a packet socket or DPDK's af_packet PMD on the other
#    end sees the unfinished pseudo-header sum in the checksum field (RSTs, built in
#    software, are complete either way). Off: full checksums, as on a wire.
#  - TSO/GSO off: no TCP super-frames larger than the MTU reach a packet socket (a kernel
#    listener's banner or page comes in MTU-sized frames, as on a wire).
#  - GRO off (a veth's default already; a bridge's default is on): received segments are
#    not merged before a capture sees them.
TUNED_OFFLOADS=(tx off tso off gso off gro off)
#  - icmp_ratelimit=0: the per-peer limit (one ICMP error per 1000 ms for the types in
#    icmp_ratemask: unreachable, time exceeded, ...) makes all but one closed UDP port or
#    ICMP reject per second look open|filtered; off, every one answers at any rate.
#  - icmp_msgs_per_sec=1000000, icmp_msgs_burst=100000: the namespace-wide token bucket
#    (1000/s, burst 50) would cap those errors again at scan rates.
declare -A TUNED_SYSCTL=([net.ipv4.icmp_ratelimit]=0 [net.ipv4.icmp_msgs_per_sec]=1000000
    [net.ipv4.icmp_msgs_burst]=100000)
ICMP_SYSCTLS=(net.ipv4.icmp_ratelimit net.ipv4.icmp_msgs_per_sec net.ipv4.icmp_msgs_burst)

NS_SCAN=orbit-scan
NS_GW=orbit-gw
HOSTS=(10 11 12 13 14 15)
# Every namespace this script makes, in the order it makes them.  A later stage
# (responder, banner-grab farm) adds its namespaces here so `down` removes them.
LAB_NS=("$NS_SCAN" "$NS_GW")
for h in "${HOSTS[@]}"; do LAB_NS+=("orbit-h$h"); done
NS_RESP=orbit-resp
LAB_NS+=("$NS_RESP")
# The on-link segment 198.18.5.0/24: the switch orbit-sw (bridge orbit-lan, no address)
# joins the scanner (orbit-s1), the router (orbit-g5) and the hosts orbit-l10..l13;
# 198.18.5.14 is left empty (down). See README "The on-link segment".
NS_SW=orbit-sw
LAN_HOSTS=(10 11 12 13)
LAB_NS+=("$NS_SW")
for h in "${LAN_HOSTS[@]}"; do LAB_NS+=("orbit-l$h"); done
# The services host 198.18.6.10 (orbit-svc, a leg of its own on the router): tests/lab/svc.sh.
# shellcheck source=tests/lab/svc.sh
. "$(dirname "${BASH_SOURCE[0]}")/svc.sh"
LAB_NS+=("$NS_SVC")

# Fixed, locally administered MACs so tests can name them (-G, --source-mac).
MAC_SCAN=02:00:c6:12:00:02 # orbit-s0 in orbit-scan
MAC_GW0=02:00:c6:12:00:01  # orbit-g0 in orbit-gw (the scanner's next hop)
MAC_BR=02:00:c6:12:01:01   # orbit-br in orbit-gw
MAC_G1=02:00:c6:12:02:01   # orbit-g1 in orbit-gw (the responder's next hop)
MAC_R0=02:00:c6:12:02:02   # orbit-r0 in orbit-resp
host_mac() { printf '02:00:c6:12:01:%02x' "$1"; }
MAC_S1=02:00:c6:12:05:02   # orbit-s1 in orbit-scan, 198.18.5.2 (the scanner's own NIC)
MAC_LAN=02:00:c6:12:05:ff  # bridge orbit-lan in orbit-sw (no address: it never sends)
# Devices on the segment carry real vendors' OUIs (nmap-mac-prefixes names the vendor
# that nmap prints beside the MAC Address), the low three bytes spell 18.5.NN.
MAC_G5=00:00:0c:12:05:01   # orbit-g5 in orbit-gw, 198.18.5.1: Cisco Systems
declare -A LAN_MAC=(
    [10]=00:14:22:12:05:0a # web:   Dell
    [11]=dc:a6:32:12:05:0b # ssh:   Raspberry Pi Trading
    [12]=3c:22:fb:12:05:0c # quiet: Apple
    [13]=3c:fd:fe:12:05:0d # odd:   Intel Corporate
)

log() { echo "lab: $*"; }
die() { echo "lab: error: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { [[ -e /run/netns/$1 ]]; }

# ---------------------------------------------------------------- plumbing
sysctl_set() { # ns key value
    local cur
    cur=$(nsx "$1" sysctl -n "$2" 2>/dev/null || echo "?")
    [[ $cur == "$3" ]] || nsx "$1" sysctl -qw "$2=$3"
}

# The kernel's own defaults, read once from a throw-away namespace (unshare: gone when
# the command ends, nothing sent): "sysctl:KEY" -> value, "veth:F" / "bridge:F" -> on|off
# for the ethtool features F in tx tso gso gro of a fresh device of that kind.
declare -A KDEF=()
declare -A FEATURE=([tx]=tx-checksumming [tso]=tcp-segmentation-offload
    [gso]=generic-segmentation-offload [gro]=generic-receive-offload)
load_kernel_defaults() {
    ((${#KDEF[@]})) && return 0
    local k v
    while read -r k v; do KDEF[$k]=$v; done < <(unshare --net bash -c '
        for k in "$@"; do echo "sysctl:$k $(sysctl -n "$k")"; done
        ip link add name orbit-kd0 type veth peer name orbit-kd1
        ip link add name orbit-kdbr type bridge
        for kd in veth:orbit-kd0 bridge:orbit-kdbr; do
            ethtool -k "${kd#*:}" | sed -n "s/^tx-checksumming: \(on\|off\).*/${kd%%:*}:tx \1/p
                s/^tcp-segmentation-offload: \(on\|off\).*/${kd%%:*}:tso \1/p
                s/^generic-segmentation-offload: \(on\|off\).*/${kd%%:*}:gso \1/p
                s/^generic-receive-offload: \(on\|off\).*/${kd%%:*}:gro \1/p"
        done' - "${ICMP_SYSCTLS[@]}")
    for k in "${ICMP_SYSCTLS[@]/#/sysctl:}" veth:tx veth:tso veth:gso veth:gro bridge:tx bridge:tso bridge:gso bridge:gro; do
        [[ -n ${KDEF[$k]:-} ]] || die "could not read the kernel's default of $k (unshare --net)"
    done
}

want_sysctl() { # mode key -> the value that mode wants
    if [[ $1 == tuned || $1 == icmp ]]; then echo "${TUNED_SYSCTL[$2]}"; else echo "${KDEF[sysctl:$2]}"; fi
}

ns_mode() { # ns -> tuned|defaults
    case $1 in "$NS_SW" | orbit-l*) echo "$LAN_MODE" ;; *) echo "$ROUTED_MODE" ;; esac
}

SETTINGS=() # "ns dev mode" of every interface set up; `status` checks them (RUN/settings)

ensure_ns() {
    local ns=$1 mode k
    mode=$(ns_mode "$ns")
    if ! ns_exists "$ns"; then
        ip netns add "$ns"
        log "made namespace $ns"
    fi
    # No IPv6 anywhere in the lab: no router solicitations or DAD on the wire.
    sysctl_set "$ns" net.ipv6.conf.all.disable_ipv6 1
    sysctl_set "$ns" net.ipv6.conf.default.disable_ipv6 1
    # ICMP rate limits: off when tuned (see TUNED_SYSCTL), else the kernel's defaults.
    for k in "${ICMP_SYSCTLS[@]}"; do sysctl_set "$ns" "$k" "$(want_sysctl "$mode" "$k")"; done
    ip -n "$ns" link set dev lo up
}

link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

ensure_veth() { # ns1 if1 ns2 if2: a veth pair made directly in its namespaces
    local n1=$1 i1=$2 n2=$3 i2=$4
    if link_exists "$n1" "$i1" && link_exists "$n2" "$i2"; then return 0; fi
    link_exists "$n1" "$i1" && ip -n "$n1" link del dev "$i1"
    link_exists "$n2" "$i2" && ip -n "$n2" link del dev "$i2"
    ip -n "$n1" link add "$i1" type veth peer name "$i2" netns "$n2"
    log "made veth $n1/$i1 <-> $n2/$i2"
}

# offloads_wanted ns dev mode -> "tx on tso on ..." for that mode and the device's kind
offloads_wanted() {
    local kind=veth f
    nsx "$1" test -d "/sys/class/net/$2/bridge" && kind=bridge
    if [[ $3 == tuned ]]; then echo "${TUNED_OFFLOADS[*]}"; return; fi
    for f in tx tso gso gro; do printf '%s %s ' "$f" "${KDEF[$kind:$f]}"; done
}

# offloads_differ ns dev mode -> prints the "feature value" pairs that differ from the mode
offloads_differ() {
    local feats f v i want out=()
    feats=$(nsx "$1" ethtool -k "$2" 2>/dev/null || true)
    read -ra want <<<"$(offloads_wanted "$1" "$2" "$3")"
    for ((i = 0; i < ${#want[@]}; i += 2)); do
        f=${want[i]} v=${want[i + 1]}
        [[ $feats == *$'\n'"${FEATURE[$f]}: $v"* ]] || out+=("$f" "$v")
    done
    echo "${out[*]}"
}

# A fixed MAC, up, and the offloads of its mode (tuned: TUNED_OFFLOADS; defaults: those
# of a fresh device of its kind), applied both ways on an existing device.
setup_if() { # ns dev [mac [mode]]
    local ns=$1 dev=$2 mac=${3:-} mode=${4:-$ROUTED_MODE} cur diff
    if [[ -n $mac ]]; then
        cur=$(nsx "$ns" cat "/sys/class/net/$dev/address")
        [[ $cur == "$mac" ]] || ip -n "$ns" link set dev "$dev" address "$mac"
    fi
    diff=$(offloads_differ "$ns" "$dev" "$mode")
    # shellcheck disable=SC2086
    [[ -z $diff ]] || nsx "$ns" ethtool -K "$dev" $diff >/dev/null 2>&1 || true
    SETTINGS+=("$ns $dev $mode")
    ip -n "$ns" link set dev "$dev" up
}

ensure_addr() { # ns dev cidr
    local have
    have=$(ip -n "$1" -4 -o addr show dev "$2")
    [[ $have == *" inet $3 "* ]] || { ip -n "$1" addr add "$3" dev "$2"; log "$1: $3 on $2"; }
}

ensure_route() { # ns route-spec... (replace is idempotent)
    local ns=$1; shift
    ip -n "$ns" route replace "$@"
}

net_up() {
    load_kernel_defaults
    log "kernel settings: routed part $ROUTED_MODE (ORBIT_LAB_TUNED=$LAB_TUNED), on-link segment $LAN_MODE"
    for ns in "${LAB_NS[@]}"; do ensure_ns "$ns"; done

    # scanner <-> router
    ensure_veth "$NS_SCAN" orbit-s0 "$NS_GW" orbit-g0
    setup_if "$NS_SCAN" orbit-s0 "$MAC_SCAN"
    setup_if "$NS_GW" orbit-g0 "$MAC_GW0"
    ensure_addr "$NS_SCAN" orbit-s0 198.18.0.2/24
    ensure_addr "$NS_SCAN" orbit-s0 198.18.0.3/24 # second source (banner grabs)
    ensure_route "$NS_SCAN" default via 198.18.0.1 dev orbit-s0 src 198.18.0.2
    ensure_addr "$NS_GW" orbit-g0 198.18.0.1/24

    # router: the hosts' bridge
    sysctl_set "$NS_GW" net.ipv4.ip_forward 1
    if ! link_exists "$NS_GW" orbit-br; then
        ip -n "$NS_GW" link add orbit-br type bridge stp_state 0
        log "made bridge orbit-gw/orbit-br"
    fi
    setup_if "$NS_GW" orbit-br "$MAC_BR"
    ensure_addr "$NS_GW" orbit-br 198.18.1.1/24

    # lab hosts: orbit-hNN/orbit-v0 <-> orbit-gw/orbit-pNN (a port of orbit-br)
    local h ns
    for h in "${HOSTS[@]}"; do
        ns=orbit-h$h
        ensure_veth "$NS_GW" "orbit-p$h" "$ns" orbit-v0
        ip -n "$NS_GW" link set dev "orbit-p$h" master orbit-br
        setup_if "$NS_GW" "orbit-p$h"
        setup_if "$ns" orbit-v0 "$(host_mac "$h")"
        ensure_addr "$ns" orbit-v0 "198.18.1.$h/24"
        ensure_route "$ns" default via 198.18.1.1 dev orbit-v0
    done

    up_responder
    up_lan_net
    up_svc_net
    printf '%s\n' "${SETTINGS[@]}" >"$RUN/settings"
}

# ------------------------------------------------ the on-link segment (198.18.5.0/24)
# A switch of its own (orbit-sw, bridge orbit-lan, no address) with the scanner, the
# router and the hosts as ports, as on a home or office LAN: the scanner reaches the
# hosts at their own MACs (ARP, no router in between). Everything here runs at kernel
# defaults (LAN_MODE), and no neighbour entry is made: the tables fill by ARP only.
lan_port() { # ns dev mac port: a veth from ns/dev to orbit-sw/orbit-swPORT on orbit-lan
    ensure_veth "$NS_SW" "orbit-sw$4" "$1" "$2"
    ip -n "$NS_SW" link set dev "orbit-sw$4" master orbit-lan
    setup_if "$NS_SW" "orbit-sw$4" "" "$LAN_MODE"
    setup_if "$1" "$2" "$3" "$LAN_MODE"
}

up_lan_net() {
    local h
    if ! link_exists "$NS_SW" orbit-lan; then
        ip -n "$NS_SW" link add orbit-lan type bridge stp_state 0
        log "made bridge $NS_SW/orbit-lan"
    fi
    setup_if "$NS_SW" orbit-lan "$MAC_LAN" "$LAN_MODE"
    lan_port "$NS_SCAN" orbit-s1 "$MAC_S1" 02
    ensure_addr "$NS_SCAN" orbit-s1 198.18.5.2/24
    lan_port "$NS_GW" orbit-g5 "$MAC_G5" 01 # the router's leg, as a home router has
    ensure_addr "$NS_GW" orbit-g5 198.18.5.1/24
    for h in "${LAN_HOSTS[@]}"; do
        lan_port "orbit-l$h" orbit-v0 "${LAN_MAC[$h]}" "$h"
        ensure_addr "orbit-l$h" orbit-v0 "198.18.5.$h/24"
        ensure_route "orbit-l$h" default via 198.18.5.1 dev orbit-v0
    done
}

# ------------------------------------------------ the simulated internet
# orbit-resp is linked to the router by 198.18.2.0/24 (orbit-g1 198.18.2.1 in orbit-gw,
# orbit-r0 198.18.2.2); the router sends 198.19.0.0/16 there, where orbit-responder
# (tests/lab/responder/) answers for every address of it from its seeded model (seed 1,
# default densities: `orbit-responder --truth --seed 1 -p PORTS 198.19.0.0/16` prints what
# a scan must find). Its namespace's kernel owns no 198.19 address and does not forward,
# so only the responder answers. The responder binary is found in a build directory of
# this tree (or $ORBIT_RESPONDER); without one, the link is made and the responder is not
# started (status says so). Through the router the responder sees forwarded, TTL-decremented
# probes; the benchmarks use a direct veth of their own instead (tests/lab/responder/netns.sh).
# 198.18.3.0/24 is reserved for a banner-grab listener farm (issue 7).
up_responder() {
    ensure_veth "$NS_GW" orbit-g1 "$NS_RESP" orbit-r0
    setup_if "$NS_GW" orbit-g1 "$MAC_G1"
    setup_if "$NS_RESP" orbit-r0 "$MAC_R0"
    ensure_addr "$NS_GW" orbit-g1 198.18.2.1/24
    ensure_addr "$NS_RESP" orbit-r0 198.18.2.2/24
    ensure_route "$NS_GW" 198.19.0.0/16 via 198.18.2.2 dev orbit-g1
}

responder_bin() {
    local root b
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    for b in "${ORBIT_RESPONDER:-}" "$root"/build*/tests/lab/responder/orbit-responder; do
        [[ -n $b && -x $b ]] && { echo "$b"; return 0; }
    done
    return 1
}

start_responder() {
    local d=$RUN/$NS_RESP bin pid
    mkdir -p "$d"
    pid_of "$NS_RESP" responder >/dev/null && return 0
    if ! bin=$(responder_bin); then
        log "$NS_RESP: no orbit-responder built (ninja -C build), 198.19.0.0/16 stays silent"
        return 0
    fi
    # Bounded like every lab process: a day at most; `up` starts it again.
    setsid ip netns exec "$NS_RESP" "$bin" -i orbit-r0 --seed 1 --max-seconds 86400 \
        </dev/null >>"$d/responder.log" 2>&1 &
    pid=$!
    echo "$pid" >"$d/responder.pid"
    sleep 0.3
    alive "$pid" || { tail -n 5 "$d/responder.log" >&2; die "$NS_RESP: orbit-responder exited (log: $d/responder.log)"; }
    log "$NS_RESP: started orbit-responder (pid $pid) for 198.19.0.0/16"
}

# ---------------------------------------------------------------- firewalls
# h14: a mixed firewall (see README / expected.txt for what each port shows).
nft_h14() {
    cat <<'EOF'
table inet orbit_lab {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport { 22, 443 } drop
		tcp dport 23 reject with icmp type port-unreachable
		tcp dport 25 reject with icmp type admin-prohibited
		tcp dport 113 reject with tcp reset
		udp dport { 53, 500 } drop
		udp dport 123 reject with icmp type admin-prohibited
		udp dport 161 reject with icmp type port-unreachable
	}
}
EOF
}
# h15: drops everything except ICMP echo.
nft_h15() {
    cat <<'EOF'
table inet orbit_lab {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		icmp type echo-request accept
	}
}
EOF
}

ensure_nft() { # ns generator
    local ns=$1 gen=$2 dir=$RUN/$1 want have
    mkdir -p "$dir"
    "$gen" >"$dir/nft.conf"
    want=$(cat "$dir/nft.listing" 2>/dev/null || true)
    have=$(nsx "$ns" nft list table inet orbit_lab 2>/dev/null || true)
    if [[ -n $have && $have == "$want" ]]; then return 0; fi
    # atomic replace: declare (so delete cannot fail), delete, define
    { echo "table inet orbit_lab"; echo "delete table inet orbit_lab"; cat "$dir/nft.conf"; } |
        nsx "$ns" nft -f -
    nsx "$ns" nft list table inet orbit_lab >"$dir/nft.listing"
    log "$ns: loaded nftables table inet orbit_lab"
}

# ---------------------------------------------------------------- daemons
# write_conf FILE: stdin -> FILE if it differs; returns 0 if it changed.
write_conf() {
    local f=$1 tmp
    tmp=$(mktemp "$f.XXXXXX")
    cat >"$tmp"
    if [[ -f $f ]] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; return 1; fi
    mv -f "$tmp" "$f"
    chmod 644 "$f"
    return 0
}

ns_addr() { # a lab host's namespace -> its address
    case $1 in
    orbit-h*) echo "198.18.1.${1#orbit-h}" ;;
    orbit-l*) echo "198.18.5.${1#orbit-l}" ;;
    "$NS_SVC") echo "$SVC_ADDR" ;;
    *) die "no address for namespace $1" ;;
    esac
}

ns_inode() { stat -L -c %i "/run/netns/$1"; }

alive() { # pid: exists and is not a zombie (PID 1 may reap late)
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [[ ${st:0:1} != Z ]]
}

pid_of() { # ns name -> pid if alive in that namespace
    local pidf=$RUN/$1/$2.pid pid
    [[ -f $pidf ]] || return 1
    pid=$(<"$pidf")
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$(ns_inode "$1")]" ]] || return 1
    echo "$pid"
}

stop_service() { # ns name
    local pid
    pid=$(pid_of "$1" "$2") || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$RUN/$1/$2.pid"
}

listening() { # ns proto addr port
    local flag=-Hltn out
    [[ $2 == udp ]] && flag=-Hlun
    out=$(nsx "$1" ss $flag "sport = :$4" 2>/dev/null || true)
    [[ $out == *"$3:$4"* ]]
}

# ensure_service NS NAME CHANGED PROTO/PORT[,PROTO/PORT...] -- COMMAND...
# Starts COMMAND (in the foreground mode of the daemon) inside NS unless it
# already runs; restarts it if its config CHANGED; waits for every port.
ensure_service() {
    local ns=$1 name=$2 changed=$3 ports=$4 pid addr pp
    shift 5
    addr=$(ns_addr "$ns")
    if pid=$(pid_of "$ns" "$name"); then
        if ((changed)); then
            log "$ns: $name config changed, restarting"
            stop_service "$ns" "$name"
        else
            return 0
        fi
    fi
    setsid ip netns exec "$ns" "$@" </dev/null >>"$RUN/$ns/$name.log" 2>&1 &
    pid=$!
    echo "$pid" >"$RUN/$ns/$name.pid"
    IFS=, read -ra pp <<<"$ports"
    local p t=0
    for p in "${pp[@]}"; do
        while ! listening "$ns" "${p%/*}" "$addr" "${p#*/}"; do
            if ! alive "$pid"; then
                tail -n 20 "$RUN/$ns/$name.log" >&2 || true
                die "$ns: $name exited before listening on $addr $p (log: $RUN/$ns/$name.log)"
            fi
            ((t++ < WAIT_TENTHS)) || die "$ns: $name is not listening on $addr $p after 10 s (log: $RUN/$ns/$name.log)"
            sleep 0.1
        done
    done
    log "$ns: started $name (pid $pid) on $addr $ports"
}

# up_nginx NS NAME TITLE PORT...: nginx serving an index page titled TITLE for NAME on
# the host's address, one listen line per PORT.
up_nginx() {
    local ns=$1 name=$2 title=$3 d=$RUN/$1 c=0 addr p listen="" ports=""
    shift 3
    addr=$(ns_addr "$ns")
    for p in "$@"; do
        listen+="        listen $addr:$p default_server;"$'\n'
        ports+=${ports:+,}tcp/$p
    done
    mkdir -p "$d/www" "$d/nginx-tmp"
    chmod 755 "$RUN" "$d" "$d/www"
    write_conf "$d/www/index.html" <<EOF || true
<!DOCTYPE html>
<html>
<head><title>$title</title></head>
<body><p>orbit lab host $name ($addr): nginx.</p></body>
</html>
EOF
    write_conf "$d/nginx.conf" <<EOF && c=1
# orbit lab ${ns#orbit-} (generated by tests/lab/lab.sh)
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid $d/nginx.pid.nginx;
error_log $d/nginx-error.log;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $d/nginx-access.log;
    client_body_temp_path $d/nginx-tmp/body;
    proxy_temp_path $d/nginx-tmp/proxy;
    fastcgi_temp_path $d/nginx-tmp/fastcgi;
    uwsgi_temp_path $d/nginx-tmp/uwsgi;
    scgi_temp_path $d/nginx-tmp/scgi;
    server {
$listen        server_name $name;
        root $d/www;
        index index.html;
    }
}
EOF
    ensure_service "$ns" nginx $c "$ports" -- /usr/sbin/nginx -e "$d/nginx-error.log" -c "$d/nginx.conf"
}

# up_sshd NS NAME [PORT]: OpenSSH on the host's address, port 22 (or PORT), host keys of its own.
up_sshd() {
    local ns=$1 name=$2 port=${3:-22} d=$RUN/$1 c=0 addr t
    addr=$(ns_addr "$ns")
    mkdir -p "$d" /run/sshd # sshd's privilege-separation directory
    chmod 755 /run/sshd
    for t in ed25519 ecdsa; do
        if [[ ! -f $d/ssh_host_${t}_key ]]; then
            ssh-keygen -q -t "$t" -N '' -C "root@$name" -f "$d/ssh_host_${t}_key"
            c=1
        fi
    done
    write_conf "$d/sshd_config" <<EOF && c=1
# orbit lab ${ns#orbit-} (generated by tests/lab/lab.sh)
ListenAddress $addr:$port
HostKey $d/ssh_host_ed25519_key
HostKey $d/ssh_host_ecdsa_key
PidFile none
UsePAM no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
X11Forwarding no
PrintMotd no
EOF
    ensure_service "$ns" sshd $c "tcp/$port" -- /usr/sbin/sshd -D -e -f "$d/sshd_config"
}

# h10: nginx on 80, OpenSSH on 22
up_h10() {
    up_nginx orbit-h10 h10.lab.orbit "orbit lab h10" 80
    up_sshd orbit-h10 h10.lab.orbit
}

# h11: vsftpd on 21 (anonymous login), Redis on 6379
up_h11() {
    local ns=orbit-h11 d=$RUN/orbit-h11 c=0 ftpuser=ftp
    mkdir -p "$d/ftp/pub" "$d/empty" "$d/redis"
    chmod 755 "$d" "$d/ftp" "$d/ftp/pub" "$d/empty"
    write_conf "$d/ftp/pub/README" <<<"orbit lab: anonymous FTP on h11.lab.orbit" || true
    getent passwd ftp >/dev/null || ftpuser=nobody
    write_conf "$d/vsftpd.conf" <<EOF && c=1
# orbit lab h11 (generated by tests/lab/lab.sh)
listen=YES
listen_ipv6=NO
listen_address=198.18.1.11
listen_port=21
background=NO
anonymous_enable=YES
no_anon_password=YES
ftp_username=$ftpuser
anon_root=$d/ftp
local_enable=NO
write_enable=NO
connect_from_port_20=NO
secure_chroot_dir=$d/empty
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=YES
vsftpd_log_file=$d/vsftpd-xfer.log
EOF
    ensure_service $ns vsftpd $c tcp/21 -- /usr/sbin/vsftpd "$d/vsftpd.conf"

    c=0
    write_conf "$d/redis.conf" <<EOF && c=1
# orbit lab h11 (generated by tests/lab/lab.sh)
bind 198.18.1.11
port 6379
protected-mode no
daemonize no
supervised no
dir $d/redis
save ""
appendonly no
logfile ""
EOF
    ensure_service $ns redis $c tcp/6379 -- /usr/bin/redis-server "$d/redis.conf"
}

# h12: dnsmasq on 53/udp+tcp (authoritative for lab.orbit and its PTRs), snmpd on 161/udp
up_h12() {
    local ns=orbit-h12 d=$RUN/orbit-h12 c=0 h
    mkdir -p "$d/snmp"
    chmod 755 "$d"
    {
        cat <<EOF
# orbit lab h12 (generated by tests/lab/lab.sh)
port=53
listen-address=198.18.1.12
bind-interfaces
no-resolv
no-hosts
no-poll
user=root
pid-file=$d/dnsmasq.pid.dnsmasq
log-facility=$d/dnsmasq-queries.log
log-queries
auth-server=ns.lab.orbit,198.18.1.12
auth-zone=lab.orbit,198.18.1.0/24,198.18.6.0/24
host-record=$SVC_NAME,$SVC_ADDR
auth-soa=1,hostmaster.lab.orbit
auth-ttl=60
host-record=gw.lab.orbit,198.18.1.1
host-record=scan.lab.orbit,198.18.0.2
host-record=ns.lab.orbit,198.18.1.12
EOF
        for h in "${HOSTS[@]}"; do echo "host-record=h$h.lab.orbit,198.18.1.$h"; done
        cat <<EOF
auth-zone=lan.orbit,198.18.5.0/24
host-record=router.lan.orbit,198.18.5.1
host-record=scan.lan.orbit,198.18.5.2
host-record=web.lan.orbit,198.18.5.10
host-record=ssh.lan.orbit,198.18.5.11
host-record=quiet.lan.orbit,198.18.5.12
host-record=odd.lan.orbit,198.18.5.13
EOF
    } | write_conf "$d/dnsmasq.conf" && c=1
    ensure_service $ns dnsmasq $c udp/53,tcp/53 -- /usr/sbin/dnsmasq -k -C "$d/dnsmasq.conf"

    c=0
    write_conf "$d/snmpd.conf" <<EOF && c=1
# orbit lab h12 (generated by tests/lab/lab.sh)
agentaddress udp:198.18.1.12:161
rocommunity public default
sysdescr orbit lab h12: Net-SNMP snmpd on Debian
sysname h12.lab.orbit
syslocation orbit lab
syscontact lab@lab.orbit
EOF
    ensure_service $ns snmpd $c udp/161 -- /usr/bin/env SNMP_PERSISTENT_DIR="$d/snmp" MIBS= \
        /usr/sbin/snmpd -f -C -c "$d/snmpd.conf" -Lo -I -smux
}

# h13: up, no services. h15: up, firewall drops all but ICMP echo.
# h14: firewall + one open TCP port (socat on 8080 prints a line and closes).
up_h14() {
    local ns=orbit-h14 d=$RUN/orbit-h14
    mkdir -p "$d"
    ensure_nft $ns nft_h14
    ensure_service $ns socat 0 tcp/8080 -- /usr/bin/socat \
        TCP-LISTEN:8080,bind=198.18.1.14,reuseaddr,fork,backlog=1024 SYSTEM:'echo orbit lab h14'
}
up_h15() { mkdir -p "$RUN/orbit-h15"; ensure_nft orbit-h15 nft_h15; }

# The on-link hosts (198.18.5.0/24; names in lan.orbit, served by dnsmasq on h12).
LAN_WEB_ALT=8888 # web's second nginx port: nmap's table names it sun-answerbook, not http
LAN_ODD_PORT=40713 # odd's service: a port nmap's table does not name, a banner it does not know
LAN_ODD_BANNER='XQ7/1.0 READY node=odd proto=2 say HELO' # no quotes or globs: sh -c runs it
# l12 (quiet): drops every TCP and UDP packet, answers ICMP echo (a host firewall in
# "stealth" mode: up to ping and ARP, every port filtered).
nft_l12() {
    cat <<'EOF'
table inet orbit_lab {
	chain input {
		type filter hook input priority filter; policy accept;
		meta l4proto { tcp, udp } drop
	}
}
EOF
}
up_lan_hosts() {
    up_nginx orbit-l10 web.lan.orbit "orbit lab web" 80 "$LAN_WEB_ALT"
    up_sshd orbit-l11 ssh.lan.orbit
    mkdir -p "$RUN/orbit-l12" "$RUN/orbit-l13"
    ensure_nft orbit-l12 nft_l12
    ensure_service orbit-l13 socat 0 "tcp/$LAN_ODD_PORT" -- /usr/bin/socat \
        "TCP-LISTEN:$LAN_ODD_PORT,bind=198.18.5.13,reuseaddr,fork,backlog=1024" \
        SYSTEM:"echo $LAN_ODD_BANNER"
}

need_tools() {
    local t missing=()
    for t in ip nft ethtool ss setsid unshare nginx sshd vsftpd redis-server dnsmasq snmpd socat ssh-keygen; do
        command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] || missing+=("$t")
    done
    mapfile -t -O "${#missing[@]}" missing < <(svc_need_tools)
    ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run tests/lab/install.sh"
}

cmd_up() {
    [[ $(id -u) == 0 ]] || die "run as root"
    need_tools
    mkdir -p "$RUN"
    chmod 755 "$RUN"
    net_up
    echo "$ROUTED_MODE" >"$RUN/mode"
    up_h10
    up_h11
    up_h12
    up_h14
    up_h15
    up_lan_hosts
    up_svc
    start_responder
    log "up (status: $0 status)"
}

cmd_down() {
    [[ $(id -u) == 0 ]] || die "run as root"
    local ns pids pid i
    for ((i = ${#LAB_NS[@]} - 1; i >= 0; i--)); do
        ns=${LAB_NS[i]}
        ns_exists "$ns" || continue
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        if [[ -n ${pids// /} ]]; then
            log "$ns: stopping pids $pids"
            # shellcheck disable=SC2086
            kill $pids 2>/dev/null || true
            for _ in $(seq 50); do
                [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break
                sleep 0.1
            done
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        fi
        ip netns del "$ns"
        log "deleted namespace $ns"
    done
    rm -rf "$RUN" "/etc/netns/$NS_SVC"
    log "down"
}

# ---------------------------------------------------------------- status
FAILS=0
ok() { printf 'ok    %s\n' "$*"; }
bad() { printf 'FAIL  %s\n' "$*"; FAILS=$((FAILS + 1)); }

# talk ADDR PORT SEND: from orbit-scan, connect, send SEND (printf format), print
# the reply's lines until the server closes or is silent for 1 s (at most 40
# lines, 4 s in all).
talk() {
    nsx "$NS_SCAN" timeout 4 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        [[ -n $2 ]] && printf "$2" >&3
        for ((i = 0; i < 40; i++)); do
            IFS= read -r -t 1 line <&3 || { [[ -n $line ]] && printf "%s\n" "$line"; break; }
            printf "%s\n" "$line"
        done' "$1" "$2" "$3" 2>/dev/null | tr -d '\r' || true
}

check_daemon() { # ns name
    if pid=$(pid_of "$1" "$2"); then return 0; fi
    bad "$1: $2 is not running"
    return 1
}

cmd_status() {
    local ns nsmissing=0 out
    for ns in "${LAB_NS[@]}"; do
        if ns_exists "$ns"; then ok "namespace $ns"; else bad "namespace $ns missing"; nsmissing=1; fi
    done
    if ((nsmissing)); then echo "lab: DOWN or incomplete ($FAILS problems; run: $0 up)"; return 1; fi

    for a in 198.18.0.1 198.18.1.1 198.18.1.10 198.18.1.11 198.18.1.12 198.18.1.13 198.18.1.14 198.18.1.15; do
        if nsx "$NS_SCAN" ping -n -q -c 1 -W 1 "$a" >/dev/null 2>&1; then ok "$a answers ping"; else bad "$a does not answer ping"; fi
    done

    if nsx "$NS_SCAN" ping -n -q -c 1 -W 1 -I 198.18.0.3 198.18.1.10 >/dev/null 2>&1; then ok "198.18.0.3 (second source) reaches 198.18.1.10"
    else bad "198.18.0.3 (second source) does not reach 198.18.1.10"; fi

    check_daemon orbit-h10 nginx && {
        out=$(talk 198.18.1.10 80 'GET / HTTP/1.0\r\nHost: h10.lab.orbit\r\n\r\n')
        if [[ $out == HTTP/1.1\ 200* && $out == *"<title>orbit lab h10</title>"* ]]; then
            ok "198.18.1.10 tcp/80   nginx: $(head -n1 <<<"$out"), $(grep -m1 '^Server:' <<<"$out")"
        else bad "198.18.1.10 tcp/80   nginx does not serve the index page"; fi
    }
    check_daemon orbit-h10 sshd && {
        out=$(talk 198.18.1.10 22 '' | head -n1)
        if [[ $out == SSH-2.0-* ]]; then ok "198.18.1.10 tcp/22   sshd: $out"; else bad "198.18.1.10 tcp/22   no SSH banner"; fi
    }
    check_daemon orbit-h11 vsftpd && {
        out=$(talk 198.18.1.11 21 'USER anonymous\r\nPASS orbit@\r\nQUIT\r\n')
        if [[ $out == 220* && $out == *$'\n230 '* ]]; then
            ok "198.18.1.11 tcp/21   vsftpd: $(head -n1 <<<"$out"); anonymous login: $(grep -m1 '^230' <<<"$out")"
        else bad "198.18.1.11 tcp/21   vsftpd greeting or anonymous login failed: ${out//$'\n'/ | }"; fi
    }
    check_daemon orbit-h11 redis && {
        out=$(talk 198.18.1.11 6379 'PING\r\nQUIT\r\n' | head -n1)
        if [[ $out == +PONG ]]; then ok "198.18.1.11 tcp/6379 redis: PING -> +PONG"; else bad "198.18.1.11 tcp/6379 redis did not answer PING"; fi
    }
    check_daemon orbit-h12 dnsmasq && {
        local a p t
        a=$(nsx "$NS_SCAN" dig +short +time=2 +tries=1 @198.18.1.12 h10.lab.orbit A 2>/dev/null || true)
        p=$(nsx "$NS_SCAN" dig +short +time=2 +tries=1 @198.18.1.12 -x 198.18.1.10 2>/dev/null || true)
        t=$(nsx "$NS_SCAN" dig +short +tcp +time=2 +tries=1 @198.18.1.12 h11.lab.orbit A 2>/dev/null || true)
        if [[ $a == 198.18.1.10 && $p == h10.lab.orbit. ]]; then ok "198.18.1.12 udp/53   dnsmasq: h10.lab.orbit A $a, PTR $p"
        else bad "198.18.1.12 udp/53   dnsmasq: A='$a' PTR='$p'"; fi
        if [[ $t == 198.18.1.11 ]]; then ok "198.18.1.12 tcp/53   dnsmasq: h11.lab.orbit A $t"
        else bad "198.18.1.12 tcp/53   dnsmasq over TCP: '$t'"; fi
    }
    check_daemon orbit-h12 snmpd && {
        out=$(nsx "$NS_SCAN" snmpget -m '' -v2c -c public -t 2 -r 0 -Oqv 198.18.1.12 1.3.6.1.2.1.1.1.0 2>/dev/null || true)
        if [[ -n $out ]]; then ok "198.18.1.12 udp/161  snmpd: sysDescr $out"; else bad "198.18.1.12 udp/161  snmpd: no sysDescr"; fi
    }
    check_daemon orbit-h14 socat && {
        out=$(talk 198.18.1.14 8080 '' | head -n1)
        if [[ $out == "orbit lab h14" ]]; then ok "198.18.1.14 tcp/8080 socat: $out"; else bad "198.18.1.14 tcp/8080 no answer"; fi
    }
    if responder_bin >/dev/null; then
        check_daemon "$NS_RESP" responder && ok "$NS_RESP: orbit-responder answers for 198.19.0.0/16"
    else
        ok "$NS_RESP: no orbit-responder built; 198.19.0.0/16 is silent"
    fi
    for ns in orbit-h14 orbit-h15; do
        if nsx "$ns" nft list table inet orbit_lab >/dev/null 2>&1; then ok "$ns: nftables table inet orbit_lab loaded"
        else bad "$ns: nftables table inet orbit_lab missing"; fi
    done
    status_lan
    status_svc
    status_settings
    if ((FAILS)); then echo "lab: $FAILS problems"; return 1; fi
    echo "lab: up, every service answers"
}

# The on-link segment: each device answers at its own MAC on orbit-s1, .14 is down.
status_lan() {
    local a h mac out n
    for a in 1 "${LAN_HOSTS[@]}"; do
        if [[ $a == 1 ]]; then mac=$MAC_G5; else mac=${LAN_MAC[$a]}; fi
        if ! nsx "$NS_SCAN" ping -n -q -c 1 -W 1 "198.18.5.$a" >/dev/null 2>&1; then
            bad "198.18.5.$a does not answer ping"; continue
        fi
        out=$(ip -n "$NS_SCAN" neigh show 198.18.5.$a dev orbit-s1)
        if [[ $out == *"lladdr $mac "* ]]; then ok "198.18.5.$a answers ping on-link from $mac"
        else bad "198.18.5.$a: neighbour entry on orbit-s1 is '$out', not $mac"; fi
    done
    if nsx "$NS_SCAN" ping -n -q -c 1 -W 1 198.18.5.14 >/dev/null 2>&1; then bad "198.18.5.14 answers (it must be down)"
    else ok "198.18.5.14 is down (empty address)"; fi
    check_daemon orbit-l10 nginx && for n in 80 "$LAN_WEB_ALT"; do
        out=$(talk 198.18.5.10 "$n" 'GET / HTTP/1.0\r\nHost: web.lan.orbit\r\n\r\n')
        if [[ $out == HTTP/1.1\ 200* && $out == *"<title>orbit lab web</title>"* ]]; then
            ok "198.18.5.10 tcp/$n nginx: $(head -n1 <<<"$out"), $(grep -m1 '^Server:' <<<"$out")"
        else bad "198.18.5.10 tcp/$n nginx does not serve the index page"; fi
    done
    check_daemon orbit-l11 sshd && {
        out=$(talk 198.18.5.11 22 '' | head -n1)
        if [[ $out == SSH-2.0-* ]]; then ok "198.18.5.11 tcp/22   sshd: $out"; else bad "198.18.5.11 tcp/22   no SSH banner"; fi
    }
    if nsx orbit-l12 nft list table inet orbit_lab >/dev/null 2>&1; then ok "orbit-l12: nftables table inet orbit_lab loaded (drops TCP and UDP)"
    else bad "orbit-l12: nftables table inet orbit_lab missing"; fi
    check_daemon orbit-l13 socat && {
        out=$(talk 198.18.5.13 "$LAN_ODD_PORT" '' | head -n1)
        if [[ $out == "$LAN_ODD_BANNER" ]]; then ok "198.18.5.13 tcp/$LAN_ODD_PORT socat: $out"; else bad "198.18.5.13 tcp/$LAN_ODD_PORT no banner"; fi
    }
    a=$(nsx "$NS_SCAN" dig +short +time=2 +tries=1 @198.18.1.12 web.lan.orbit A 2>/dev/null || true)
    h=$(nsx "$NS_SCAN" dig +short +time=2 +tries=1 @198.18.1.12 -x 198.18.5.13 2>/dev/null || true)
    if [[ $a == 198.18.5.10 && $h == odd.lan.orbit. ]]; then ok "198.18.1.12 udp/53   dnsmasq: web.lan.orbit A $a, 198.18.5.13 PTR $h"
    else bad "198.18.1.12 udp/53   dnsmasq lan.orbit: A='$a' PTR='$h'"; fi
}

# Every interface's offloads and every namespace's ICMP limits as `up` set them.
status_settings() {
    local ns dev mode diff k v want wrong=0 n=0 ROUTED_MODE
    [[ -f $RUN/settings && -f $RUN/mode ]] || { bad "no $RUN/settings (run: $0 up)"; return; }
    ROUTED_MODE=$(<"$RUN/mode") # the mode `up` ran with, whatever this shell's ORBIT_LAB_TUNED
    load_kernel_defaults
    while read -r ns dev mode; do
        n=$((n + 1))
        diff=$(offloads_differ "$ns" "$dev" "$mode")
        [[ -z $diff ]] || { bad "$ns/$dev ($mode): offloads differ: $diff"; wrong=1; }
    done <"$RUN/settings"
    for ns in "${LAB_NS[@]}"; do
        mode=$(ns_mode "$ns")
        for k in "${ICMP_SYSCTLS[@]}"; do
            v=$(nsx "$ns" sysctl -n "$k")
            want=$(want_sysctl "$mode" "$k")
            [[ $v == "$want" ]] || { bad "$ns ($mode): $k=$v, not $want"; wrong=1; }
        done
    done
    if ((!wrong)); then
        ok "kernel settings: routed part $ROUTED_MODE, on-link segment $LAN_MODE ($n interfaces, ${#LAB_NS[@]} namespaces)"
    fi
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
