/* tx_limit: the transmit limit of this machine's DPDK path, the reference orbit's sender is
 * measured against (bench/tx_limit.sh runs both in one run). Each thread is a registered
 * non-EAL thread, as orbit's senders are, with one TX queue of its own; it sends a fixed
 * frame of orbit's default SYN size (74 bytes: Ethernet, IPv4, TCP with Linux's 20 option
 * bytes) whose only change per frame is an incrementing destination address: no walk, no
 * cookie, no checksum, no pacing. Same PMD, pool, cache, ring sizes and burst (32) as
 * nic/dpdk.c; rte_eth_tx_burst retried, the rest freed and counted.
 *   tx_limit SECONDS THREADS [EAL ARGS...]      prints "threads N pps P sent S dropped D"
 * e.g. tx_limit 3 1 --no-huge --no-pci -m 256 --vdev=net_null0,no-rx=1 --no-telemetry */
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

enum { BURST = 32, RING = 1024, CACHE = 256, FRAME = 74, MAX_THREADS = 16, RETRIES = 64,
       AF_XDP_FILL = 2048 /* mbufs net_af_xdp puts on its fill ring (nic/dpdk.c) */ };

struct sender {
	pthread_t tid;
	uint16_t port, queue;
	struct rte_mempool *pool;
	const atomic_bool *stop;
	uint64_t sent, dropped;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_frame(uint8_t *f)
{
	static const uint8_t head[] = {
		0x02, 0, 0xc6, 0x12, 0xf0, 0x02, 0x02, 0, 0xc6, 0x12, 0xf0, 0x01, 0x08, 0x00,
		0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 240, 1, 198, 19, 0, 0,
		0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
		2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
	_Static_assert(sizeof head == FRAME, "frame size");
	memcpy(f, head, FRAME);
}

static void *send_loop(void *arg)
{
	struct sender *s = arg;
	if (rte_thread_register() != 0)
		return NULL;
	uint8_t frame[FRAME];
	fill_frame(frame);
	uint32_t addr = (uint32_t)s->queue << 24;
	struct rte_mbuf *m[BURST];
	while (!atomic_load_explicit(s->stop, memory_order_relaxed)) {
		if (rte_pktmbuf_alloc_bulk(s->pool, m, BURST) != 0) {
			rte_eth_tx_burst(s->port, s->queue, m, 0);
			continue;
		}
		for (unsigned i = 0; i < BURST; i++) {
			uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
			memcpy(d, frame, FRAME);
			uint32_t a = __builtin_bswap32(addr++);
			memcpy(d + 30, &a, 4);
			m[i]->data_len = m[i]->pkt_len = FRAME;
		}
		unsigned sent = 0;
		for (int r = 0; r < RETRIES && sent < BURST; r++)
			sent += rte_eth_tx_burst(s->port, s->queue, m + sent, (uint16_t)(BURST - sent));
		if (sent < BURST) {
			rte_pktmbuf_free_bulk(m + sent, BURST - sent);
			s->dropped += BURST - sent;
		}
		s->sent += sent;
	}
	rte_thread_unregister();
	return NULL;
}

/* As nic/dpdk.c's pool_create (see why there): net_af_xdp's UMEM covers one chunk of
 * objects back to back, so its pool is built without the one-object-per-page rule. */
static struct rte_mempool *pool_make(unsigned n, bool packed)
{
	if (!packed)
		return rte_pktmbuf_pool_create("tx_limit", n, CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       (int)rte_socket_id());
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE, .mbuf_priv_size = 0};
	struct rte_mempool *mp = rte_mempool_create_empty(
		"tx_limit", n, (unsigned)sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, CACHE,
		sizeof priv, (int)rte_socket_id(), RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!mp || rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		return NULL;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0 || mp->nb_mem_chunks != 1)
		return NULL;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

static int port_up(uint16_t port, unsigned nq, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof conf);
	struct rte_eth_dev_info info;
	if (rte_eth_dev_info_get(port, &info) != 0)
		return -1;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (rte_eth_dev_configure(port, 1, (uint16_t)nq, &conf) != 0)
		return -1;
	if (rte_eth_rx_queue_setup(port, 0, RING, (unsigned)rte_socket_id(), NULL, pool) != 0)
		return -1;
	struct rte_eth_txconf txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (unsigned q = 0; q < nq; q++)
		if (rte_eth_tx_queue_setup(port, (uint16_t)q, RING, (unsigned)rte_socket_id(),
					   &txconf) != 0)
			return -1;
	return rte_eth_dev_start(port);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: tx_limit SECONDS THREADS [EAL ARGS...]\n");
		return 2;
	}
	double seconds = atof(argv[1]);
	unsigned nthreads = (unsigned)atoi(argv[2]);
	if (seconds <= 0 || nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "tx_limit: bad SECONDS '%s' or THREADS '%s' (1..%d)\n", argv[1],
			argv[2], MAX_THREADS);
		return 2;
	}
	argv[2] = argv[0];
	if (rte_eal_init(argc - 2, argv + 2) < 0 || rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "tx_limit: EAL init or no port\n");
		return 1;
	}
	struct rte_eth_dev_info info;
	rte_eth_dev_info_get(0, &info);
	bool af_xdp = info.driver_name && strcmp(info.driver_name, "net_af_xdp") == 0;
	unsigned mbufs = (af_xdp ? AF_XDP_FILL : RING) + nthreads * (RING + 2 * BURST) +
			 (rte_lcore_count() + nthreads + 1) * CACHE;
	struct rte_mempool *pool = pool_make(mbufs, af_xdp);
	if (!pool || port_up(0, nthreads, pool) != 0) {
		fprintf(stderr, "tx_limit: pool or port setup failed\n");
		return 1;
	}
	atomic_bool stop = false;
	struct sender s[MAX_THREADS];
	memset(s, 0, sizeof s);
	double t0 = now_s();
	for (unsigned i = 0; i < nthreads; i++) {
		s[i] = (struct sender){.port = 0, .queue = (uint16_t)i, .pool = pool, .stop = &stop};
		pthread_create(&s[i].tid, NULL, send_loop, &s[i]);
	}
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	uint64_t sent = 0, dropped = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(s[i].tid, NULL);
		sent += s[i].sent;
		dropped += s[i].dropped;
	}
	double el = now_s() - t0;
	printf("threads %u pps %.0f sent %llu dropped %llu seconds %.3f\n", nthreads,
	       (double)sent / el, (unsigned long long)sent, (unsigned long long)dropped, el);
	rte_eth_dev_stop(0);
	rte_eal_cleanup();
	return 0;
}
