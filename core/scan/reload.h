/* The blocklist reloaded while a scan runs (SIGHUP, and every --blocklist-reload
 * SECONDS): an opt-out that arrives mid-scan stops probes to its range within one poll.
 * Contract: a send-time filter only -- the walk, its arcs and its checkpoints stay what
 * they were, so --resume stays exact; a reload can add blocked addresses, never give
 * back ones the scan started without (that takes a new scan). blocklist_reload_init()
 * reads the file as it is at the start (the baseline the target space was built with);
 * blocklist_reload_poll() (the supervisor thread, every ~20 ms) re-reads it when a
 * SIGHUP came or the period passed and publishes the addresses added since the start;
 * a file that cannot be read or parsed keeps the last good set and is reported once per
 * attempt. blocklist_reload_blocks() is the senders' test: one relaxed load when nothing
 * was added (the hot path's cost), a binary search over the added ranges otherwise.
 * Published sets are kept until blocklist_reload_free(), after the senders stopped (no
 * reader ever sees a freed set). The file is re-opened by name after privileges drop:
 * it must be readable by the user the scan runs as. */
#ifndef ORBIT_SCAN_RELOAD_H
#define ORBIT_SCAN_RELOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"
#include "targets/ipset.h"

enum { RELOAD_SETS_MAX = 64 }; /* published sets kept; later reloads replace the last */

struct blocklist_reload {
	const char *path;      /* NULL: nothing to reload (built-in list) */
	uint64_t period_ns;    /* 0: on SIGHUP only */
	uint64_t last_ns;      /* clock_mono_ns() of the last reload attempt */
	struct ipset baseline; /* the file at the start */
	struct ipset *sets[RELOAD_SETS_MAX];
	unsigned nsets;
	_Atomic(const struct ipset *) added; /* NULL: nothing added since the start */
	unsigned reloads, failures;
	uint64_t added_addresses;  /* in the current set */
	uint64_t last_latency_ns;  /* last reload: from its trigger to the set in effect */
};

int blocklist_reload_init(struct blocklist_reload *r, const char *path, unsigned period_s,
			  struct errbuf *e);
/* hup: a SIGHUP arrived since the last call. Notes go to log (NULL: quiet). Returns true
 * when a new set was published. */
bool blocklist_reload_poll(struct blocklist_reload *r, bool hup, uint64_t now_ns, FILE *log);
void blocklist_reload_free(struct blocklist_reload *r);

static inline const struct ipset *blocklist_reload_current(const struct blocklist_reload *r)
{
	return atomic_load_explicit(&((struct blocklist_reload *)r)->added, memory_order_acquire);
}

#endif
