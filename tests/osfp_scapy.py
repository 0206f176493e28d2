#!/usr/bin/python3
"""The passive OS classifier on SYN-ACKs of stacks the lab does not run, and p0f's verdict.

A generator builds, with scapy, the SYN orbit sends (per --tcp-options profile) and the
SYN-ACK each stack answers it with (TTL, DF, IP ID, window, scale, option layout and
quirks as the cited fingerprints give them: data/osfp/orbit.fp and p0f.fp), cookies valid
for the fixed test key. orbit's real reply classifier plus core/osfp (osfp_tool classify)
must name each stack; p0f -r on the same pcap must give the same label where p0f's
database has one (same OS name and class; orbit's flavour may be newer).
Files only: pcaps in a temporary directory; nothing is sent.
usage: osfp_scapy.py OSFP_TOOL
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replies_scapy import M32, US, cookie, source_port  # noqa: E402
from scapy.all import IP, TCP, Ether, wrpcap  # noqa: E402

SYN_OPTIONS = {  # orbit's SYNs (core/probe/tcp_syn.c)
    "linux": [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None),
              ("WScale", 7)],
    "windows": [("MSS", 1460), ("NOP", None), ("WScale", 8), ("NOP", None), ("NOP", None),
                ("SAckOK", b"")],
    "mss-only": [("MSS", 1460)],
}


def opts(layout, mss=1460, ws=0, tsval=4242, tsecr=1000):
    """p0f layout words -> scapy TCP options."""
    out = []
    for w in layout.split(","):
        if w == "mss":
            out.append(("MSS", mss))
        elif w == "ws":
            out.append(("WScale", ws))
        elif w == "sok":
            out.append(("SAckOK", b""))
        elif w == "ts":
            out.append(("Timestamp", (tsval, tsecr)))
        elif w == "nop":
            out.append(("NOP", None))
        elif w.startswith("eol+"):
            out.append(("EOL", None))
            out.extend([("EOL", None)] * int(w[4:]))
    return out


# name, profile, ttl, df, ip_id, window, scale, layout, tsval, orbit's label, p0f's label
CASES = [
    ("Linux 6 (as the lab)", "linux", 64, 1, 0, 65160, 7, "mss,sok,ts,nop,ws", 4242,
     "Linux 4.x-6.x", None),
    ("Linux 6, windows SYN", "windows", 64, 1, 0, 64240, 7, "mss,nop,nop,sok,nop,ws", 0,
     "Linux 4.x-6.x", None),
    ("Windows 10/11", "linux", 128, 1, 0x1234, 65535, 8, "mss,nop,ws,sok,ts", 4242,
     "Windows 10 or 11", None),
    ("Windows 10, windows SYN", "windows", 128, 1, 0x4321, 65535, 8,
     "mss,nop,ws,nop,nop,sok", 0, "Windows 10 or 11", None),
    ("Windows Server 2016", "linux", 128, 1, 0x0101, 8192, 8, "mss,nop,ws,sok,ts", 4242,
     "Windows 7 or newer (10, Server 2016)", "Windows 7 or 8"),
    ("macOS 10.14", "linux", 64, 1, 0, 65535, 6, "mss,nop,ws,nop,nop,ts,sok,eol+1", 4242,
     "macOS 10.13 or newer", None),
    ("FreeBSD 12", "linux", 64, 1, 0, 65535, 6, "mss,nop,ws,sok,ts", 4242,
     "FreeBSD 11-14", None),
    # macOS answers a SYN without timestamps with the same bytes (data/osfp/orbit.fp)
    ("FreeBSD 12, windows SYN", "windows", 64, 1, 0, 65535, 6, "mss,nop,ws,sok,eol+1", 0,
     "macOS or FreeBSD", None),
    ("lwIP (esp8266)", "mss-only", 255, 0, 0x0042, 5840, 0, "mss", 0, "lwIP embedded", None),
    ("Linux 2.6 (p0f era)", "linux", 64, 1, 0, 5840, 7, "mss,sok,ts,nop,ws", 4242,
     "Linux 2.6.x", "Linux 2.6.x"),
    ("Windows XP (p0f era)", "linux", 128, 1, 0x2222, 65535, 0,
     "mss,nop,ws,nop,nop,ts,nop,nop,sok", 0, "Windows XP", "Windows XP"),
    ("FreeBSD 9 (p0f era)", "linux", 64, 1, 0x3333, 65535, 6, "mss,nop,ws,sok,ts", 4242,
     "FreeBSD 9.x", "FreeBSD 9.x"),
    ("Mac OS X 10 (p0f era)", "linux", 64, 1, 0x4444, 65535, 0,
     "mss,nop,ws,nop,nop,ts,sok,eol+1", 4242, "Mac OS X 10.x", "Mac OS X 10.x"),
    ("Solaris 10 (p0f era)", "linux", 64, 1, 0x5555, 1460 * 37, 0, "nop,nop,ts,mss,nop,ws",
     4242, "Solaris 10", "Solaris 10"),
    # a SYN-ACK with timestamps to a SYN that offered none: no sig may claim it
    ("ts unasked, windows SYN", "windows", 64, 1, 0, 65160, 7, "mss,sok,ts,nop,ws", 4242,
     "-", None),
]


def frames(case, n):
    name, profile, ttl, df, ip_id, win, ws, layout, tsval = case[:9]
    target = f"198.19.7.{n + 10}"
    c = cookie(US, target, 80, 6)
    sport, seq = source_port(c), c & M32
    eth = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
    syn = eth / IP(src=US, dst=target, ttl=64, id=1) / TCP(
        sport=sport, dport=80, flags="S", seq=seq, window=64240, options=SYN_OPTIONS[profile])
    synack = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(
        src=target, dst=US, ttl=ttl, id=ip_id, flags="DF" if df else 0) / TCP(
        sport=80, dport=sport, flags="SA", seq=0x1000 + n, ack=(seq + 1) & M32, window=win,
        options=opts(layout, ws=ws, tsval=tsval))
    return target, [syn, synack]


def p0f_labels(pcap, tmp):
    """srv address -> p0f's os label, from p0f -r's log (mod=syn+ack lines)."""
    log = os.path.join(tmp, "p0f.log")
    if os.path.exists(log):
        os.unlink(log)
    subprocess.run(["p0f", "-r", pcap, "-o", log], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    out = {}
    with open(log, encoding="utf-8") as f:
        for line in f:
            if "mod=syn+ack" not in line:
                continue
            srv = re.search(r"\|srv=([0-9.]+)/", line).group(1)
            os_ = re.search(r"\|os=([^|]*)", line).group(1)
            out[srv] = os_
    return out


def main():
    tool = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="orbit-osfp.")
    have_p0f = shutil.which("p0f") is not None and os.path.exists("/etc/p0f/p0f.fp")
    passed = failed = agree = compared = labelled = family = 0
    try:
        for profile in ("linux", "windows", "mss-only"):
            idx = [i for i, c in enumerate(CASES) if c[1] == profile]
            pcap = os.path.join(tmp, f"{profile}.pcap")
            targets = {}
            pkts = []
            for i in idx:
                t, fr = frames(CASES[i], i)
                targets[t] = i
                pkts += fr
            wrpcap(pcap, pkts)
            got = {}
            res = subprocess.run([tool, "classify", pcap, profile], capture_output=True,
                                 text=True, check=True)
            for line in res.stdout.splitlines():
                addr_port, sig, os_, klass, conf = line.split("\t")
                got[addr_port.split()[0]] = (sig, os_, klass, conf)
            p0f = p0f_labels(pcap, tmp) if have_p0f else {}
            for t, i in sorted(targets.items(), key=lambda kv: kv[1]):
                name, want, want_p0f = CASES[i][0], CASES[i][9], CASES[i][10]
                sig, os_, klass, conf = got.get(t, ("(no result)", "?", "?", "0"))
                ok = os_ == want
                print(f"{'PASS' if ok else 'FAIL'} {name} [{profile}]: orbit says '{os_}' "
                      f"({klass}, {conf}) want '{want}'; sig {sig}; p0f: {p0f.get(t, '-')}")
                passed, failed = passed + ok, failed + (not ok)
                if p0f.get(t, "???") != "???":
                    labelled += 1
                    family += os_.split()[0] == p0f[t].split()[0]
                if want_p0f is None:
                    continue
                compared += 1
                same = p0f.get(t) == want_p0f and os_.split()[0] == want_p0f.split()[0]
                agree += same
                print(f"{'PASS' if same else 'FAIL'} p0f -r agrees on {name}: p0f "
                      f"'{p0f.get(t)}', orbit '{os_}'")
                passed, failed = passed + same, failed + (not same)
        print(f"p0f agreement: {agree} of {compared} p0f-era stacks (same label); p0f labelled "
              f"{labelled} of {len(CASES)} SYN-ACKs, orbit names the same OS on {family}")
    finally:
        shutil.rmtree(tmp)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
