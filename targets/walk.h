/* The walk: how the exponent range of the cyclic group is cut into disjoint arcs for
 * shards (machines) and threads, and how each arc is stepped.
 * Contract: the p-1 exponents are split into shards * threads contiguous arcs of
 * near-equal length (arc a = shard * threads + thread); every shard computes the same
 * arcs from the same seed, so the union over all shards and threads is every element
 * exactly once. --max-targets M is split evenly: arc a may emit M / A (+1 for the
 * first M % A arcs) indices. walk_next() fills a batch of valid indices (< n) and
 * advances the arc; an arc's `pos` is the next exponent to visit, which is all a
 * checkpoint needs to resume it exactly. */
#ifndef ORBIT_TARGETS_WALK_H
#define ORBIT_TARGETS_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "targets/cyclic.h"

#define WALK_UNLIMITED UINT64_MAX

struct walk_arc {
	uint64_t begin, end; /* exponents [begin, end) */
	uint64_t pos;        /* next exponent to visit */
	uint64_t x;          /* element at pos (x0 * g^pos mod p) */
	uint64_t budget;     /* indices this arc may still emit, WALK_UNLIMITED for no cap */
	uint64_t emitted;    /* indices emitted by this run */
};

/* Bounds of arc a of count arcs over the p-1 exponents. */
void walk_arc_bounds(const struct cyclic_group *cg, uint64_t arc, uint64_t count,
		     uint64_t *begin, uint64_t *end);
/* Arc at [begin, end) positioned at pos, with a budget. */
void walk_arc_init(struct walk_arc *a, const struct cyclic_group *cg, uint64_t begin,
		   uint64_t end, uint64_t pos, uint64_t budget);
/* The budget of arc a when max_targets (0 = none) is shared by count arcs over a space of
 * n indices. An arc that ends before its budget does not hand the rest on, so a cap close
 * to n may yield a little less than the cap; a cap >= n yields the whole space. */
uint64_t walk_arc_budget(uint64_t max_targets, uint64_t n, uint64_t arc, uint64_t count);

static inline int walk_arc_done(const struct walk_arc *a)
{
	return a->pos >= a->end || a->budget == 0;
}

/* walk_next() of an in-order group: index = exponent. */
static inline size_t walk_next_in_order(struct walk_arc *a, const struct cyclic_group *cg,
					uint64_t *out, size_t max)
{
	size_t k = 0;
	uint64_t pos = a->pos, n = cg->n;
	const uint64_t end = a->end;
	while (k < max && pos < end) {
		out[k] = pos;
		k += pos < n;
		pos++;
	}
	a->pos = pos;
	a->emitted += k;
	if (a->budget != WALK_UNLIMITED)
		a->budget -= k;
	return k;
}

/* Writes up to max valid indices into out; returns how many (0 only when done). The loop
 * is branch-light on purpose: the candidate is stored unconditionally and kept only
 * when it is below n. */
static inline size_t walk_next(struct walk_arc *a, const struct cyclic_group *cg, uint64_t *out,
			       size_t max)
{
	if (max > a->budget)
		max = (size_t)a->budget;
	if (cg->in_order) /* once per batch: the permuted loop below stays as it was */
		return walk_next_in_order(a, cg, out, max);
	size_t k = 0;
	uint64_t x = a->x, pos = a->pos, n = cg->n;
	const uint64_t end = a->end;
	while (k < max && pos < end) {
		uint64_t idx = x - 1;
		out[k] = idx;
		k += idx < n;
		x = cyclic_step(cg, x);
		pos++;
	}
	a->x = x;
	a->pos = pos;
	a->emitted += k;
	if (a->budget != WALK_UNLIMITED)
		a->budget -= k;
	return k;
}

#endif
