/* afpacket: the kernel's AF_PACKET sockets, no DPDK set-up needed.
 *  - RX: one socket per rx queue with a TPACKET_V3 (block-based) mmap ring. Frames are
 *    lent straight out of the ring; a block goes back to the kernel when every frame in
 *    it has been lent and released. Several rx queues join one fanout group whose classic
 *    BPF program hashes the IPv4 source address (for an ICMP error: the quoted target's),
 *    so each host's replies always land on the same queue (per-queue dedupe stays exact). PACKET_IGNORE_OUTGOING keeps our own
 *    probes off the rx rings. tp_drops from PACKET_STATISTICS count as rx_missed.
 *  - TX: one socket per tx queue, through the qdisc (so tcpdump sees the probes) unless
 *    nic_config.qdisc_bypass asks for PACKET_QDISC_BYPASS. Default: frames are written into
 *    per-queue buffers and sent with one sendmmsg(2) per burst. The alternative,
 *    ORBIT_AFPACKET_TX=ring, lends TPACKET_V2 PACKET_TX_RING slots (no copy) and kicks
 *    them with one send(); measured on a veth with 64-byte frames it is slower (1.85 vs
 *    2.18 Mpps, bench/bench_nic.c): the kernel builds an skb per slot either way, and the
 *    ring adds status polling on both sides. It stays for the comparison.
 *  - Caveat: the kernel strips 802.1Q tags into metadata before AF_PACKET sees frames;
 *    they are not put back. */
#include "nic/nic_internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"

#ifndef PACKET_FANOUT_FLAG_UNIQUEID
#define PACKET_FANOUT_FLAG_UNIQUEID 0x2000
#endif

/* RX ring: 128 blocks of 128 KiB (16 MiB a queue); a block is handed to us when full or
 * after RX_BLOCK_TIMEOUT_MS, which bounds the latency a quiet link adds. Below ~400 kpps
 * of replies blocks retire by that timeout, not full, so the ring holds BLOCK_COUNT x 2 ms
 * of traffic whatever its size in bytes: 32 blocks (64 ms) lost replies in CI when both
 * cores were busy and the receive thread was off its CPU longer (responder_sweep, 50 kpps:
 * 450 frames); 128 hold 256 ms, and ~100 k small frames when full at higher rates. */
#define RX_BLOCK_SIZE (1u << 17)
#define RX_BLOCK_COUNT 128u
#define RX_FRAME_SIZE 2048u
#define RX_BLOCK_TIMEOUT_MS 2u
/* TX ring: 4 KiB slots so each holds NIC_FRAME_MAX bytes after the slot header. */
#define TX_FRAME_SIZE 4096u
#define TX_BLOCK_SIZE (1u << 16)
#define TX_FRAME_COUNT 2048u
#define TX_DATA_OFFSET TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
/* How often a full ring is kicked, or a short sendmmsg retried, before giving up. */
#define TX_RETRIES 8

struct afp_rxq {
	int fd;
	uint8_t *ring;
	unsigned cur_block;      /* block being walked (or next to wait for) */
	bool block_open;         /* cur_block is ours and partly walked */
	uint8_t *next_frame;
	uint32_t frames_left;
	unsigned blocks_done;    /* blocks fully lent by the last burst, returned on release */
	unsigned release_block;  /* first of them */
	uint64_t missed_total;   /* stats thread only */
	nic_counter resyncs;     /* times the walk found the kernel's blocks elsewhere */
	struct nic_queue_counters c;
};

struct afp_txq {
	int fd;
	uint8_t *ring;           /* tx ring mode */
	unsigned head;           /* next slot to lend */
	uint8_t *copy_bufs;      /* sendmmsg mode: NIC_BURST_MAX frames of NIC_FRAME_MAX */
	struct nic_queue_counters c;
};

struct afp {
	int ifindex;
	bool tx_ring;
	struct afp_rxq rx[NIC_MAX_QUEUES];
	struct afp_txq tx[NIC_MAX_QUEUES];
};

