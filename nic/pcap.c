/* pcap: libpcap, for machines where neither DPDK nor raw AF_PACKET rings are wanted, and
 * for replaying .pcap files.
 *  - Live: one capture handle (immediate mode, non-blocking, promiscuous so replies to a
 *    --source-mac other than the interface's are seen, direction "in" so our own probes
 *    are not captured) and one inject handle per tx queue (a separate handle per queue,
 *    since a pcap_t is not thread-safe; its capture side gets a reject-all filter).
 *    One rx queue only: a second capture handle would see every frame again.
 *  - rx_file: frames come from the file in order with their recorded timestamps;
 *    nic_rx_exhausted() turns true at its end. TX then writes nowhere: frames are
 *    accepted, counted as sent and discarded, so an engine can run a replay unchanged.
 *  - RX copies each frame into a per-queue buffer (pcap's own buffer is only valid until
 *    the next read); TX copies into pcap_inject. */
#include "nic/nic_internal.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define TX_RETRIES 8

struct pcap_txq {
	pcap_t *handle;     /* NULL when replaying a file */
	uint8_t *bufs;      /* NIC_BURST_MAX frames of NIC_FRAME_MAX */
	struct nic_queue_counters c;
};

struct pcap_be {
	pcap_t *rx;
	bool from_file, exhausted;
	uint8_t *rx_bufs;   /* NIC_BURST_MAX frames of NIC_FRAME_MAX */
	struct nic_buf *rx_fill; /* the caller's array during one pcap_dispatch */
	unsigned rx_got;
	uint64_t rx_missed_base;
	struct nic_queue_counters rxc;
	struct pcap_txq tx[NIC_MAX_QUEUES];
};

static int set_filter(pcap_t *p, const char *filter, const char *ifname, struct errbuf *e)
{
	struct bpf_program prog;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return err_set(e, "bad rx filter '%s': %s", filter, pcap_geterr(p));
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc < 0)
		return err_set(e, "pcap filter '%s' on '%s': %s", filter, ifname, pcap_geterr(p));
	return 0;
}

/* A live handle on ifname; capture says whether it is the rx side. */
static pcap_t *open_live(const char *ifname, bool capture, struct errbuf *e)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(ifname, ebuf);
	if (!p) {
		err_set(e, "pcap on interface '%s': %s", ifname, ebuf);
		return NULL;
	}
	/* Immediate mode makes libpcap use fixed-size ring slots of about snaplen each: with
	 * 65535 a 2 MB buffer held only ~32 frames and a burst of replies overflowed it.
	 * Replies fit NIC_FRAME_MAX; 16 MB then holds thousands of them. */
	pcap_set_snaplen(p, capture ? NIC_FRAME_MAX : 64);
	pcap_set_promisc(p, capture ? 1 : 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	pcap_set_buffer_size(p, capture ? 16 << 20 : 1 << 16);
	int rc = pcap_activate(p);
	if (rc < 0) {
		/* PCAP_ERROR_NO_SUCH_DEVICE's text is generic: name the interface. */
		err_set(e, "pcap on interface '%s': %s", ifname,
			rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such device" : pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		err_set(e, "pcap on interface '%s': not Ethernet (link type %d)", ifname,
			pcap_datalink(p));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		err_set(e, "pcap non-blocking on '%s': %s", ifname, ebuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

static void pcap_be_close(struct nic *nic)
{
	struct pcap_be *b = nic->backend;
	if (!b)
		return;
	if (b->rx)
		pcap_close(b->rx);
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++) {
		if (b->tx[q].handle)
			pcap_close(b->tx[q].handle);
		free(b->tx[q].bufs);
	}
	free(b->rx_bufs);
	free(b);
	nic->backend = NULL;
}

static int pcap_be_open(struct nic *nic, const struct nic_config *cfg, struct errbuf *e)
{
	bool from_file = cfg->rx_file && cfg->rx_file[0];
	if (!from_file && (!cfg->ifname || !cfg->ifname[0]))
		return err_set(e, "pcap needs an interface (-i) or an rx file");
	struct pcap_be *b = calloc(1, sizeof *b);
	if (!b)
		return err_set(e, "out of memory opening pcap");
	nic->backend = b;
	b->from_file = from_file;
	nic->tx_queues = cfg->tx_queues;
	nic->rx_queues = 1;
	b->rx_bufs = aligned_alloc(64, (size_t)NIC_BURST_MAX * NIC_FRAME_MAX);
	if (!b->rx_bufs)
		goto oom;
	if (from_file) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		b->rx = pcap_open_offline_with_tstamp_precision(cfg->rx_file,
								PCAP_TSTAMP_PRECISION_NANO, ebuf);
		if (!b->rx) {
			err_set(e, "cannot read pcap file '%s': %s", cfg->rx_file, ebuf);
			goto fail;
		}
	} else {
		b->rx = open_live(cfg->ifname, true, e);
		if (!b->rx)
			goto fail;
		if (pcap_setdirection(b->rx, PCAP_D_IN) < 0) {
			err_set(e, "pcap direction on '%s': %s", cfg->ifname, pcap_geterr(b->rx));
			goto fail;
		}
	}
	if (cfg->rx_filter && cfg->rx_filter[0] &&
	    set_filter(b->rx, cfg->rx_filter, from_file ? cfg->rx_file : cfg->ifname, e) < 0)
		goto fail;
	for (unsigned q = 0; q < cfg->tx_queues; q++) {
		b->tx[q].bufs = aligned_alloc(64, (size_t)NIC_BURST_MAX * NIC_FRAME_MAX);
		if (!b->tx[q].bufs)
			goto oom;
		if (from_file)
			continue;
		b->tx[q].handle = open_live(cfg->ifname, false, e);
		if (!b->tx[q].handle || set_filter(b->tx[q].handle, "less 1", cfg->ifname, e) < 0)
			goto fail;
	}
	if (!from_file && nic_ifmac(cfg->ifname, nic->mac, e) == 0)
		nic->have_mac = true;
	return 0;
oom:
	err_set(e, "out of memory opening pcap");
fail:
	pcap_be_close(nic);
	return -1;
}

static unsigned pcap_be_tx_alloc(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	struct pcap_be *b = nic->backend;
	for (unsigned i = 0; i < n; i++)
		bufs[i] = (struct nic_buf){.data = b->tx[q].bufs + (size_t)i * NIC_FRAME_MAX};
	return n;
}

static unsigned pcap_be_tx_submit(struct nic *nic, unsigned qi, struct nic_buf *bufs,
				  unsigned n)
{
	struct pcap_txq *q = &((struct pcap_be *)nic->backend)->tx[qi];
	unsigned sent = 0;
	uint64_t bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		if (bufs[i].len == 0)
			continue;
		bool ok = !q->handle; /* replay: written nowhere, counted as sent */
		for (int attempt = 0; !ok && attempt < TX_RETRIES; attempt++) {
			if (pcap_inject(q->handle, bufs[i].data, bufs[i].len) >= 0)
				ok = true;
			else if (errno != ENOBUFS && errno != EAGAIN)
				break;
		}
		if (ok) {
			sent++;
			bytes += bufs[i].len;
		} else if (errno == ENOBUFS || errno == EAGAIN) {
			nic_counter_add(&q->c.dropped, 1);
		} else {
			nic_counter_add(&q->c.errors, 1);
		}
	}
	nic_counter_add(&q->c.packets, sent);
	nic_counter_add(&q->c.bytes, bytes);
	return sent;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_be *b = (struct pcap_be *)user;
	uint32_t len = h->caplen < NIC_FRAME_MAX ? h->caplen : NIC_FRAME_MAX;
	uint8_t *dst = b->rx_bufs + (size_t)b->rx_got * NIC_FRAME_MAX;
	memcpy(dst, bytes, len);
	/* Nanosecond precision was asked for: tv_usec holds nanoseconds. */
	b->rx_fill[b->rx_got++] = (struct nic_buf){
		.data = dst,
		.len = (uint16_t)len,
		.l4_csum = CSUM_RX_UNKNOWN, /* libpcap does not say */
		.rx_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec,
	};
}

