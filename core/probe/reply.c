/* Reply classification. Layers are peeled in order (link, IPv4, transport); each step
 * returns RX_OK or the one drop cause it found, so the caller counts exactly one cause.
 * Cheap rejections (length, address, fragment) come before checksums, checksums before the
 * cookie (a SipHash is the costliest step), the cookie before anything is reported. */
#include "core/probe/reply.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#define RX_OK RX_DROP_COUNT /* "no drop": never a counter index */

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETH_HEADER_LEN 14
#define VLAN_TAG_LEN 4
#define MAX_VLAN_TAGS 2

#define IPV4_MIN_HEADER 20
#define IPV4_FRAG_MF_OFFSET 0x3fff /* more-fragments flag | fragment offset */
#define IPV4_FRAG_OFFSET 0x1fff
#define TCP_MIN_HEADER 20
#define UDP_HEADER 8
#define ICMP_HEADER 8
#define ICMP_QUOTED_L4 8 /* RFC 792: the quoted datagram's first 64 bits */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_TIMESTAMP 8

/* The parsed outer IPv4 header: all a transport classifier needs. */
struct ipv4_view {
	const uint8_t *hdr;
	const uint8_t *l4;
	uint32_t src, dst;
	uint16_t total_len;
	uint16_t l4_len;
	uint16_t ip_id;
	uint8_t ttl;
	uint8_t proto;
};

static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return ((uint64_t)load_be32(p) << 32) | load_be32(p + 4);
}

/* One's-complement sum in native byte order, 64 bits at a time with end-around carry
 * (add + adc): RFC 1071 sums are byte-order independent, and a valid header sums to 0xffff
 * in either order, so validation never swaps. Several times cheaper than the 16-bit loop
 * of core/checksum.h. */
static inline uint64_t add_carry(uint64_t acc, uint64_t v)
{
	acc += v;
	return acc + (acc < v);
}

static inline uint64_t sum_native(const uint8_t *p, size_t len, uint64_t acc)
{
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		acc = add_carry(acc, v);
	}
	if (len >= 4) {
		uint32_t a;
		memcpy(&a, p, 4);
		acc = add_carry(acc, a);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t a;
		memcpy(&a, p, 2);
		acc = add_carry(acc, a);
		p += 2;
		len -= 2;
	}
	if (len) {
		const uint8_t last[2] = {p[0], 0};
		uint16_t a;
		memcpy(&a, last, 2);
		acc = add_carry(acc, a);
	}
	return acc;
}

/* Folds with end-around carries (2^32 and 2^16 are 1 modulo 0xffff). */
static inline bool sum_is_valid(uint64_t acc)
{
	uint32_t hi32 = (uint32_t)(acc >> 32), s32 = (uint32_t)acc + hi32;
	s32 += s32 < hi32;
	uint16_t hi16 = (uint16_t)(s32 >> 16), s16 = (uint16_t)((uint16_t)s32 + hi16);
	s16 = (uint16_t)(s16 + (s16 < hi16));
	return s16 == 0xffff;
}

/* TCP/UDP pseudo header: addresses straight from the IP header, then 0|proto|length. */
static inline uint64_t pseudo_header_sum(const struct ipv4_view *ip, uint16_t l4_len)
{
	return add_carry(sum_native(ip->hdr + 12, 8, 0),
			 htonl(((uint32_t)ip->proto << 16) | l4_len));
}

static inline bool is_our_addr(const struct classify_ctx *ctx, uint32_t addr)
{
	unsigned n = ctx->n_our_addrs < REPLY_MAX_OUR_ADDRS ? ctx->n_our_addrs
							    : REPLY_MAX_OUR_ADDRS;
	for (unsigned i = 0; i < n; i++)
		if (ctx->our_addrs[i] == addr)
			return true;
	return false;
}

/* Finds the IPv4 datagram inside the frame: Ethernet with up to two 802.1Q/802.1ad tags,
 * or raw IP. */
