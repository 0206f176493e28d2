/* core/osfp/nmap_fingerprint: nmap's 16 probes byte for byte where the doc fixes them,
 * and the statistical tests (SEQ's SP GCD ISR TI CI II SS TS, U1, IE, the distance) on
 * hand-made answers whose values are worked out by hand in the comments. */
#include <stdlib.h>

#include "core/base/packet.h"
#include "core/osfp/nmap_fingerprint.h"
#include "core/osfp/nmap_tests.h"
#include "tests/unit/check.h"

#define US 0xc6120002u
#define THEM 0xc612010au

static uint8_t probes[NMAP_PROBE_COUNT][512], replies[NMAP_PROBE_COUNT][512];

static void build_all(struct nmap_os_answers *a)
{
	memset(a, 0, sizeof *a);
	for (int k = 0; k < NMAP_PROBE_COUNT; k++) {
		struct nmap_os_probe_fields f = {US, THEM, (uint16_t)(50000 + k), 22,
						 1000u * (uint32_t)k, 777, (uint16_t)k, 0x100, 64};
		a->x[k].probe = probes[k];
		a->x[k].probe_len = nmap_os_probe_build((enum nmap_os_probe)k, &f, probes[k], 512);
		a->x[k].sent_ns = 1000000000ull + (uint64_t)k * 100000000ull; /* 100 ms apart */
	}
}

/* A SYN-ACK (or other TCP) reply: IP id, ISN, TSval (0: no timestamp option at all). */
static void tcp_reply(struct nmap_os_answers *a, int k, uint8_t flags, uint16_t id, uint32_t isn,
		      uint32_t tsval, bool has_ts)
{
	uint8_t *ip = replies[k];
	size_t tl = 20 + (has_ts ? 12 : 0);
	memset(ip, 0, 40 + 12);
	pkt_write_ipv4(ip, PKT_IPPROTO_TCP, THEM, US, 63, id, (uint16_t)(20 + tl));
	uint8_t *t = ip + 20;
	pkt_put_be16(t, 22);
	pkt_put_be16(t + 2, (uint16_t)(50000 + k));
	pkt_put_be32(t + 4, isn);
	pkt_put_be32(t + 8, 1000u * (uint32_t)k + 1);
	t[12] = (uint8_t)(tl / 4 << 4);
	t[13] = flags;
	pkt_put_be16(t + 14, 29200);
	if (has_ts) {
		uint8_t o[12] = {1, 1, 8, 10};
		pkt_put_be32(o + 4, tsval);
		memcpy(t + 20, o, sizeof o);
	}
	a->x[k].reply = ip;
	a->x[k].reply_len = 20 + tl;
}

static void echo_reply(struct nmap_os_answers *a, int k, uint16_t id, bool df, uint8_t code)
{
	uint8_t *ip = replies[k];
	memset(ip, 0, 28);
	pkt_write_ipv4(ip, PKT_IPPROTO_ICMP, THEM, US, 63, id, 28);
	if (!df)
		pkt_put_be16(ip + 6, 0), pkt_put_be16(ip + 10, pkt_ipv4_checksum(ip));
	ip[20] = PKT_ICMP_ECHO_REPLY;
	ip[21] = code;
	a->x[k].reply = ip;
	a->x[k].reply_len = 28;
}

static char *line(char *fp, const char *name)
{
	static char out[512];
	char key[8];
	snprintf(key, sizeof key, "%s(", name);
	char *p = strstr(fp, key);
	out[0] = 0;
	if (p && (p == fp || p[-1] == '\n'))
		snprintf(out, sizeof out, "%.*s", (int)(strchr(p, '\n') - p), p);
	return out;
}

