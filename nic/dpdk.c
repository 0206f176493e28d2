/* dpdk: DPDK ethdev, any PMD (real NICs on vfio-pci, or net_af_packet, net_af_xdp,
 * net_pcap, net_null vdevs).
 *  - EAL: initialised here from cfg->dpdk_args (split on spaces, argv[0] "orbit"). EAL is
 *    process-global and cannot be initialised twice: one dpdk nic per process, once.
 *  - Port: by name (rte_eth_dev_get_port_by_name: "net_af_packet0", or a PCI address as
 *    EAL names it, "0000:01:00.0"), else port 0.
 *  - Queues: one TX queue per tx queue (an error if the PMD has fewer); RX queues with
 *    RSS on the IP addresses when more than one is asked and the PMD hashes IP, else 1
 *    (nic_rx_queue_count says which).
 *  - Mbufs: one pool on the port's socket, sized for every ring plus the bursts in
 *    flight plus the per-lcore caches. TX lends mbufs (rte_pktmbuf_alloc_bulk), submits
 *    with rte_eth_tx_burst retried a bounded number of times, then frees and counts what
 *    the PMD would not take (testpmd's txonly / l2fwd style). When the pool is empty, an
 *    empty tx_burst lets PMDs that reap completions only inside tx_burst (net_af_xdp)
 *    give sent mbufs back. RX lends mbufs, released with rte_pktmbuf_free_bulk; their
 *    timestamp is CLOCK_REALTIME at burst time.
 *  - net_af_xdp (DPDK 22.11) builds its UMEM over the rx pool and assumes the objects lie
 *    back to back in one chunk (see pool_create); its fill ring holds AF_XDP_FILL mbufs
 *    whatever the rx ring size.
 *  - Threads that are not EAL lcores get no mempool cache (allocs go to the ring):
 *    its thread_register op (nic_thread_register) makes the calling thread an EAL thread. */
#include "nic/nic_internal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"

#define RX_RING_SIZE 1024
#define TX_RING_SIZE 1024
#define MBUF_CACHE 256
#define TX_RETRIES 64
#define EAL_MAX_ARGS 64
/* mbufs net_af_xdp puts on each rx queue's fill ring at setup (ETH_AF_XDP_DFLT_NUM_DESCS,
 * libxdp's XSK_RING_CONS__DEFAULT_NUM_DESCS), whatever nb_rx_desc says. */
#define AF_XDP_FILL 2048
/* net_af_packet opens one socket per queue pair (qpairs <= 16 in 22.11's RTE_PMD_AF_PACKET_MAX_RINGS). */
#define AFP_MAX_SOCKETS 16

struct dpdk_q {
	struct nic_queue_counters c;
};

struct dpdk_be {
	uint16_t port;
	bool eal_up, port_started;
	struct rte_mempool *pool;
	char port_name[RTE_ETH_NAME_MAX_LEN];
	struct dpdk_q tx[NIC_MAX_QUEUES];
	struct dpdk_q rx[NIC_MAX_QUEUES];
	bool af_packet;          /* net_af_packet: its sockets' kernel drops are read too */
	uint64_t af_packet_drops; /* PACKET_STATISTICS tp_drops so far (each read resets) */
	int afp_fds[AFP_MAX_SOCKETS]; /* the PMD's packet sockets, found at open */
	unsigned n_afp_fds;
	unsigned outgoing_filtered;   /* of them, with the no-outgoing filter attached */
	char ifname[IF_NAMESIZE];     /* the kernel interface under net_af_packet */
	uint64_t if_tx_dropped0;      /* its tx_dropped when the port started */
	/* EAL keeps pointers into its argv (--vdev devargs): the strings live until close. */
	char *eal_buf;
	char *eal_sized[EAL_MAX_ARGS];
	unsigned n_eal_sized;
};

/* net_af_packet's own ring (DPDK 22.11: framecnt=512 frames of 2 KiB a queue) holds ~5 ms
 * of replies at 100 kpps: a receive thread descheduled that long lost replies, and the
 * PMD counts none of them. Unless the vdev says otherwise, orbit gives it AFP_FRAMECNT
 * frames: 164 ms at 100 kpps, 32 MiB each for rx and tx per queue pair (8192, 82 ms,
 * still lost 1254 replies once in CI, kernel_sweep_dpdk, both cores busy). */
