/* Reply classification: the link/IPv4 peel, the check of an ICMP error's quote, and the
 * dispatch to the probe kind whose reply (or quoted probe) it is; what a reply means is
 * the kind's (core/probe/<kind>.c). Each step returns RX_OK or the one drop cause it
 * found, so the caller counts exactly one cause. Cheap rejections (length, address,
 * fragment) come before checksums, checksums before the cookie (a SipHash is the
 * costliest step), the cookie before anything is reported. */
#include "core/probe/reply.h"

#include "core/probe/arp.h"
#include "core/probe/reply_internal.h"

#define MAX_VLAN_TAGS 2

/* A big-endian 16-bit field loaded as it lies in memory, and a constant in that form. */
#define MEMORY_BE16(v) ((uint16_t)(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? \
				     __builtin_bswap16(v) : (v)))
static inline uint16_t memory_be16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* The link layer: Ethernet with up to two 802.1Q/802.1ad tags. *off_out: where the payload
 * starts; *type_out: its ethertype as it lies in memory (compare with MEMORY_BE16()).
 * Inline: find_ipv4's code is what it always was. */
static inline __attribute__((always_inline)) enum rx_drop
peel_ethernet(const uint8_t *frame, size_t len, size_t *off_out, uint16_t *type_out)
{
	if (len < PKT_ETH_HLEN)
		return RX_DROP_TRUNCATED;
	/* Ethertypes compared as they lie in memory: no byte swap on the way. */
	uint16_t type = memory_be16(frame + 12);
	size_t off = PKT_ETH_HLEN;
	for (int tags = 0; tags < MAX_VLAN_TAGS && (type == MEMORY_BE16(PKT_ETHERTYPE_VLAN) ||
						    type == MEMORY_BE16(PKT_ETHERTYPE_QINQ));
	     tags++) {
		if (len < off + PKT_VLAN_HLEN)
			return RX_DROP_TRUNCATED;
		type = memory_be16(frame + off + 2);
		off += PKT_VLAN_HLEN;
	}
	*off_out = off;
	*type_out = type;
	return RX_OK;
}

/* Finds the IPv4 datagram inside the frame: Ethernet (peel_ethernet) or raw IP. */
static enum rx_drop find_ipv4(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
			      size_t *ip_off)
{
	if (ctx->link == REPLY_LINK_RAW_IPV4) {
		*ip_off = 0;
		return RX_OK;
	}
	uint16_t type;
	enum rx_drop why = peel_ethernet(frame, len, ip_off, &type);
	if (why != RX_OK)
		return why;
	return type == MEMORY_BE16(PKT_ETHERTYPE_IPV4) ? RX_OK : RX_DROP_NOT_IPV4;
}

int reply_find_ipv4(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
		    size_t *ip_off)
{
	return find_ipv4(ctx, frame, len, ip_off) == RX_OK ? 0 : -1;
}

/* The ethertype dispatch's other branch: a frame that is not IPv4 is an ARP reply for a
 * context that accepts ARP (the scan's sweep), else not-ipv4. Off the IPv4 path. */
static __attribute__((noinline, cold)) enum rx_drop
classify_not_ipv4(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
		  uint64_t rx_ns, struct scan_result *out)
{
	size_t off;
	uint16_t type;
	if (ctx->link != REPLY_LINK_ETHERNET || peel_ethernet(frame, len, &off, &type) != RX_OK ||
	    type != MEMORY_BE16(PKT_ETHERTYPE_ARP))
		return RX_DROP_NOT_IPV4;
	return arp_classify_frame(ctx, frame + off, len - off, rx_ns, out);
}

