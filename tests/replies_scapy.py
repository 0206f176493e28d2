#!/usr/bin/python3
"""Cross-checks the reply classifier with scapy, an independent packet library.

1. Frames crafted by our C helpers (reply_pcap_tool craft) are re-dissected by scapy: every
   IP/TCP/UDP/ICMP checksum (and the quoted probe's IP checksum) must equal what scapy
   recomputes, and the cookie fields must match a SipHash-2-4 written here from the paper.
2. Replies built by scapy (a real stack's field layout) are classified by our C code
   (reply_pcap_tool classify): each must give the expected state/reason or drop cause.
Files only: pcaps in a temporary directory; nothing is sent.
usage: replies_scapy.py REPLY_PCAP_TOOL
"""
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import (ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPOption_NOP,
                       IPOption_Router_Alert, IPerror, Raw, fragment, rdpcap, raw,
                       wrpcap)

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
KEY = bytes(range(16))
SPORT_BASE, SPORT_COUNT = 32768, 28232
US, TARGET, ROUTER = "198.18.0.1", "198.19.1.2", "198.18.200.1"
SEND_NS = 1700000000000000000


def siphash24(key, data):
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & M64

    def sipround():
        v[0] = (v[0] + v[1]) & M64; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M64; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & M64; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & M64; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    blocks = [struct.unpack("<Q", data[i:i + 8])[0] for i in range(0, len(data) - tail, 8)]
    last = (len(data) & 0xFF) << 56
    for i, b in enumerate(data[len(data) - tail:]):
        last |= b << (8 * i)
    for m in blocks + [last]:
        v[3] ^= m
        sipround(); sipround()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        sipround()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def ip4(a):
    return struct.unpack(">I", bytes(int(x) for x in a.split(".")))[0]


def cookie(us, target, dport, proto):
    return siphash24(KEY, struct.pack(">IIHB", ip4(us), ip4(target), dport, proto))


def source_port(c):
    return SPORT_BASE + ((((c >> 32) & 0xFFFF) * SPORT_COUNT) >> 16)


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# ---- 1. our crafted frames, dissected by scapy ----
def recomputed(pkt, layer):
    clone = pkt.copy()
    del clone[layer].chksum
    return Ether(raw(clone))[layer].chksum


def check_crafted(tool, workdir):
    path = os.path.join(workdir, "crafted.pcap")
    subprocess.run([tool, "craft", path], check=True)
    pkts = rdpcap(path)
    check(len(pkts) >= 20, "crafted pcap holds the frames")
    # SipHash paper, appendix A: our Python SipHash is itself right.
    check(siphash24(KEY, bytes(range(15))) == 0xA129CA6149BE45E5, "siphash test vector")
    for n, p in enumerate(pkts):
        ip = p[IP]
        check(ip.chksum == recomputed(p, IP), f"frame {n}: IP checksum")
        if TCP in p and IPerror not in p:
            check(p[TCP].chksum == recomputed(p, TCP), f"frame {n}: TCP checksum")
            c = cookie(ip.dst, ip.src, p[TCP].sport, 6)
            check(p[TCP].dport == source_port(c), f"frame {n}: TCP port = cookie")
            if p[TCP].flags == "R":  # RST to an ACK probe
                check(p[TCP].seq == c & M32, f"frame {n}: RST seq = cookie")
            else:
                check(p[TCP].ack == (c + 1) & M32, f"frame {n}: ack = cookie + 1")
        if UDP in p and IPerror not in p:
            if p[UDP].chksum:
                check(p[UDP].chksum == recomputed(p, UDP), f"frame {n}: UDP checksum")
            c = cookie(ip.dst, ip.src, p[UDP].sport, 17)
            check(p[UDP].dport == source_port(c), f"frame {n}: UDP port = cookie")
        if ICMP in p:
            check(p[ICMP].chksum == recomputed(p, ICMP), f"frame {n}: ICMP checksum")
            if p[ICMP].type == 0:
                c = cookie(ip.dst, ip.src, 0, 1)
                check(p[ICMP].id == c & 0xFFFF and p[ICMP].seq == (c >> 16) & 0xFFFF,
                      f"frame {n}: echo id/seq = cookie")
            if IPerror in p:
                inner = p[IPerror]
                check(inner.src == US, f"frame {n}: quoted source is us")
                check(inner.chksum == recomputed(p, IPerror), f"frame {n}: quoted IP checksum")
                quoted = raw(inner)
                sport, dport, seq = struct.unpack(">HHI", quoted[20:28])
                if inner.proto in (6, 17):
                    c = cookie(inner.src, inner.dst, dport, inner.proto)
                    check(sport == source_port(c), f"frame {n}: quoted port = cookie")
    check_with_tshark(path, len(pkts))
    return len(pkts)