static enum rx_drop find_ipv4(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
			      size_t *ip_off)
{
	if (ctx->link == REPLY_LINK_RAW_IPV4) {
		*ip_off = 0;
		return RX_OK;
	}
	if (len < ETH_HEADER_LEN)
		return RX_DROP_TRUNCATED;
	uint16_t type = load_be16(frame + 12);
	size_t off = ETH_HEADER_LEN;
	for (int tags = 0; tags < MAX_VLAN_TAGS && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ);
	     tags++) {
		if (len < off + VLAN_TAG_LEN)
			return RX_DROP_TRUNCATED;
		type = load_be16(frame + off + 2);
		off += VLAN_TAG_LEN;
	}
	if (type != ETHERTYPE_IPV4)
		return RX_DROP_NOT_IPV4;
	*ip_off = off;
	return RX_OK;
}

static enum rx_drop parse_ipv4(const struct classify_ctx *ctx, const uint8_t *p, size_t avail,
			       struct ipv4_view *ip)
{
	if (avail < IPV4_MIN_HEADER)
		return RX_DROP_TRUNCATED;
	if (p[0] >> 4 != 4)
		return RX_DROP_NOT_IPV4;
	unsigned hlen = (p[0] & 0x0fu) * 4;
	uint16_t total = load_be16(p + 2);
	if (hlen < IPV4_MIN_HEADER || total < hlen)
		return RX_DROP_BAD_IP_HEADER;
	if (total > avail) /* bytes beyond total are link padding */
		return RX_DROP_TRUNCATED;
	ip->dst = load_be32(p + 16);
	if (!is_our_addr(ctx, ip->dst))
		return RX_DROP_NOT_TO_US;
	if (load_be16(p + 6) & IPV4_FRAG_MF_OFFSET)
		return RX_DROP_FRAGMENT;
	if (!ctx->checksums_verified && !sum_is_valid(sum_native(p, hlen, 0)))
		return RX_DROP_BAD_IP_CHECKSUM;
	ip->hdr = p;
	ip->l4 = p + hlen;
	ip->src = load_be32(p + 12);
	ip->total_len = total;
	ip->l4_len = (uint16_t)(total - hlen);
	ip->ip_id = load_be16(p + 4);
	ip->ttl = p[8];
	ip->proto = p[9];
	return RX_OK;
}

/* Every field of the result from the outer headers; transport classifiers add the rest. */
static void result_from_ip(const struct ipv4_view *ip, uint64_t rx_ns, struct scan_result *out)
{
	*out = (struct scan_result){
		.addr = ip->src,
		.responder = ip->src,
		.proto = ip->proto,
		.ttl = ip->ttl,
		.ip_id = ip->ip_id,
		.reply_len = ip->total_len,
		.timestamp_ns = rx_ns,
		.rtt_ns = -1,
	};
}

/* Options are informational: a malformed list ends the walk, it does not drop the reply
 * (the cookie already proved it ours). Returns the timestamp echo reply, 0 if none. */