/* Replies paired with their probes: by port, echo identifier, and U1's quote. */
static void test_pairing(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	struct nmap_os_pairing k = {THEM, 50000, 22, 22, 22, 0x100};
	tcp_reply(&a, NMAP_PROBE_T3, PKT_TCP_RST, 1, 0, 0, false);
	CHECK_EQ_U64(nmap_os_pair_reply(&k, replies[NMAP_PROBE_T3], a.x[NMAP_PROBE_T3].reply_len),
		     NMAP_PROBE_T3);
	pkt_put_be16(replies[NMAP_PROBE_T3] + 20, 23); /* from another port */
	CHECK(nmap_os_pair_reply(&k, replies[NMAP_PROBE_T3], a.x[NMAP_PROBE_T3].reply_len) == -1);
	echo_reply(&a, NMAP_PROBE_IE2, 5, false, 0);
	pkt_put_be16(replies[NMAP_PROBE_IE2] + 24, 0x101);
	CHECK_EQ_U64(nmap_os_pair_reply(&k, replies[NMAP_PROBE_IE2], 28), NMAP_PROBE_IE2);
	pkt_put_be16(replies[NMAP_PROBE_IE2] + 24, 0x200);
	CHECK(nmap_os_pair_reply(&k, replies[NMAP_PROBE_IE2], 28) == -1);
	/* a port unreachable quoting U1's header and 8 bytes */
	uint8_t *u = replies[NMAP_PROBE_U1];
	memset(u, 0, 56);
	pkt_write_ipv4(u, PKT_IPPROTO_ICMP, THEM, US, 63, 9, 56);
	u[20] = PKT_ICMP_UNREACH;
	u[21] = PKT_ICMP_UNREACH_PORT;
	memcpy(u + 28, probes[NMAP_PROBE_U1], 28);
	CHECK_EQ_U64(nmap_os_pair_reply(&k, u, 56), NMAP_PROBE_U1);
	CHECK(nmap_os_pair_reply(&k, u, 50) == -1); /* the quote cut short */
	k.closed_udp = 23;
	CHECK(nmap_os_pair_reply(&k, u, 56) == -1);
}

static void test_probes(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	static const size_t len[NMAP_PROBE_COUNT] = {60, 60, 60, 56, 60, 56, 52, 60,
						     60, 60, 60, 60, 60, 328, 148, 178};
	for (int k = 0; k < NMAP_PROBE_COUNT; k++) {
		CHECK_EQ_U64(a.x[k].probe_len, len[k]);
		const uint8_t *ip = probes[k];
		CHECK_EQ_U64(pkt_be16(ip + 10), pkt_ipv4_checksum(ip));
		CHECK_EQ_U64(pkt_be16(ip + 2), len[k]);
		int proto = nmap_os_probe_protocol((enum nmap_os_probe)k);
		const uint8_t *l4 = ip + 20;
		size_t off = proto == PKT_IPPROTO_TCP ? 16 : proto == PKT_IPPROTO_UDP ? 6 : 2;
		CHECK_EQ_U64(pkt_be16(l4 + off),
			     pkt_l4_checksum(US, THEM, (uint8_t)proto, l4, (uint16_t)(len[k] - 20)));
	}
	const uint8_t *s1 = probes[NMAP_PROBE_SEQ1] + 20;
	static const uint8_t seq1_opts[] = {3, 3, 10, 1, 2, 4, 5, 0xb4, 8, 10, 0xff, 0xff,
					    0xff, 0xff, 0, 0, 0, 0, 4, 2};
	CHECK(memcmp(s1 + 20, seq1_opts, sizeof seq1_opts) == 0);
	CHECK_EQ_U64(pkt_be16(s1 + 14), 1);
	CHECK_EQ_U64(pkt_be16(probes[NMAP_PROBE_SEQ6] + 20 + 14), 512);
	const uint8_t *ecn = probes[NMAP_PROBE_ECN];
	CHECK_EQ_U64(ecn[20 + 12], 0x88);
	CHECK_EQ_U64(ecn[20 + 13], PKT_TCP_CWR | PKT_TCP_ECE | PKT_TCP_SYN);
	CHECK_EQ_U64(pkt_be16(ecn + 20 + 18), 0xf7f5);
	CHECK_EQ_U64(pkt_be32(ecn + 20 + 8), 0);
	CHECK_EQ_U64(probes[NMAP_PROBE_T2][6], 0x40);  /* DF */
	CHECK_EQ_U64(probes[NMAP_PROBE_T3][6], 0);
	CHECK_EQ_U64(probes[NMAP_PROBE_T7][20 + 13], PKT_TCP_FIN | PKT_TCP_PSH | PKT_TCP_URG);
	CHECK_EQ_U64(probes[NMAP_PROBE_T7][20 + 22], 15); /* its window scale */
	CHECK_EQ_U64(pkt_be16(probes[NMAP_PROBE_T5] + 20 + 14), 31337);
	const uint8_t *u1 = probes[NMAP_PROBE_U1];
	CHECK_EQ_U64(pkt_be16(u1 + 4), 0x1042);
	CHECK(u1[28] == 'C' && u1[327] == 'C');
	const uint8_t *ie1 = probes[NMAP_PROBE_IE1], *ie2 = probes[NMAP_PROBE_IE2];
	CHECK(ie1[1] == 0 && ie1[6] == 0x40 && ie1[21] == 9 && pkt_be16(ie1 + 26) == 295);
	CHECK(ie2[1] == 4 && ie2[6] == 0 && ie2[21] == 0 && pkt_be16(ie2 + 26) == 296);
	CHECK_EQ_U64(pkt_be16(ie2 + 24), pkt_be16(ie1 + 24) + 1);
	uint8_t small[40];
	struct nmap_os_probe_fields f = {0};
	CHECK_EQ_U64(nmap_os_probe_build(NMAP_PROBE_SEQ1, &f, small, sizeof small), 0);
	CHECK_STR_EQ(nmap_os_probe_name(NMAP_PROBE_IE2), "IE2");
	CHECK(nmap_os_probe_port(NMAP_PROBE_T5) == NMAP_PORT_CLOSED_TCP);
}

