/* Host discovery: the ICMP timestamp kind (its frame, its reply and errors, cookie
 * checks), a TCP ping of the other kind than the scan's (RST to -PA in a SYN scan),
 * --discovery / -P* parsing, the automatic default, the pings in the walk (a ping that a
 * scanned port already is, not twice) and the receive side's settling of ping replies. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/base/packet.h"
#include "core/probe/probe.h"
#include "core/probe/reply.h"
#include "core/scan/discovery.h"

#define US 0xc6120002u
#define TARGET 0xc612010fu
static struct cookie_key key;

static struct probe_config config(void)
{
	struct probe_config pc = {
		.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 2},
		.saddr = US, .sport_base = 32768, .sport_count = 28233,
	};
	return pc;
}

static struct classify_ctx ctx_for(enum tcp_probe_kind kind)
{
	struct classify_ctx c = {
		.key = &key, .our_addrs = {US}, .n_our_addrs = 1, .sport_base = 32768,
		.sport_count = 28233, .tcp_probe = kind,
	};
	return c;
}

/* The probe turned into the target's answer: addresses (and ports) swapped, IP
 * checksum redone; the caller edits L4 and calls finish_l4(). */
static void reverse(uint8_t *f)
{
	uint8_t *ip = f + 14, tmp[4];
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	pkt_put_be16(ip + 10, 0);
	pkt_put_be16(ip + 10, pkt_ipv4_checksum(ip));
}

static void finish_l4(uint8_t *f, size_t len, uint8_t proto, size_t csum_off)
{
	uint8_t *ip = f + 14, *l4 = ip + 20;
	pkt_put_be16(l4 + csum_off, 0);
	pkt_put_be16(l4 + csum_off, pkt_l4_checksum(pkt_be32(ip + 12), pkt_be32(ip + 16), proto, l4,
						    (uint16_t)(len - 34)));
}

static int classify(const struct classify_ctx *c, const uint8_t *f, size_t len,
		    struct scan_result *r, enum rx_drop *why)
{
	struct rx_counters cnt;
	memset(&cnt, 0, sizeof cnt);
	/* As the receive loop does: the second pass for what the first dropped. */
	int ok = reply_classify(c, f, len, CSUM_RX_UNKNOWN, 1000, r, &cnt) ||
		 (c->discovery && reply_classify_discovery(c, f, len, CSUM_RX_UNKNOWN, 1000, r, &cnt));
	CHECK_EQ_U64(cnt.frames, 1);
	uint64_t outcomes = cnt.results;
	for (int d = 0; d < RX_DROP_COUNT; d++)
		outcomes += cnt.drops[d];
	CHECK_EQ_U64(outcomes, 1); /* one outcome per frame, whichever pass settled it */
	*why = RX_DROP_COUNT;
	for (int d = 0; d < RX_DROP_COUNT; d++)
		if (cnt.drops[d])
			*why = (enum rx_drop)d;
	return ok;
}

