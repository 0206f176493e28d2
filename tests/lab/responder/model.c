#include "tests/lab/responder/model.h"

#include <stdio.h>
#include <string.h>

/* Domain separation of the draws: one SipHash input layout per question. */
enum { DRAW_HOST = 1, DRAW_TARGET = 2, DRAW_HOST_TRAITS = 3 };

struct __attribute__((packed)) draw_in {
	uint8_t what;
	uint8_t proto;
	uint16_t port;
	uint32_t addr;
};

static uint64_t draw(const struct model *m, uint8_t what, uint32_t addr, uint8_t proto,
		     uint16_t port)
{
	struct draw_in in = {what, proto, port, addr};
	return siphash24(m->key, &in, sizeof in);
}

/* splitmix64: spreads a small seed over both key words. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A fraction as a threshold on 32 random bits: x < thr(f) with probability f, exactly 1
 * for f = 1 (hence 64 bits). */
static uint64_t thr(double f)
{
	if (f <= 0)
		return 0;
	if (f >= 1)
		return 1ull << 32;
	return (uint64_t)(f * 4294967296.0 + 0.5);
}

void model_default_density(struct model_density *d)
{
	*d = (struct model_density){
		.up = 0.10,
		.router_unreach = 0.02,
		.no_ping = 0.10,
		.dup_synack = 0.0,
		.tcp_open = 0.12,
		.tcp_closed = 0.75,
		.tcp_unreach = 0.03,
		.udp_open = 0.05,
		.udp_closed = 0.80,
		.udp_unreach = 0.03,
		.delay_max_ms = 0,
	};
}

static bool frac_ok(double f)
{
	return f >= 0 && f <= 1;
}

int model_init(struct model *m, uint64_t seed, const struct model_density *d, char *err,
	       unsigned errlen)
{
	memset(m, 0, sizeof *m);
	const double all[] = {d->up, d->router_unreach, d->no_ping, d->dup_synack,
			      d->tcp_open, d->tcp_closed, d->tcp_unreach,
			      d->udp_open, d->udp_closed, d->udp_unreach};
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!frac_ok(all[i])) {
			snprintf(err, errlen, "density %g is not in [0, 1]", all[i]);
			return -1;
		}
	if (d->up + d->router_unreach > 1 + 1e-9 ||
	    d->tcp_open + d->tcp_closed + d->tcp_unreach > 1 + 1e-9 ||
	    d->udp_open + d->udp_closed + d->udp_unreach > 1 + 1e-9) {
		snprintf(err, errlen, "densities of one draw add up to more than 1");
		return -1;
	}
	if (d->delay_max_ms > 10000) {
		snprintf(err, errlen, "delay %u ms is more than 10000", d->delay_max_ms);
		return -1;
	}
	uint64_t s = seed;
	m->seed = seed;
	m->key.k0 = mix(&s);
	m->key.k1 = mix(&s);
	m->d = *d;
	m->t_up = thr(d->up);
	m->t_router = thr(d->up + d->router_unreach);
	m->t_no_ping = thr(d->no_ping);
	m->t_dup = thr(d->dup_synack);
	m->t_tcp[0] = thr(d->tcp_open);
	m->t_tcp[1] = thr(d->tcp_open + d->tcp_closed);
	m->t_tcp[2] = thr(d->tcp_open + d->tcp_closed + d->tcp_unreach);
	m->t_udp[0] = thr(d->udp_open);
	m->t_udp[1] = thr(d->udp_open + d->udp_closed);
	m->t_udp[2] = thr(d->udp_open + d->udp_closed + d->udp_unreach);
	return 0;
}

int model_add_all_open(struct model *m, uint32_t net, unsigned prefix)
{
	if (m->n_all_open >= MODEL_MAX_ALL_OPEN || prefix > 32)
		return -1;
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
	m->all_open[m->n_all_open].net = net & mask;
	m->all_open[m->n_all_open].mask = mask;
	m->n_all_open++;
	return 0;
}

static const uint8_t os_ttl[OS_COUNT] = {64, 128, 64, 255};
static const uint8_t filter_codes[4] = {3, 9, 10, 13};

