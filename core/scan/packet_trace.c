/* --packet-trace lines (see core/scan/packet_trace.h). The frame is decoded here, for
 * the trace only; the probe kinds build and classify as before. */
#include "core/scan/packet_trace.h"

#include <string.h>

#include "core/base/clock.h"

void packet_trace_init(struct packet_trace *pt, FILE *out, uint64_t start_ns)
{
	pt->out = out;
	pt->start_ns = start_ns;
	atomic_init(&pt->lines[0], 0);
	atomic_init(&pt->lines[1], 0);
}

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void ip_text(const uint8_t *p, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

/* nmap's flag letters, in its order: "S", "SA", "RA", "A". */
static void tcp_flags(unsigned f, char out[8])
{
	static const struct { unsigned bit; char c; } order[] = {
		{0x02, 'S'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'}, {0x10, 'A'}, {0x20, 'U'},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (f & order[i].bit)
			out[n++] = order[i].c;
	out[n] = '\0';
}

/* The line after "SENT (0.0012s) ", or 0 when the frame is not IPv4 we can read. */
static int describe(const uint8_t *f, size_t len, char *out, size_t cap)
{
	size_t l3 = 14;
	if (len >= 18 && be16(f + 12) == 0x8100)
		l3 = 18;
	if (len < l3 + 20 || be16(f + l3 - 2) != 0x0800 || (f[l3] >> 4) != 4)
		return 0;
	const uint8_t *ip = f + l3;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < l3 + ihl)
		return 0;
	const uint8_t *l4 = ip + ihl;
	size_t l4len = len - l3 - ihl;
	char src[16], dst[16];
	ip_text(ip + 12, src);
	ip_text(ip + 16, dst);
	unsigned ttl = ip[8], id = be16(ip + 4), iplen = be16(ip + 2);
	if (ip[9] == 6 && l4len >= 20) {
		char flags[8];
		tcp_flags(l4[13], flags);
		return snprintf(out, cap, "TCP %s:%u > %s:%u %s ttl=%u id=%u iplen=%u  seq=%u win=%u",
				src, be16(l4), dst, be16(l4 + 2), flags, ttl, id, iplen,
				be32(l4 + 4), be16(l4 + 14));
	}
	if (ip[9] == 17 && l4len >= 8)
		return snprintf(out, cap, "UDP %s:%u > %s:%u ttl=%u id=%u iplen=%u", src, be16(l4),
				dst, be16(l4 + 2), ttl, id, iplen);
	if (ip[9] == 1 && l4len >= 4)
		return snprintf(out, cap, "ICMP [%s > %s (type=%u/code=%u) ] IP [ttl=%u id=%u iplen=%u ]",
				src, dst, l4[0], l4[1], ttl, id, iplen);
	return snprintf(out, cap, "IP %s > %s proto=%u ttl=%u id=%u iplen=%u", src, dst, ip[9],
			ttl, id, iplen);
}

void packet_trace_frame(struct packet_trace *pt, bool received, const uint8_t *frame, size_t len)
{
	char body[192];
	if (describe(frame, len, body, sizeof body) <= 0)
		return;
	unsigned n = atomic_fetch_add_explicit(&pt->lines[received], 1, memory_order_relaxed);
	const char *what = received ? "RCVD" : "SENT";
	if (n == PACKET_TRACE_LIMIT)
		fprintf(pt->out, "orbit: --packet-trace: more than %d %s packets; the rest are not "
				 "shown\n", PACKET_TRACE_LIMIT, received ? "received" : "sent");
	if (n >= PACKET_TRACE_LIMIT)
		return;
	double secs = (double)(clock_mono_ns() - pt->start_ns) / 1e9;
	fprintf(pt->out, "%s (%.4fs) %s\n", what, secs, body);
}
