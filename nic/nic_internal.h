/* nic internals shared by nic.c and the backends: the ops vtable each backend fills, the
 * struct nic every call passes (no globals: all state hangs off it), and a single-writer
 * counter type.
 * Contract: a backend's open() sets nic->backend, nic->tx_queues/rx_queues (the counts it
 * really set up, possibly fewer rx queues than asked) and, when it knows one, nic->mac.
 * nic.c has already checked cfg (queue ranges, names) and zeroed the struct. */
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
	void (*print_stats)(struct nic *nic, FILE *out);
};

struct nic {
	const struct nic_ops *ops;
	void *backend;          /* the backend's own state */
	unsigned tx_queues, rx_queues;
	uint8_t mac[6];
	bool have_mac;
};

extern const struct nic_ops nic_afpacket_ops;
extern const struct nic_ops nic_pcap_ops;
extern const struct nic_ops nic_dpdk_ops;
/* rte_version() of the DPDK linked in (dpdk.c keeps DPDK's headers to itself). */
const char *nic_dpdk_runtime_version(void);

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
uint64_t nic_realtime_ns(void);
/* The kernel interface's MAC via SIOCGIFHWADDR; -1 with a message naming ifname. */
int nic_ifmac(const char *ifname, uint8_t mac[6], struct errbuf *e);

#endif
