/* Wire layouts of the headers orbit sends and parses: Ethernet, 802.1Q, IPv4, TCP, UDP,
 * ICMP, as packed structs whose multi-byte fields are in network byte order, plus the
 * constants that go in them, big-endian loads and stores, and a few helpers to write
 * headers and fill their checksums (summed with core/base/checksum.h, the only family).
 * Contract: structs overlay frame bytes at any alignment (they are packed); read fields
 * with pkt_be16()/pkt_be32() or ntohs/ntohl, never take a member's address. Builders
 * here are for templates and tests (cold path); the per-probe patching lives in
 * core/probe/. Host byte order in every function argument. */
#ifndef ORBIT_CORE_PACKET_H
#define ORBIT_CORE_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/base/checksum.h"

#define PKT_ETH_ALEN 6
#define PKT_ETH_HLEN 14
#define PKT_VLAN_HLEN 4
#define PKT_IPV4_HLEN 20 /* without options */
#define PKT_TCP_HLEN 20  /* without options */
#define PKT_UDP_HLEN 8
#define PKT_ICMP_HLEN 8  /* type, code, checksum and the 4-byte rest (echo id/seq) */
#define PKT_ICMP_QUOTED_L4 8 /* RFC 792: an error quotes the datagram's first 64 bits */

#define PKT_ETHERTYPE_IPV4 0x0800
#define PKT_ETHERTYPE_VLAN 0x8100 /* 802.1Q */
#define PKT_ETHERTYPE_QINQ 0x88a8 /* 802.1ad outer tag */

#define PKT_IPPROTO_ICMP 1
#define PKT_IPPROTO_TCP 6
#define PKT_IPPROTO_UDP 17

#define PKT_IPV4_VERSION_IHL5 0x45
#define PKT_IPV4_DF 0x4000
#define PKT_IPV4_MF 0x2000
#define PKT_IPV4_OFFSET_MASK 0x1fff
#define PKT_IPV4_FRAG_MASK 0x3fff /* MF | offset: set on every fragment */

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20
#define PKT_TCP_ECE 0x40
#define PKT_TCP_CWR 0x80

/* TCP option kinds (RFC 9293, 2018, 7323) and their lengths. */
#define PKT_TCPOPT_EOL 0
#define PKT_TCPOPT_NOP 1
#define PKT_TCPOPT_MSS 2
#define PKT_TCPOPT_WSCALE 3
#define PKT_TCPOPT_SACK_OK 4
#define PKT_TCPOPT_SACK 5
#define PKT_TCPOPT_TIMESTAMP 8
#define PKT_TCPOLEN_MSS 4
#define PKT_TCPOLEN_WSCALE 3
#define PKT_TCPOLEN_SACK_OK 2
#define PKT_TCPOLEN_TIMESTAMP 10
#define PKT_TCP_OPTIONS_MAX 40

#define PKT_ICMP_ECHO_REPLY 0
#define PKT_ICMP_UNREACH 3
#define PKT_ICMP_ECHO_REQUEST 8
#define PKT_ICMP_TIME_EXCEEDED 11
#define PKT_ICMP_TIMESTAMP_REQUEST 13
#define PKT_ICMP_TIMESTAMP_REPLY 14
/* ICMP destination-unreachable codes (RFC 792, 1122, 1812). */
#define PKT_ICMP_UNREACH_NET 0
#define PKT_ICMP_UNREACH_HOST 1
#define PKT_ICMP_UNREACH_PROTO 2
#define PKT_ICMP_UNREACH_PORT 3
#define PKT_ICMP_UNREACH_NET_PROHIB 9
#define PKT_ICMP_UNREACH_HOST_PROHIB 10
#define PKT_ICMP_UNREACH_ADMIN_PROHIB 13

struct __attribute__((packed)) pkt_eth {
	uint8_t dst[PKT_ETH_ALEN];
	uint8_t src[PKT_ETH_ALEN];
	uint16_t type;
};

/* The 4 bytes after an Ethernet header's type 0x8100: tag control, then the inner type. */
struct __attribute__((packed)) pkt_vlan {
	uint16_t tci; /* PCP(3) DEI(1) VID(12) */
	uint16_t type;
};

struct __attribute__((packed)) pkt_ipv4 {
	uint8_t version_ihl; /* version 4 in the high nibble, header length in words low */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag; /* flags (DF, MF) and fragment offset in 8-byte units */
	uint8_t ttl;
	uint8_t proto;
	uint16_t check;
	uint32_t saddr;
	uint32_t daddr;
};

struct __attribute__((packed)) pkt_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t data_off; /* header length in words in the high nibble */
	uint8_t flags;
	uint16_t window;
	uint16_t check;
	uint16_t urgent;
};

struct __attribute__((packed)) pkt_udp {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t check;
};

struct __attribute__((packed)) pkt_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint16_t id;  /* echo; for errors these 4 bytes are unused or next-hop MTU */
	uint16_t seq;
};

_Static_assert(sizeof(struct pkt_eth) == PKT_ETH_HLEN, "ethernet header size");
_Static_assert(sizeof(struct pkt_vlan) == PKT_VLAN_HLEN, "802.1Q tag size");
_Static_assert(sizeof(struct pkt_ipv4) == PKT_IPV4_HLEN, "IPv4 header size");
_Static_assert(sizeof(struct pkt_tcp) == PKT_TCP_HLEN, "TCP header size");
_Static_assert(sizeof(struct pkt_udp) == PKT_UDP_HLEN, "UDP header size");
_Static_assert(sizeof(struct pkt_icmp) == PKT_ICMP_HLEN, "ICMP header size");

/* Unaligned big-endian loads and stores (memcpy compiles to one mov + bswap). */
static inline uint16_t pkt_be16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return __builtin_bswap16(v);
}
static inline uint32_t pkt_be32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}
static inline uint64_t pkt_be64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}
static inline void pkt_put_be16(void *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(p, &v, 2);
}
static inline void pkt_put_be32(void *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}
static inline void pkt_put_be64(void *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

/* Unfolded sum of the TCP/UDP pseudo header (RFC 9293 3.1, RFC 768). */
static inline uint32_t pkt_pseudo_sum(uint32_t saddr, uint32_t daddr, uint8_t proto,
				      uint16_t l4_len)
{
	return (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) + proto +
	       l4_len;
}

/* Writes an Ethernet header, plus an 802.1Q tag when vlan_id is 1..4094 (0: untagged),
 * for an IPv4 payload. Returns the bytes written (14 or 18). */
size_t pkt_write_eth(uint8_t *frame, const uint8_t src[PKT_ETH_ALEN],
		     const uint8_t dst[PKT_ETH_ALEN], uint16_t vlan_id);

/* Writes a 20-byte IPv4 header (DF set, TOS 0) with its checksum. */
void pkt_write_ipv4(uint8_t *ip, uint8_t proto, uint32_t saddr, uint32_t daddr, uint8_t ttl,
		    uint16_t id, uint16_t total_len);

/* Full (non-incremental) checksums, for templates and tests: the value that belongs in
 * the IPv4 header checksum field of the header at ip, and in the TCP/UDP/ICMP checksum
 * field of the segment at l4 (whatever the field holds now is ignored). proto 1 (ICMP)
 * has no pseudo header. A frame is right when the stored field equals the result. */
uint16_t pkt_ipv4_checksum(const uint8_t *ip);
uint16_t pkt_l4_checksum(uint32_t saddr, uint32_t daddr, uint8_t proto, const uint8_t *l4,
			 uint16_t l4_len);

#endif
