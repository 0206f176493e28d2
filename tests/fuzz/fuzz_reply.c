/* libFuzzer target: any bytes through reply_classify and dedupe must neither crash nor
 * read outside the frame, and the classifier's accounting must hold: one frame counted,
 * exactly one drop cause when there is no result, a well-formed result otherwise.
 * Input: byte 0 selects the classifier context (bit 0 ACK probes, bit 1 raw IP link,
 * bit 2 NIC-verified checksums, bit 3 a UDP payload check, bit 4 an over-long address
 * list); the rest is the frame. Seeds are crafted under the same fixed key, so mutations
 * of a valid reply get past the cookie and reach option and quoted-header parsing. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan/dedupe.h"
#include "core/probe/reply.h"

#define US 0xc6120001u /* 198.18.0.1 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool odd_payload_rejected(const struct udp_payload_table *t, uint16_t port,
				 const uint8_t *payload, size_t len, uint64_t cookie)
{
	(void)t;
	unsigned sum = port + (unsigned)cookie;
	for (size_t i = 0; i < len; i++) /* touches every byte it was promised */
		sum += payload[i];
	return (sum & 1) == 0;
}

static void require(bool cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	uint8_t key_bytes[16];
	for (int i = 0; i < 16; i++)
		key_bytes[i] = (uint8_t)i;
	struct cookie_key key = {siphash_key_from_bytes(key_bytes)};
	struct classify_ctx ctx = {
		.key = &key,
		.our_addrs = {US},
		.n_our_addrs = (mode & 16) ? REPLY_MAX_OUR_ADDRS + 5 : 1,
		.sport_base = 32768,
		.sport_count = 28232,
		.tcp_probe = (mode & 1) ? TCP_PROBE_ACK : TCP_PROBE_SYN,
		.link = (mode & 2) ? REPLY_LINK_RAW_IPV4 : REPLY_LINK_ETHERNET,
		.udp_check = (mode & 8) ? odd_payload_rejected : NULL,
		.accept_arp = (mode & 32) != 0, /* the sweep's context: ARP replies too */
		.our_mac = {0x02, 0x00, 0xc6, 0x12, 0x05, 0x02},
	};
	/* bits 2 and 5: every L4 checksum status a NIC can report */
	enum csum_rx l4_csum = (enum csum_rx)(((mode >> 2) & 1) | ((mode >> 4) & 2));
	struct rx_counters cnt = {0};
	struct scan_result r;
	int got = reply_classify(&ctx, data + 1, size - 1, l4_csum, 1700000000000000000ull, &r, &cnt);

	uint64_t drops = 0;
	for (int i = 0; i < RX_DROP_COUNT; i++)
		drops += cnt.drops[i];
	require(cnt.frames == 1);
	require(got == 0 || got == 1);
	require(cnt.results == (uint64_t)got && drops == (uint64_t)(1 - got));
	if (!got)
		return 0;
	if (r.proto == RESULT_PROTO_ARP) { /* an ARP reply to us: a host up with its MAC */
		require(ctx.accept_arp && r.state == HOST_UP && r.reason == REASON_ARP_RESPONSE);
		require(r.has_mac && !(r.mac[0] & 1) && r.port == 0 && r.rtt_ns == -1);
		return 0;
	}
	require(r.state >= PORT_OPEN && r.state <= HOST_UP);
	require(strcmp(port_state_name(r.state), "unknown") != 0);
	require(r.reason > REASON_NONE && r.reason < REASON_NO_RESPONSE);
	require(r.proto == IPPROTO_TCP || r.proto == IPPROTO_UDP || r.proto == IPPROTO_ICMP);
	require(r.state != HOST_UP || (r.proto == IPPROTO_ICMP && r.port == 0));
	require(r.rtt_ns >= -1);
	require(r.reply_len >= 20 && r.reply_len <= size - 1);

	struct dedupe d;
	dedupe_init(&d);
	require(dedupe_insert(&d, r.addr, r.proto, r.port) == 1);
	require(dedupe_insert(&d, r.addr, r.proto, r.port) == 0);
	require(d.unique == 1 && d.duplicates == 1);
	dedupe_free(&d);
	return 0;
}
