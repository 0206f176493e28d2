/* nmap's -O probes and the subject fingerprint of the answers (contract in the header).
 * Every rule here is nmap's documented one (nmap.org/book/osdetect-methods.html); where
 * the text leaves a detail open, the choice and the evidence (a lab capture of nmap 7.93)
 * is said beside it. */
#include "core/osfp/nmap_fingerprint.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/packet.h"
#include "core/osfp/nmap_tests.h"

static const char *const probe_names[NMAP_PROBE_COUNT] = {
	"SEQ1", "SEQ2", "SEQ3", "SEQ4", "SEQ5", "SEQ6", "ECN", "T2",
	"T3",   "T4",   "T5",   "T6",   "T7",   "U1",   "IE1", "IE2"};

const char *nmap_os_probe_name(enum nmap_os_probe p)
{
	return (unsigned)p < NMAP_PROBE_COUNT ? probe_names[p] : "?";
}

int nmap_os_probe_protocol(enum nmap_os_probe p)
{
	return p == NMAP_PROBE_U1 ? PKT_IPPROTO_UDP
	       : p == NMAP_PROBE_IE1 || p == NMAP_PROBE_IE2 ? PKT_IPPROTO_ICMP
							       : PKT_IPPROTO_TCP;
}

enum nmap_os_port nmap_os_probe_port(enum nmap_os_probe p)
{
	if (p <= NMAP_PROBE_T4)
		return NMAP_PORT_OPEN;
	if (p <= NMAP_PROBE_T7)
		return NMAP_PORT_CLOSED_TCP;
	return p == NMAP_PROBE_U1 ? NMAP_PORT_CLOSED_UDP : NMAP_PORT_NONE;
}

/* ------------------------------------------------------------------ the probes */

#define TS_FFFF 0x08, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00
/* SEQ1-6: the doc's option lists, EOL-padded to a 4-byte multiple as on the wire */
static const uint8_t opt_seq1[] = {0x03, 0x03, 0x0a, 0x01, 0x02, 0x04, 0x05, 0xb4, TS_FFFF, 0x04, 0x02};
static const uint8_t opt_seq2[] = {0x02, 0x04, 0x05, 0x78, 0x03, 0x03, 0x00, 0x04, 0x02, TS_FFFF, 0x00};
static const uint8_t opt_seq3[] = {TS_FFFF, 0x01, 0x01, 0x03, 0x03, 0x05, 0x01, 0x02, 0x04, 0x02, 0x80};
static const uint8_t opt_seq4[] = {0x04, 0x02, TS_FFFF, 0x03, 0x03, 0x0a, 0x00};
static const uint8_t opt_seq5[] = {0x02, 0x04, 0x02, 0x18, 0x04, 0x02, TS_FFFF, 0x03, 0x03, 0x0a, 0x00};
static const uint8_t opt_seq6[] = {0x02, 0x04, 0x01, 0x09, 0x04, 0x02, TS_FFFF};
/* ECN: WScale 10, NOP, MSS 1460, SACK permitted, NOP, NOP */
static const uint8_t opt_ecn[] = {0x03, 0x03, 0x0a, 0x01, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x01};
/* T2-T6: WScale 10, NOP, MSS 265, Timestamp, SACK permitted; T7 the same with WScale 15 */
static const uint8_t opt_t[] = {0x03, 0x03, 0x0a, 0x01, 0x02, 0x04, 0x01, 0x09, TS_FFFF, 0x04, 0x02};
static const uint8_t opt_t7[] = {0x03, 0x03, 0x0f, 0x01, 0x02, 0x04, 0x01, 0x09, TS_FFFF, 0x04, 0x02};

struct tcp_probe {
	uint8_t flags;
	bool df;
	uint16_t window, urgent;
	uint8_t reserved; /* the low nibble of the data-offset byte */
	const uint8_t *opt;
	size_t opt_len;
};