def check_with_tshark(path, frames):
    """Wireshark's dissectors as a second opinion: no checksum anywhere (quoted headers
    included) may be Bad (status 0); Good is 1."""
    try:
        out = subprocess.run(
            ["tshark", "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
             "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a",
             "-E", "aggregator=,", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
             "-e", "udp.checksum.status", "-e", "icmp.checksum.status"],
            check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print("tshark unavailable, skipped:", e)
        return
    statuses = [v for line in out.splitlines() for f in line.split("\t") for v in f.split(",") if v]
    check(len(out.splitlines()) == frames, "tshark: one line per frame")
    check("0" not in statuses, "tshark: no bad checksum")
    check(statuses.count("1") >= 2 * frames, f"tshark: {statuses.count('1')} good checksums")
    print(f"tshark: {statuses.count('1')} checksums good, {statuses.count('0')} bad")


# ---- 2. scapy's replies, classified by our C code ----
def eth():
    return Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")


def syn_ack(port=443, flags="SA", ack_delta=1, dport_delta=0, tsecr=0, l2=None, **ip_kw):
    c = cookie(US, TARGET, port, 6)
    opts = [("MSS", 1400), ("SAckOK", b""), ("Timestamp", (77, tsecr)), ("NOP", None),
            ("WScale", 8)] if "S" in flags else []
    ip_fields = {"src": TARGET, "dst": US, "ttl": 61, **ip_kw}
    return (l2 if l2 is not None else eth()) / IP(**ip_fields) / TCP(
        sport=port, dport=source_port(c) + dport_delta, flags=flags, seq=1000,
        ack=(c + ack_delta) & M32, window=29200, options=opts)


def probe(port, proto, kind="syn", seq_delta=0):
    c = cookie(US, TARGET, 0 if proto == 1 else port, proto)
    ip = IP(src=US, dst=TARGET, ttl=64)
    if proto == 6 and kind == "syn":
        return ip / TCP(sport=source_port(c), dport=port, flags="S", seq=(c + seq_delta) & M32)
    if proto == 6:
        return ip / TCP(sport=source_port(c), dport=port, flags="A", seq=1, ack=c & M32)
    if proto == 17:
        return ip / UDP(sport=source_port(c), dport=port)
    return ip / ICMP(type=8, id=c & 0xFFFF, seq=(c >> 16) & 0xFFFF) / struct.pack(">Q", SEND_NS)


def unreach(port, proto, code, kind="syn", frm=ROUTER, quote=28, itype=3, **kw):
    quoted = raw(probe(port, proto, kind, **kw))[:quote]
    return eth() / IP(src=frm, dst=US, ttl=250) / ICMP(type=itype, code=code) / Raw(quoted)


def udp_reply(port=53, payload=b"\x12\x34\x81\x80" + bytes(8), dport_delta=0, **kw):
    c = cookie(US, TARGET, port, 17)
    return eth() / IP(src=TARGET, dst=US) / UDP(sport=port, dport=source_port(c) + dport_delta,
                                                **kw) / Raw(payload)


def echo_reply(id_delta=0):
    c = cookie(US, TARGET, 0, 1)
    return eth() / IP(src=TARGET, dst=US) / ICMP(
        type=0, id=(c + id_delta) & 0xFFFF, seq=(c >> 16) & 0xFFFF) / struct.pack(">Q", SEND_NS)


UNREACH_REASON = {0: "net-unreach", 1: "host-unreach", 2: "proto-unreach", 3: "port-unreach",
                  9: "net-prohibited", 10: "host-prohibited", 13: "admin-prohibited"}


def syn_scan_cases():
    cases = [
        (syn_ack(), "open syn-ack 198.19.1.2 443"),
        (syn_ack(port=22, flags="RA"), "closed reset 198.19.1.2 22"),
        (syn_ack(l2=eth() / Dot1Q(vlan=7)), "open syn-ack 198.19.1.2 443"),
        (syn_ack(l2=eth() / Dot1AD(vlan=5) / Dot1Q(vlan=7)), "open syn-ack 198.19.1.2 443"),
        (syn_ack(options=[IPOption_Router_Alert(), IPOption_NOP()] * 3),
         "open syn-ack 198.19.1.2 443"),
        (syn_ack(ack_delta=2), "drop bad-cookie"),
        (syn_ack(dport_delta=1), "drop wrong-port"),
        (syn_ack(chksum=0x1234), "drop bad-ip-checksum"),
        (syn_ack(dst="198.18.0.2"), "drop not-to-us"),
        (syn_ack(flags="A"), "drop tcp-flags"),
        (udp_reply(), "open udp-response 198.19.1.2 53"),
        (udp_reply(chksum=0), "open udp-response 198.19.1.2 53"),
        (udp_reply(chksum=0xBEEF), "drop bad-l4-checksum"),
        (udp_reply(dport_delta=3), "drop wrong-port"),
        (echo_reply(), "up echo-reply 198.19.1.2 0"),
        (echo_reply(id_delta=1), "drop bad-cookie"),
        (unreach(443, 6, 13, seq_delta=1), "drop bad-cookie"),
        (unreach(443, 6, 3, itype=11), "drop time-exceeded"),
        (unreach(443, 6, 3, quote=24), "drop icmp-inner"),
        (unreach(0, 1, 1), "drop echo-unreachable"),
        (unreach(443, 6, 13, quote=200), "filtered admin-prohibited 198.19.1.2 443"),
    ]
    bad_tcp = syn_ack()
    bad_tcp[TCP].chksum = 0x4321
    cases.append((bad_tcp, "drop bad-l4-checksum"))
    for code in (0, 1, 2, 3, 4, 9, 10, 13):
        want = f"filtered {UNREACH_REASON[code]} 198.19.1.2 443" if code in UNREACH_REASON \
            else "drop icmp-code"
        cases.append((unreach(443, 6, code), want))
        if code in UNREACH_REASON:
            state = "closed" if code == 3 else "filtered"
            want = f"{state} {UNREACH_REASON[code]} 198.19.1.2 161"
        cases.append((unreach(161, 17, code, frm=TARGET), want))
    # An IP-fragmented UDP reply: every fragment dropped, none reported.
    big = udp_reply(payload=bytes(200))
    for frag in fragment(big[IP], fragsize=64):
        cases.append((eth() / frag, "drop fragment"))
    return cases


def ack_scan_cases():
    c = cookie(US, TARGET, 8080, 6)
    rst = eth() / IP(src=TARGET, dst=US) / TCP(sport=8080, dport=source_port(c), flags="R",
                                               seq=c & M32)
    wrong = rst.copy()
    wrong[TCP].seq = (c + 7) & M32
    return [
        (rst, "unfiltered reset 198.19.1.2 8080"),
        (wrong, "drop bad-cookie"),
        (unreach(8080, 6, 13, kind="ack"), "filtered admin-prohibited 198.19.1.2 8080"),
        (unreach(8080, 6, 10, kind="ack", quote=40), "filtered host-prohibited 198.19.1.2 8080"),
    ]


def run_cases(tool, workdir, name, cases, mode):
    path = os.path.join(workdir, f"scapy-{name}.pcap")
    pkts = []
    for p, _ in cases:
        p = Ether(raw(p))  # freeze the computed checksums
        p.time = SEND_NS / 1e9 + 0.002
        pkts.append(p)
    wrpcap(path, pkts)
    out = subprocess.run([tool, "classify", path, mode], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    check(len(out) == len(cases), f"{name}: one line per frame ({len(out)} vs {len(cases)})")
    for i, ((_, want), got) in enumerate(zip(cases, out)):
        check(got.startswith(want), f"{name} case {i}: want '{want}', got '{got}'")
        if got.startswith("up echo-reply"):
            rtt = int(got.split("rtt=")[1])
            check(abs(rtt - 2000000) <= 1000, f"echo RTT {rtt} ns is ~2 ms")
    return len(cases)


def main():
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="orbit-replies-") as workdir:
        crafted = check_crafted(tool, workdir)
        n = run_cases(tool, workdir, "syn", syn_scan_cases(), "syn")
        n += run_cases(tool, workdir, "ack", ack_scan_cases(), "ack")
    print(f"replies_scapy: {crafted} crafted frames re-dissected, {n} scapy replies "
          f"classified, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
