/* Keyed probe cookies: what makes a stateless scanner's replies verifiable.
 * Contract: a random 128-bit key per scan (cookie_key_random, from getrandom; never the
 * walk seed). cookie_compute() is SipHash-2-4 under that key over the 11-byte string
 *   saddr(4, network order) || daddr(4, network order) || dport(2, network order) || proto(1)
 * where saddr is our address, daddr/dport the target's, proto the probe's IP protocol.
 * The source port is NOT an input: it is one of the outputs, so a reply's destination
 * port can be checked against the cookie recomputed from the reply's addresses.
 * The helpers below say how the 64 bits are spent; probe builders and the reply
 * classifier use only these, so both sides always agree. Host byte order everywhere. */
#ifndef ORBIT_CORE_COOKIE_H
#define ORBIT_CORE_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/siphash.h"

struct cookie_key {
	struct siphash_key sip;
};

/* Fills key from getrandom(2). Returns 0, or -1 with errno set. */
int cookie_key_random(struct cookie_key *key);

uint64_t cookie_compute(const struct cookie_key *key, uint32_t saddr, uint32_t daddr,
			uint16_t dport, uint8_t proto);

/* out[i] = cookie_compute(key, saddr, daddr[i], dport[i], proto[i]) for i < n, computed
 * several lanes at a time with the widest SIMD this CPU has (chosen per call from
 * __builtin_cpu_supports, so no global state); meant for tx bursts of 32..64. */
void cookie_compute_batch(const struct cookie_key *key, uint32_t saddr, const uint32_t *daddr,
			  const uint16_t *dport, const uint8_t *proto, size_t n, uint64_t *out);

/* The implementations behind cookie_compute_batch, for tests and benchmarks: every one
 * gives identical results; cookie_simd_available() says which this CPU can run. */
enum cookie_simd {
	COOKIE_SIMD_SCALAR,
	COOKIE_SIMD_AVX2,   /* 4 lanes of 64 bits */
	COOKIE_SIMD_AVX512, /* 8 lanes of 64 bits */
};
int cookie_simd_available(enum cookie_simd impl);
enum cookie_simd cookie_simd_best(void);
const char *cookie_simd_name(enum cookie_simd impl);
void cookie_compute_batch_with(enum cookie_simd impl, const struct cookie_key *key,
			       uint32_t saddr, const uint32_t *daddr, const uint16_t *dport,
			       const uint8_t *proto, size_t n, uint64_t *out);

/* Bits 0..31: TCP sequence number of a SYN probe (a SYN-ACK or RST acks seq+1), or the
 * acknowledgment number of an ACK probe (its RST carries it back as seq). */
static inline uint32_t cookie_tcp_seq(uint64_t c)
{
	return (uint32_t)c;
}

/* Bits 32..47: the source port, spread over [base, base + count) by a multiply, not a
 * division (count in 1..65536, base + count - 1 <= 65535). */
static inline uint16_t cookie_source_port(uint64_t c, uint16_t base, uint32_t count)
{
	return (uint16_t)(base + (uint32_t)((((c >> 32) & 0xffff) * (uint64_t)count) >> 16));
}

/* ICMP echo: identifier = bits 0..15, sequence = bits 16..31. */
static inline uint16_t cookie_icmp_id(uint64_t c)
{
	return (uint16_t)c;
}
static inline uint16_t cookie_icmp_seq(uint64_t c)
{
	return (uint16_t)(c >> 16);
}

/* Bits 48..63: a 16-bit protocol id inside UDP payloads (DNS id, NTP/other tokens);
 * bits 33..63 (31 bits) where the protocol has a 32-bit signed id (SNMP request-id). */
static inline uint16_t cookie_proto_id16(uint64_t c)
{
	return (uint16_t)(c >> 48);
}
static inline uint32_t cookie_proto_id31(uint64_t c)
{
	return (uint32_t)(c >> 33);
}

#endif