#define OPT(a) a, sizeof a
static const struct tcp_probe tcp_probes[NMAP_PROBE_T7 + 1] = {
	[NMAP_PROBE_SEQ1] = {PKT_TCP_SYN, false, 1, 0, 0, OPT(opt_seq1)},
	[NMAP_PROBE_SEQ2] = {PKT_TCP_SYN, false, 63, 0, 0, OPT(opt_seq2)},
	[NMAP_PROBE_SEQ3] = {PKT_TCP_SYN, false, 4, 0, 0, OPT(opt_seq3)},
	[NMAP_PROBE_SEQ4] = {PKT_TCP_SYN, false, 4, 0, 0, OPT(opt_seq4)},
	[NMAP_PROBE_SEQ5] = {PKT_TCP_SYN, false, 16, 0, 0, OPT(opt_seq5)},
	[NMAP_PROBE_SEQ6] = {PKT_TCP_SYN, false, 512, 0, 0, OPT(opt_seq6)},
	/* "the reserved bit which immediately precedes the CWR bit": nmap 7.93 puts it at
	 * 0x08 of byte 12 (captured: 88 c2), the first of RFC 793's six reserved bits */
	[NMAP_PROBE_ECN] = {PKT_TCP_CWR | PKT_TCP_ECE | PKT_TCP_SYN, false, 3, 0xf7f5, 0x08,
			    OPT(opt_ecn)},
	[NMAP_PROBE_T2] = {0, true, 128, 0, 0, OPT(opt_t)},
	[NMAP_PROBE_T3] = {PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_URG | PKT_TCP_PSH, false, 256, 0, 0,
			   OPT(opt_t)},
	[NMAP_PROBE_T4] = {PKT_TCP_ACK, true, 1024, 0, 0, OPT(opt_t)},
	[NMAP_PROBE_T5] = {PKT_TCP_SYN, false, 31337, 0, 0, OPT(opt_t)},
	[NMAP_PROBE_T6] = {PKT_TCP_ACK, true, 32768, 0, 0, OPT(opt_t)},
	[NMAP_PROBE_T7] = {PKT_TCP_FIN | PKT_TCP_PSH | PKT_TCP_URG, false, 65535, 0, 0, OPT(opt_t7)},
};

#define U1_DATA_LEN 300
#define U1_IP_ID 0x1042
#define IE1_DATA_LEN 120
#define IE2_DATA_LEN 150
#define IE1_SEQ 295
#define IE_TOS_RELIABILITY 4

static void write_ip(uint8_t *ip, const struct nmap_os_probe_fields *f, uint8_t tos, bool df,
		     uint16_t id, uint8_t proto, size_t total)
{
	ip[0] = PKT_IPV4_VERSION_IHL5;
	ip[1] = tos;
	pkt_put_be16(ip + 2, (uint16_t)total);
	pkt_put_be16(ip + 4, id);
	pkt_put_be16(ip + 6, df ? PKT_IPV4_DF : 0);
	ip[8] = f->ttl;
	ip[9] = proto;
	pkt_put_be32(ip + 12, f->src);
	pkt_put_be32(ip + 16, f->dst);
	pkt_put_be16(ip + 10, pkt_ipv4_checksum(ip));
}

static size_t build_tcp(enum nmap_os_probe p, const struct nmap_os_probe_fields *f,
			uint8_t *out, size_t cap)
{
	const struct tcp_probe *d = &tcp_probes[p];
	size_t tcp_len = PKT_TCP_HLEN + d->opt_len, total = PKT_IPV4_HLEN + tcp_len;
	if (cap < total)
		return 0;
	memset(out, 0, total);
	write_ip(out, f, 0, d->df, f->ip_id, PKT_IPPROTO_TCP, total);
	uint8_t *t = out + PKT_IPV4_HLEN;
	pkt_put_be16(t, f->sport);
	pkt_put_be16(t + 2, f->dport);
	pkt_put_be32(t + 4, f->seq);
	/* the ECN probe's acknowledgement number is zero (the doc), whatever f says */
	pkt_put_be32(t + 8, p == NMAP_PROBE_ECN ? 0 : f->ack);
	t[12] = (uint8_t)((tcp_len / 4) << 4 | d->reserved);
	t[13] = d->flags;
	pkt_put_be16(t + 14, d->window);
	pkt_put_be16(t + 18, d->urgent);
	memcpy(t + PKT_TCP_HLEN, d->opt, d->opt_len);
	pkt_put_be16(t + 16, pkt_l4_checksum(f->src, f->dst, PKT_IPPROTO_TCP, t, (uint16_t)tcp_len));
	return total;
}