static uint32_t parse_tcp_options(const uint8_t *p, size_t n, struct scan_result *out)
{
	/* Linux's SYN-ACK layout -- MSS, SACK-permitted, timestamps, NOP, window scale -- is
	 * most of the Internet's: read it at fixed offsets; anything else walks the list. */
	if (n == 20 && load_be16(p) == 0x0204 && load_be32(p + 4) == 0x0402080a &&
	    (load_be32(p + 16) & 0xffffff00u) == 0x01030300u) {
		out->tcp_opts = TCPOPT_HAS_MSS | TCPOPT_HAS_SACK_OK | TCPOPT_HAS_TIMESTAMP |
				TCPOPT_HAS_WSCALE;
		out->tcp_mss = load_be16(p + 2);
		out->tcp_tsval = load_be32(p + 8);
		out->tcp_wscale = p[19];
		return load_be32(p + 12);
	}
	uint32_t tsecr = 0;
	while (n > 0) {
		uint8_t kind = p[0];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			p++;
			n--;
			continue;
		}
		if (n < 2 || p[1] < 2 || p[1] > n)
			break;
		uint8_t olen = p[1];
		if (kind == TCPOPT_MSS && olen == 4) {
			out->tcp_opts |= TCPOPT_HAS_MSS;
			out->tcp_mss = load_be16(p + 2);
		} else if (kind == TCPOPT_WSCALE && olen == 3) {
			out->tcp_opts |= TCPOPT_HAS_WSCALE;
			out->tcp_wscale = p[2];
		} else if (kind == TCPOPT_SACK_OK && olen == 2) {
			out->tcp_opts |= TCPOPT_HAS_SACK_OK;
		} else if (kind == TCPOPT_TIMESTAMP && olen == 10) {
			out->tcp_opts |= TCPOPT_HAS_TIMESTAMP;
			out->tcp_tsval = load_be32(p + 2);
			tsecr = load_be32(p + 6);
		}
		p += olen;
		n -= olen;
	}
	return tsecr;
}

/* Our SYN carried TSval = send time in microseconds; the SYN-ACK echoes it as TSecr. An
 * echo "from the future" (> 2^31 us away) is not a measurement. */
static int64_t rtt_from_tsecr(uint64_t rx_ns, uint32_t tsecr)
{
	if (tsecr == 0)
		return -1;
	uint32_t elapsed_us = (uint32_t)(rx_ns / 1000) - tsecr; /* constant: a multiply */
	if (elapsed_us > INT32_MAX)
		return -1;
	return (int64_t)elapsed_us * 1000;
}

static enum rx_drop classify_tcp(const struct classify_ctx *ctx, const struct ipv4_view *ip,
				 uint64_t rx_ns, struct scan_result *out)
{
	const uint8_t *t = ip->l4;
	size_t n = ip->l4_len;
	if (n < TCP_MIN_HEADER)
		return RX_DROP_BAD_L4_HEADER;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < TCP_MIN_HEADER || doff > n)
		return RX_DROP_BAD_L4_HEADER;
	if (!ctx->checksums_verified &&
	    !sum_is_valid(sum_native(t, n, pseudo_header_sum(ip, (uint16_t)n))))
		return RX_DROP_BAD_L4_CHECKSUM;

	uint16_t sport = load_be16(t), dport = load_be16(t + 2);
	uint64_t c = cookie_compute(ctx->key, ip->dst, ip->src, sport, IPPROTO_TCP);
	if (dport != cookie_source_port(c, ctx->sport_base, ctx->sport_count))
		return RX_DROP_WRONG_PORT;
	uint8_t flags = t[13];
	enum port_state state;
	enum result_reason reason;
	if (ctx->tcp_probe == TCP_PROBE_SYN) {
		/* SYN-ACK and RST both acknowledge our SYN: ack = seq + 1. */
		if (load_be32(t + 8) != cookie_tcp_seq(c) + 1)
			return RX_DROP_BAD_COOKIE;
		if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == (TCP_SYN | TCP_ACK)) {
			state = PORT_OPEN;
			reason = REASON_SYN_ACK;
		} else if ((flags & (TCP_SYN | TCP_RST)) == TCP_RST) {
			state = PORT_CLOSED;
			reason = REASON_RESET;
		} else {
			return RX_DROP_TCP_FLAGS;
		}
	} else {
		/* RFC 793: a RST to an ACK takes its seq from the ACK's ack field. */
		if (load_be32(t + 4) != cookie_tcp_seq(c))
			return RX_DROP_BAD_COOKIE;
		if ((flags & (TCP_SYN | TCP_RST)) != TCP_RST)
			return RX_DROP_TCP_FLAGS;
		state = PORT_UNFILTERED;
		reason = REASON_RESET;
	}
	result_from_ip(ip, rx_ns, out);
	out->port = sport;
	out->state = (uint8_t)state;
	out->reason = (uint8_t)reason;
	out->tcp_window = load_be16(t + 14);
	uint32_t tsecr = parse_tcp_options(t + TCP_MIN_HEADER, doff - TCP_MIN_HEADER, out);
	if (state == PORT_OPEN)
		out->rtt_ns = rtt_from_tsecr(rx_ns, tsecr);
	return RX_OK;
}