#define AFP_FRAMECNT "16384"

/* tok with ",framecnt=AFP_FRAMECNT" appended when it is a net_af_packet vdev without its
 * own framecnt; the copy is kept in d and freed at close, after EAL. */
static char *sized_vdev(struct dpdk_be *d, char *tok)
{
	const char *dev = strncmp(tok, "--vdev=", 7) == 0 ? tok + 7 : tok;
	if (strncmp(dev, "net_af_packet", 13) != 0 || strstr(dev, "framecnt="))
		return tok;
	size_t n = strlen(tok) + sizeof ",framecnt=" AFP_FRAMECNT;
	char *sized = malloc(n);
	if (!sized)
		return tok;
	snprintf(sized, n, "%s,framecnt=%s", tok, AFP_FRAMECNT);
	d->eal_sized[d->n_eal_sized++] = sized;
	return sized;
}

/* Splits args on spaces into argv (argv[0] "orbit"); the strings live in buf. */
static int split_args(struct dpdk_be *d, char *buf, char **argv, int max)
{
	int argc = 0;
	argv[argc++] = (char *)"orbit";
	for (char *save = NULL, *tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc >= max - 1)
			return -1;
		argv[argc++] = sized_vdev(d, tok);
	}
	argv[argc] = NULL;
	return argc;
}

static int eal_up(struct dpdk_be *d, const struct nic_config *cfg, struct errbuf *e)
{
	const char *args = cfg->dpdk_args ? cfg->dpdk_args : "";
	char *buf = strdup(args);
	char *argv[EAL_MAX_ARGS + 1];
	if (!buf)
		return err_set(e, "out of memory for EAL arguments");
	d->eal_buf = buf;
	int argc = split_args(d, buf, argv, EAL_MAX_ARGS);
	if (argc < 0) {
		return err_set(e, "too many EAL arguments in '%s' (at most %d)", args,
			       EAL_MAX_ARGS - 2);
	}
	/* EAL keeps pointers into argv (e.g. for --vdev devargs): d keeps the strings until
	 * dpdk_close, after rte_eal_cleanup (or frees them there on these errors). */
	int rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		int err = rte_errno;
		if (err == EALREADY)
			return err_set(e, "DPDK EAL is already initialised in this process (one "
					  "dpdk nic per process)");
		return err_set(e, "DPDK EAL rejected arguments '%s': %s", args, rte_strerror(err));
	}
	if (rc < argc - 1) {
		/* EAL stops at the first argument it does not own ("--" or a non-option). */
		err_set(e, "EAL argument '%s' not understood", argv[rc + 1]);
		rte_eal_cleanup();
		return -1;
	}
	d->eal_up = true;
	return 0;
}

static int find_port(struct dpdk_be *d, const struct nic_config *cfg, struct errbuf *e)
{
	if (rte_eth_dev_count_avail() == 0)
		return err_set(e, "no DPDK ports (EAL arguments '%s': add --vdev=... or bind a "
				  "NIC to vfio-pci)",
			       cfg->dpdk_args ? cfg->dpdk_args : "");
	if (cfg->dpdk_port && cfg->dpdk_port[0]) {
		if (rte_eth_dev_get_port_by_name(cfg->dpdk_port, &d->port) != 0)
			return err_set(e, "unknown DPDK port '%s'", cfg->dpdk_port);
	} else {
		uint16_t p = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
		if (p >= RTE_MAX_ETHPORTS)
			return err_set(e, "no free DPDK port");
		d->port = p;
	}
	rte_eth_dev_get_name_by_port(d->port, d->port_name);
	return 0;
}

/* The mbuf pool. packed: objects back to back in one memory chunk, for net_af_xdp. Its
 * UMEM (zero-copy between mbufs and the XSK) starts at the page of the pool's first chunk
 * and is populated_size x object size long. rte_pktmbuf_pool_create keeps each object
 * inside one page (4 KiB without hugepages: one 2368-byte mbuf per page), so most mbufs
 * lie past the UMEM's end; the kernel rejects every descriptor naming one
 * (XDP_STATISTICS tx_invalid_descs), sends nothing and completes nothing, and the pool
 * drains into the TX ring (the stall after exactly 1024 probes). RTE_MEMPOOL_F_NO_IOVA_
 * CONTIG lifts the page rule; AF_XDP's copy mode does not care where pages are. */
