/* The reply classifier against a table of crafted frames with known answers: each case is a
 * reply built under a fixed key, possibly spoiled by a tweak, and the state + reason it must
 * yield or the one drop counter that must move. Then every valid frame truncated at every
 * length, field-by-field checks of a SYN-ACK, an ICMP error and an echo reply, and
 * duplicates through dedupe. */
#include <netinet/in.h>
#include <stdlib.h>

#include "core/scan/dedupe.h"
#include "core/probe/reply.h"
#include "tests/support/craft.h"
#include "tests/unit/check.h"

#define SPORT_BASE 32768
#define SPORT_COUNT 28232
#define RX_NS 1700000000123456789ull
#define DNS_PORT 53

static struct cookie_key test_key;
static struct craft_scan scan;

/* A stand-in for the probe side's UDP payload check: DNS replies must echo the id. */
static bool check_dns_id(const struct udp_payload_table *t, uint16_t port, const uint8_t *p,
			 size_t len, uint64_t cookie)
{
	(void)t;
	if (port != DNS_PORT)
		return true;
	return len >= 2 && ((p[0] << 8) | p[1]) == cookie_proto_id16(cookie);
}

static struct classify_ctx make_ctx(enum tcp_probe_kind kind)
{
	struct classify_ctx ctx = {
		.key = &test_key,
		.our_addrs = {0xc6120099u, CRAFT_US}, /* two addresses: the second is used */
		.n_our_addrs = 2,
		.sport_base = SPORT_BASE,
		.sport_count = SPORT_COUNT,
		.tcp_probe = kind,
		.udp_check = check_dns_id,
	};
	return ctx;
}

/* ---- builders: the valid reply each case starts from ---- */
enum build {
	SYN_ACK, RST_ACK, BARE_RST, ACK_ONLY, SYN_RST, RST_TO_ACK, UDP_REPLY, DNS_REPLY,
	ECHO_REPLY, ECHO_REQUEST, ICMP_ERR_TCP, ICMP_ERR_TCP_ACK, ICMP_ERR_TCP_ACK_FULL,
	ICMP_ERR_UDP, ICMP_ERR_ECHO, OTHER_PROTO,
};

struct reply_case {
	const char *name;
	enum build build;
	uint8_t icmp_type, icmp_code;
	void (*tweak)(struct craft *c);
	enum tcp_probe_kind probe;
	bool expect_result;
	enum port_state state;
	enum result_reason reason;
	enum rx_drop drop;
};

#define TARGET CRAFT_TARGET(0x0102) /* 198.19.1.2 */
#define TPORT 443

static void build(struct craft *c, const struct reply_case *rc)
{
	static const uint8_t junk[4] = {1, 2, 3, 4};
	uint8_t dns[12] = {0};
	uint64_t udp_cookie = cookie_compute(&test_key, CRAFT_US, TARGET, DNS_PORT, IPPROTO_UDP);
	dns[0] = (uint8_t)(cookie_proto_id16(udp_cookie) >> 8);
	dns[1] = (uint8_t)cookie_proto_id16(udp_cookie);
	uint8_t t = rc->icmp_type ? rc->icmp_type : 3;
	switch (rc->build) {
	case SYN_ACK: craft_tcp_reply(c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK); break;
	case RST_ACK: craft_tcp_reply(c, &scan, TARGET, TPORT, CRAFT_RST | CRAFT_ACK); break;
	case BARE_RST: craft_tcp_reply(c, &scan, TARGET, TPORT, CRAFT_RST); break;
	case ACK_ONLY: craft_tcp_reply(c, &scan, TARGET, TPORT, CRAFT_ACK); break;
	case SYN_RST: craft_tcp_reply(c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_RST); break;
	case RST_TO_ACK: craft_rst_to_ack(c, &scan, TARGET, TPORT); break;
	case UDP_REPLY: craft_udp_reply(c, &scan, TARGET, 123, junk, sizeof junk); break;
	case DNS_REPLY: craft_udp_reply(c, &scan, TARGET, DNS_PORT, dns, sizeof dns); break;
	case ECHO_REPLY: craft_echo_reply(c, &scan, TARGET, RX_NS - 2500000); break;
	case ECHO_REQUEST:
		craft_echo_reply(c, &scan, TARGET, RX_NS);
		c->icmp_type = 8;
		break;
	case ICMP_ERR_TCP:
		craft_icmp_error(c, &scan, CRAFT_ROUTER, TARGET, TPORT, IPPROTO_TCP,
				 TCP_PROBE_SYN, t, rc->icmp_code, 0);
		break;
	case ICMP_ERR_TCP_ACK:
	case ICMP_ERR_TCP_ACK_FULL:
		craft_icmp_error(c, &scan, CRAFT_ROUTER, TARGET, TPORT, IPPROTO_TCP,
				 TCP_PROBE_ACK, t, rc->icmp_code,
				 rc->build == ICMP_ERR_TCP_ACK ? 0 : 40);
		break;
	case ICMP_ERR_UDP:
		craft_icmp_error(c, &scan, TARGET, TARGET, DNS_PORT, IPPROTO_UDP, TCP_PROBE_SYN, t,
				 rc->icmp_code, 0);
		break;
	case ICMP_ERR_ECHO:
		craft_icmp_error(c, &scan, CRAFT_ROUTER, TARGET, 0, IPPROTO_ICMP, TCP_PROBE_SYN, t,
				 rc->icmp_code, 0);
		break;
	case OTHER_PROTO:
		craft_tcp_reply(c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);
		c->proto = 47; /* GRE */
		memcpy(c->payload, junk, sizeof junk);
		c->payload_len = sizeof junk;
		break;
	}
}

