/* Shared pieces of reply classification (core/probe/ files only): the views reply.c hands
 * to a kind's classifiers, and the inline checks and result fillers the kinds share.
 * Return convention of every step: RX_OK or the one drop cause found. Everything here is
 * inline: it runs per received frame. */
#ifndef ORBIT_CORE_PROBE_REPLY_INTERNAL_H
#define ORBIT_CORE_PROBE_REPLY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/base/checksum.h"
#include "core/base/packet.h"
#include "core/probe/probe.h"
#include "core/probe/reply.h"

#define RX_OK RX_DROP_COUNT /* "no drop": never a counter index */
#define REPLY_TCP_CSUM_OFF 16 /* checksum field offsets in the transport header */
#define REPLY_UDP_CSUM_OFF 6

/* A cookie computed ahead for a frame of a burst (reply.c, reply_classify_burst), and the
 * tuple it was computed for. */
struct reply_cookie_hint {
	uint64_t cookie;
	uint32_t us, them;
	uint16_t port;
	uint8_t proto;
};

/* The peeled outer IPv4 header: all a kind's classifier needs. */
struct reply_ipv4 {
	const struct reply_cookie_hint *hint; /* NULL outside a burst */
	const uint8_t *hdr;
	const uint8_t *l4;
	uint64_t rx_ns; /* receive time, CLOCK_REALTIME ns */
	uint64_t *notes; /* the caller's rx_counters.notes */
	enum csum_rx l4_csum; /* what the NIC said of the transport checksum */
	uint32_t src, dst;
	uint16_t total_len;
	uint16_t l4_len;
	uint16_t ip_id;
	uint8_t ttl;
	uint8_t proto;
};

/* Our probe as an ICMP error quotes it: its IP header passed reply.c's checks, and at
 * least PKT_ICMP_QUOTED_L4 transport bytes follow. */
struct reply_quote {
	const struct reply_cookie_hint *hint; /* the frame's, as in reply_ipv4 */
	const uint8_t *l4;
	size_t l4_len;
	uint32_t us, target; /* the probe's source (ours) and destination */
	uint8_t proto;       /* the probe's IP protocol */
	uint8_t type, code;  /* of the ICMP error */
};

/* The kinds' classifiers, defined in their files (probe.h documents the contract).
 * Hidden: not interposable under -fPIC, so reply.c can inline them (meson.build). */
#define REPLY_HIDDEN __attribute__((visibility("hidden")))
#define REPLY_KIND_DECLARE(name, kind_proto, kind_tcp)                                      \
	REPLY_HIDDEN enum rx_drop name##_classify(const struct classify_ctx *ctx,           \
						  const struct reply_ipv4 *ip,               \
						  struct scan_result *out);                  \
	REPLY_HIDDEN enum rx_drop name##_classify_error(                                    \
		const struct classify_ctx *ctx, const struct reply_ipv4 *ip,                \
		const struct reply_quote *q, struct scan_result *out);
PROBE_KIND_LIST(REPLY_KIND_DECLARE)
#undef REPLY_KIND_DECLARE
/* arp.c: an ARP frame's payload (after Ethernet and tags), when ctx->accept_arp. Cold
 * and out of line: only the sweep takes it, and inlined into reply.c's flattened path it
 * would cost the IPv4 replies registers. */
REPLY_HIDDEN __attribute__((noinline, cold)) enum rx_drop arp_classify_frame(const struct classify_ctx *ctx, const uint8_t *arp,
					     size_t len, uint64_t rx_ns, struct scan_result *out);

static inline bool reply_is_our_addr(const struct classify_ctx *ctx, uint32_t addr)
{
	unsigned n = ctx->n_our_addrs < REPLY_MAX_OUR_ADDRS ? ctx->n_our_addrs
							    : REPLY_MAX_OUR_ADDRS;
	for (unsigned i = 0; i < n; i++)
		if (ctx->our_addrs[i] == addr)
			return true;
	return false;
}

/* A TCP/UDP segment of l4_len bytes whose checksum field is at l4 + field_off: RX_OK if
 * the NIC vouched for it (VALID, PARTIAL), if it sums right with its pseudo header
 * (addresses straight from the IP header, then 0|proto|length), or if the field holds
 * just that pseudo-header sum -- a sender that left the sum to its device, not
 * corruption (counted; the cookie, not the checksum, says the reply is ours). */