static size_t build_udp(const struct nmap_os_probe_fields *f, uint8_t *out, size_t cap)
{
	size_t udp_len = PKT_UDP_HLEN + U1_DATA_LEN, total = PKT_IPV4_HLEN + udp_len;
	if (cap < total)
		return 0;
	write_ip(out, f, 0, false, U1_IP_ID, PKT_IPPROTO_UDP, total);
	uint8_t *u = out + PKT_IPV4_HLEN;
	pkt_put_be16(u, f->sport);
	pkt_put_be16(u + 2, f->dport);
	pkt_put_be16(u + 4, (uint16_t)udp_len);
	pkt_put_be16(u + 6, 0);
	memset(u + PKT_UDP_HLEN, 'C', U1_DATA_LEN);
	pkt_put_be16(u + 6, pkt_l4_checksum(f->src, f->dst, PKT_IPPROTO_UDP, u, (uint16_t)udp_len));
	return total;
}

static size_t build_icmp(enum nmap_os_probe p, const struct nmap_os_probe_fields *f,
			 uint8_t *out, size_t cap)
{
	bool first = p == NMAP_PROBE_IE1;
	size_t icmp_len = PKT_ICMP_HLEN + (first ? IE1_DATA_LEN : IE2_DATA_LEN);
	size_t total = PKT_IPV4_HLEN + icmp_len;
	if (cap < total)
		return 0;
	memset(out, 0, total);
	write_ip(out, f, first ? 0 : IE_TOS_RELIABILITY, first, f->ip_id, PKT_IPPROTO_ICMP, total);
	uint8_t *c = out + PKT_IPV4_HLEN;
	c[0] = PKT_ICMP_ECHO_REQUEST;
	c[1] = first ? 9 : 0; /* IE1's code 9 "even though it should be zero" */
	pkt_put_be16(c + 4, (uint16_t)(f->icmp_id + !first));
	pkt_put_be16(c + 6, (uint16_t)(IE1_SEQ + !first));
	pkt_put_be16(c + 2, pkt_l4_checksum(f->src, f->dst, PKT_IPPROTO_ICMP, c, (uint16_t)icmp_len));
	return total;
}

size_t nmap_os_probe_build(enum nmap_os_probe p, const struct nmap_os_probe_fields *f,
			   uint8_t *out, size_t cap)
{
	if ((unsigned)p >= NMAP_PROBE_COUNT)
		return 0;
	if (p == NMAP_PROBE_U1)
		return build_udp(f, out, cap);
	if (p == NMAP_PROBE_IE1 || p == NMAP_PROBE_IE2)
		return build_icmp(p, f, out, cap);
	return build_tcp(p, f, out, cap);
}

/* ------------------------------------------------------------------ reading replies */

/* A reply's IPv4 header and the layer-4 bytes after it, bounded by both the bytes there
 * and the header's total length. */
struct view {
	const uint8_t *ip, *l4;
	size_t l4_len;
};

static bool view_of(const uint8_t *ip, size_t len, uint8_t proto, size_t min_l4, struct view *v)
{
	if (!ip || len < PKT_IPV4_HLEN || ip[0] >> 4 != 4 || ip[9] != proto)
		return false;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, total = pkt_be16(ip + 2);
	if (total < len)
		len = total;
	if (ihl < PKT_IPV4_HLEN || len < ihl + min_l4)
		return false;
	*v = (struct view){ip, ip + ihl, len - ihl};
	return true;
}

/* A TCP reply's header, options inside the bytes there. */
static bool tcp_of(const struct nmap_os_exchange *x, struct view *v)
{
	if (!view_of(x->reply, x->reply_len, PKT_IPPROTO_TCP, PKT_TCP_HLEN, v))
		return false;
	size_t doff = (size_t)(v->l4[12] >> 4) * 4;
	return doff >= PKT_TCP_HLEN && doff <= v->l4_len;
}

static bool is_synack(const struct nmap_os_exchange *x, struct view *v)
{
	return tcp_of(x, v) && (v->l4[13] & (PKT_TCP_SYN | PKT_TCP_ACK)) == (PKT_TCP_SYN | PKT_TCP_ACK);
}