/* ---- tweaks: one spoiled property each ---- */
static void wrong_dport(struct craft *c) { c->dport ^= 1; }
static void wrong_ack(struct craft *c) { c->ack += 1; }
static void wrong_seq(struct craft *c) { c->seq ^= 0x80; }
static void other_source(struct craft *c) { c->src = CRAFT_TARGET(0x0103); }
static void bad_ip_checksum(struct craft *c) { c->bad_ip_checksum = true; }
static void bad_l4_checksum(struct craft *c) { c->bad_l4_checksum = true; }
static void no_udp_checksum(struct craft *c) { c->udp_no_checksum = true; }
static void ip_options_8(struct craft *c) { c->ip_options_len = 8; }
static void ip_options_40(struct craft *c) { c->ip_options_len = 40; }
static void vlan_1(struct craft *c) { c->vlan_tags = 1; }
static void vlan_2(struct craft *c) { c->vlan_tags = 2; }
static void vlan_3(struct craft *c) { c->vlan_tags = 3; }
static void frag_more(struct craft *c) { c->frag = 0x2000; }
static void frag_offset(struct craft *c) { c->frag = 0x0010; }
static void dont_fragment(struct craft *c) { c->frag = 0x4000; }
static void not_to_us(struct craft *c) { c->dst = CRAFT_TARGET(0x0909); }
static void echo_wrong_id(struct craft *c) { c->icmp_id ^= 0x100; }
static void dns_wrong_id(struct craft *c) { c->payload[1] ^= 1; }
/* Quoted probe (ICMP payload) = inner IPv4 header (20) + 8 transport bytes. */
static void inner_wrong_sport(struct craft *c) { c->payload[20 + 1] ^= 1; }
static void inner_wrong_seq(struct craft *c) { c->payload[20 + 7] ^= 1; }
static void inner_wrong_ack(struct craft *c) { c->payload[20 + 11] ^= 1; }
static void inner_wrong_echo_seq(struct craft *c) { c->payload[20 + 7] ^= 1; }
static void inner_not_from_us(struct craft *c) { c->payload[15] ^= 1; }
static void inner_short(struct craft *c) { c->payload_len = 24; }
static void inner_not_ipv4(struct craft *c) { c->payload[0] = 0x65; }
static void inner_fragment(struct craft *c) { c->payload[7] = 0x10; }
static void inner_gre(struct craft *c) { c->payload[9] = 47; }

#define OK(st, rs) true, st, rs, 0
#define DROP(d) false, 0, 0, d
#define SYN TCP_PROBE_SYN
#define ACK TCP_PROBE_ACK

