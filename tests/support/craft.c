#include "tests/support/craft.h"

#include <netinet/in.h>
#include <string.h>

#include "core/base/checksum.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

struct cookie_key craft_test_key(void)
{
	uint8_t bytes[16];
	for (int i = 0; i < 16; i++)
		bytes[i] = (uint8_t)i;
	return (struct cookie_key){siphash_key_from_bytes(bytes)};
}

#define TCP_OPTIONS_LEN 20

static size_t transport_len(const struct craft *c)
{
	switch (c->proto) {
	case IPPROTO_TCP: return 20 + (c->tcp_options ? TCP_OPTIONS_LEN : 0) + c->payload_len;
	case IPPROTO_UDP:
	case IPPROTO_ICMP: return 8 + c->payload_len;
	default: return c->payload_len;
	}
}

static uint16_t spoil(uint16_t check)
{
	return (uint16_t)(check == 0xfffe ? 0x1234 : check + 1);
}

static size_t write_link(uint8_t *p, const struct craft *c)
{
	if (c->raw_ip)
		return 0;
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	memcpy(p, macs, sizeof macs);
	size_t off = 12;
	for (unsigned i = 0; i < c->vlan_tags; i++) {
		put16(p + off, (c->vlan_tags == 2 && i == 0) ? 0x88a8 : 0x8100);
		put16(p + off + 2, (uint16_t)(100 + i)); /* VLAN id */
		off += 4;
	}
	put16(p + off, 0x0800);
	return off + 2;
}

static void write_tcp(uint8_t *t, const struct craft *c)
{
	size_t hlen = 20 + (c->tcp_options ? TCP_OPTIONS_LEN : 0);
	put16(t, c->sport);
	put16(t + 2, c->dport);
	put32(t + 4, c->seq);
	put32(t + 8, c->ack);
	t[12] = (uint8_t)((hlen / 4) << 4);
	t[13] = c->tcp_flags;
	put16(t + 14, c->window);
	if (c->tcp_options) {
		uint8_t *o = t + 20;
		o[0] = 2, o[1] = 4, put16(o + 2, c->mss);     /* MSS */
		o[4] = 4, o[5] = 2;                           /* SACK permitted */
		o[6] = 8, o[7] = 10, put32(o + 8, c->tsval), put32(o + 12, c->tsecr);
		o[16] = 1;                                    /* NOP */
		o[17] = 3, o[18] = 3, o[19] = c->wscale;      /* window scale */
	}
	memcpy(t + hlen, c->payload, c->payload_len);
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	return csum_partial(ip + 12, 8, 0) + proto + (uint32_t)l4_len;
}

/* Linux's ~csum_tcpudp_magic(saddr, daddr, len, proto, 0): the folded sum, uncomplemented. */
static uint16_t partial_check(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	return (uint16_t)~csum_fold(pseudo_sum(ip, proto, l4_len));
}

size_t craft_frame(uint8_t *buf, size_t cap, const struct craft *c)
{
	size_t l2 = c->raw_ip ? 0 : 14 + 4 * (size_t)c->vlan_tags;
	size_t ihl = 20 + (size_t)(c->ip_options_len & ~3u);
	size_t l4_len = transport_len(c);
	size_t total = l2 + ihl + l4_len;
	if (total > cap || c->payload_len > CRAFT_MAX_PAYLOAD || ihl > 60)
		return 0;
	memset(buf, 0, total);
	write_link(buf, c);

	uint8_t *ip = buf + l2;
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (uint16_t)(ihl + l4_len));
	put16(ip + 4, c->ip_id);
	put16(ip + 6, c->frag);
	ip[8] = c->ttl;
	ip[9] = c->proto;
	put32(ip + 12, c->src);
	put32(ip + 16, c->dst);
	if (ihl > 20) {
		memset(ip + 20, 1, ihl - 20); /* NOPs ... */
		ip[ihl - 1] = 0;              /* ... then end of options */
	}
	uint16_t ip_check = csum_fold(csum_partial(ip, ihl, 0));
	put16(ip + 10, c->bad_ip_checksum ? spoil(ip_check) : ip_check);

	uint8_t *l4 = ip + ihl;
	uint16_t check;
	switch (c->proto) {
	case IPPROTO_TCP:
		write_tcp(l4, c);
		check = csum_fold(csum_partial(l4, l4_len, pseudo_sum(ip, c->proto, l4_len)));
		if (c->l4_checksum_partial)
			check = partial_check(ip, c->proto, l4_len);
		put16(l4 + 16, c->bad_l4_checksum ? spoil(check) : check);
		break;
	case IPPROTO_UDP:
		put16(l4, c->sport);
		put16(l4 + 2, c->dport);
		put16(l4 + 4, (uint16_t)l4_len);
		memcpy(l4 + 8, c->payload, c->payload_len);
		check = csum_fold(csum_partial(l4, l4_len, pseudo_sum(ip, c->proto, l4_len)));
		if (check == 0)
			check = 0xffff; /* RFC 768: 0 means "no checksum" */
		if (c->udp_no_checksum)
			check = 0;
		if (c->l4_checksum_partial)
			check = partial_check(ip, c->proto, l4_len);
		put16(l4 + 6, c->bad_l4_checksum ? spoil(check) : check);
		break;
	case IPPROTO_ICMP:
		l4[0] = c->icmp_type;
		l4[1] = c->icmp_code;
		put16(l4 + 4, c->icmp_id);
		put16(l4 + 6, c->icmp_seq);
		memcpy(l4 + 8, c->payload, c->payload_len);
		check = csum_fold(csum_partial(l4, l4_len, 0));
		put16(l4 + 2, c->bad_l4_checksum ? spoil(check) : check);
		break;
	default:
		memcpy(l4, c->payload, c->payload_len);
		break;
	}
	return total;
}

