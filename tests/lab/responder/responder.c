/* orbit-responder: an internet in a box. It reads every frame on one interface (AF_PACKET
 * TPACKET_V3 or a DPDK port, through orbit's nic library) and answers the probes addressed
 * to the ranges it serves exactly as model.h says: SYN-ACK with per-host OS options and
 * TTLs, RST, ICMP unreachable quoting the probe, UDP replies, echo replies, or nothing.
 * --truth prints what a scan of a range must report, from the same model, so tests diff.
 *
 *   orbit-responder -i IF [--serve CIDR]... [--seed N] [densities] [--max-seconds S]
 *   orbit-responder --truth -p PORTS [--icmp] [--seed N] [densities] RANGE...
 *
 * It never routes or forwards: a frame is answered by swapping its MAC addresses, so it
 * only ever reaches the scanner that sent the probe. Every loop is bounded: it serves for
 * at most --max-seconds (default 600) and stops on SIGINT/SIGTERM, then prints what it
 * received and sent, its peak rates, and whether it fell behind (kernel/NIC drops). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/packet.h"
#include "nic/nic.h"
#include "tests/lab/responder/model.h"

#define MAX_SERVE 16
#define MAX_PORTS 65536
#define BURST 64
#define REPLY_MAX 320       /* largest reply frame we build */
#define QUOTE_HOST_MAX 128  /* bytes of the probe's L4 a host quotes in ICMP errors */
#define UDP_REPLY_MAX 256
#define WHEEL_SLOTS 16384   /* 1 ms slots; delays are at most 10 s */

struct range {
	uint32_t lo, hi; /* inclusive, host order */
};

/* ------------------------------------------------------------------ parsing */

static int parse_addr(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -1;
	*out = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

/* "A.B.C.D", "A.B.C.D/N" or "A.B.C.D-E.F.G.H". */
static int parse_range(const char *s, struct range *r, unsigned *prefix_out)
{
	char buf[64];
	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	char *slash = strchr(buf, '/'), *dash = strchr(buf, '-');
	if (slash) {
		*slash = 0;
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (*end || p > 32 || parse_addr(buf, &r->lo) < 0)
			return -1;
		uint32_t mask = p ? ~0u << (32 - p) : 0;
		r->lo &= mask;
		r->hi = r->lo | ~mask;
		if (prefix_out)
			*prefix_out = (unsigned)p;
		return 0;
	}
	if (dash) {
		*dash = 0;
		if (parse_addr(buf, &r->lo) < 0 || parse_addr(dash + 1, &r->hi) < 0 || r->hi < r->lo)
			return -1;
		return prefix_out ? -1 : 0;
	}
	if (parse_addr(buf, &r->lo) < 0)
		return -1;
	r->hi = r->lo;
	if (prefix_out)
		*prefix_out = 32;
	return 0;
}

/* orbit's port syntax: "80,443,1-1024,T:22,U:53,161" (a T:/U: prefix holds for what
 * follows). Sets want[proto][port]. */
static int parse_ports(const char *spec, uint8_t *tcp, uint8_t *udp)
{
	char *copy = strdup(spec), *save = NULL;
	if (!copy)
		return -1;
	uint8_t *cur = tcp;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if ((tok[0] == 'T' || tok[0] == 't') && tok[1] == ':')
			cur = tcp, tok += 2;
		else if ((tok[0] == 'U' || tok[0] == 'u') && tok[1] == ':')
			cur = udp, tok += 2;
		char *end;
		unsigned long a = strtoul(tok, &end, 10), b = a;
		if (end == tok) {
			rc = -1;
			break;
		}
		if (*end == '-') {
			char *e2;
			b = strtoul(end + 1, &e2, 10);
			end = e2;
		}
		if (*end || a > 65535 || b > 65535 || b < a) {
			rc = -1;
			break;
		}
		for (unsigned long p = a; p <= b; p++)
			cur[p] = 1;
	}
	free(copy);
	return rc;
}

static void fmt_addr(char *buf, uint32_t a)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* ------------------------------------------------------------------ truth */

