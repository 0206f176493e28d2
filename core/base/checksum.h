/* Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 * Contract: csum_partial() sums 16-bit big-endian words of a buffer into a 32-bit
 * accumulator (odd trailing byte padded with zero); csum_fold() folds and complements
 * to the 16-bit field value, in host order (store with htons). csum_update16/32 adjust
 * an existing field value for one changed 16/32-bit word without touching the rest. */
#ifndef ORBIT_CORE_CHECKSUM_H
#define ORBIT_CORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	for (; len >= 2; len -= 2, p += 2)
		sum += (uint32_t)((p[0] << 8) | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
static inline uint16_t csum_update16(uint16_t check, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum = (uint16_t)~check + (uint32_t)(uint16_t)~old_word + new_word;
	return csum_fold(sum);
}

static inline uint16_t csum_update32(uint16_t check, uint32_t old_val, uint32_t new_val)
{
	uint32_t sum = (uint16_t)~check;
	sum += (uint16_t)~(old_val >> 16) + (uint32_t)(uint16_t)~(old_val & 0xffff);
	sum += (new_val >> 16) + (new_val & 0xffff);
	return csum_fold(sum);
}

#endif