/* The TSval of a TCP header's timestamp option; false when it has none. */
static bool tcp_tsval(const uint8_t *t, uint32_t *tsval)
{
	size_t n = (size_t)(t[12] >> 4) * 4 - PKT_TCP_HLEN;
	const uint8_t *p = t + PKT_TCP_HLEN;
	while (n > 0 && p[0] != PKT_TCPOPT_EOL) {
		if (p[0] == PKT_TCPOPT_NOP) {
			p++, n--;
			continue;
		}
		if (n < 2 || p[1] < 2 || p[1] > n)
			return false;
		if (p[0] == PKT_TCPOPT_TIMESTAMP && p[1] == PKT_TCPOLEN_TIMESTAMP) {
			*tsval = pkt_be32(p + 2);
			return true;
		}
		n -= p[1];
		p += p[1];
	}
	return false;
}

/* The sender's probe TTL and, for U1, the quoted copy's: nmap's distance is the hops the
 * probe took, sent TTL - quoted TTL + 1 (1: on-link, the target saw our TTL). */
unsigned nmap_os_distance(const struct nmap_os_answers *a)
{
	if (a->hops)
		return a->hops;
	const struct nmap_os_exchange *x = &a->x[NMAP_PROBE_U1];
	struct view v;
	if (!x->probe || x->probe_len < PKT_IPV4_HLEN ||
	    !view_of(x->reply, x->reply_len, PKT_IPPROTO_ICMP, PKT_ICMP_HLEN + PKT_IPV4_HLEN, &v) ||
	    v.l4[0] != PKT_ICMP_UNREACH)
		return 0;
	unsigned sent = x->probe[8], quoted = v.l4[PKT_ICMP_HLEN + 8];
	return quoted <= sent ? sent - quoted + 1 : 0;
}

/* ------------------------------------------------------------------ output buffer */

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		o->len += (size_t)w < o->cap - o->len ? (size_t)w : o->cap - o->len - 1;
}

/* "%" between attributes: put_attr(o, &first, "GCD=%X", g) */
#define ATTR(o, first, ...)                                                               \
	do {                                                                              \
		put(o, "%s", *(first) ? "" : "%");                                        \
		put(o, __VA_ARGS__);                                                      \
		*(first) = false;                                                         \
	} while (0)

/* ------------------------------------------------------------------ SEQ */

#define SEQ_COUNT (NMAP_PROBE_SEQ6 + 1)
#define SEQ_MIN_ISN 4 /* SP (and with it GCD, ISR): "only if at least four responses" */
#define TI_MIN 3      /* TI: at least three responses; CI two; II both echoes */
#define CI_MIN 2

const char *nmap_ipid_class(const uint16_t *ids, size_t n, bool allow_rd, char out[8])
{
	out[0] = 0;
	if (n < 2)
		return out;
	bool zero = true, same = true, rd = false, ri = false, bi = true, inc = true;
	for (size_t i = 0; i < n; i++) {
		zero = zero && ids[i] == 0;
		if (i == 0)
			continue;
		unsigned d = (uint16_t)(ids[i] - ids[i - 1]); /* wraps like the counter */
		same = same && d == 0;
		rd = rd || d >= 20000;
		/* a jump of over 1000 is random unless it is a multiple of 256 (a byte-swapped
		 * counter), which counts only from 256,000 -- never, in 16 bits */
		ri = ri || (d > 1000 && (d % 256 != 0 || d >= 256000));
		bi = bi && d % 256 == 0 && d <= 5120;
		inc = inc && d < 10;
	}
	const char *c = zero ? "Z" : rd && allow_rd ? "RD" : same ? NULL : ri ? "RI" : bi ? "BI"
				    : inc ? "I" : "";
	if (c)
		snprintf(out, 8, "%s", c);
	else
		snprintf(out, 8, "%X", ids[0]);
	return out;
}

struct seq_sample {
	uint32_t isn, tsval;
	bool has_ts;
	uint16_t ipid;
	double sent; /* seconds */
	int probe;
};

static size_t seq_samples(const struct nmap_os_answers *a, struct seq_sample s[SEQ_COUNT])
{
	size_t n = 0;
	for (int i = 0; i < SEQ_COUNT; i++) {
		const struct nmap_os_exchange *x = &a->x[i];
		struct view v;
		if (!is_synack(x, &v))
			continue;
		s[n] = (struct seq_sample){pkt_be32(v.l4 + 4), 0, false, pkt_be16(v.ip + 4),
					   (double)x->sent_ns / 1e9, i};
		s[n].has_ts = tcp_tsval(v.l4, &s[n].tsval);
		n++;
	}
	return n;
}

