/* core/osfp: the signature-file parser, the signature text, the matcher; and the receive
 * path's raw bits (a crafted Linux SYN-ACK and RST through the real classifier). */
#include <stdlib.h>
#include <string.h>

#include "core/osfp/osfp.h"
#include "core/probe/reply.h"
#include "tests/support/craft.h"
#include "tests/unit/check.h"

#define SPORT_BASE 32768
#define SPORT_COUNT 28232

static size_t parse(struct osfp_db *db, const char *text, size_t *bad)
{
	return osfp_db_parse(db, text, strlen(text), "test", bad);
}

static void test_parser(void)
{
	struct osfp_db *db = osfp_db_new();
	size_t bad;
	const char *text =
		"[tcp:request]\nlabel = s:unix:Ignored:1\nsig = *:64:0:*:mss*10,0:mss:df:0\n"
		"[tcp:response]\n"
		"sig = *:64:0:*:1,0:mss:df:0\n"               /* no label yet: bad */
		"label = s:unix:Linux:3.x\n"
		"sig   = *:64:0:*:mss*10,*:mss,sok,ts,nop,ws:df:0\n"
		"sig = 4:255:0:1460:%8192,0:nop,ws,mss,eol+3:df,id+,ts1-:+\n"
		"sig = *:64:0:*:mss*10,0:mss,bogus:df:0\n"     /* unknown option */
		"sig = *:64:0:*:mss*10,0:mss:df,nonsense:0\n"  /* unknown quirk */
		"sig = *:64:0:*:mss*10,0:mss:df\n"             /* 7 fields */
		"sig = *:999:0:*:mss*10,0:mss:df:0\n"          /* ttl > 255 */
		"sig = *:64:0:*:%0,0:mss:df:0\n"               /* modulo 0 */
		"sig = *:64:0:*:mss*10,0:eol+1,mss:df:0\n"     /* EOL not last */
		"label = g:win:Windows:\n"
		"profile = windows\n"
		"sig = *:128:0:*:*,*:mss,nop,ws,nop,nop,sok:df,id+:*\n"
		"profile = nosuch\n"                            /* bad profile */
		"label = x:bad\n"                               /* bad label */
		"garbage line\n";
	CHECK_EQ_U64(parse(db, text, &bad), 3);
	CHECK_EQ_U64(bad, 10);
	CHECK_EQ_U64(osfp_db_count(db), 3);
	osfp_db_free(db);
	/* every line of the compiled-in file parses */
	db = osfp_db_new();
	size_t n = parse(db, osfp_orbit_signatures, &bad);
	CHECK(n >= 15);
	CHECK_EQ_U64(bad, 0);
	osfp_db_free(db);
}

/* A SYN-ACK result as the receive path leaves it. */
static struct scan_result synack(uint8_t ttl, bool df, uint16_t id, uint16_t win, uint8_t ws,
				 uint64_t layout, uint8_t opts)
{
	struct scan_result r;
	memset(&r, 0, sizeof r);
	r.proto = 6;
	r.state = PORT_OPEN;
	r.reason = REASON_SYN_ACK;
	r.ttl = ttl;
	r.ip_id = id;
	r.ip_bits = df ? RESULT_IP_DF : 0;
	r.tcp_flags = 0x12;
	r.tcp_window = win;
	r.tcp_mss = 1460;
	r.tcp_wscale = ws;
	r.tcp_opts = opts;
	r.tcp_tsval = 77;
	r.tcp_layout = layout;
	r.reply_len = 60;
	return r;
}

#define L(a, b, c, d, e, f, g, h)                                                         \
	((uint64_t)(a) | (uint64_t)(b) << 4 | (uint64_t)(c) << 8 | (uint64_t)(d) << 12 |  \
	 (uint64_t)(e) << 16 | (uint64_t)(f) << 20 | (uint64_t)(g) << 24 | (uint64_t)(h) << 28)
#define ALL_OPTS (TCPOPT_HAS_MSS | TCPOPT_HAS_WSCALE | TCPOPT_HAS_SACK_OK | TCPOPT_HAS_TIMESTAMP)