static enum rx_drop parse_ipv4(const struct classify_ctx *ctx, const uint8_t *p, size_t avail,
			       struct reply_ipv4 *ip)
{
	if (avail < PKT_IPV4_HLEN)
		return RX_DROP_TRUNCATED;
	if (p[0] >> 4 != 4)
		return RX_DROP_NOT_IPV4;
	unsigned hlen = (p[0] & 0x0fu) * 4;
	uint16_t total = pkt_be16(p + 2);
	if (hlen < PKT_IPV4_HLEN || total < hlen)
		return RX_DROP_BAD_IP_HEADER;
	if (total > avail) /* bytes beyond total are link padding */
		return RX_DROP_TRUNCATED;
	ip->dst = pkt_be32(p + 16);
	if (!reply_is_our_addr(ctx, ip->dst))
		return RX_DROP_NOT_TO_US;
	if (pkt_be16(p + 6) & PKT_IPV4_FRAG_MASK)
		return RX_DROP_FRAGMENT;
	if (!csum_valid(csum_sum(p, hlen, 0))) /* NICs vouch for L4 sums only */
		return RX_DROP_BAD_IP_CHECKSUM;
	ip->hdr = p;
	ip->l4 = p + hlen;
	ip->src = pkt_be32(p + 12);
	ip->total_len = total;
	ip->l4_len = (uint16_t)(total - hlen);
	ip->ip_id = pkt_be16(p + 4);
	ip->ttl = p[8];
	ip->proto = p[9];
	return RX_OK;
}

/* The kind that answers for ip_proto in this scan, called directly: the registry's entries
 * are constants, so this compiles to a compare or two per kind, no indirect call. The ARP
 * kind answers no IP datagram (its replies come through classify_not_ipv4): left out at
 * compile time, here and below. */
static inline enum rx_drop dispatch_reply(const struct classify_ctx *ctx, uint8_t ip_proto,
					  const struct reply_ipv4 *ip, struct scan_result *out)
{
#define DISPATCH_REPLY(name, kind_proto, kind_tcp)                                   \
	if (kind_proto != RESULT_PROTO_ARP &&                                        \
	    probe_kind_matches(kind_proto, kind_tcp, ip_proto, ctx->tcp_probe))      \
		return name##_classify(ctx, ip, out);
	PROBE_KIND_LIST(DISPATCH_REPLY)
#undef DISPATCH_REPLY
	return RX_DROP_OTHER_PROTOCOL;
}

static inline enum rx_drop dispatch_error(const struct classify_ctx *ctx,
					  const struct reply_ipv4 *ip, const struct reply_quote *q,
					  struct scan_result *out)
{
#define DISPATCH_ERROR(name, kind_proto, kind_tcp)                                   \
	if (kind_proto != RESULT_PROTO_ARP &&                                        \
	    probe_kind_matches(kind_proto, kind_tcp, q->proto, ctx->tcp_probe))      \
		return name##_classify_error(ctx, ip, q, out);
	PROBE_KIND_LIST(DISPATCH_ERROR)
#undef DISPATCH_ERROR
	return RX_DROP_OTHER_PROTOCOL;
}

/* RFC 792/1812: an ICMP error quotes our probe's IP header and at least its first 8
 * transport bytes: enough for ports, the TCP seq, the ICMP id/seq. The kind of the quoted
 * probe checks its cookie and names the state. */
static enum rx_drop classify_icmp_error(const struct classify_ctx *ctx,
					const struct reply_ipv4 *ip, struct scan_result *out)
{
	const uint8_t *q = ip->l4 + PKT_ICMP_HLEN;
	size_t qlen = ip->l4_len - PKT_ICMP_HLEN;
	if (qlen < PKT_IPV4_HLEN || q[0] >> 4 != 4)
		return RX_DROP_ICMP_INNER;
	size_t ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < PKT_IPV4_HLEN || qlen < ihl + PKT_ICMP_QUOTED_L4)
		return RX_DROP_ICMP_INNER;
	if (pkt_be16(q + 6) & PKT_IPV4_OFFSET_MASK) /* no transport header to check */
		return RX_DROP_ICMP_INNER;
	struct reply_quote quote = {
		.hint = ip->hint,
		.l4 = q + ihl,
		.l4_len = qlen - ihl,
		.us = pkt_be32(q + 12),
		.target = pkt_be32(q + 16),
		.proto = q[9],
		.type = ip->l4[0],
		.code = ip->l4[1],
	};
	if (!reply_is_our_addr(ctx, quote.us))
		return RX_DROP_NOT_TO_US;
	return dispatch_error(ctx, ip, &quote, out);
}

/* ICMP: header and checksum here; errors through their quote, the rest (echo replies)
 * to the ICMP kind. */
static enum rx_drop classify_icmp(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				  struct scan_result *out)
{
	if (ip->l4_len < PKT_ICMP_HLEN)
		return RX_DROP_BAD_L4_HEADER;
	if (ip->l4_csum < CSUM_RX_VALID && !csum_valid(csum_sum(ip->l4, ip->l4_len, 0)))
		return RX_DROP_BAD_L4_CHECKSUM;
	uint8_t type = ip->l4[0];
	if (type == PKT_ICMP_UNREACH || type == PKT_ICMP_TIME_EXCEEDED)
		return classify_icmp_error(ctx, ip, out);
	return dispatch_reply(ctx, PKT_IPPROTO_ICMP, ip, out);
}