static inline enum rx_drop reply_l4_sum_check(const struct reply_ipv4 *ip, const uint8_t *l4,
					      uint16_t l4_len, unsigned field_off)
{
	if (ip->l4_csum >= CSUM_RX_VALID)
		return RX_OK;
	uint64_t pseudo = csum_add64(csum_sum(ip->hdr + 12, 8, 0),
				     __builtin_bswap32(((uint32_t)ip->proto << 16) | l4_len));
	if (csum_valid(csum_sum(l4, l4_len, pseudo)))
		return RX_OK;
	if (!csum_pseudo_only(l4 + field_off, pseudo))
		return RX_DROP_BAD_L4_CHECKSUM;
	ip->notes[RX_NOTE_L4_CSUM_OFFLOADED]++;
	return RX_OK;
}

/* Every field of the result from the outer headers; the kinds add the rest. Field by
 * field, not a compound literal: gcc guesses the accept path of the flattened classifier
 * cold and zeroes a literal with rep stos (14 counted instructions). */
static inline void reply_result_from_ip(const struct reply_ipv4 *ip, struct scan_result *out)
{
	out->addr = ip->src;
	out->responder = ip->src;
	out->port = 0;
	out->proto = ip->proto;
	out->state = 0;
	out->reason = 0;
	out->ttl = ip->ttl;
	out->icmp_type = 0;
	out->icmp_code = 0;
	out->ip_id = ip->ip_id;
	out->reply_len = ip->total_len;
	/* tcp_window .. tcp_tsval, padding included; tcp_layout and ip_bits are written by
	 * the TCP path only and read only for TCP replies (12 bytes here stay one store
	 * pair); no MAC (the scan adds an on-link host's, arp_sweep.h): the bytes stay
	 * unwritten, has_mac says so */
	memset((char *)out + offsetof(struct scan_result, tcp_window), 0,
	       offsetof(struct scan_result, tcp_layout) - offsetof(struct scan_result, tcp_window));
	out->has_mac = 0;
	out->timestamp_ns = ip->rx_ns;
	out->rtt_ns = -1;
	out->grab = NULL;
}

/* The cookie of the probe (us -> them, port, proto): the burst's hint when it was computed
 * for exactly this tuple, else computed here. */
static inline uint64_t reply_cookie(const struct classify_ctx *ctx,
				    const struct reply_cookie_hint *h, uint32_t us, uint32_t them,
				    uint16_t port, uint8_t proto)
{
	if (h && h->them == them && h->us == us && h->port == port && h->proto == proto)
		return h->cookie;
	return cookie_compute(ctx->key, us, them, port, proto);
}

/* TCP/UDP replies: the cookie recomputed from the reply's own addresses and ports, and
 * the check that our port is its source port. */
static inline enum rx_drop reply_port_cookie(const struct classify_ctx *ctx,
					     const struct reply_ipv4 *ip, uint16_t sport,
					     uint16_t dport, uint64_t *cookie)
{
	*cookie = reply_cookie(ctx, ip->hint, ip->dst, ip->src, sport, ip->proto);
	if (dport != cookie_source_port(*cookie, ctx->sport_base, ctx->sport_count))
		return RX_DROP_WRONG_PORT;
	return RX_OK;
}

/* The same for a quoted TCP/UDP probe: our port first, then the target's. */
static inline enum rx_drop reply_quote_cookie(const struct classify_ctx *ctx,
					      const struct reply_quote *q, uint64_t *cookie)
{
	uint16_t our_port = pkt_be16(q->l4), target_port = pkt_be16(q->l4 + 2);
	*cookie = reply_cookie(ctx, q->hint, q->us, q->target, target_port, q->proto);
	if (our_port != cookie_source_port(*cookie, ctx->sport_base, ctx->sport_count))
		return RX_DROP_WRONG_PORT;
	return RX_OK;
}

static inline enum result_reason reply_unreach_reason(uint8_t code)
{
	switch (code) {
	case PKT_ICMP_UNREACH_NET: return REASON_NET_UNREACH;
	case PKT_ICMP_UNREACH_HOST: return REASON_HOST_UNREACH;
	case PKT_ICMP_UNREACH_PROTO: return REASON_PROTO_UNREACH;
	case PKT_ICMP_UNREACH_PORT: return REASON_PORT_UNREACH;
	case PKT_ICMP_UNREACH_NET_PROHIB: return REASON_NET_PROHIBITED;
	case PKT_ICMP_UNREACH_HOST_PROHIB: return REASON_HOST_PROHIBITED;
	case PKT_ICMP_UNREACH_ADMIN_PROHIB: return REASON_ADMIN_PROHIBITED;
	default: return REASON_NONE; /* 4 frag-needed, 5 source-route, 6-8, 11-12, 14-15 */
	}
}

