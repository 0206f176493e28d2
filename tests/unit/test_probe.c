/* Probe frames: every kind, TCP option profile and UDP payload port is built, checked
 * here against full checksum recomputation, and written to a pcap that an independent
 * dissector (tests/probe_dissect.py, scapy) checks field by field against the key.
 * Also: incremental checksum updates against recomputation, bursts against single
 * builds, the UDP payload option parser, and the reply-id checks per protocol.
 * Environment (set by meson): ORBIT_PYTHON (a python3 with scapy), ORBIT_SOURCE_ROOT. */
#include "core/base/checksum.h"
#include "core/base/cookie.h"
#include "core/base/packet.h"
#include "core/probe/probe.h"
#include "core/probe/udp_payloads.h"
#include "tests/unit/check.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#define SADDR 0xc6120001u /* 198.18.0.1 */
#define NOW_NS UINT64_C(1767225600123456789)

static uint64_t rng_state = 0x0123456789abcdefULL;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t random_target(void)
{
	return 0xc6130000u | (uint32_t)(rng_next() & 0xffff); /* 198.19.0.0/16 */
}

static struct probe_config base_config(void)
{
	struct probe_config cfg = {
		.src_mac = {0x02, 0, 0, 0, 0, 0x01},
		.dst_mac = {0x02, 0, 0, 0, 0, 0x02},
		.saddr = SADDR,
		.sport_base = 32768,
		.sport_count = 28232,
		.ttl = 64,
		.tcp_options = TCP_OPTIONS_LINUX,
	};
	return cfg;
}

/* ---- Checks done in C on every frame: lengths and full checksum recomputation. */

static void check_frame_checksums(const uint8_t *frame, size_t len, const struct probe_template *t)
{
	const uint8_t *ip = frame + t->l3_off;
	CHECK_EQ_U64(pkt_be16(ip + 2) + t->l3_off, len);
	CHECK_EQ_U64(pkt_be16(ip + 10), pkt_ipv4_checksum(ip));
	uint16_t l4_len = (uint16_t)(len - t->l4_off);
	uint8_t proto = ip[9];
	size_t check_at = proto == PKT_IPPROTO_TCP ? 16 : proto == PKT_IPPROTO_UDP ? 6 : 2;
	CHECK_EQ_U64(pkt_be16(frame + t->l4_off + check_at),
		     pkt_l4_checksum(SADDR, pkt_be32(ip + 16), proto, frame + t->l4_off, l4_len));
}

/* ---- The pcap + expectations pair for the dissector. */

struct capture {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *expect;
	struct cookie_key key;
	int frames;
};

static void capture_add(struct capture *cap, const struct probe_template *t,
			const struct probe_config *cfg, uint32_t daddr, uint16_t dport,
			uint64_t cookie, int crafted, const char *payload_hex)
{
	uint8_t frame[2048];
	memset(frame, 0xee, sizeof frame);
	size_t len = probe_build(t, frame, daddr, dport, cookie, NOW_NS);
	CHECK(len >= 42 && len <= probe_frame_max(t));
	check_frame_checksums(frame, len, t);
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
	h.ts.tv_sec = (time_t)(NOW_NS / 1000000000u);
	pcap_dump((u_char *)cap->dumper, &h, frame);

	const char *payload = "-";
	if (t->kind == &probe_kind_udp && cfg->udp_payloads)
		payload = udp_payload_name(cfg->udp_payloads, dport);
	fprintf(cap->expect,
		"%s %s %u %u 198.18.0.1 198.19.%u.%u %u %u %u %016" PRIx64 " %016" PRIx64
		" %" PRIu64 " %s %s %016" PRIx64 " %d\n",
		t->kind->name, tcp_option_profile_name(cfg->tcp_options), (unsigned)cfg->vlan_id,
		(unsigned)cfg->ttl, (unsigned)(daddr >> 8 & 0xff), (unsigned)(daddr & 0xff),
		(unsigned)dport, (unsigned)cfg->sport_base, (unsigned)cfg->sport_count,
		cap->key.sip.k0, cap->key.sip.k1, NOW_NS, payload ? payload : "-",
		payload_hex ? payload_hex : "-", cookie, crafted);
	cap->frames++;
}