static void test_timestamp_kind(void)
{
	CHECK(probe_kind_by_name("icmp-timestamp") == &probe_kind_icmp_timestamp);
	CHECK(probe_kind_for(PKT_IPPROTO_ICMP, TCP_PROBE_SYN) == &probe_kind_icmp_echo);
	struct probe_template t;
	struct errbuf e;
	struct probe_config pc = config();
	CHECK(probe_template_init(&t, &probe_kind_icmp_timestamp, &pc, &e) == 0);
	uint8_t f[128] = {0};
	uint64_t c = probe_cookie(&t, &key, TARGET, 0);
	uint64_t now = 3600ull * 1000000000u + 5000000u; /* 01:00:00.005 UT */
	size_t len = probe_build(&t, f, TARGET, 0, c, now);
	CHECK_EQ_U64(len, 14 + 20 + 20);
	const uint8_t *ip = f + 14, *m = f + 34;
	CHECK_EQ_U64(ip[9], PKT_IPPROTO_ICMP);
	CHECK_EQ_U64(pkt_be32(ip + 16), TARGET);
	CHECK_EQ_U64(pkt_be16(ip + 10), pkt_ipv4_checksum(ip));
	CHECK_EQ_U64(m[0], PKT_ICMP_TIMESTAMP_REQUEST);
	CHECK_EQ_U64(pkt_be16(m + 2), pkt_l4_checksum(US, TARGET, 1, m, 20));
	CHECK_EQ_U64(pkt_be16(m + 4), cookie_icmp_id(c));
	CHECK_EQ_U64(pkt_be16(m + 6), cookie_icmp_seq(c));
	CHECK_EQ_U64(pkt_be32(m + 8), 3600005u); /* originate: ms since midnight UT */
	/* The same through the burst builder. */
	uint8_t g[128] = {0};
	uint8_t *frames[1] = {g};
	uint16_t lens[1];
	uint32_t daddr[1] = {TARGET};
	uint16_t dport[1] = {0};
	probe_build_burst(&t, &key, frames, lens, daddr, dport, 1, now);
	CHECK_EQ_U64(lens[0], len);
	CHECK(memcmp(f, g, len) == 0);

	/* The reply: type 14, id and seq echoed, three timestamps. A scan that sent no
	 * timestamp request leaves it to icmp_echo, which refuses it. */
	struct classify_ctx cx = ctx_for(TCP_PROBE_SYN);
	uint8_t r[128];
	memcpy(r, f, len);
	reverse(r);
	r[34] = PKT_ICMP_TIMESTAMP_REPLY;
	finish_l4(r, len, 1, 2);
	struct scan_result res;
	enum rx_drop why;
	CHECK(classify(&cx, r, len, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_ICMP_TYPE);
	cx.discovery = true;
	CHECK(classify(&cx, r, len, &res, &why) == 1);
	CHECK_EQ_U64(res.addr, TARGET);
	CHECK_EQ_U64(res.proto, RESULT_PROTO_PING_TIMESTAMP);
	CHECK_EQ_U64(res.port, 0);
	CHECK_EQ_U64(res.state, HOST_UP);
	CHECK_EQ_U64(res.reason, REASON_TIMESTAMP_REPLY);
	CHECK_STR_EQ(result_reason_name(REASON_TIMESTAMP_REPLY), "timestamp-reply");
	/* A wrong id: not ours. */
	r[34 + 4] ^= 1;
	finish_l4(r, len, 1, 2);
	CHECK(classify(&cx, r, len, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_BAD_COOKIE);
	/* Another source (the cookie is keyed on it). */
	r[34 + 4] ^= 1;
	finish_l4(r, len, 1, 2);
	pkt_put_be32(r + 14 + 12, TARGET + 1);
	pkt_put_be16(r + 14 + 10, 0);
	pkt_put_be16(r + 14 + 10, pkt_ipv4_checksum(r + 14));
	CHECK(classify(&cx, r, len, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_BAD_COOKIE);
	/* Truncated timestamp body: not a reply. */
	memcpy(r, f, len);
	reverse(r);
	r[34] = PKT_ICMP_TIMESTAMP_REPLY;
	pkt_put_be16(r + 14 + 2, 20 + 8);
	pkt_put_be16(r + 14 + 10, 0);
	pkt_put_be16(r + 14 + 10, pkt_ipv4_checksum(r + 14));
	finish_l4(r, 14 + 28, 1, 2);
	CHECK(classify(&cx, r, 14 + 28, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_ICMP_TYPE);
}

/* A router's host-unreachable quoting our timestamp request: validated, no state; with
 * the quoted id changed, not ours. */
static void test_timestamp_error(void)
{
	struct probe_template t;
	struct errbuf e;
	struct probe_config pc = config();
	CHECK(probe_template_init(&t, &probe_kind_icmp_timestamp, &pc, &e) == 0);
	uint8_t probe[128] = {0};
	size_t plen = probe_build(&t, probe, TARGET, 0, probe_cookie(&t, &key, TARGET, 0), 0);
	uint8_t f[160] = {0};
	memcpy(f, probe, 14);
	size_t quote = 28; /* IP header + 8 bytes */
	uint16_t total = (uint16_t)(20 + 8 + quote);
	pkt_write_ipv4(f + 14, 1, 0xc6120101u, US, 63, 7, total);
	uint8_t *m = f + 34;
	m[0] = PKT_ICMP_UNREACH;
	m[1] = PKT_ICMP_UNREACH_HOST;
	memcpy(m + 8, probe + 14, quote);
	size_t len = 14 + total;
	finish_l4(f, len, 1, 2);
	(void)plen;
	struct classify_ctx cx = ctx_for(TCP_PROBE_SYN);
	cx.discovery = true;
	struct scan_result res;
	enum rx_drop why;
	CHECK(classify(&cx, f, len, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_ECHO_UNREACHABLE);
	m[8 + 20 + 4] ^= 1;
	finish_l4(f, len, 1, 2);
	CHECK(classify(&cx, f, len, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_BAD_COOKIE);
}

/* -PA80 in a SYN scan: the RST to the ACK is the host's answer when the scan says it
 * sent such pings, and refused otherwise. */
static void test_tcp_ping_other_kind(void)
{
	struct probe_template t;
	struct errbuf e;
	struct probe_config pc = config();
	CHECK(probe_template_init(&t, &probe_kind_tcp_ack, &pc, &e) == 0);
	uint8_t f[128] = {0};
	size_t len = probe_build(&t, f, TARGET, 80, probe_cookie(&t, &key, TARGET, 80), 0);
	uint8_t *tcp = f + 34;
	uint32_t ack = pkt_be32(tcp + 8);
	reverse(f);
	uint8_t ports[4];
	memcpy(ports, tcp, 4);
	memcpy(tcp, ports + 2, 2);
	memcpy(tcp + 2, ports, 2);
	pkt_put_be32(tcp + 4, ack); /* RFC 793: the RST's seq is the ACK's ack */
	pkt_put_be32(tcp + 8, 0);
	tcp[13] = 0x04;             /* RST */
	finish_l4(f, len, 6, 16);
	struct classify_ctx cx = ctx_for(TCP_PROBE_SYN);
	struct scan_result res;
	enum rx_drop why;
	CHECK(classify(&cx, f, len, &res, &why) == 0); /* a SYN scan alone refuses it */
	cx.discovery = true;
	CHECK(classify(&cx, f, len, &res, &why) == 1);
	CHECK_EQ_U64(res.proto, RESULT_PROTO_PING_ACK);
	CHECK_EQ_U64(res.port, 80);
	CHECK_EQ_U64(res.state, HOST_UP);
	CHECK_EQ_U64(res.reason, REASON_RESET);
	/* A forged seq stays refused. */
	tcp[4] ^= 1;
	finish_l4(f, len, 6, 16);
	CHECK(classify(&cx, f, len, &res, &why) == 0);
	CHECK_EQ_U64(why, RX_DROP_BAD_COOKIE);
}

static void test_parse(void)
{
	struct discovery_choice c;
	struct errbuf e;
	char text[DISCOVERY_TEXT_MAX];
	CHECK(discovery_parse(NULL, NULL, 0, false, false, &c, &e) == 0);
	CHECK_EQ_U64(c.mode, DISCOVERY_AUTO);
	CHECK(discovery_parse("none", NULL, 0, false, false, &c, &e) == 0);
	CHECK_EQ_U64(c.mode, DISCOVERY_NONE);
	CHECK(discovery_parse("default", NULL, 0, false, false, &c, &e) == 0);
	discovery_resolve(&c, 1 << 20, false, false);
	discovery_text(&c.set, text);
	CHECK_STR_EQ(text, "PE,PS443,PA80,PP,PR");
	CHECK(discovery_parse("PE,PS22,80,PA,PU,PP", NULL, 0, false, false, &c, &e) == 0);
	CHECK_EQ_U64(c.mode, DISCOVERY_CHOSEN);
	discovery_text(&c.set, text);
	CHECK_STR_EQ(text, "PE,PS22,80,PA80,PU40125,PP");
	const char *letters[] = {"PS", "PA443", "PU53,161", "PR"};
	CHECK(discovery_parse(NULL, letters, 4, false, false, &c, &e) == 0);
	discovery_text(&c.set, text);
	CHECK_STR_EQ(text, "PS80,PA443,PU53,161,PR");
	CHECK(!discovery_active(&(struct discovery_set){.arp = true}));
	CHECK(discovery_parse("PS20-25", NULL, 0, false, false, &c, &e) == 0);
	CHECK_EQ_U64(c.set.nsyn, 6);
	/* Bad values: one line naming them. */
	CHECK(discovery_parse("PX", NULL, 0, false, false, &c, &e) < 0);
	CHECK(strstr(e.msg, "PX") != NULL);
	CHECK(discovery_parse("80,PE", NULL, 0, false, false, &c, &e) < 0);
	CHECK(discovery_parse("PS0", NULL, 0, false, false, &c, &e) < 0);
	CHECK(discovery_parse("PS70000", NULL, 0, false, false, &c, &e) < 0);
	CHECK(discovery_parse("PS1-100", NULL, 0, false, false, &c, &e) < 0);
	CHECK(discovery_parse("", NULL, 0, false, false, &c, &e) < 0);
	CHECK(discovery_parse("PE", letters, 1, false, false, &c, &e) < 0);
	CHECK(discovery_parse("PE", NULL, 0, true, false, &c, &e) < 0);
	CHECK(strstr(e.msg, "-Pn") != NULL);
	CHECK(discovery_parse(NULL, NULL, 0, true, true, &c, &e) < 0);
	CHECK(discovery_parse("none", NULL, 0, false, true, &c, &e) < 0);
}

static void test_resolve(void)
{
	struct discovery_choice c;
	struct errbuf e;
	discovery_parse(NULL, NULL, 0, false, false, &c, &e);
	discovery_resolve(&c, DISCOVERY_AUTO_MAX_ADDRS, false, true);
	CHECK(discovery_active(&c.set)); /* a report of 4096 addresses: default */
	discovery_parse(NULL, NULL, 0, false, false, &c, &e);
	discovery_resolve(&c, DISCOVERY_AUTO_MAX_ADDRS + 1, false, true);
	CHECK(!discovery_active(&c.set)); /* 4097: none */
	discovery_parse(NULL, NULL, 0, false, false, &c, &e);
	discovery_resolve(&c, 10, false, false);
	CHECK(!discovery_active(&c.set)); /* ndjson: none */
	discovery_parse(NULL, NULL, 0, false, true, &c, &e);
	discovery_resolve(&c, 1 << 24, true, false);
	CHECK(discovery_active(&c.set)); /* -sn: always */
	discovery_parse(NULL, NULL, 0, true, false, &c, &e);
	discovery_resolve(&c, 1, false, true);
	CHECK(!discovery_active(&c.set)); /* -Pn */
}

static bool space_has(const struct target_space *ts, uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < ts->ports.n; i++)
		if (ts->ports.v[i].proto == proto && ts->ports.v[i].port == port)
			return true;
	return false;
}

static void make_space(struct target_space *ts, const char *ports)
{
	struct ipset set;
	ipset_init(&set);
	ipset_add(&set, TARGET, TARGET + 3);
	struct portlist pl = {0};
	struct errbuf e;
	CHECK(portlist_parse(ports, PROTO_BIT(PROTO_TCP), &pl, &e) == 0);
	CHECK(target_space_init(ts, &set, &pl, &e) == 0);
}

static void test_space_and_settle(void)
{
	struct discovery_choice c;
	struct errbuf e;
	discovery_parse("default", NULL, 0, false, false, &c, &e);
	discovery_resolve(&c, 4, false, true);
	/* A SYN scan of 443 and 1-10: the SYN ping to 443 is the port probe itself. */
	struct target_space ts;
	make_space(&ts, "1-10,443");
	CHECK(discovery_add_to_space(&c.set, &ts, false, false, &e) == 0);
	CHECK_EQ_U64(ts.ports.n, 11 + 3);
	CHECK_EQ_U64(ts.n, 4 * 14);
	CHECK(space_has(&ts, PROTO_ICMP, 0) && space_has(&ts, RESULT_PROTO_PING_TIMESTAMP, 0));
	CHECK(space_has(&ts, RESULT_PROTO_PING_ACK, 80));
	CHECK(!space_has(&ts, RESULT_PROTO_PING_SYN, 443));
	struct discovery_ports dp;
	discovery_ports_init(&dp, &ts, false);
	CHECK(!dp.any); /* the ACK ping comes back through the other kind, marked already */
	struct scan_result r = {.addr = TARGET, .responder = TARGET, .proto = 6, .port = 443,
				.state = PORT_OPEN};
	CHECK(discovery_settle(&dp, &r) && r.proto == 6 && r.state == PORT_OPEN);
	target_space_free(&ts);

	/* A SYN scan of 22 alone: the SYN to 443 is a ping, its SYN-ACK the host's. */
	make_space(&ts, "22");
	CHECK(discovery_add_to_space(&c.set, &ts, false, false, &e) == 0);
	CHECK(space_has(&ts, RESULT_PROTO_PING_SYN, 443));
	discovery_ports_init(&dp, &ts, false);
	CHECK(dp.any);
	r = (struct scan_result){.addr = TARGET, .responder = TARGET, .proto = 6, .port = 443,
				 .state = PORT_OPEN};
	CHECK(discovery_settle(&dp, &r));
	CHECK_EQ_U64(r.proto, RESULT_PROTO_PING_SYN);
	CHECK_EQ_U64(r.state, HOST_UP);
	r = (struct scan_result){.addr = TARGET, .responder = TARGET, .proto = 6, .port = 22,
				 .state = PORT_CLOSED};
	CHECK(discovery_settle(&dp, &r) && r.proto == 6 && r.state == PORT_CLOSED);
	/* A router's error about the ping says nothing of the host. */
	r = (struct scan_result){.addr = TARGET, .responder = 0xc6120101u, .proto = 6,
				 .port = 443, .state = PORT_FILTERED};
	CHECK(!discovery_settle(&dp, &r));
	target_space_free(&ts);

	/* An ACK scan of 80: the ACK ping is the port probe; the SYN ping is sent. */
	make_space(&ts, "80");
	CHECK(discovery_add_to_space(&c.set, &ts, false, true, &e) == 0);
	CHECK(!space_has(&ts, RESULT_PROTO_PING_ACK, 80));
	CHECK(space_has(&ts, RESULT_PROTO_PING_SYN, 443));
	target_space_free(&ts);

	/* -sn: the pings replace the {ICMP, 0} list. */
	struct ipset set;
	ipset_init(&set);
	ipset_add(&set, TARGET, TARGET);
	struct portlist pl = {0};
	portlist_add(&pl, PROTO_ICMP, 0);
	CHECK(target_space_init(&ts, &set, &pl, &e) == 0);
	const char *letters[] = {"PS22"};
	discovery_parse(NULL, letters, 1, false, true, &c, &e);
	discovery_resolve(&c, 1, true, false);
	CHECK(discovery_add_to_space(&c.set, &ts, true, false, &e) == 0);
	CHECK_EQ_U64(ts.ports.n, 1);
	CHECK(space_has(&ts, RESULT_PROTO_PING_SYN, 22));
	target_space_free(&ts);
}

int main(void)
{
	memset(&key, 0x5a, sizeof key);
	test_timestamp_kind();
	test_timestamp_error();
	test_tcp_ping_other_kind();
	test_parse();
	test_resolve();
	test_space_and_settle();
	return check_done("discovery");
}
