/* Probe cookies: SipHash-2-4 specialised for the fixed 11-byte input of core/cookie.h.
 *
 * The 11 bytes saddr|daddr|dport|proto make exactly one full 8-byte block and one final
 * block holding the last 3 bytes plus the length (11) in its top byte, so the hash is
 * always: initial state, two compressions of two SipRounds, finalisation of four. Doing
 * just that, with the message words assembled from registers instead of a byte buffer,
 * is what makes a cookie cost ~120 scalar instructions instead of a generic call's ~250.
 * The SIMD versions run the same rounds in 4 (AVX2) or 8 (AVX-512) 64-bit lanes. */
#include "core/base/cookie.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define COOKIE_HAVE_X86 1
#endif

#define SIP_C0 0x736f6d6570736575ULL
#define SIP_C1 0x646f72616e646f6dULL
#define SIP_C2 0x6c7967656e657261ULL
#define SIP_C3 0x7465646279746573ULL
#define COOKIE_INPUT_LEN 11ULL

int cookie_key_random(struct cookie_key *key)
{
	uint8_t bytes[16];
	size_t got = 0;
	while (got < sizeof bytes) {
		ssize_t r = getrandom(bytes + got, sizeof bytes - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	key->sip = siphash_key_from_bytes(bytes);
	memset(bytes, 0, sizeof bytes);
	return 0;
}

/* The two message words, read little-endian from the 11-byte string as SipHash does. */
static inline uint64_t cookie_word0(uint32_t saddr, uint32_t daddr)
{
	return (uint64_t)__builtin_bswap32(saddr) | ((uint64_t)__builtin_bswap32(daddr) << 32);
}

static inline uint64_t cookie_word1(uint16_t dport, uint8_t proto)
{
	return (uint64_t)__builtin_bswap16(dport) | ((uint64_t)proto << 16) |
	       (COOKIE_INPUT_LEN << 56);
}

static inline uint64_t sip11(const struct siphash_key *k, uint64_t m0, uint64_t m1)
{
	uint64_t v0 = k->k0 ^ SIP_C0, v1 = k->k1 ^ SIP_C1;
	uint64_t v2 = k->k0 ^ SIP_C2, v3 = k->k1 ^ SIP_C3;
	v3 ^= m0;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= m0;
	v3 ^= m1;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= m1;
	v2 ^= 0xff;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t cookie_compute(const struct cookie_key *key, uint32_t saddr, uint32_t daddr,
			uint16_t dport, uint8_t proto)
{
	return sip11(&key->sip, cookie_word0(saddr, daddr), cookie_word1(dport, proto));
}

static void batch_scalar(const struct cookie_key *key, uint32_t saddr, const uint32_t *daddr,
			 const uint16_t *dport, const uint8_t *proto, size_t n, uint64_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = sip11(&key->sip, cookie_word0(saddr, daddr[i]),
			       cookie_word1(dport[i], proto[i]));
}

#ifdef COOKIE_HAVE_X86

/* ---- AVX2: 4 lanes. Rotations by 32 and 16 are byte shuffles; the others shift+or. */

#define AVX2_ROTL(x, b) _mm256_or_si256(_mm256_slli_epi64(x, b), _mm256_srli_epi64(x, 64 - (b)))
#define AVX2_ROTL32(x) _mm256_shuffle_epi32(x, 0xb1)

#define AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16)                                              \
	do {                                                                              \
		v0 = _mm256_add_epi64(v0, v1); v1 = AVX2_ROTL(v1, 13);                    \
		v1 = _mm256_xor_si256(v1, v0); v0 = AVX2_ROTL32(v0);                      \
		v2 = _mm256_add_epi64(v2, v3); v3 = _mm256_shuffle_epi8(v3, rot16);       \
		v3 = _mm256_xor_si256(v3, v2);                                            \
		v0 = _mm256_add_epi64(v0, v3); v3 = AVX2_ROTL(v3, 21);                    \
		v3 = _mm256_xor_si256(v3, v0);                                            \
		v2 = _mm256_add_epi64(v2, v1); v1 = AVX2_ROTL(v1, 17);                    \
		v1 = _mm256_xor_si256(v1, v2); v2 = AVX2_ROTL32(v2);                      \
	} while (0)

__attribute__((target("avx2"))) static void
batch_avx2(const struct cookie_key *key, uint32_t saddr, const uint32_t *daddr,
	   const uint16_t *dport, const uint8_t *proto, size_t n, uint64_t *out)
{
	/* Byte permutations: rotate each 64-bit lane left by 16 bits; byte-swap 32/16-bit
	 * elements of the 128-bit input loads. */
	const __m256i rot16 = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12,
					       13, 6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11,
					       12, 13);
	const __m128i bswap32 = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
	const __m128i bswap16 = _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
	const __m256i saddr_word = _mm256_set1_epi64x((long long)__builtin_bswap32(saddr));
	const __m256i len_word = _mm256_set1_epi64x((long long)(COOKIE_INPUT_LEN << 56));
	const __m256i init0 = _mm256_set1_epi64x((long long)(key->sip.k0 ^ SIP_C0));
	const __m256i init1 = _mm256_set1_epi64x((long long)(key->sip.k1 ^ SIP_C1));
	const __m256i init2 = _mm256_set1_epi64x((long long)(key->sip.k0 ^ SIP_C2));
	const __m256i init3 = _mm256_set1_epi64x((long long)(key->sip.k1 ^ SIP_C3));
	const __m256i ff = _mm256_set1_epi64x(0xff);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m128i d = _mm_shuffle_epi8(_mm_loadu_si128((const void *)(daddr + i)), bswap32);
		__m128i p = _mm_shuffle_epi8(_mm_loadl_epi64((const void *)(dport + i)), bswap16);
		uint32_t proto4;
		memcpy(&proto4, proto + i, 4);
		__m256i m0 = _mm256_or_si256(_mm256_slli_epi64(_mm256_cvtepu32_epi64(d), 32),
					     saddr_word);
		__m256i m1 = _mm256_or_si256(
			_mm256_cvtepu16_epi64(p),
			_mm256_slli_epi64(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128((int)proto4)), 16));
		m1 = _mm256_or_si256(m1, len_word);
		__m256i v0 = init0, v1 = init1, v2 = init2, v3 = _mm256_xor_si256(init3, m0);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		v0 = _mm256_xor_si256(v0, m0);
		v3 = _mm256_xor_si256(v3, m1);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		v0 = _mm256_xor_si256(v0, m1);
		v2 = _mm256_xor_si256(v2, ff);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		AVX2_SIPHASH_ROUND(v0, v1, v2, v3, rot16);
		__m256i h = _mm256_xor_si256(_mm256_xor_si256(v0, v1), _mm256_xor_si256(v2, v3));
		_mm256_storeu_si256((void *)(out + i), h);
	}
	batch_scalar(key, saddr, daddr + i, dport + i, proto + i, n - i, out + i);
}

