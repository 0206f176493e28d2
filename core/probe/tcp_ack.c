/* TCP ACK probe (Nmap -sA): an RST back means unfiltered, silence or ICMP filtered.
 * The RST to an unexpected ACK carries our acknowledgment number as its sequence
 * number (RFC 9293 3.10.7.1), so ack = cookie bits 0..31 validates it; seq takes
 * other cookie bits (32..63) so the segment looks unremarkable. */
#include "core/probe/probe_internal.h"

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
	t->l4_sum = probe_sum_memory_order(csum_partial(
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
	uint32_t sum = probe_csum_add(t->l4_sum, daddr_mo);
	sum = probe_csum_add(sum, ports_mo);
	sum = probe_csum_add(sum, seq_mo);
	sum = probe_csum_add(sum, ack_mo);
	probe_store16(tcp + 16, probe_csum_finish(sum));
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

const struct probe_kind probe_kind_tcp_ack = {
	.name = "tcp-ack",
	.summary = "TCP ACK: RST unfiltered, ICMP/none filtered",
	.ip_proto = PKT_IPPROTO_TCP,
	.uses_port = 1,
	.init = tcp_ack_init,
	.build = tcp_ack_build,
	.build_burst = tcp_ack_build_burst,
};
