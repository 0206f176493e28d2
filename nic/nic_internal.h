/* nic internals, in three tiers so no file calls back into one above it:
 *   nic.c      (below)  dispatch through nic->ops, cfg checks, helpers the backends share;
 *   afpacket.c, pcap.c, dpdk.c   each fills one struct nic_ops;
 *   backends.c (above)  the registry: names -> ops, and nic_open().
 * Contract: a backend's open() sets nic->backend, nic->tx_queues/rx_queues (the counts it
 * really set up, possibly fewer rx queues than asked) and, when it knows one, nic->mac.
 * nic_open_ops() has already checked cfg (queue ranges) and zeroed the struct. Optional ops
 * (NULL) mean: rx_exhausted never, thread_register nothing to do, version none. */
#ifndef ORBIT_NIC_NIC_INTERNAL_H
#define ORBIT_NIC_NIC_INTERNAL_H

#include <stdatomic.h>

#include "nic/nic.h"

/* The largest burst a backend copies or lends at once; nic.c splits larger calls. */
#define NIC_BURST_MAX 64

struct nic_ops {
	const char *name;
	int (*open)(struct nic *nic, const struct nic_config *cfg, struct errbuf *e);
	void (*close)(struct nic *nic);
	unsigned (*tx_alloc)(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
	unsigned (*tx_submit)(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
	unsigned (*rx_burst)(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
	void (*rx_release)(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
	bool (*rx_exhausted)(const struct nic *nic);
	void (*get_stats)(struct nic *nic, struct nic_stats *st);
	/* Once on each thread that uses a queue (dpdk: make it an EAL thread). */
	int (*thread_register)(struct nic *nic);
	/* The runtime library's version string (dpdk: rte_version()). */
	const char *(*version)(void);
};

struct nic {
	const struct nic_ops *ops;
	void *backend;          /* the backend's own state */
	unsigned tx_queues, rx_queues;
	uint8_t mac[6];
	bool have_mac;
};

/* Each backend's ops, defined in its own file; only the registry (backends.c) names them. */
extern const struct nic_ops nic_afpacket_ops;
extern const struct nic_ops nic_pcap_ops;
extern const struct nic_ops nic_dpdk_ops;

/* A counter written by one thread (the queue's owner) and read by another (the monitor):
 * relaxed atomic load and store compile to plain moves, without a locked add. */
typedef _Atomic uint64_t nic_counter;

static inline void nic_counter_add(nic_counter *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static inline uint64_t nic_counter_get(const nic_counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Per-queue counters, one cache line per queue so queues never share a line. */
struct nic_queue_counters {
	nic_counter packets, bytes, dropped, errors;
} __attribute__((aligned(64)));

/* Shared helpers (nic.c). */
/* Checks cfg's queue counts and opens a nic with ops (the registry has picked them). */
int nic_open_ops(struct nic **out, const struct nic_ops *ops, const struct nic_config *cfg,
		 struct errbuf *e);
/* The kernel interface's MAC via SIOCGIFHWADDR; -1 with a message naming ifname. */
int nic_ifmac(const char *ifname, uint8_t mac[6], struct errbuf *e);

#endif
