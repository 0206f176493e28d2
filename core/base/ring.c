/* Bounded MPSC ring (see ring.h). */
#include "core/base/ring.h"

#include <stdint.h>
#include <stdlib.h>

int ring_init(struct ring *q, size_t cap)
{
	size_t n = 2;
	while (n < cap && n < ((size_t)1 << 30))
		n <<= 1;
	q->cells = calloc(n, sizeof(*q->cells));
	if (!q->cells)
		return -1;
	for (size_t i = 0; i < n; i++)
		atomic_init(&q->cells[i].seq, i);
	q->mask = n - 1;
	atomic_init(&q->enq, 0);
	q->deq = 0;
	return 0;
}

void ring_free(struct ring *q)
{
	free(q->cells);
	q->cells = NULL;
}

bool ring_push(struct ring *q, const struct scan_result *r)
{
	size_t pos = atomic_load_explicit(&q->enq, memory_order_relaxed);
	struct ring_cell *c;
	for (;;) {
		c = &q->cells[pos & q->mask];
		size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		intptr_t dif = (intptr_t)seq - (intptr_t)pos;
		if (dif == 0) {
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
	atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
	return true;
}

bool ring_pop(struct ring *q, struct scan_result *out)
{
	size_t pos = q->deq;
	struct ring_cell *c = &q->cells[pos & q->mask];
	size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
	if ((intptr_t)seq - (intptr_t)(pos + 1) < 0)
		return false; /* empty (or the producer has not finished writing) */
	*out = c->r;
	q->deq = pos + 1;
	atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
	return true;
}

bool ring_empty(const struct ring *q)
{
	const struct ring_cell *c = &q->cells[q->deq & q->mask];
	size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
	return (intptr_t)seq - (intptr_t)(q->deq + 1) < 0;
}
