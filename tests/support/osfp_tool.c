/* The passive OS classifier on a pcap, for the scapy generator and p0f cross-check
 * (tests/osfp_scapy.py): files only, nothing is sent.
 *   osfp_tool classify IN.pcap PROFILE [P0F_FP]
 *       one line per SYN-ACK/RST the real reply classifier accepts:
 *       "ADDR PORT<TAB>OS_SIG<TAB>OS<TAB>CLASS<TAB>CONFIDENCE" ("-" when no match)
 *   osfp_tool count FILE    sigs and malformed lines of one signature file
 *   osfp_tool nmap-tests IN.pcap HOST HOPS   nmap's OPS, WIN, ECN and T1-T7 lines
 *       computed by core/osfp/nmap_tests from the replies to nmap -O's own probes in a
 *       capture (each probe known by its window and first option, as nmap sends them)
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

/* nmap's -O TCP probes, known by window (SEQ 3 and 4 share 4: 3 starts with TS). */
enum { P_SEQ1, P_SEQ2, P_SEQ3, P_SEQ4, P_SEQ5, P_SEQ6, P_ECN, P_T2, P_T3, P_T4, P_T5, P_T6,
       P_T7, P_COUNT };
static int probe_of(const uint8_t *t, size_t doff)
{
	static const uint16_t win[P_COUNT] = {1, 63, 4, 4, 16, 512, 3, 128, 256, 1024, 31337,
					      32768, 65535};
	/* and flags: nmap's port-scan SYNs share T4's window 1024 */
	static const uint8_t flags[P_COUNT] = {0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0xc2, 0x00,
					       0x2b, 0x10, 0x02, 0x10, 0x29};
	uint16_t w = pkt_be16(t + 14);
	for (int i = 0; i < P_COUNT; i++)
		if (w == win[i] && t[13] == flags[i]) {
			if (i == P_SEQ3 && doff > 20 && t[20] != PKT_TCPOPT_TIMESTAMP)
				return P_SEQ4;
			return i;
		}
	return -1;
}

struct probe_seen {
	bool sent, answered;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t reply[128];
	size_t reply_len;
};

static void print_nmap_tests(struct probe_seen *p, unsigned hops)
{
	char buf[256];
	printf("OPS(");
	for (int i = P_SEQ1; i <= P_SEQ6; i++) {
		const uint8_t *ip = p[i].reply, *t = ip + (size_t)(ip[0] & 15) * 4;
		buf[0] = 0;
		if (p[i].answered)
			nmap_options_text(t + 20, (size_t)(t[12] >> 4) * 4 - 20, buf, sizeof buf);
		printf("%sO%d=%s", i ? "%" : "", i + 1, buf);
	}
	printf(")\nWIN(");
	for (int i = P_SEQ1; i <= P_SEQ6; i++) {
		const uint8_t *ip = p[i].reply, *t = ip + (size_t)(ip[0] & 15) * 4;
		printf("%sW%d=%X", i ? "%" : "", i + 1, p[i].answered ? pkt_be16(t + 14) : 0);
	}
	printf(")\n");
	static const char *names[P_COUNT] = {[P_SEQ1] = "T1", [P_ECN] = "ECN", [P_T2] = "T2",
		[P_T3] = "T3", [P_T4] = "T4", [P_T5] = "T5", [P_T6] = "T6", [P_T7] = "T7"};
	for (int i = 0; i < P_COUNT; i++) {
		if (!names[i])
			continue;
		enum nmap_test_line line = i == P_SEQ1 ? NMAP_LINE_T1 : i == P_ECN ? NMAP_LINE_ECN
										: NMAP_LINE_T;
		if (!p[i].answered)
			snprintf(buf, sizeof buf, "R=N");
		else
			nmap_reply_attributes(p[i].reply, p[i].reply_len, p[i].seq, p[i].ack, hops,
					      line, buf, sizeof buf);
		printf("%s(%s)\n", names[i], buf);
	}
}

static int nmap_tests(const char *path, const char *host, unsigned hops)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct in_addr ha;
	if (!pc || inet_pton(AF_INET, host, &ha) != 1) {
		fprintf(stderr, "%s\n", pc ? "bad host" : err);
		return 1;
	}
	uint32_t target = ntohl(ha.s_addr);
	struct probe_seen seen[P_COUNT] = {0};
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		if (h->caplen < 14 + 40 || pkt_be16(d + 12) != 0x0800)
			continue;
		const uint8_t *ip = d + 14, *t = ip + (size_t)(ip[0] & 15) * 4;
		size_t len = h->caplen - 14;
		if (ip[9] != PKT_IPPROTO_TCP || (size_t)(t - ip) + 20 > len)
			continue;
		if (pkt_be32(ip + 16) == target) { /* a probe: the first of each kind */
			int k = probe_of(t, (size_t)(t[12] >> 4) * 4);
			if (k >= 0 && !seen[k].sent)
				seen[k] = (struct probe_seen){true, false, pkt_be16(t), pkt_be16(t + 2),
							      pkt_be32(t + 4), pkt_be32(t + 8), {0}, 0};
			continue;
		}
		if (pkt_be32(ip + 12) != target)
			continue;
		for (int k = 0; k < P_COUNT; k++)
			if (seen[k].sent && !seen[k].answered && pkt_be16(t) == seen[k].dport &&
			    pkt_be16(t + 2) == seen[k].sport) {
				seen[k].answered = true;
				seen[k].reply_len = len < sizeof seen[k].reply ? len : sizeof seen[k].reply;
				memcpy(seen[k].reply, ip, seen[k].reply_len);
			}
	}
	pcap_close(pc);
	print_nmap_tests(seen, hops);
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
	if (argc >= 5 && strcmp(argv[1], "nmap-tests") == 0)
		return nmap_tests(argv[2], argv[3], (unsigned)atoi(argv[4]));
	if (argc >= 4 && strcmp(argv[1], "nmap-match") == 0)
		return nmap_match(argv[2], atoi(argv[3]), argc >= 5 && strcmp(argv[4], "guess") == 0);
	if (argc >= 4 && strcmp(argv[1], "classify") == 0)
		return classify_pcap(argv[2], argv[3], argc >= 5 ? argv[4] : NULL);
	if (argc >= 3 && strcmp(argv[1], "count") == 0)
		return count_file(argv[2]);
	fprintf(stderr, "usage: %s classify IN.pcap PROFILE [P0F_FP] | count FILE | nmap-tests IN.pcap HOST HOPS | nmap-match FILE HOPS [guess]\n", argv[0]);
	return 2;
}