static const struct reply_case cases[] = {
	/* SYN scan */
	{"syn-ack", SYN_ACK, 0, 0, NULL, SYN, OK(PORT_OPEN, REASON_SYN_ACK)},
	{"rst-ack", RST_ACK, 0, 0, NULL, SYN, OK(PORT_CLOSED, REASON_RESET)},
	{"bare rst, ack field right", BARE_RST, 0, 0, NULL, SYN, OK(PORT_CLOSED, REASON_RESET)},
	{"syn-ack wrong dst port", SYN_ACK, 0, 0, wrong_dport, SYN, DROP(RX_DROP_WRONG_PORT)},
	{"syn-ack wrong ack", SYN_ACK, 0, 0, wrong_ack, SYN, DROP(RX_DROP_BAD_COOKIE)},
	{"rst-ack wrong ack", RST_ACK, 0, 0, wrong_ack, SYN, DROP(RX_DROP_BAD_COOKIE)},
	{"syn-ack from another target", SYN_ACK, 0, 0, other_source, SYN, DROP(RX_DROP_WRONG_PORT)},
	{"plain ack", ACK_ONLY, 0, 0, NULL, SYN, DROP(RX_DROP_TCP_FLAGS)},
	{"syn+rst", SYN_RST, 0, 0, NULL, SYN, DROP(RX_DROP_TCP_FLAGS)},
	{"syn-ack bad ip checksum", SYN_ACK, 0, 0, bad_ip_checksum, SYN, DROP(RX_DROP_BAD_IP_CHECKSUM)},
	{"syn-ack bad tcp checksum", SYN_ACK, 0, 0, bad_l4_checksum, SYN, DROP(RX_DROP_BAD_L4_CHECKSUM)},
	{"syn-ack ip options 8", SYN_ACK, 0, 0, ip_options_8, SYN, OK(PORT_OPEN, REASON_SYN_ACK)},
	{"syn-ack ip options 40", SYN_ACK, 0, 0, ip_options_40, SYN, OK(PORT_OPEN, REASON_SYN_ACK)},
	{"syn-ack vlan", SYN_ACK, 0, 0, vlan_1, SYN, OK(PORT_OPEN, REASON_SYN_ACK)},
	{"syn-ack qinq", SYN_ACK, 0, 0, vlan_2, SYN, OK(PORT_OPEN, REASON_SYN_ACK)},
	{"syn-ack three tags", SYN_ACK, 0, 0, vlan_3, SYN, DROP(RX_DROP_NOT_IPV4)},
	{"rst-ack vlan", RST_ACK, 0, 0, vlan_1, SYN, OK(PORT_CLOSED, REASON_RESET)},
	{"syn-ack more fragments", SYN_ACK, 0, 0, frag_more, SYN, DROP(RX_DROP_FRAGMENT)},
	{"syn-ack fragment offset", SYN_ACK, 0, 0, frag_offset, SYN, DROP(RX_DROP_FRAGMENT)},
	{"syn-ack don't fragment", SYN_ACK, 0, 0, dont_fragment, SYN, OK(PORT_OPEN, REASON_SYN_ACK)},
	{"syn-ack not to us", SYN_ACK, 0, 0, not_to_us, SYN, DROP(RX_DROP_NOT_TO_US)},
	{"gre", OTHER_PROTO, 0, 0, NULL, SYN, DROP(RX_DROP_OTHER_PROTOCOL)},
	/* ICMP unreachable about a SYN: Nmap's "filtered", reason by code */
	{"syn net-unreach", ICMP_ERR_TCP, 3, 0, NULL, SYN, OK(PORT_FILTERED, REASON_NET_UNREACH)},
	{"syn host-unreach", ICMP_ERR_TCP, 3, 1, NULL, SYN, OK(PORT_FILTERED, REASON_HOST_UNREACH)},
	{"syn proto-unreach", ICMP_ERR_TCP, 3, 2, NULL, SYN, OK(PORT_FILTERED, REASON_PROTO_UNREACH)},
	{"syn port-unreach", ICMP_ERR_TCP, 3, 3, NULL, SYN, OK(PORT_FILTERED, REASON_PORT_UNREACH)},
	{"syn net-prohibited", ICMP_ERR_TCP, 3, 9, NULL, SYN, OK(PORT_FILTERED, REASON_NET_PROHIBITED)},
	{"syn host-prohibited", ICMP_ERR_TCP, 3, 10, NULL, SYN, OK(PORT_FILTERED, REASON_HOST_PROHIBITED)},
	{"syn admin-prohibited", ICMP_ERR_TCP, 3, 13, NULL, SYN, OK(PORT_FILTERED, REASON_ADMIN_PROHIBITED)},
	{"syn frag-needed", ICMP_ERR_TCP, 3, 4, NULL, SYN, DROP(RX_DROP_ICMP_CODE)},
	{"syn code 11", ICMP_ERR_TCP, 3, 11, NULL, SYN, DROP(RX_DROP_ICMP_CODE)},
	{"syn time-exceeded", ICMP_ERR_TCP, 11, 0, NULL, SYN, DROP(RX_DROP_TIME_EXCEEDED)},
	{"syn unreach inner seq", ICMP_ERR_TCP, 3, 13, inner_wrong_seq, SYN, DROP(RX_DROP_BAD_COOKIE)},
	{"syn unreach inner sport", ICMP_ERR_TCP, 3, 13, inner_wrong_sport, SYN, DROP(RX_DROP_WRONG_PORT)},
	{"syn unreach inner src", ICMP_ERR_TCP, 3, 13, inner_not_from_us, SYN, DROP(RX_DROP_NOT_TO_US)},
	{"syn unreach short quote", ICMP_ERR_TCP, 3, 13, inner_short, SYN, DROP(RX_DROP_ICMP_INNER)},
	{"syn unreach inner v6", ICMP_ERR_TCP, 3, 13, inner_not_ipv4, SYN, DROP(RX_DROP_ICMP_INNER)},
	{"syn unreach inner frag", ICMP_ERR_TCP, 3, 13, inner_fragment, SYN, DROP(RX_DROP_ICMP_INNER)},
	{"syn unreach inner gre", ICMP_ERR_TCP, 3, 13, inner_gre, SYN, DROP(RX_DROP_OTHER_PROTOCOL)},
	{"syn unreach bad icmp checksum", ICMP_ERR_TCP, 3, 13, bad_l4_checksum, SYN, DROP(RX_DROP_BAD_L4_CHECKSUM)},
	{"syn unreach bad ip checksum", ICMP_ERR_TCP, 3, 13, bad_ip_checksum, SYN, DROP(RX_DROP_BAD_IP_CHECKSUM)},
	{"syn unreach vlan", ICMP_ERR_TCP, 3, 10, vlan_1, SYN, OK(PORT_FILTERED, REASON_HOST_PROHIBITED)},
	{"syn unreach ip options", ICMP_ERR_TCP, 3, 1, ip_options_8, SYN, OK(PORT_FILTERED, REASON_HOST_UNREACH)},
	/* UDP probe */
	{"udp reply", UDP_REPLY, 0, 0, NULL, SYN, OK(PORT_OPEN, REASON_UDP_RESPONSE)},
	{"udp reply, no checksum", UDP_REPLY, 0, 0, no_udp_checksum, SYN, OK(PORT_OPEN, REASON_UDP_RESPONSE)},
	{"udp reply bad checksum", UDP_REPLY, 0, 0, bad_l4_checksum, SYN, DROP(RX_DROP_BAD_L4_CHECKSUM)},
	{"udp reply wrong port", UDP_REPLY, 0, 0, wrong_dport, SYN, DROP(RX_DROP_WRONG_PORT)},
	{"udp reply other source", UDP_REPLY, 0, 0, other_source, SYN, DROP(RX_DROP_WRONG_PORT)},
	{"dns reply, id right", DNS_REPLY, 0, 0, NULL, SYN, OK(PORT_OPEN, REASON_UDP_RESPONSE)},
	{"dns reply, id wrong", DNS_REPLY, 0, 0, dns_wrong_id, SYN, DROP(RX_DROP_UDP_PAYLOAD_ID)},
	{"udp net-unreach", ICMP_ERR_UDP, 3, 0, NULL, SYN, OK(PORT_FILTERED, REASON_NET_UNREACH)},
	{"udp host-unreach", ICMP_ERR_UDP, 3, 1, NULL, SYN, OK(PORT_FILTERED, REASON_HOST_UNREACH)},
	{"udp proto-unreach", ICMP_ERR_UDP, 3, 2, NULL, SYN, OK(PORT_FILTERED, REASON_PROTO_UNREACH)},
	{"udp port-unreach", ICMP_ERR_UDP, 3, 3, NULL, SYN, OK(PORT_CLOSED, REASON_PORT_UNREACH)},
	{"udp net-prohibited", ICMP_ERR_UDP, 3, 9, NULL, SYN, OK(PORT_FILTERED, REASON_NET_PROHIBITED)},
	{"udp host-prohibited", ICMP_ERR_UDP, 3, 10, NULL, SYN, OK(PORT_FILTERED, REASON_HOST_PROHIBITED)},
	{"udp admin-prohibited", ICMP_ERR_UDP, 3, 13, NULL, SYN, OK(PORT_FILTERED, REASON_ADMIN_PROHIBITED)},
	{"udp frag-needed", ICMP_ERR_UDP, 3, 4, NULL, SYN, DROP(RX_DROP_ICMP_CODE)},
	{"udp port-unreach inner sport", ICMP_ERR_UDP, 3, 3, inner_wrong_sport, SYN, DROP(RX_DROP_WRONG_PORT)},
	{"udp time-exceeded", ICMP_ERR_UDP, 11, 0, NULL, SYN, DROP(RX_DROP_TIME_EXCEEDED)},
	/* ICMP echo */
	{"echo reply", ECHO_REPLY, 0, 0, NULL, SYN, OK(HOST_UP, REASON_ECHO_REPLY)},
	{"echo reply wrong id", ECHO_REPLY, 0, 0, echo_wrong_id, SYN, DROP(RX_DROP_BAD_COOKIE)},
	{"echo reply other source", ECHO_REPLY, 0, 0, other_source, SYN, DROP(RX_DROP_BAD_COOKIE)},
	{"echo reply bad checksum", ECHO_REPLY, 0, 0, bad_l4_checksum, SYN, DROP(RX_DROP_BAD_L4_CHECKSUM)},
	{"echo request to us", ECHO_REQUEST, 0, 0, NULL, SYN, DROP(RX_DROP_ICMP_TYPE)},
	{"echo host-unreach", ICMP_ERR_ECHO, 3, 1, NULL, SYN, DROP(RX_DROP_ECHO_UNREACHABLE)},
	{"echo unreach inner seq", ICMP_ERR_ECHO, 3, 1, inner_wrong_echo_seq, SYN, DROP(RX_DROP_BAD_COOKIE)},
	{"echo time-exceeded", ICMP_ERR_ECHO, 11, 0, NULL, SYN, DROP(RX_DROP_TIME_EXCEEDED)},
	/* ACK scan */
	{"ack: rst", RST_TO_ACK, 0, 0, NULL, ACK, OK(PORT_UNFILTERED, REASON_RESET)},
	{"ack: rst wrong seq", RST_TO_ACK, 0, 0, wrong_seq, ACK, DROP(RX_DROP_BAD_COOKIE)},
	{"ack: rst wrong port", RST_TO_ACK, 0, 0, wrong_dport, ACK, DROP(RX_DROP_WRONG_PORT)},
	{"ack: rst-ack to a syn", RST_ACK, 0, 0, NULL, ACK, DROP(RX_DROP_BAD_COOKIE)},
	{"ack: admin-prohibited", ICMP_ERR_TCP_ACK, 3, 13, NULL, ACK, OK(PORT_FILTERED, REASON_ADMIN_PROHIBITED)},
	{"ack: port-unreach, full quote", ICMP_ERR_TCP_ACK_FULL, 3, 3, NULL, ACK, OK(PORT_FILTERED, REASON_PORT_UNREACH)},
	{"ack: full quote wrong ack", ICMP_ERR_TCP_ACK_FULL, 3, 3, inner_wrong_ack, ACK, DROP(RX_DROP_BAD_COOKIE)},
	{"ack: inner sport", ICMP_ERR_TCP_ACK, 3, 13, inner_wrong_sport, ACK, DROP(RX_DROP_WRONG_PORT)},
};