/* diff1's element: the smaller of the two ways from one value to the next round the
 * 32-bit counter. The doc says so for an ISN that went down; nmap 7.93 does it both ways
 * (its SP and ISR on two lab hosts' random ISNs come out only so, with the sample
 * standard deviation), and for TSvals too (its TS=21 and 22 there). */
static uint32_t diff32(uint32_t prev, uint32_t cur)
{
	uint32_t up = cur - prev, down = prev - cur;
	return up < down ? up : down;
}

static double elapsed(const struct seq_sample *p, const struct seq_sample *q)
{
	double dt = q->sent - p->sent;
	return dt > 1e-6 ? dt : 1e-6; /* hostile or coarse clocks: never divide by zero */
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

static unsigned log2_x8(double v)
{
	return v < 1 ? 0 : (unsigned)lround(8 * log2(v));
}

static void seq_isn(struct out *o, bool *first, const struct seq_sample *s, size_t n)
{
	if (n < SEQ_MIN_ISN)
		return;
	double rate[SEQ_COUNT], avg = 0;
	uint32_t g = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		uint32_t d = diff32(s[i].isn, s[i + 1].isn);
		g = gcd32(g, d);
		rate[i] = d / elapsed(&s[i], &s[i + 1]);
		avg += rate[i] / (double)(n - 1);
	}
	/* SP: the standard deviation of the rates (over the GCD when it is above 9: smaller
	 * GCDs are chance), as a sample's (n-1), binary log times 8 */
	double div = g > 9 ? g : 1, var = 0;
	for (size_t i = 0; i + 1 < n; i++)
		var += (rate[i] / div - avg / div) * (rate[i] / div - avg / div);
	double sd = sqrt(var / (double)(n - 2));
	ATTR(o, first, "SP=%X", sd <= 1 ? 0 : log2_x8(sd));
	ATTR(o, first, "GCD=%X", g);
	ATTR(o, first, "ISR=%X", log2_x8(avg));
}

/* TS: U when a reply has no timestamp, 0 when a TSval is zero, else the TSval rate per
 * second: 1 (2 Hz, 0-5.66), 7 (100 Hz, 70-150), 8 (200 Hz, 150-350), or the rounded
 * binary log. Left out when the rate cannot be measured. */
static void seq_ts(struct out *o, bool *first, const struct seq_sample *s, size_t n)
{
	bool zero = false;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].has_ts) {
			ATTR(o, first, "TS=U");
			return;
		}
		zero = zero || s[i].tsval == 0;
	}
	if (zero && n) {
		ATTR(o, first, "TS=0");
		return;
	}
	if (n < 2)
		return;
	double avg = 0;
	for (size_t i = 0; i + 1 < n; i++)
		avg += diff32(s[i].tsval, s[i + 1].tsval) / elapsed(&s[i], &s[i + 1]) / (double)(n - 1);
	if (avg <= 0)
		return;
	unsigned v = avg <= 5.66 ? 1 : avg >= 70 && avg <= 150 ? 7 : avg > 150 && avg <= 350 ? 8
			: (unsigned)lround(log2(avg));
	ATTR(o, first, "TS=%X", v);
}

/* The IP IDs of the replies to probes [from, to] that are of protocol proto. */
static size_t reply_ids(const struct nmap_os_answers *a, int from, int to, uint8_t proto,
			uint16_t *ids, int *first_probe)
{
	size_t n = 0;
	for (int i = from; i <= to; i++) {
		struct view v;
		if (!view_of(a->x[i].reply, a->x[i].reply_len, proto, 0, &v))
			continue;
		if (n == 0 && first_probe)
			*first_probe = i;
		ids[n++] = pkt_be16(v.ip + 4);
	}
	return n;
}

/* SS: whether ICMP and TCP share the counter -- the first echo reply's ID below the last
 * SEQ reply's plus three average steps (the doc's comparison, on the raw values). */
static void seq_ss(struct out *o, bool *first, const struct seq_sample *s, size_t n,
		   const char *ti, const char *ii, const uint16_t *icmp_ids)
{
	bool counter = !strcmp(ii, "RI") || !strcmp(ii, "BI") || !strcmp(ii, "I");
	if (!counter || strcmp(ti, ii) != 0 || n < 2)
		return;
	double avg = (uint16_t)(s[n - 1].ipid - s[0].ipid) / (double)(s[n - 1].probe - s[0].probe);
	ATTR(o, first, "SS=%c", icmp_ids[0] < s[n - 1].ipid + 3 * avg ? 'S' : 'O');
}

