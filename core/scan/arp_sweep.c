/* The ARP sweep (arp_sweep.h): requests in bursts from the "arp" probe kind's template
 * straight into the NIC's buffers, replies read from every receive queue between bursts
 * and during the wait after each round, before the receive threads start. */
#include "core/scan/arp_sweep.h"

#include <Judy.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/probe/arp.h"
#include "core/scan/rate.h"
#include "core/scan/scan_internal.h"

#define ARP_TABLE_HAS (1ull << 48)

bool arp_table_lookup(const struct arp_table *t, uint32_t addr, uint8_t mac[6])
{
	if (!t->judy)
		return false;
	PWord_t v = (PWord_t)JudyLGet((Pcvoid_t)t->judy, (Word_t)addr, PJE0);
	if (!v || v == PJERR)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(*v >> (40 - 8 * i));
	return true;
}

void arp_table_fill(const struct arp_table *t, struct scan_result *r)
{
	if (arp_table_onlink(t, r->addr) && arp_table_lookup(t, r->addr, r->mac))
		r->has_mac = 1;
}

void arp_table_free(struct arp_table *t)
{
	Pvoid_t a = t->judy;
	JudyLFreeArray(&a, PJE0);
	t->judy = NULL;
}

/* 1: a new host, 0: known already, -1: out of memory. */
static int table_insert(struct arp_table *t, uint32_t addr, const uint8_t mac[6])
{
	Pvoid_t a = t->judy;
	JError_t err;
	PWord_t v = (PWord_t)JudyLIns(&a, (Word_t)addr, &err);
	t->judy = a;
	if (v == PJERR)
		return -1;
	if (*v & ARP_TABLE_HAS)
		return 0;
	uint64_t packed = ARP_TABLE_HAS;
	for (int i = 0; i < 6; i++)
		packed |= (uint64_t)mac[i] << (40 - 8 * i);
	*v = packed;
	return 1;
}

struct sweep {
	struct scan *s;
	struct probe_template tmpl;
	struct classify_ctx ctx;
	struct rx_counters counters;
	struct rate_limiter rl;
};

/* A reply is ours when it passed arp_reply_check (to our MAC and IP) and its sender is
 * an on-link target of this scan: an address we asked. */
static void take_reply(struct sweep *w, struct scan_result *res)
{
	struct scan *s = w->s;
	struct arp_table *t = &s->arp;
	if (res->proto != RESULT_PROTO_ARP || !arp_table_onlink(t, res->addr) ||
	    ipindex_lookup(&s->ts->index, res->addr) < 0) {
		t->dropped++;
		return;
	}
	int rc = table_insert(t, res->addr, res->mac);
	if (rc == 0) {
		t->duplicates++;
		return;
	}
	t->answered++;
	if (s->os_notes.on) /* -O probes every host up, one found by ARP alone too */
		os_scan_note(s, res);
	output_set_write(s->out, res, 1); /* out of memory (-1): still reported */
}

static void poll_replies(struct sweep *w)
{
	struct scan *s = w->s;
	struct nic_buf bufs[SCAN_BURST];
	for (unsigned q = 0; q < s->nrx; q++) {
		unsigned n = nic_rx_burst(s->nic, q, bufs, SCAN_BURST);
		for (unsigned i = 0; i < n; i++) {
			struct scan_result res;
			if (reply_classify(&w->ctx, bufs[i].data, bufs[i].len, bufs[i].l4_csum, bufs[i].rx_ns, &res,
					   &w->counters))
				take_reply(w, &res);
			else if (bufs[i].len >= PKT_ETH_HLEN &&
				 pkt_be16(bufs[i].data + 12) == PKT_ETHERTYPE_ARP)
				s->arp.dropped++;
		}
		nic_rx_release(s->nic, q, bufs, n);
	}
}

