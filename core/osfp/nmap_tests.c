#include "core/osfp/nmap_tests.h"

#include <stdio.h>
#include <string.h>

#include "core/base/packet.h"

#define APPEND(...)                                                                       \
	do {                                                                              \
		int w_ = snprintf(out + at, at < cap ? cap - at : 0, __VA_ARGS__);       \
		total += w_ > 0 ? (size_t)w_ : 0;                                         \
		at = total < cap ? total : cap;                                           \
	} while (0)

int nmap_options_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t total = 0, at = 0;
	if (cap)
		out[0] = 0;
	while (n > 0) {
		uint8_t kind = p[0];
		if (kind == PKT_TCPOPT_EOL || kind == PKT_TCPOPT_NOP) {
			APPEND("%c", kind == PKT_TCPOPT_EOL ? 'L' : 'N');
			p++, n--;
			continue;
		}
		if (n < 2 || p[1] < 2 || p[1] > n)
			break;
		if (kind == PKT_TCPOPT_MSS && p[1] == 4)
			APPEND("M%X", pkt_be16(p + 2));
		else if (kind == PKT_TCPOPT_WSCALE && p[1] == 3)
			APPEND("W%X", p[2]);
		else if (kind == PKT_TCPOPT_TIMESTAMP && p[1] == 10)
			APPEND("T%d%d", pkt_be32(p + 2) != 0, pkt_be32(p + 6) != 0);
		else if (kind == PKT_TCPOPT_SACK_OK && p[1] == 2)
			APPEND("S");
		n -= p[1];
		p += p[1];
	}
	return (int)total;
}

uint32_t nmap_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static unsigned ttl_guess(unsigned ttl)
{
	return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/* S= and A=: the reply's numbers against the probe's. */
static const char *seq_rel(uint32_t v, uint32_t ref, const char *same, const char *plus)
{
	return v == 0 ? "Z" : v == ref ? same : v == ref + 1 ? plus : "O";
}

/* F=: nmap's flag letters in its order E U A P R S F. */
static void flags_text(uint8_t f, char out[8])
{
	static const struct {
		uint8_t bit;
		char c;
	} order[] = {{0x40, 'E'}, {0x20, 'U'}, {0x10, 'A'}, {0x08, 'P'},
		     {0x04, 'R'}, {0x02, 'S'}, {0x01, 'F'}};
	size_t n = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (f & order[i].bit)
			out[n++] = order[i].c;
	out[n] = 0;
}

int nmap_reply_attributes(const uint8_t *ip, size_t len, uint32_t probe_seq,
			  uint32_t probe_ack, unsigned hops, enum nmap_test_line line, char *out,
			  size_t cap)
{
	if (len < PKT_IPV4_HLEN || ip[9] != PKT_IPPROTO_TCP)
		return -1;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < PKT_IPV4_HLEN || len < ihl + PKT_TCP_HLEN)
		return -1;
	const uint8_t *t = ip + ihl;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < PKT_TCP_HLEN || ihl + doff > len)
		return -1;
	size_t total = 0, at = 0;
	unsigned ttl = ip[8];
	bool df = (ip[6] & 0x40) != 0;
	/* a subject gives T (the initial TTL, from the distance) when it knows the distance,
	 * else TG (the guess), as nmap's fingerprints do */
	if (hops)
		APPEND("R=Y%%DF=%c%%T=%X", df ? 'Y' : 'N', ttl + hops - 1);
	else
		APPEND("R=Y%%DF=%c%%TG=%X", df ? 'Y' : 'N', ttl_guess(ttl));
	if (line != NMAP_LINE_T1)
		APPEND("%%W=%X", pkt_be16(t + 14));
	char opts[96];
	nmap_options_text(t + PKT_TCP_HLEN, doff - PKT_TCP_HLEN, opts, sizeof opts);
	if (line == NMAP_LINE_ECN) {
		uint8_t ec = t[13] & 0xc0; /* ECE 0x40, CWR 0x80 */
		APPEND("%%O=%s%%CC=%s", opts, ec == 0x40 ? "Y" : ec == 0 ? "N" : ec == 0xc0 ? "S" : "O");
	} else {
		char f[8];
		flags_text(t[13], f);
		APPEND("%%S=%s%%A=%s%%F=%s", seq_rel(pkt_be32(t + 4), probe_ack, "A", "A+"),
		       seq_rel(pkt_be32(t + 8), probe_seq, "S", "S+"), f);
		if (line == NMAP_LINE_T)
			APPEND("%%O=%s", opts);
		/* RD: the CRC32 of an RST's data (some stacks put an error text there), 0 when
		 * there is none; the data ends where the IP total length says */
		size_t ip_total = pkt_be16(ip + 2), end = ip_total < len ? ip_total : len;
		size_t data = ihl + doff < end ? end - ihl - doff : 0;
		APPEND("%%RD=%X", (t[13] & PKT_TCP_RST) && data ? nmap_crc32(t + doff, data) : 0);
	}
	bool reserved = (t[12] & 0x0f) != 0, urp = !(t[13] & 0x20) && pkt_be16(t + 18) != 0;
	APPEND("%%Q=%s%s", reserved ? "R" : "", urp ? "U" : "");
	return (int)total;
}
