/* The passive OS classifier on a pcap, for the scapy generator and p0f cross-check
 * (tests/osfp_scapy.py): files only, nothing is sent.
 *   osfp_tool classify IN.pcap PROFILE [P0F_FP]
 *       one line per SYN-ACK/RST the real reply classifier accepts:
 *       "ADDR PORT<TAB>OS_SIG<TAB>OS<TAB>CLASS<TAB>CONFIDENCE" ("-" when no match)
 *   osfp_tool count FILE    sigs and malformed lines of one signature file
 *   osfp_tool nmap-fp IN.pcap HOST [HOPS]   nmap -O's own probes to HOST in a capture
 *       and the first reply to each, as nmap_os_answers: whether nmap_os_probe_build()
 *       rebuilds each probe byte for byte, the distance, and the subject fingerprint
 *       nmap_os_fingerprint_text() makes of them (HOPS 0 or absent: from U1's reply)
 *   osfp_tool nmap-fp-seed IN.pcap HOST OUT   the same answers as a fuzz_nmap_fp seed
 *   osfp_tool nmap-match FILE DISTANCE [guess]   the nmap-os-db matcher and orbit's OS lines on
 *       the subject fingerprint nmap -O -d printed (its "OS:" lines, in FILE)
 * Fixed key (craft_test_key), our address 198.18.0.1, source ports 32768..60999, as
 * reply_pcap_tool. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/packet.h"
#include "core/osfp/nmap_fingerprint.h"
#include "core/osfp/nmap_os_db.h"
#include "core/osfp/nmap_tests.h"
#include "core/osfp/osfp.h"
#include "output/os_report.h"
#include "core/probe/reply.h"
#include "tests/support/craft.h"

#define SPORT_BASE 32768
#define SPORT_COUNT 28232

static void print_result(const struct osfp_db *db, unsigned profile, const struct scan_result *r)
{
	char sig[160];
	osfp_signature_text(r, sig, sizeof sig);
	struct in_addr a = {htonl(r->addr)};
	char as[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, as, sizeof as);
	struct osfp_guess g;
	if (osfp_match(db, r, profile, &g))
		printf("%s %u\t%s\t%s\t%s\t%u\n", as, r->port, sig, g.name, g.klass, g.confidence);
	else
		printf("%s %u\t%s\t-\t-\t0\n", as, r->port, sig);
}

static int classify_pcap(const char *path, const char *profile_name, const char *p0f)
{
	unsigned profile = osfp_profile_from_name(profile_name);
	if (!profile) {
		fprintf(stderr, "unknown profile '%s'\n", profile_name);
		return 2;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct osfp_db *db = osfp_db_load_default(p0f);
	struct cookie_key key = craft_test_key();
	struct classify_ctx ctx = {
		.key = &key,
		.our_addrs = {CRAFT_US},
		.n_our_addrs = 1,
		.sport_base = SPORT_BASE,
		.sport_count = SPORT_COUNT,
		.tcp_probe = TCP_PROBE_SYN,
		.link = pcap_datalink(p) == DLT_RAW ? REPLY_LINK_RAW_IPV4 : REPLY_LINK_ETHERNET,
	};
	struct rx_counters cnt = {0};
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct scan_result r;
		if (reply_classify(&ctx, data, h->caplen, CSUM_RX_UNKNOWN, 0, &r, &cnt))
			print_result(db, profile, &r);
	}
	osfp_db_free(db);
	pcap_close(p);
	return 0;
}

static int count_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text, f);
	fclose(f);
	struct osfp_db *db = osfp_db_new();
	size_t bad = 0, added = db ? osfp_db_parse(db, text, n, path, &bad) : 0;
	printf("%zu sigs, %zu bad lines\n", added, bad);
	osfp_db_free(db);
	return 0;
}

/* nmap -O's own probes in a capture, each known by what nmap puts in it: TCP by window
 * and flags (SEQ3 and SEQ4 share window 4: SEQ3 starts with a timestamp), U1 by its 300
 * 'C's, IE1 and IE2 by their echo sequence numbers 295 and 296. */
static int probe_of(const uint8_t *ip, size_t len)
{
	static const uint16_t win[NMAP_PROBE_U1] = {1, 63, 4, 4, 16, 512, 3, 128, 256, 1024,
						    31337, 32768, 65535};
	/* and flags: nmap's port-scan SYNs share T4's window 1024 */
	static const uint8_t flags[NMAP_PROBE_U1] = {0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0xc2,
						     0x00, 0x2b, 0x10, 0x02, 0x10, 0x29};
	const uint8_t *l4 = ip + (size_t)(ip[0] & 15) * 4;
	size_t l4_len = len - (size_t)(l4 - ip);
	if (ip[9] == PKT_IPPROTO_UDP)
		return l4_len == 308 && l4[8] == 'C' ? NMAP_PROBE_U1 : -1;
	if (ip[9] == PKT_IPPROTO_ICMP && l4[0] == PKT_ICMP_ECHO_REQUEST)
		return pkt_be16(l4 + 6) == 295 ? NMAP_PROBE_IE1 : pkt_be16(l4 + 6) == 296 ? NMAP_PROBE_IE2 : -1;
	if (ip[9] != PKT_IPPROTO_TCP || l4_len < 20)
		return -1;
	uint16_t w = pkt_be16(l4 + 14);
	for (int i = 0; i < NMAP_PROBE_U1; i++)
		if (w == win[i] && l4[13] == flags[i]) {
			if (i == NMAP_PROBE_SEQ3 && l4_len > 20 && l4[20] != PKT_TCPOPT_TIMESTAMP)
				return NMAP_PROBE_SEQ4;
			return i;
		}
	return -1;
}

