/* The follow-up stage: a pool of grab threads that connect to open TCP ports through the
 * kernel's TCP stack and name the service, product and version.
 *
 * Contract:
 *  - grab_pool_start() creates `threads` grab threads, each with its own epoll loop, its
 *    own share of `concurrency` connection slots and its own bounded submission ring.
 *    It raises RLIMIT_NOFILE (soft, up to the hard limit) to fit the connections.
 *    A port goes to the thread a hash of its address picks (no counter shared by the
 *    submitting threads); the threads' loops are core/followup/loop.h.
 *  - grab_pool_submit() may be called from any number of threads at once (the RX threads):
 *    it copies the scan_result into a lock-free bounded MPSC ring and never blocks or
 *    allocates; the only syscall is a rare eventfd write when the grab thread sleeps. It
 *    returns false when the ring is full (back-pressure overflow): the caller reports the
 *    port open and not grabbed (grab_result_not_grabbed()); the pool counts it.
 *  - Each submitted port yields exactly one call of `on_result`, from a grab thread
 *    (several threads when threads > 1: the callback must be thread-safe). The result
 *    pointer is valid during the call only.
 *  - Connections are bounded in time (timeout_ms from connect to close), bytes
 *    (max_bytes read per connection) and number (concurrency); one slow or hostile server
 *    holds one slot for at most timeout_ms.
 *  - grab_pool_drain() waits until every submitted port has been reported (or the deadline
 *    passes: returns false). grab_pool_stop() stops at once: ports not yet connected are
 *    reported not grabbed, open connections as they are (io-timeout); then it frees all.
 *  - Addresses are IPv4, host byte order, as in scan_result. */
#ifndef ORBIT_CORE_GRAB_GRAB_H
#define ORBIT_CORE_GRAB_GRAB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/base/grab_result.h"

struct grab_pool;
struct probe_db;

typedef void (*grab_result_fn)(const struct grab_result *r, void *user);

struct grab_params {
	unsigned threads;       /* grab threads (default 1) */
	unsigned concurrency;   /* connections open at once, over all threads (default 1000) */
	unsigned queue;         /* ring slots per thread (default max(4096, 4 x concurrency)) */
	unsigned timeout_ms;    /* per connection, connect to close (default 10000) */
	uint64_t max_bytes;     /* bytes read per connection (default 65536) */
	uint32_t source_ip;     /* bind connections to this address (0: the kernel picks) */
	const struct probe_db *probes; /* nmap-service-probes matcher, or NULL */
	const char *contact;    /* --contact: in the HTTP User-Agent and SSH version, or NULL */
	/* Nmap's probe sequence (needs probes): when the first connection (the port's module)
	 * gives no hard match, the file's probes follow, one connection each, in Nmap's order
	 * up to this rarity (0-9; see core/followup/vscan.c). */
	bool probe_sequence;
	unsigned version_intensity;
	unsigned port_budget_ms; /* the whole sequence of one port (default 6 x timeout_ms) */
	bool version_trace;      /* one stderr line per probe and answer (--version-trace) */
	grab_result_fn on_result;
	void *user;
};

struct grab_stats {
	uint64_t submitted;  /* accepted by grab_pool_submit */
	uint64_t overflow;   /* refused by grab_pool_submit: ring full */
	uint64_t started;    /* connections started */
	uint64_t completed;  /* results delivered (any status) */
	uint64_t success;
	uint64_t refused, conn_timeout, closed, io_timeout, protocol_error, unknown_error;
	uint64_t not_grabbed; /* reported not grabbed by stop */
	uint64_t rx_bytes, tx_bytes;
	unsigned active;      /* connections open now */
	unsigned peak_active;
};

/* Returns NULL with e set on failure (bad parameters, no memory, epoll/thread creation). */
struct grab_pool *grab_pool_start(const struct grab_params *p, struct errbuf *e);

bool grab_pool_submit(struct grab_pool *pool, const struct scan_result *r);

/* Convenience for drivers and tests: an open-port record for (addr, port). */
bool grab_pool_submit_addr(struct grab_pool *pool, uint32_t addr, uint16_t port);

/* Waits until every accepted port has been reported; false when timeout_ms passed first. */
bool grab_pool_drain(struct grab_pool *pool, unsigned timeout_ms);

/* Stops the threads (reporting what is left, see above) and frees the pool. */
void grab_pool_stop(struct grab_pool *pool);

/* Counters, summed over threads (consistent enough for a monitor line). */
void grab_pool_stats(struct grab_pool *pool, struct grab_stats *s);

/* Fills r for a port that was not grabbed (overflow, or grabs off). */
void grab_result_not_grabbed(struct grab_result *r, const struct scan_result *scan);



#endif
