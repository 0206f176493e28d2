#!/usr/bin/env python3
"""Independent check of probe frames: dissects a pcap written by test_probe with scapy
and compares every field with what the scan key says it must be.

usage: probe_dissect.py FRAMES.pcap EXPECTATIONS.txt

EXPECTATIONS has one line per frame, in order:
  kind profile vlan ttl saddr daddr dport sport_base sport_count k0 k1 now_ns payload hex
  cookie crafted
(addresses dotted, k0/k1/hex/cookie in hex, payload a built-in name, "user" or "-", hex
"-" unless user bytes). The cookie is recomputed here with a separate SipHash-2-4 and
must equal the one given, unless crafted is 1 (frames built with a chosen cookie, to
reach rare encodings); every id the frame carries is derived from it as core/cookie.h
spends its bits.
Exits 0 when every frame checks out, 1 otherwise (printing each mismatch)."""

import ipaddress
import struct
import sys

from scapy.all import Ether, Dot1Q, IP, TCP, UDP, ICMP, Raw, rdpcap, raw  # noqa: F401
from scapy.layers.dns import DNS
from scapy.layers.isakmp import ISAKMP, ISAKMP_payload_SA
from scapy.layers.netbios import NBNSHeader
from scapy.layers.ntp import NTPHeader
from scapy.layers.snmp import SNMP, SNMPget
from scapy.layers.tftp import TFTP, TFTP_RRQ
from scapy.contrib.coap import CoAP

MASK64 = (1 << 64) - 1
SRC_MAC = "02:00:00:00:00:01"
DST_MAC = "02:00:00:00:00:02"


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK64


def siphash24(k0, k1, data):
    """SipHash-2-4 (Aumasson, Bernstein 2012), written from the paper."""
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & MASK64; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & MASK64; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & MASK64; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & MASK64; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    full = len(data) // 8 * 8
    blocks = [int.from_bytes(data[i:i + 8], "little") for i in range(0, full, 8)]
    last = int.from_bytes(data[full:], "little") | ((len(data) & 0xFF) << 56)
    for m in blocks + [last]:
        v[3] ^= m
        rnd(); rnd()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def cookie(k0, k1, saddr, daddr, dport, proto):
    data = (ipaddress.IPv4Address(saddr).packed + ipaddress.IPv4Address(daddr).packed
            + struct.pack(">HB", dport, proto))
    return siphash24(k0, k1, data)


def source_port(c, base, count):
    return base + ((((c >> 32) & 0xFFFF) * count) >> 16)


def id16(c):
    return (c >> 48) & 0xFFFF


def id31(c):
    return c >> 33


class Checker:
    def __init__(self):
        self.failures = 0
        self.where = ""

    def eq(self, what, got, want):
        if got != want:
            self.failures += 1
            print(f"{self.where}: {what}: got {got!r}, want {want!r}")

    def true(self, what, cond):
        if not cond:
            self.failures += 1
            print(f"{self.where}: {what} failed")


def fresh_checksum(layer):
    """The checksum scapy computes for a copy of the layer with its field cleared."""
    copy = layer.copy()
    copy.chksum = None
    return type(layer)(raw(copy)).chksum


TCP_OPTIONS = {
    "linux": ["MSS", "SAckOK", "Timestamp", "NOP", "WScale"],
    "windows": ["MSS", "NOP", "WScale", "NOP", "NOP", "SAckOK"],
    "mss-only": ["MSS"],
    "none": [],
}