static size_t craft_case(const struct reply_case *rc, uint8_t *buf, size_t cap)
{
	struct craft c;
	build(&c, rc);
	if (rc->tweak)
		rc->tweak(&c);
	return craft_frame(buf, cap, &c);
}

/* reply_classify_burst() agrees with reply_classify() on this frame: alone (same counters)
 * and as the last of a burst whose other frames differ (a SYN-ACK of another target and a
 * frame too short for a tuple), so a neighbour's cookie is never taken for its own. */
static bool same_in_a_burst(const struct classify_ctx *ctx_in, enum csum_rx l4_csum,
			    const uint8_t *f, size_t len, int got, const struct scan_result *want,
			    const struct rx_counters *want_cnt)
{
	/* The burst computes cookies ahead for frames to our first address: make that the
	 * one the cases' frames go to (the same set of addresses, so the same outcomes). */
	struct classify_ctx swapped = *ctx_in, *ctx = &swapped;
	if (swapped.n_our_addrs == 2) {
		swapped.our_addrs[0] = ctx_in->our_addrs[1];
		swapped.our_addrs[1] = ctx_in->our_addrs[0];
	}
	uint8_t other[CRAFT_MAX_FRAME];
	struct craft c;
	craft_tcp_reply(&c, &scan, TARGET + 7, TPORT, CRAFT_SYN | CRAFT_ACK);
	size_t other_len = craft_frame(other, sizeof other, &c);
	struct reply_frame burst[3] = {
		{other, (uint16_t)other_len, l4_csum, RX_NS},
		{other, 20, l4_csum, RX_NS},
		{f, (uint16_t)len, l4_csum, RX_NS},
	};
	struct scan_result out[3];
	uint8_t ok[3];
	struct rx_counters alone = {0}, mixed = {0};
	reply_classify_burst(ctx, &burst[2], 1, out, ok, &alone);
	bool same = ok[0] == got && memcmp(&alone, want_cnt, sizeof alone) == 0;
	reply_classify_burst(ctx, burst, 3, out, ok, &mixed);
	same = same && ok[2] == got && mixed.frames == 3;
	if (got)
		same = same && out[2].state == want->state && out[2].reason == want->reason &&
		       out[2].addr == want->addr && out[2].port == want->port &&
		       out[2].proto == want->proto && out[2].rtt_ns == want->rtt_ns &&
		       out[2].responder == want->responder;
	if (!same)
		fprintf(stderr, "  the burst path disagrees with reply_classify\n");
	return same;
}