static void capture_kind(struct capture *cap, const char *kind_name, const struct probe_config *cfg,
			 const uint16_t *ports, size_t nports, int per_port)
{
	const struct probe_kind *kind = probe_kind_by_name(kind_name);
	CHECK(kind != NULL);
	if (!kind)
		return;
	struct probe_template t;
	struct errbuf e = {{0}};
	int rc = probe_template_init(&t, kind, cfg, &e);
	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "template %s: %s\n", kind_name, e.msg);
		return;
	}
	for (size_t p = 0; p < nports; p++) {
		for (int i = 0; i < per_port; i++) {
			uint32_t daddr = random_target();
			const char *hex = NULL;
			if (kind == &probe_kind_udp && cfg->udp_payloads) {
				const char *name = udp_payload_name(cfg->udp_payloads, ports[p]);
				if (name && strcmp(name, "user") == 0)
					hex = ports[p] == 9999 ? "deadbeef00" : "6f72626974";
			}
			capture_add(cap, &t, cfg, daddr, ports[p],
				    probe_cookie(&t, &cap->key, daddr, ports[p]), 0, hex);
		}
	}
}

static int write_payload_file(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fputs("orbit", f);
	return fclose(f);
}

static void capture_udp(struct capture *cap, const char *dir)
{
	struct udp_payload_table *table = udp_payload_table_new(true);
	CHECK(table != NULL);
	if (!table)
		return;
	struct errbuf e = {{0}};
	char spec[600];
	char file[512];
	snprintf(file, sizeof file, "%s/payload.bin", dir);
	CHECK(write_payload_file(file) == 0);
	snprintf(spec, sizeof spec, "9998:@%s", file);
	CHECK(udp_payload_parse_option(table, "5300:dns-root-ns", &e) == 0);
	CHECK(udp_payload_parse_option(table, "1230:ntp-v3", &e) == 0);
	CHECK(udp_payload_parse_option(table, "1610:snmp-v1", &e) == 0);
	CHECK(udp_payload_parse_option(table, "9999:de ad BE ef 00", &e) == 0);
	CHECK(udp_payload_parse_option(table, spec, &e) == 0);

	uint16_t ports[] = {53, 69, 111, 123, 137, 161, 500, 1900, 5353, 5683, 11211,
			    5300, 1230, 1610, 9999, 9998, 7, 80};
	struct probe_config cfg = base_config();
	cfg.udp_payloads = table;
	capture_kind(cap, "udp", &cfg, ports, sizeof ports / sizeof ports[0], 3);
	cfg.vlan_id = 7;
	cfg.sport_base = 40000;
	cfg.sport_count = 1;
	capture_kind(cap, "udp", &cfg, ports, 2, 1);

	/* SNMP request-ids of every BER length (1..4 content bytes), with chosen cookies. */
	cfg = base_config();
	cfg.udp_payloads = table;
	struct probe_template t;
	CHECK(probe_template_init(&t, &probe_kind_udp, &cfg, &e) == 0);
	static const uint32_t ids[] = {0, 0x7f, 0x80, 0x7fff, 0x8000, 0x7fffff, 0x800000, 0x7fffffff};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		uint64_t c = ((uint64_t)ids[i] << 33) | (rng_next() & 0x1ffffffffULL);
		capture_add(cap, &t, &cfg, random_target(), 161, c, 1, NULL);
		capture_add(cap, &t, &cfg, random_target(), 1610, c, 1, NULL);
	}
	udp_payload_table_free(table);
}