/* ---- AVX-512: 8 lanes, every rotation one vprolq. */

#define AVX512_SIPHASH_ROUND(v0, v1, v2, v3)                                                   \
	do {                                                                              \
		v0 = _mm512_add_epi64(v0, v1); v1 = _mm512_rol_epi64(v1, 13);             \
		v1 = _mm512_xor_si512(v1, v0); v0 = _mm512_rol_epi64(v0, 32);             \
		v2 = _mm512_add_epi64(v2, v3); v3 = _mm512_rol_epi64(v3, 16);             \
		v3 = _mm512_xor_si512(v3, v2);                                            \
		v0 = _mm512_add_epi64(v0, v3); v3 = _mm512_rol_epi64(v3, 21);             \
		v3 = _mm512_xor_si512(v3, v0);                                            \
		v2 = _mm512_add_epi64(v2, v1); v1 = _mm512_rol_epi64(v1, 17);             \
		v1 = _mm512_xor_si512(v1, v2); v2 = _mm512_rol_epi64(v2, 32);             \
	} while (0)

__attribute__((target("avx512f,avx2"))) static void
batch_avx512(const struct cookie_key *key, uint32_t saddr, const uint32_t *daddr,
	     const uint16_t *dport, const uint8_t *proto, size_t n, uint64_t *out)
{
	const __m256i bswap32 = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14,
						 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15,
						 14, 13, 12);
	const __m128i bswap16 = _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
	const __m512i saddr_word = _mm512_set1_epi64((long long)__builtin_bswap32(saddr));
	const __m512i len_word = _mm512_set1_epi64((long long)(COOKIE_INPUT_LEN << 56));
	const __m512i init0 = _mm512_set1_epi64((long long)(key->sip.k0 ^ SIP_C0));
	const __m512i init1 = _mm512_set1_epi64((long long)(key->sip.k1 ^ SIP_C1));
	const __m512i init2 = _mm512_set1_epi64((long long)(key->sip.k0 ^ SIP_C2));
	const __m512i init3 = _mm512_set1_epi64((long long)(key->sip.k1 ^ SIP_C3));
	const __m512i ff = _mm512_set1_epi64(0xff);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256i d = _mm256_shuffle_epi8(_mm256_loadu_si256((const void *)(daddr + i)),
						bswap32);
		__m128i p = _mm_shuffle_epi8(_mm_loadu_si128((const void *)(dport + i)), bswap16);
		__m512i m0 = _mm512_or_si512(_mm512_slli_epi64(_mm512_cvtepu32_epi64(d), 32),
					     saddr_word);
		__m512i pr = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const void *)(proto + i)));
		__m512i m1 = _mm512_or_si512(_mm512_cvtepu16_epi64(p), _mm512_slli_epi64(pr, 16));
		m1 = _mm512_or_si512(m1, len_word);
		__m512i v0 = init0, v1 = init1, v2 = init2, v3 = _mm512_xor_si512(init3, m0);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		v0 = _mm512_xor_si512(v0, m0);
		v3 = _mm512_xor_si512(v3, m1);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		v0 = _mm512_xor_si512(v0, m1);
		v2 = _mm512_xor_si512(v2, ff);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		AVX512_SIPHASH_ROUND(v0, v1, v2, v3);
		/* v0^v1^v2^v3 in one three-input logic op (0x96 = a xor b xor c). */
		__m512i h = _mm512_ternarylogic_epi64(v0, v1, v2, 0x96);
		_mm512_storeu_si512((void *)(out + i), _mm512_xor_si512(h, v3));
	}
	batch_avx2(key, saddr, daddr + i, dport + i, proto + i, n - i, out + i);
}

