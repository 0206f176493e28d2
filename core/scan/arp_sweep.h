/* The ARP sweep of on-link targets (nmap's -PR) and the table of what it learnt.
 * Contract: targets inside the scan interface's connected subnet (nic_addrs.onlink_*)
 * are reached at their own MAC, never the gateway's. Before the probes, arp_sweep_run()
 * asks each on-link target of the space once per round (ARP_SWEEP_ROUNDS, stateless:
 * the walk of the space, paced by --rate), through the scan's own NIC, and keeps each
 * validated, first reply (a reply to our MAC and IP from an on-link address of the
 * space) in the table -- a JudyL sized by the hosts that answered -- and reports it as a
 * HOST_UP result with reason arp-response and the MAC. After the sweep the table is
 * read-only, so every thread may look it up without a lock. An on-link target that did
 * not answer is down: the transmit loop sends it nothing, no port of it is reported.
 * When no target is on-link the sweep sends nothing and clears mask, so the loops skip
 * every lookup. */
#ifndef ORBIT_SCAN_ARP_SWEEP_H
#define ORBIT_SCAN_ARP_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/base/result.h"

#define ARP_SWEEP_ROUNDS 2
#define ARP_SWEEP_WAIT_MS 500 /* after each round's last request */

struct arp_table {
	void *judy;         /* JudyL: address -> MAC (48 bits) | ARP_TABLE_HAS */
	uint32_t net, mask; /* the on-link subnet; mask 0: nothing is on-link */
	uint64_t asked;     /* requests sent */
	uint64_t answered;  /* hosts that answered */
	uint64_t duplicates, dropped; /* repeated replies; ARP frames refused */
};

static inline bool arp_table_onlink(const struct arp_table *t, uint32_t addr)
{
	return t->mask != 0 && (addr & t->mask) == t->net;
}

/* The MAC learnt for addr: true and mac filled, or false. */
bool arp_table_lookup(const struct arp_table *t, uint32_t addr, uint8_t mac[6]);
/* Adds the host's MAC to a result of an on-link host (has_mac), leaves others alone. */
void arp_table_fill(const struct arp_table *t, struct scan_result *r);
void arp_table_free(struct arp_table *t);

struct scan;
/* The sweep, when some target is on-link (else nothing). Returns 0, or -1 when the
 * template cannot be built (message in stderr by the caller's errbuf). */
struct errbuf;
int arp_sweep_run(struct scan *s, volatile sig_atomic_t *stops, struct errbuf *e);

#endif