static void line_seq(struct out *o, const struct nmap_os_answers *a)
{
	struct seq_sample s[SEQ_COUNT];
	size_t n = seq_samples(a, s);
	bool first = true;
	put(o, "SEQ(");
	seq_isn(o, &first, s, n);
	char ti[8] = "", ci[8] = "", ii[8] = "";
	uint16_t ids[SEQ_COUNT], icmp_ids[2];
	for (size_t i = 0; i < n; i++)
		ids[i] = s[i].ipid;
	if (n >= TI_MIN && *nmap_ipid_class(ids, n, true, ti))
		ATTR(o, &first, "TI=%s", ti);
	size_t nc = reply_ids(a, NMAP_PROBE_T5, NMAP_PROBE_T7, PKT_IPPROTO_TCP, ids, NULL);
	if (nc >= CI_MIN && *nmap_ipid_class(ids, nc, true, ci))
		ATTR(o, &first, "CI=%s", ci);
	if (reply_ids(a, NMAP_PROBE_IE1, NMAP_PROBE_IE2, PKT_IPPROTO_ICMP, icmp_ids, NULL) == 2 &&
	    *nmap_ipid_class(icmp_ids, 2, false, ii))
		ATTR(o, &first, "II=%s", ii);
	seq_ss(o, &first, s, n, ti, ii, icmp_ids);
	seq_ts(o, &first, s, n);
	put(o, "%s)\n", first ? "R=N" : "");
}

/* ------------------------------------------------------------------ OPS WIN ECN T1-T7 */

/* OPS and WIN: one attribute per answered SEQ probe; R=N when none answered. */
static void line_ops_win(struct out *o, const struct nmap_os_answers *a, bool win)
{
	bool first = true;
	put(o, "%s(", win ? "WIN" : "OPS");
	for (int i = 0; i < SEQ_COUNT; i++) {
		struct view v;
		if (!tcp_of(&a->x[i], &v))
			continue;
		if (win) {
			ATTR(o, &first, "W%d=%X", i + 1, pkt_be16(v.l4 + 14));
			continue;
		}
		char opts[128];
		nmap_options_text(v.l4 + PKT_TCP_HLEN, (size_t)(v.l4[12] >> 4) * 4 - PKT_TCP_HLEN,
				  opts, sizeof opts);
		ATTR(o, &first, "O%d=%s", i + 1, opts);
	}
	put(o, "%s)\n", first ? "R=N" : "");
}

static void line_tcp(struct out *o, const struct nmap_os_answers *a, enum nmap_os_probe p,
		     const char *name, unsigned hops)
{
	const struct nmap_os_exchange *x = &a->x[p];
	struct view pv, rv;
	char attrs[512];
	enum nmap_test_line kind = p == NMAP_PROBE_SEQ1  ? NMAP_LINE_T1
				   : p == NMAP_PROBE_ECN ? NMAP_LINE_ECN
							 : NMAP_LINE_T;
	uint32_t seq = 0, ack = 0;
	if (view_of(x->probe, x->probe_len, PKT_IPPROTO_TCP, PKT_TCP_HLEN, &pv))
		seq = pkt_be32(pv.l4 + 4), ack = pkt_be32(pv.l4 + 8);
	/* a reply that is not a whole TCP header (an ICMP error, bytes) is no answer */
	if (!tcp_of(x, &rv) ||
	    nmap_reply_attributes(rv.ip, (size_t)(rv.l4 - rv.ip) + rv.l4_len, seq, ack, hops, kind,
				  attrs, sizeof attrs) < 0)
		snprintf(attrs, sizeof attrs, "R=N");
	put(o, "%s(%s)\n", name, attrs);
}

/* ------------------------------------------------------------------ U1 IE */

static void put_ttl(struct out *o, unsigned ttl, unsigned hops)
{
	if (hops)
		put(o, "%%T=%X", ttl + hops - 1);
	else
		put(o, "%%TG=%X", ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255);
}

/* U1: the port unreachable and the probe it quotes (RFC 792: at least its IP header and
 * first 8 bytes; every attribute of the quote is left out when it is not there). */