/* Sends one burst of requests (as many as the tokens allow). */
static void send_requests(struct sweep *w, const uint32_t *addrs, size_t n)
{
	struct scan *s = w->s;
	static const uint16_t no_ports[SCAN_BURST];
	while (n > 0) {
		unsigned want = rate_take(&w->rl, clock_mono_ns(), (unsigned)n);
		if (want == 0) {
			poll_replies(w);
			clock_sleep_ns(rate_wait_ns(&w->rl) < 1000000 ? rate_wait_ns(&w->rl) : 1000000);
			continue;
		}
		struct nic_buf bufs[SCAN_BURST];
		unsigned m = nic_tx_alloc(s->nic, 0, bufs, want);
		uint8_t *frames[SCAN_BURST];
		uint16_t lens[SCAN_BURST];
		for (unsigned i = 0; i < m; i++)
			frames[i] = bufs[i].data;
		probe_build_burst(&w->tmpl, &s->key, frames, lens, addrs, no_ports, m, clock_wall_ns());
		for (unsigned i = 0; i < m; i++)
			bufs[i].len = lens[i];
		nic_tx_submit(s->nic, 0, bufs, m);
		s->arp.asked += m;
		addrs += m;
		n -= m;
		poll_replies(w);
	}
}

/* The i-th on-link candidate: the walk is over whichever is smaller, the subnet or the
 * target space (an internet-wide scan never walks its 2^32 addresses here). */
struct candidates {
	bool by_subnet;
	uint64_t count;
};

static bool candidate(const struct scan *s, const struct candidates *c, uint64_t i, uint32_t *addr)
{
	const struct arp_table *t = &s->arp;
	*addr = c->by_subnet ? t->net + (uint32_t)i : ipindex_addr(&s->ts->index, i);
	if (c->by_subnet ? ipindex_lookup(&s->ts->index, *addr) < 0 : !arp_table_onlink(t, *addr))
		return false;
	uint8_t mac[6];
	return *addr != s->addrs.src_addr && !arp_table_lookup(t, *addr, mac);
}

static void sweep_round(struct sweep *w, const struct candidates *c, volatile sig_atomic_t *stops)
{
	uint32_t batch[SCAN_BURST];
	size_t k = 0;
	const uint64_t asked_before = w->s->arp.asked, answered_before = w->s->arp.answered;
	for (uint64_t i = 0; i < c->count && *stops == 0; i++) {
		if (!candidate(w->s, c, i, &batch[k]))
			continue;
		if (++k == SCAN_BURST) {
			send_requests(w, batch, k);
			k = 0;
		}
	}
	send_requests(w, batch, k);
	/* Until every host asked this round answered, or the wait is over. */
	uint64_t asked = w->s->arp.asked - asked_before;
	uint64_t until = clock_mono_ns() + ARP_SWEEP_WAIT_MS * 1000000ull;
	while (w->s->arp.answered - answered_before < asked && clock_mono_ns() < until &&
	       *stops == 0) {
		poll_replies(w);
		clock_sleep_ns(200000);
	}
}

int arp_sweep_run(struct scan *s, volatile sig_atomic_t *stops, struct errbuf *e)
{
	struct arp_table *t = &s->arp;
	if (!t->mask || s->replay) {
		t->mask = 0; /* a replay sends nothing: no target is settled by ARP */
		return 0;
	}
	struct sweep *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(e, "out of memory for the ARP sweep");
	w->s = s;
	struct probe_config pc = {0};
	memcpy(pc.src_mac, s->addrs.src_mac, 6);
	pc.saddr = s->addrs.src_addr;
	pc.vlan_id = (uint16_t)s->cfg->vlan;
	pc.sport_base = s->params->sport_base;
	pc.sport_count = s->params->sport_count;
	if (probe_template_init(&w->tmpl, &probe_kind_arp, &pc, e) < 0) {
		free(w);
		return -1;
	}
	w->ctx = s->classify;
	w->ctx.accept_arp = true;
	memcpy(w->ctx.our_mac, s->addrs.src_mac, 6);
	rate_init(&w->rl, (double)s->cfg->rate, clock_mono_ns());
	uint64_t subnet = (uint64_t)~t->mask + 1;
	struct candidates c = {.by_subnet = subnet < s->ts->naddrs,
			       .count = subnet < s->ts->naddrs ? subnet : s->ts->naddrs};
	nic_thread_register(s->nic);
	for (int round = 0; round < ARP_SWEEP_ROUNDS && *stops == 0; round++)
		sweep_round(w, &c, stops);
	free(w);
	/* No target was on-link: the loops need not look at any address (a routed scan's
	 * hot paths stay as they were). */
	if (t->asked == 0)
		t->mask = 0;
	return 0;
}