static void test_ipid_classes(void)
{
	char b[8];
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){0, 0, 0}, 3, true, b), "Z");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){7, 7, 7}, 3, true, b), "7");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){100, 101, 103}, 3, true, b), "I");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){65534, 2, 5}, 3, true, b), "I"); /* wraps */
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){256, 512, 1280}, 3, true, b), "BI");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){10, 1500, 4000}, 3, true, b), "RI");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){10, 30010, 30020}, 3, true, b), "RD");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){10, 30010}, 2, false, b), "RI"); /* II: no RD */
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){10, 60, 110}, 3, true, b), "");  /* none fits */
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){0, 7168}, 2, true, b), ""); /* 256*28: not RI, > 5120 */
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){0, 5120}, 2, true, b), "BI");
	CHECK_STR_EQ(nmap_ipid_class((uint16_t[]){5}, 1, true, b), "");
}

/* Six SYN-ACKs 100 ms apart: ISN +1000 each (rate 10000/s: ISR round(8 log2 10000) =
 * round(106.3) = 0x6A; every rate the same: SP 0; GCD 1000 = 0x3E8), TSval +10 (100 Hz:
 * TS 7), IP IDs 100..105, echo replies 106 and 107 (II I; SS S: 106 < 105 + 3*1). */
static void test_seq_counter(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	for (int k = 0; k < 6; k++)
		tcp_reply(&a, k, 0x12, (uint16_t)(100 + k), 5000u + 1000u * (uint32_t)k,
			  77 + 10u * (uint32_t)k, true);
	echo_reply(&a, NMAP_PROBE_IE1, 106, false, 0);
	echo_reply(&a, NMAP_PROBE_IE2, 107, false, 0);
	char *fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "SEQ"), "SEQ(SP=0%GCD=3E8%ISR=6A%TI=I%II=I%SS=S%TS=7)");
	CHECK_STR_EQ(line(fp, "IE"), "IE(R=Y%DFI=N%TG=40%CD=Z)"); /* neither reply has DF */
	free(fp);
	echo_reply(&a, NMAP_PROBE_IE2, 107, true, 3); /* DF toggled both ways, codes 0 and 3 */
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "IE"), "IE(R=Y%DFI=O%TG=40%CD=O)");
	free(fp);
	echo_reply(&a, NMAP_PROBE_IE1, 106, true, 3); /* both DF, both code 3 */
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "IE"), "IE(R=Y%DFI=Y%TG=40%CD=3)");
	free(fp);
	echo_reply(&a, NMAP_PROBE_IE2, 107, false, 0); /* as sent: DF on IE1 only */
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "IE"), "IE(R=Y%DFI=S%TG=40%CD=O)");
	free(fp);
	/* the echo IDs far from the TCP counter: SS O; and IE's DFI N, CD S when codes echo */
	echo_reply(&a, NMAP_PROBE_IE1, 9000, false, 9);
	echo_reply(&a, NMAP_PROBE_IE2, 9001, false, 0);
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "SEQ"), "SEQ(SP=0%GCD=3E8%ISR=6A%TI=I%II=I%SS=O%TS=7)");
	CHECK_STR_EQ(line(fp, "IE"), "IE(R=Y%DFI=N%TG=40%CD=S)");
	free(fp);
}