/* Classifies with the NIC's checksum word l4_csum, leaves the counters in *cnt and checks
 * the outcome; returns the result flag. */
static int expect_csum(const char *name, const struct classify_ctx *ctx, enum csum_rx l4_csum,
		       const uint8_t *f, size_t len, bool want_result, enum port_state st,
		       enum result_reason rs, enum rx_drop drop, struct scan_result *out,
		       struct rx_counters *counters)
{
	struct rx_counters cnt = {0};
	int got = reply_classify(ctx, f, len, l4_csum, RX_NS, out, &cnt);
	*counters = cnt;
	bool ok = cnt.frames == 1 && same_in_a_burst(ctx, l4_csum, f, len, got, out, &cnt);
	if (want_result)
		ok = ok && got == 1 && cnt.results == 1 && out->state == st && out->reason == rs;
	else
		ok = ok && got == 0 && cnt.results == 0 && cnt.drops[drop] == 1;
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  case '%s' (len %zu): got %d", name, len, got);
		if (got)
			fprintf(stderr, " %s/%s", port_state_name(out->state),
				result_reason_name(out->reason));
		for (int d = 0; d < RX_DROP_COUNT; d++)
			if (cnt.drops[d])
				fprintf(stderr, " drop %s", rx_drop_name(d));
		fprintf(stderr, "; want %s\n",
			want_result ? result_reason_name(rs) : rx_drop_name(drop));
	}
	return got;
}

/* The same for a frame nobody vouched for (pcap). */
static int expect(const char *name, const struct classify_ctx *ctx, const uint8_t *f,
		  size_t len, bool want_result, enum port_state st, enum result_reason rs,
		  enum rx_drop drop, struct scan_result *out)
{
	struct rx_counters cnt;
	return expect_csum(name, ctx, CSUM_RX_UNKNOWN, f, len, want_result, st, rs, drop, out,
			   &cnt);
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct reply_case *rc = &cases[i];
		struct classify_ctx ctx = make_ctx(rc->probe);
		uint8_t frame[CRAFT_MAX_FRAME];
		size_t len = craft_case(rc, frame, sizeof frame);
		CHECK(len > 0);
		struct scan_result out;
		expect(rc->name, &ctx, frame, len, rc->expect_result, rc->state, rc->reason,
		       rc->drop, &out);
		/* Every valid reply must also survive Ethernet padding (64-byte minimum and
		 * more) and fail at every shorter length, as "truncated". */
		if (!rc->expect_result)
			continue;
		uint8_t padded[CRAFT_MAX_FRAME + 32];
		memcpy(padded, frame, len);
		memset(padded + len, 0xee, 32);
		expect(rc->name, &ctx, padded, len + 32, true, rc->state, rc->reason, 0, &out);
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
			memcpy(copy, frame, cut);
			expect(rc->name, &ctx, copy, cut, false, 0, 0, RX_DROP_TRUNCATED, &out);
			free(copy);
		}
	}
}

