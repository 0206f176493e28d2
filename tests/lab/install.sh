#!/usr/bin/env bash
# Install the Debian packages the lab needs (tests/lab/packages.txt) without
# letting their maintainer scripts start any daemon in the root namespace.
# Idempotent: packages already installed are left alone.
#
#   tests/lab/install.sh            install what is missing
#   tests/lab/install.sh --check    only report what is missing (exit 1 if any)
#
# How: while apt runs, /usr/sbin/policy-rc.d exits 101 ("action forbidden"),
# which invoke-rc.d and deb-systemd-invoke honour; an existing policy-rc.d is
# put back afterwards.  Then any daemon the lab uses that still runs in the
# root network namespace and was not running before the install is stopped by
# its pid (lab daemons run in orbit-* namespaces and are never touched).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pkgs=()
while IFS= read -r line; do
    line=${line%%#*}
    line=${line//[[:space:]]/}
    [[ -n $line ]] && pkgs+=("$line")
done <"$here/packages.txt"

missing=()
for p in "${pkgs[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $st == installed ]] || missing+=("$p")
done

if [[ ${1:-} == --check ]]; then
    if ((${#missing[@]})); then echo "lab: missing packages: ${missing[*]}"; exit 1; fi
    echo "lab: all ${#pkgs[@]} packages installed"; exit 0
fi

if ((${#missing[@]} == 0)); then
    echo "lab: all ${#pkgs[@]} packages already installed"
    exit 0
fi
[[ $(id -u) == 0 ]] || { echo "lab: install.sh must run as root" >&2; exit 1; }

daemons=(nginx sshd vsftpd redis-server redis-check-rdb dnsmasq snmpd
    lighttpd exim4 dovecot mariadbd mysqld memcached mosquitto tinyproxy nsd smbd nmbd
    samba-dcerpcd inetutils-inetd chronyd in.tftpd slapd ngircd postgres)
rootns=$(readlink /proc/self/ns/net)
# pids of lab daemons running in the root network namespace
root_daemon_pids() {
    local pid comm
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [[ $(readlink "$d/ns/net" 2>/dev/null) == "$rootns" ]] || continue
        comm=$(cat "$d/comm" 2>/dev/null) || continue
        for n in "${daemons[@]}"; do
            if [[ $comm == "$n" ]]; then echo "$pid"; break; fi
        done
    done
}
before=" $(root_daemon_pids | tr '\n' ' ') "

policy=/usr/sbin/policy-rc.d
backup=""
if [[ -e $policy ]]; then
    backup=$(mktemp /usr/sbin/policy-rc.d.orbit-lab.XXXXXX)
    cp -p "$policy" "$backup"
fi
restore_policy() {
    if [[ -n $backup ]]; then mv -f "$backup" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# temporary, by orbit tests/lab/install.sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

echo "lab: installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"

restore_policy
trap - EXIT

# Stop anything the package scripts started anyway (by pid, root namespace only).
for pid in $(root_daemon_pids); do
    [[ $before == *" $pid "* ]] && continue
    echo "lab: stopping $(cat /proc/"$pid"/comm 2>/dev/null) (pid $pid) started by its package"
    kill "$pid" 2>/dev/null || true
done
for _ in $(seq 50); do
    left=0
    for pid in $(root_daemon_pids); do [[ $before == *" $pid "* ]] || left=1; done
    ((left)) || break
    sleep 0.1
done
echo "lab: packages installed"