def check_tcp(ck, tcp, exp, c):
    ck.eq("tcp sport", tcp.sport, source_port(c, exp["sport_base"], exp["sport_count"]))
    ck.eq("tcp dport", tcp.dport, exp["dport"])
    ck.eq("tcp checksum", tcp.chksum, fresh_checksum(tcp))
    ck.eq("tcp urgent", tcp.urgptr, 0)
    if exp["kind"] == "tcp-ack":
        ck.eq("tcp flags", str(tcp.flags), "A")
        ck.eq("tcp ack = cookie bits 0..31", tcp.ack, c & 0xFFFFFFFF)
        ck.eq("tcp seq = cookie bits 32..63", tcp.seq, c >> 32)
        ck.eq("tcp options", tcp.options, [])
        return
    ck.eq("tcp flags", str(tcp.flags), "S")
    ck.eq("tcp seq = cookie bits 0..31", tcp.seq, c & 0xFFFFFFFF)
    ck.eq("tcp ack", tcp.ack, 0)
    opts = tcp.options
    ck.eq("tcp option order", [o[0] for o in opts], TCP_OPTIONS[exp["profile"]])
    d = dict(opts)
    if "MSS" in d:
        ck.eq("mss", d["MSS"], 1460)
    if "WScale" in d:
        ck.eq("wscale", d["WScale"], 7 if exp["profile"] == "linux" else 8)
    if "Timestamp" in d:
        ck.eq("tsval = send time in us", d["Timestamp"][0], (exp["now_ns"] // 1000) & 0xFFFFFFFF)
        ck.eq("tsecr", d["Timestamp"][1], 0)
    ck.eq("tcp header length", tcp.dataofs * 4, len(raw(tcp)))


def check_icmp(ck, icmp, exp, c):
    ck.eq("icmp type", icmp.type, 8)
    ck.eq("icmp code", icmp.code, 0)
    ck.eq("icmp id", icmp.id, c & 0xFFFF)
    ck.eq("icmp seq", icmp.seq, (c >> 16) & 0xFFFF)
    ck.eq("icmp checksum", icmp.chksum, fresh_checksum(icmp))
    ck.eq("icmp payload = send time", bytes(icmp.payload), struct.pack(">Q", exp["now_ns"]))


def check_dns_question(ck, dns, c, qname, qtype, qclass):
    ck.eq("dns id", dns.id, id16(c))
    ck.eq("dns qr", dns.qr, 0)
    ck.eq("dns qdcount", dns.qdcount, 1)
    q = dns.qd
    ck.eq("dns qname", q.qname, qname)
    ck.eq("dns qtype", q.qtype, qtype)
    ck.eq("dns qclass", q.qclass, qclass)


def check_snmp(ck, data, c, version):
    snmp = SNMP(data)
    ck.eq("snmp length", len(raw(snmp)), len(data))
    ck.eq("snmp version", snmp.version.val, version)
    ck.eq("snmp community", snmp.community.val, b"public")
    ck.true("snmp GetRequest", isinstance(snmp.PDU, SNMPget))
    ck.eq("snmp request-id", snmp.PDU.id.val, id31(c))
    ck.eq("snmp oid", snmp.PDU.varbindlist[0].oid.val, "1.3.6.1.2.1.1.1.0")


def check_udp_payload(ck, data, exp, c):
    name = exp["payload"]
    if name == "-":
        ck.eq("empty payload", data, b"")
    elif name == "user":
        ck.eq("user payload", data.hex(), exp["hex"])
    elif name == "dns-version-bind":
        check_dns_question(ck, DNS(data), c, b"version.bind.", 16, 3)
    elif name == "dns-root-ns":
        check_dns_question(ck, DNS(data), c, b".", 2, 1)
    elif name == "mdns-services":
        check_dns_question(ck, DNS(data), c, b"_services._dns-sd._udp.local.", 12, 0x8001)
    elif name in ("ntp-v4", "ntp-v3"):
        ntp = NTPHeader(data)
        ck.eq("ntp length", len(data), 48)
        ck.eq("ntp version", ntp.version, 4 if name == "ntp-v4" else 3)
        ck.eq("ntp mode (client)", ntp.mode, 3)
        ck.eq("ntp transmit timestamp = cookie", data[40:48], struct.pack(">Q", c))
    elif name == "snmp-v2c":
        check_snmp(ck, data, c, 1)
    elif name == "snmp-v1":
        check_snmp(ck, data, c, 0)
    elif name == "nbns-nbstat":
        nb = NBNSHeader(data)
        ck.eq("nbns id", nb.NAME_TRN_ID, id16(c))
        ck.eq("nbns qdcount", nb.QDCOUNT, 1)
        ck.eq("nbns length", len(data), 50)
        q = data[12:]
        ck.eq("nbns name (* encoded)", q[:34], b"\x20CK" + b"A" * 30 + b"\x00")
        ck.eq("nbns type NBSTAT, class IN", q[34:38], b"\x00\x21\x00\x01")
    elif name == "ssdp-msearch":
        text = data.decode("ascii")
        lines = text.split("\r\n")
        ck.eq("ssdp request line", lines[0], "M-SEARCH * HTTP/1.1")
        ck.true("ssdp ends with empty line", text.endswith("\r\n\r\n"))
        headers = {line.split(":", 1)[0].upper(): line.split(":", 1)[1].strip()
                   for line in lines[1:] if line}
        ck.eq("ssdp MAN", headers.get("MAN"), '"ssdp:discover"')
        ck.eq("ssdp ST", headers.get("ST"), "ssdp:all")
        ck.true("ssdp HOST", "HOST" in headers and "MX" in headers)
    elif name == "memcached-version":
        rid, seq, total, reserved = struct.unpack(">HHHH", data[:8])
        ck.eq("memcached frame header", (rid, seq, total, reserved), (id16(c), 0, 1, 0))
        ck.eq("memcached command", data[8:], b"version\r\n")
    elif name == "portmap-dump":
        words = struct.unpack(">10I", data)
        ck.eq("rpc xid", words[0], id31(c))
        ck.eq("rpc call portmap v2 DUMP, auth none", words[1:],
              (0, 2, 100000, 2, 4, 0, 0, 0, 0))
    elif name == "ike-v1-main":
        ike = ISAKMP(data)
        ck.eq("ike initiator spi", ike.init_cookie, struct.pack(">Q", c))
        ck.eq("ike responder spi", ike.resp_cookie, b"\x00" * 8)
        ck.eq("ike exchange (main mode)", ike.exch_type, 2)
        ck.eq("ike version", ike.version, 0x10)
        ck.eq("ike length", ike.length, len(data))
        sa = ike.payload
        ck.true("ike SA payload", isinstance(sa, ISAKMP_payload_SA))
        ck.eq("ike SA length", sa.length, len(data) - 28)
        prop = sa.prop
        ck.eq("ike proposal transforms", prop.trans_nb, 1)
        tr = prop.trans
        ck.eq("ike transform length", tr.length, 36)
        attrs = dict(tr.transforms)
        ck.eq("ike encryption", attrs.get("Encryption"), "AES-CBC")
        ck.eq("ike key length", attrs.get("KeyLength"), 128)
        ck.eq("ike group", attrs.get("GroupDesc"), "2048MODPgr")
    elif name == "coap-well-known-core":
        coap = CoAP(data)
        ck.eq("coap version", coap.ver, 1)
        ck.eq("coap type (CON)", coap.type, 0)
        ck.eq("coap code (GET)", coap.code, 1)
        ck.eq("coap message id", coap.msg_id, id16(c))
        ck.eq("coap token", coap.token, struct.pack(">I", id31(c)))
        paths = [v for k, v in coap.options if k == "Uri-Path"]
        ck.eq("coap uri path", paths, [b".well-known", b"core"])
    elif name == "tftp-rrq":
        t = TFTP(data)
        ck.eq("tftp opcode", t.op, 1)
        rrq = t[TFTP_RRQ]
        ck.eq("tftp filename", rrq.filename, b"orbit.txt")
        ck.eq("tftp mode", rrq.mode, b"octet")
    else:
        ck.true(f"known payload name {name}", False)


def check_frame(ck, data, exp):
    pkt = Ether(data)
    ck.eq("eth src", pkt.src, SRC_MAC)
    ck.eq("eth dst", pkt.dst, DST_MAC)
    if exp["vlan"]:
        ck.true("802.1Q tag", pkt.haslayer(Dot1Q))
        if pkt.haslayer(Dot1Q):
            ck.eq("vlan id", pkt[Dot1Q].vlan, exp["vlan"])
    else:
        ck.eq("ethertype", pkt.type, 0x0800)
    ip = pkt[IP]
    ck.eq("ip version/ihl", (ip.version, ip.ihl), (4, 5))
    ck.eq("ip total length", ip.len, len(raw(ip)))
    ck.eq("frame length", len(data), ip.len + (18 if exp["vlan"] else 14))
    ck.eq("ip flags", str(ip.flags), "DF")
    ck.eq("ip fragment offset", ip.frag, 0)
    ck.eq("ip ttl", ip.ttl, exp["ttl"])
    ck.eq("ip src", ip.src, exp["saddr"])
    ck.eq("ip dst", ip.dst, exp["daddr"])
    ck.eq("ip checksum", ip.chksum, fresh_checksum(ip))
    kind = exp["kind"]
    proto = {"tcp-syn": 6, "tcp-ack": 6, "udp": 17, "icmp-echo": 1}[kind]
    ck.eq("ip proto", ip.proto, proto)
    port = 0 if kind == "icmp-echo" else exp["dport"]
    c = cookie(exp["k0"], exp["k1"], exp["saddr"], exp["daddr"], port, proto)
    if exp["crafted"]:
        c = exp["cookie"]
    else:
        ck.eq("cookie = SipHash(key, saddr, daddr, dport, proto)", exp["cookie"], c)
    ck.eq("ip id = cookie bits 48..63", ip.id, c >> 48)
    if kind.startswith("tcp"):
        check_tcp(ck, ip[TCP], exp, c)
    elif kind == "icmp-echo":
        check_icmp(ck, ip[ICMP], exp, c)
    else:
        udp = ip[UDP]
        ck.eq("udp sport", udp.sport, source_port(c, exp["sport_base"], exp["sport_count"]))
        ck.eq("udp dport", udp.dport, exp["dport"])
        ck.eq("udp length", udp.len, len(raw(udp)))
        ck.eq("udp checksum", udp.chksum, fresh_checksum(udp))
        check_udp_payload(ck, raw(udp)[8:], exp, c)


FIELDS = ["kind", "profile", "vlan", "ttl", "saddr", "daddr", "dport", "sport_base",
          "sport_count", "k0", "k1", "now_ns", "payload", "hex", "cookie", "crafted"]


def parse_expectation(line):
    exp = dict(zip(FIELDS, line.split()))
    for f in ("vlan", "ttl", "dport", "sport_base", "sport_count", "now_ns", "crafted"):
        exp[f] = int(exp[f])
    exp["k0"] = int(exp["k0"], 16)
    exp["k1"] = int(exp["k1"], 16)
    exp["cookie"] = int(exp["cookie"], 16)
    return exp


def main():
    frames = rdpcap(sys.argv[1])
    with open(sys.argv[2]) as f:
        exps = [parse_expectation(line) for line in f if line.strip()]
    ck = Checker()
    ck.where = "pcap"
    ck.eq("frame count", len(frames), len(exps))
    kinds = set()
    for i, (frame, exp) in enumerate(zip(frames, exps)):
        ck.where = f"frame {i} ({exp['kind']} {exp['profile']} {exp['payload']} port {exp['dport']})"
        try:
            check_frame(ck, bytes(frame), exp)
        except Exception as e:  # a dissector that cannot parse the frame is a failure
            ck.true(f"dissects ({type(e).__name__}: {e})", False)
        kinds.add((exp["kind"], exp["profile"], exp["payload"]))
    print(f"probe_dissect: {len(frames)} frames, {len(kinds)} kind/profile/payload "
          f"combinations, {ck.failures} mismatches")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
