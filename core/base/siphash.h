/* SipHash-2-4 (Aumasson & Bernstein, 2012): a keyed 64-bit PRF.
 * Contract: siphash24(key, data, len) is the reference function, byte for byte; the
 * key is 16 bytes, read little-endian as two 64-bit words as in the paper.
 * Used for probe cookies (keyed with the scan's secret) and, with a fixed key, as a
 * digest of canonical data (checkpoint spec digests). */
#ifndef ORBIT_CORE_SIPHASH_H
#define ORBIT_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1;
};

/* One SipRound over four 64-bit lanes; shared by the generic function and the cookie's
 * fixed-length specialisation (core/cookie.c), so both stay the paper's round. */
static inline uint64_t siphash_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPHASH_ROUND(v0, v1, v2, v3)                                                     \
	do {                                                                              \
		v0 += v1; v1 = siphash_rotl(v1, 13); v1 ^= v0; v0 = siphash_rotl(v0, 32); \
		v2 += v3; v3 = siphash_rotl(v3, 16); v3 ^= v2;                            \
		v0 += v3; v3 = siphash_rotl(v3, 21); v3 ^= v0;                            \
		v2 += v1; v1 = siphash_rotl(v1, 17); v1 ^= v2; v2 = siphash_rotl(v2, 32); \
	} while (0)

struct siphash_key siphash_key_from_bytes(const uint8_t bytes[16]);
uint64_t siphash24(struct siphash_key key, const void *data, size_t len);

/* Incremental form for digests over several pieces; same result as one call over the
 * concatenation. */
struct siphash_state {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;
	size_t tail_len, total_len;
};

void siphash24_init(struct siphash_state *st, struct siphash_key key);
void siphash24_update(struct siphash_state *st, const void *data, size_t len);
uint64_t siphash24_final(struct siphash_state *st);

#endif