static void craft_base(struct craft *c, uint32_t src, uint32_t dst, uint8_t proto)
{
	memset(c, 0, sizeof *c);
	c->src = src;
	c->dst = dst;
	c->proto = proto;
	c->ttl = 57;
	c->ip_id = 0x4242;
}

static uint64_t scan_cookie(const struct craft_scan *s, uint32_t target, uint16_t tport,
			    uint8_t proto)
{
	return cookie_compute(s->key, s->us, target, tport, proto);
}

size_t craft_probe(uint8_t *buf, size_t cap, const struct craft_scan *s, uint32_t target,
		   uint16_t tport, uint8_t proto, enum tcp_probe_kind kind, uint64_t send_ns)
{
	struct craft p;
	craft_base(&p, s->us, target, proto);
	p.raw_ip = true;
	p.ttl = 64;
	p.ip_id = 54321;
	uint64_t c = scan_cookie(s, target, proto == IPPROTO_ICMP ? 0 : tport, proto);
	p.sport = cookie_source_port(c, s->sport_base, s->sport_count);
	p.dport = tport;
	if (proto == IPPROTO_TCP && kind == TCP_PROBE_SYN) {
		p.seq = cookie_tcp_seq(c);
		p.tcp_flags = CRAFT_SYN;
		p.window = 65535;
		p.tcp_options = true;
		p.mss = 1460;
		p.wscale = 7;
		p.tsval = (uint32_t)(send_ns / 1000);
	} else if (proto == IPPROTO_TCP) {
		p.seq = 0x5eed;
		p.ack = cookie_tcp_seq(c);
		p.tcp_flags = CRAFT_ACK;
		p.window = 1024;
	} else if (proto == IPPROTO_ICMP) {
		p.icmp_type = 8;
		p.icmp_id = cookie_icmp_id(c);
		p.icmp_seq = cookie_icmp_seq(c);
		put64(p.payload, send_ns);
		p.payload_len = 8;
	}
	return craft_frame(buf, cap, &p);
}

void craft_tcp_reply(struct craft *c, const struct craft_scan *s, uint32_t target,
		     uint16_t tport, uint8_t flags)
{
	uint64_t k = scan_cookie(s, target, tport, IPPROTO_TCP);
	craft_base(c, target, s->us, IPPROTO_TCP);
	c->sport = tport;
	c->dport = cookie_source_port(k, s->sport_base, s->sport_count);
	c->ack = cookie_tcp_seq(k) + 1;
	c->tcp_flags = flags;
	if (flags & CRAFT_SYN) {
		c->seq = 0x11223344;
		c->window = 64240;
		c->tcp_options = true;
		c->mss = 1460;
		c->wscale = 7;
		c->tsval = 0xabcdef01;
	}
}

void craft_rst_to_ack(struct craft *c, const struct craft_scan *s, uint32_t target,
		      uint16_t tport)
{
	uint64_t k = scan_cookie(s, target, tport, IPPROTO_TCP);
	craft_base(c, target, s->us, IPPROTO_TCP);
	c->sport = tport;
	c->dport = cookie_source_port(k, s->sport_base, s->sport_count);
	c->seq = cookie_tcp_seq(k);
	c->tcp_flags = CRAFT_RST;
}

void craft_udp_reply(struct craft *c, const struct craft_scan *s, uint32_t target,
		     uint16_t tport, const uint8_t *payload, size_t len)
{
	uint64_t k = scan_cookie(s, target, tport, IPPROTO_UDP);
	craft_base(c, target, s->us, IPPROTO_UDP);
	c->sport = tport;
	c->dport = cookie_source_port(k, s->sport_base, s->sport_count);
	if (len > CRAFT_MAX_PAYLOAD)
		len = CRAFT_MAX_PAYLOAD;
	memcpy(c->payload, payload, len);
	c->payload_len = len;
}

void craft_echo_reply(struct craft *c, const struct craft_scan *s, uint32_t target,
		      uint64_t send_ns)
{
	uint64_t k = scan_cookie(s, target, 0, IPPROTO_ICMP);
	craft_base(c, target, s->us, IPPROTO_ICMP);
	c->icmp_type = 0;
	c->icmp_id = cookie_icmp_id(k);
	c->icmp_seq = cookie_icmp_seq(k);
	put64(c->payload, send_ns);
	c->payload_len = 8;
}

void craft_icmp_error(struct craft *c, const struct craft_scan *s, uint32_t from,
		      uint32_t target, uint16_t tport, uint8_t probe_proto,
		      enum tcp_probe_kind kind, uint8_t type, uint8_t code, size_t quote_len)
{
	uint8_t probe[CRAFT_MAX_FRAME];
	size_t plen = craft_probe(probe, sizeof probe, s, target, tport, probe_proto, kind,
				  1700000000000000000ull);
	size_t quoted = quote_len ? quote_len : 20 + 8;
	if (quoted > plen)
		quoted = plen;
	if (quoted > CRAFT_MAX_PAYLOAD)
		quoted = CRAFT_MAX_PAYLOAD;
	craft_base(c, from, s->us, IPPROTO_ICMP);
	c->ttl = 250;
	c->icmp_type = type;
	c->icmp_code = code;
	memcpy(c->payload, probe, quoted);
	c->payload_len = quoted;
}