static enum rx_drop classify_udp(const struct classify_ctx *ctx, const struct ipv4_view *ip,
				 uint64_t rx_ns, struct scan_result *out)
{
	const uint8_t *u = ip->l4;
	if (ip->l4_len < UDP_HEADER)
		return RX_DROP_BAD_L4_HEADER;
	uint16_t ulen = load_be16(u + 4);
	if (ulen < UDP_HEADER || ulen > ip->l4_len)
		return RX_DROP_BAD_L4_HEADER;
	/* Checksum 0: the sender computed none (legal in IPv4). */
	if (!ctx->checksums_verified && load_be16(u + 6) != 0 &&
	    !sum_is_valid(sum_native(u, ulen, pseudo_header_sum(ip, ulen))))
		return RX_DROP_BAD_L4_CHECKSUM;

	uint16_t sport = load_be16(u), dport = load_be16(u + 2);
	uint64_t c = cookie_compute(ctx->key, ip->dst, ip->src, sport, IPPROTO_UDP);
	if (dport != cookie_source_port(c, ctx->sport_base, ctx->sport_count))
		return RX_DROP_WRONG_PORT;
	if (ctx->udp_check &&
	    !ctx->udp_check(ctx->udp_table, sport, u + UDP_HEADER, ulen - UDP_HEADER, c))
		return RX_DROP_UDP_PAYLOAD_ID;
	result_from_ip(ip, rx_ns, out);
	out->port = sport;
	out->state = PORT_OPEN;
	out->reason = REASON_UDP_RESPONSE;
	return RX_OK;
}

static enum rx_drop classify_echo_reply(const struct classify_ctx *ctx,
					const struct ipv4_view *ip, uint64_t rx_ns,
					struct scan_result *out)
{
	const uint8_t *m = ip->l4;
	uint64_t c = cookie_compute(ctx->key, ip->dst, ip->src, 0, IPPROTO_ICMP);
	if (load_be16(m + 4) != cookie_icmp_id(c) || load_be16(m + 6) != cookie_icmp_seq(c))
		return RX_DROP_BAD_COOKIE;
	result_from_ip(ip, rx_ns, out);
	out->state = HOST_UP;
	out->reason = REASON_ECHO_REPLY;
	out->icmp_type = m[0];
	out->icmp_code = m[1];
	/* Our echo payload starts with the send time (ns, big-endian), echoed back. */
	if (ip->l4_len >= ICMP_HEADER + 8) {
		uint64_t sent_ns = load_be64(m + ICMP_HEADER);
		if (sent_ns <= rx_ns && rx_ns - sent_ns <= (uint64_t)INT64_MAX)
			out->rtt_ns = (int64_t)(rx_ns - sent_ns);
	}
	return RX_OK;
}

/* The probe an ICMP error quotes, once its inner header proved it ours. */
struct quoted_probe {
	uint32_t target;
	uint16_t port;
	uint8_t proto;
};

/* RFC 792/1812: an ICMP error quotes our probe's IP header and at least its first 8
 * transport bytes: enough for ports, the TCP seq, the ICMP id/seq. */