static int set_opt(int fd, int opt, const void *val, socklen_t len, const char *what,
		   const char *ifname, struct errbuf *e)
{
	if (setsockopt(fd, SOL_PACKET, opt, val, len) < 0)
		return err_set(e, "afpacket %s on '%s': %s", what, ifname, strerror(errno));
	return 0;
}

static int bind_to(int fd, int ifindex, uint16_t proto, const char *ifname, struct errbuf *e)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(proto),
				  .sll_ifindex = ifindex};
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
		return err_set(e, "afpacket bind to '%s': %s", ifname, strerror(errno));
	return 0;
}

static int attach_filter(int fd, const char *filter, struct errbuf *e)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (!dead)
		return err_set(e, "afpacket: pcap_open_dead failed");
	struct bpf_program prog;
	if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		err_set(e, "bad rx filter '%s': %s", filter, pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	struct sock_fprog fprog = {.len = (unsigned short)prog.bf_len,
				   .filter = (struct sock_filter *)prog.bf_insns};
	int rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog);
	pcap_freecode(&prog);
	pcap_close(dead);
	if (rc < 0)
		return err_set(e, "afpacket: attaching rx filter '%s': %s", filter, strerror(errno));
	return 0;
}

/* Fanout program: queue = hash(host) % members, where host is the IPv4 source address,
 * except for an ICMP error (type 3, 11, 12; not a fragment), where it is the destination of
 * the quoted inner IP header: the target the error is about, so a router's error lands on
 * the queue of the target's own replies and per-queue dedupe stays exact (issue 11).
 * SKF_NET_OFF makes the loads relative to the network header whatever the link layer did
 * (the kernel has already taken an 802.1Q tag off into metadata). The fanout runs with
 * skb->data at the network header, so the packet length (BPF_LEN) counts from there: the
 * ICMP path checks it before every load, and an error too short to quote the inner
 * header hashes its outer source. A failed load ends a cBPF program with 0, which for a
 * fanout is queue 0, not a drop: only a frame of under 16 bytes from the network header
 * (no source address to hash) goes there. */
static const struct sock_filter fanout_code[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_PROTOCOL),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 18),            /* -> outer */
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 20, 0, 16),                   /* -> outer */
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF + 9),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 0, 14),         /* -> outer */
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)SKF_NET_OFF + 6),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 12, 0),              /* -> outer */
	/* X = header length + ICMP header (8) + inner header up to its destination (20). */
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF),
	BPF_STMT(BPF_MISC | BPF_TXA, 0),
	BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 28),
	BPF_STMT(BPF_MISC | BPF_TAX, 0),
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 6),                     /* -> outer */
	BPF_STMT(BPF_LD | BPF_B | BPF_IND, (uint32_t)SKF_NET_OFF - 28),   /* ICMP type */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 2, 0),                     /* -> inner */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 11, 1, 0),                    /* -> inner */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 12, 0, 2),                    /* -> outer */
	/* inner: */
	BPF_STMT(BPF_LD | BPF_W | BPF_IND, (uint32_t)SKF_NET_OFF - 4),    /* inner dst */
	BPF_STMT(BPF_JMP | BPF_JA, 1),                                    /* -> hash */
	/* outer: */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),   /* source */
	/* hash: */
	BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 2654435761u),
	BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
	BPF_STMT(BPF_RET | BPF_A, 0),
};

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000 /* Linux 6.10; older headers lack it */
#endif