/* An ICMP error about a validated TCP/UDP probe: time exceeded is counted, not a port
 * state; an unreachable code names one -- port_unreach_state for port-unreachable (Nmap:
 * closed for UDP), filtered for every other listed code. */
static inline enum rx_drop reply_port_error(const struct reply_ipv4 *ip,
					    const struct reply_quote *q,
					    enum port_state port_unreach_state,
					    struct scan_result *out)
{
	if (q->type == PKT_ICMP_TIME_EXCEEDED)
		return RX_DROP_TIME_EXCEEDED;
	enum result_reason reason = reply_unreach_reason(q->code);
	if (reason == REASON_NONE)
		return RX_DROP_ICMP_CODE;
	reply_result_from_ip(ip, out);
	out->addr = q->target;
	out->port = pkt_be16(q->l4 + 2);
	out->proto = q->proto;
	out->state = (uint8_t)(reason == REASON_PORT_UNREACH ? port_unreach_state : PORT_FILTERED);
	out->reason = (uint8_t)reason;
	out->icmp_type = q->type;
	out->icmp_code = q->code;
	return RX_OK;
}

/* TCP replies (both TCP kinds): header length and checksum. */
static inline enum rx_drop reply_tcp_header(const struct reply_ipv4 *ip, size_t *doff)
{
	const uint8_t *t = ip->l4;
	size_t n = ip->l4_len;
	if (n < PKT_TCP_HLEN)
		return RX_DROP_BAD_L4_HEADER;
	*doff = (size_t)(t[12] >> 4) * 4;
	if (*doff < PKT_TCP_HLEN || *doff > n)
		return RX_DROP_BAD_L4_HEADER;
	return reply_l4_sum_check(ip, t, (uint16_t)n, REPLY_TCP_CSUM_OFF);
}

/* What every TCP kind's classify checks first: the header, the ports, and the cookie of
 * the probe this reply answers (in *c); *doff is the header length. */
static inline enum rx_drop reply_tcp_cookie(const struct classify_ctx *ctx,
					    const struct reply_ipv4 *ip, size_t *doff,
					    uint64_t *c)
{
	enum rx_drop why = reply_tcp_header(ip, doff);
	if (why != RX_OK)
		return why;
	return reply_port_cookie(ctx, ip, pkt_be16(ip->l4), pkt_be16(ip->l4 + 2), c);
}

/* The options' layout as osfp reads it (result.h): one nibble per option. */
static inline void reply_layout_add(struct scan_result *out, unsigned *slot,
				    enum tcp_layout_code code)
{
	if (*slot < TCP_LAYOUT_SLOTS)
		out->tcp_layout |= (uint64_t)code << (4 * (*slot)++);
}

/* After an EOL: how many bytes follow it (two nibbles) and whether any is non-zero. Off
 * the common path: few stacks pad with EOL. */
static __attribute__((noinline, cold)) void reply_layout_eol(struct scan_result *out,
							     unsigned *slot, const uint8_t *p,
							     size_t n)
{
	reply_layout_add(out, slot, TCP_LAYOUT_EOL);
	size_t after = n - 1;
	reply_layout_add(out, slot, (enum tcp_layout_code)(after & 0x0f));
	reply_layout_add(out, slot, (enum tcp_layout_code)((after >> 4) & 0x0f));
	for (size_t i = 1; i < n; i++)
		if (p[i]) {
			out->tcp_quirks |= TCPQ_OPT_AFTER_EOL;
			break;
		}
}

static inline enum tcp_layout_code reply_layout_code(uint8_t kind, uint8_t olen)
{
	switch (kind) {
	case PKT_TCPOPT_MSS: return olen == PKT_TCPOLEN_MSS ? TCP_LAYOUT_MSS : TCP_LAYOUT_OTHER;
	case PKT_TCPOPT_WSCALE: return olen == PKT_TCPOLEN_WSCALE ? TCP_LAYOUT_WS : TCP_LAYOUT_OTHER;
	case PKT_TCPOPT_SACK_OK: return olen == PKT_TCPOLEN_SACK_OK ? TCP_LAYOUT_SOK : TCP_LAYOUT_OTHER;
	case PKT_TCPOPT_TIMESTAMP:
		return olen == PKT_TCPOLEN_TIMESTAMP ? TCP_LAYOUT_TS : TCP_LAYOUT_OTHER;
	case PKT_TCPOPT_SACK: return TCP_LAYOUT_SACK;
	default: return TCP_LAYOUT_OTHER;
	}
}

/* Options are informational: a malformed list ends the walk, it does not drop the reply
 * (the cookie already proved it ours; osfp calls it "bad"). Returns the timestamp echo
 * reply, 0 if none. */