static void test_syn_ack_fields(void)
{
	struct classify_ctx ctx = make_ctx(TCP_PROBE_SYN);
	struct craft c;
	craft_tcp_reply(&c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);
	c.tsecr = (uint32_t)(RX_NS / 1000 - 5000); /* our SYN left 5 ms ago */
	c.ip_id = 0xbeef;
	c.ttl = 51;
	c.window = 29200;
	c.mss = 1380;
	c.wscale = 9;
	c.vlan_tags = 1;
	uint8_t f[CRAFT_MAX_FRAME];
	size_t len = craft_frame(f, sizeof f, &c);
	struct scan_result r;
	memset(&r, 0xa5, sizeof r); /* every field must be written */
	CHECK(expect("syn-ack fields", &ctx, f, len, true, PORT_OPEN, REASON_SYN_ACK, 0, &r));
	CHECK_EQ_U64(r.addr, TARGET);
	CHECK_EQ_U64(r.responder, TARGET);
	CHECK_EQ_U64(r.port, TPORT);
	CHECK_EQ_U64(r.proto, IPPROTO_TCP);
	CHECK_EQ_U64(r.ttl, 51);
	CHECK_EQ_U64(r.ip_id, 0xbeef);
	CHECK_EQ_U64(r.reply_len, 20 + 40);
	CHECK_EQ_U64(r.tcp_window, 29200);
	CHECK_EQ_U64(r.tcp_opts, TCPOPT_HAS_MSS | TCPOPT_HAS_WSCALE | TCPOPT_HAS_SACK_OK |
					 TCPOPT_HAS_TIMESTAMP);
	CHECK_EQ_U64(r.tcp_mss, 1380);
	CHECK_EQ_U64(r.tcp_wscale, 9);
	CHECK_EQ_U64(r.tcp_tsval, 0xabcdef01);
	CHECK_EQ_U64(r.icmp_type, 0);
	CHECK_EQ_U64(r.icmp_code, 0);
	CHECK_EQ_U64(r.timestamp_ns, RX_NS);
	CHECK_EQ_U64(r.rtt_ns, 5000000);

	/* Without timestamps: no options, no RTT. */
	c.tcp_options = false;
	len = craft_frame(f, sizeof f, &c);
	CHECK(expect("syn-ack no options", &ctx, f, len, true, PORT_OPEN, REASON_SYN_ACK, 0, &r));
	CHECK_EQ_U64(r.tcp_opts, 0);
	CHECK_EQ_U64(r.tcp_mss, 0);
	CHECK(r.rtt_ns == -1);

	/* A RST to a SYN: closed, window 0, no RTT. */
	craft_tcp_reply(&c, &scan, TARGET, 22, CRAFT_RST | CRAFT_ACK);
	len = craft_frame(f, sizeof f, &c);
	CHECK(expect("rst fields", &ctx, f, len, true, PORT_CLOSED, REASON_RESET, 0, &r));
	CHECK_EQ_U64(r.port, 22);
	CHECK(r.rtt_ns == -1);
	CHECK_EQ_U64(r.tcp_opts, 0);
}

static void test_icmp_error_fields(void)
{
	struct classify_ctx ctx = make_ctx(TCP_PROBE_SYN);
	struct craft c;
	craft_icmp_error(&c, &scan, CRAFT_ROUTER, TARGET, 8080, IPPROTO_TCP, TCP_PROBE_SYN, 3, 13,
			 0);
	uint8_t f[CRAFT_MAX_FRAME];
	size_t len = craft_frame(f, sizeof f, &c);
	struct scan_result r;
	memset(&r, 0x5a, sizeof r);
	CHECK(expect("icmp fields", &ctx, f, len, true, PORT_FILTERED, REASON_ADMIN_PROHIBITED, 0,
		     &r));
	CHECK_EQ_U64(r.addr, TARGET);
	CHECK_EQ_U64(r.responder, CRAFT_ROUTER);
	CHECK_EQ_U64(r.port, 8080);
	CHECK_EQ_U64(r.proto, IPPROTO_TCP);
	CHECK_EQ_U64(r.icmp_type, 3);
	CHECK_EQ_U64(r.icmp_code, 13);
	CHECK_EQ_U64(r.ttl, 250);
	CHECK_EQ_U64(r.reply_len, 20 + 8 + 28);
	CHECK_EQ_U64(r.tcp_window, 0);
	CHECK_EQ_U64(r.tcp_opts, 0);
	CHECK(r.rtt_ns == -1);
	CHECK_EQ_U64(r.timestamp_ns, RX_NS);

	/* A router quoting the whole probe (Linux quotes up to 576 bytes) is fine too. */
	craft_icmp_error(&c, &scan, CRAFT_ROUTER, TARGET, 8080, IPPROTO_TCP, TCP_PROBE_SYN, 3, 1,
			 200);
	len = craft_frame(f, sizeof f, &c);
	CHECK(expect("icmp full quote", &ctx, f, len, true, PORT_FILTERED, REASON_HOST_UNREACH, 0,
		     &r));
}

static void test_echo_fields(void)
{
	struct classify_ctx ctx = make_ctx(TCP_PROBE_SYN);
	struct craft c;
	craft_echo_reply(&c, &scan, TARGET, RX_NS - 2500000);
	uint8_t f[CRAFT_MAX_FRAME];
	size_t len = craft_frame(f, sizeof f, &c);
	struct scan_result r;
	CHECK(expect("echo fields", &ctx, f, len, true, HOST_UP, REASON_ECHO_REPLY, 0, &r));
	CHECK_EQ_U64(r.addr, TARGET);
	CHECK_EQ_U64(r.port, 0);
	CHECK_EQ_U64(r.proto, IPPROTO_ICMP);
	CHECK_EQ_U64(r.rtt_ns, 2500000);
	/* A send time after the receive time is no measurement. */
	craft_echo_reply(&c, &scan, TARGET, RX_NS + 1);
	len = craft_frame(f, sizeof f, &c);
	CHECK(expect("echo future", &ctx, f, len, true, HOST_UP, REASON_ECHO_REPLY, 0, &r));
	CHECK(r.rtt_ns == -1);
}

