/* ipset operations and the index, checked against a brute-force bitmap over a small
 * universe (random sets inside 198.18.0.0/20), plus edges of the 32-bit space. */
#include <stdlib.h>

#include "targets/ipset.h"
#include "targets/seedrng.h"
#include "tests/unit/check.h"

enum { UNIVERSE = 4096 };
static const uint32_t BASE = 0xC6120000u; /* 198.18.0.0 */

static void random_set(struct seedrng *r, struct ipset *s, unsigned char *bits)
{
	memset(bits, 0, UNIVERSE);
	unsigned ranges = 1 + (unsigned)seedrng_below(r, 12);
	for (unsigned i = 0; i < ranges; i++) {
		uint32_t a = (uint32_t)seedrng_below(r, UNIVERSE);
		uint32_t len = (uint32_t)seedrng_below(r, seedrng_below(r, 2) ? 8 : 600);
		uint32_t b = a + len >= UNIVERSE ? UNIVERSE - 1 : a + len;
		ipset_add(s, BASE + a, BASE + b);
		for (uint32_t k = a; k <= b; k++)
			bits[k] = 1;
	}
}

static int matches(const struct ipset *s, const unsigned char *bits)
{
	uint64_t count = 0;
	for (uint32_t k = 0; k < UNIVERSE; k++) {
		if (ipset_contains(s, BASE + k) != bits[k])
			return 0;
		count += bits[k];
	}
	for (size_t i = 0; i + 1 < s->n; i++) /* normalised: sorted, apart */
		if ((uint64_t)s->r[i].last + 1 >= s->r[i + 1].first)
			return 0;
	return ipset_count(s) == count;
}

int main(void)
{
	struct seedrng r;
	seedrng_init(&r, 42, 1);
	unsigned char a_bits[UNIVERSE], b_bits[UNIVERSE], want[UNIVERSE];
	for (int round = 0; round < 300; round++) {
		struct ipset a, b, c;
		ipset_init(&a);
		ipset_init(&b);
		ipset_init(&c);
		random_set(&r, &a, a_bits);
		random_set(&r, &b, b_bits);
		CHECK(matches(&a, a_bits));
		ipset_add_set(&c, &a);
		ipset_subtract(&c, &b);
		for (int k = 0; k < UNIVERSE; k++)
			want[k] = a_bits[k] && !b_bits[k];
		CHECK(matches(&c, want));
		ipset_free(&c);
		ipset_init(&c);
		ipset_add_set(&c, &a);
		ipset_intersect(&c, &b);
		for (int k = 0; k < UNIVERSE; k++)
			want[k] = a_bits[k] && b_bits[k];
		CHECK(matches(&c, want));
		uint32_t lo = (uint32_t)seedrng_below(&r, UNIVERSE), hi = lo + (uint32_t)seedrng_below(&r, UNIVERSE - lo);
		uint64_t expect = 0;
		for (uint32_t k = lo; k <= hi; k++)
			expect += a_bits[k];
		CHECK_EQ_U64(ipset_count_in(&a, BASE + lo, BASE + hi), expect);

		/* Index: i-th address in order, and back. */
		struct ipindex x;
		CHECK(ipindex_build(&x, &a) == 0);
		uint64_t i = 0;
		int ok = 1;
		for (uint32_t k = 0; k < UNIVERSE; k++) {
			if (a_bits[k]) {
				ok &= ipindex_addr(&x, i) == BASE + k;
				ok &= ipindex_lookup(&x, BASE + k) == (int64_t)i;
				i++;
			} else {
				ok &= ipindex_lookup(&x, BASE + k) == -1;
			}
		}
		CHECK(ok);
		CHECK_EQ_U64(x.total, i);
		ipindex_free(&x);
		ipset_free(&a);
		ipset_free(&b);
		ipset_free(&c);
	}

	/* The edges of the space: 0.0.0.0 and 255.255.255.255, and the whole space. */
	struct ipset all;
	ipset_init(&all);
	ipset_add(&all, 0, UINT32_MAX);
	CHECK_EQ_U64(ipset_count(&all), 1ULL << 32);
	struct ipset holes;
	ipset_init(&holes);
	ipset_add(&holes, 0, 0);
	ipset_add(&holes, UINT32_MAX, UINT32_MAX);
	ipset_add(&holes, 0x0A000000u, 0x0AFFFFFFu);
	ipset_subtract(&all, &holes);
	CHECK_EQ_U64(ipset_count(&all), (1ULL << 32) - 2 - (1 << 24));
	struct ipindex x;
	CHECK(ipindex_build(&x, &all) == 0);
	CHECK_EQ_U64(ipindex_addr(&x, 0), 1);
	CHECK_EQ_U64(ipindex_addr(&x, x.total - 1), UINT32_MAX - 1);
	CHECK_EQ_U64(ipindex_addr(&x, 0x0A000000u - 1), 0x0B000000u);
	CHECK(ipindex_lookup(&x, 0x0A000001u) == -1);
	CHECK(ipindex_lookup(&x, 0x0B000000u) == 0x0A000000 - 1);
	/* Many tiny intervals in one bin still map exactly (binary search inside the bin). */
	struct ipset dense;
	ipset_init(&dense);
	for (uint32_t k = 0; k < 200000; k++)
		ipset_add(&dense, BASE + 2 * k, BASE + 2 * k);
	struct ipindex dx;
	CHECK(ipindex_build(&dx, &dense) == 0);
	int ok = 1;
	for (uint32_t k = 0; k < 200000; k += 7)
		ok &= ipindex_addr(&dx, k) == BASE + 2 * k;
	CHECK(ok);
	ipindex_free(&dx);
	ipset_free(&dense);
	ipindex_free(&x);
	ipset_free(&all);
	ipset_free(&holes);
	return check_done("ipset");
}