/* The outer protocol's kind, in registry order (TCP first: most replies); an ICMP message
 * passes classify_icmp's header, checksum and error checks before its kind sees it. */
static inline enum rx_drop dispatch_frame(const struct classify_ctx *ctx,
					  const struct reply_ipv4 *ip, struct scan_result *out)
{
#define DISPATCH_FRAME(name, kind_proto, kind_tcp)                                   \
	if (kind_proto != RESULT_PROTO_ARP &&                                        \
	    probe_kind_matches(kind_proto, kind_tcp, ip->proto, ctx->tcp_probe))     \
		return kind_proto == PKT_IPPROTO_ICMP ? classify_icmp(ctx, ip, out)  \
						      : name##_classify(ctx, ip, out);
	PROBE_KIND_LIST(DISPATCH_FRAME)
#undef DISPATCH_FRAME
	return RX_DROP_OTHER_PROTOCOL;
}

/* Inlined into the two entry points below with l4_csum a constant, so neither tests it. */
static inline enum rx_drop classify_frame(const struct classify_ctx *ctx, const uint8_t *frame,
					  size_t len, enum csum_rx l4_csum, uint64_t rx_ns,
					  struct scan_result *out, uint64_t *notes,
					  const struct reply_cookie_hint *hint)
{
	size_t ip_off;
	enum rx_drop why = find_ipv4(ctx, frame, len, &ip_off);
	if (why != RX_OK)
		return why == RX_DROP_NOT_IPV4 && ctx->accept_arp
			       ? classify_not_ipv4(ctx, frame, len, rx_ns, out)
			       : why;
	struct reply_ipv4 ip;
	ip.hint = hint;
	ip.rx_ns = rx_ns;
	ip.notes = notes;
	ip.l4_csum = l4_csum;
	why = parse_ipv4(ctx, frame + ip_off, len - ip_off, &ip);
	if (why != RX_OK)
		return why;
	return dispatch_frame(ctx, &ip, out);
}

static inline int count_outcome(enum rx_drop why, struct rx_counters *cnt)
{
	if (why != RX_OK) {
		cnt->drops[why]++;
		return 0;
	}
	cnt->results++;
	return 1;
}

/* flatten: the kinds' classifiers are in this unit (meson.build) and inlined here. */
__attribute__((flatten)) int reply_classify_l4_verify(const struct classify_ctx *ctx,
						      const uint8_t *frame, size_t len,
						      uint64_t rx_ns, struct scan_result *out,
						      struct rx_counters *cnt)
{
	cnt->frames++;
	return count_outcome(
		classify_frame(ctx, frame, len, CSUM_RX_UNKNOWN, rx_ns, out, cnt->notes, NULL), cnt);
}

__attribute__((flatten)) int reply_classify_l4_trusted(const struct classify_ctx *ctx,
						       const uint8_t *frame, size_t len,
						       uint64_t rx_ns, struct scan_result *out,
						       struct rx_counters *cnt)
{
	cnt->frames++;
	return count_outcome(
		classify_frame(ctx, frame, len, CSUM_RX_VALID, rx_ns, out, cnt->notes, NULL), cnt);
}

/* ---- bursts: the cookies first, in one SIMD batch ---------------------------------------
 * Where a reply of ours carries the tuple its probe's cookie was computed from: a TCP/UDP
 * reply (us = destination, them = source, their source port), an echo reply (port 0), an
 * ICMP error through the probe it quotes. Nothing here is validated (classify does that);
 * a frame not to our first address, or too short to hold the tuple, gets no hint. */
