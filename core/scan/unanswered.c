/* --report-all and small Nmap-style reports: every index of the walked space that got no
 * result at all is reported as unanswered (filtered, open|filtered, down). The walked
 * space is re-walked from where this run began to where each arc stopped -- O(walked),
 * once, at the end; no per-target state is kept during the scan. The UDP retry rounds
 * (tx.c) walk the same way, while the scan runs, with scan_retry_wanted(). */
#include <string.h>

#include "core/scan/scan_internal.h"

/* The part of tx's arc this run walked. */
void scan_walked_arc(const struct scan *s, const struct tx_thread *tx, struct walk_arc *arc)
{
	const struct cyclic_group *cg = &s->plan->cg;
	if (atomic_load(&tx->round) == 0)
		walk_arc_init(arc, cg, tx->start_pos, atomic_load(&tx->progress), tx->start_pos,
			      WALK_UNLIMITED);
	else /* a later round began: the whole arc was walked */
		walk_arc_init(arc, cg, tx->arc->begin, tx->arc->end, tx->arc->begin,
			      tx->start_budget);
}

static bool answered(const struct scan *s, uint32_t addr, const struct port_entry *pe)
{
	for (unsigned r = 0; r < s->nrx; r++)
		if (dedupe_contains(&s->rx[r].dedupe, addr, pe->proto, pe->port))
			return true;
	return false;
}

bool scan_retry_wanted(struct scan *s, uint32_t addr, const struct port_entry *pe)
{
	if (pe->proto != PROTO_UDP)
		return false;
	bool host_answered = false;
	for (unsigned r = 0; r < s->nrx; r++) {
		struct rx_thread *rx = &s->rx[r];
		pthread_mutex_lock(&rx->dedupe_lock);
		bool done = dedupe_contains(&rx->dedupe, addr, pe->proto, pe->port);
		host_answered = host_answered || done || dedupe_has_addr(&rx->dedupe, addr);
		pthread_mutex_unlock(&rx->dedupe_lock);
		if (done)
			return false;
	}
	return host_answered;
}

/* An on-link target the ARP sweep settled: in a ping sweep an answering host (reported
 * up by the sweep), in a port scan a silent one (down: its ports were never probed). */
static bool swept(const struct scan *s, uint32_t addr)
{
	uint8_t mac[6];
	return arp_table_onlink(&s->arp, addr) &&
	       arp_table_lookup(&s->arp, addr, mac) == s->cfg->ping_sweep;
}

/* Host discovery's probes (discovery.h) have no port to report: a silent ping is no
 * record. In a ping sweep the echo entry stands for the host (HOST_DOWN when nothing of
 * it answered, not even another ping). */
static bool ping_settled(const struct scan *s, uint32_t addr, const struct port_entry *pe)
{
	if (result_proto_is_ping(pe->proto))
		return true;
	if (pe->proto != PROTO_ICMP)
		return false;
	if (!s->cfg->ping_sweep)
		return true;
	for (unsigned r = 0; r < s->nrx; r++)
		if (dedupe_has_addr(&s->rx[r].dedupe, addr))
			return true;
	return false;
}

static void unanswered_result(struct scan_result *res, uint32_t addr, const struct port_entry *pe)
{
	memset(res, 0, sizeof *res);
	res->addr = addr;
	res->port = pe->port;
	res->proto = pe->proto;
	/* SYN and ACK scans alike: no answer is filtered. */
	res->state = pe->proto == PROTO_TCP ? PORT_FILTERED
		     : pe->proto == PROTO_UDP ? PORT_OPEN_FILTERED : HOST_DOWN;
	res->reason = REASON_NO_RESPONSE;
	res->rtt_ns = -1;
}

void scan_report_unanswered(struct scan *s)
{
	if (s->replay || !output_set_wants_unanswered(s->out, scan_total_sent(s)))
		return;
	const struct cyclic_group *cg = &s->plan->cg;
	struct scan_result batch[SCAN_BURST];
	size_t k = 0;
	for (unsigned t = 0; t < s->ntx; t++) {
		struct walk_arc arc;
		scan_walked_arc(s, &s->tx[t], &arc);
		uint64_t idx[SCAN_BURST];
		size_t m;
		while ((m = walk_next(&arc, cg, idx, SCAN_BURST)) > 0) {
			for (size_t i = 0; i < m; i++) {
				uint32_t addr;
				struct port_entry pe;
				target_space_decode(s->ts, idx[i], &addr, &pe);
				if (answered(s, addr, &pe) || swept(s, addr) || ping_settled(s, addr, &pe))
					continue;
				unanswered_result(&batch[k], addr, &pe);
				arp_table_fill(&s->arp, &batch[k]);
				if (udp_version_defer(s, &batch[k])) /* -sU -sV probes it first */
					continue;
				k++;
				if (k == SCAN_BURST) {
					output_set_write_unanswered(s->out, batch, k);
					k = 0;
				}
			}
		}
	}
	output_set_write_unanswered(s->out, batch, k);
}