/* ISNs going down by 2^32 - 64 each step is +64 the short way round: GCD 0x40; rates 640/s:
 * ISR round(8 log2 640) = round(74.6) = 0x4B. Alternating steps 64 and 192 (rates 640,
 * 1920): with GCD 64 > 9 the rates over it are 10 and 30, sample sd of 10,30,10,30,10 =
 * sqrt(4*... ) computed: mean 18, squares 64,144,64,144,64 = 480 / 4 = 120, sd 10.95:
 * SP round(8 log2 10.95) = round(27.6) = 0x1C; ISR: mean 1152/s, round(8*10.17)=0x51. */
static void test_seq_wrap_and_sp(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	uint32_t isn = 10;
	for (int k = 0; k < 6; k++, isn -= 64)
		tcp_reply(&a, k, 0x12, 0, isn, k == 2 ? 0 : 5, true);
	char *fp = nmap_os_fingerprint_text(&a);
	/* isn - 64 each: going down by 64 is the short way */
	CHECK_STR_EQ(line(fp, "SEQ"), "SEQ(SP=0%GCD=40%ISR=4B%TI=Z%TS=0)");
	free(fp);
	isn = 0xfffffff0u;
	for (int k = 0; k < 6; k++) {
		tcp_reply(&a, k, 0x12, 0, isn, 0, false);
		isn += k % 2 ? 192 : 64;
	}
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "SEQ"), "SEQ(SP=1C%GCD=40%ISR=51%TI=Z%TS=U)");
	free(fp);
	/* three answers: no SP, GCD, ISR (four needed), TI from three */
	a.x[3].reply = a.x[4].reply = a.x[5].reply = NULL;
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "SEQ"), "SEQ(TI=Z%TS=U)");
	CHECK_STR_EQ(line(fp, "OPS"), "OPS(O1=%O2=%O3=)");
	CHECK_STR_EQ(line(fp, "WIN"), "WIN(W1=7210%W2=7210%W3=7210)");
	free(fp);
}

static void test_no_answers(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	char *fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(fp, "SEQ(R=N)\nOPS(R=N)\nWIN(R=N)\nECN(R=N)\nT1(R=N)\nT2(R=N)\nT3(R=N)\n"
			 "T4(R=N)\nT5(R=N)\nT6(R=N)\nT7(R=N)\nU1(R=N)\nIE(R=N)\n");
	free(fp);
	CHECK_EQ_U64(nmap_os_distance(&a), 0);
	/* a reply that is not TCP at all, to a TCP probe: no answer */
	echo_reply(&a, NMAP_PROBE_T2, 1, true, 0);
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "T2"), "T2(R=N)");
	free(fp);
}

