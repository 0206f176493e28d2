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

NS_SCAN=orbit-scan
NS_GW=orbit-gw
HOSTS=(10 11 12 13 14 15)
# Every namespace this script makes, in the order it makes them.  A later stage
# (responder, banner-grab farm) adds its namespaces here so `down` removes them.
LAB_NS=("$NS_SCAN" "$NS_GW")
for h in "${HOSTS[@]}"; do LAB_NS+=("orbit-h$h"); done
NS_RESP=orbit-resp
LAB_NS+=("$NS_RESP")

# Fixed, locally administered MACs so tests can name them (-G, --source-mac).
MAC_SCAN=02:00:c6:12:00:02 # orbit-s0 in orbit-scan
MAC_GW0=02:00:c6:12:00:01  # orbit-g0 in orbit-gw (the scanner's next hop)
MAC_BR=02:00:c6:12:01:01   # orbit-br in orbit-gw
MAC_G1=02:00:c6:12:02:01   # orbit-g1 in orbit-gw (the responder's next hop)
MAC_R0=02:00:c6:12:02:02   # orbit-r0 in orbit-resp
host_mac() { printf '02:00:c6:12:01:%02x' "$1"; }

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

ensure_ns() {
    local ns=$1
    if ! ns_exists "$ns"; then
        ip netns add "$ns"
        log "made namespace $ns"
    fi
    # No IPv6 anywhere in the lab: no router solicitations or DAD on the wire.
    sysctl_set "$ns" net.ipv6.conf.all.disable_ipv6 1
    sysctl_set "$ns" net.ipv6.conf.default.disable_ipv6 1
    # No ICMP rate limits: every closed UDP port and every reject answers, so
    # scans are deterministic (the kernel's default is 1 per second per peer).
    sysctl_set "$ns" net.ipv4.icmp_ratelimit 0
    sysctl_set "$ns" net.ipv4.icmp_msgs_per_sec 1000000
    sysctl_set "$ns" net.ipv4.icmp_msgs_burst 100000
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

# A veth that looks like a wire: full checksums (no CHECKSUM_PARTIAL packets
# reaching a packet socket with unfinished checksums), no TSO/GSO/GRO (no
# frames larger than the MTU), a fixed MAC, up.
setup_if() { # ns dev [mac]
    local ns=$1 dev=$2 mac=${3:-} cur
    if [[ -n $mac ]]; then
        cur=$(nsx "$ns" cat "/sys/class/net/$dev/address")
        [[ $cur == "$mac" ]] || ip -n "$ns" link set dev "$dev" address "$mac"
    fi
    local feats
    feats=$(nsx "$ns" ethtool -k "$dev" 2>/dev/null || true)
    if [[ $feats =~ (tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):\ on ]]; then
        nsx "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1 || true
    fi
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
    addr=198.18.1.${ns#orbit-h}
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

# h10: nginx on 80, OpenSSH on 22
up_h10() {
    local ns=orbit-h10 d=$RUN/orbit-h10 c=0
    mkdir -p "$d/www" "$d/nginx-tmp"
    chmod 755 "$RUN" "$d" "$d/www"
    write_conf "$d/www/index.html" <<'EOF' || true
<!DOCTYPE html>
<html>
<head><title>orbit lab h10</title></head>
<body><p>orbit lab host h10.lab.orbit (198.18.1.10): nginx.</p></body>
</html>
EOF
    write_conf "$d/nginx.conf" <<EOF && c=1
# orbit lab h10 (generated by tests/lab/lab.sh)
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
        listen 198.18.1.10:80 default_server;
        server_name h10.lab.orbit;
        root $d/www;
        index index.html;
    }
}
EOF
    ensure_service $ns nginx $c tcp/80 -- /usr/sbin/nginx -e "$d/nginx-error.log" -c "$d/nginx.conf"

    c=0
    mkdir -p /run/sshd # sshd's privilege-separation directory
    chmod 755 /run/sshd
    local t
    for t in ed25519 ecdsa; do
        if [[ ! -f $d/ssh_host_${t}_key ]]; then
            ssh-keygen -q -t "$t" -N '' -C "root@h10.lab.orbit" -f "$d/ssh_host_${t}_key"
            c=1
        fi
    done
    write_conf "$d/sshd_config" <<EOF && c=1
# orbit lab h10 (generated by tests/lab/lab.sh)
ListenAddress 198.18.1.10:22
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
    ensure_service $ns sshd $c tcp/22 -- /usr/sbin/sshd -D -e -f "$d/sshd_config"
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
auth-zone=lab.orbit,198.18.1.0/24
auth-soa=1,hostmaster.lab.orbit
auth-ttl=60
host-record=gw.lab.orbit,198.18.1.1
host-record=scan.lab.orbit,198.18.0.2
host-record=ns.lab.orbit,198.18.1.12
EOF
        for h in "${HOSTS[@]}"; do echo "host-record=h$h.lab.orbit,198.18.1.$h"; done
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

need_tools() {
    local t missing=()
    for t in ip nft ethtool ss setsid nginx sshd vsftpd redis-server dnsmasq snmpd socat ssh-keygen; do
        command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] || missing+=("$t")
    done
    ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run tests/lab/install.sh"
}

cmd_up() {
    [[ $(id -u) == 0 ]] || die "run as root"
    need_tools
    mkdir -p "$RUN"
    chmod 755 "$RUN"
    net_up
    up_h10
    up_h11
    up_h12
    up_h14
    up_h15
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
    rm -rf "$RUN"
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
    if ((FAILS)); then echo "lab: $FAILS problems"; return 1; fi
    echo "lab: up, every service answers"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
