#include "targets/walk.h"

void walk_arc_bounds(const struct cyclic_group *cg, uint64_t arc, uint64_t count,
		     uint64_t *begin, uint64_t *end)
{
	uint64_t total = cg->p - 1;
	/* 128-bit products: total * arc overflows 64 bits for the largest groups. */
	*begin = (uint64_t)((u128)total * arc / count);
	*end = (uint64_t)((u128)total * (arc + 1) / count);
}

void walk_arc_init(struct walk_arc *a, const struct cyclic_group *cg, uint64_t begin,
		   uint64_t end, uint64_t pos, uint64_t budget)
{
	a->begin = begin;
	a->end = end;
	a->pos = pos;
	a->x = cyclic_element_at(cg, pos);
	a->budget = budget;
	a->emitted = 0;
}

uint64_t walk_arc_budget(uint64_t max_targets, uint64_t n, uint64_t arc, uint64_t count)
{
	/* A cap at or above the space is no cap: split shares would leave a shortfall where
	 * one arc holds fewer valid indices than its share. */
	if (max_targets == 0 || max_targets >= n)
		return WALK_UNLIMITED;
	return max_targets / count + (arc < max_targets % count ? 1 : 0);
}