/* U1: a port unreachable quoting the probe as sent, two hops away (quoted TTL 63 of 64). */
static void test_u1(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	uint8_t *ip = replies[NMAP_PROBE_U1];
	size_t quoted = 328, total = 20 + 8 + quoted;
	pkt_write_ipv4(ip, PKT_IPPROTO_ICMP, THEM, US, 63, 0, (uint16_t)total);
	pkt_put_be16(ip + 6, 0), pkt_put_be16(ip + 10, pkt_ipv4_checksum(ip));
	memset(ip + 20, 0, 8);
	ip[20] = PKT_ICMP_UNREACH;
	ip[21] = PKT_ICMP_UNREACH_PORT;
	memcpy(ip + 28, probes[NMAP_PROBE_U1], quoted);
	ip[28 + 8] = 63; /* the router decremented it and fixed the checksum */
	pkt_put_be16(ip + 28 + 10, pkt_ipv4_checksum(ip + 28));
	a.x[NMAP_PROBE_U1].reply = ip;
	a.x[NMAP_PROBE_U1].reply_len = total;
	CHECK_EQ_U64(nmap_os_distance(&a), 2);
	char *fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "U1"),
		     "U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)");
	free(fp);
	ip[28 + 4] = 0x20; /* ID 0x2042, checksum left stale: I */
	ip[28 + 300] = 'X';
	pkt_put_be16(ip + 28 + 20 + 6, 0x1234);
	pkt_put_be16(ip + 26, 7);
	a.hops = 1;
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "U1"),
		     "U1(R=Y%DF=N%T=3F%IPL=164%UN=7%RIPL=G%RID=2042%RIPCK=I%RUCK=1234%RUD=I)");
	free(fp);
	/* truncated to the quoted IP header only: no RUCK, RUD; zero checksum Z */
	pkt_put_be16(ip + 28 + 10, 0);
	a.x[NMAP_PROBE_U1].reply_len = 48;
	pkt_put_be16(ip + 2, 48);
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "U1"), "U1(R=Y%DF=N%T=3F%IPL=30%UN=7%RIPL=G%RID=2042%RIPCK=Z)");
	free(fp);
}

/* CI from T5-T7's RSTs, and T lines through nmap_tests with the distance. */
static void test_ci(void)
{
	struct nmap_os_answers a;
	build_all(&a);
	for (int k = NMAP_PROBE_T5; k <= NMAP_PROBE_T7; k++)
		tcp_reply(&a, k, 0x14, (uint16_t)(1500 * k), 0, 0, false);
	a.hops = 1;
	char *fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "SEQ"), "SEQ(CI=RI)");
	CHECK_STR_EQ(line(fp, "T5"), "T5(R=Y%DF=Y%T=3F%W=7210%S=Z%A=S+%F=AR%O=%RD=0%Q=)");
	free(fp);
	/* RD: an RST carrying "hello" (CRC-32 0x3610A686, as zlib's); bytes past the IP total
	 * length are not data */
	uint8_t *ip = replies[NMAP_PROBE_T6];
	memcpy(ip + 40, "hello", 5);
	pkt_put_be16(ip + 2, 45);
	a.x[NMAP_PROBE_T6].reply_len = 52;
	fp = nmap_os_fingerprint_text(&a);
	CHECK_STR_EQ(line(fp, "T6"), "T6(R=Y%DF=Y%T=3F%W=7210%S=Z%A=S+%F=AR%O=%RD=3610A686%Q=)");
	free(fp);
	CHECK_EQ_U64(nmap_crc32((const uint8_t *)"123456789", 9), 0xcbf43926); /* the check value */
}

int main(void)
{
	test_probes();
	test_pairing();
	test_ipid_classes();
	test_seq_counter();
	test_seq_wrap_and_sp();
	test_no_answers();
	test_u1();
	test_ci();
	return check_done("nmap_fingerprint");
}