static int join_fanout(struct afp *afp, unsigned nq, const char *ifname, struct errbuf *e)
{
	/* PACKET_IGNORE_OUTGOING on each socket does not reach a fanout group's own hook: the
	 * group has to ignore our probes itself (Linux >= 6.10; older kernels refuse the flag
	 * and see our probes, which the classifier then drops as not-to-us). */
	int flags = PACKET_FANOUT_FLAG_IGNORE_OUTGOING;
	int arg = (PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_UNIQUEID | flags) << 16;
	if (setsockopt(afp->rx[0].fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) {
		flags = 0;
		arg = (PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
		if (set_opt(afp->rx[0].fd, PACKET_FANOUT, &arg, sizeof arg, "fanout", ifname, e) < 0)
			return -1;
	}
	int got = 0;
	socklen_t len = sizeof got;
	if (getsockopt(afp->rx[0].fd, SOL_PACKET, PACKET_FANOUT, &got, &len) < 0)
		return err_set(e, "afpacket: reading fanout id on '%s': %s", ifname, strerror(errno));
	arg = (got & 0xffff) | ((PACKET_FANOUT_CBPF | flags) << 16);
	for (unsigned q = 1; q < nq; q++)
		if (set_opt(afp->rx[q].fd, PACKET_FANOUT, &arg, sizeof arg, "fanout", ifname, e) <
		    0)
			return -1;
	/* The kernel copies the program; it never writes through .filter. */
	struct sock_fprog prog = {.len = sizeof fanout_code / sizeof fanout_code[0],
				  .filter = (struct sock_filter *)fanout_code};
	return set_opt(afp->rx[0].fd, PACKET_FANOUT_DATA, &prog, sizeof prog, "fanout program",
		       ifname, e);
}

static int open_rxq(struct afp *afp, struct afp_rxq *q, const struct nic_config *cfg,
		    struct errbuf *e)
{
	/* Protocol 0 until bind: the socket sees nothing before its ring and filter exist. */
	q->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return err_set(e, "afpacket socket for '%s': %s", cfg->ifname, strerror(errno));
	int one = 1, version = TPACKET_V3;
	if (set_opt(q->fd, PACKET_VERSION, &version, sizeof version, "TPACKET_V3", cfg->ifname,
		    e) < 0 ||
	    set_opt(q->fd, PACKET_IGNORE_OUTGOING, &one, sizeof one, "ignore outgoing",
		    cfg->ifname, e) < 0)
		return -1;
	struct tpacket_req3 req = {
		.tp_block_size = RX_BLOCK_SIZE,
		.tp_block_nr = RX_BLOCK_COUNT,
		.tp_frame_size = RX_FRAME_SIZE,
		.tp_frame_nr = RX_BLOCK_SIZE / RX_FRAME_SIZE * RX_BLOCK_COUNT,
		.tp_retire_blk_tov = RX_BLOCK_TIMEOUT_MS,
	};
	if (set_opt(q->fd, PACKET_RX_RING, &req, sizeof req, "rx ring", cfg->ifname, e) < 0)
		return -1;
	void *ring = mmap(NULL, (size_t)RX_BLOCK_SIZE * RX_BLOCK_COUNT, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, q->fd, 0);
	if (ring == MAP_FAILED)
		return err_set(e, "afpacket rx ring mmap on '%s': %s", cfg->ifname, strerror(errno));
	q->ring = ring;
	if (cfg->rx_filter && cfg->rx_filter[0] && attach_filter(q->fd, cfg->rx_filter, e) < 0)
		return -1;
	return bind_to(q->fd, afp->ifindex, ETH_P_ALL, cfg->ifname, e);
}

static int open_txq(struct afp *afp, struct afp_txq *q, const struct nic_config *cfg,
		    struct errbuf *e)
{
	/* Protocol 0: a send-only socket, nothing is queued to it on receive. */
	q->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return err_set(e, "afpacket socket for '%s': %s", cfg->ifname, strerror(errno));
	int one = 1;
	/* Through the qdisc by default: tcpdump on the interface, tc and the kernel's own
	 * counters see the probes; --qdisc-bypass trades that for speed. */
	if (cfg->qdisc_bypass && set_opt(q->fd, PACKET_QDISC_BYPASS, &one, sizeof one,
					 "qdisc bypass", cfg->ifname, e) < 0)
		return -1;
	if (afp->tx_ring) {
		int version = TPACKET_V2;
		struct tpacket_req req = {
			.tp_block_size = TX_BLOCK_SIZE,
			.tp_block_nr = TX_FRAME_COUNT / (TX_BLOCK_SIZE / TX_FRAME_SIZE),
			.tp_frame_size = TX_FRAME_SIZE,
			.tp_frame_nr = TX_FRAME_COUNT,
		};
		/* PACKET_LOSS: a malformed slot is marked and skipped instead of stalling
		 * the ring. */
		if (set_opt(q->fd, PACKET_VERSION, &version, sizeof version, "TPACKET_V2",
			    cfg->ifname, e) < 0 ||
		    set_opt(q->fd, PACKET_LOSS, &one, sizeof one, "packet loss", cfg->ifname,
			    e) < 0 ||
		    set_opt(q->fd, PACKET_TX_RING, &req, sizeof req, "tx ring", cfg->ifname,
			    e) < 0)
			return -1;
		void *ring = mmap(NULL, (size_t)TX_FRAME_SIZE * TX_FRAME_COUNT,
				  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, q->fd, 0);
		if (ring == MAP_FAILED)
			return err_set(e, "afpacket tx ring mmap on '%s': %s", cfg->ifname, strerror(errno));
		q->ring = ring;
	} else {
		q->copy_bufs = aligned_alloc(64, (size_t)NIC_BURST_MAX * NIC_FRAME_MAX);
		if (!q->copy_bufs)
			return err_set(e, "afpacket: out of memory for tx buffers");
	}
	return bind_to(q->fd, afp->ifindex, 0, cfg->ifname, e);
}

static struct tpacket2_hdr *tx_slot(const struct afp_txq *q, unsigned pos);
static uint32_t slot_status(struct tpacket2_hdr *h);

/* Closing a socket drops what its tx ring still holds: kick it until every slot is free
 * again, for at most TX_DRAIN_MS. */
#define TX_DRAIN_MS 200
static void drain_tx_ring(struct afp_txq *q)
{
	for (int waited = 0; waited < TX_DRAIN_MS; waited++) {
		send(q->fd, NULL, 0, MSG_DONTWAIT);
		unsigned busy = 0;
		for (unsigned i = 0; i < TX_FRAME_COUNT && !busy; i++) {
			uint32_t st = slot_status(tx_slot(q, i));
			busy = st == TP_STATUS_SEND_REQUEST || st == TP_STATUS_SENDING;
		}
		if (!busy)
			return;
		clock_sleep_ns(1000000);
	}
}

static void afp_close(struct nic *nic)
{
	struct afp *afp = nic->backend;
	if (!afp)
		return;
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++)
		if (afp->tx[q].ring)
			drain_tx_ring(&afp->tx[q]);
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++) {
		if (afp->rx[q].ring)
			munmap(afp->rx[q].ring, (size_t)RX_BLOCK_SIZE * RX_BLOCK_COUNT);
		if (afp->rx[q].fd >= 0)
			close(afp->rx[q].fd);
		if (afp->tx[q].ring)
			munmap(afp->tx[q].ring, (size_t)TX_FRAME_SIZE * TX_FRAME_COUNT);
		free(afp->tx[q].copy_bufs);
		if (afp->tx[q].fd >= 0)
			close(afp->tx[q].fd);
	}
	free(afp);
	nic->backend = NULL;
}