/* Is the reply at ip (from the target) the answer to probe p? TCP by ports, ICMP errors
 * by the ports they quote, echo replies by identifier. */
static bool answers(const uint8_t *probe, const uint8_t *ip, size_t len)
{
	const uint8_t *pl4 = probe + (size_t)(probe[0] & 15) * 4;
	const uint8_t *l4 = ip + (size_t)(ip[0] & 15) * 4;
	size_t l4_len = len - (size_t)(l4 - ip);
	if (probe[9] == PKT_IPPROTO_TCP)
		return ip[9] == PKT_IPPROTO_TCP && l4_len >= 4 && pkt_be16(l4) == pkt_be16(pl4 + 2) &&
		       pkt_be16(l4 + 2) == pkt_be16(pl4);
	if (ip[9] != PKT_IPPROTO_ICMP || l4_len < 8)
		return false;
	if (probe[9] == PKT_IPPROTO_ICMP)
		return l4[0] == PKT_ICMP_ECHO_REPLY && pkt_be16(l4 + 4) == pkt_be16(pl4 + 4);
	const uint8_t *q = l4 + 8;
	return l4[0] == PKT_ICMP_UNREACH && l4_len >= 8 + 20 + 4 && q[9] == PKT_IPPROTO_UDP &&
	       pkt_be16(q + (size_t)(q[0] & 15) * 4) == pkt_be16(pl4);
}

struct capture {
	uint8_t probe[NMAP_PROBE_COUNT][512], reply[NMAP_PROBE_COUNT][1600];
	struct nmap_os_answers a;
};

static void take(struct capture *c, const uint8_t *ip, size_t len, uint64_t ns, uint32_t target)
{
	if (len > sizeof c->reply[0])
		len = sizeof c->reply[0];
	if (pkt_be32(ip + 16) == target) { /* a probe: the first of each kind */
		int k = probe_of(ip, len);
		if (k >= 0 && !c->a.x[k].probe && len <= sizeof c->probe[0]) {
			memcpy(c->probe[k], ip, len);
			c->a.x[k] = (struct nmap_os_exchange){c->probe[k], len, NULL, 0, ns, 0};
		}
		return;
	}
	if (pkt_be32(ip + 12) != target)
		return;
	for (int k = 0; k < NMAP_PROBE_COUNT; k++) {
		struct nmap_os_exchange *x = &c->a.x[k];
		if (x->probe && !x->reply && answers(x->probe, ip, len)) {
			memcpy(c->reply[k], ip, len);
			x->reply = c->reply[k];
			x->reply_len = len;
			x->reply_ns = ns;
			return;
		}
	}
}

static int read_capture(const char *path, const char *host, struct capture *c)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct in_addr ha;
	if (!pc || inet_pton(AF_INET, host, &ha) != 1) {
		fprintf(stderr, "%s\n", pc ? "bad host" : err);
		if (pc)
			pcap_close(pc);
		return 1;
	}
	size_t link = pcap_datalink(pc) == DLT_RAW ? 0 : 14;
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		if (h->caplen < link + 28 || (link && pkt_be16(d + 12) != 0x0800) ||
		    (d[link] >> 4) != 4 || (size_t)(d[link] & 15) * 4 + 8 > h->caplen - link)
			continue;
		uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec * 1000u;
		take(c, d + link, h->caplen - link, ns, ntohl(ha.s_addr));
	}
	pcap_close(pc);
	return 0;
}

/* Rebuilds each captured probe with nmap_os_probe_build() from the fields the sender
 * chooses (addresses, ports, numbers, IDs, TTL): how many came out byte for byte. */
static void check_probes(const struct capture *c)
{
	int same = 0, seen = 0;
	for (int k = 0; k < NMAP_PROBE_COUNT; k++) {
		const struct nmap_os_exchange *x = &c->a.x[k];
		if (!x->probe)
			continue;
		seen++;
		const uint8_t *ip = x->probe, *l4 = ip + (size_t)(ip[0] & 15) * 4;
		struct nmap_os_probe_fields f = {pkt_be32(ip + 12), pkt_be32(ip + 16), pkt_be16(l4),
			pkt_be16(l4 + 2), 0, 0, pkt_be16(ip + 4), 0, ip[8]};
		if (ip[9] == PKT_IPPROTO_TCP)
			f.seq = pkt_be32(l4 + 4), f.ack = pkt_be32(l4 + 8);
		if (ip[9] == PKT_IPPROTO_ICMP) {
			f.sport = f.dport = 0;
			f.icmp_id = (uint16_t)(pkt_be16(l4 + 4) - (k == NMAP_PROBE_IE2));
		}
		uint8_t out[512];
		size_t n = nmap_os_probe_build((enum nmap_os_probe)k, &f, out, sizeof out);
		if (n == x->probe_len && memcmp(out, x->probe, n) == 0)
			same++;
		else
			printf("probe %s differs from nmap's (%zu vs %zu bytes)\n",
			       nmap_os_probe_name((enum nmap_os_probe)k), n, x->probe_len);
	}
	printf("probes: %d of %d rebuilt byte for byte\n", same, seen);
}

