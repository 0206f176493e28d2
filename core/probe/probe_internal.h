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

/* The IP id carries cookie bits 48..63 too: random-looking per probe and free to
 * compute. In memory order (byte-swapped), ready to store and sum. */
static inline uint16_t probe_ip_id_mo(uint64_t cookie)
{
	return __builtin_bswap16((uint16_t)(cookie >> 48));
}

/* Copies the fixed-size header block: a handful of vector moves. */
static inline void probe_copy_template(const struct probe_template *t, uint8_t *frame)
{
	memcpy(frame, t->frame, PROBE_COPY_LEN);
}

/* Checksums on the hot path are summed in memory order (core/base/checksum.h): values
 * already swapped for storing are added as they are (csum_add32: add + adc), and the
 * result is stored without swapping back. Template sums (ip_sum, l4_sum) are kept in
 * this order too. */
static inline void probe_store16(uint8_t *p, uint16_t memory_order_value)
{
	memcpy(p, &memory_order_value, 2);
}
static inline void probe_store32(uint8_t *p, uint32_t memory_order_value)
{
	memcpy(p, &memory_order_value, 4);
}

/* Fills id, daddr and the header checksum: template sum (those fields zero) plus the
 * new values. id_mo/daddr_mo: the values in memory order (byte-swapped); extra_mo: more
 * varying words (UDP's total length), else 0. */
static inline void probe_patch_ipv4(const struct probe_template *t, uint8_t *ip,
				    uint32_t daddr_mo, uint16_t id_mo, uint32_t extra_mo)
{
	probe_store16(ip + 4, id_mo);
	probe_store32(ip + 16, daddr_mo);
	uint32_t sum = csum_add32(csum_add32(t->ip_sum, daddr_mo), id_mo + extra_mo);
	probe_store16(ip + 10, csum_finish32(sum));
}

/* The source-port + destination-port word as it lies in memory. */
static inline uint32_t probe_ports_mo(uint16_t sport, uint16_t dport)
{
	return __builtin_bswap32((uint32_t)sport << 16 | dport);
}

/* Where the variable fields of a frame lie. Builders take it by value so that a
 * burst can pass the kind's usual layout as constants (untagged Ethernet, the default
 * options): offsets become immediates and fewer values compete for registers. */
struct probe_layout {
	uint16_t l3_off, l4_off, tsval_off, header_len;
};

static inline struct probe_layout probe_layout_of(const struct probe_template *t)
{
	struct probe_layout l = {t->l3_off, t->l4_off, t->tsval_off, t->header_len};
	return l;
}

#define PROBE_ALWAYS_INLINE inline __attribute__((always_inline))

/* Defines kind_build_burst() as a loop over the kind's inline single-probe builder
 * build_fn(t, layout, frame, daddr, dport, cookie, now_ns), so bursts pay no indirect
 * call per probe, with a copy of the loop specialised for the kind's usual layout.
 * The template is copied to the stack first: frames are byte buffers that may alias
 * anything, so without the copy every store into a frame would force the template's
 * fields to be reloaded. */
#define PROBE_DEFINE_BURST(burst_fn, build_fn, usual_layout)                              \
	static PROBE_ALWAYS_INLINE void burst_fn##_loop(                                   \
		const struct probe_template *t, struct probe_layout lay,                  \
		uint8_t *const *frames, uint16_t *lens, const uint32_t *daddr,            \
		const uint16_t *dport, const uint64_t *cookies, size_t n, uint64_t now_ns)  \
	{                                                                                 \
		for (size_t i = 0; i < n; i++)                                            \
			lens[i] = (uint16_t)build_fn(t, lay, frames[i], daddr[i], dport[i], \
						     cookies[i], now_ns);                   \
	}                                                                                 \
	static void burst_fn(const struct probe_template *t, uint8_t *const *frames,       \
			     uint16_t *lens, const uint32_t *daddr, const uint16_t *dport,  \
			     const uint64_t *cookies, size_t n, uint64_t now_ns)             \
	{                                                                                 \
		const struct probe_template local = *t;                                   \
		const struct probe_layout usual = usual_layout;                           \
		struct probe_layout lay = probe_layout_of(&local);                        \
		if (memcmp(&lay, &usual, sizeof lay) == 0)                                \
			burst_fn##_loop(&local, usual, frames, lens, daddr, dport, cookies, n, \
					now_ns);                                          \
		else                                                                      \
			burst_fn##_loop(&local, lay, frames, lens, daddr, dport, cookies, n,   \
					now_ns);                                          \
	}

#endif
