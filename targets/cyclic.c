#include "targets/cyclic.h"

#include "targets/seedrng.h"

const struct prime_entry cyclic_primes[] = {
#include "targets/primes.inc"
};
const size_t cyclic_primes_count = sizeof cyclic_primes / sizeof cyclic_primes[0];

uint64_t cyclic_mulmod(uint64_t a, uint64_t b, uint64_t p)
{
	return (uint64_t)((u128)a * b % p);
}

uint64_t cyclic_powmod(uint64_t base, uint64_t exp, uint64_t p)
{
	uint64_t r = 1 % p;
	base %= p;
	while (exp) {
		if (exp & 1)
			r = cyclic_mulmod(r, base, p);
		base = cyclic_mulmod(base, base, p);
		exp >>= 1;
	}
	return r;
}

int cyclic_is_prime(uint64_t n)
{
	static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
	if (n < 2)
		return 0;
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		if (n % bases[i] == 0)
			return n == bases[i];
	uint64_t d = n - 1;
	unsigned r = 0;
	while ((d & 1) == 0) {
		d >>= 1;
		r++;
	}
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		uint64_t x = cyclic_powmod(bases[i], d, n);
		if (x == 1 || x == n - 1)
			continue;
		unsigned k;
		for (k = 1; k < r; k++) {
			x = cyclic_mulmod(x, x, n);
			if (x == n - 1)
				break;
		}
		if (k == r)
			return 0;
	}
	return 1;
}

int cyclic_is_primitive_root(uint64_t g, const struct prime_entry *pe)
{
	if (g % pe->p == 0)
		return 0;
	for (unsigned i = 0; i < pe->nfactors; i++)
		if (cyclic_powmod(g, (pe->p - 1) / pe->factors[i], pe->p) == 1)
			return 0;
	return 1;
}

uint64_t cyclic_element_at(const struct cyclic_group *cg, uint64_t e)
{
	return cyclic_mulmod(cg->x0, cyclic_powmod(cg->g, e, cg->p), cg->p);
}

/* Newton's iteration for p^-1 mod 2^64 (p odd): each step doubles the correct bits. */
static uint64_t inverse_mod_2_64(uint64_t p)
{
	uint64_t x = p; /* correct to 3 bits for odd p */
	for (int i = 0; i < 5; i++)
		x *= 2 - p * x;
	return x;
}

int cyclic_init(struct cyclic_group *cg, uint64_t n, uint64_t seed, struct errbuf *e)
{
	const struct prime_entry *pe = NULL;
	for (size_t i = 0; i < cyclic_primes_count; i++) {
		if (cyclic_primes[i].p > n) {
			pe = &cyclic_primes[i];
			break;
		}
	}
	if (n == 0)
		return err_set(e, "empty target space");
	if (!pe)
		return err_set(e, "target space of %llu probes is larger than the largest group "
				  "(%llu)", (unsigned long long)n,
			       (unsigned long long)cyclic_primes[cyclic_primes_count - 1].p - 1);
	struct seedrng rng;
	seedrng_init(&rng, seed, 0x6379636c6963ULL /* "cyclic" */);
	uint64_t p = pe->p;
	uint64_t g;
	/* Uniform candidates in [2, p-2]; about half of them are primitive for safe primes. */
	do {
		g = 2 + seedrng_below(&rng, p - 3);
	} while (!cyclic_is_primitive_root(g, pe));
	cg->n = n;
	cg->p = p;
	cg->g = g;
	cg->x0 = 1 + seedrng_below(&rng, p - 1);
	cg->p_neg_inv = (uint64_t)0 - inverse_mod_2_64(p);
	cg->r2 = (uint64_t)(((u128)1 << 64) % p);
	cg->r2 = cyclic_mulmod(cg->r2, cg->r2, p);
	cg->g_mont = cyclic_montmul(cg, g, cg->r2); /* g * R^2 * R^-1 = g * R */
	return 0;
}
