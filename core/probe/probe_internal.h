/* Shared pieces of the probe kinds (the files of core/probe/ only): writing the Ethernet + IPv4
 * part of a template, and the inline per-probe patching of the IPv4 header. */
#ifndef ORBIT_CORE_PROBE_INTERNAL_H
#define ORBIT_CORE_PROBE_INTERNAL_H

#include "core/probe/probe.h"

/* Writes Ethernet (+ 802.1Q) and an IPv4 header with zero id, daddr and checksum, and
 * the given total length (0 when it varies per probe); sets l3_off/l4_off, saddr,
 * source-port range and ip_sum. Returns l4_off. */
size_t probe_template_ipv4(struct probe_template *t, const struct probe_config *cfg,
			   uint8_t proto, uint16_t total_len);

/* The IP id carries cookie bits too: random-looking per probe and free to compute. */
static inline uint16_t probe_ip_id(uint64_t cookie)
{
	return (uint16_t)(cookie >> 48);
}

/* Copies the fixed-size header block: a handful of vector moves. */
static inline void probe_copy_template(const struct probe_template *t, uint8_t *frame)
{
	memcpy(frame, t->frame, PROBE_COPY_LEN);
}

/* One's-complement sum of a 32-bit value's two 16-bit halves. */
static inline uint32_t probe_sum32(uint32_t v)
{
	return (v >> 16) + (v & 0xffff);
}

/* Fills id, daddr and the header checksum: template sum (those fields zero) plus the
 * new values. extra: more words that vary per probe (UDP's total length), else 0. */
static inline void probe_patch_ipv4(const struct probe_template *t, uint8_t *ip, uint32_t daddr,
				    uint16_t id, uint32_t extra)
{
	struct pkt_ipv4 *h = (struct pkt_ipv4 *)ip;
	h->id = __builtin_bswap16(id);
	h->daddr = __builtin_bswap32(daddr);
	h->check = __builtin_bswap16(csum_fold(t->ip_sum + probe_sum32(daddr) + id + extra));
}

/* Defines kind_build_burst() as a loop over the kind's inline single-probe builder, so
 * bursts pay no indirect call per probe. */
#define PROBE_DEFINE_BURST(burst_fn, build_fn)                                            \
	static void burst_fn(const struct probe_template *t, uint8_t *const *frames,       \
			     uint16_t *lens, const uint32_t *daddr, const uint16_t *dport,  \
			     const uint64_t *cookies, size_t n, uint64_t now_ns)             \
	{                                                                                 \
		for (size_t i = 0; i < n; i++)                                            \
			lens[i] = (uint16_t)build_fn(t, frames[i], daddr[i], dport[i],      \
						     cookies[i], now_ns);                   \
	}

#endif
