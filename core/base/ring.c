/* Bounded MPSC / SPSC ring (see ring.h). A cell's stored sequence number is Vyukov's
 * minus the cell's index, so that calloc's zeros are the initial state. */
#include "core/base/ring.h"

#include <stdint.h>
#include <stdlib.h>

int ring_init_for(struct ring *q, size_t cap, enum ring_producers producers)
{
	size_t n = 2;
	while (n < cap && n < ((size_t)1 << 30))
		n <<= 1;
	q->cells = calloc(n, sizeof(*q->cells));
	if (!q->cells)
		return -1;
	q->mask = n - 1;
	q->one_producer = producers == RING_ONE_PRODUCER;
	atomic_init(&q->enq, 0);
	q->deq = 0;
	return 0;
}

int ring_init(struct ring *q, size_t cap)
{
	return ring_init_for(q, cap, RING_MANY_PRODUCERS);
}

void ring_free(struct ring *q)
{
	free(q->cells);
	q->cells = NULL;
}

static size_t cell_seq(const struct ring *q, const struct ring_cell *c, size_t pos)
{
	return atomic_load_explicit(&c->seq, memory_order_acquire) + (pos & q->mask);
}

static void cell_publish(const struct ring *q, struct ring_cell *c, size_t pos, size_t seq)
{
	atomic_store_explicit(&c->seq, seq - (pos & q->mask), memory_order_release);
}

bool ring_push(struct ring *q, const struct scan_result *r)
{
	size_t pos = atomic_load_explicit(&q->enq, memory_order_relaxed);
	struct ring_cell *c;
	for (;;) {
		c = &q->cells[pos & q->mask];
		intptr_t dif = (intptr_t)cell_seq(q, c, pos) - (intptr_t)pos;
		if (dif == 0) {
			if (q->one_producer) {
				atomic_store_explicit(&q->enq, pos + 1, memory_order_relaxed);
				break;
			}
			if (atomic_compare_exchange_weak_explicit(&q->enq, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (dif < 0) {
			return false; /* full */
		} else {
			pos = atomic_load_explicit(&q->enq, memory_order_relaxed);
		}
	}
	c->r = *r;
	cell_publish(q, c, pos, pos + 1);
	return true;
}

size_t ring_push_burst(struct ring *q, const struct scan_result *r, size_t n)
{
	size_t i = 0;
	while (i < n && ring_push(q, &r[i]))
		i++;
	return i;
}

bool ring_pop(struct ring *q, struct scan_result *out)
{
	size_t pos = q->deq;
	struct ring_cell *c = &q->cells[pos & q->mask];
	if ((intptr_t)cell_seq(q, c, pos) - (intptr_t)(pos + 1) < 0)
		return false; /* empty (or the producer has not finished writing) */
	*out = c->r;
	q->deq = pos + 1;
	cell_publish(q, c, pos, pos + q->mask + 1);
	return true;
}

size_t ring_pop_burst(struct ring *q, struct scan_result *out, size_t max)
{
	size_t i = 0;
	while (i < max && ring_pop(q, &out[i]))
		i++;
	return i;
}

bool ring_empty(const struct ring *q)
{
	const struct ring_cell *c = &q->cells[q->deq & q->mask];
	return (intptr_t)cell_seq(q, c, q->deq) - (intptr_t)(q->deq + 1) < 0;
}
