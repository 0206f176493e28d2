/* The cyclic group behind the scan order (ZMap's idea, without its 64-bit overflow).
 * Contract: cyclic_init(n, seed) picks the smallest tabled safe prime p > n and, from
 * the seed alone, a primitive root g of Z_p* and a start element x0. The sequence
 * x_e = x0 * g^e mod p, e = 0 .. p-2, visits every element of [1, p-1] exactly once;
 * element x stands for index x - 1, and indices >= n are skipped by the walker. Same
 * (n, seed) => same p, g, x0 on every machine: only integer arithmetic is involved.
 * Multiplication is Montgomery (R = 2^64), exact for every p < 2^63. */
#ifndef ORBIT_TARGETS_CYCLIC_H
#define ORBIT_TARGETS_CYCLIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

__extension__ typedef unsigned __int128 u128;

struct prime_entry {
	uint64_t p;
	uint64_t factors[2]; /* distinct prime factors of p - 1 */
	unsigned nfactors;
};

struct cyclic_group {
	uint64_t n;       /* index space size: indices 0 .. n-1 */
	uint64_t p;       /* prime modulus, p > n */
	uint64_t g;       /* primitive root */
	uint64_t x0;      /* element at exponent 0 */
	uint64_t p_neg_inv; /* -p^-1 mod 2^64, for Montgomery reduction */
	uint64_t g_mont;  /* g * 2^64 mod p: montmul(x, g_mont) == x * g mod p */
	uint64_t r2;      /* 2^128 mod p, to bring constants into Montgomery form */
	/* nmap's -r: the walk visits exponent e as index e (no permutation), so hosts and
	 * each host's ports go in ascending order; set by the plan, read by walk_next(). */
	bool in_order;
};

/* The table of moduli; exposed so the test can re-verify every entry. */
extern const struct prime_entry cyclic_primes[];
extern const size_t cyclic_primes_count;

int cyclic_init(struct cyclic_group *cg, uint64_t n, uint64_t seed, struct errbuf *e);

/* a * b * 2^-64 mod p (Montgomery reduction), for a, b < p < 2^63. With b = g_mont it
 * is one step of the walk: x * g mod p. */
static inline uint64_t cyclic_montmul(const struct cyclic_group *cg, uint64_t a, uint64_t b)
{
	u128 t = (u128)a * b;
	uint64_t m = (uint64_t)t * cg->p_neg_inv;
	uint64_t r = (uint64_t)((t + (u128)m * cg->p) >> 64);
	return r >= cg->p ? r - cg->p : r;
}

static inline uint64_t cyclic_step(const struct cyclic_group *cg, uint64_t x)
{
	return cyclic_montmul(cg, x, cg->g_mont);
}

/* Plain modular arithmetic for set-up and checks (not the hot path). */
uint64_t cyclic_mulmod(uint64_t a, uint64_t b, uint64_t p);
uint64_t cyclic_powmod(uint64_t base, uint64_t exp, uint64_t p);
/* The element at exponent e: x0 * g^e mod p. */
uint64_t cyclic_element_at(const struct cyclic_group *cg, uint64_t e);
/* Deterministic Miller-Rabin, exact for all 64-bit n. */
int cyclic_is_prime(uint64_t n);
int cyclic_is_primitive_root(uint64_t g, const struct prime_entry *pe);

#endif