static void test_frames_dissected(void)
{
	char dir[] = "/tmp/orbit-probe-test-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char pcap_path[600], expect_path[600];
	snprintf(pcap_path, sizeof pcap_path, "%s/probes.pcap", dir);
	snprintf(expect_path, sizeof expect_path, "%s/expect.txt", dir);

	struct capture cap = {0};
	CHECK(cookie_key_random(&cap.key) == 0);
	cap.dead = pcap_open_dead(DLT_EN10MB, 65535);
	cap.dumper = pcap_dump_open(cap.dead, pcap_path);
	cap.expect = fopen(expect_path, "w");
	CHECK(cap.dumper != NULL && cap.expect != NULL);
	if (!cap.dumper || !cap.expect)
		return;

	uint16_t tcp_ports[] = {22, 80, 443, 65535, 1};
	for (int profile = TCP_OPTIONS_LINUX; profile <= TCP_OPTIONS_NONE; profile++) {
		struct probe_config cfg = base_config();
		cfg.tcp_options = (enum tcp_option_profile)profile;
		capture_kind(&cap, "tcp-syn", &cfg, tcp_ports, 5, 2);
		cfg.vlan_id = 42;
		cfg.ttl = 128;
		cfg.sport_base = 0;
		cfg.sport_count = 65536;
		capture_kind(&cap, "tcp-syn", &cfg, tcp_ports, 2, 1);
	}
	struct probe_config cfg = base_config();
	capture_kind(&cap, "tcp-ack", &cfg, tcp_ports, 5, 2);
	uint16_t no_port = 0;
	capture_kind(&cap, "icmp-echo", &cfg, &no_port, 1, 10);
	cfg.vlan_id = 4094;
	capture_kind(&cap, "icmp-echo", &cfg, &no_port, 1, 2);
	capture_udp(&cap, dir);

	pcap_dump_close(cap.dumper);
	pcap_close(cap.dead);
	fclose(cap.expect);

	const char *python = getenv("ORBIT_PYTHON");
	const char *root = getenv("ORBIT_SOURCE_ROOT");
	CHECK(python && *python && root && *root);
	if (!python || !*python || !root || !*root) {
		fprintf(stderr, "no python3 with scapy (install python3-scapy); frames in %s\n", dir);
		return;
	}
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' '%s/tests/probe_dissect.py' '%s' '%s'", python, root,
		 pcap_path, expect_path);
	fflush(stdout);
	int rc = system(cmd);
	CHECK(rc == 0);
	if (rc == 0) {
		unlink(pcap_path);
		unlink(expect_path);
		char file[600];
		snprintf(file, sizeof file, "%s/payload.bin", dir);
		unlink(file);
		rmdir(dir);
	} else {
		fprintf(stderr, "dissector failed (%d); frames kept in %s\n", rc, dir);
	}
	printf("frames written and dissected: %d\n", cap.frames);
}

/* ---- Incremental checksums: RFC 1624 updates equal a full recomputation. */

static void test_incremental_checksums(void)
{
	uint8_t buf[64];
	int bad16 = 0, bad32 = 0;
	for (int round = 0; round < 20000; round++) {
		size_t len = 2 + 2 * (size_t)(rng_next() % 31);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng_next();
		uint16_t check = csum_fold(csum_partial(buf, len, 0));
		size_t at = 2 * (size_t)(rng_next() % (len / 2));
		uint16_t old16 = pkt_be16(buf + at), new16 = (uint16_t)rng_next();
		if (round % 7 == 0)
			new16 = (uint16_t)~old16; /* the edge RFC 1624 was written for */
		pkt_put_be16(buf + at, new16);
		uint16_t want = csum_fold(csum_partial(buf, len, 0));
		uint16_t got = csum_update16(check, old16, new16);
		/* One's complement has two zeros; a checksum is right if it verifies. */
		bad16 += got != want && csum_fold(csum_partial(buf, len, 0) + got) != 0;
		if (len >= 4) {
			at = 2 * (size_t)(rng_next() % (len / 2 - 1));
			uint32_t old32 = pkt_be32(buf + at), new32 = (uint32_t)rng_next();
			check = csum_fold(csum_partial(buf, len, 0));
			pkt_put_be32(buf + at, new32);
			want = csum_fold(csum_partial(buf, len, 0));
			got = csum_update32(check, old32, new32);
			bad32 += got != want && csum_fold(csum_partial(buf, len, 0) + got) != 0;
		}
	}
	CHECK(bad16 == 0);
	CHECK(bad32 == 0);
	/* And every probe kind's patched checksums over many random targets. */
	struct udp_payload_table *table = udp_payload_table_new(true);
	struct probe_config cfg = base_config();
	cfg.udp_payloads = table;
	uint8_t frame[2048];
	for (size_t k = 0; k < probe_kind_count(); k++) {
		struct probe_template t;
		if (probe_kind_at(k) == &probe_kind_arp)
			continue; /* no IP header, no checksum: test_arp checks its frames */
		CHECK(probe_template_init(&t, probe_kind_at(k), &cfg, NULL) == 0);
		for (int i = 0; i < 3000; i++) {
			uint16_t dport = i % 3 ? (uint16_t)rng_next() : (uint16_t)(i % 2 ? 161 : 53);
			size_t len = probe_build(&t, frame, (uint32_t)rng_next(), dport, rng_next(),
						 rng_next());
			/* Random addresses: recompute with the frame's own daddr. */
			check_frame_checksums(frame, len, &t);
		}
	}
	udp_payload_table_free(table);
}