static int run_truth(const struct model *m, const struct range *ranges, unsigned n_ranges,
		     const uint8_t *tcp, const uint8_t *udp, bool icmp)
{
	static const char *names[] = {"open", "closed", "filtered", "up"};
	uint64_t count[4] = {0}, targets = 0;
	char line[96], a[16];
	uint16_t tcp_list[MAX_PORTS], udp_list[MAX_PORTS];
	unsigned nt = 0, nu = 0;
	for (unsigned p = 0; p < MAX_PORTS; p++) {
		if (tcp[p])
			tcp_list[nt++] = (uint16_t)p;
		if (udp[p])
			udp_list[nu++] = (uint16_t)p;
	}
	printf("addr,proto,port,state,reason\n");
	for (unsigned r = 0; r < n_ranges; r++) {
		for (uint64_t addr = ranges[r].lo; addr <= ranges[r].hi; addr++) {
			fmt_addr(a, (uint32_t)addr);
			struct model_verdict v;
			for (unsigned k = 0; k < nt + nu + (icmp ? 1u : 0u); k++) {
				uint8_t proto = k < nt ? 6 : k < nt + nu ? 17 : 1;
				uint16_t port = k < nt ? tcp_list[k] : k < nt + nu ? udp_list[k - nt] : 0;
				targets++;
				model_verdict(m, (uint32_t)addr, proto, port, &v);
				const char *st = model_state_name(&v, proto);
				if (!st)
					continue;
				snprintf(line, sizeof line, "%s,%s,%u,%s,%s\n", a,
					 proto == 6 ? "tcp" : proto == 17 ? "udp" : "icmp", port, st,
					 model_reason_name(&v));
				fputs(line, stdout);
				for (unsigned i = 0; i < 4; i++)
					if (!strcmp(st, names[i]))
						count[i]++;
			}
		}
	}
	if (fflush(stdout) != 0)
		return 1;
	fprintf(stderr,
		"truth: seed %" PRIu64 ", %" PRIu64 " targets: open %" PRIu64 ", closed %" PRIu64
		", filtered %" PRIu64 ", up %" PRIu64 " (the rest silent)\n",
		m->seed, targets, count[0], count[1], count[2], count[3]);
	return 0;
}

/* ------------------------------------------------------------------ replies */

struct counters {
	uint64_t rx, rx_syn, rx_ack, rx_udp, rx_echo, rx_ignored, rx_not_served;
	uint64_t tx, tx_synack, tx_rst, tx_udp, tx_echo, tx_unreach, tx_dup, tx_delayed;
	uint64_t tx_dropped, delay_overflow;
};

struct probe_view {
	const uint8_t *eth, *ip, *l4;
	unsigned ihl, l4_len;
	uint32_t src, dst;
	uint8_t proto;
};

static size_t finish_ip(uint8_t *f, const struct probe_view *p, uint8_t proto, uint32_t src,
			uint8_t ttl, uint16_t id, size_t l4_len)
{
	memcpy(f, p->eth + 6, 6); /* back to whoever sent it */
	memcpy(f + 6, p->eth, 6);
	pkt_put_be16(f + 12, PKT_ETHERTYPE_IPV4);
	uint8_t *ip = f + PKT_ETH_HLEN;
	pkt_write_ipv4(ip, proto, src, p->src, ttl, id, (uint16_t)(PKT_IPV4_HLEN + l4_len));
	pkt_put_be16(ip + 10, pkt_ipv4_checksum(ip));
	uint8_t *l4 = ip + PKT_IPV4_HLEN;
	uint16_t c = pkt_l4_checksum(src, p->src, proto, l4, (uint16_t)l4_len);
	pkt_put_be16(l4 + (proto == PKT_IPPROTO_TCP ? 16 : proto == PKT_IPPROTO_UDP ? 6 : 2), c);
	return PKT_ETH_HLEN + PKT_IPV4_HLEN + l4_len;
}

/* The probe's TCP timestamp value, if it carries the option. */
static bool probe_tsval(const struct probe_view *p, uint32_t *tsval)
{
	unsigned doff = (unsigned)(p->l4[12] >> 4) * 4;
	if (doff < 20 || doff > p->l4_len)
		return false;
	const uint8_t *o = p->l4 + 20, *end = p->l4 + doff;
	while (o < end) {
		if (*o == PKT_TCPOPT_EOL)
			break;
		if (*o == PKT_TCPOPT_NOP) {
			o++;
			continue;
		}
		if (end - o < 2 || o[1] < 2 || o[1] > end - o)
			break;
		if (*o == PKT_TCPOPT_TIMESTAMP && o[1] == 10) {
			*tsval = pkt_be32(o + 2);
			return true;
		}
		o += o[1];
	}
	return false;
}

static size_t tcp_options(uint8_t *o, enum model_os os, bool ts, uint32_t tsval, uint32_t tsecr)
{
	size_t n = 0;
	o[n++] = 2, o[n++] = 4, pkt_put_be16(o + n, os == OS_EMBEDDED ? 536 : 1460), n += 2;
	switch (os) {
	case OS_LINUX:
		if (ts) {
			o[n++] = 4, o[n++] = 2;
			o[n++] = 8, o[n++] = 10;
			pkt_put_be32(o + n, tsval), pkt_put_be32(o + n + 4, tsecr), n += 8;
		} else {
			o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
		}
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = 7;
		break;
	case OS_WINDOWS:
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = 8;
		o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
		break;
	case OS_BSD:
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = 6;
		o[n++] = 4, o[n++] = 2;
		if (ts) {
			o[n++] = 8, o[n++] = 10;
			pkt_put_be32(o + n, tsval), pkt_put_be32(o + n + 4, tsecr), n += 8;
		} else {
			o[n++] = 0, o[n++] = 0;
		}
		break;
	default:
		break;
	}
	return n;
}

static const uint16_t os_window[OS_COUNT] = {64240, 65535, 65535, 5840};