static int afp_open(struct nic *nic, const struct nic_config *cfg, struct errbuf *e)
{
	if (!cfg->ifname || !cfg->ifname[0])
		return err_set(e, "afpacket needs an interface (-i)");
	unsigned ifindex = if_nametoindex(cfg->ifname);
	if (ifindex == 0)
		return err_set(e, "unknown interface '%s'", cfg->ifname);
	const char *mode = getenv("ORBIT_AFPACKET_TX");
	if (mode && strcmp(mode, "ring") != 0 && strcmp(mode, "sendmmsg") != 0)
		return err_set(e, "bad ORBIT_AFPACKET_TX '%s' (ring, sendmmsg)", mode);
	struct afp *afp = calloc(1, sizeof *afp);
	if (!afp)
		return err_set(e, "out of memory opening afpacket on '%s'", cfg->ifname);
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++)
		afp->rx[q].fd = afp->tx[q].fd = -1;
	afp->ifindex = (int)ifindex;
	afp->tx_ring = mode && strcmp(mode, "ring") == 0;
	nic->backend = afp;
	nic->tx_queues = cfg->tx_queues;
	nic->rx_queues = cfg->rx_queues;
	for (unsigned q = 0; q < cfg->rx_queues; q++)
		if (open_rxq(afp, &afp->rx[q], cfg, e) < 0)
			goto fail;
	if (cfg->rx_queues > 1 && join_fanout(afp, cfg->rx_queues, cfg->ifname, e) < 0)
		goto fail;
	for (unsigned q = 0; q < cfg->tx_queues; q++)
		if (open_txq(afp, &afp->tx[q], cfg, e) < 0)
			goto fail;
	if (nic_ifmac(cfg->ifname, nic->mac, e) == 0)
		nic->have_mac = true;
	return 0;