static struct rte_mempool *pool_create(const char *name, unsigned n, int socket, bool packed)
{
	if (!packed)
		return rte_pktmbuf_pool_create(name, n, MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       socket);
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE, .mbuf_priv_size = 0};
	struct rte_mempool *mp = rte_mempool_create_empty(
		name, n, (unsigned)sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, MBUF_CACHE,
		sizeof priv, socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!mp)
		return NULL;
	int rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		rc = rte_mempool_populate_default(mp);
	}
	if (rc >= 0 && mp->nb_mem_chunks != 1)
		rc = -ENOMEM; /* the UMEM would not cover the later chunks */
	if (rc < 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

/* The PMD's packet sockets, which it keeps private: this process's own descriptors, so
 * found in /proc/self/fd (every packet socket of a dpdk-backend process is the PMD's).
 * Read once at open: after the drop to --user the process is not dumpable and
 * /proc/self/fd is root's. */
static void af_packet_find_sockets(struct dpdk_be *d)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	for (struct dirent *de; (de = readdir(dir)) != NULL && d->n_afp_fds < AFP_MAX_SOCKETS;) {
		int fd = atoi(de->d_name);
		int domain = 0;
		socklen_t len = sizeof domain;
		if (de->d_name[0] == '.' || fd == dirfd(dir) ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_PACKET)
			continue;
		d->afp_fds[d->n_afp_fds++] = fd;
	}
	closedir(dir);
}