static void test_burst_equals_single(void)
{
	struct udp_payload_table *table = udp_payload_table_new(true);
	struct probe_config cfg = base_config();
	cfg.udp_payloads = table;
	struct cookie_key key;
	CHECK(cookie_key_random(&key) == 0);
	enum { N = 150 };
	static uint8_t burst_frames[N][256], single[256];
	uint8_t *frames[N];
	uint16_t lens[N];
	uint32_t daddr[N];
	uint16_t dport[N];
	for (int i = 0; i < N; i++) {
		frames[i] = burst_frames[i];
		daddr[i] = random_target();
		dport[i] = i % 4 == 0 ? 53 : (uint16_t)rng_next();
	}
	/* Untagged with Linux options is each kind's specialised burst loop; a VLAN tag and
	 * other options take the general one. */
	for (size_t k = 0; k < 2 * probe_kind_count(); k++) {
		struct probe_template t;
		cfg.vlan_id = k & 1 ? 9 : 0;
		cfg.tcp_options = k & 1 ? TCP_OPTIONS_WINDOWS : TCP_OPTIONS_LINUX;
		CHECK(probe_template_init(&t, probe_kind_at(k / 2), &cfg, NULL) == 0);
		probe_build_burst(&t, &key, frames, lens, daddr, dport, N, NOW_NS);
		int bad = 0;
		for (int i = 0; i < N; i++) {
			uint64_t c = probe_cookie(&t, &key, daddr[i], dport[i]);
			size_t len = probe_build(&t, single, daddr[i], dport[i], c, NOW_NS);
			bad += len != lens[i] || memcmp(single, frames[i], len) != 0;
		}
		CHECK(bad == 0);
	}
	udp_payload_table_free(table);
}

static void test_config_errors(void)
{
	struct probe_template t;
	struct errbuf e = {{0}};
	struct probe_config cfg = base_config();
	cfg.sport_base = 65000;
	cfg.sport_count = 1000;
	CHECK(probe_template_init(&t, &probe_kind_tcp_syn, &cfg, &e) == -1);
	CHECK(strstr(e.msg, "65000") != NULL);
	cfg = base_config();
	cfg.sport_count = 0;
	CHECK(probe_template_init(&t, &probe_kind_tcp_syn, &cfg, &e) == -1);
	cfg = base_config();
	cfg.vlan_id = 4095;
	CHECK(probe_template_init(&t, &probe_kind_tcp_syn, &cfg, &e) == -1);
	CHECK(strstr(e.msg, "4095") != NULL);
	enum tcp_option_profile p;
	CHECK(tcp_option_profile_parse("windows", &p, &e) == 0 && p == TCP_OPTIONS_WINDOWS);
	CHECK(tcp_option_profile_parse("bsd", &p, &e) == -1);
	CHECK(strstr(e.msg, "'bsd'") != NULL);
	CHECK(probe_kind_by_name("tcp-syn") == &probe_kind_tcp_syn);
	CHECK(probe_kind_by_name("icmp-echo") == &probe_kind_icmp_echo);
	CHECK(probe_kind_by_name("sctp") == NULL);
	CHECK(probe_kind_at(probe_kind_count()) == NULL);
}

