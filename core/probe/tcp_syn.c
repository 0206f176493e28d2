/* TCP SYN probe: SYN-ACK means open, RST closed, an ICMP unreachable filtered.
 * seq = cookie bits 0..31, so a SYN-ACK's or RST's ack number minus one validates it;
 * the source port carries cookie bits 32..47. With the timestamp option, TSval is the
 * send time in microseconds: the SYN-ACK's TSecr echoes it, giving the RTT statelessly. */
#include "core/probe/probe_internal.h"
#include "core/probe/reply_internal.h"

#define MSS_DEFAULT 1460

/* Writes the option bytes of a profile; returns their length (a multiple of 4) and the
 * TSval's offset within them (0 when the profile has no timestamps). */
static size_t write_tcp_options(enum tcp_option_profile profile, uint8_t *opt,
				size_t *tsval_at, uint16_t *window)
{
	static const uint8_t linux_opts[] = {
		PKT_TCPOPT_MSS, PKT_TCPOLEN_MSS, MSS_DEFAULT >> 8, MSS_DEFAULT & 0xff,
		PKT_TCPOPT_SACK_OK, PKT_TCPOLEN_SACK_OK,
		PKT_TCPOPT_TIMESTAMP, PKT_TCPOLEN_TIMESTAMP, 0, 0, 0, 0, 0, 0, 0, 0,
		PKT_TCPOPT_NOP, PKT_TCPOPT_WSCALE, PKT_TCPOLEN_WSCALE, 7,
	};
	static const uint8_t windows_opts[] = {
		PKT_TCPOPT_MSS, PKT_TCPOLEN_MSS, MSS_DEFAULT >> 8, MSS_DEFAULT & 0xff,
		PKT_TCPOPT_NOP, PKT_TCPOPT_WSCALE, PKT_TCPOLEN_WSCALE, 8,
		PKT_TCPOPT_NOP, PKT_TCPOPT_NOP, PKT_TCPOPT_SACK_OK, PKT_TCPOLEN_SACK_OK,
	};
	static const uint8_t mss_opts[] = {
		PKT_TCPOPT_MSS, PKT_TCPOLEN_MSS, MSS_DEFAULT >> 8, MSS_DEFAULT & 0xff,
	};
	*tsval_at = 0;
	switch (profile) {
	case TCP_OPTIONS_LINUX:
		memcpy(opt, linux_opts, sizeof linux_opts);
		*tsval_at = 8;
		*window = 64240; /* Linux: 44 * MSS */
		return sizeof linux_opts;
	case TCP_OPTIONS_WINDOWS:
		memcpy(opt, windows_opts, sizeof windows_opts);
		*window = 64240;
		return sizeof windows_opts;
	case TCP_OPTIONS_MSS_ONLY:
		memcpy(opt, mss_opts, sizeof mss_opts);
		*window = 65535;
		return sizeof mss_opts;
	case TCP_OPTIONS_NONE:
		break;
	}
	*window = 65535;
	return 0;
}

static int tcp_syn_init(struct probe_template *t, const struct probe_config *cfg,
			struct errbuf *e)
{
	if ((unsigned)cfg->tcp_options > TCP_OPTIONS_NONE)
		return err_set(e, "bad TCP option profile %d", (int)cfg->tcp_options);
	uint8_t options[PKT_TCP_OPTIONS_MAX];
	size_t tsval_at;
	uint16_t window;
	size_t opt_len = write_tcp_options(cfg->tcp_options, options, &tsval_at, &window);
	uint16_t tcp_len = (uint16_t)(PKT_TCP_HLEN + opt_len);

	size_t l4 = probe_template_ipv4(t, cfg, PKT_IPPROTO_TCP,
					(uint16_t)(PKT_IPV4_HLEN + tcp_len));
	uint8_t *tcp = t->frame + l4;
	tcp[12] = (uint8_t)((tcp_len / 4) << 4);
	tcp[13] = PKT_TCP_SYN;
	pkt_put_be16(tcp + 14, window);
	memcpy(tcp + PKT_TCP_HLEN, options, opt_len);

	t->header_len = (uint16_t)(l4 + tcp_len);
	t->frame_max = t->header_len;
	t->tsval_off = tsval_at ? (uint16_t)(l4 + PKT_TCP_HLEN + tsval_at) : 0;
	t->l4_sum = csum_memory_order(
		csum_partial(tcp, tcp_len, pkt_pseudo_sum(cfg->saddr, 0, PKT_IPPROTO_TCP, tcp_len)));
	return 0;
}

