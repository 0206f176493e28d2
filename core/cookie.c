/* cookie_compute() for the receive side until the `probes` branch (which owns this file and
 * cookie_key_random) is merged. Same function as siphash24() over the 11-byte string of
 * core/cookie.h, specialised: the message is two known words, so there is no byte buffer,
 * no length loop and no tail switch -- 8 SipRounds and a few shifts (about 130
 * instructions instead of about 350). tests/unit/test_cookie.c checks it against
 * siphash24() over the bytes. */
#include "core/cookie.h"

static inline uint64_t rotl64(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3)                                                          \
	do {                                                                              \
		v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);            \
		v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                  \
		v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                  \
		v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);            \
	} while (0)

static inline uint32_t bswap32(uint32_t x)
{
	return __builtin_bswap32(x);
}

uint64_t cookie_compute(const struct cookie_key *key, uint32_t saddr, uint32_t daddr,
			uint16_t dport, uint8_t proto)
{
	/* SipHash reads the message little-endian: bytes saddr(BE) || daddr(BE) form word 0;
	 * dport(BE) || proto, then the length 11 in the top byte, form the final word. */
	uint64_t m0 = ((uint64_t)bswap32(daddr) << 32) | bswap32(saddr);
	uint64_t m1 = (11ull << 56) | ((uint64_t)proto << 16) | (uint16_t)((dport >> 8) | (dport << 8));
	uint64_t v0 = key->sip.k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = key->sip.k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = key->sip.k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = key->sip.k1 ^ 0x7465646279746573ull;
	v3 ^= m0;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m0;
	v3 ^= m1;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m1;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