static void test_link_and_headers(void)
{
	struct classify_ctx ctx = make_ctx(TCP_PROBE_SYN);
	struct craft c;
	uint8_t f[CRAFT_MAX_FRAME];
	struct scan_result r;
	craft_tcp_reply(&c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);

	c.raw_ip = true; /* tun / DLT_RAW */
	size_t len = craft_frame(f, sizeof f, &c);
	ctx.link = REPLY_LINK_RAW_IPV4;
	expect("raw ip", &ctx, f, len, true, PORT_OPEN, REASON_SYN_ACK, 0, &r);
	ctx.link = REPLY_LINK_ETHERNET;
	expect("raw ip as ethernet", &ctx, f, len, false, 0, 0, RX_DROP_NOT_IPV4, &r);

	c.raw_ip = false;
	len = craft_frame(f, sizeof f, &c);
	f[12] = 0x08, f[13] = 0x06; /* ARP */
	expect("arp", &ctx, f, len, false, 0, 0, RX_DROP_NOT_IPV4, &r);
	len = craft_frame(f, sizeof f, &c);
	f[14] = 0x65; /* version 6 */
	expect("ip version 6", &ctx, f, len, false, 0, 0, RX_DROP_NOT_IPV4, &r);
	len = craft_frame(f, sizeof f, &c);
	f[14] = 0x44; /* IHL 4 */
	expect("ihl 4", &ctx, f, len, false, 0, 0, RX_DROP_BAD_IP_HEADER, &r);
	len = craft_frame(f, sizeof f, &c);
	f[16] = 0, f[17] = 19; /* total length < header */
	expect("total < ihl", &ctx, f, len, false, 0, 0, RX_DROP_BAD_IP_HEADER, &r);
	len = craft_frame(f, sizeof f, &c);
	f[14 + 20 + 12] = 0x40; /* TCP data offset 4 */
	expect("tcp doff 4", &ctx, f, len, false, 0, 0, RX_DROP_BAD_L4_HEADER, &r);
	len = craft_frame(f, sizeof f, &c);
	f[14 + 20 + 12] = 0xf0; /* data offset 60 > segment */
	expect("tcp doff 15", &ctx, f, len, false, 0, 0, RX_DROP_BAD_L4_HEADER, &r);

	/* UDP length beyond the datagram */
	craft_udp_reply(&c, &scan, TARGET, 123, (const uint8_t *)"abcd", 4);
	len = craft_frame(f, sizeof f, &c);
	f[14 + 20 + 5] += 1;
	expect("udp length", &ctx, f, len, false, 0, 0, RX_DROP_BAD_L4_HEADER, &r);


	/* A small source-port range: the cookie's seq still tells targets apart. */
	struct craft_scan one_port = scan;
	one_port.sport_base = 40000;
	one_port.sport_count = 1;
	ctx = make_ctx(TCP_PROBE_SYN);
	ctx.sport_base = 40000;
	ctx.sport_count = 1;
	craft_tcp_reply(&c, &one_port, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);
	c.src = CRAFT_TARGET(0x0103);
	len = craft_frame(f, sizeof f, &c);
	expect("one port, other source", &ctx, f, len, false, 0, 0, RX_DROP_BAD_COOKIE, &r);

	/* Another scan's key. */
	struct cookie_key other_key = {{1, 2}};
	struct craft_scan other = scan;
	other.key = &other_key;
	ctx = make_ctx(TCP_PROBE_SYN);
	craft_tcp_reply(&c, &other, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);
	len = craft_frame(f, sizeof f, &c);
	expect("other key", &ctx, f, len, false, 0, 0, RX_DROP_WRONG_PORT, &r);
}

/* Checksums as the NIC reports them (issue 11): a status that vouches for the L4 sum skips
 * it; without one, a field holding only the pseudo-header sum is a sender's offload. */
static void test_nic_checksum_status(void)
{
	struct classify_ctx ctx = make_ctx(TCP_PROBE_SYN);
	struct craft c;
	uint8_t f[CRAFT_MAX_FRAME];
	struct scan_result r;
	struct rx_counters cnt;

	/* A veth SYN-ACK, as AF_PACKET's CSUMNOTREADY frame or as pcap sees it. */
	craft_tcp_reply(&c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);
	c.l4_checksum_partial = true;
	size_t len = craft_frame(f, sizeof f, &c);
	expect_csum("offloaded syn-ack, unknown", &ctx, CSUM_RX_UNKNOWN, f, len, true, PORT_OPEN,
		    REASON_SYN_ACK, 0, &r, &cnt);
	CHECK_EQ_U64(cnt.notes[RX_NOTE_L4_CSUM_OFFLOADED], 1);
	expect_csum("offloaded syn-ack, partial", &ctx, CSUM_RX_PARTIAL, f, len, true, PORT_OPEN,
		    REASON_SYN_ACK, 0, &r, &cnt);
	CHECK_EQ_U64(cnt.notes[RX_NOTE_L4_CSUM_OFFLOADED], 0); /* the kernel said so: no sum */

	/* A truly wrong sum: dropped when nobody vouched, one off the pseudo sum included. */
	c.l4_checksum_partial = false;
	c.bad_l4_checksum = true;
	len = craft_frame(f, sizeof f, &c);
	expect_csum("wrong sum, unknown", &ctx, CSUM_RX_UNKNOWN, f, len, false, 0, 0,
		    RX_DROP_BAD_L4_CHECKSUM, &r, &cnt);
	CHECK_EQ_U64(cnt.notes[RX_NOTE_L4_CSUM_OFFLOADED], 0);
	c.bad_l4_checksum = false;
	c.l4_checksum_partial = true;
	len = craft_frame(f, sizeof f, &c);
	f[14 + 20 + 17] ^= 1;
	expect_csum("pseudo sum, one bit off", &ctx, CSUM_RX_UNKNOWN, f, len, false, 0, 0,
		    RX_DROP_BAD_L4_CHECKSUM, &r, &cnt);
	/* The NIC's BAD is checked again in software, and counted. */
	expect_csum("wrong sum, nic bad", &ctx, CSUM_RX_BAD, f, len, false, 0, 0,
		    RX_DROP_BAD_L4_CHECKSUM, &r, &cnt);
	CHECK_EQ_U64(cnt.notes[RX_NOTE_L4_CSUM_NIC_BAD], 1);
	c.l4_checksum_partial = false;
	len = craft_frame(f, sizeof f, &c);
	expect_csum("right sum, nic bad", &ctx, CSUM_RX_BAD, f, len, true, PORT_OPEN,
		    REASON_SYN_ACK, 0, &r, &cnt);
	CHECK_EQ_U64(cnt.notes[RX_NOTE_L4_CSUM_NIC_BAD], 1);

	/* Checksums the NIC verified (or left unfinished) are not recomputed ... */
	c.bad_l4_checksum = true;
	len = craft_frame(f, sizeof f, &c);
	expect_csum("nic-verified", &ctx, CSUM_RX_VALID, f, len, true, PORT_OPEN, REASON_SYN_ACK,
		    0, &r, &cnt);
	expect_csum("nic-partial", &ctx, CSUM_RX_PARTIAL, f, len, true, PORT_OPEN, REASON_SYN_ACK,
		    0, &r, &cnt);
	/* ... but a NIC vouches for the L4 sum only: the IPv4 header's is always ours. */
	c.bad_ip_checksum = true;
	len = craft_frame(f, sizeof f, &c);
	expect_csum("nic-verified, bad ip sum", &ctx, CSUM_RX_VALID, f, len, false, 0, 0,
		    RX_DROP_BAD_IP_CHECKSUM, &r, &cnt);

	/* UDP from an offloading sender: open, counted; the payload id still checked. */
	craft_udp_reply(&c, &scan, TARGET, 123, (const uint8_t *)"abcd", 4);
	c.l4_checksum_partial = true;
	len = craft_frame(f, sizeof f, &c);
	expect_csum("offloaded udp", &ctx, CSUM_RX_UNKNOWN, f, len, true, PORT_OPEN,
		    REASON_UDP_RESPONSE, 0, &r, &cnt);
	CHECK_EQ_U64(cnt.notes[RX_NOTE_L4_CSUM_OFFLOADED], 1);
}