/* nmap_os_fingerprint_text() on the answers to nmap -O's probes in a capture. */
static int nmap_fp(const char *path, const char *host, unsigned hops)
{
	static struct capture c;
	memset(&c, 0, sizeof c);
	if (read_capture(path, host, &c))
		return 1;
	c.a.hops = hops;
	check_probes(&c);
	printf("distance %u\n", nmap_os_distance(&c.a));
	char *fp = nmap_os_fingerprint_text(&c.a);
	if (!fp)
		return 1;
	fputs(fp, stdout);
	free(fp);
	return 0;
}

/* The answers of a capture in fuzz_nmap_fp's input layout (tests/fuzz/fuzz_nmap_fp.c),
 * a seed for it. */
static int nmap_fp_seed(const char *path, const char *host, const char *out_path)
{
	static struct capture c;
	memset(&c, 0, sizeof c);
	if (read_capture(path, host, &c))
		return 1;
	FILE *f = fopen(out_path, "wb");
	if (!f) {
		perror(out_path);
		return 1;
	}
	fputc(0, f); /* distance from U1 */
	uint64_t prev = c.a.x[0].sent_ns;
	for (int k = 0; k < NMAP_PROBE_COUNT; k++) {
		const struct nmap_os_exchange *x = &c.a.x[k];
		uint64_t ms = x->probe && x->sent_ns > prev ? (x->sent_ns - prev) / 1000000u : 0;
		prev = x->probe ? x->sent_ns : prev;
		uint8_t hdr[4] = {x->reply ? 1 : 0, (uint8_t)(ms > 255 ? 255 : ms),
				  (uint8_t)(x->reply_len >> 8), (uint8_t)x->reply_len};
		fwrite(hdr, 1, sizeof hdr, f);
		if (x->reply)
			fwrite(x->reply, 1, x->reply_len, f);
	}
	fclose(f);
	return 0;
}

/* nmap's "OS:SCAN(...)SEQ(...)..." lines joined, then one test per line. */
static int nmap_match(const char *path, int distance, bool guess)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	static char joined[1 << 16], lines[1 << 17];
	size_t jl = 0, ll = 0;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "OS:", 3) == 0)
			for (char *p = line + 3; *p && *p != '\n' && jl + 1 < sizeof joined; p++)
				joined[jl++] = *p;
	fclose(f);
	for (size_t i = 0; i < jl && ll + 2 < sizeof lines; i++) {
		lines[ll++] = joined[i];
		if (joined[i] == ')')
			lines[ll++] = '\n';
	}
	struct nmap_os_db *db = nmap_os_db_load(NULL);
	struct nmap_fp *subj = nmap_fp_parse_subject(lines, ll);
	if (!db || !subj) {
		fprintf(stderr, "cannot read %s or the subject\n", NMAP_OS_DB_PATH);
		return 1;
	}
	struct os_host_result r = {.distance = distance};
	r.nmatches = nmap_os_match(db, subj, r.matches, OS_REPORT_MATCHES);
	for (size_t i = 0; i < r.nmatches && i < 5; i++)
		printf("match %.2f%% %s\n", r.matches[i].accuracy * 100,
		       nmap_fp_name(nmap_os_db_entry(db, r.matches[i].entry)));
	os_report_text(stdout, db, &r, guess);
	nmap_fp_free(subj);
	nmap_os_db_free(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "nmap-fp-seed") == 0)
		return nmap_fp_seed(argv[2], argv[3], argv[4]);
	if (argc >= 4 && strcmp(argv[1], "nmap-fp") == 0)
		return nmap_fp(argv[2], argv[3], argc >= 5 ? (unsigned)atoi(argv[4]) : 0);
	if (argc >= 4 && strcmp(argv[1], "nmap-match") == 0)
		return nmap_match(argv[2], atoi(argv[3]), argc >= 5 && strcmp(argv[4], "guess") == 0);
	if (argc >= 4 && strcmp(argv[1], "classify") == 0)
		return classify_pcap(argv[2], argv[3], argc >= 5 ? argv[4] : NULL);
	if (argc >= 3 && strcmp(argv[1], "count") == 0)
		return count_file(argv[2]);
	fprintf(stderr, "usage: %s classify IN.pcap PROFILE [P0F_FP] | count FILE | nmap-fp IN.pcap HOST [HOPS] | nmap-match FILE HOPS [guess]\n", argv[0]);
	return 2;
}