void model_verdict(const struct model *m, uint32_t addr, uint8_t proto, uint16_t port,
		   struct model_verdict *v)
{
	uint64_t hh = draw(m, DRAW_HOST, addr, 0, 0);
	uint32_t host = (uint32_t)hh;
	memset(v, 0, sizeof *v);
	/* Per-host traits from the upper bits (independent of the up/down draw). */
	v->os = (enum model_os)((hh >> 32) & 3);
	unsigned hops = 3 + (unsigned)((hh >> 34) % 20);
	v->ttl = (uint8_t)(os_ttl[v->os] - hops);
	v->delay_ms = m->d.delay_max_ms ? (uint32_t)((hh >> 40) % (m->d.delay_max_ms + 1)) : 0;
	uint64_t traits = draw(m, DRAW_HOST_TRAITS, addr, 0, 0);
	v->dup = (uint32_t)traits < m->t_dup;
	bool no_ping = (uint32_t)(traits >> 32) < m->t_no_ping;
	v->h = draw(m, DRAW_TARGET, addr, proto, port);

	for (unsigned i = 0; i < m->n_all_open; i++)
		if ((addr & m->all_open[i].mask) == m->all_open[i].net) {
			v->act = proto == 6 ? ACT_SYNACK : proto == 17 ? ACT_UDP_REPLY
								       : ACT_ECHO_REPLY;
			return;
		}

	if (host >= m->t_router) {
		v->act = ACT_SILENT;
		return;
	}
	if (host >= m->t_up) {
		/* The last router has no route to it: host-unreachable for every probe. */
		v->act = ACT_ICMP_UNREACH;
		v->icmp_code = 1;
		v->from_router = true;
		v->ttl = (uint8_t)(255 - hops + 1);
		v->delay_ms = 0;
		return;
	}
	if (proto == 1) {
		v->act = no_ping ? ACT_SILENT : ACT_ECHO_REPLY;
		return;
	}
	uint32_t t = (uint32_t)v->h;
	const uint64_t *c = proto == 6 ? m->t_tcp : m->t_udp;
	if (t < c[0])
		v->act = proto == 6 ? ACT_SYNACK : ACT_UDP_REPLY;
	else if (t < c[1]) {
		v->act = proto == 6 ? ACT_RST : ACT_ICMP_UNREACH;
		v->icmp_code = proto == 6 ? 0 : 3; /* UDP closed: port-unreachable */
	} else if (t < c[2]) {
		v->act = ACT_ICMP_UNREACH;
		/* A firewall's reject: UDP's port-unreach would mean closed, so UDP draws
		 * only the prohibited codes. */
		unsigned k = (unsigned)(v->h >> 32) % (proto == 6 ? 4u : 3u);
		v->icmp_code = proto == 6 ? filter_codes[k] : filter_codes[1 + k];
	} else
		v->act = ACT_SILENT;
}

const char *model_state_name(const struct model_verdict *v, uint8_t proto)
{
	switch (v->act) {
	case ACT_SYNACK:
	case ACT_UDP_REPLY:
		return "open";
	case ACT_RST:
		return "closed";
	case ACT_ECHO_REPLY:
		return "up";
	case ACT_ICMP_UNREACH:
		if (proto == 1)
			return NULL; /* an error about a ping carries no port state */
		return proto == 17 && v->icmp_code == 3 ? "closed" : "filtered";
	case ACT_SILENT:
		break;
	}
	return NULL;
}

const char *model_reason_name(const struct model_verdict *v)
{
	switch (v->act) {
	case ACT_SYNACK: return "syn-ack";
	case ACT_RST: return "reset";
	case ACT_UDP_REPLY: return "udp-response";
	case ACT_ECHO_REPLY: return "echo-reply";
	case ACT_ICMP_UNREACH:
		switch (v->icmp_code) {
		case 1: return "host-unreach";
		case 3: return "port-unreach";
		case 9: return "net-prohibited";
		case 10: return "host-prohibited";
		case 13: return "admin-prohibited";
		default: return "none";
		}
	case ACT_SILENT:
		break;
	}
	return "no-response";
}
