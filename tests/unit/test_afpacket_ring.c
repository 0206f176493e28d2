/* The afpacket backend's TPACKET_V3 ring walk, on a ring laid out in memory the way the
 * kernel fills it (no socket, no root): frames in ring order; a walk that finds the
 * kernel's blocks elsewhere than where it waits moves to the oldest of them and counts a
 * resync; an empty block handed over goes back without a release call. */
#include "nic/afpacket.c"
#include "tests/unit/check.h"

#include <stdlib.h>

enum { FRAME_BYTES = 64 };

/* Hands block b over as the kernel does: sequence number seq, n frames whose first
 * payload byte is first, first + 1, ... */
static void hand_over(struct afp_rxq *q, unsigned b, uint64_t seq, unsigned n, uint8_t first)
{
	struct tpacket_block_desc *bd = rx_block(q, b);
	memset(bd, 0, RX_BLOCK_SIZE);
	uint32_t off = TPACKET_ALIGN(sizeof *bd);
	bd->version = TPACKET_V3;
	bd->hdr.bh1.offset_to_first_pkt = off;
	bd->hdr.bh1.num_pkts = n;
	bd->hdr.bh1.seq_num = seq;
	uint8_t *p = (uint8_t *)bd + off;
	uint32_t step = TPACKET_ALIGN(sizeof(struct tpacket3_hdr) + FRAME_BYTES);
	for (unsigned i = 0; i < n; i++, p += step) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
		h->tp_next_offset = i + 1 < n ? step : 0;
		h->tp_mac = (uint16_t)TPACKET_ALIGN(sizeof *h);
		h->tp_snaplen = FRAME_BYTES;
		p[h->tp_mac] = (uint8_t)(first + i);
	}
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_USER, __ATOMIC_RELEASE);
}

static bool kernels(struct afp_rxq *q, unsigned from, unsigned to)
{
	for (unsigned b = from; b <= to; b++)
		if (block_is_ours(rx_block(q, b)))
			return false;
	return true;
}

/* Reads one burst and checks its payload markers run first, first + 1, ... */
static unsigned burst(struct nic *nic, unsigned want, uint8_t first)
{
	struct nic_buf bufs[64];
	unsigned n = afp_rx_burst(nic, 0, bufs, want);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ_U64(bufs[i].data[0], (uint8_t)(first + i));
	afp_rx_release(nic, 0, bufs, n);
	return n;
}

int main(void)
{
	struct afp afp;
	memset(&afp, 0, sizeof afp);
	struct nic nic = {.backend = &afp, .rx_queues = 1};
	struct afp_rxq *q = &afp.rx[0];
	q->ring = aligned_alloc(4096, (size_t)RX_BLOCK_SIZE * RX_BLOCK_COUNT);
	if (!q->ring)
		return 1;
	memset(q->ring, 0, (size_t)RX_BLOCK_SIZE * RX_BLOCK_COUNT); /* all TP_STATUS_KERNEL */

	/* In order: two blocks, read across their boundary, both back to the kernel. */
	hand_over(q, 0, 1, 3, 10);
	hand_over(q, 1, 2, 3, 13);
	CHECK_EQ_U64(burst(&nic, 4, 10), 4);
	CHECK(kernels(q, 0, 0));
	CHECK_EQ_U64(burst(&nic, 64, 14), 2);
	CHECK(kernels(q, 0, 1));
	CHECK_EQ_U64(burst(&nic, 64, 0), 0);
	CHECK_EQ_U64(nic_counter_get(&q->resyncs), 0);

	/* The walk waits on block 2 while the kernel handed over 5, 6 and 4 (oldest 4): read
	 * from 4 on, once counted; nothing stays ours. */
	hand_over(q, 4, 3, 2, 20);
	hand_over(q, 5, 4, 2, 22);
	hand_over(q, 6, 5, 2, 24);
	CHECK_EQ_U64(burst(&nic, 64, 20), 6);
	CHECK_EQ_U64(nic_counter_get(&q->resyncs), 1);
	CHECK(kernels(q, 0, RX_BLOCK_COUNT - 1));
	CHECK_EQ_U64(q->cur_block, 7);

	/* An empty block handed over: no frames, so no release call, yet it goes back; the
	 * next block is read after it. */
	hand_over(q, 7, 6, 0, 0);
	CHECK_EQ_U64(burst(&nic, 64, 0), 0);
	CHECK(kernels(q, 7, 7));
	hand_over(q, 8, 7, 1, 30);
	CHECK_EQ_U64(burst(&nic, 64, 30), 1);
	CHECK_EQ_U64(nic_counter_get(&q->resyncs), 1);

	/* Wrapping: the last block then the first, in order. */
	q->cur_block = RX_BLOCK_COUNT - 1;
	hand_over(q, RX_BLOCK_COUNT - 1, 8, 1, 40);
	hand_over(q, 0, 9, 1, 41);
	CHECK_EQ_U64(burst(&nic, 64, 40), 2);
	CHECK(kernels(q, 0, RX_BLOCK_COUNT - 1));
	CHECK_EQ_U64(nic_counter_get(&q->resyncs), 1);

	free(q->ring);
	return check_done("afpacket_ring");
}
