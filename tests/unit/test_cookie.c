/* cookie_compute() is SipHash-2-4 over saddr||daddr||dport||proto (network order), exactly
 * as core/cookie.h defines it, whatever shortcuts its implementation takes. */
#include "core/cookie.h"
#include "tests/unit/check.h"

static uint64_t cookie_by_definition(const struct cookie_key *k, uint32_t s, uint32_t d,
				     uint16_t port, uint8_t proto)
{
	const uint8_t msg[11] = {(uint8_t)(s >> 24), (uint8_t)(s >> 16), (uint8_t)(s >> 8),
				 (uint8_t)s,         (uint8_t)(d >> 24), (uint8_t)(d >> 16),
				 (uint8_t)(d >> 8),  (uint8_t)d,         (uint8_t)(port >> 8),
				 (uint8_t)port,      proto};
	return siphash24(k->sip, msg, sizeof msg);
}

int main(void)
{
	uint8_t kb[16];
	for (int i = 0; i < 16; i++)
		kb[i] = (uint8_t)(0xa0 + i * 7);
	struct cookie_key k = {siphash_key_from_bytes(kb)};
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t s = (uint32_t)x, d = (uint32_t)(x >> 32);
		uint16_t port = (uint16_t)(x >> 11);
		uint8_t proto = (uint8_t)(x >> 5);
		CHECK_EQ_U64(cookie_compute(&k, s, d, port, proto),
			     cookie_by_definition(&k, s, d, port, proto));
	}
	/* Each input moves the cookie. */
	uint64_t base = cookie_compute(&k, 0xc6120001u, 0xc6130102u, 443, 6);
	CHECK(base != cookie_compute(&k, 0xc6120002u, 0xc6130102u, 443, 6));
	CHECK(base != cookie_compute(&k, 0xc6120001u, 0xc6130103u, 443, 6));
	CHECK(base != cookie_compute(&k, 0xc6120001u, 0xc6130102u, 444, 6));
	CHECK(base != cookie_compute(&k, 0xc6120001u, 0xc6130102u, 443, 17));
	return check_done("cookie");
}
