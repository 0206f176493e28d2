/* ICMP echo request (host discovery): id = cookie bits 0..15, seq = bits 16..31, both
 * echoed by the reply; the 8-byte payload is the send time (CLOCK_REALTIME ns,
 * big-endian), echoed too, so the reply yields the RTT without per-probe state.
 * No port is on the wire: cookies use port 0. */
#include "core/probe/probe_internal.h"
#include "core/probe/reply_internal.h"

#define ECHO_PAYLOAD_LEN 8

static int icmp_echo_init(struct probe_template *t, const struct probe_config *cfg,
			  struct errbuf *e)
{
	(void)e;
	uint16_t icmp_len = PKT_ICMP_HLEN + ECHO_PAYLOAD_LEN;
	size_t l4 = probe_template_ipv4(t, cfg, PKT_IPPROTO_ICMP,
					(uint16_t)(PKT_IPV4_HLEN + icmp_len));
	t->frame[l4] = PKT_ICMP_ECHO_REQUEST;
	t->header_len = (uint16_t)(l4 + icmp_len);
	t->frame_max = t->header_len;
	/* ICMP: no pseudo header. */
	t->l4_sum = csum_memory_order(csum_partial(t->frame + l4, icmp_len, 0));
	return 0;
}

static PROBE_ALWAYS_INLINE size_t icmp_echo_build_inline(const struct probe_template *t,
		struct probe_layout lay, uint8_t *frame,
					    uint32_t daddr, uint16_t dport, uint64_t cookie,
					    uint64_t now_ns)
{
	(void)dport;
	probe_copy_template(t, frame);
	uint32_t daddr_mo = __builtin_bswap32(daddr);
	probe_patch_ipv4(t, frame + lay.l3_off, daddr_mo, probe_ip_id_mo(cookie), 0);

	uint8_t *icmp = frame + lay.l4_off;
	uint32_t id_seq = (uint32_t)cookie_icmp_id(cookie) << 16 | cookie_icmp_seq(cookie);
	uint32_t id_seq_mo = __builtin_bswap32(id_seq);
	uint64_t time_mo = __builtin_bswap64(now_ns);
	probe_store32(icmp + 4, id_seq_mo);
	memcpy(icmp + PKT_ICMP_HLEN, &time_mo, 8);
	/* The time first: the same for a whole burst, so summed once outside the loop. */
	uint32_t sum = csum_add32(t->l4_sum, (uint32_t)time_mo);
	sum = csum_add32(sum, (uint32_t)(time_mo >> 32));
	sum = csum_add32(sum, id_seq_mo);
	probe_store16(icmp + 2, csum_finish32(sum));
	return lay.header_len;
}

static size_t icmp_echo_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			      uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return icmp_echo_build_inline(t, probe_layout_of(t), frame, daddr, dport, cookie, now_ns);
}

/* Untagged Ethernet. */
PROBE_DEFINE_BURST(icmp_echo_build_burst, icmp_echo_build_inline,
		   ((struct probe_layout){14, 34, 0, 50}))

/* reply.c checked the ICMP header and checksum and took the errors; what is left is ours
 * only as an echo reply carrying the cookie's id and seq. */
enum rx_drop icmp_echo_classify(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				struct scan_result *out)
{
	const uint8_t *m = ip->l4;
	if (m[0] != PKT_ICMP_ECHO_REPLY)
		return RX_DROP_ICMP_TYPE;
	uint64_t c = reply_cookie(ctx, ip->hint, ip->dst, ip->src, 0, PKT_IPPROTO_ICMP);
	if (pkt_be16(m + 4) != cookie_icmp_id(c) || pkt_be16(m + 6) != cookie_icmp_seq(c))
		return RX_DROP_BAD_COOKIE;
	reply_result_from_ip(ip, out);
	out->state = HOST_UP;
	out->reason = REASON_ECHO_REPLY;
	out->icmp_type = m[0];
	out->icmp_code = m[1];
	/* Our echo payload starts with the send time (ns, big-endian), echoed back. */
	if (ip->l4_len >= PKT_ICMP_HLEN + ECHO_PAYLOAD_LEN) {
		uint64_t sent_ns = pkt_be64(m + PKT_ICMP_HLEN);
		if (sent_ns <= ip->rx_ns && ip->rx_ns - sent_ns <= (uint64_t)INT64_MAX)
			out->rtt_ns = (int64_t)(ip->rx_ns - sent_ns);
	}
	return RX_OK;
}

/* An error about an echo request: validated and counted, but no port state. */
enum rx_drop icmp_echo_classify_error(const struct classify_ctx *ctx,
				      const struct reply_ipv4 *ip, const struct reply_quote *q,
				      struct scan_result *out)
{
	(void)ip;
	(void)out;
	const uint8_t *t = q->l4;
	if (t[0] != PKT_ICMP_ECHO_REQUEST)
		return RX_DROP_ICMP_INNER;
	uint64_t c = reply_cookie(ctx, q->hint, q->us, q->target, 0, PKT_IPPROTO_ICMP);
	if (pkt_be16(t + 4) != cookie_icmp_id(c) || pkt_be16(t + 6) != cookie_icmp_seq(c))
		return RX_DROP_BAD_COOKIE;
	return q->type == PKT_ICMP_TIME_EXCEEDED ? RX_DROP_TIME_EXCEEDED : RX_DROP_ECHO_UNREACHABLE;
}

const struct probe_kind probe_kind_icmp_echo = {
	.name = "icmp-echo",
	.summary = "ICMP echo request: echo reply means the host is up",
	.ip_proto = PKT_IPPROTO_ICMP,
	.uses_port = 0,
	.init = icmp_echo_init,
	.build = icmp_echo_build,
	.build_burst = icmp_echo_build_burst,
	.classify = icmp_echo_classify,
	.classify_error = icmp_echo_classify_error,
};