/* The kernel interface's tx_dropped (sysfs; 0 when unreadable). */
static uint64_t if_tx_dropped(const char *ifname)
{
	char path[96];
	snprintf(path, sizeof path, "/sys/class/net/%s/statistics/tx_dropped", ifname);
	FILE *f = fopen(path, "r");
	uint64_t v = 0;
	if (f) {
		if (fscanf(f, "%" SCNu64, &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* What net_af_packet (22.11) leaves out of its stats, and the frames it should not get:
 *  - Its RX socket is bound to ETH_P_ALL without PACKET_IGNORE_OUTGOING, so every frame
 *    the host's own stack sends on the interface (the kernel's RSTs to SYN-ACKs when the
 *    probes' source is a local address, ARP, anything else) came back as a "reply": a
 *    scan of N targets received up to 2N frames, half of them crowding the ring and
 *    counted not-to-us / wrong-port / bad-cookie. orbit's own probes never came back
 *    (the PMD's qdisc bypass skips the taps), so dropping outgoing frames loses nothing.
 *  - Its sockets' ring drops (PACKET_STATISTICS tp_drops): no imissed.
 *  - Probes the kernel dropped after the PMD wrote them to its TX ring (qdisc bypass,
 *    PACKET_LOSS: the driver said no, e.g. carrier down or the peer's backlog full): the
 *    PMD counts them sent; the interface's tx_dropped moves. */
static void af_packet_setup(struct dpdk_be *d, unsigned if_index)
{
	/* PACKET_IGNORE_OUTGOING cannot help: the PMD's sockets are in a fanout group, whose
	 * own hook is what the taps call (the flag on the socket is ignored). A socket
	 * filter runs per socket behind the fanout: drop pkttype OUTGOING, keep the rest. */
	static struct sock_filter no_outgoing[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	struct sock_fprog prog = {.len = sizeof no_outgoing / sizeof no_outgoing[0],
				  .filter = no_outgoing};
	af_packet_find_sockets(d);
	for (unsigned i = 0; i < d->n_afp_fds; i++)
		d->outgoing_filtered +=
			setsockopt(d->afp_fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
	if (if_index && if_indextoname(if_index, d->ifname))
		d->if_tx_dropped0 = if_tx_dropped(d->ifname);
	else
		d->ifname[0] = 0;
}

/* tp_drops since the last call (each read resets the kernel's count). */
static uint64_t af_packet_socket_drops(const struct dpdk_be *d)
{
	uint64_t drops = 0;
	for (unsigned i = 0; i < d->n_afp_fds; i++) {
		struct tpacket_stats ts;
		socklen_t len = sizeof ts;
		if (getsockopt(d->afp_fds[i], SOL_PACKET, PACKET_STATISTICS, &ts, &len) == 0)
			drops += ts.tp_drops;
	}
	return drops;
}

static int port_up(struct nic *nic, struct dpdk_be *d, const struct nic_config *cfg,
		   struct errbuf *e)
{
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(d->port, &info);
	if (rc != 0)
		return err_set(e, "DPDK port '%s': no device info: %s", d->port_name,
			       rte_strerror(-rc));
	if (cfg->tx_queues > info.max_tx_queues)
		return err_set(e, "DPDK port '%s' has %u tx queues, %u asked (net_af_packet: "
				  "qpairs=N in the vdev)",
			       d->port_name, info.max_tx_queues, cfg->tx_queues);
	unsigned nrx = cfg->rx_queues;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof conf);
	uint64_t rss_hf = info.flow_type_rss_offloads & RTE_ETH_RSS_IP;
	if (nrx > 1 && rss_hf && info.max_rx_queues > 1) {
		if (nrx > info.max_rx_queues)
			nrx = info.max_rx_queues;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
	} else {
		nrx = 1;
	}
	/* The probe builder writes correct checksums; offloads are left off so every PMD
	 * sends the bytes as built. Fast mbuf free is safe: one pool, refcount 1. */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(d->port, (uint16_t)nrx, (uint16_t)cfg->tx_queues, &conf);
	if (rc != 0)
		return err_set(e, "DPDK port '%s': configure %u rx / %u tx queues: %s",
			       d->port_name, nrx, cfg->tx_queues, rte_strerror(-rc));
	uint16_t nb_rxd = RX_RING_SIZE, nb_txd = TX_RING_SIZE;
	rte_eth_dev_adjust_nb_rx_tx_desc(d->port, &nb_rxd, &nb_txd);

	int socket = rte_eth_dev_socket_id(d->port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	bool af_xdp = info.driver_name && strcmp(info.driver_name, "net_af_xdp") == 0;
	d->af_packet = info.driver_name && strcmp(info.driver_name, "net_af_packet") == 0;
	unsigned rx_held = af_xdp && nb_rxd < AF_XDP_FILL ? AF_XDP_FILL : nb_rxd;
	unsigned mbufs = nrx * rx_held + cfg->tx_queues * nb_txd +
			 (nrx + cfg->tx_queues) * 2 * NIC_BURST_MAX +
			 (rte_lcore_count() + 1) * MBUF_CACHE;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	snprintf(pool_name, sizeof pool_name, "orbit_mbufs_%u", d->port);
	d->pool = pool_create(pool_name, mbufs, socket, af_xdp);
	if (!d->pool)
		return err_set(e, "DPDK: mbuf pool of %u on socket %d: %s (give EAL more "
				  "memory, -m)",
			       mbufs, socket, rte_strerror(rte_errno));
	for (unsigned q = 0; q < nrx; q++) {
		rc = rte_eth_rx_queue_setup(d->port, (uint16_t)q, nb_rxd, (unsigned)socket, NULL,
					    d->pool);
		if (rc != 0)
			return err_set(e, "DPDK port '%s': rx queue %u: %s", d->port_name, q,
				       rte_strerror(-rc));
	}
	struct rte_eth_txconf txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (unsigned q = 0; q < cfg->tx_queues; q++) {
		rc = rte_eth_tx_queue_setup(d->port, (uint16_t)q, nb_txd, (unsigned)socket,
					    &txconf);
		if (rc != 0)
			return err_set(e, "DPDK port '%s': tx queue %u: %s", d->port_name, q,
				       rte_strerror(-rc));
	}
	rc = rte_eth_dev_start(d->port);
	if (rc != 0)
		return err_set(e, "DPDK port '%s': start: %s", d->port_name, rte_strerror(-rc));
	d->port_started = true;
	if (d->af_packet)
		af_packet_setup(d, info.if_index);
	/* A scanner sees replies addressed to a --source-mac other than the port's own. */
	rte_eth_promiscuous_enable(d->port);
	nic->rx_queues = nrx;
	nic->tx_queues = cfg->tx_queues;
	struct rte_ether_addr mac;
	if (rte_eth_macaddr_get(d->port, &mac) == 0) {
		memcpy(nic->mac, mac.addr_bytes, 6);
		nic->have_mac = true;
	}
	return 0;
}

static void dpdk_close(struct nic *nic)
{
	struct dpdk_be *d = nic->backend;
	if (!d)
		return;
	if (d->port_started)
		rte_eth_dev_stop(d->port);
	if (d->eal_up)
		rte_eth_dev_close(d->port);
	if (d->pool)
		rte_mempool_free(d->pool);
	if (d->eal_up)
		rte_eal_cleanup();
	for (unsigned i = 0; i < d->n_eal_sized; i++)
		free(d->eal_sized[i]);
	free(d->eal_buf);
	free(d);
	nic->backend = NULL;
}

static int dpdk_open(struct nic *nic, const struct nic_config *cfg, struct errbuf *e)
{
	struct dpdk_be *d = calloc(1, sizeof *d);
	if (!d)
		return err_set(e, "out of memory opening dpdk");
	nic->backend = d;
	if (eal_up(d, cfg, e) < 0 || find_port(d, cfg, e) < 0 || port_up(nic, d, cfg, e) < 0) {
		dpdk_close(nic);
		return -1;
	}
	return 0;
}

static unsigned dpdk_tx_alloc(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	struct dpdk_be *d = nic->backend;
	struct rte_mbuf *m[NIC_BURST_MAX];
	/* Raw, not rte_pktmbuf_alloc_bulk: its reset of every field was ~18 instructions a
	 * probe. A free leaves an mbuf with one segment and no next (rte_pktmbuf_prefree_seg),
	 * so what a sent frame needs is the headroom, no offload flags (an RX mbuf may come
	 * back with RX flags) and, at submit, its lengths. */
	if (rte_mempool_get_bulk(d->pool, (void **)m, n) != 0) {
		/* The PMD still holds mbufs it has sent. net_af_xdp frees them (pulls the
		 * completion ring) only inside tx_burst: an empty burst lets it. */
		rte_eth_tx_burst(d->port, (uint16_t)q, m, 0);
		if (rte_mempool_get_bulk(d->pool, (void **)m, n) != 0)
			return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *mb = m[i];
		mb->data_off = RTE_PKTMBUF_HEADROOM;
		mb->ol_flags = 0;
		bufs[i].data = (uint8_t *)mb->buf_addr + RTE_PKTMBUF_HEADROOM;
		bufs[i].handle = mb;
	}
	return n;
}

static unsigned dpdk_tx_submit(struct nic *nic, unsigned qi, struct nic_buf *bufs, unsigned n)
{
	struct dpdk_be *d = nic->backend;
	struct dpdk_q *q = &d->tx[qi];
	struct rte_mbuf *m[NIC_BURST_MAX];
	unsigned k = 0;
	uint64_t bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *mb = bufs[i].handle;
		if (bufs[i].len == 0) {
			rte_pktmbuf_free(mb);
			continue;
		}
		mb->data_len = bufs[i].len;
		mb->pkt_len = bufs[i].len;
		bytes += bufs[i].len;
		m[k++] = mb;
	}
	unsigned sent = 0;
	for (int attempt = 0; attempt < TX_RETRIES && sent < k; attempt++) {
		sent += rte_eth_tx_burst(d->port, (uint16_t)qi, m + sent, (uint16_t)(k - sent));
		if (sent < k)
			rte_pause();
	}
	if (sent < k) { /* rare: the bytes of what was not sent come off (before freeing) */
		for (unsigned i = sent; i < k; i++)
			bytes -= m[i]->pkt_len;
		rte_pktmbuf_free_bulk(m + sent, k - sent);
		nic_counter_add(&q->c.dropped, k - sent);
	}
	nic_counter_add(&q->c.packets, sent);
	nic_counter_add(&q->c.bytes, bytes);
	return sent;
}

/* The PMD's word on the L4 checksum, where it gives one (net_af_packet gives none:
 * UNKNOWN, so the classifier verifies, and recognises sums left to the device). */
static inline enum csum_rx dpdk_csum_status(uint64_t ol_flags)
{
	switch (ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
	case RTE_MBUF_F_RX_L4_CKSUM_GOOD: return CSUM_RX_VALID;
	case RTE_MBUF_F_RX_L4_CKSUM_BAD: return CSUM_RX_BAD;
	/* NONE: the data is known good, the field is not a finished sum (virtio's
	 * VIRTIO_NET_HDR_F_NEEDS_CSUM): the PARTIAL case. */
	case RTE_MBUF_F_RX_L4_CKSUM_NONE: return CSUM_RX_PARTIAL;
	default: return CSUM_RX_UNKNOWN;
	}
}

static unsigned dpdk_rx_burst(struct nic *nic, unsigned qi, struct nic_buf *bufs, unsigned n)
{
	struct dpdk_be *d = nic->backend;
	struct rte_mbuf *m[NIC_BURST_MAX];
	uint16_t got = rte_eth_rx_burst(d->port, (uint16_t)qi, m, (uint16_t)n);
	if (got == 0)
		return 0;
	uint64_t now = clock_wall_ns(), bytes = 0;
	for (unsigned i = 0; i < got; i++) {
		/* Scatter is off: a frame is one segment. */
		bufs[i] = (struct nic_buf){.data = rte_pktmbuf_mtod(m[i], uint8_t *),
					   .len = rte_pktmbuf_data_len(m[i]),
					   .l4_csum = dpdk_csum_status(m[i]->ol_flags),
					   .rx_ns = now,
					   .handle = m[i]};
		bytes += rte_pktmbuf_data_len(m[i]);
	}
	nic_counter_add(&d->rx[qi].c.packets, got);
	nic_counter_add(&d->rx[qi].c.bytes, bytes);
	return got;
}

static void dpdk_rx_release(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	(void)nic, (void)q;
	struct rte_mbuf *m[NIC_BURST_MAX];
	for (unsigned done = 0; done < n;) {
		unsigned k = 0;
		for (; k < NIC_BURST_MAX && done < n; k++, done++)
			m[k] = bufs[done].handle;
		rte_pktmbuf_free_bulk(m, k);
	}
}

static void dpdk_get_stats(struct nic *nic, struct nic_stats *st)
{
	struct dpdk_be *d = nic->backend;
	for (unsigned q = 0; q < nic->tx_queues; q++) {
		st->tx_packets += nic_counter_get(&d->tx[q].c.packets);
		st->tx_bytes += nic_counter_get(&d->tx[q].c.bytes);
		st->tx_dropped += nic_counter_get(&d->tx[q].c.dropped);
	}
	for (unsigned q = 0; q < nic->rx_queues; q++) {
		st->rx_packets += nic_counter_get(&d->rx[q].c.packets);
		st->rx_bytes += nic_counter_get(&d->rx[q].c.bytes);
	}
	struct rte_eth_stats es;
	if (rte_eth_stats_get(d->port, &es) == 0) {
		st->tx_errors = es.oerrors;
		st->rx_missed = es.imissed + es.rx_nombuf;
		st->rx_errors = es.ierrors;
	}
	if (d->af_packet) {
		d->af_packet_drops += af_packet_socket_drops(d);
		st->rx_missed += d->af_packet_drops;
		if (d->ifname[0]) {
			uint64_t now = if_tx_dropped(d->ifname);
			st->tx_dropped += now > d->if_tx_dropped0 ? now - d->if_tx_dropped0 : 0;
		}
	}
}

static int dpdk_thread_register(struct nic *nic)
{
	(void)nic;
	if (rte_lcore_id() != LCORE_ID_ANY)
		return 0; /* already an EAL thread (the main lcore, or registered before) */
	return rte_thread_register() == 0 ? 0 : -1;
}

static const char *dpdk_version(void)
{
	return rte_version();
}

const struct nic_ops nic_dpdk_ops = {
	.name = "dpdk",
	.open = dpdk_open,
	.close = dpdk_close,
	.tx_alloc = dpdk_tx_alloc,
	.tx_submit = dpdk_tx_submit,
	.rx_burst = dpdk_rx_burst,
	.rx_release = dpdk_rx_release,
	.get_stats = dpdk_get_stats,
	.thread_register = dpdk_thread_register,
	.version = dpdk_version,
};