static enum rx_drop validate_quoted_probe(const struct classify_ctx *ctx, const uint8_t *q,
					  size_t qlen, struct quoted_probe *probe)
{
	if (qlen < IPV4_MIN_HEADER || q[0] >> 4 != 4)
		return RX_DROP_ICMP_INNER;
	size_t ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HEADER || qlen < ihl + ICMP_QUOTED_L4)
		return RX_DROP_ICMP_INNER;
	if (load_be16(q + 6) & IPV4_FRAG_OFFSET) /* no transport header to check */
		return RX_DROP_ICMP_INNER;
	uint32_t us = load_be32(q + 12), target = load_be32(q + 16);
	if (!is_our_addr(ctx, us))
		return RX_DROP_NOT_TO_US;
	const uint8_t *t = q + ihl;
	size_t tlen = qlen - ihl;
	probe->target = target;
	probe->proto = q[9];
	if (probe->proto == IPPROTO_ICMP) {
		if (t[0] != ICMP_ECHO_REQUEST)
			return RX_DROP_ICMP_INNER;
		uint64_t c = cookie_compute(ctx->key, us, target, 0, IPPROTO_ICMP);
		if (load_be16(t + 4) != cookie_icmp_id(c) || load_be16(t + 6) != cookie_icmp_seq(c))
			return RX_DROP_BAD_COOKIE;
		probe->port = 0;
		return RX_OK;
	}
	if (probe->proto != IPPROTO_TCP && probe->proto != IPPROTO_UDP)
		return RX_DROP_OTHER_PROTOCOL;
	uint16_t our_port = load_be16(t);
	probe->port = load_be16(t + 2);
	uint64_t c = cookie_compute(ctx->key, us, target, probe->port, probe->proto);
	if (our_port != cookie_source_port(c, ctx->sport_base, ctx->sport_count))
		return RX_DROP_WRONG_PORT;
	if (probe->proto == IPPROTO_TCP) {
		if (ctx->tcp_probe == TCP_PROBE_SYN) {
			if (load_be32(t + 4) != cookie_tcp_seq(c))
				return RX_DROP_BAD_COOKIE;
		} else if (tlen >= 12 && load_be32(t + 8) != cookie_tcp_seq(c)) {
			/* An ACK probe's cookie is in its ack field, beyond RFC 792's 8
			 * bytes; most routers quote more, then we check it. */
			return RX_DROP_BAD_COOKIE;
		}
	}
	return RX_OK;
}

static enum result_reason unreach_reason(uint8_t code)
{
	switch (code) {
	case 0: return REASON_NET_UNREACH;
	case 1: return REASON_HOST_UNREACH;
	case 2: return REASON_PROTO_UNREACH;
	case 3: return REASON_PORT_UNREACH;
	case 9: return REASON_NET_PROHIBITED;
	case 10: return REASON_HOST_PROHIBITED;
	case 13: return REASON_ADMIN_PROHIBITED;
	default: return REASON_NONE; /* 4 frag-needed, 5 source-route, 6-8, 11-12, 14-15 */
	}
}

static enum rx_drop classify_icmp_error(const struct classify_ctx *ctx,
					const struct ipv4_view *ip, uint64_t rx_ns,
					struct scan_result *out)
{
	const uint8_t *m = ip->l4;
	struct quoted_probe probe;
	enum rx_drop why = validate_quoted_probe(ctx, m + ICMP_HEADER,
						 ip->l4_len - ICMP_HEADER, &probe);
	if (why != RX_OK)
		return why;
	if (m[0] == ICMP_TIME_EXCEEDED)
		return RX_DROP_TIME_EXCEEDED;
	if (probe.proto == IPPROTO_ICMP)
		return RX_DROP_ECHO_UNREACHABLE;
	enum result_reason reason = unreach_reason(m[1]);
	if (reason == REASON_NONE)
		return RX_DROP_ICMP_CODE;
	result_from_ip(ip, rx_ns, out);
	out->addr = probe.target;
	out->port = probe.port;
	out->proto = probe.proto;
	/* Nmap: port-unreach means closed for UDP; every listed code is "filtered" for TCP. */
	out->state = (uint8_t)(probe.proto == IPPROTO_UDP && reason == REASON_PORT_UNREACH
				       ? PORT_CLOSED
				       : PORT_FILTERED);
	out->reason = (uint8_t)reason;
	out->icmp_type = m[0];
	out->icmp_code = m[1];
	return RX_OK;
}