static void test_dedupe_with_replies(void)
{
	struct classify_ctx ctx = make_ctx(TCP_PROBE_SYN);
	struct dedupe d;
	dedupe_init(&d);
	uint8_t frames[4][CRAFT_MAX_FRAME];
	size_t lens[4];
	struct craft c;
	craft_tcp_reply(&c, &scan, TARGET, TPORT, CRAFT_SYN | CRAFT_ACK);
	lens[0] = craft_frame(frames[0], CRAFT_MAX_FRAME, &c);
	lens[1] = lens[0];
	memcpy(frames[1], frames[0], lens[0]); /* retransmitted SYN-ACK */
	craft_tcp_reply(&c, &scan, TARGET, TPORT, CRAFT_RST | CRAFT_ACK);
	lens[2] = craft_frame(frames[2], CRAFT_MAX_FRAME, &c); /* RST after: first wins */
	craft_tcp_reply(&c, &scan, TARGET, TPORT + 1, CRAFT_RST | CRAFT_ACK);
	lens[3] = craft_frame(frames[3], CRAFT_MAX_FRAME, &c); /* another port */
	struct rx_counters cnt = {0};
	int fresh = 0;
	uint8_t first_state = 0;
	for (int i = 0; i < 4; i++) {
		struct scan_result r;
		if (reply_classify(&ctx, frames[i], lens[i], CSUM_RX_UNKNOWN, RX_NS, &r, &cnt) &&
		    dedupe_insert(&d, r.addr, r.proto, r.port) == 1) {
			fresh++;
			if (r.port == TPORT)
				first_state = r.state;
		}
	}
	CHECK_EQ_U64(cnt.results, 4);
	CHECK_EQ_U64(fresh, 2);
	CHECK_EQ_U64(d.unique, 2);
	CHECK_EQ_U64(d.duplicates, 2);
	CHECK_EQ_U64(first_state, PORT_OPEN);
	dedupe_free(&d);
}

static void test_names(void)
{
	CHECK_STR_EQ(port_state_name(PORT_OPEN_FILTERED), "open|filtered");
	CHECK_STR_EQ(port_state_name(PORT_CLOSED_FILTERED), "closed|filtered");
	CHECK_STR_EQ(port_state_name(PORT_UNFILTERED), "unfiltered");
	CHECK_STR_EQ(port_state_name(HOST_UP), "up");
	CHECK_STR_EQ(result_reason_name(REASON_SYN_ACK), "syn-ack");
	CHECK_STR_EQ(result_reason_name(REASON_RESET), "reset");
	CHECK_STR_EQ(result_reason_name(REASON_PORT_UNREACH), "port-unreach");
	CHECK_STR_EQ(result_reason_name(REASON_ADMIN_PROHIBITED), "admin-prohibited");
	CHECK_STR_EQ(result_reason_name(REASON_NO_RESPONSE), "no-response");
	for (int d = 0; d < RX_DROP_COUNT; d++)
		CHECK(rx_drop_name(d) != NULL && strcmp(rx_drop_name(d), "unknown") != 0);
	CHECK_STR_EQ(rx_note_name(RX_NOTE_L4_CSUM_OFFLOADED), "l4-checksum-offloaded");
	for (int n = 0; n < RX_NOTE_COUNT; n++)
		CHECK(strcmp(rx_note_name(n), "unknown") != 0);
}

int main(void)
{
	test_key = craft_test_key();
	scan = (struct craft_scan){&test_key, CRAFT_US, SPORT_BASE, SPORT_COUNT};
	test_table();
	test_syn_ack_fields();
	test_icmp_error_fields();
	test_echo_fields();
	test_link_and_headers();
	test_nic_checksum_status();
	test_dedupe_with_replies();
	test_names();
	return check_done("reply");
}
