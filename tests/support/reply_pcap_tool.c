/* Bridges the classifier to independent tools through files (nothing is sent):
 *   reply_pcap_tool craft OUT.pcap          crafted valid replies, for scapy/tshark to check
 *   reply_pcap_tool classify IN.pcap [syn|ack]  one line per frame: "STATE REASON ADDR PORT"
 *                                            or "drop CAUSE"
 *   reply_pcap_tool corpus DIR              fuzz seeds: one file per frame, first byte =
 *                                            fuzz_reply's mode byte
 * Fixed key (craft_test_key), our address 198.18.0.1, source ports 32768..60999. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/probe/reply.h"
#include "tests/support/craft.h"

#define SPORT_BASE 32768
#define SPORT_COUNT 28232
#define SEND_NS 1700000000000000000ull

struct frame_set {
	uint8_t data[96][CRAFT_MAX_FRAME];
	size_t len[96];
	uint8_t mode[96]; /* fuzz mode byte: bit 0 ACK probes, bit 1 raw IP */
	size_t n;
};

static void add(struct frame_set *fs, const struct craft *c, uint8_t mode)
{
	if (fs->n >= 96)
		return;
	fs->len[fs->n] = craft_frame(fs->data[fs->n], CRAFT_MAX_FRAME, c);
	fs->mode[fs->n] = mode;
	fs->n++;
}

/* A spread of valid replies; the corpus adds a few spoiled ones so the fuzzer starts on
 * every drop path too. */
static void craft_set(struct frame_set *fs, const struct craft_scan *s, bool with_spoiled)
{
	static const uint8_t icmp_codes[] = {0, 1, 2, 3, 4, 9, 10, 13};
	struct craft c;
	uint32_t t = CRAFT_TARGET(0x0102);
	craft_tcp_reply(&c, s, t, 443, CRAFT_SYN | CRAFT_ACK);
	c.tsecr = (uint32_t)(SEND_NS / 1000);
	add(fs, &c, 0);
	c.vlan_tags = 1;
	add(fs, &c, 0);
	c.vlan_tags = 2;
	c.ip_options_len = 12;
	add(fs, &c, 0);
	craft_tcp_reply(&c, s, t, 22, CRAFT_RST | CRAFT_ACK);
	add(fs, &c, 0);
	craft_tcp_reply(&c, s, t, 80, CRAFT_SYN | CRAFT_ACK);
	c.tcp_options = false;
	add(fs, &c, 0);
	craft_rst_to_ack(&c, s, t, 8080);
	add(fs, &c, 1);
	craft_udp_reply(&c, s, t, 53, (const uint8_t *)"\x12\x34\x81\x80\0\1\0\1\0\0\0\0", 12);
	add(fs, &c, 0);
	craft_udp_reply(&c, s, t, 123, (const uint8_t *)"\x24\x02\x00\xe8", 4);
	c.udp_no_checksum = true;
	add(fs, &c, 0);
	craft_echo_reply(&c, s, t, SEND_NS);
	add(fs, &c, 0);
	for (size_t i = 0; i < sizeof icmp_codes; i++) {
		craft_icmp_error(&c, s, CRAFT_ROUTER, t, 443, IPPROTO_TCP, TCP_PROBE_SYN, 3,
				 icmp_codes[i], 0);
		add(fs, &c, 0);
		craft_icmp_error(&c, s, t, t, 161, IPPROTO_UDP, TCP_PROBE_SYN, 3, icmp_codes[i], 0);
		add(fs, &c, 0);
	}
	craft_icmp_error(&c, s, CRAFT_ROUTER, t, 443, IPPROTO_TCP, TCP_PROBE_SYN, 3, 13, 200);
	add(fs, &c, 0);
	craft_icmp_error(&c, s, CRAFT_ROUTER, t, 443, IPPROTO_TCP, TCP_PROBE_ACK, 3, 13, 40);
	add(fs, &c, 1);
	craft_icmp_error(&c, s, CRAFT_ROUTER, t, 443, IPPROTO_TCP, TCP_PROBE_SYN, 11, 0, 0);
	add(fs, &c, 0);
	craft_icmp_error(&c, s, CRAFT_ROUTER, t, 0, IPPROTO_ICMP, TCP_PROBE_SYN, 3, 1, 0);
	add(fs, &c, 0);
	craft_tcp_reply(&c, s, t, 443, CRAFT_SYN | CRAFT_ACK);
	c.raw_ip = true;
	add(fs, &c, 2);
	if (!with_spoiled)
		return;
	craft_tcp_reply(&c, s, t, 443, CRAFT_SYN | CRAFT_ACK);
	c.bad_l4_checksum = true;
	add(fs, &c, 0);
	c.bad_l4_checksum = false;
	c.bad_ip_checksum = true;
	add(fs, &c, 0);
	c.bad_ip_checksum = false;
	c.frag = 0x2000;
	add(fs, &c, 0);
	c.frag = 0;
	c.ack++;
	add(fs, &c, 0);
	c.ack--;
	c.dport++;
	add(fs, &c, 0);
	craft_tcp_reply(&c, s, t, 443, CRAFT_SYN | CRAFT_ACK);
	add(fs, &c, 4); /* bit 2: NIC-verified checksums */
	craft_udp_reply(&c, s, t, 9, (const uint8_t *)"x", 1);
	c.bad_l4_checksum = true;
	add(fs, &c, 0);
	craft_echo_reply(&c, s, t, SEND_NS);
	c.icmp_type = 8;
	add(fs, &c, 0);
}

