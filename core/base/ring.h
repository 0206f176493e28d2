/* A bounded lock-free ring of scan_result records with one consumer and either many
 * producers (RX threads feeding a grab thread; any thread feeding the output writer) or
 * exactly one (an RX thread's own queue to the output writer). Vyukov's bounded queue:
 * each cell carries a sequence number; many producers claim a position with one CAS, a
 * single producer with a plain store; the consumer needs no atomic RMW at all.
 * Contract: ring_init() rounds the capacity up to a power of two (>= 2) and allocates
 * once, zeroed (the sequence numbers are stored relative to the cell's index, so a fresh
 * ring is all zeros and its pages are touched only as far as it fills); push/pop never
 * block or allocate; push returns false when full, pop when empty. A RING_ONE_PRODUCER
 * ring must be pushed to by one thread at a time (the consumer side is always one). */
#ifndef ORBIT_BASE_RING_H
#define ORBIT_BASE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/base/result.h"

enum ring_producers { RING_MANY_PRODUCERS, RING_ONE_PRODUCER };

struct ring_cell {
	atomic_size_t seq; /* Vyukov's sequence number minus the cell's index */
	struct scan_result r;
};

struct ring {
	struct ring_cell *cells;
	size_t mask;
	bool one_producer;
	_Alignas(64) atomic_size_t enq;
	_Alignas(64) size_t deq; /* consumer only */
};

int ring_init(struct ring *q, size_t cap); /* RING_MANY_PRODUCERS */
int ring_init_for(struct ring *q, size_t cap, enum ring_producers producers);
void ring_free(struct ring *q);
bool ring_push(struct ring *q, const struct scan_result *r);
/* Pushes r[0..n) in order until the ring is full; returns how many went in. */
size_t ring_push_burst(struct ring *q, const struct scan_result *r, size_t n);
bool ring_pop(struct ring *q, struct scan_result *out);
/* Pops up to max records in order; returns how many. */
size_t ring_pop_burst(struct ring *q, struct scan_result *out, size_t max);
bool ring_empty(const struct ring *q); /* consumer's view */

#endif
