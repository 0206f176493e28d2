/* ICMP echo request (host discovery): id = cookie bits 0..15, seq = bits 16..31, both
 * echoed by the reply; the 8-byte payload is the send time (CLOCK_REALTIME ns,
 * big-endian), echoed too, so the reply yields the RTT without per-probe state.
 * No port is on the wire: cookies use port 0. */
#include "core/probe/probe_internal.h"

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
	t->l4_sum = csum_partial(t->frame + l4, icmp_len, 0); /* ICMP: no pseudo header */
	return 0;
}

static inline size_t icmp_echo_build_inline(const struct probe_template *t, uint8_t *frame,
					    uint32_t daddr, uint16_t dport, uint64_t cookie,
					    uint64_t now_ns)
{
	(void)dport;
	probe_copy_template(t, frame);
	probe_patch_ipv4(t, frame + t->l3_off, daddr, probe_ip_id(cookie), 0);

	uint8_t *l4 = frame + t->l4_off;
	struct pkt_icmp *icmp = (struct pkt_icmp *)l4;
	uint16_t id = cookie_icmp_id(cookie), seq = cookie_icmp_seq(cookie);
	icmp->id = __builtin_bswap16(id);
	icmp->seq = __builtin_bswap16(seq);
	pkt_put_be64(l4 + PKT_ICMP_HLEN, now_ns);
	uint32_t sum = t->l4_sum + id + seq + probe_sum32((uint32_t)(now_ns >> 32)) +
		       probe_sum32((uint32_t)now_ns);
	icmp->check = __builtin_bswap16(csum_fold(sum));
	return t->header_len;
}

static size_t icmp_echo_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			      uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return icmp_echo_build_inline(t, frame, daddr, dport, cookie, now_ns);
}

PROBE_DEFINE_BURST(icmp_echo_build_burst, icmp_echo_build_inline)

const struct probe_kind probe_kind_icmp_echo = {
	.name = "icmp-echo",
	.summary = "ICMP echo request: echo reply means the host is up",
	.ip_proto = PKT_IPPROTO_ICMP,
	.uses_port = 0,
	.init = icmp_echo_init,
	.build = icmp_echo_build,
	.build_burst = icmp_echo_build_burst,
};
