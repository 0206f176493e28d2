#include "core/base/siphash.h"

#include <string.h>

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

struct siphash_key siphash_key_from_bytes(const uint8_t bytes[16])
{
	struct siphash_key k = {load_le64(bytes), load_le64(bytes + 8)};
	return k;
}

void siphash24_init(struct siphash_state *st, struct siphash_key key)
{
	st->v0 = key.k0 ^ 0x736f6d6570736575ULL;
	st->v1 = key.k1 ^ 0x646f72616e646f6dULL;
	st->v2 = key.k0 ^ 0x6c7967656e657261ULL;
	st->v3 = key.k1 ^ 0x7465646279746573ULL;
	st->tail = 0;
	st->tail_len = 0;
	st->total_len = 0;
}

static void compress_word(struct siphash_state *st, uint64_t m)
{
	st->v3 ^= m;
	SIPHASH_ROUND(st->v0, st->v1, st->v2, st->v3);
	SIPHASH_ROUND(st->v0, st->v1, st->v2, st->v3);
	st->v0 ^= m;
}

void siphash24_update(struct siphash_state *st, const void *data, size_t len)
{
	const uint8_t *p = data;
	st->total_len += len;
	while (len > 0 && st->tail_len > 0) {
		st->tail |= (uint64_t)*p++ << (8 * st->tail_len);
		len--;
		if (++st->tail_len == 8) {
			compress_word(st, st->tail);
			st->tail = 0;
			st->tail_len = 0;
		}
	}
	for (; len >= 8; len -= 8, p += 8)
		compress_word(st, load_le64(p));
	for (; len > 0; len--)
		st->tail |= (uint64_t)*p++ << (8 * st->tail_len++);
}

uint64_t siphash24_final(struct siphash_state *st)
{
	uint64_t b = ((uint64_t)(st->total_len & 0xff) << 56) | st->tail;
	compress_word(st, b);
	st->v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPHASH_ROUND(st->v0, st->v1, st->v2, st->v3);
	return st->v0 ^ st->v1 ^ st->v2 ^ st->v3;
}

uint64_t siphash24(struct siphash_key key, const void *data, size_t len)
{
	struct siphash_state st;
	siphash24_init(&st, key);
	siphash24_update(&st, data, len);
	return siphash24_final(&st);
}