static size_t build_tcp(uint8_t *f, const struct probe_view *p, const struct model_verdict *v,
			bool synack)
{
	uint8_t *t = f + PKT_ETH_HLEN + PKT_IPV4_HLEN;
	memset(t, 0, 20);
	memcpy(t, p->l4 + 2, 2); /* ports swapped */
	memcpy(t + 2, p->l4, 2);
	uint32_t pseq = pkt_be32(p->l4 + 4), pack = pkt_be32(p->l4 + 8);
	bool probe_is_syn = p->l4[13] & PKT_TCP_SYN;
	size_t optlen = 0;
	if (synack) {
		pkt_put_be32(t + 4, (uint32_t)(v->h >> 32));
		pkt_put_be32(t + 8, pseq + 1);
		t[13] = PKT_TCP_SYN | PKT_TCP_ACK;
		pkt_put_be16(t + 14, os_window[v->os]);
		uint32_t tsecr = 0;
		bool ts = probe_tsval(p, &tsecr);
		optlen = tcp_options(t + 20, v->os, ts, (uint32_t)v->h ^ 0x5eed, tsecr);
	} else if (probe_is_syn) {
		/* RFC 9293: RST to a SYN: seq 0, ACK of the SYN. */
		pkt_put_be32(t + 8, pseq + 1);
		t[13] = PKT_TCP_RST | PKT_TCP_ACK;
	} else {
		/* RST to an unexpected ACK: seq = its ack. */
		pkt_put_be32(t + 4, pack);
		t[13] = PKT_TCP_RST;
	}
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	uint16_t id = v->os == OS_LINUX ? 0 : (uint16_t)(v->h >> 16);
	return finish_ip(f, p, PKT_IPPROTO_TCP, p->dst, v->ttl, id, 20 + optlen);
}

static size_t build_udp(uint8_t *f, const struct probe_view *p, const struct model_verdict *v)
{
	uint8_t *u = f + PKT_ETH_HLEN + PKT_IPV4_HLEN, *pl = u + 8;
	const uint8_t *q = p->l4 + 8;
	size_t qlen = p->l4_len >= 8 ? p->l4_len - 8 : 0, n;
	uint16_t sport = pkt_be16(p->l4 + 2);
	if (qlen > UDP_REPLY_MAX)
		qlen = UDP_REPLY_MAX;
	if (sport == 123 && qlen >= 48) {
		/* NTP server reply: v4, mode 4, origin timestamp = the client's transmit. */
		memset(pl, 0, 48);
		pl[0] = 0x24, pl[1] = 2, pl[2] = 6, pl[3] = 0xec;
		memcpy(pl + 24, q + 40, 8);
		pkt_put_be64(pl + 32, v->h), pkt_put_be64(pl + 40, v->h + 1);
		n = 48;
	} else {
		/* Echo the request; DNS-like ids (DNS, mDNS, NetBIOS) become responses (QR). */
		memcpy(pl, q, qlen);
		n = qlen;
		if ((sport == 53 || sport == 5353 || sport == 137) && n >= 12) {
			pl[2] |= 0x80;
			pl[3] = 0x80; /* RA, NOERROR */
		}
	}
	memcpy(u, p->l4 + 2, 2);
	memcpy(u + 2, p->l4, 2);
	pkt_put_be16(u + 4, (uint16_t)(8 + n));
	pkt_put_be16(u + 6, 0);
	return finish_ip(f, p, PKT_IPPROTO_UDP, p->dst, v->ttl, (uint16_t)(v->h >> 16), 8 + n);
}

static size_t build_echo_reply(uint8_t *f, const struct probe_view *p,
			       const struct model_verdict *v)
{
	uint8_t *m = f + PKT_ETH_HLEN + PKT_IPV4_HLEN;
	size_t n = p->l4_len > UDP_REPLY_MAX ? UDP_REPLY_MAX : p->l4_len;
	memcpy(m, p->l4, n);
	m[0] = PKT_ICMP_ECHO_REPLY;
	m[1] = 0;
	pkt_put_be16(m + 2, 0);
	return finish_ip(f, p, PKT_IPPROTO_ICMP, p->dst, v->ttl, (uint16_t)(v->h >> 16), n);
}

static size_t build_unreach(uint8_t *f, const struct probe_view *p, const struct model_verdict *v)
{
	uint8_t *m = f + PKT_ETH_HLEN + PKT_IPV4_HLEN;
	memset(m, 0, 8);
	m[0] = PKT_ICMP_UNREACH;
	m[1] = v->icmp_code;
	/* Routers quote RFC 792's 8 bytes; hosts quote more of the datagram (Linux: up to
	 * 576 bytes in all). */
	size_t quote = v->from_router ? 8 : QUOTE_HOST_MAX;
	if (quote > p->l4_len)
		quote = p->l4_len;
	memcpy(m + 8, p->ip, p->ihl);
	memcpy(m + 8 + p->ihl, p->l4, quote);
	uint32_t src = v->from_router ? (p->dst & 0xffffff00u) | 1 : p->dst;
	return finish_ip(f, p, PKT_IPPROTO_ICMP, src, v->ttl, (uint16_t)(v->h >> 16),
			 8 + p->ihl + quote);
}