fail:
	afp_close(nic);
	return -1;
}

static struct tpacket2_hdr *tx_slot(const struct afp_txq *q, unsigned pos)
{
	return (struct tpacket2_hdr *)(q->ring + (size_t)(pos % TX_FRAME_COUNT) * TX_FRAME_SIZE);
}

static uint32_t slot_status(struct tpacket2_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

static unsigned afp_tx_alloc(struct nic *nic, unsigned qi, struct nic_buf *bufs, unsigned n)
{
	struct afp_txq *q = &((struct afp *)nic->backend)->tx[qi];
	if (!q->ring) {
		for (unsigned i = 0; i < n; i++)
			bufs[i] = (struct nic_buf){.data = q->copy_bufs + (size_t)i * NIC_FRAME_MAX};
		return n;
	}
	unsigned got = 0;
	for (int attempt = 0; attempt < TX_RETRIES && got == 0; attempt++) {
		if (attempt > 0) /* ring full: let the kernel send what is queued */
			send(q->fd, NULL, 0, MSG_DONTWAIT);
		for (; got < n; got++) {
			struct tpacket2_hdr *h = tx_slot(q, q->head + got);
			uint32_t st = slot_status(h);
			if (st == TP_STATUS_WRONG_FORMAT) {
				nic_counter_add(&q->c.errors, 1);
				__atomic_store_n(&h->tp_status, TP_STATUS_AVAILABLE,
						 __ATOMIC_RELAXED);
			} else if (st != TP_STATUS_AVAILABLE) {
				break;
			}
			bufs[got] = (struct nic_buf){.data = (uint8_t *)h + TX_DATA_OFFSET,
						     .handle = h};
		}
	}
	return got;
}

static unsigned afp_submit_ring(struct afp_txq *q, struct nic_buf *bufs, unsigned n)
{
	unsigned pos = q->head, sent = 0;
	uint64_t bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		if (bufs[i].len == 0)
			continue;
		struct tpacket2_hdr *h = tx_slot(q, pos);
		uint8_t *data = (uint8_t *)h + TX_DATA_OFFSET;
		/* Slots go out in ring order: a frame behind an unused (len 0) slot moves
		 * down into it, so the kernel never meets a hole. */
		if (bufs[i].data != data)
			memmove(data, bufs[i].data, bufs[i].len);
		h->tp_len = bufs[i].len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		pos++;
		sent++;
		bytes += bufs[i].len;
	}
	q->head = pos;
	if (sent && send(q->fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK)
		nic_counter_add(&q->c.errors, 1); /* frames queued stay for the next kick */
	nic_counter_add(&q->c.packets, sent);
	nic_counter_add(&q->c.bytes, bytes);
	return sent;
}

static unsigned afp_submit_copy(struct afp_txq *q, struct nic_buf *bufs, unsigned n)
{
	struct mmsghdr msgs[NIC_BURST_MAX];
	struct iovec iov[NIC_BURST_MAX];
	unsigned k = 0;
	uint64_t bytes = 0;
	for (unsigned i = 0; i < n && k < NIC_BURST_MAX; i++) {
		if (bufs[i].len == 0)
			continue;
		iov[k] = (struct iovec){.iov_base = bufs[i].data, .iov_len = bufs[i].len};
		msgs[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
		k++;
	}
	unsigned done = 0;
	for (int attempt = 0; attempt < TX_RETRIES && done < k; attempt++) {
		int r = sendmmsg(q->fd, msgs + done, k - done, MSG_DONTWAIT);
		if (r > 0) {
			done += (unsigned)r;
		} else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
			nic_counter_add(&q->c.errors, 1); /* this frame is refused: skip it */
			done++;
		}
	}
	for (unsigned i = 0; i < done; i++)
		bytes += iov[i].iov_len;
	nic_counter_add(&q->c.dropped, k - done);
	nic_counter_add(&q->c.packets, done);
	nic_counter_add(&q->c.bytes, bytes);
	return done;
}

static unsigned afp_tx_submit(struct nic *nic, unsigned qi, struct nic_buf *bufs, unsigned n)
{
	struct afp_txq *q = &((struct afp *)nic->backend)->tx[qi];
	return q->ring ? afp_submit_ring(q, bufs, n) : afp_submit_copy(q, bufs, n);
}

static struct tpacket_block_desc *rx_block(const struct afp_rxq *q, unsigned b)
{
	return (struct tpacket_block_desc *)(q->ring + (size_t)(b % RX_BLOCK_COUNT) *
							       RX_BLOCK_SIZE);
}

static bool block_is_ours(const struct tpacket_block_desc *bd)
{
	return __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

/* The kernel hands blocks over in ring order, so the next one to read is cur_block. When
 * it is not ours while others are, the walk and the kernel disagree: left so, the kernel
 * fills every other block, finds the next one still ours, freezes the ring and drops
 * replies (full test runs on Linux 6.18 saw drops with a reader never away 12 ms, which a ring
 * of 32 blocks retired every 2 ms cannot explain otherwise). The walk moves to the oldest
 * block handed over (lowest sequence number) and counts it. Only when a burst starts on
 * a block that is not ours: 32 status reads, on an idle queue. */
static void resync(struct afp_rxq *q)
{
	unsigned best = RX_BLOCK_COUNT;
	uint64_t best_seq = 0;
	for (unsigned b = 0; b < RX_BLOCK_COUNT; b++) {
		const struct tpacket_block_desc *bd = rx_block(q, b);
		if (!block_is_ours(bd))
			continue;
		uint64_t seq = bd->hdr.bh1.seq_num;
		if (best == RX_BLOCK_COUNT || seq < best_seq)
			best = b, best_seq = seq;
	}
	if (best != RX_BLOCK_COUNT && best != q->cur_block) {
		q->cur_block = best;
		nic_counter_add(&q->resyncs, 1);
	}
}

static void release_blocks(struct afp_rxq *q)
{
	for (unsigned i = 0; i < q->blocks_done; i++)
		__atomic_store_n(&rx_block(q, q->release_block + i)->hdr.bh1.block_status,
				 TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	q->blocks_done = 0;
}

/* The kernel's word on the frame's L4 checksum: CSUMNOTREADY is CHECKSUM_PARTIAL (a
 * local sender, e.g. across a veth, left the sum for a device that never computed it);
 * CSUM_VALID: the device or the stack verified it. */
static inline enum csum_rx afp_csum_status(uint32_t tp_status)
{
	if (tp_status & TP_STATUS_CSUMNOTREADY)
		return CSUM_RX_PARTIAL;
	if (tp_status & TP_STATUS_CSUM_VALID)
		return CSUM_RX_VALID;
	return CSUM_RX_UNKNOWN;
}

static unsigned afp_rx_burst(struct nic *nic, unsigned qi, struct nic_buf *bufs, unsigned n)
{
	struct afp_rxq *q = &((struct afp *)nic->backend)->rx[qi];
	unsigned got = 0;
	uint64_t bytes = 0;
	q->blocks_done = 0;
	if (!q->block_open && !block_is_ours(rx_block(q, q->cur_block)))
		resync(q);
	q->release_block = q->cur_block;
	while (got < n) {
		if (!q->block_open) {
			struct tpacket_block_desc *bd = rx_block(q, q->cur_block);
			if (!block_is_ours(bd))
				break;
			q->block_open = true;
			q->frames_left = bd->hdr.bh1.num_pkts;
			q->next_frame = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
		}
		for (; got < n && q->frames_left > 0; got++) {
			struct tpacket3_hdr *h = (struct tpacket3_hdr *)q->next_frame;
			bufs[got] = (struct nic_buf){
				.data = q->next_frame + h->tp_mac,
				.len = (uint16_t)(h->tp_snaplen < UINT16_MAX ? h->tp_snaplen
									     : UINT16_MAX),
				.l4_csum = afp_csum_status(h->tp_status),
				.rx_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec,
			};
			bytes += h->tp_snaplen;
			q->next_frame += h->tp_next_offset;
			q->frames_left--;
		}
		if (q->frames_left > 0)
			break;
		/* Block fully lent: it goes back at release, the walk moves on. */
		q->block_open = false;
		q->blocks_done++;
		q->cur_block = (q->cur_block + 1) % RX_BLOCK_COUNT;
	}
	/* Empty blocks only: nothing is lent, so no release call will come for them. */
	if (got == 0)
		release_blocks(q);
	nic_counter_add(&q->c.packets, got);
	nic_counter_add(&q->c.bytes, bytes);
	return got;
}

static void afp_rx_release(struct nic *nic, unsigned qi, struct nic_buf *bufs, unsigned n)
{
	(void)bufs;
	(void)n;
	release_blocks(&((struct afp *)nic->backend)->rx[qi]);
}

static void afp_get_stats(struct nic *nic, struct nic_stats *st)
{
	struct afp *afp = nic->backend;
	for (unsigned q = 0; q < nic->rx_queues; q++) {
		struct afp_rxq *r = &afp->rx[q];
		struct tpacket_stats_v3 ks;
		socklen_t len = sizeof ks;
		/* Reading resets the kernel's counters: keep the running sums here. */
		if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
			r->missed_total += ks.tp_drops;
		st->rx_packets += nic_counter_get(&r->c.packets);
		st->rx_bytes += nic_counter_get(&r->c.bytes);
		st->rx_missed += r->missed_total;
		st->rx_resyncs += nic_counter_get(&r->resyncs);
	}
	for (unsigned q = 0; q < nic->tx_queues; q++) {
		struct afp_txq *t = &afp->tx[q];
		st->tx_packets += nic_counter_get(&t->c.packets);
		st->tx_bytes += nic_counter_get(&t->c.bytes);
		st->tx_dropped += nic_counter_get(&t->c.dropped);
		st->tx_errors += nic_counter_get(&t->c.errors);
	}
}

const struct nic_ops nic_afpacket_ops = {
	.name = "afpacket",
	.open = afp_open,
	.close = afp_close,
	.tx_alloc = afp_tx_alloc,
	.tx_submit = afp_tx_submit,
	.rx_burst = afp_rx_burst,
	.rx_release = afp_rx_release,
	.get_stats = afp_get_stats,
};
