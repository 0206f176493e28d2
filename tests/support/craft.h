/* Crafting reply frames for tests, the fuzz seed corpus and benchmarks: byte buffers
 * only, nothing is ever sent. Checksums come from core/checksum.h's plain RFC 1071 loop,
 * independent of the classifier's own summing.
 * craft_frame() lays out one frame from a struct craft; the craft_*() fillers below set
 * one up as the reply a target (or router) would send to our probe under a given key. */
#ifndef ORBIT_TESTS_SUPPORT_CRAFT_H
#define ORBIT_TESTS_SUPPORT_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/cookie.h"
#include "core/probe/reply.h"

#define CRAFT_MAX_PAYLOAD 600
#define CRAFT_MAX_FRAME 1600

struct craft {
	bool raw_ip;          /* no Ethernet header */
	unsigned vlan_tags;   /* 802.1Q tags (the outer one 802.1ad when 2) */
	uint32_t src, dst;    /* host order */
	uint8_t ttl;
	uint16_t ip_id;
	uint16_t frag;            /* flags | fragment offset field */
	uint8_t ip_options_len;   /* multiple of 4: NOPs then EOL */
	uint8_t proto;
	uint16_t sport, dport;    /* TCP / UDP */
	uint32_t seq, ack;
	uint8_t tcp_flags;
	uint16_t window;
	bool tcp_options;         /* Linux SYN-ACK: MSS, SACK-permitted, TS, NOP, WS */
	uint16_t mss;
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* echo; for errors the payload is the quoted datagram */
	uint8_t payload[CRAFT_MAX_PAYLOAD];
	size_t payload_len;
	bool bad_ip_checksum, bad_l4_checksum, udp_no_checksum;
	/* TCP/UDP: the field holds the folded pseudo-header sum only, as a Linux sender with
	 * checksum offload (CHECKSUM_PARTIAL) leaves it for the device to finish. */
	bool l4_checksum_partial;
};

/* The scan the replies answer: key, our address, source-port range. */
struct craft_scan {
	const struct cookie_key *key;
	uint32_t us;
	uint16_t sport_base;
	uint32_t sport_count;
};

/* Returns the frame length, or 0 if it does not fit in cap. */
size_t craft_frame(uint8_t *buf, size_t cap, const struct craft *c);

/* Our probe as sent (raw IPv4): TCP SYN or ACK, UDP (empty payload) or ICMP echo
 * (8-byte send time), with the cookie where core/cookie.h puts it. */
size_t craft_probe(uint8_t *buf, size_t cap, const struct craft_scan *s, uint32_t target,
		   uint16_t tport, uint8_t proto, enum tcp_probe_kind kind, uint64_t send_ns);

/* Replies from target:tport to our probe. flags: TCP_FLAGS_* below. */
void craft_tcp_reply(struct craft *c, const struct craft_scan *s, uint32_t target,
		     uint16_t tport, uint8_t flags);
/* RST answering an ACK probe: seq = the probe's ack. */
void craft_rst_to_ack(struct craft *c, const struct craft_scan *s, uint32_t target,
		      uint16_t tport);
void craft_udp_reply(struct craft *c, const struct craft_scan *s, uint32_t target,
		     uint16_t tport, const uint8_t *payload, size_t len);
void craft_echo_reply(struct craft *c, const struct craft_scan *s, uint32_t target,
		      uint64_t send_ns);
/* ICMP error from `from` quoting our probe to target:tport; quote_len bytes of it
 * (0: the RFC 792 minimum, IP header + 8). */
void craft_icmp_error(struct craft *c, const struct craft_scan *s, uint32_t from,
		      uint32_t target, uint16_t tport, uint8_t probe_proto,
		      enum tcp_probe_kind kind, uint8_t type, uint8_t code, size_t quote_len);

#define CRAFT_FIN 0x01
#define CRAFT_SYN 0x02
#define CRAFT_RST 0x04
#define CRAFT_ACK 0x10

/* 198.18.0.0/15 (RFC 2544 benchmarking) only. */
#define CRAFT_US 0xc6120001u     /* 198.18.0.1 */
#define CRAFT_ROUTER 0xc612c801u /* 198.18.200.1 */
#define CRAFT_TARGET(i) (0xc6130000u | ((uint32_t)(i) & 0xffff)) /* 198.19.x.y */

/* The fixed key of tests, seeds and benchmarks: bytes 00..0f. */
struct cookie_key craft_test_key(void);

#endif