static bool cookie_tuple(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
			 struct reply_cookie_hint *h)
{
	size_t off = 0;
	uint16_t type = MEMORY_BE16(PKT_ETHERTYPE_IPV4);
	if (ctx->link != REPLY_LINK_RAW_IPV4 && peel_ethernet(frame, len, &off, &type) != RX_OK)
		return false;
	if (type != MEMORY_BE16(PKT_ETHERTYPE_IPV4) || len < off + PKT_IPV4_HLEN)
		return false;
	const uint8_t *ip = frame + off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, l4 = off + ihl;
	h->us = pkt_be32(ip + 16);
	if (h->us != ctx->our_addrs[0] || len < l4 + 4)
		return false;
	h->them = pkt_be32(ip + 12);
	h->proto = ip[9];
	if (h->proto == PKT_IPPROTO_TCP || h->proto == PKT_IPPROTO_UDP) {
		h->port = pkt_be16(frame + l4);
		return true;
	}
	if (h->proto != PKT_IPPROTO_ICMP)
		return false;
	uint8_t icmp_type = frame[l4];
	if (icmp_type != PKT_ICMP_UNREACH && icmp_type != PKT_ICMP_TIME_EXCEEDED) {
		h->port = 0;
		return true;
	}
	const uint8_t *q = frame + l4 + PKT_ICMP_HLEN;
	size_t qoff = l4 + PKT_ICMP_HLEN;
	if (len < qoff + PKT_IPV4_HLEN)
		return false;
	size_t qihl = (size_t)(q[0] & 0x0f) * 4;
	if (len < qoff + qihl + PKT_ICMP_QUOTED_L4 || pkt_be32(q + 12) != h->us)
		return false;
	h->them = pkt_be32(q + 16);
	h->proto = q[9];
	h->port = h->proto == PKT_IPPROTO_ICMP ? 0 : pkt_be16(q + qihl + 2);
	return true;
}

static void cookie_hints(const struct classify_ctx *ctx, const struct reply_frame *f,
			 unsigned n, struct reply_cookie_hint *hints,
			 const struct reply_cookie_hint **use)
{
	uint32_t them[REPLY_BURST_MAX];
	uint16_t port[REPLY_BURST_MAX];
	uint8_t proto[REPLY_BURST_MAX], which[REPLY_BURST_MAX];
	uint64_t cookies[REPLY_BURST_MAX];
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++) {
		use[i] = NULL;
		if (!cookie_tuple(ctx, f[i].data, f[i].len, &hints[i]))
			continue;
		them[m] = hints[i].them;
		port[m] = hints[i].port;
		proto[m] = hints[i].proto;
		which[m++] = (uint8_t)i;
	}
	if (m == 0)
		return;
	cookie_compute_batch(ctx->key, ctx->our_addrs[0], them, port, proto, m, cookies);
	for (unsigned j = 0; j < m; j++) {
		hints[which[j]].cookie = cookies[j];
		use[which[j]] = &hints[which[j]];
	}
}

__attribute__((flatten)) unsigned reply_classify_burst(const struct classify_ctx *ctx,
						       const struct reply_frame *frames, unsigned n,
						       struct scan_result *out, uint8_t *ok,
						       struct rx_counters *cnt)
{
	struct reply_cookie_hint hints[REPLY_BURST_MAX];
	const struct reply_cookie_hint *use[REPLY_BURST_MAX];
	if (n > REPLY_BURST_MAX)
		n = REPLY_BURST_MAX;
	cookie_hints(ctx, frames, n, hints, use);
	unsigned results = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct reply_frame *f = &frames[i];
		enum rx_drop why;
		cnt->frames++;
		if (f->l4_csum >= CSUM_RX_VALID) {
			why = classify_frame(ctx, f->data, f->len, CSUM_RX_VALID, f->rx_ns, &out[i],
					     cnt->notes, use[i]);
		} else {
			if (f->l4_csum != CSUM_RX_UNKNOWN)
				cnt->notes[RX_NOTE_L4_CSUM_NIC_BAD]++;
			why = classify_frame(ctx, f->data, f->len, CSUM_RX_UNKNOWN, f->rx_ns,
					     &out[i], cnt->notes, use[i]);
		}
		ok[i] = (uint8_t)count_outcome(why, cnt);
		results += ok[i];
	}
	return results;
}

/* The second pass's verdict on a datagram the first refused, when it is one of these: a
 * TCP reply to a ping of the other kind, an ICMP timestamp reply, an ICMP error quoting a
 * timestamp request. false: none of them. *first: the cause the first pass counted
 * (recomputed: this path is rare); *why: the real outcome (RX_OK or a cause). */
