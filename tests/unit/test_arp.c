/* ARP (issue 11): the who-has request orbit writes (by hand and from the "arp" probe
 * kind's template), the reply check (ours only when addressed to our MAC and IP, a reply,
 * a unicast sender), reply_classify's ethertype dispatch (ARP accepted only by a context
 * that asks for it, VLAN tags peeled), and the MAC in every output format (NDJSON "mac",
 * the report's "MAC Address:" line, XML's addrtype="mac"). */
#include <stdlib.h>
#include <unistd.h>

#include "core/probe/arp.h"
#include "core/probe/probe.h"
#include "output/mac_vendors.h"
#include "output/ndjson.h"
#include "output/output.h"
#include "tests/unit/check.h"

static const uint8_t OUR_MAC[6] = {0x02, 0x00, 0xc6, 0x12, 0x05, 0x02};
static const uint8_t HOST_MAC[6] = {0x00, 0x14, 0x22, 0x12, 0x05, 0x0a};
#define OUR_IP 0xc6120502u  /* 198.18.5.2 */
#define HOST_IP 0xc612050au /* 198.18.5.10 */

static void check_request(const uint8_t *f, uint32_t target)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	CHECK(memcmp(f, bcast, 6) == 0);
	CHECK(memcmp(f + 6, OUR_MAC, 6) == 0);
	CHECK_EQ_U64(pkt_be16(f + 12), 0x0806);
	CHECK_EQ_U64(pkt_be16(f + 14), 1);      /* Ethernet */
	CHECK_EQ_U64(pkt_be16(f + 16), 0x0800); /* IPv4 */
	CHECK(f[18] == 6 && f[19] == 4);
	CHECK_EQ_U64(pkt_be16(f + 20), 1); /* request */
	CHECK(memcmp(f + 22, OUR_MAC, 6) == 0);
	CHECK_EQ_U64(pkt_be32(f + 28), OUR_IP);
	CHECK_EQ_U64(pkt_be32(f + 38), target);
	for (int i = 42; i < ARP_FRAME_LEN; i++)
		CHECK(f[i] == 0);
}

static void test_request(void)
{
	uint8_t f[ARP_FRAME_LEN];
	CHECK_EQ_U64(arp_request_write(f, OUR_MAC, OUR_IP, HOST_IP), ARP_FRAME_LEN);
	check_request(f, HOST_IP);
	/* The probe kind: the same frame for every target of a burst. */
	const struct probe_kind *k = probe_kind_by_name("arp");
	CHECK(k == &probe_kind_arp);
	struct probe_config cfg = {.saddr = OUR_IP, .sport_base = 40000, .sport_count = 1};
	memcpy(cfg.src_mac, OUR_MAC, 6);
	struct probe_template t;
	CHECK(probe_template_init(&t, k, &cfg, NULL) == 0);
	uint8_t buf[4][PROBE_COPY_LEN];
	uint8_t *frames[4] = {buf[0], buf[1], buf[2], buf[3]};
	uint16_t lens[4];
	uint32_t daddr[4] = {HOST_IP, HOST_IP + 1, HOST_IP + 2, HOST_IP + 3};
	uint16_t dport[4] = {0};
	struct cookie_key key = {0};
	probe_build_burst(&t, &key, frames, lens, daddr, dport, 4, 1);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_U64(lens[i], ARP_FRAME_LEN);
		check_request(buf[i], daddr[i]);
	}
	size_t len = probe_build(&t, buf[0], HOST_IP, 0, 0, 0);
	CHECK_EQ_U64(len, ARP_FRAME_LEN);
	CHECK(memcmp(buf[0], f, ARP_FRAME_LEN) == 0);
}