static void test_text_and_match(void)
{
	struct osfp_db *db = osfp_db_load_default("/nonexistent/p0f.fp"); /* orbit's only */
	char sig[160];
	struct osfp_guess g;
	/* Linux: fast-path layout, 2 hops away */
	struct scan_result r = synack(62, true, 0, 65160, 7, L(2, 4, 6, 1, 3, 0, 0, 0), ALL_OPTS);
	osfp_signature_text(&r, sig, sizeof sig);
	CHECK_STR_EQ(sig, "4:62+2:0:1460:mss*45,7:mss,sok,ts,nop,ws:df:0");
	CHECK(osfp_match(db, &r, OSFP_PROFILE_LINUX, &g));
	CHECK_STR_EQ(g.name, "Linux 4.x-6.x");
	CHECK_STR_EQ(g.klass, "unix");
	CHECK_EQ_U64(g.confidence, 100);
	/* the same answer to a windows-profile SYN cannot be (no timestamps were offered) */
	CHECK(!osfp_match(db, &r, OSFP_PROFILE_WINDOWS, &g));
	/* TTL 20 hops farther than the sig allows: a fuzzy match */
	r.ttl = 20;
	CHECK(osfp_match(db, &r, OSFP_PROFILE_LINUX, &g));
	CHECK_EQ_U64(g.confidence, 50);
	/* macOS: EOL with one byte after it, id 0 */
	r = synack(64, true, 0, 65535, 6, L(2, 1, 3, 1, 1, 6, 4, 7) | (uint64_t)1 << 32, ALL_OPTS);
	osfp_signature_text(&r, sig, sizeof sig);
	CHECK_STR_EQ(sig, "4:64+0:0:1460:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:df:0");
	CHECK(osfp_match(db, &r, OSFP_PROFILE_LINUX, &g) && strncmp(g.name, "macOS", 5) == 0);
	/* Windows 10: TTL 128, IP ID set with DF: id+ */
	r = synack(127, true, 0x1234, 65535, 8, L(2, 1, 3, 4, 6, 0, 0, 0), ALL_OPTS);
	osfp_signature_text(&r, sig, sizeof sig);
	CHECK_STR_EQ(sig, "4:127+1:0:1460:65535,8:mss,nop,ws,sok,ts:df,id+:0");
	CHECK(osfp_match(db, &r, OSFP_PROFILE_LINUX, &g) && strcmp(g.klass, "win") == 0);
	/* quirks: ts1-, exws, no DF with id 0 (id-), ECN, PSH, URG, urgent pointer, bad */
	r = synack(64, false, 0, 1000, 15, L(2, 6, 3, 0, 0, 0, 0, 0), ALL_OPTS);
	r.tcp_tsval = 0;
	r.ip_bits |= 1 | RESULT_IP_RESERVED;
	r.tcp_flags |= 0x08 | 0x20;
	r.tcp_quirks = TCPQ_SEQ_ZERO | TCPQ_URP_NONZERO | TCPQ_OPT_BAD | TCPQ_OPT_AFTER_EOL;
	r.reply_len = 100; /* payload */
	osfp_signature_text(&r, sig, sizeof sig);
	CHECK_STR_EQ(sig, "4:64+0:0:1460:1000,15:mss,ts,ws:id-,ecn,0+,seq-,uptr+,urgf+,pushf+,"
			  "ts1-,opt+,exws,bad:+");
	CHECK(!osfp_match(db, &r, OSFP_PROFILE_ANY, &g));
	/* not a TCP reply: no signature */
	r.proto = 17;
	CHECK_EQ_U64(osfp_signature_text(&r, sig, sizeof sig), 0);
	CHECK(!osfp_match(db, &r, OSFP_PROFILE_LINUX, &g));
	/* a signature text never overruns its buffer */
	r = synack(64, true, 0, 65535, 6, L(1, 1, 1, 1, 1, 1, 1, 1) * 0x100000001ull, ALL_OPTS);
	char small[20];
	int full = osfp_signature_text(&r, small, sizeof small);
	CHECK(full > (int)sizeof small && strlen(small) == sizeof small - 1);
	osfp_db_free(db);
	CHECK_EQ_U64(osfp_initial_ttl(1), 32);
	CHECK_EQ_U64(osfp_initial_ttl(33), 64);
	CHECK_EQ_U64(osfp_initial_ttl(128), 128);
	CHECK_EQ_U64(osfp_initial_ttl(200), 255);
	CHECK_EQ_U64(osfp_profile_from_name("mss-only"), OSFP_PROFILE_MSS_ONLY);
	CHECK_EQ_U64(osfp_profile_from_name("bsd"), 0);
}

/* The receive path fills the raw bits: a crafted Linux SYN-ACK (fixed-offset options)
 * and an RST (no options, seq 0) through reply_classify(). */
static void test_rx_bits(void)
{
	struct cookie_key key = craft_test_key();
	struct craft_scan s = {&key, CRAFT_US, SPORT_BASE, SPORT_COUNT};
	struct classify_ctx ctx = {
		.key = &key, .our_addrs = {CRAFT_US}, .n_our_addrs = 1,
		.sport_base = SPORT_BASE, .sport_count = SPORT_COUNT,
		.tcp_probe = TCP_PROBE_SYN, .link = REPLY_LINK_ETHERNET,
	};
	struct rx_counters cnt = {0};
	struct craft c;
	uint8_t frame[CRAFT_MAX_FRAME];
	struct scan_result r;
	craft_tcp_reply(&c, &s, CRAFT_TARGET(5), 80, CRAFT_SYN | CRAFT_ACK);
	c.tcp_options = true;
	c.mss = 1460;
	c.wscale = 7;
	c.tsval = 5;
	c.ttl = 63;
	c.frag = 0x4000; /* DF */
	c.ip_id = 0;
	size_t len = craft_frame(frame, sizeof frame, &c);
	CHECK(reply_classify(&ctx, frame, len, CSUM_RX_UNKNOWN, 1, &r, &cnt));
	CHECK_EQ_U64(r.tcp_layout, L(2, 4, 6, 1, 3, 0, 0, 0));
	CHECK_EQ_U64(r.ip_bits, RESULT_IP_DF);
	CHECK_EQ_U64(r.tcp_flags, 0x12);
	CHECK_EQ_U64(r.tcp_quirks, 0);
	craft_tcp_reply(&c, &s, CRAFT_TARGET(5), 81, CRAFT_RST | CRAFT_ACK);
	c.seq = 0;
	len = craft_frame(frame, sizeof frame, &c);
	CHECK(reply_classify(&ctx, frame, len, CSUM_RX_UNKNOWN, 1, &r, &cnt));
	CHECK_EQ_U64(r.tcp_layout, 0);
	CHECK_EQ_U64(r.tcp_quirks, TCPQ_SEQ_ZERO);
	CHECK_EQ_U64(r.ip_bits, 0);
}

int main(void)
{
	test_parser();
	test_text_and_match();
	test_rx_bits();
	return check_done("osfp");
}
