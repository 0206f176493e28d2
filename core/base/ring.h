/* A bounded lock-free ring of scan_result records: many producers (RX threads), one
 * consumer (a grab thread). Vyukov's bounded queue: each cell carries a sequence number,
 * producers claim a position with one CAS, the consumer needs no atomic RMW at all.
 * Contract: ring_init() rounds the capacity up to a power of two (>= 2) and allocates
 * once; push/pop never block or allocate; push returns false when full, pop when empty. */
#ifndef ORBIT_CORE_GRAB_RING_H
#define ORBIT_CORE_GRAB_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/base/result.h"

struct ring_cell {
	atomic_size_t seq;
	struct scan_result r;
};

struct ring {
	struct ring_cell *cells;
	size_t mask;
	_Alignas(64) atomic_size_t enq;
	_Alignas(64) size_t deq; /* consumer only */
};

int ring_init(struct ring *q, size_t cap);
void ring_free(struct ring *q);
bool ring_push(struct ring *q, const struct scan_result *r);
bool ring_pop(struct ring *q, struct scan_result *out);
bool ring_empty(const struct ring *q); /* consumer's view */

#endif
