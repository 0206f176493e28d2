/* ARP who-has (the sweep of on-link targets, nmap's -PR, and next-hop resolution). The
 * probe kind builds requests from a template like the IP kinds; replies carry no cookie,
 * so a reply is ours when it is addressed to our MAC and IP (arp_reply_check) and its
 * sender is one we asked (the sweep checks). No IP protocol: ip_proto is
 * RESULT_PROTO_ARP, which no IP frame's dispatch can reach (arp_classify refuses IP). */
#include "core/probe/arp.h"

#include <string.h>

#include "core/probe/probe_internal.h"
#include "core/probe/reply_internal.h"

enum {
	ARP_HTYPE_ETHERNET = 1,
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
	ARP_TARGET_IP_OFF = 24, /* in the ARP packet */
};

static const uint8_t broadcast_mac[PKT_ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* The ARP packet of a request, target address zero when target is 0. */
static void write_arp_request(uint8_t *arp, const uint8_t src_mac[PKT_ETH_ALEN],
			      uint32_t saddr, uint32_t target)
{
	pkt_put_be16(arp, ARP_HTYPE_ETHERNET);
	pkt_put_be16(arp + 2, PKT_ETHERTYPE_IPV4);
	arp[4] = PKT_ETH_ALEN;
	arp[5] = 4;
	pkt_put_be16(arp + 6, ARP_OP_REQUEST);
	memcpy(arp + 8, src_mac, PKT_ETH_ALEN);
	pkt_put_be32(arp + 14, saddr);
	memset(arp + 18, 0, PKT_ETH_ALEN); /* target MAC: unknown, that is the question */
	pkt_put_be32(arp + ARP_TARGET_IP_OFF, target);
}

/* Ethernet header with the ARP ethertype: pkt_write_eth writes IPv4's, so the type
 * field (after any VLAN tag) is set here. */
static size_t write_arp_eth(uint8_t *frame, const uint8_t src_mac[PKT_ETH_ALEN], uint16_t vlan_id)
{
	size_t l3 = pkt_write_eth(frame, src_mac, broadcast_mac, vlan_id);
	pkt_put_be16(frame + l3 - 2, PKT_ETHERTYPE_ARP);
	return l3;
}

size_t arp_request_write(uint8_t frame[ARP_FRAME_LEN], const uint8_t src_mac[PKT_ETH_ALEN],
			 uint32_t saddr, uint32_t target)
{
	memset(frame, 0, ARP_FRAME_LEN);
	size_t l3 = write_arp_eth(frame, src_mac, 0);
	write_arp_request(frame + l3, src_mac, saddr, target);
	return ARP_FRAME_LEN;
}

enum rx_drop arp_reply_check(const uint8_t *arp, size_t len, const uint8_t our_mac[PKT_ETH_ALEN],
			     uint32_t our_ip, uint32_t *sender, uint8_t sender_mac[PKT_ETH_ALEN])
{
	if (len < ARP_PAYLOAD_LEN)
		return RX_DROP_TRUNCATED;
	if (pkt_be16(arp) != ARP_HTYPE_ETHERNET || pkt_be16(arp + 2) != PKT_ETHERTYPE_IPV4 ||
	    arp[4] != PKT_ETH_ALEN || arp[5] != 4)
		return RX_DROP_BAD_L4_HEADER;
	if (pkt_be16(arp + 6) != ARP_OP_REPLY)
		return RX_DROP_ICMP_TYPE; /* requests (and RARP ...): not an answer */
	if (pkt_be32(arp + ARP_TARGET_IP_OFF) != our_ip || memcmp(arp + 18, our_mac, PKT_ETH_ALEN) != 0)
		return RX_DROP_NOT_TO_US;
	if (arp[8] & 1) /* a group MAC cannot be a host's */
		return RX_DROP_BAD_L4_HEADER;
	*sender = pkt_be32(arp + 14);
	memcpy(sender_mac, arp + 8, PKT_ETH_ALEN);
	return RX_OK;
}

/* Called by reply.c for an ARP frame when the context accepts ARP (the sweep). */
enum rx_drop arp_classify_frame(const struct classify_ctx *ctx, const uint8_t *arp, size_t len,
				uint64_t rx_ns, struct scan_result *out)
{
	uint32_t sender;
	uint8_t mac[PKT_ETH_ALEN];
	enum rx_drop why = arp_reply_check(arp, len, ctx->our_mac, ctx->our_addrs[0], &sender, mac);
	if (why != RX_OK)
		return why;
	memset(out, 0, sizeof *out);
	out->addr = sender;
	out->responder = sender;
	out->proto = RESULT_PROTO_ARP;
	out->state = HOST_UP;
	out->reason = REASON_ARP_RESPONSE;
	out->reply_len = (uint16_t)ARP_PAYLOAD_LEN;
	out->timestamp_ns = rx_ns;
	out->rtt_ns = -1;
	memcpy(out->mac, mac, PKT_ETH_ALEN);
	out->has_mac = 1;
	return RX_OK;
}

/* ---- the probe kind ------------------------------------------------------------------ */

static int arp_init(struct probe_template *t, const struct probe_config *cfg, struct errbuf *e)
{
	(void)e;
	size_t l3 = write_arp_eth(t->frame, cfg->src_mac, cfg->vlan_id);
	write_arp_request(t->frame + l3, cfg->src_mac, cfg->saddr, 0);
	t->l3_off = (uint16_t)l3;
	t->l4_off = (uint16_t)l3;
	t->header_len = (uint16_t)(l3 + ARP_PAYLOAD_LEN < ARP_FRAME_LEN ? ARP_FRAME_LEN
									  : l3 + ARP_PAYLOAD_LEN);
	t->frame_max = t->header_len;
	t->saddr = cfg->saddr;
	t->sport_base = cfg->sport_base;
	t->sport_count = cfg->sport_count;
	return 0;
}

static PROBE_ALWAYS_INLINE size_t arp_build_inline(const struct probe_template *t,
						   struct probe_layout lay, uint8_t *frame,
						   uint32_t daddr, uint16_t dport, uint64_t cookie,
						   uint64_t now_ns)
{
	(void)dport;
	(void)cookie;
	(void)now_ns;
	probe_copy_template(t, frame);
	probe_store32(frame + lay.l3_off + ARP_TARGET_IP_OFF, __builtin_bswap32(daddr));
	return lay.header_len;
}

static size_t arp_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return arp_build_inline(t, probe_layout_of(t), frame, daddr, dport, cookie, now_ns);
}

PROBE_DEFINE_BURST(arp_build_burst, arp_build_inline, ((struct probe_layout){14, 14, 0, 60}))

/* No IP datagram is an ARP reply. */
enum rx_drop arp_classify(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
			  struct scan_result *out)
{
	(void)ctx;
	(void)ip;
	(void)out;
	return RX_DROP_OTHER_PROTOCOL;
}

enum rx_drop arp_classify_error(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				const struct reply_quote *q, struct scan_result *out)
{
	(void)ctx;
	(void)ip;
	(void)q;
	(void)out;
	return RX_DROP_OTHER_PROTOCOL;
}

const struct probe_kind probe_kind_arp = {
	.name = "arp",
	.summary = "ARP who-has (on-link targets, nmap -PR): a reply means the host is up",
	.ip_proto = RESULT_PROTO_ARP,
	.uses_port = 0,
	.init = arp_init,
	.build = arp_build,
	.build_burst = arp_build_burst,
	.classify = arp_classify,
	.classify_error = arp_classify_error,
};