static enum rx_drop classify_icmp(const struct classify_ctx *ctx, const struct ipv4_view *ip,
				  uint64_t rx_ns, struct scan_result *out)
{
	if (ip->l4_len < ICMP_HEADER)
		return RX_DROP_BAD_L4_HEADER;
	if (!ctx->checksums_verified && !sum_is_valid(sum_native(ip->l4, ip->l4_len, 0)))
		return RX_DROP_BAD_L4_CHECKSUM;
	switch (ip->l4[0]) {
	case ICMP_ECHO_REPLY:
		return classify_echo_reply(ctx, ip, rx_ns, out);
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
		return classify_icmp_error(ctx, ip, rx_ns, out);
	default:
		return RX_DROP_ICMP_TYPE;
	}
}

static enum rx_drop classify_frame(const struct classify_ctx *ctx, const uint8_t *frame,
				   size_t len, uint64_t rx_ns, struct scan_result *out)
{
	size_t ip_off;
	enum rx_drop why = find_ipv4(ctx, frame, len, &ip_off);
	if (why != RX_OK)
		return why;
	struct ipv4_view ip;
	why = parse_ipv4(ctx, frame + ip_off, len - ip_off, &ip);
	if (why != RX_OK)
		return why;
	switch (ip.proto) {
	case IPPROTO_TCP:
		return classify_tcp(ctx, &ip, rx_ns, out);
	case IPPROTO_UDP:
		return classify_udp(ctx, &ip, rx_ns, out);
	case IPPROTO_ICMP:
		return classify_icmp(ctx, &ip, rx_ns, out);
	default:
		return RX_DROP_OTHER_PROTOCOL;
	}
}

int reply_classify(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
		   uint64_t rx_ns, struct scan_result *out, struct rx_counters *cnt)
{
	cnt->frames++;
	enum rx_drop why = classify_frame(ctx, frame, len, rx_ns, out);
	if (why != RX_OK) {
		cnt->drops[why]++;
		return 0;
	}
	cnt->results++;
	return 1;
}

const char *rx_drop_name(enum rx_drop d)
{
	static const char *const names[RX_DROP_COUNT] = {
		[RX_DROP_NOT_IPV4] = "not-ipv4",
		[RX_DROP_TRUNCATED] = "truncated",
		[RX_DROP_BAD_IP_HEADER] = "bad-ip-header",
		[RX_DROP_BAD_IP_CHECKSUM] = "bad-ip-checksum",
		[RX_DROP_NOT_TO_US] = "not-to-us",
		[RX_DROP_FRAGMENT] = "fragment",
		[RX_DROP_OTHER_PROTOCOL] = "other-protocol",
		[RX_DROP_BAD_L4_HEADER] = "bad-l4-header",
		[RX_DROP_BAD_L4_CHECKSUM] = "bad-l4-checksum",
		[RX_DROP_WRONG_PORT] = "wrong-port",
		[RX_DROP_BAD_COOKIE] = "bad-cookie",
		[RX_DROP_UDP_PAYLOAD_ID] = "udp-payload-id",
		[RX_DROP_TCP_FLAGS] = "tcp-flags",
		[RX_DROP_ICMP_TYPE] = "icmp-type",
		[RX_DROP_ICMP_CODE] = "icmp-code",
		[RX_DROP_ICMP_INNER] = "icmp-inner",
		[RX_DROP_TIME_EXCEEDED] = "time-exceeded",
		[RX_DROP_ECHO_UNREACHABLE] = "echo-unreachable",
	};
	return (unsigned)d < RX_DROP_COUNT ? names[d] : "unknown";
}