static inline uint32_t reply_tcp_options(const uint8_t *p, size_t n, struct scan_result *out)
{
	/* Linux's SYN-ACK layout -- MSS, SACK-permitted, timestamps, NOP, window scale -- is
	 * most of the Internet's: read it at fixed offsets; anything else walks the list. */
	if (n == 20 && pkt_be16(p) == 0x0204 && pkt_be32(p + 4) == 0x0402080a &&
	    (pkt_be32(p + 16) & 0xffffff00u) == 0x01030300u) {
		out->tcp_opts = TCPOPT_HAS_MSS | TCPOPT_HAS_SACK_OK | TCPOPT_HAS_TIMESTAMP |
				TCPOPT_HAS_WSCALE;
		out->tcp_mss = pkt_be16(p + 2);
		out->tcp_tsval = pkt_be32(p + 8);
		out->tcp_wscale = p[19];
		out->tcp_layout = TCP_LAYOUT_MSS | TCP_LAYOUT_SOK << 4 | TCP_LAYOUT_TS << 8 |
				  TCP_LAYOUT_NOP << 12 | TCP_LAYOUT_WS << 16;
		return pkt_be32(p + 12);
	}
	uint32_t tsecr = 0;
	unsigned slot = 0;
	while (n > 0) {
		uint8_t kind = p[0];
		if (kind == PKT_TCPOPT_EOL) {
			reply_layout_eol(out, &slot, p, n);
			break;
		}
		if (kind == PKT_TCPOPT_NOP) {
			reply_layout_add(out, &slot, TCP_LAYOUT_NOP);
			p++;
			n--;
			continue;
		}
		if (n < 2 || p[1] < 2 || p[1] > n) {
			out->tcp_quirks |= TCPQ_OPT_BAD;
			break;
		}
		uint8_t olen = p[1];
		reply_layout_add(out, &slot, reply_layout_code(kind, olen));
		if (kind == PKT_TCPOPT_MSS && olen == PKT_TCPOLEN_MSS) {
			out->tcp_opts |= TCPOPT_HAS_MSS;
			out->tcp_mss = pkt_be16(p + 2);
		} else if (kind == PKT_TCPOPT_WSCALE && olen == PKT_TCPOLEN_WSCALE) {
			out->tcp_opts |= TCPOPT_HAS_WSCALE;
			out->tcp_wscale = p[2];
		} else if (kind == PKT_TCPOPT_SACK_OK && olen == PKT_TCPOLEN_SACK_OK) {
			out->tcp_opts |= TCPOPT_HAS_SACK_OK;
		} else if (kind == PKT_TCPOPT_TIMESTAMP && olen == PKT_TCPOLEN_TIMESTAMP) {
			out->tcp_opts |= TCPOPT_HAS_TIMESTAMP;
			out->tcp_tsval = pkt_be32(p + 2);
			tsecr = pkt_be32(p + 6);
		} else if (kind == PKT_TCPOPT_MSS || kind == PKT_TCPOPT_WSCALE ||
			   kind == PKT_TCPOPT_SACK_OK || kind == PKT_TCPOPT_TIMESTAMP) {
			out->tcp_quirks |= TCPQ_OPT_BAD; /* a known option of the wrong length */
		}
		p += olen;
		n -= olen;
	}
	return tsecr;
}

/* A validated TCP reply's result: state and reason from the kind, window and options
 * from the segment. Returns the options' timestamp echo reply (0: none). */
static inline uint32_t reply_tcp_result(const struct reply_ipv4 *ip, size_t doff,
					enum port_state state, enum result_reason reason,
					struct scan_result *out)
{
	const uint8_t *t = ip->l4;
	reply_result_from_ip(ip, out);
	out->port = pkt_be16(t);
	out->state = (uint8_t)state;
	out->reason = (uint8_t)reason;
	out->tcp_window = pkt_be16(t + 14);
	/* Raw header bits for passive OS fingerprinting (core/osfp/): stores only. */
	out->tcp_flags = t[13];
	out->tcp_layout = 0;
	out->ip_bits = (uint8_t)((ip->hdr[1] & RESULT_IP_ECN_MASK) | ((ip->hdr[6] >> 4) & 0x0c));
	out->tcp_quirks = (uint8_t)((pkt_be32(t + 4) == 0) |
				    ((pkt_be16(t + 18) != 0 && !(t[13] & PKT_TCP_URG)) << 1));
	return reply_tcp_options(t + PKT_TCP_HLEN, doff - PKT_TCP_HLEN, out);
}

#endif