/* ------------------------------------------------------------------ delay wheel */

struct pending {
	uint32_t next;
	uint16_t len;
	uint8_t frame[REPLY_MAX];
};

struct wheel {
	struct pending *pool;
	uint32_t n_pool, free_head;
	uint32_t head[WHEEL_SLOTS], tail[WHEEL_SLOTS];
	uint64_t cur_ms; /* next slot to flush */
	uint64_t queued;
};

#define NIL UINT32_MAX

static int wheel_init(struct wheel *w, uint32_t slots, uint64_t now_ms)
{
	w->pool = calloc(slots, sizeof *w->pool);
	if (!w->pool)
		return -1;
	w->n_pool = slots;
	for (uint32_t i = 0; i < slots; i++)
		w->pool[i].next = i + 1 < slots ? i + 1 : NIL;
	w->free_head = 0;
	for (unsigned i = 0; i < WHEEL_SLOTS; i++)
		w->head[i] = w->tail[i] = NIL;
	w->cur_ms = now_ms;
	w->queued = 0;
	return 0;
}

static bool wheel_add(struct wheel *w, uint64_t due_ms, const uint8_t *frame, size_t len)
{
	if (w->free_head == NIL)
		return false;
	uint32_t i = w->free_head;
	struct pending *e = &w->pool[i];
	w->free_head = e->next;
	memcpy(e->frame, frame, len);
	e->len = (uint16_t)len;
	e->next = NIL;
	if (due_ms < w->cur_ms)
		due_ms = w->cur_ms;
	unsigned s = (unsigned)(due_ms % WHEEL_SLOTS);
	if (w->tail[s] == NIL)
		w->head[s] = i;
	else
		w->pool[w->tail[s]].next = i;
	w->tail[s] = i;
	w->queued++;
	return true;
}

/* ------------------------------------------------------------------ serving */

struct server {
	struct nic *nic;
	const struct model *m;
	struct range serve[MAX_SERVE];
	unsigned n_serve;
	struct counters c;
	struct wheel *wheel; /* NULL: no delays */
	uint8_t out[2 * BURST][REPLY_MAX];
	uint16_t out_len[2 * BURST];
	unsigned n_out;
};

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void flush_out(struct server *s)
{
	unsigned done = 0;
	for (int attempt = 0; done < s->n_out && attempt < 100; attempt++) {
		struct nic_buf bufs[2 * BURST];
		unsigned k = nic_tx_alloc(s->nic, 0, bufs, s->n_out - done);
		for (unsigned i = 0; i < k; i++) {
			memcpy(bufs[i].data, s->out[done + i], s->out_len[done + i]);
			bufs[i].len = s->out_len[done + i];
		}
		unsigned sent = k ? nic_tx_submit(s->nic, 0, bufs, k) : 0;
		s->c.tx += sent;
		s->c.tx_dropped += k - sent;
		done += k;
	}
	s->c.tx_dropped += s->n_out - done;
	s->n_out = 0;
}

static uint8_t *out_slot(struct server *s)
{
	if (s->n_out == 2 * BURST)
		flush_out(s);
	return s->out[s->n_out];
}

static void emit(struct server *s, size_t len, uint32_t delay_ms, uint64_t now_ms)
{
	if (delay_ms && s->wheel) {
		if (wheel_add(s->wheel, now_ms + delay_ms, s->out[s->n_out], len))
			s->c.tx_delayed++;
		else
			s->c.delay_overflow++;
		return;
	}
	s->out_len[s->n_out++] = (uint16_t)len;
}

static bool served(const struct server *s, uint32_t a)
{
	for (unsigned i = 0; i < s->n_serve; i++)
		if (a >= s->serve[i].lo && a <= s->serve[i].hi)
			return true;
	return false;
}

