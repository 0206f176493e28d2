/* Sets of IPv4 addresses as sorted, disjoint, non-adjacent inclusive intervals, and the
 * dense index over them that the walk uses.
 * Contract: ipset_* keep the set normalised after every call (sorted, merged); memory is
 * proportional to the number of intervals, never to the number of addresses.
 * ipindex maps index i in [0, total) to the i-th address in ascending order and back:
 * O(1) typical (a 2^16-bin jump table over the index space), O(log n) worst case. */
#ifndef ORBIT_TARGETS_IPSET_H
#define ORBIT_TARGETS_IPSET_H

#include <stddef.h>
#include <stdint.h>

struct ip_range {
	uint32_t first, last; /* inclusive, host byte order */
};

struct ipset {
	struct ip_range *r;
	size_t n, cap;
};

void ipset_init(struct ipset *s);
void ipset_free(struct ipset *s);
/* Adds [first, last]; returns -1 on allocation failure. */
int ipset_add(struct ipset *s, uint32_t first, uint32_t last);
int ipset_add_set(struct ipset *s, const struct ipset *other);
/* s = s \ b, s = s ∩ b. */
int ipset_subtract(struct ipset *s, const struct ipset *b);
int ipset_intersect(struct ipset *s, const struct ipset *b);
uint64_t ipset_count(const struct ipset *s);
/* How many addresses of [first, last] are in s. */
uint64_t ipset_count_in(const struct ipset *s, uint32_t first, uint32_t last);
int ipset_contains(const struct ipset *s, uint32_t addr);

struct ipindex {
	size_t n;          /* intervals */
	uint32_t *first;   /* first address of each interval */
	uint64_t *base;    /* index of that first address; base[n] == total */
	uint64_t total;
	unsigned bin_shift;
	uint32_t *bin;     /* bin[b] = interval holding index b << bin_shift; nbins + 1 entries */
};

int ipindex_build(struct ipindex *x, const struct ipset *s);
void ipindex_free(struct ipindex *x);

static inline uint32_t ipindex_addr(const struct ipindex *x, uint64_t i)
{
	uint64_t b = i >> x->bin_shift;
	size_t lo = x->bin[b], hi = x->bin[b + 1];
	/* Typically lo == hi or a step or two; binary search keeps dense bins O(log n). */
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;
		if (x->base[mid] <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return x->first[lo] + (uint32_t)(i - x->base[lo]);
}

/* Index of addr, or -1 when addr is not in the set. */
int64_t ipindex_lookup(const struct ipindex *x, uint32_t addr);

#endif
