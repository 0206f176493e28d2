/* nic: packet I/O behind one buffer-lending interface, three backends.
 * Contract:
 *  - nic_open() brings up a backend ("dpdk", "afpacket", "pcap") with tx_queues transmit
 *    and rx_queues receive queues. Queue q is used by exactly one thread; calls on
 *    different queues never contend (no locks on the hot path).
 *  - TX: nic_tx_alloc(q, bufs, n) lends up to n empty frame buffers of at least
 *    NIC_FRAME_MAX bytes (DPDK mbufs, TX ring slots); the caller writes each frame into
 *    bufs[i].data and sets bufs[i].len, then nic_tx_submit(q, bufs, n) sends all n,
 *    retrying a full ring a bounded number of times, then freeing and counting what is
 *    left (stats.tx_dropped). Every lent buffer must be submitted (len 0 is not sent).
 *  - RX: nic_rx_burst(q, bufs, n) returns up to n received frames as views (data, len,
 *    rx timestamp in ns, CLOCK_REALTIME); they stay valid until nic_rx_release(q, ...)
 *    of the same buffers, which must come before the next nic_rx_burst on q.
 *    Each frame carries its L4 checksum status (core/base/checksum.h): AF_PACKET from
 *    tp_status (CSUMNOTREADY: PARTIAL, CSUM_VALID: VALID), DPDK from the mbuf's
 *    RTE_MBUF_F_RX_L4_CKSUM_* flags (GOOD: VALID, BAD: BAD), otherwise UNKNOWN (pcap).
 *  - nic_get_stats() sums every queue: sent, dropped and why, received, missed by the
 *    NIC/kernel (DPDK imissed, TPACKET tp_drops, pcap ps_drop).
 *  - A pcap backend with rx_file set reads frames from a .pcap file instead of a device
 *    (replay tests); nic_rx_burst returns 0 once the file is exhausted and
 *    nic_rx_exhausted() says so.
 *  - DPDK's EAL is process-global: one nic per process may use the dpdk backend, once
 *    (EAL cannot be initialised again after nic_close). rte_eal_init pins the calling
 *    thread to the main lcore; threads created afterwards inherit that affinity.
 *  - What differs between backends is behind their ops (nic_internal.h): callers never
 *    compare backend names; nic_thread_register and nic_runtime_version work on any nic.
 *  - nic_get_stats may run on a monitor thread while queues are busy, but only one thread
 *    at a time may call it.
 *  - Errors: -1 and a one-line message in errbuf naming the bad value (interface,
 *    EAL argument, file), never an exit. */
#ifndef ORBIT_NIC_NIC_H
#define ORBIT_NIC_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/checksum.h"
#include "core/base/error.h"

#define NIC_FRAME_MAX 2048
#define NIC_MAX_QUEUES 16

struct nic;

struct nic_config {
	const char *backend;    /* "dpdk", "afpacket", "pcap" */
	const char *ifname;     /* kernel interface (afpacket, pcap live; dpdk af_packet vdev) */
	const char *dpdk_args;  /* EAL arguments, space separated ("--no-huge --vdev=...") */
	const char *dpdk_port;  /* DPDK port by name ("net_af_packet0") or PCI address; NULL: port 0 */
	const char *rx_file;    /* pcap backend: receive from this .pcap file */
	unsigned tx_queues;     /* 1..NIC_MAX_QUEUES */
	unsigned rx_queues;     /* 1..NIC_MAX_QUEUES */
	const char *rx_filter;  /* --rx-filter: a pcap expression for afpacket/pcap receive sockets */
	/* afpacket TX: PACKET_QDISC_BYPASS, faster but invisible to tcpdump and tc. */
	bool qdisc_bypass;
};

struct nic_buf {
	uint8_t *data;
	uint16_t len;
	enum csum_rx l4_csum; /* RX: what the NIC/kernel said of the L4 checksum (see below) */
	uint64_t rx_ns;   /* receive time (RX only) */
	void *handle;     /* backend's own (mbuf, ring slot) */
};

struct nic_stats {
	uint64_t tx_packets, tx_bytes;
	/* Ring stayed full after retries (freed, not sent), or dropped by the kernel after the
	 * backend took the frame (dpdk net_af_packet: the interface's own tx_dropped). */
	uint64_t tx_dropped;
	uint64_t tx_errors;    /* send failures reported by the backend (oerrors, errno) */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_missed;    /* dropped by the NIC or kernel before we saw them */
	uint64_t rx_errors;
	/* afpacket: the reader found the blocks the kernel handed over elsewhere in the ring
	 * than where it walks (and moved there): each time, frames may have been dropped. */
	uint64_t rx_resyncs;
};

int nic_open(struct nic **out, const struct nic_config *cfg, struct errbuf *e);
void nic_close(struct nic *nic);
const char *nic_backend_name(const struct nic *nic);
/* The backend's runtime library version when it has one to report (dpdk: rte_version()),
 * else NULL (afpacket, pcap). */
const char *nic_runtime_version(const struct nic *nic);
/* The rx queue count really set up, possibly fewer than asked (pcap: always 1; dpdk: 1
 * when the PMD has no RSS): run that many rx threads. tx is always what was asked. */
unsigned nic_rx_queue_count(const struct nic *nic);
/* The device's MAC address (for the probe template's source MAC when not overridden). */
int nic_mac(const struct nic *nic, uint8_t mac[6]);

/* Call once on each thread that uses a queue, before using it: for dpdk it registers a
 * non-EAL thread with EAL so mbuf allocation uses a per-thread cache; a no-op for afpacket
 * and pcap.
 * -1 if EAL has no lcore slot left (the thread still works, without a cache). */
int nic_thread_register(struct nic *nic);

unsigned nic_tx_alloc(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
unsigned nic_tx_submit(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
unsigned nic_rx_burst(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
void nic_rx_release(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n);
bool nic_rx_exhausted(const struct nic *nic);
void nic_get_stats(struct nic *nic, struct nic_stats *st);

/* Address discovery for -i / -S / --source-mac / -G defaults, via netlink (routes,
 * addresses, neighbours). nic_discover fills what it can find for reaching dst; any
 * field the user gave is kept. */
struct nic_addrs {
	char ifname[32];
	uint32_t src_addr;     /* host byte order */
	uint8_t src_mac[6];
	uint8_t gw_mac[6];     /* next hop's MAC for dst */
	bool have_src_addr, have_src_mac, have_gw_mac;
	/* The interface's connected subnet holding src_addr (host order): targets in it are
	 * on-link, reached at their own MAC (the scan's ARP sweep), not through gw_mac. */
	uint32_t onlink_net, onlink_mask;
	bool have_onlink;
	bool dst_onlink; /* dst itself is on-link: gw_mac was not resolved for it */
};
int nic_discover(uint32_t dst, struct nic_addrs *a, struct errbuf *e);
/* Resolves next_hop's MAC on ifname by ARP (who-has from src_mac/src_addr, up to
 * NIC_ARP_TRIES requests NIC_ARP_WAIT_MS apart, on a packet socket): 0 and mac, or -1
 * and a message naming the address. Host byte order. */
#define NIC_ARP_TRIES 3
#define NIC_ARP_WAIT_MS 300
int nic_arp_resolve(const char *ifname, const uint8_t src_mac[6], uint32_t src_addr,
		    uint32_t next_hop, uint8_t mac[6], struct errbuf *e);

#endif