static void line_u1(struct out *o, const struct nmap_os_answers *a, unsigned hops)
{
	const struct nmap_os_exchange *x = &a->x[NMAP_PROBE_U1];
	struct view r, p;
	if (!view_of(x->reply, x->reply_len, PKT_IPPROTO_ICMP, PKT_ICMP_HLEN, &r) ||
	    r.l4[0] != PKT_ICMP_UNREACH) {
		put(o, "U1(R=N)\n");
		return;
	}
	put(o, "U1(R=Y%%DF=%c", r.ip[6] & 0x40 ? 'Y' : 'N');
	put_ttl(o, r.ip[8], hops);
	put(o, "%%IPL=%X%%UN=%X", pkt_be16(r.ip + 2), pkt_be32(r.l4 + 4));
	bool probe = view_of(x->probe, x->probe_len, PKT_IPPROTO_UDP, PKT_UDP_HLEN, &p);
	const uint8_t *qip = r.l4 + PKT_ICMP_HLEN;
	size_t qlen = r.l4_len - PKT_ICMP_HLEN;
	if (probe && qlen >= PKT_IPV4_HLEN) {
		uint16_t ripl = pkt_be16(qip + 2), rid = pkt_be16(qip + 4), ck = pkt_be16(qip + 10);
		if (ripl == pkt_be16(p.ip + 2))
			put(o, "%%RIPL=G");
		else
			put(o, "%%RIPL=%X", ripl);
		if (rid == pkt_be16(p.ip + 4))
			put(o, "%%RID=G");
		else
			put(o, "%%RID=%X", rid);
		/* G: the quoted header's checksum is right for the header quoted (a router on
		 * the way rewrote TTL and checksum: nmap 7.93 says G two hops away) */
		put(o, "%%RIPCK=%s", ck == 0 ? "Z" : pkt_ipv4_checksum(qip) == ck ? "G" : "I");
	}
	size_t qihl = qlen ? (size_t)(qip[0] & 0x0f) * 4 : 0;
	if (probe && qihl >= PKT_IPV4_HLEN && qlen >= qihl + PKT_UDP_HLEN) {
		const uint8_t *qu = qip + qihl;
		uint16_t ruck = pkt_be16(qu + 6);
		if (ruck == pkt_be16(p.l4 + 6))
			put(o, "%%RUCK=G");
		else
			put(o, "%%RUCK=%X", ruck);
		/* RUD: the (possibly truncated) quoted payload is all 'C' */
		bool good = true;
		for (size_t i = qihl + PKT_UDP_HLEN; i < qlen; i++)
			good = good && qip[i] == 'C';
		put(o, "%%RUD=%c", good ? 'G' : 'I');
	}
	put(o, ")\n");
}

static void line_ie(struct out *o, const struct nmap_os_answers *a, unsigned hops)
{
	struct view r[2], p[2];
	for (int i = 0; i < 2; i++) {
		const struct nmap_os_exchange *x = &a->x[NMAP_PROBE_IE1 + i];
		if (!view_of(x->reply, x->reply_len, PKT_IPPROTO_ICMP, PKT_ICMP_HLEN, &r[i]) ||
		    r[i].l4[0] != PKT_ICMP_ECHO_REPLY ||
		    !view_of(x->probe, x->probe_len, PKT_IPPROTO_ICMP, PKT_ICMP_HLEN, &p[i])) {
			put(o, "IE(R=N)\n");
			return;
		}
	}
	/* DFI: N neither reply has DF, S both echo the probe's (IE1 has it, IE2 not), Y both
	 * have it, O both toggled */
	bool d0 = r[0].ip[6] & 0x40, d1 = r[1].ip[6] & 0x40;
	bool pd0 = p[0].ip[6] & 0x40, pd1 = p[1].ip[6] & 0x40;
	char dfi = !d0 && !d1 ? 'N' : d0 == pd0 && d1 == pd1 ? 'S' : d0 && d1 ? 'Y' : 'O';
	put(o, "IE(R=Y%%DFI=%c", dfi);
	put_ttl(o, r[0].ip[8], hops);
	uint8_t c0 = r[0].l4[1], c1 = r[1].l4[1];
	if (c0 == 0 && c1 == 0)
		put(o, "%%CD=Z)\n");
	else if (c0 == p[0].l4[1] && c1 == p[1].l4[1])
		put(o, "%%CD=S)\n");
	else if (c0 == c1)
		put(o, "%%CD=%X)\n", c0);
	else
		put(o, "%%CD=O)\n");
}