/* A reply from HOST to us, with an optional 802.1Q tag; returns its length. */
static size_t make_reply(uint8_t *f, bool vlan)
{
	memset(f, 0, 64);
	memcpy(f, OUR_MAC, 6);
	memcpy(f + 6, HOST_MAC, 6);
	size_t off = 12;
	if (vlan) {
		pkt_put_be16(f + off, 0x8100);
		pkt_put_be16(f + off + 2, 7);
		off += 4;
	}
	pkt_put_be16(f + off, 0x0806);
	uint8_t *a = f + off + 2;
	pkt_put_be16(a, 1);
	pkt_put_be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	pkt_put_be16(a + 6, 2);
	memcpy(a + 8, HOST_MAC, 6);
	pkt_put_be32(a + 14, HOST_IP);
	memcpy(a + 18, OUR_MAC, 6);
	pkt_put_be32(a + 24, OUR_IP);
	return 60;
}

static enum rx_drop check_reply_spoiled(int spoil)
{
	uint8_t f[64];
	make_reply(f, false);
	uint8_t *a = f + 14;
	switch (spoil) {
	case 1: pkt_put_be16(a + 6, 1); break;     /* a request */
	case 2: pkt_put_be32(a + 24, OUR_IP + 1); break; /* for someone else's IP */
	case 3: a[18] ^= 0x40; break;              /* for someone else's MAC */
	case 4: a[8] |= 1; break;                  /* group sender MAC */
	case 5: pkt_put_be16(a + 2, 0x86dd); break; /* not IPv4 */
	}
	uint32_t sender = 0;
	uint8_t mac[6] = {0};
	enum rx_drop why = arp_reply_check(a, spoil == 6 ? 27 : 46, OUR_MAC, OUR_IP, &sender, mac);
	if (why == RX_DROP_COUNT) {
		CHECK_EQ_U64(sender, HOST_IP);
		CHECK(memcmp(mac, HOST_MAC, 6) == 0);
	}
	return why;
}

static void test_reply_check(void)
{
	CHECK_EQ_U64(check_reply_spoiled(0), RX_DROP_COUNT); /* accepted */
	CHECK_EQ_U64(check_reply_spoiled(1), RX_DROP_ICMP_TYPE);
	CHECK_EQ_U64(check_reply_spoiled(2), RX_DROP_NOT_TO_US);
	CHECK_EQ_U64(check_reply_spoiled(3), RX_DROP_NOT_TO_US);
	CHECK_EQ_U64(check_reply_spoiled(4), RX_DROP_BAD_L4_HEADER);
	CHECK_EQ_U64(check_reply_spoiled(5), RX_DROP_BAD_L4_HEADER);
	CHECK_EQ_U64(check_reply_spoiled(6), RX_DROP_TRUNCATED);
}