static bool classify_discovery_ip(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				  struct scan_result *out, enum rx_drop *first, enum rx_drop *why)
{
	if (ip->proto == PKT_IPPROTO_TCP) {
		bool scan_is_syn = ctx->tcp_probe == TCP_PROBE_SYN;
		struct scan_result unused;
		*first = scan_is_syn ? tcp_syn_classify(ctx, ip, &unused)
				     : tcp_ack_classify(ctx, ip, &unused);
		if (*first == RX_OK || (scan_is_syn ? tcp_ack_classify(ctx, ip, out)
						    : tcp_syn_classify(ctx, ip, out)) != RX_OK)
			return false;
		out->proto = scan_is_syn ? RESULT_PROTO_PING_ACK : RESULT_PROTO_PING_SYN;
		out->state = HOST_UP;
		*why = RX_OK;
		return true;
	}
	/* ICMP: the first pass checked the header and checksum before icmp_echo refused it. */
	if (ip->proto != PKT_IPPROTO_ICMP || ip->l4_len < PKT_ICMP_HLEN ||
	    (ip->l4_csum < CSUM_RX_VALID && !csum_valid(csum_sum(ip->l4, ip->l4_len, 0))))
		return false;
	uint8_t type = ip->l4[0];
	if (type == PKT_ICMP_TIMESTAMP_REPLY) {
		*first = RX_DROP_ICMP_TYPE; /* icmp_echo's verdict */
		*why = icmp_timestamp_classify(ctx, ip, out);
		return true;
	}
	if (type != PKT_ICMP_UNREACH && type != PKT_ICMP_TIME_EXCEEDED)
		return false;
	/* An error quoting a timestamp request: the first pass's icmp_echo called it
	 * icmp-inner; its own kind checks the quoted cookie. */
	const uint8_t *q = ip->l4 + PKT_ICMP_HLEN;
	size_t qlen = ip->l4_len - PKT_ICMP_HLEN;
	if (qlen < PKT_IPV4_HLEN || q[0] >> 4 != 4 || q[9] != PKT_IPPROTO_ICMP)
		return false;
	size_t ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < PKT_IPV4_HLEN || qlen < ihl + PKT_ICMP_QUOTED_L4 ||
	    q[ihl] != PKT_ICMP_TIMESTAMP_REQUEST || (pkt_be16(q + 6) & PKT_IPV4_OFFSET_MASK) ||
	    !reply_is_our_addr(ctx, pkt_be32(q + 12)))
		return false;
	struct reply_quote quote = {
		.l4 = q + ihl, .l4_len = qlen - ihl, .us = pkt_be32(q + 12),
		.target = pkt_be32(q + 16), .proto = q[9], .type = type, .code = ip->l4[1],
	};
	*first = RX_DROP_ICMP_INNER;
	*why = icmp_timestamp_classify_error(ctx, ip, &quote, out);
	return true;
}

int reply_classify_discovery(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
			     enum csum_rx l4_csum, uint64_t rx_ns, struct scan_result *out,
			     struct rx_counters *cnt)
{
	size_t ip_off;
	struct reply_ipv4 ip;
	uint64_t notes[RX_NOTE_COUNT] = {0}; /* counted by the first pass already */
	if (!ctx->discovery || find_ipv4(ctx, frame, len, &ip_off) != RX_OK)
		return 0;
	ip.hint = NULL; /* no burst here: each cookie is computed where it is needed */
	ip.rx_ns = rx_ns;
	ip.notes = notes;
	ip.l4_csum = l4_csum >= CSUM_RX_VALID ? CSUM_RX_VALID : CSUM_RX_UNKNOWN;
	if (parse_ipv4(ctx, frame + ip_off, len - ip_off, &ip) != RX_OK)
		return 0;
	enum rx_drop first = RX_OK, why = RX_OK;
	if (!classify_discovery_ip(ctx, &ip, out, &first, &why) || first == RX_OK ||
	    cnt->drops[first] == 0)
		return 0;
	cnt->drops[first]--; /* the frame is recounted under its real outcome */
	return count_outcome(why, cnt);
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

const char *rx_note_name(enum rx_note n)
{
	static const char *const names[RX_NOTE_COUNT] = {
		[RX_NOTE_L4_CSUM_OFFLOADED] = "l4-checksum-offloaded",
		[RX_NOTE_L4_CSUM_NIC_BAD] = "l4-checksum-nic-bad",
	};
	return (unsigned)n < RX_NOTE_COUNT ? names[n] : "unknown";
}

