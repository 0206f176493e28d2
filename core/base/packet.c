#include "core/base/packet.h"

size_t pkt_write_eth(uint8_t *frame, const uint8_t src[PKT_ETH_ALEN],
		     const uint8_t dst[PKT_ETH_ALEN], uint16_t vlan_id)
{
	memcpy(frame, dst, PKT_ETH_ALEN);
	memcpy(frame + PKT_ETH_ALEN, src, PKT_ETH_ALEN);
	if (vlan_id == 0) {
		pkt_put_be16(frame + 12, PKT_ETHERTYPE_IPV4);
		return PKT_ETH_HLEN;
	}
	pkt_put_be16(frame + 12, PKT_ETHERTYPE_VLAN);
	pkt_put_be16(frame + 14, vlan_id & 0x0fff);
	pkt_put_be16(frame + 16, PKT_ETHERTYPE_IPV4);
	return PKT_ETH_HLEN + PKT_VLAN_HLEN;
}

void pkt_write_ipv4(uint8_t *ip, uint8_t proto, uint32_t saddr, uint32_t daddr, uint8_t ttl,
		    uint16_t id, uint16_t total_len)
{
	ip[0] = PKT_IPV4_VERSION_IHL5;
	ip[1] = 0;
	pkt_put_be16(ip + 2, total_len);
	pkt_put_be16(ip + 4, id);
	pkt_put_be16(ip + 6, PKT_IPV4_DF);
	ip[8] = ttl;
	ip[9] = proto;
	pkt_put_be16(ip + 10, 0);
	pkt_put_be32(ip + 12, saddr);
	pkt_put_be32(ip + 16, daddr);
	pkt_put_be16(ip + 10, pkt_ipv4_checksum(ip));
}

uint16_t pkt_ipv4_checksum(const uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
	uint32_t sum = csum_partial(ip, hlen, 0);
	sum += (uint16_t)~pkt_be16(ip + 10); /* take the stored checksum back out */
	return csum_fold(sum);
}

static size_t l4_check_offset(uint8_t proto)
{
	return proto == PKT_IPPROTO_TCP ? 16 : proto == PKT_IPPROTO_UDP ? 6 : 2;
}

uint16_t pkt_l4_checksum(uint32_t saddr, uint32_t daddr, uint8_t proto, const uint8_t *l4,
			 uint16_t l4_len)
{
	uint32_t sum = proto == PKT_IPPROTO_ICMP ? 0 : pkt_pseudo_sum(saddr, daddr, proto, l4_len);
	sum = csum_partial(l4, l4_len, sum);
	sum += (uint16_t)~pkt_be16(l4 + l4_check_offset(proto));
	uint16_t check = csum_fold(sum);
	/* UDP sends a computed zero as all ones: zero means "no checksum" (RFC 768). */
	if (proto == PKT_IPPROTO_UDP && check == 0)
		check = 0xffff;
	return check;
}