#endif /* COOKIE_HAVE_X86 */

int cookie_simd_available(enum cookie_simd impl)
{
	switch (impl) {
	case COOKIE_SIMD_SCALAR:
		return 1;
#ifdef COOKIE_HAVE_X86
	case COOKIE_SIMD_AVX2:
		return __builtin_cpu_supports("avx2");
	case COOKIE_SIMD_AVX512:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2");
#else
	default:
		return 0;
#endif
	}
	return 0;
}

enum cookie_simd cookie_simd_best(void)
{
	if (cookie_simd_available(COOKIE_SIMD_AVX512))
		return COOKIE_SIMD_AVX512;
	if (cookie_simd_available(COOKIE_SIMD_AVX2))
		return COOKIE_SIMD_AVX2;
	return COOKIE_SIMD_SCALAR;
}

const char *cookie_simd_name(enum cookie_simd impl)
{
	switch (impl) {
	case COOKIE_SIMD_SCALAR:
		return "scalar";
	case COOKIE_SIMD_AVX2:
		return "avx2";
	case COOKIE_SIMD_AVX512:
		return "avx512";
	}
	return "?";
}

void cookie_compute_batch_with(enum cookie_simd impl, const struct cookie_key *key,
			       uint32_t saddr, const uint32_t *daddr, const uint16_t *dport,
			       const uint8_t *proto, size_t n, uint64_t *out)
{
#ifdef COOKIE_HAVE_X86
	if (impl == COOKIE_SIMD_AVX512 && cookie_simd_available(COOKIE_SIMD_AVX512)) {
		batch_avx512(key, saddr, daddr, dport, proto, n, out);
		return;
	}
	if (impl >= COOKIE_SIMD_AVX2 && cookie_simd_available(COOKIE_SIMD_AVX2)) {
		batch_avx2(key, saddr, daddr, dport, proto, n, out);
		return;
	}
#else
	(void)impl;
#endif
	batch_scalar(key, saddr, daddr, dport, proto, n, out);
}

void cookie_compute_batch(const struct cookie_key *key, uint32_t saddr, const uint32_t *daddr,
			  const uint16_t *dport, const uint8_t *proto, size_t n, uint64_t *out)
{
	cookie_compute_batch_with(cookie_simd_best(), key, saddr, daddr, dport, proto, n, out);
}