static void test_payload_option_parser(void)
{
	struct udp_payload_table *t = udp_payload_table_new(false);
	struct errbuf e = {{0}};
	uint8_t out[UDP_PAYLOAD_MAX];
	uint32_t sum = 0;
	CHECK(udp_payload_name(t, 53) == NULL);
	CHECK(udp_payload_parse_option(t, "53:0001 02ff", &e) == 0);
	CHECK_STR_EQ(udp_payload_name(t, 53), "user");
	CHECK_EQ_U64(udp_payload_write(t, 53, 0, out, &sum), 4);
	CHECK(memcmp(out, "\x00\x01\x02\xff", 4) == 0);
	CHECK_EQ_U64(sum, 0x0001 + 0x02ff);
	CHECK(udp_payload_parse_option(t, "53:", &e) == 0); /* back to empty */
	CHECK(udp_payload_name(t, 53) == NULL);
	CHECK(udp_payload_parse_option(t, "2000:snmp-v1", &e) == 0);
	CHECK_STR_EQ(udp_payload_name(t, 2000), "snmp-v1");

	static const struct {
		const char *spec, *needle;
	} bad[] = {
		{"70000:00", "70000"},      {"53:abc", "odd"},        {"53:zz", "'z'"},
		{":00", "PORT"},            {"53", "PORT"},           {"5x3:00", "bad port"},
		{"53:@/nonexistent/orbit-payload", "/nonexistent"},   {"53:not-a-builtin", "'n'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.msg[0] = 0;
		CHECK(udp_payload_parse_option(t, bad[i].spec, &e) == -1);
		if (!strstr(e.msg, bad[i].needle))
			fprintf(stderr, "  '%s' gave message '%s'\n", bad[i].spec, e.msg);
		CHECK(strstr(e.msg, bad[i].needle) != NULL);
	}
	/* Too long, as hex and as a file. */
	static char longhex[2 * (UDP_PAYLOAD_MAX + 1) + 8];
	strcpy(longhex, "1:");
	for (int i = 0; i <= UDP_PAYLOAD_MAX; i++)
		strcat(longhex + 2 * i, "ab");
	CHECK(udp_payload_parse_option(t, longhex, &e) == -1);
	CHECK(strstr(e.msg, "longer") != NULL);
	char path[] = "/tmp/orbit-payload-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	static uint8_t big[UDP_PAYLOAD_MAX + 1];
	CHECK(write(fd, big, sizeof big) == (ssize_t)sizeof big);
	close(fd);
	char spec[64];
	snprintf(spec, sizeof spec, "1:@%s", path);
	CHECK(udp_payload_parse_option(t, spec, &e) == -1);
	CHECK(strstr(e.msg, "longer") != NULL);
	unlink(path);
	CHECK(udp_payload_set_bytes(t, 1, big, UDP_PAYLOAD_MAX, &e) == 0);
	CHECK_EQ_U64(udp_payload_max_len(t), UDP_PAYLOAD_MAX);
	udp_payload_table_free(t);

	/* Every built-in is listed with a name and can be put on a port. */
	t = udp_payload_table_new(true);
	for (size_t i = 0; i < udp_payload_builtin_count(); i++) {
		const struct udp_payload_builtin_info *b = udp_payload_builtin_at(i);
		if (b->default_port)
			CHECK_STR_EQ(udp_payload_name(t, b->default_port), b->name);
		CHECK(udp_payload_set_builtin(t, (uint16_t)(30000 + i), b->name, &e) == 0);
	}
	CHECK(udp_payload_builtin_at(udp_payload_builtin_count()) == NULL);
	udp_payload_table_free(t);
}

/* ---- Reply ids: a genuine reply passes, one with another cookie's id does not. */

static size_t reply_for(uint16_t port, const uint8_t *query, size_t qlen, uint64_t c, uint8_t *r)
{
	uint64_t cookie_be;
	switch (port) {
	case 53:
	case 137:
	case 5353:
		memcpy(r, query, qlen);
		r[2] |= 0x80; /* QR: response */
		return qlen;
	case 11211:
		memcpy(r, query, 8);
		memcpy(r + 8, "VERSION 1.6.18\r\n", 16);
		return 24;
	case 123:
		memset(r, 0, 48);
		r[0] = 0x24; /* v4 server */
		cookie_be = __builtin_bswap64(c);
		memcpy(r + 24, &cookie_be, 8);
		return 48;
	case 111:
		memcpy(r, query, 4);
		memset(r + 4, 0, 20);
		r[7] = 1; /* REPLY */
		return 24;
	case 500:
		memcpy(r, query, 28);
		r[16] = 11; /* notification */
		return 28;
	case 5683:
		memcpy(r, query, 8);
		r[0] = 0x64; /* ACK, token length 4 */
		r[1] = 0x45; /* 2.05 Content */
		return 8;
	case 161: {
		/* GetResponse with long-form lengths, request-id copied from the query. */
		size_t idlen = query[16];
		uint8_t *p = r;
		const uint8_t head[] = {0x30, 0x82, 0x00, 0x00, 0x02, 0x01, 0x01, 0x04, 0x06,
					'p', 'u', 'b', 'l', 'i', 'c', 0xa2, 0x81, 0x00, 0x02};
		memcpy(p, head, sizeof head), p += sizeof head;
		*p++ = (uint8_t)idlen;
		memcpy(p, query + 17, idlen), p += idlen;
		memset(p, 0, 130), p += 130; /* the rest does not matter to the id check */
		size_t len = (size_t)(p - r);
		r[3] = (uint8_t)(len - 4);
		r[17] = (uint8_t)(len - 18);
		return len;
	}
	default:
		memcpy(r, "anything", 8);
		return 8;
	}
}

static void test_reply_ids(void)
{
	struct udp_payload_table *t = udp_payload_table_new(true);
	static const uint16_t ports[] = {53, 137, 5353, 11211, 123, 111, 500, 5683, 161};
	uint8_t q[UDP_PAYLOAD_MAX], r[UDP_PAYLOAD_MAX];
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		for (int round = 0; round < 200; round++) {
			uint64_t c = rng_next(), other = c ^ 0xffffffff00000000ULL;
			if (round < 4) /* small SNMP request-ids: short BER */
				c = ((uint64_t)(0x7fu << (8 * round)) << 33) | (c & 0xffff);
			uint32_t sum = 0;
			size_t qlen = udp_payload_write(t, ports[i], c, q, &sum);
			CHECK(qlen > 0);
			size_t rlen = reply_for(ports[i], q, qlen, c, r);
			int ok = udp_payload_check_reply(t, ports[i], r, rlen, c);
			CHECK(ok);
			if (!ok)
				fprintf(stderr, "  port %u round %d: genuine reply rejected\n",
					(unsigned)ports[i], round);
			CHECK(!udp_payload_check_reply(t, ports[i], r, rlen, other));
			/* Truncated replies never pass, nor crash. */
			CHECK(!udp_payload_check_reply(t, ports[i], r, 3, c));
			if (ports[i] != 5683 && ports[i] != 161)
				CHECK(!udp_payload_check_reply(t, ports[i], r, 7, c));
		}
	}
	uint8_t q53[64];
	uint32_t sum = 0;
	size_t n = udp_payload_write(t, 53, 42, q53, &sum);
	CHECK(!udp_payload_check_reply(t, 53, q53, n, 42)); /* a query echoed back is no answer */
	uint8_t coap[8];
	size_t clen = udp_payload_write(t, 5683, 7ULL << 48, q, &sum);
	CHECK(clen > 8);
	memcpy(coap, q, 8);
	coap[2] ^= 0xff; /* separate response: new message id, same token */
	CHECK(udp_payload_check_reply(t, 5683, coap, 8, 7ULL << 48));
	coap[7] ^= 1;
	CHECK(!udp_payload_check_reply(t, 5683, coap, 8, 7ULL << 48));
	/* Ports without an id accept any reply. */
	CHECK(udp_payload_check_reply(t, 1900, r, 8, 1));
	CHECK(udp_payload_check_reply(t, 69, r, 8, 1));
	CHECK(udp_payload_check_reply(t, 4444, r, 0, 1));
	udp_reply_check_fn fn = udp_payload_check_reply;
	CHECK(fn(t, 4444, r, 0, 1));
	udp_payload_table_free(t);
}

