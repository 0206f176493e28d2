/* TCP ACK probe (Nmap -sA): an RST back means unfiltered, silence or ICMP filtered.
 * The RST to an unexpected ACK carries our acknowledgment number as its sequence
 * number (RFC 9293 3.10.7.1), so ack = cookie bits 0..31 validates it; seq takes
 * other cookie bits (32..63) so the segment looks unremarkable. */
#include "core/probe/probe_internal.h"
#include "core/probe/reply_internal.h"

#define ACK_PROBE_WINDOW 1024

static int tcp_ack_init(struct probe_template *t, const struct probe_config *cfg,
			struct errbuf *e)
{
	(void)e;
	size_t l4 = probe_template_ipv4(t, cfg, PKT_IPPROTO_TCP, PKT_IPV4_HLEN + PKT_TCP_HLEN);
	uint8_t *tcp = t->frame + l4;
	tcp[12] = (PKT_TCP_HLEN / 4) << 4;
	tcp[13] = PKT_TCP_ACK;
	pkt_put_be16(tcp + 14, ACK_PROBE_WINDOW);
	t->header_len = (uint16_t)(l4 + PKT_TCP_HLEN);
	t->frame_max = t->header_len;
	t->l4_sum = csum_memory_order(csum_partial(
		tcp, PKT_TCP_HLEN, pkt_pseudo_sum(cfg->saddr, 0, PKT_IPPROTO_TCP, PKT_TCP_HLEN)));
	return 0;
}

static PROBE_ALWAYS_INLINE size_t tcp_ack_build_inline(const struct probe_template *t,
		struct probe_layout lay, uint8_t *frame,
					  uint32_t daddr, uint16_t dport, uint64_t cookie,
					  uint64_t now_ns)
{
	(void)now_ns;
	probe_copy_template(t, frame);
	uint32_t daddr_mo = __builtin_bswap32(daddr);
	probe_patch_ipv4(t, frame + lay.l3_off, daddr_mo, probe_ip_id_mo(cookie), 0);

	uint8_t *tcp = frame + lay.l4_off;
	uint16_t sport = cookie_source_port(cookie, t->sport_base, t->sport_count);
	uint32_t ports_mo = probe_ports_mo(sport, dport);
	uint32_t seq_mo = __builtin_bswap32((uint32_t)(cookie >> 32));
	uint32_t ack_mo = __builtin_bswap32(cookie_tcp_seq(cookie));
	probe_store32(tcp, ports_mo);
	probe_store32(tcp + 4, seq_mo);
	probe_store32(tcp + 8, ack_mo);
	uint32_t sum = csum_add32(t->l4_sum, daddr_mo);
	sum = csum_add32(sum, ports_mo);
	sum = csum_add32(sum, seq_mo);
	sum = csum_add32(sum, ack_mo);
	probe_store16(tcp + 16, csum_finish32(sum));
	return lay.header_len;
}

static size_t tcp_ack_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			    uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return tcp_ack_build_inline(t, probe_layout_of(t), frame, daddr, dport, cookie, now_ns);
}

/* Untagged Ethernet. */
PROBE_DEFINE_BURST(tcp_ack_build_burst, tcp_ack_build_inline,
		   ((struct probe_layout){14, 34, 0, 54}))

enum rx_drop tcp_ack_classify(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
			      struct scan_result *out)
{
	size_t doff;
	uint64_t c;
	enum rx_drop why = reply_tcp_cookie(ctx, ip, &doff, &c);
	if (why != RX_OK)
		return why;
	const uint8_t *t = ip->l4;
	/* RFC 793: a RST to an ACK takes its seq from the ACK's ack field. */
	if (pkt_be32(t + 4) != cookie_tcp_seq(c))
		return RX_DROP_BAD_COOKIE;
	if ((t[13] & (PKT_TCP_SYN | PKT_TCP_RST)) != PKT_TCP_RST)
		return RX_DROP_TCP_FLAGS;
	reply_tcp_result(ip, doff, PORT_UNFILTERED, REASON_RESET, out);
	return RX_OK;
}

enum rx_drop tcp_ack_classify_error(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				    const struct reply_quote *q, struct scan_result *out)
{
	uint64_t c;
	enum rx_drop why = reply_quote_cookie(ctx, q, &c);
	if (why != RX_OK)
		return why;
	/* The cookie is in the ACK's ack field, beyond RFC 792's 8 bytes; most routers quote
	 * more, then we check it. */
	if (q->l4_len >= 12 && pkt_be32(q->l4 + 8) != cookie_tcp_seq(c))
		return RX_DROP_BAD_COOKIE;
	return reply_port_error(ip, q, PORT_FILTERED, out);
}

const struct probe_kind probe_kind_tcp_ack = {
	.name = "tcp-ack",
	.summary = "TCP ACK: RST unfiltered, ICMP/none filtered",
	.ip_proto = PKT_IPPROTO_TCP,
	.uses_port = 1,
	.tcp_probe = TCP_PROBE_ACK,
	.init = tcp_ack_init,
	.build = tcp_ack_build,
	.build_burst = tcp_ack_build_burst,
	.classify = tcp_ack_classify,
	.classify_error = tcp_ack_classify_error,
};
