/* UDP probe: any UDP reply means open, ICMP port unreachable closed, other ICMP
 * unreachables filtered, silence open|filtered. The payload comes from the port's entry
 * in the udp_payload_table (ids inside it carry the cookie); the source port carries
 * cookie bits 32..47 as for TCP. */
#include "core/probe/probe_internal.h"
#include "core/probe/reply_internal.h"
#include "core/probe/udp_payloads.h"

static int udp_init(struct probe_template *t, const struct probe_config *cfg, struct errbuf *e)
{
	(void)e;
	size_t l4 = probe_template_ipv4(t, cfg, PKT_IPPROTO_UDP, 0); /* length varies */
	t->header_len = (uint16_t)(l4 + PKT_UDP_HLEN);
	t->udp_payloads = cfg->udp_payloads;
	size_t payload_max = cfg->udp_payloads ? udp_payload_max_len(cfg->udp_payloads) : 0;
	t->frame_max = (uint16_t)(t->header_len + payload_max);
	/* Pseudo header without daddr and length; the header itself is all variable. */
	t->l4_sum = csum_memory_order(pkt_pseudo_sum(cfg->saddr, 0, PKT_IPPROTO_UDP, 0));
	return 0;
}

static PROBE_ALWAYS_INLINE size_t udp_build_inline(const struct probe_template *t,
		struct probe_layout lay, uint8_t *frame,
				      uint32_t daddr, uint16_t dport, uint64_t cookie,
				      uint64_t now_ns)
{
	(void)now_ns;
	probe_copy_template(t, frame);
	uint8_t *udp = frame + lay.l4_off;
	uint32_t payload_sum = 0; /* big-endian, unfolded */
	size_t payload_len = 0;
	if (t->udp_payloads)
		payload_len = udp_payload_write(t->udp_payloads, dport, cookie,
						udp + PKT_UDP_HLEN, &payload_sum);
	uint16_t udp_len = (uint16_t)(PKT_UDP_HLEN + payload_len);
	uint16_t udp_len_mo = __builtin_bswap16(udp_len);
	uint16_t ip_len_mo = __builtin_bswap16((uint16_t)(PKT_IPV4_HLEN + udp_len));
	uint32_t daddr_mo = __builtin_bswap32(daddr);
	probe_store16(frame + lay.l3_off + 2, ip_len_mo);
	probe_patch_ipv4(t, frame + lay.l3_off, daddr_mo, probe_ip_id_mo(cookie), ip_len_mo);

	uint16_t sport = cookie_source_port(cookie, t->sport_base, t->sport_count);
	uint32_t ports_mo = probe_ports_mo(sport, dport);
	probe_store32(udp, ports_mo);
	probe_store16(udp + 4, udp_len_mo);
	uint32_t sum = csum_add32(t->l4_sum, daddr_mo);
	sum = csum_add32(sum, ports_mo);
	/* The length twice: pseudo header and UDP header. */
	sum = csum_add32(sum, 2u * udp_len_mo);
	sum = csum_add32(sum, csum_memory_order(payload_sum));
	uint16_t check = csum_finish32(sum);
	probe_store16(udp + 6, check ? check : 0xffff); /* 0 means "none" (RFC 768) */
	return lay.header_len + payload_len;
}

static size_t udp_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return udp_build_inline(t, probe_layout_of(t), frame, daddr, dport, cookie, now_ns);
}

/* Untagged Ethernet. */
PROBE_DEFINE_BURST(udp_build_burst, udp_build_inline,
		   ((struct probe_layout){14, 34, 0, 42}))

/* Any UDP reply from the probed port that carries our cookie (and, for payloads whose
 * protocol echoes an id, that id: ctx->udp_check) means open. */
enum rx_drop udp_classify(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
			  struct scan_result *out)
{
	const uint8_t *u = ip->l4;
	if (ip->l4_len < PKT_UDP_HLEN)
		return RX_DROP_BAD_L4_HEADER;
	uint16_t ulen = pkt_be16(u + 4);
	if (ulen < PKT_UDP_HLEN || ulen > ip->l4_len)
		return RX_DROP_BAD_L4_HEADER;
	/* Checksum 0: the sender computed none (legal in IPv4). */
	if (pkt_be16(u + 6) != 0) {
		enum rx_drop why = reply_l4_sum_check(ip, u, ulen, REPLY_UDP_CSUM_OFF);
		if (why != RX_OK)
			return why;
	}
	uint16_t sport = pkt_be16(u);
	uint64_t c;
	enum rx_drop why = reply_port_cookie(ctx, ip, sport, pkt_be16(u + 2), &c);
	if (why != RX_OK)
		return why;
	if (ctx->udp_check && !ctx->udp_check(ctx->udp_table, sport, u + PKT_UDP_HLEN,
					      ulen - PKT_UDP_HLEN, c))
		return RX_DROP_UDP_PAYLOAD_ID;
	reply_result_from_ip(ip, out);
	out->port = sport;
	out->state = PORT_OPEN;
	out->reason = REASON_UDP_RESPONSE;
	return RX_OK;
}

/* Port unreachable means closed, the other unreachables filtered. */
enum rx_drop udp_classify_error(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				const struct reply_quote *q, struct scan_result *out)
{
	uint64_t c;
	enum rx_drop why = reply_quote_cookie(ctx, q, &c);
	if (why != RX_OK)
		return why;
	return reply_port_error(ip, q, PORT_CLOSED, out);
}

const struct probe_kind probe_kind_udp = {
	.name = "udp",
	.summary = "UDP with per-port payloads: reply open, port-unreach closed, none open|filtered",
	.ip_proto = PKT_IPPROTO_UDP,
	.uses_port = 1,
	.init = udp_init,
	.build = udp_build,
	.build_burst = udp_build_burst,
	.classify = udp_classify,
	.classify_error = udp_classify_error,
};