static void handle(struct server *s, const uint8_t *f, size_t len, uint64_t now_ms)
{
	s->c.rx++;
	struct probe_view p = {.eth = f};
	if (len < PKT_ETH_HLEN + PKT_IPV4_HLEN || pkt_be16(f + 12) != PKT_ETHERTYPE_IPV4) {
		s->c.rx_ignored++;
		return;
	}
	p.ip = f + PKT_ETH_HLEN;
	p.ihl = (unsigned)(p.ip[0] & 15) * 4;
	unsigned total = pkt_be16(p.ip + 2);
	if (p.ip[0] >> 4 != 4 || p.ihl < 20 || total < p.ihl || total > len - PKT_ETH_HLEN ||
	    (pkt_be16(p.ip + 6) & 0x3fff)) {
		s->c.rx_ignored++;
		return;
	}
	p.l4 = p.ip + p.ihl;
	p.l4_len = total - p.ihl;
	p.src = pkt_be32(p.ip + 12);
	p.dst = pkt_be32(p.ip + 16);
	p.proto = p.ip[9];
	if (!served(s, p.dst)) {
		s->c.rx_not_served++;
		return;
	}
	struct model_verdict v;
	uint8_t *o;
	size_t n = 0;
	switch (p.proto) {
	case PKT_IPPROTO_TCP: {
		if (p.l4_len < 20) {
			s->c.rx_ignored++;
			return;
		}
		uint8_t fl = p.l4[13];
		bool syn = (fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN;
		bool ack = (fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_ACK;
		if (!syn && !ack) {
			s->c.rx_ignored++; /* RSTs, SYN-ACKs: nothing to say */
			return;
		}
		syn ? s->c.rx_syn++ : s->c.rx_ack++;
		model_verdict(s->m, p.dst, 6, pkt_be16(p.l4 + 2), &v);
		o = out_slot(s);
		if (v.act == ACT_SYNACK || v.act == ACT_RST) {
			/* An ACK out of nowhere gets a RST whether the port is open or closed. */
			bool synack = syn && v.act == ACT_SYNACK;
			n = build_tcp(o, &p, &v, synack);
			synack ? s->c.tx_synack++ : s->c.tx_rst++;
			if (synack && v.dup) {
				emit(s, n, v.delay_ms, now_ms);
				o = out_slot(s);
				n = build_tcp(o, &p, &v, true);
				s->c.tx_dup++;
			}
		}
		break;
	}
	case PKT_IPPROTO_UDP:
		if (p.l4_len < 8) {
			s->c.rx_ignored++;
			return;
		}
		s->c.rx_udp++;
		model_verdict(s->m, p.dst, 17, pkt_be16(p.l4 + 2), &v);
		o = out_slot(s);
		if (v.act == ACT_UDP_REPLY) {
			n = build_udp(o, &p, &v);
			s->c.tx_udp++;
		}
		break;
	case PKT_IPPROTO_ICMP:
		if (p.l4_len < 8 || p.l4[0] != PKT_ICMP_ECHO_REQUEST) {
			s->c.rx_ignored++;
			return;
		}
		s->c.rx_echo++;
		model_verdict(s->m, p.dst, 1, 0, &v);
		o = out_slot(s);
		if (v.act == ACT_ECHO_REPLY) {
			n = build_echo_reply(o, &p, &v);
			s->c.tx_echo++;
		}
		break;
	default:
		s->c.rx_ignored++;
		return;
	}
	if (v.act == ACT_ICMP_UNREACH) {
		n = build_unreach(o, &p, &v);
		s->c.tx_unreach++;
	}
	if (n)
		emit(s, n, v.delay_ms, now_ms);
}

static void wheel_run(struct server *s, uint64_t now_ms)
{
	struct wheel *w = s->wheel;
	for (unsigned steps = 0; w->cur_ms <= now_ms && steps < WHEEL_SLOTS; steps++, w->cur_ms++) {
		unsigned slot = (unsigned)(w->cur_ms % WHEEL_SLOTS);
		for (uint32_t i = w->head[slot]; i != NIL;) {
			struct pending *e = &w->pool[i];
			uint8_t *o = out_slot(s);
			memcpy(o, e->frame, e->len);
			s->out_len[s->n_out++] = e->len;
			uint32_t next = e->next;
			e->next = w->free_head;
			w->free_head = i;
			w->queued--;
			i = next;
		}
		w->head[slot] = w->tail[slot] = NIL;
	}
	if (w->cur_ms <= now_ms)
		w->cur_ms = now_ms + 1;
}

struct serve_opts {
	const char *iface, *backend, *dpdk_args, *stats_file;
	double max_seconds;
	bool stats_each_second;
	uint32_t delay_slots;
};

static void print_summary(FILE *out, const struct server *s, const struct nic_stats *st,
			  double secs, double peak_rx, double peak_tx, uint64_t behind_seconds)
{
	const struct counters *c = &s->c;
	fprintf(out,
		"responder: %.1f s: received %" PRIu64 " (syn %" PRIu64 ", ack %" PRIu64
		", udp %" PRIu64 ", echo %" PRIu64 ", not served %" PRIu64 ", ignored %" PRIu64
		"); sent %" PRIu64 " (syn-ack %" PRIu64 ", rst %" PRIu64 ", udp %" PRIu64
		", echo-reply %" PRIu64 ", unreach %" PRIu64 ", dup %" PRIu64 ", delayed %" PRIu64
		"); peak rx %.0f pps, peak tx %.0f pps; kernel/NIC rx drops %" PRIu64
		", tx dropped %" PRIu64 ", delay overflow %" PRIu64 "%s\n",
		secs, c->rx, c->rx_syn, c->rx_ack, c->rx_udp, c->rx_echo, c->rx_not_served,
		c->rx_ignored, c->tx, c->tx_synack, c->tx_rst, c->tx_udp, c->tx_echo, c->tx_unreach,
		c->tx_dup, c->tx_delayed, peak_rx, peak_tx, st->rx_missed,
		c->tx_dropped + st->tx_dropped, c->delay_overflow,
		behind_seconds || st->rx_missed || c->tx_dropped || c->delay_overflow
			? " -- FELL BEHIND: results past this point are not the scanner's fault"
			: " -- kept up");
}

static int run_serve(const struct model *m, const struct range *serve, unsigned n_serve,
		     const struct serve_opts *o)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return 1;
	s->m = m;
	memcpy(s->serve, serve, n_serve * sizeof *serve);
	s->n_serve = n_serve;
	/* Everything slow (the delay pool) before the socket exists: frames queue in its ring
	 * from the moment it is open. */
	if (m->d.delay_max_ms) {
		s->wheel = calloc(1, sizeof *s->wheel);
		if (!s->wheel || wheel_init(s->wheel, o->delay_slots, now_ns() / 1000000) < 0) {
			fprintf(stderr, "orbit-responder: out of memory for %u delay slots\n",
				o->delay_slots);
			free(s->wheel);
			free(s);
			return 1;
		}
	}
	struct errbuf e = {{0}};
	struct nic_config cfg = {
		.backend = o->backend,
		.ifname = o->iface,
		.dpdk_args = o->dpdk_args,
		.tx_queues = 1,
		.rx_queues = 1,
	};
	if (nic_open(&s->nic, &cfg, &e) < 0) {
		fprintf(stderr, "orbit-responder: %s\n", e.msg);
		if (s->wheel)
			free(s->wheel->pool);
		free(s->wheel);
		free(s);
		return 2;
	}
	nic_thread_register(s->nic);
	uint64_t t0 = now_ns();
	if (s->wheel)
		s->wheel->cur_ms = t0 / 1000000;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "orbit-responder: serving on %s (%s), seed %" PRIu64 ", for at most %.0f s\n",
		o->iface, nic_backend_name(s->nic), m->seed, o->max_seconds);

	uint64_t deadline = t0 + (uint64_t)(o->max_seconds * 1e9), next_tick = t0 + 1000000000u;
	uint64_t last_rx = 0, last_tx = 0, last_missed = 0, behind_seconds = 0;
	double peak_rx = 0, peak_tx = 0;
	struct nic_stats st = {0};
	unsigned idle = 0;
	for (;;) {
		uint64_t t = now_ns();
		if (stop_flag || t >= deadline)
			break;
		uint64_t now_ms = t / 1000000;
		struct nic_buf bufs[BURST];
		unsigned n = nic_rx_burst(s->nic, 0, bufs, BURST);
		for (unsigned i = 0; i < n; i++)
			handle(s, bufs[i].data, bufs[i].len, now_ms);
		if (n)
			nic_rx_release(s->nic, 0, bufs, n);
		if (s->wheel)
			wheel_run(s, now_ms);
		if (s->n_out)
			flush_out(s);
		if (t >= next_tick) {
			nic_get_stats(s->nic, &st);
			double dt = (double)(t - next_tick + 1000000000u) / 1e9;
			double rx_rate = (double)(s->c.rx - last_rx) / dt;
			double tx_rate = (double)(s->c.tx - last_tx) / dt;
			peak_rx = rx_rate > peak_rx ? rx_rate : peak_rx;
			peak_tx = tx_rate > peak_tx ? tx_rate : peak_tx;
			if (st.rx_missed > last_missed) {
				behind_seconds++;
				fprintf(stderr,
					"orbit-responder: falling behind: %" PRIu64
					" frames dropped by the kernel/NIC in the last second (rx %.0f pps)\n",
					st.rx_missed - last_missed, rx_rate);
			}
			if (o->stats_each_second)
				fprintf(stderr, "orbit-responder: rx %.0f pps, tx %.0f pps\n", rx_rate,
					tx_rate);
			last_rx = s->c.rx, last_tx = s->c.tx, last_missed = st.rx_missed;
			next_tick = t + 1000000000u;
		}
		if (n == 0 && (!s->wheel || s->wheel->queued == 0)) {
			/* Nothing to do: nap rather than spin on a shared core (the ring holds
			 * tens of thousands of frames meanwhile): 50 us naps at first, 1 ms
			 * ones once idle for a while (the lab's responder idles for hours). */
			struct timespec ts = {0, idle < 2000 ? 50000 : 1000000};
			if (idle < 2000)
				idle++;
			if (idle > 100)
				nanosleep(&ts, NULL);
		} else {
			idle = 0;
		}
	}
	/* Send what is still delayed, then the tallies. */
	if (s->wheel) {
		uint64_t end = now_ns() / 1000000 + m->d.delay_max_ms + 1;
		wheel_run(s, end);
		flush_out(s);
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	nic_get_stats(s->nic, &st);
	print_summary(stderr, s, &st, secs, peak_rx, peak_tx, behind_seconds);
	if (o->stats_file) {
		FILE *f = fopen(o->stats_file, "w");
		if (f) {
			const struct counters *c = &s->c;
			fprintf(f,
				"{\"seconds\":%.3f,\"rx\":%" PRIu64 ",\"rx_syn\":%" PRIu64
				",\"rx_udp\":%" PRIu64 ",\"rx_echo\":%" PRIu64 ",\"tx\":%" PRIu64
				",\"tx_synack\":%" PRIu64 ",\"tx_rst\":%" PRIu64 ",\"tx_udp\":%" PRIu64
				",\"tx_unreach\":%" PRIu64 ",\"tx_dup\":%" PRIu64
				",\"rx_missed\":%" PRIu64 ",\"tx_dropped\":%" PRIu64
				",\"delay_overflow\":%" PRIu64 ",\"peak_rx_pps\":%.0f,\"peak_tx_pps\":%.0f}\n",
				secs, c->rx, c->rx_syn, c->rx_udp, c->rx_echo, c->tx, c->tx_synack,
				c->tx_rst, c->tx_udp, c->tx_unreach, c->tx_dup, st.rx_missed,
				c->tx_dropped + st.tx_dropped, c->delay_overflow, peak_rx, peak_tx);
			fclose(f);
		}
	}
	nic_close(s->nic);
	if (s->wheel)
		free(s->wheel->pool);
	free(s->wheel);
	free(s);
	return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: orbit-responder -i IF [options]                 serve\n"
		"       orbit-responder --truth -p PORTS [options] RANGE... print the ground truth\n"
		"  -i, --interface IF      interface to answer on (every frame on it is read)\n"
		"  --backend NAME          afpacket (default) or dpdk\n"
		"  --dpdk-args ARGS        DPDK EAL arguments (with --backend dpdk)\n"
		"  --serve CIDR            answer for these destinations (repeatable; default 198.19.0.0/16)\n"
		"  --seed N                the model's seed (default 1)\n"
		"  --up F                  fraction of hosts up (default 0.10)\n"
		"  --router-unreach F      fraction of hosts a router reports unreachable (0.02)\n"
		"  --no-ping F             fraction of up hosts that drop pings (0.10)\n"
		"  --dup-synack F          fraction of up hosts whose SYN-ACKs come twice (0)\n"
		"  --tcp-open F, --tcp-closed F, --tcp-unreach F   an up host's TCP ports (0.12, 0.75, 0.03)\n"
		"  --udp-open F, --udp-closed F, --udp-unreach F   an up host's UDP ports (0.05, 0.80, 0.03)\n"
		"  --all-open CIDR         a range that answers every port and ping (repeatable, up to 8)\n"
		"  --delay-ms MAX          per-host reply delay, drawn in [0, MAX] ms (default 0)\n"
		"  --delay-slots N         replies held for delay at once (default 65536)\n"
		"  --max-seconds S         stop serving after S seconds (default 600)\n"
		"  --stats                 print rx/tx rates every second\n"
		"  --stats-file FILE       write the final counters as one JSON object\n"
		"  --truth                 print addr,proto,port,state,reason for every target of\n"
		"                          RANGE (CIDR or A-B) x PORTS that orbit must report\n"
		"  -p, --ports PORTS       with --truth: orbit's syntax (80,443,T:22,U:53)\n"
		"  --icmp                  with --truth: also the ICMP echo sweep's answers\n");
}