static void test_classify(void)
{
	struct cookie_key key = {0};
	struct classify_ctx ctx = {.key = &key, .our_addrs = {OUR_IP}, .n_our_addrs = 1,
				   .sport_base = 40000, .sport_count = 1};
	memcpy(ctx.our_mac, OUR_MAC, 6);
	struct rx_counters cnt = {0};
	struct scan_result r;
	uint8_t f[64];
	for (int vlan = 0; vlan < 2; vlan++) {
		size_t len = make_reply(f, vlan);
		/* A scan's receive threads: ARP is not theirs, counted as before. */
		ctx.accept_arp = false;
		CHECK(reply_classify(&ctx, f, len, CSUM_RX_UNKNOWN, 5, &r, &cnt) == 0);
		CHECK_EQ_U64(cnt.drops[RX_DROP_NOT_IPV4], (uint64_t)vlan + 1);
		/* The sweep. */
		ctx.accept_arp = true;
		memset(&r, 0xa5, sizeof r);
		CHECK(reply_classify(&ctx, f, len, CSUM_RX_UNKNOWN, 5, &r, &cnt) == 1);
		CHECK_EQ_U64(r.addr, HOST_IP);
		CHECK_EQ_U64(r.proto, RESULT_PROTO_ARP);
		CHECK_EQ_U64(r.state, HOST_UP);
		CHECK_EQ_U64(r.reason, REASON_ARP_RESPONSE);
		CHECK(r.has_mac == 1 && memcmp(r.mac, HOST_MAC, 6) == 0);
		CHECK(r.rtt_ns == -1 && r.timestamp_ns == 5 && r.grab == NULL);
	}
	CHECK_STR_EQ(result_reason_name(REASON_ARP_RESPONSE), "arp-response");
	CHECK_STR_EQ(result_proto_name(RESULT_PROTO_ARP), "arp");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* One on-link host (ARP up, 80 open) and one routed host (22 open, no MAC). */
static void test_outputs(void)
{
	char mac[18];
	result_mac_text(HOST_MAC, mac);
	CHECK_STR_EQ(mac, "00:14:22:12:05:0A");
	struct scan_result up = {.addr = HOST_IP, .responder = HOST_IP, .proto = RESULT_PROTO_ARP,
				 .state = HOST_UP, .reason = REASON_ARP_RESPONSE, .rtt_ns = -1,
				 .has_mac = 1};
	memcpy(up.mac, HOST_MAC, 6);
	struct scan_result open80 = up;
	open80.proto = 6;
	open80.port = 80;
	open80.state = PORT_OPEN;
	open80.reason = REASON_SYN_ACK;
	open80.ttl = 64;
	struct scan_result routed = {.addr = 0xc612010au, .responder = 0xc612010au, .proto = 6,
				     .port = 22, .state = PORT_OPEN, .reason = REASON_SYN_ACK,
				     .ttl = 63, .rtt_ns = -1};
	char line[1024];
	ndjson_format_result(&up, line, sizeof line);
	CHECK(strstr(line, "\"proto\":\"arp\"") && strstr(line, "\"mac\":\"00:14:22:12:05:0A\"") &&
	      !strstr(line, "\"port\"") && !strstr(line, "\"ttl\""));
	ndjson_format_result(&open80, line, sizeof line);
	CHECK(strstr(line, "\"port\":80") && strstr(line, "\"mac\":\"00:14:22:12:05:0A\""));
	ndjson_format_result(&routed, line, sizeof line);
	CHECK(strstr(line, "\"mac\"") == NULL);

	char dir[] = "/tmp/test_arp_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char txt[64], xml[64], nd[64];
	snprintf(txt, sizeof txt, "%s/o.txt", dir);
	snprintf(xml, sizeof xml, "%s/o.xml", dir);
	snprintf(nd, sizeof nd, "%s/o.ndjson", dir);
	struct output_options o = {.format = "ndjson", .path = nd, .normal_path = txt, .xml_path = xml};
	struct output_set *os;
	struct errbuf e;
	CHECK(output_set_open(&os, &o, &e) == 0);
	static const struct port_entry ports[2] = {{22, 6}, {80, 6}};
	struct output_scan_info info = {.command_line = "orbit -p 22,80", .start_ns = 1,
					.ports = ports, .nports = 2, .addresses = 2};
	output_set_begin(os, &info);
	struct scan_result v[3] = {up, open80, routed};
	output_set_write(os, v, 3);
	CHECK(output_set_finish(os, 2, false, &e) == 0);
	output_set_close(os);
	const char *t = slurp(txt);
	/* The vendor is nmap's name for the OUI (nmap-common's table, read at run time). */
	bool table = access(MAC_VENDORS_DEFAULT_PATH, R_OK) == 0;
	CHECK(t && strstr(t, table ? "80/tcp open  http\nMAC Address: 00:14:22:12:05:0A (Dell)\n"
				   : "80/tcp open  http\nMAC Address: 00:14:22:12:05:0A (Unknown)\n"));
	const char *first = t ? strstr(t, "MAC Address") : NULL;
	CHECK(first && !strstr(first + 1, "MAC Address")); /* the routed host has none */
	const char *x = slurp(xml);
	CHECK(x && strstr(x, "<address addr=\"198.18.5.10\" addrtype=\"ipv4\"/>\n"
			     "<address addr=\"00:14:22:12:05:0A\" addrtype=\"mac\""));
	CHECK(x && (!table || strstr(x, "addrtype=\"mac\" vendor=\"Dell\"/>")));
	CHECK(x && strstr(x, "addr=\"198.18.1.10\" addrtype=\"ipv4\"/>\n<hostnames>"));
	unlink(txt);
	unlink(xml);
	unlink(nd);
	rmdir(dir);
}

int main(void)
{
	test_request();
	test_reply_check();
	test_classify();
	test_outputs();
	return check_done("arp");
}
