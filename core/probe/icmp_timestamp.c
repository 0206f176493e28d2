/* ICMP timestamp request (RFC 792 type 13; nmap's -PP, one of its default discovery
 * probes): a host that filters echo requests often still answers these. id = cookie bits
 * 0..15, seq = bits 16..31 (the cookie of an ICMP echo to the same address: port 0), both
 * echoed by the type-14 reply; the reply type tells the two kinds apart. The originate
 * field carries the send time in milliseconds since midnight UT, as RFC 792 asks; that is
 * too coarse for a round trip, so results carry none (rtt_ns -1). */
#include "core/probe/probe_internal.h"
#include "core/probe/reply_internal.h"

#define TIMESTAMP_BODY_LEN 12 /* originate, receive, transmit: 32 bits each */
#define MS_PER_DAY 86400000u

static int icmp_timestamp_init(struct probe_template *t, const struct probe_config *cfg,
			       struct errbuf *e)
{
	(void)e;
	uint16_t icmp_len = PKT_ICMP_HLEN + TIMESTAMP_BODY_LEN;
	size_t l4 = probe_template_ipv4(t, cfg, PKT_IPPROTO_ICMP,
					(uint16_t)(PKT_IPV4_HLEN + icmp_len));
	t->frame[l4] = PKT_ICMP_TIMESTAMP_REQUEST;
	t->header_len = (uint16_t)(l4 + icmp_len);
	t->frame_max = t->header_len;
	t->l4_sum = csum_memory_order(csum_partial(t->frame + l4, icmp_len, 0));
	return 0;
}

static PROBE_ALWAYS_INLINE size_t icmp_timestamp_build_inline(const struct probe_template *t,
		struct probe_layout lay, uint8_t *frame, uint32_t daddr, uint16_t dport,
		uint64_t cookie, uint64_t now_ns)
{
	(void)dport;
	probe_copy_template(t, frame);
	probe_patch_ipv4(t, frame + lay.l3_off, __builtin_bswap32(daddr), probe_ip_id_mo(cookie), 0);
	uint8_t *icmp = frame + lay.l4_off;
	uint32_t id_seq_mo =
		__builtin_bswap32((uint32_t)cookie_icmp_id(cookie) << 16 | cookie_icmp_seq(cookie));
	uint32_t originate_mo = __builtin_bswap32((uint32_t)(now_ns / 1000000u % MS_PER_DAY));
	probe_store32(icmp + 4, id_seq_mo);
	probe_store32(icmp + PKT_ICMP_HLEN, originate_mo);
	uint32_t sum = csum_add32(csum_add32(t->l4_sum, originate_mo), id_seq_mo);
	probe_store16(icmp + 2, csum_finish32(sum));
	return lay.header_len;
}

static size_t icmp_timestamp_build(const struct probe_template *t, uint8_t *frame,
				   uint32_t daddr, uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return icmp_timestamp_build_inline(t, probe_layout_of(t), frame, daddr, dport, cookie,
					   now_ns);
}

/* Untagged Ethernet. */
PROBE_DEFINE_BURST(icmp_timestamp_build_burst, icmp_timestamp_build_inline,
		   ((struct probe_layout){14, 34, 0, 54}))

/* reply.c sends type-14 messages here (header and checksum checked): ours when the id and
 * seq are the cookie's. The result is the host's, keyed as its walk entry is
 * (RESULT_PROTO_PING_TIMESTAMP, port 0), so it is never taken for an echo reply. */
enum rx_drop icmp_timestamp_classify(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				     struct scan_result *out)
{
	const uint8_t *m = ip->l4;
	if (m[0] != PKT_ICMP_TIMESTAMP_REPLY || ip->l4_len < PKT_ICMP_HLEN + TIMESTAMP_BODY_LEN)
		return RX_DROP_ICMP_TYPE;
	uint64_t c = cookie_compute(ctx->key, ip->dst, ip->src, 0, PKT_IPPROTO_ICMP);
	if (pkt_be16(m + 4) != cookie_icmp_id(c) || pkt_be16(m + 6) != cookie_icmp_seq(c))
		return RX_DROP_BAD_COOKIE;
	reply_result_from_ip(ip, out);
	out->proto = RESULT_PROTO_PING_TIMESTAMP;
	out->state = HOST_UP;
	out->reason = REASON_TIMESTAMP_REPLY;
	out->icmp_type = m[0];
	out->icmp_code = m[1];
	return RX_OK;
}

/* An error about a timestamp request: validated and counted, no port state. */
enum rx_drop icmp_timestamp_classify_error(const struct classify_ctx *ctx,
					   const struct reply_ipv4 *ip, const struct reply_quote *q,
					   struct scan_result *out)
{
	(void)ip;
	(void)out;
	const uint8_t *t = q->l4;
	if (t[0] != PKT_ICMP_TIMESTAMP_REQUEST)
		return RX_DROP_ICMP_INNER;
	uint64_t c = cookie_compute(ctx->key, q->us, q->target, 0, PKT_IPPROTO_ICMP);
	if (pkt_be16(t + 4) != cookie_icmp_id(c) || pkt_be16(t + 6) != cookie_icmp_seq(c))
		return RX_DROP_BAD_COOKIE;
	return q->type == PKT_ICMP_TIME_EXCEEDED ? RX_DROP_TIME_EXCEEDED : RX_DROP_ECHO_UNREACHABLE;
}

const struct probe_kind probe_kind_icmp_timestamp = {
	.name = "icmp-timestamp",
	.summary = "ICMP timestamp request: timestamp reply means the host is up",
	.ip_proto = PKT_IPPROTO_ICMP,
	.uses_port = 0,
	.init = icmp_timestamp_init,
	.build = icmp_timestamp_build,
	.build_burst = icmp_timestamp_build_burst,
	.classify = icmp_timestamp_classify,
	.classify_error = icmp_timestamp_classify_error,
};