static unsigned pcap_be_rx_burst(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	(void)q;
	struct pcap_be *b = nic->backend;
	if (b->exhausted)
		return 0;
	b->rx_fill = bufs;
	b->rx_got = 0;
	int r = pcap_dispatch(b->rx, (int)n, on_frame, (u_char *)b);
	if (r < 0 && r != PCAP_ERROR_BREAK)
		nic_counter_add(&b->rxc.errors, 1);
	if (b->from_file && r <= 0)
		b->exhausted = true; /* 0 from a file: no more frames */
	uint64_t bytes = 0;
	for (unsigned i = 0; i < b->rx_got; i++)
		bytes += bufs[i].len;
	nic_counter_add(&b->rxc.packets, b->rx_got);
	nic_counter_add(&b->rxc.bytes, bytes);
	return b->rx_got;
}

static void pcap_be_rx_release(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	(void)nic, (void)q, (void)bufs, (void)n; /* copies: nothing to hand back */
}

static bool pcap_be_rx_exhausted(const struct nic *nic)
{
	return ((const struct pcap_be *)nic->backend)->exhausted;
}

static void pcap_be_get_stats(struct nic *nic, struct nic_stats *st)
{
	struct pcap_be *b = nic->backend;
	struct pcap_stat ps;
	if (!b->from_file && pcap_stats(b->rx, &ps) == 0)
		st->rx_missed = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	st->rx_packets = nic_counter_get(&b->rxc.packets);
	st->rx_bytes = nic_counter_get(&b->rxc.bytes);
	st->rx_errors = nic_counter_get(&b->rxc.errors);
	for (unsigned q = 0; q < nic->tx_queues; q++) {
		st->tx_packets += nic_counter_get(&b->tx[q].c.packets);
		st->tx_bytes += nic_counter_get(&b->tx[q].c.bytes);
		st->tx_dropped += nic_counter_get(&b->tx[q].c.dropped);
		st->tx_errors += nic_counter_get(&b->tx[q].c.errors);
	}
}

const struct nic_ops nic_pcap_ops = {
	.name = "pcap",
	.open = pcap_be_open,
	.close = pcap_be_close,
	.tx_alloc = pcap_be_tx_alloc,
	.tx_submit = pcap_be_tx_submit,
	.rx_burst = pcap_be_rx_burst,
	.rx_release = pcap_be_rx_release,
	.rx_exhausted = pcap_be_rx_exhausted,
	.get_stats = pcap_be_get_stats,
};