static PROBE_ALWAYS_INLINE size_t tcp_syn_build_inline(const struct probe_template *t,
		struct probe_layout lay, uint8_t *frame,
					  uint32_t daddr, uint16_t dport, uint64_t cookie,
					  uint64_t now_ns)
{
	probe_copy_template(t, frame);
	uint32_t daddr_mo = __builtin_bswap32(daddr);
	probe_patch_ipv4(t, frame + lay.l3_off, daddr_mo, probe_ip_id_mo(cookie), 0);

	uint8_t *tcp = frame + lay.l4_off;
	uint16_t sport = cookie_source_port(cookie, t->sport_base, t->sport_count);
	uint32_t ports_mo = probe_ports_mo(sport, dport);
	uint32_t seq_mo = __builtin_bswap32(cookie_tcp_seq(cookie));
	probe_store32(tcp, ports_mo);
	probe_store32(tcp + 4, seq_mo);
	uint32_t sum = t->l4_sum;
	if (lay.tsval_off) {
		/* Added first, so that within a burst (same now_ns) the division by a constant
		 * (a multiply) and this sum are computed once, outside the loop. */
		uint32_t tsval_mo = __builtin_bswap32((uint32_t)(now_ns / 1000));
		probe_store32(frame + lay.tsval_off, tsval_mo);
		sum = csum_add32(sum, tsval_mo);
	}
	sum = csum_add32(sum, daddr_mo);
	sum = csum_add32(sum, ports_mo);
	sum = csum_add32(sum, seq_mo);
	probe_store16(tcp + 16, csum_finish32(sum));
	return lay.header_len;
}

static size_t tcp_syn_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			    uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return tcp_syn_build_inline(t, probe_layout_of(t), frame, daddr, dport, cookie, now_ns);
}

/* Untagged Ethernet, Linux options. */
PROBE_DEFINE_BURST(tcp_syn_build_burst, tcp_syn_build_inline,
		   ((struct probe_layout){14, 34, 62, 74}))

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

enum rx_drop tcp_syn_classify(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
			      struct scan_result *out)
{
	size_t doff;
	uint64_t c;
	enum rx_drop why = reply_tcp_cookie(ctx, ip, &doff, &c);
	if (why != RX_OK)
		return why;
	const uint8_t *t = ip->l4;
	/* SYN-ACK and RST both acknowledge our SYN: ack = seq + 1. */
	if (pkt_be32(t + 8) != cookie_tcp_seq(c) + 1)
		return RX_DROP_BAD_COOKIE;
	uint8_t flags = t[13];
	if ((flags & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == (PKT_TCP_SYN | PKT_TCP_ACK)) {
		uint32_t tsecr = reply_tcp_result(ip, doff, PORT_OPEN, REASON_SYN_ACK, out);
		out->rtt_ns = rtt_from_tsecr(ip->rx_ns, tsecr);
		return RX_OK;
	}
	if ((flags & (PKT_TCP_SYN | PKT_TCP_RST)) == PKT_TCP_RST) {
		reply_tcp_result(ip, doff, PORT_CLOSED, REASON_RESET, out);
		return RX_OK;
	}
	return RX_DROP_TCP_FLAGS;
}

/* The quoted SYN's seq is the cookie (within RFC 792's 8 bytes). */
enum rx_drop tcp_syn_classify_error(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				    const struct reply_quote *q, struct scan_result *out)
{
	uint64_t c;
	enum rx_drop why = reply_quote_cookie(ctx, q, &c);
	if (why != RX_OK)
		return why;
	if (pkt_be32(q->l4 + 4) != cookie_tcp_seq(c))
		return RX_DROP_BAD_COOKIE;
	return reply_port_error(ip, q, PORT_FILTERED, out);
}

const struct probe_kind probe_kind_tcp_syn = {
	.name = "tcp-syn",
	.summary = "TCP SYN (half-open): SYN-ACK open, RST closed, ICMP/none filtered",
	.ip_proto = PKT_IPPROTO_TCP,
	.uses_port = 1,
	.tcp_probe = TCP_PROBE_SYN,
	.init = tcp_syn_init,
	.build = tcp_syn_build,
	.build_burst = tcp_syn_build_burst,
	.classify = tcp_syn_classify,
	.classify_error = tcp_syn_classify_error,
};