static int parse_frac(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	enum {
		O_BACKEND = 256, O_DPDK, O_SERVE, O_SEED, O_UP, O_ROUTER, O_NOPING, O_DUP,
		O_TOPEN, O_TCLOSED, O_TUNREACH, O_UOPEN, O_UCLOSED, O_UUNREACH, O_ALLOPEN,
		O_DELAY, O_DSLOTS, O_MAXSEC, O_STATS, O_STATSFILE, O_TRUTH, O_ICMP,
	};
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"backend", required_argument, NULL, O_BACKEND},
		{"dpdk-args", required_argument, NULL, O_DPDK},
		{"serve", required_argument, NULL, O_SERVE},
		{"seed", required_argument, NULL, O_SEED},
		{"up", required_argument, NULL, O_UP},
		{"router-unreach", required_argument, NULL, O_ROUTER},
		{"no-ping", required_argument, NULL, O_NOPING},
		{"dup-synack", required_argument, NULL, O_DUP},
		{"tcp-open", required_argument, NULL, O_TOPEN},
		{"tcp-closed", required_argument, NULL, O_TCLOSED},
		{"tcp-unreach", required_argument, NULL, O_TUNREACH},
		{"udp-open", required_argument, NULL, O_UOPEN},
		{"udp-closed", required_argument, NULL, O_UCLOSED},
		{"udp-unreach", required_argument, NULL, O_UUNREACH},
		{"all-open", required_argument, NULL, O_ALLOPEN},
		{"delay-ms", required_argument, NULL, O_DELAY},
		{"delay-slots", required_argument, NULL, O_DSLOTS},
		{"max-seconds", required_argument, NULL, O_MAXSEC},
		{"stats", no_argument, NULL, O_STATS},
		{"stats-file", required_argument, NULL, O_STATSFILE},
		{"truth", no_argument, NULL, O_TRUTH},
		{"ports", required_argument, NULL, 'p'},
		{"icmp", no_argument, NULL, O_ICMP},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct model_density d;
	model_default_density(&d);
	struct serve_opts so = {.backend = "afpacket", .max_seconds = 600, .delay_slots = 65536};
	struct range serve[MAX_SERVE];
	unsigned n_serve = 0;
	struct { uint32_t net; unsigned prefix; } all_open[MODEL_MAX_ALL_OPEN];
	unsigned n_all_open = 0;
	uint64_t seed = 1;
	bool truth = false, icmp = false;
	const char *ports = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "i:p:h", opts, NULL)) != -1) {
		double *frac = NULL;
		char *end;
		switch (c) {
		case 'i': so.iface = optarg; break;
		case O_BACKEND: so.backend = optarg; break;
		case O_DPDK: so.dpdk_args = optarg; break;
		case O_SERVE:
			if (n_serve == MAX_SERVE || parse_range(optarg, &serve[n_serve], NULL) < 0) {
				fprintf(stderr, "orbit-responder: bad --serve '%s'\n", optarg);
				return 2;
			}
			n_serve++;
			break;
		case O_SEED:
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "orbit-responder: bad --seed '%s'\n", optarg);
				return 2;
			}
			break;
		case O_UP: frac = &d.up; break;
		case O_ROUTER: frac = &d.router_unreach; break;
		case O_NOPING: frac = &d.no_ping; break;
		case O_DUP: frac = &d.dup_synack; break;
		case O_TOPEN: frac = &d.tcp_open; break;
		case O_TCLOSED: frac = &d.tcp_closed; break;
		case O_TUNREACH: frac = &d.tcp_unreach; break;
		case O_UOPEN: frac = &d.udp_open; break;
		case O_UCLOSED: frac = &d.udp_closed; break;
		case O_UUNREACH: frac = &d.udp_unreach; break;
		case O_ALLOPEN: {
			struct range r;
			unsigned prefix;
			if (n_all_open == MODEL_MAX_ALL_OPEN ||
			    parse_range(optarg, &r, &prefix) < 0) {
				fprintf(stderr, "orbit-responder: bad --all-open '%s' (a CIDR)\n", optarg);
				return 2;
			}
			all_open[n_all_open].net = r.lo;
			all_open[n_all_open++].prefix = prefix;
			break;
		}
		case O_DELAY:
		case O_DSLOTS: {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v > (c == O_DELAY ? 10000ul : 1ul << 24) ||
			    (c == O_DSLOTS && v == 0)) {
				fprintf(stderr, "orbit-responder: bad value '%s'\n", optarg);
				return 2;
			}
			if (c == O_DELAY)
				d.delay_max_ms = (unsigned)v;
			else
				so.delay_slots = (uint32_t)v;
			break;
		}
		case O_MAXSEC:
			so.max_seconds = strtod(optarg, &end);
			if (*end || !(so.max_seconds > 0 && so.max_seconds <= 86400)) {
				fprintf(stderr, "orbit-responder: bad --max-seconds '%s'\n", optarg);
				return 2;
			}
			break;
		case O_STATS: so.stats_each_second = true; break;
		case O_STATSFILE: so.stats_file = optarg; break;
		case O_TRUTH: truth = true; break;
		case 'p': ports = optarg; break;
		case O_ICMP: icmp = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (frac && parse_frac(optarg, frac) < 0) {
			fprintf(stderr, "orbit-responder: bad fraction '%s' (0..1)\n", optarg);
			return 2;
		}
	}
	struct model m;
	char err[128];
	if (model_init(&m, seed, &d, err, sizeof err) < 0) {
		fprintf(stderr, "orbit-responder: %s\n", err);
		return 2;
	}
	for (unsigned i = 0; i < n_all_open; i++)
		model_add_all_open(&m, all_open[i].net, all_open[i].prefix);

	if (truth) {
		static uint8_t tcp[MAX_PORTS], udp[MAX_PORTS];
		if ((!ports && !icmp) || (ports && parse_ports(ports, tcp, udp) < 0)) {
			fprintf(stderr, "orbit-responder: --truth needs -p PORTS (or --icmp); bad '%s'\n",
				ports ? ports : "");
			return 2;
		}
		struct range r[64];
		unsigned nr = 0;
		for (int i = optind; i < argc; i++) {
			if (nr == 64 || parse_range(argv[i], &r[nr], NULL) < 0) {
				fprintf(stderr, "orbit-responder: bad range '%s'\n", argv[i]);
				return 2;
			}
			nr++;
		}
		if (!nr) {
			fprintf(stderr, "orbit-responder: --truth needs a RANGE\n");
			return 2;
		}
		return run_truth(&m, r, nr, tcp, udp, icmp);
	}
	if (!so.iface || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!n_serve) {
		parse_range("198.19.0.0/16", &serve[0], NULL);
		n_serve = 1;
	}
	return run_serve(&m, serve, n_serve, &so);
}
