/* The group table and arithmetic: every tabled prime re-verified, Montgomery steps equal
 * plain modular multiplication, generators are primitive, seeds are reproducible, and
 * small groups are walked exhaustively. */
#include "targets/cyclic.h"
#include "targets/seedrng.h"
#include "tests/unit/check.h"

int main(void)
{
	struct errbuf e;
	/* Table: primes, p - 1 factored completely by the listed primes, ascending. */
	int table_ok = 1;
	for (size_t i = 0; i < cyclic_primes_count; i++) {
		const struct prime_entry *pe = &cyclic_primes[i];
		uint64_t rest = pe->p - 1;
		table_ok &= cyclic_is_prime(pe->p);
		for (unsigned f = 0; f < pe->nfactors; f++) {
			table_ok &= cyclic_is_prime(pe->factors[f]);
			table_ok &= rest % pe->factors[f] == 0;
			while (rest % pe->factors[f] == 0)
				rest /= pe->factors[f];
		}
		table_ok &= rest == 1;
		if (i > 0)
			table_ok &= pe->p > cyclic_primes[i - 1].p;
	}
	CHECK(table_ok);
	CHECK(cyclic_primes[cyclic_primes_count - 1].p > (1ULL << 50));
	CHECK(!cyclic_is_prime(1) && cyclic_is_prime(2) && !cyclic_is_prime(561) &&
	      !cyclic_is_prime(3215031751ULL) && cyclic_is_prime(18446744073709551557ULL));

	/* Group choice: smallest tabled p > n, and a generator that is primitive. */
	uint64_t sizes[] = {1, 2, 3, 4, 5, 1000, 65535, 1ULL << 32, 3702258432ULL,
			    (1ULL << 32) * 65535, (1ULL << 48), (1ULL << 50)};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct cyclic_group cg;
		CHECK(cyclic_init(&cg, sizes[i], 7, &e) == 0);
		CHECK(cg.p > sizes[i]);
		const struct prime_entry *pe = NULL;
		for (size_t k = 0; k < cyclic_primes_count && !pe; k++)
			if (cyclic_primes[k].p == cg.p)
				pe = &cyclic_primes[k];
		CHECK(pe && cyclic_is_primitive_root(cg.g, pe));
		CHECK(cg.x0 >= 1 && cg.x0 < cg.p);
		/* Waste bounded: p is within 12.5 % (+ the gap to the next safe prime). */
		if (sizes[i] > 1000)
			CHECK((double)cg.p / (double)sizes[i] < 1.13);
		/* Montgomery step == plain multiplication, also near p. */
		struct seedrng r;
		seedrng_init(&r, i, 3);
		int ok = 1;
		uint64_t x = cg.p - 1;
		for (int k = 0; k < 20000; k++) {
			ok &= cyclic_step(&cg, x) == cyclic_mulmod(x, cg.g, cg.p);
			x = 1 + seedrng_below(&r, cg.p - 1);
		}
		CHECK(ok);
	}
	struct cyclic_group big;
	CHECK(cyclic_init(&big, cyclic_primes[cyclic_primes_count - 1].p, 1, &e) < 0);
	CHECK(cyclic_init(&big, 0, 1, &e) < 0);

	/* Seeds: same seed, same group; different seeds, different generator or start. */
	struct cyclic_group a, b, c;
	cyclic_init(&a, 1000000, 11, &e);
	cyclic_init(&b, 1000000, 11, &e);
	cyclic_init(&c, 1000000, 12, &e);
	CHECK(a.g == b.g && a.x0 == b.x0 && a.p == b.p);
	CHECK(a.g != c.g || a.x0 != c.x0);

	/* Exhaustive: for every n up to 3000 the sequence is a permutation of [1, p-1]. */
	static unsigned char seen[1 << 16];
	int perm_ok = 1;
	for (uint64_t n = 1; n <= 3000; n += (n < 100 ? 1 : 37)) {
		struct cyclic_group cg;
		cyclic_init(&cg, n, n * 31, &e);
		memset(seen, 0, cg.p);
		uint64_t x = cg.x0;
		for (uint64_t k = 0; k < cg.p - 1; k++) {
			perm_ok &= x >= 1 && x < cg.p && !seen[x];
			seen[x] = 1;
			x = cyclic_step(&cg, x);
		}
		perm_ok &= x == cg.x0; /* the cycle closes exactly after p - 1 steps */
	}
	CHECK(perm_ok);
	return check_done("cyclic");
}