/* The registry (PROBE_KIND_LIST) agrees with each kind's vtable, and lookups find them. */
static void test_registry(void)
{
	for (size_t i = 0; i < probe_kind_count(); i++) {
		const struct probe_kind *k = probe_kind_at(i);
		/* The first kind of a protocol answers for it; ICMP's second, the timestamp
		 * request, is reached by ICMP type (reply.c). */
		CHECK(probe_kind_for(k->ip_proto, k->tcp_probe) ==
		      (k == &probe_kind_icmp_timestamp ? &probe_kind_icmp_echo : k));
		CHECK(probe_kind_by_name(k->name) == k);
		CHECK(k->classify != NULL && k->classify_error != NULL);
	}
	CHECK(probe_kind_for(PKT_IPPROTO_TCP, TCP_PROBE_ACK) == &probe_kind_tcp_ack);
	CHECK(probe_kind_for(PKT_IPPROTO_UDP, TCP_PROBE_ACK) == &probe_kind_udp);
	CHECK(probe_kind_for(47, TCP_PROBE_SYN) == NULL);
}

int main(void)
{
	test_registry();
	test_config_errors();
	test_payload_option_parser();
	test_reply_ids();
	test_incremental_checksums();
	test_burst_equals_single();
	test_frames_dissected();
	return check_done("probe");
}
