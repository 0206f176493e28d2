/* A tiny seeded generator (SplitMix64) for choices that must be reproducible from the
 * user's --seed on every machine: group generator, start element. Not for secrets:
 * cookie keys come from getrandom(2), never from the seed. */
#ifndef ORBIT_TARGETS_SEEDRNG_H
#define ORBIT_TARGETS_SEEDRNG_H

#include <stdint.h>

struct seedrng {
	uint64_t state;
};

static inline void seedrng_init(struct seedrng *r, uint64_t seed, uint64_t domain)
{
	r->state = seed ^ (domain * 0x9e3779b97f4a7c15ULL);
}

static inline uint64_t seedrng_next(struct seedrng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound) by rejection, bound > 0 (set-up only: it divides). */
static inline uint64_t seedrng_below(struct seedrng *r, uint64_t bound)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t v;
	do {
		v = seedrng_next(r);
	} while (v >= limit);
	return v % bound;
}

#endif
