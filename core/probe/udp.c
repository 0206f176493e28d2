/* UDP probe: any UDP reply means open, ICMP port unreachable closed, other ICMP
 * unreachables filtered, silence open|filtered. The payload comes from the port's entry
 * in the udp_payload_table (ids inside it carry the cookie); the source port carries
 * cookie bits 32..47 as for TCP. */
#include "core/probe/probe_internal.h"
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
	t->l4_sum = pkt_pseudo_sum(cfg->saddr, 0, PKT_IPPROTO_UDP, 0);
	return 0;
}

static inline size_t udp_build_inline(const struct probe_template *t, uint8_t *frame,
				      uint32_t daddr, uint16_t dport, uint64_t cookie,
				      uint64_t now_ns)
{
	(void)now_ns;
	probe_copy_template(t, frame);
	uint8_t *l4 = frame + t->l4_off;
	uint32_t payload_sum = 0;
	size_t payload_len = 0;
	if (t->udp_payloads)
		payload_len = udp_payload_write(t->udp_payloads, dport, cookie,
						l4 + PKT_UDP_HLEN, &payload_sum);
	uint16_t udp_len = (uint16_t)(PKT_UDP_HLEN + payload_len);
	uint16_t ip_len = (uint16_t)(PKT_IPV4_HLEN + udp_len);
	((struct pkt_ipv4 *)(frame + t->l3_off))->total_len = __builtin_bswap16(ip_len);
	probe_patch_ipv4(t, frame + t->l3_off, daddr, probe_ip_id(cookie), ip_len);

	struct pkt_udp *udp = (struct pkt_udp *)l4;
	uint16_t sport = cookie_source_port(cookie, t->sport_base, t->sport_count);
	udp->sport = __builtin_bswap16(sport);
	udp->dport = __builtin_bswap16(dport);
	udp->len = __builtin_bswap16(udp_len);
	/* udp_len twice: once in the pseudo header, once in the UDP header. */
	uint32_t sum = t->l4_sum + probe_sum32(daddr) + sport + dport + 2u * udp_len + payload_sum;
	uint16_t check = csum_fold(sum);
	udp->check = __builtin_bswap16(check ? check : 0xffff); /* 0 means "none" (RFC 768) */
	return t->header_len + payload_len;
}

static size_t udp_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return udp_build_inline(t, frame, daddr, dport, cookie, now_ns);
}

PROBE_DEFINE_BURST(udp_build_burst, udp_build_inline)

const struct probe_kind probe_kind_udp = {
	.name = "udp",
	.summary = "UDP with per-port payloads: reply open, port-unreach closed, none open|filtered",
	.ip_proto = PKT_IPPROTO_UDP,
	.uses_port = 1,
	.init = udp_init,
	.build = udp_build,
	.build_burst = udp_build_burst,
};
