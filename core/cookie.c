/* Plain cookie_compute() for the receive side until the `probes` branch (which owns this
 * file and cookie_key_random) is merged: the definition of core/cookie.h, byte for byte. */
#include "core/cookie.h"

uint64_t cookie_compute(const struct cookie_key *key, uint32_t saddr, uint32_t daddr,
			uint16_t dport, uint8_t proto)
{
	const uint8_t msg[11] = {
		(uint8_t)(saddr >> 24), (uint8_t)(saddr >> 16), (uint8_t)(saddr >> 8), (uint8_t)saddr,
		(uint8_t)(daddr >> 24), (uint8_t)(daddr >> 16), (uint8_t)(daddr >> 8), (uint8_t)daddr,
		(uint8_t)(dport >> 8),  (uint8_t)dport,         proto,
	};
	return siphash24(key->sip, msg, sizeof msg);
}