static int write_pcap(const char *path)
{
	struct cookie_key key = craft_test_key();
	struct craft_scan s = {&key, CRAFT_US, SPORT_BASE, SPORT_COUNT};
	static struct frame_set fs;
	craft_set(&fs, &s, false);
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = p ? pcap_dump_open(p, path) : NULL;
	if (!d) {
		fprintf(stderr, "cannot write %s: %s\n", path, p ? pcap_geterr(p) : "pcap");
		return 1;
	}
	for (size_t i = 0; i < fs.n; i++) {
		if (fs.mode[i] & 2)
			continue; /* raw IP frames do not belong in an Ethernet capture */
		struct pcap_pkthdr h = {.caplen = (bpf_u_int32)fs.len[i],
					.len = (bpf_u_int32)fs.len[i]};
		h.ts.tv_sec = (time_t)(SEND_NS / 1000000000ull) + 1;
		pcap_dump((u_char *)d, &h, fs.data[i]);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

static int write_corpus(const char *dir)
{
	struct cookie_key key = craft_test_key();
	struct craft_scan s = {&key, CRAFT_US, SPORT_BASE, SPORT_COUNT};
	static struct frame_set fs;
	craft_set(&fs, &s, true);
	for (size_t i = 0; i < fs.n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/seed-%02zu", dir, i);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(&fs.mode[i], 1, 1, f) != 1 ||
		    fwrite(fs.data[i], 1, fs.len[i], f) != fs.len[i] || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	printf("%zu seeds in %s\n", fs.n, dir);
	return 0;
}

static int classify_pcap(const char *path, enum tcp_probe_kind kind)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct cookie_key key = craft_test_key();
	struct classify_ctx ctx = {
		.key = &key,
		.our_addrs = {CRAFT_US},
		.n_our_addrs = 1,
		.sport_base = SPORT_BASE,
		.sport_count = SPORT_COUNT,
		.tcp_probe = kind,
		.link = pcap_datalink(p) == DLT_RAW ? REPLY_LINK_RAW_IPV4 : REPLY_LINK_ETHERNET,
	};
	struct rx_counters cnt = {0};
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1) {
		uint64_t rx_ns = (uint64_t)h->ts.tv_sec * 1000000000ull +
				 (uint64_t)h->ts.tv_usec * 1000ull;
		struct scan_result r;
		uint64_t before[RX_DROP_COUNT];
		for (int i = 0; i < RX_DROP_COUNT; i++)
			before[i] = cnt.drops[i];
		if (reply_classify(&ctx, data, h->caplen, CSUM_RX_UNKNOWN, rx_ns, &r, &cnt)) {
			struct in_addr a = {htonl(r.addr)}, resp = {htonl(r.responder)};
			char as[INET_ADDRSTRLEN], rs[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &a, as, sizeof as);
			inet_ntop(AF_INET, &resp, rs, sizeof rs);
			printf("%s %s %s %u proto=%u from=%s ttl=%u rtt=%lld\n",
			       port_state_name(r.state), result_reason_name(r.reason), as, r.port,
			       r.proto, rs, r.ttl, (long long)r.rtt_ns);
		} else {
			for (int i = 0; i < RX_DROP_COUNT; i++)
				if (cnt.drops[i] != before[i])
					printf("drop %s\n", rx_drop_name(i));
		}
	}
	pcap_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "craft") == 0)
		return write_pcap(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "corpus") == 0)
		return write_corpus(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "classify") == 0)
		return classify_pcap(argv[2], argc >= 4 && strcmp(argv[3], "ack") == 0
						     ? TCP_PROBE_ACK
						     : TCP_PROBE_SYN);
	fprintf(stderr, "usage: %s craft OUT.pcap | classify IN.pcap [syn|ack] | corpus DIR\n",
		argv[0]);
	return 2;
}
