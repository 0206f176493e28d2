/* Internet checksum (RFC 1071, RFC 1624): the one checksum family of the program.
 * Contract: the fast core keeps sums in MEMORY ORDER -- words are loaded as they lie in
 * the buffer (native little-endian loads of big-endian fields). The one's-complement sum
 * is byte-order independent (RFC 1071 2.B), so a memory-order sum, folded and
 * complemented, is the checksum field exactly as it lies in memory (store it without a
 * swap), and a header that includes its checksum field sums to 0xffff in either order
 * (validate it without a swap).
 *   csum_sum()        64-bit accumulation, 8 bytes per add + adc: the reply path.
 *   csum_valid()      whether such a sum of a header with its checksum field is right.
 *   csum_fold16()     a 64-bit sum folded to 16 bits (memory order, not complemented).
 *   csum_add32() / csum_finish32()  32-bit accumulation of precomputed template sums and
 *                     a few swapped words: the per-probe build path.
 * Host-order forms on the same core, for templates and tests: csum_partial() adds a
 * buffer's big-endian 16-bit words to an unfolded 32-bit sum (odd last byte padded with
 * zero); csum_fold() folds and complements that to the field value in host order (store
 * with htons); csum_update16/32 adjust a field for one changed word (RFC 1624 eqn. 3);
 * csum_memory_order() turns an unfolded big-endian sum into a memory-order one.
 * enum csum_rx: what the receiving NIC or kernel said of one frame's L4 checksum, passed
 * from nic_buf to the reply classifier; csum_pseudo_only() recognises the field a
 * CHECKSUM_PARTIAL sender leaves for its device to finish. */
#ifndef ORBIT_CORE_CHECKSUM_H
#define ORBIT_CORE_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* acc + v with end-around carry (2^64 is 1 modulo 0xffff). */
static inline uint64_t csum_add64(uint64_t acc, uint64_t v)
{
	acc += v;
	return acc + (acc < v);
}

static inline uint64_t csum_sum(const void *buf, size_t len, uint64_t acc)
{
	const uint8_t *p = buf;
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		acc = csum_add64(acc, v);
	}
	if (len >= 4) {
		uint32_t a;
		memcpy(&a, p, 4);
		acc = csum_add64(acc, a);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t a;
		memcpy(&a, p, 2);
		acc = csum_add64(acc, a);
		p += 2;
		len -= 2;
	}
	if (len) {
		const uint8_t last[2] = {p[0], 0};
		uint16_t a;
		memcpy(&a, last, 2);
		acc = csum_add64(acc, a);
	}
	return acc;
}

/* Folds with end-around carries (2^32 and 2^16 are 1 modulo 0xffff). */
static inline uint16_t csum_fold16(uint64_t acc)
{
	uint32_t hi32 = (uint32_t)(acc >> 32), s32 = (uint32_t)acc + hi32;
	s32 += s32 < hi32;
	uint16_t hi16 = (uint16_t)(s32 >> 16), s16 = (uint16_t)((uint16_t)s32 + hi16);
	return (uint16_t)(s16 + (s16 < hi16));
}

static inline bool csum_valid(uint64_t acc)
{
	return csum_fold16(acc) == 0xffff;
}

static inline uint32_t csum_add32(uint32_t sum, uint32_t word)
{
	uint32_t r;
	unsigned carry = __builtin_add_overflow(sum, word, &r);
	return r + carry; /* end-around carry */
}

/* Folds a 32-bit memory-order sum to the checksum field's 16 bits, ready to store as is. */
static inline uint16_t csum_finish32(uint32_t sum)
{
	uint16_t r;
	unsigned carry = __builtin_add_overflow((uint16_t)sum, (uint16_t)(sum >> 16), &r);
	return (uint16_t)~(r + carry);
}

static inline uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	return sum + __builtin_bswap16(csum_fold16(csum_sum(buf, len, 0)));
}

static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint32_t csum_memory_order(uint32_t be_sum)
{
	return __builtin_bswap16((uint16_t)~csum_fold(be_sum));
}

/* Per received frame. Ordered so that "trust the device" is one compare (>= VALID). */
enum csum_rx {
	CSUM_RX_UNKNOWN = 0, /* nobody said (pcap, most PMDs): verify in software */
	CSUM_RX_BAD,         /* the NIC said bad: verify in software anyway, and count it */
	CSUM_RX_VALID,       /* the NIC or kernel verified it (TP_STATUS_CSUM_VALID, L4 GOOD) */
	CSUM_RX_PARTIAL,     /* a local sender left it for a device (TP_STATUS_CSUMNOTREADY) */
};

/* Whether a TCP/UDP checksum field (as it lies in memory) holds only the folded,
 * non-complemented pseudo-header sum (memory order, unfolded): what Linux writes with
 * CHECKSUM_PARTIAL before a device, or nobody on a veth, would finish the sum. */
static inline bool csum_pseudo_only(const uint8_t *field, uint64_t pseudo)
{
	uint16_t f;
	memcpy(&f, field, 2);
	return f == csum_fold16(pseudo);
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
