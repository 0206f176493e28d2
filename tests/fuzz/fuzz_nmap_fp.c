/* libFuzzer target for core/osfp/nmap_fingerprint: the input is the answers to nmap's 16
 * -O probes (built by nmap_os_probe_build with fixed fields). Layout: byte 0 the known
 * distance (0-3; 0: from U1), then per probe in order a control byte (bit 0: a reply
 * came; bit 1: make its first bytes a sane IPv4 header of the probe's protocol and
 * length, so the fuzzer reaches the layers inside), a send-time step in ms, a length
 * byte pair (big-endian, at most 1500) and that many reply bytes; missing bytes end the
 * answers. Each reply also goes through nmap_os_pair_reply (a probe index or -1).
 * Checks: a text always comes back, it is 13 lines "NAME(...)" in nmap's order,
 * and nmap_fp_parse_subject() reads it back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/packet.h"
#include "core/osfp/nmap_fingerprint.h"
#include "core/osfp/nmap_os_db.h"

#define MAX_REPLY 1500

static const char *const order[] = {"SEQ(", "OPS(", "WIN(", "ECN(", "T1(", "T2(", "T3(",
				    "T4(",  "T5(",  "T6(",  "T7(",  "U1(", "IE("};

static void check_text(const char *fp)
{
	if (!fp)
		abort();
	const char *p = fp;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *nl = strchr(p, '\n');
		if (strncmp(p, order[i], strlen(order[i])) != 0 || !nl || nl[-1] != ')')
			abort();
		p = nl + 1;
	}
	if (*p)
		abort();
	struct nmap_fp *s = nmap_fp_parse_subject(fp, strlen(fp));
	if (!s)
		abort();
	nmap_fp_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint8_t probes[NMAP_PROBE_COUNT][512], replies[NMAP_PROBE_COUNT][MAX_REPLY];
	struct nmap_os_answers a;
	memset(&a, 0, sizeof a);
	size_t at = 0;
	a.hops = n ? d[at++] & 3 : 0;
	uint64_t t = 1000000000ull;
	for (int k = 0; k < NMAP_PROBE_COUNT; k++) {
		struct nmap_os_probe_fields f = {0xc6120002, 0xc612010a, (uint16_t)(40000 + k),
			k <= NMAP_PROBE_T4 ? 22 : 1, 0x11223344u + (uint32_t)k, 0x55667788, (uint16_t)k,
			0x4242, 64};
		struct nmap_os_exchange *x = &a.x[k];
		x->probe = probes[k];
		x->probe_len = nmap_os_probe_build((enum nmap_os_probe)k, &f, probes[k], sizeof probes[k]);
		if (at + 4 > n)
			continue;
		uint8_t ctl = d[at], step = d[at + 1];
		size_t len = (size_t)(d[at + 2] << 8 | d[at + 3]) % (MAX_REPLY + 1);
		at += 4;
		if (len > n - at)
			len = n - at;
		t += (uint64_t)step * 1000000u;
		x->sent_ns = t;
		memcpy(replies[k], d + at, len);
		at += len;
		if (!(ctl & 1))
			continue;
		if ((ctl & 2) && len >= PKT_IPV4_HLEN) {
			replies[k][0] = PKT_IPV4_VERSION_IHL5;
			pkt_put_be16(replies[k] + 2, (uint16_t)len);
			replies[k][9] = (uint8_t)nmap_os_probe_protocol((enum nmap_os_probe)k);
		}
		x->reply = replies[k];
		x->reply_len = len;
		struct nmap_os_pairing pk = {0xc612010a, 40000, 22, 1, 1, 0x4242};
		int paired = nmap_os_pair_reply(&pk, replies[k], len);
		if (paired < -1 || paired >= NMAP_PROBE_COUNT)
			abort();
		x->reply_ns = t + 1000;
	}
	char *fp = nmap_os_fingerprint_text(&a);
	check_text(fp);
	(void)nmap_os_distance(&a);
	free(fp);
	return 0;
}
