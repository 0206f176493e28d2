/* Cookies: SipHash-2-4 against the reference implementation's 64 vectors (key 00..0f,
 * message 00..len-1), the specialised 11-byte cookie against the generic SipHash, every
 * SIMD batch against the scalar cookie, and the bit-spending helpers' ranges. */
#include "core/base/cookie.h"
#include "core/base/siphash.h"
#include "tests/unit/check.h"

#include <stdlib.h>

/* vectors_sip64 of the SipHash reference implementation (github.com/veorq/SipHash,
 * vectors.h), each 8-byte output read little-endian. */
static const uint64_t sip64_vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL, 0xbed65cf21aa2ee98ULL,
	0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL,
	0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL,
	0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL,
	0x9abfd8766a33735cULL, 0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
	0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL,
	0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL,
	0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL,
	0x958a324ceb064572ULL,
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_next(void)
{
	/* splitmix64: deterministic so a failure reproduces. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct cookie_key reference_key(void)
{
	uint8_t kb[16];
	for (int i = 0; i < 16; i++)
		kb[i] = (uint8_t)i;
	struct cookie_key key = {siphash_key_from_bytes(kb)};
	return key;
}

static void test_reference_vectors(void)
{
	struct cookie_key key = reference_key();
	uint8_t msg[64];
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t len = 0; len < 64; len++)
		CHECK_EQ_U64(siphash24(key.sip, msg, len), sip64_vectors[len]);
	/* The 11-byte vector is exactly a cookie input: saddr 00010203, daddr 04050607,
	 * dport 0809, proto 0a. */
	CHECK_EQ_U64(cookie_compute(&key, 0x00010203, 0x04050607, 0x0809, 0x0a), sip64_vectors[11]);
}

static void test_specialised_equals_generic(void)
{
	for (int round = 0; round < 2000; round++) {
		struct cookie_key key = {{rng_next(), rng_next()}};
		uint32_t s = (uint32_t)rng_next(), d = (uint32_t)rng_next();
		uint16_t port = (uint16_t)rng_next();
		uint8_t proto = (uint8_t)rng_next();
		uint8_t in[11] = {(uint8_t)(s >> 24), (uint8_t)(s >> 16), (uint8_t)(s >> 8),
				  (uint8_t)s, (uint8_t)(d >> 24), (uint8_t)(d >> 16),
				  (uint8_t)(d >> 8), (uint8_t)d, (uint8_t)(port >> 8),
				  (uint8_t)port, proto};
		CHECK_EQ_U64(cookie_compute(&key, s, d, port, proto), siphash24(key.sip, in, 11));
	}
}

static void test_batches_equal_scalar(void)
{
	enum { MAX = 131 };
	uint32_t daddr[MAX];
	uint16_t dport[MAX];
	uint8_t proto[MAX];
	uint64_t out[MAX + 1];
	struct cookie_key key = {{rng_next(), rng_next()}};
	uint32_t saddr = 0xc6120001; /* 198.18.0.1 */
	for (int i = 0; i < MAX; i++) {
		daddr[i] = 0xc6130000 | (uint32_t)(rng_next() & 0xffff);
		dport[i] = (uint16_t)rng_next();
		proto[i] = (uint8_t)(i % 3 == 0 ? 6 : i % 3 == 1 ? 17 : (uint8_t)rng_next());
	}
	CHECK(cookie_simd_available(COOKIE_SIMD_SCALAR));
	int tested = 0;
	for (int impl = COOKIE_SIMD_SCALAR; impl <= COOKIE_SIMD_AVX512; impl++) {
		if (!cookie_simd_available((enum cookie_simd)impl))
			continue;
		tested++;
		for (size_t n = 0; n <= MAX; n++) {
			out[n] = 0x5a5a5a5a5a5a5a5aULL; /* guard: nothing written past n */
			cookie_compute_batch_with((enum cookie_simd)impl, &key, saddr, daddr, dport,
						  proto, n, out);
			int bad = 0;
			for (size_t i = 0; i < n; i++)
				bad += out[i] != cookie_compute(&key, saddr, daddr[i], dport[i], proto[i]);
			CHECK(bad == 0);
			CHECK_EQ_U64(out[n], 0x5a5a5a5a5a5a5a5aULL);
			if (bad)
				fprintf(stderr, "  impl %s n %zu: %d lanes differ\n",
					cookie_simd_name((enum cookie_simd)impl), n, bad);
		}
	}
	printf("cookie batch implementations tested: %d (best: %s)\n", tested,
	       cookie_simd_name(cookie_simd_best()));
	cookie_compute_batch(&key, saddr, daddr, dport, proto, MAX, out);
	CHECK_EQ_U64(out[MAX - 1], cookie_compute(&key, saddr, daddr[MAX - 1], dport[MAX - 1],
						  proto[MAX - 1]));
}

static void test_source_port_range(void)
{
	static const struct {
		uint16_t base;
		uint32_t count;
	} ranges[] = {{0, 65536}, {32768, 28232}, {40000, 1}, {61000, 4536}, {1024, 2}, {65535, 1}};
	for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
		uint32_t lo = ranges[r].base, hi = lo + ranges[r].count - 1;
		uint32_t seen_min = 65536, seen_max = 0;
		int out_of_range = 0;
		for (int i = 0; i < 20000; i++) {
			uint16_t p = cookie_source_port(rng_next(), ranges[r].base, ranges[r].count);
			out_of_range += p < lo || p > hi;
			seen_min = p < seen_min ? p : seen_min;
			seen_max = p > seen_max ? p : seen_max;
		}
		CHECK(out_of_range == 0);
		/* The extremes are reachable: bits 32..47 all zero / all one. */
		CHECK_EQ_U64(cookie_source_port(0, ranges[r].base, ranges[r].count), lo);
		CHECK_EQ_U64(cookie_source_port(0xffffULL << 32, ranges[r].base, ranges[r].count), hi);
		CHECK(seen_min <= seen_max);
	}
	/* The helpers take the documented bits and nothing else. */
	uint64_t c = 0x0123456789abcdefULL;
	CHECK_EQ_U64(cookie_tcp_seq(c), 0x89abcdefu);
	CHECK_EQ_U64(cookie_icmp_id(c), 0xcdefu);
	CHECK_EQ_U64(cookie_icmp_seq(c), 0x89abu);
	CHECK_EQ_U64(cookie_proto_id16(c), 0x0123u);
	CHECK_EQ_U64(cookie_proto_id31(c), c >> 33);
	CHECK(cookie_proto_id31(~0ULL) < (1u << 31));
}

static void test_key_random(void)
{
	struct cookie_key a, b;
	CHECK(cookie_key_random(&a) == 0);
	CHECK(cookie_key_random(&b) == 0);
	CHECK(a.sip.k0 != b.sip.k0 || a.sip.k1 != b.sip.k1);
	CHECK(a.sip.k0 != 0 || a.sip.k1 != 0);
}

int main(void)
{
	test_reference_vectors();
	test_specialised_equals_generic();
	test_batches_equal_scalar();
	test_source_port_range();
	test_key_random();
	return check_done("cookie");
}