/* Was probe p sent? A line whose probes never went out is left out, as nmap leaves out
 * the open port's lines (OPS, WIN, ECN, T1-T4) of a host with no open port. */
static bool sent(const struct nmap_os_answers *a, enum nmap_os_probe p)
{
	return a->x[p].probe && a->x[p].probe_len;
}

char *nmap_os_fingerprint_text(const struct nmap_os_answers *a)
{
	struct out o = {malloc(4096), 0, 4096};
	if (!o.buf)
		return NULL;
	o.buf[0] = 0;
	unsigned hops = nmap_os_distance(a);
	bool seq_sent = false;
	for (int i = NMAP_PROBE_SEQ1; i <= NMAP_PROBE_SEQ6; i++)
		seq_sent |= sent(a, (enum nmap_os_probe)i);
	line_seq(&o, a);
	if (seq_sent) {
		line_ops_win(&o, a, false);
		line_ops_win(&o, a, true);
	}
	if (sent(a, NMAP_PROBE_ECN))
		line_tcp(&o, a, NMAP_PROBE_ECN, "ECN", hops);
	if (sent(a, NMAP_PROBE_SEQ1))
		line_tcp(&o, a, NMAP_PROBE_SEQ1, "T1", hops);
	static const char *const t_names[] = {"T2", "T3", "T4", "T5", "T6", "T7"};
	for (int i = 0; i < 6; i++)
		if (sent(a, (enum nmap_os_probe)(NMAP_PROBE_T2 + i)))
			line_tcp(&o, a, (enum nmap_os_probe)(NMAP_PROBE_T2 + i), t_names[i], hops);
	if (sent(a, NMAP_PROBE_U1))
		line_u1(&o, a, hops);
	if (sent(a, NMAP_PROBE_IE1) || sent(a, NMAP_PROBE_IE2))
		line_ie(&o, a, hops);
	return o.buf;
}

uint16_t nmap_os_probe_dport(const struct nmap_os_pairing *k, enum nmap_os_probe p)
{
	switch (nmap_os_probe_port(p)) {
	case NMAP_PORT_OPEN: return k->open_port;
	case NMAP_PORT_CLOSED_TCP: return k->closed_port;
	case NMAP_PORT_CLOSED_UDP: return k->closed_udp;
	case NMAP_PORT_NONE: break;
	}
	return 0;
}

int nmap_os_pair_reply(const struct nmap_os_pairing *k, const uint8_t *ip, size_t len)
{
	if (len < PKT_IPV4_HLEN)
		return -1;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	const uint8_t *l4 = ip + ihl;
	if (ihl < PKT_IPV4_HLEN || len < ihl + 8)
		return -1;
	if (ip[9] == PKT_IPPROTO_TCP) {
		unsigned p = (uint16_t)(pkt_be16(l4 + 2) - k->sport0);
		if (p >= NMAP_PROBE_COUNT ||
		    nmap_os_probe_protocol((enum nmap_os_probe)p) != PKT_IPPROTO_TCP ||
		    pkt_be16(l4) != nmap_os_probe_dport(k, (enum nmap_os_probe)p))
			return -1;
		return (int)p;
	}
	if (ip[9] != PKT_IPPROTO_ICMP)
		return -1;
	if (l4[0] == PKT_ICMP_ECHO_REPLY) {
		uint16_t id = pkt_be16(l4 + 4);
		return id == k->icmp_id ? NMAP_PROBE_IE1
		       : id == (uint16_t)(k->icmp_id + 1) ? NMAP_PROBE_IE2 : -1;
	}
	/* a port unreachable quoting our U1: its IPv4 header and the UDP ports after it */
	if (l4[0] != PKT_ICMP_UNREACH || len < ihl + 8 + PKT_IPV4_HLEN)
		return -1;
	const uint8_t *q = l4 + 8;
	size_t qhl = (size_t)(q[0] & 0x0f) * 4;
	if (q[9] != PKT_IPPROTO_UDP || pkt_be32(q + 16) != k->host || qhl < PKT_IPV4_HLEN ||
	    len < ihl + 8 + qhl + 4 || pkt_be16(q + qhl) != (uint16_t)(k->sport0 + NMAP_PROBE_U1) ||
	    pkt_be16(q + qhl + 2) != k->closed_udp)
		return -1;
	return NMAP_PROBE_U1;
}
