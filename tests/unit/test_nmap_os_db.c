/* core/osfp/nmap_os_db: expressions, the parser, and the matcher on nmap-os-db's own
 * entries: a generator turns each reference into the subject fingerprint a host of it
 * would give (the first alternative of every expression, the low end of a range), and
 * the matcher must recognise it as itself (accuracy 100%, and best of the whole db). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/osfp/nmap_os_db.h"
#include "core/osfp/nmap_tests.h"
#include "tests/unit/check.h"

static void test_expressions(void)
{
	CHECK(nmap_expr_matches("40", "40"));
	CHECK(!nmap_expr_matches("40", "41"));
	CHECK(nmap_expr_matches("3B-45", "40"));
	CHECK(!nmap_expr_matches("3B-45", "46"));
	CHECK(nmap_expr_matches("I|RD|RI", "RD"));
	CHECK(!nmap_expr_matches("I|RD|RI", "R"));
	CHECK(nmap_expr_matches(">10", "11") && !nmap_expr_matches(">10", "10"));
	CHECK(nmap_expr_matches("<FF", "FE") && !nmap_expr_matches("<FF", "FF"));
	CHECK(nmap_expr_matches("", "") && !nmap_expr_matches("", "M5B4"));
	CHECK(nmap_expr_matches("M5B4NW7|", ""));
	CHECK(nmap_expr_matches("M5B4ST11NW7", "M5B4ST11NW7"));
	CHECK(!nmap_expr_matches("S+", "S"));
}

static void test_parser(void)
{
	const char *text =
		"# comment\nMatchPoints\nSEQ(TI=100%TS=50)\nT1(R=100%DF=20)\n\n"
		"Fingerprint Test OS 1\nClass V | F | 1.X | general purpose\n"
		"CPE cpe:/o:v:f:1 auto\nSEQ(TI=Z%TS=A|U)\nT1(R=Y%DF=Y)\nbogus line\n"
		"Fingerprint Test OS 2\nClass V | F | 2.X | router\nSEQ(TI=I%TS=U)\nT1(R=N)\n";
	size_t bad = 0;
	struct nmap_os_db *db = nmap_os_db_parse(text, strlen(text), &bad);
	CHECK(db != NULL);
	CHECK_EQ_U64(nmap_os_db_count(db), 2);
	CHECK_EQ_U64(bad, 1);
	const struct nmap_fp *a = nmap_os_db_entry(db, 0);
	CHECK_STR_EQ(nmap_fp_name(a), "Test OS 1");
	CHECK_EQ_U64(nmap_fp_class_count(a), 1);
	CHECK_STR_EQ(nmap_fp_class(a, 0).gen, "1.X");
	CHECK_STR_EQ(nmap_fp_class(a, 0).type, "general purpose");
	CHECK_STR_EQ(nmap_fp_cpe(a, 0), "cpe:/o:v:f:1");
	char *t = nmap_fp_text(a);
	CHECK_STR_EQ(t, "SEQ(TI=Z%TS=A|U)\nT1(R=Y%DF=Y)\n");
	free(t);
	const char *s = "SEQ(TI=Z%TS=U)\nT1(R=Y%DF=N)\n";
	struct nmap_fp *subj = nmap_fp_parse_subject(s, strlen(s));
	/* TI 100 + TS 50 + R 100 of 270 (DF 20 missed) */
	double acc = nmap_os_accuracy(db, a, subj);
	CHECK(acc > 0.925 && acc < 0.926);
	struct nmap_os_match m[2];
	CHECK_EQ_U64(nmap_os_match(db, subj, m, 2), 2);
	CHECK_EQ_U64(m[0].entry, 0);
	nmap_fp_free(subj);
	nmap_os_db_free(db);
}

/* The generator: one value per expression. */
static void synth_value(const char *expr, char *out, size_t cap)
{
	const char *bar = strchr(expr, '|');
	size_t n = bar ? (size_t)(bar - expr) : strlen(expr);
	char alt[64];
	snprintf(alt, sizeof alt, "%.*s", (int)n, expr);
	char *dash = strchr(alt, '-');
	if ((alt[0] == '>' || alt[0] == '<') && alt[1]) {
		unsigned long v = strtoul(alt + 1, NULL, 16);
		snprintf(out, cap, "%lX", alt[0] == '>' ? v + 1 : (v ? v - 1 : 0));
	} else if (dash && dash > alt) {
		*dash = 0;
		snprintf(out, cap, "%s", alt);
	} else {
		snprintf(out, cap, "%s", alt);
	}
}

static char *synthesize(const struct nmap_fp *ref)
{
	char *text = nmap_fp_text(ref), *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *open = strchr(line, '(');
		fprintf(f, "%.*s", (int)(open - line + 1), line);
		char *body = open + 1;
		body[strlen(body) - 1] = 0;
		int first = 1;
		for (char *kv = body, *next; kv; kv = next) {
			char *pct = strchr(kv, '%');
			next = pct ? pct + 1 : NULL;
			if (pct)
				*pct = 0;
			char *eq = strchr(kv, '=');
			if (!eq)
				continue; /* a test without attributes: "T2()" */
			char v[64];
			synth_value(eq + 1, v, sizeof v);
			fprintf(f, "%s%.*s=%s", first ? "" : "%", (int)(eq - kv), kv, v);
			first = 0;
		}
		fputs(")\n", f);
	}
	fclose(f);
	free(text);
	return out;
}

static void test_db_entries(void)
{
	struct nmap_os_db *db = nmap_os_db_load(NULL);
	if (!db) {
		fprintf(stderr, "no %s: Debian's nmap is a test dependency\n", NMAP_OS_DB_PATH);
		CHECK(db != NULL);
		return;
	}
	size_t n = nmap_os_db_count(db), self = 0, best = 0, unique = 0, sampled = 0;
	CHECK(n > 5000);
	for (size_t i = 0; i < n; i++) {
		const struct nmap_fp *ref = nmap_os_db_entry(db, i);
		char *text = synthesize(ref);
		struct nmap_fp *subj = nmap_fp_parse_subject(text, strlen(text));
		self += nmap_os_accuracy(db, ref, subj) == 1.0;
		if (i % 97 == 0) { /* the whole db for a sample: itself, at the top */
			struct nmap_os_match m[2];
			size_t k = nmap_os_match(db, subj, m, 2);
			sampled++;
			best += k >= 1 && m[0].accuracy == 1.0;
			unique += k == 2 && m[0].entry == i && m[1].accuracy < 1.0;
		}
		nmap_fp_free(subj);
		free(text);
	}
	printf("nmap-os-db: %zu entries, %zu recognise their synthetic fingerprint at 100%%; "
	       "sample of %zu matched against the whole db: %zu best at 100%%, %zu uniquely "
	       "themselves\n", n, self, sampled, best, unique);
	CHECK_EQ_U64(self, n);
	CHECK_EQ_U64(best, sampled);
	CHECK(unique * 2 > sampled);
	/* a perturbed subject is no longer a perfect match: T1's TTL guess off */
	const struct nmap_fp *ref = nmap_os_db_entry(db, 0);
	char *text = synthesize(ref);
	char *tg = strstr(text, "T1(");
	tg = tg ? strstr(tg, "TG=") : NULL;
	if (tg)
		tg[3] = tg[3] == '1' ? '2' : '1';
	struct nmap_fp *subj = nmap_fp_parse_subject(text, strlen(text));
	CHECK(tg && nmap_os_accuracy(db, ref, subj) < 1.0);
	nmap_fp_free(subj);
	free(text);
	nmap_os_db_free(db);
}

/* nmap's per-reply tests on hand-built replies. */
static void test_reply_tests(void)
{
	/* MSS 1460, SACK, TS (val 5, ecr 0), NOP, WS 10, then EOL */
	const uint8_t opt[] = {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0, 1, 3, 3, 10, 0};
	char o[64];
	nmap_options_text(opt, sizeof opt, o, sizeof o);
	CHECK_STR_EQ(o, "M5B4ST10NWAL");
	/* an RST|ACK from TTL 63, DF, seq 0, ack = probe seq + 1, window 0, no options */
	uint8_t ip[40] = {0x45, 0, 0, 40, 0, 0, 0x40, 0, 63, 6};
	uint8_t *t = ip + 20;
	uint32_t probe_seq = 1000;
	t[8] = 0, t[9] = 0, t[10] = 0x03, t[11] = 0xe9; /* ack 1001 */
	t[12] = 5 << 4;
	t[13] = 0x14;
	char a[128];
	CHECK(nmap_reply_attributes(ip, sizeof ip, probe_seq, 77, 2, NMAP_LINE_T, a, sizeof a) > 0);
	CHECK_STR_EQ(a, "R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=");
	t[19] = 1; /* urgent pointer without URG: Q=U; distance unknown: TG */
	nmap_reply_attributes(ip, sizeof ip, probe_seq, 77, 0, NMAP_LINE_T1, a, sizeof a);
	CHECK_STR_EQ(a, "R=Y%DF=Y%TG=40%S=Z%A=S+%F=AR%RD=0%Q=U");
	t[13] = 0x52; /* SYN|ACK|ECE to the ECN probe */
	nmap_reply_attributes(ip, sizeof ip, probe_seq, 77, 2, NMAP_LINE_ECN, a, sizeof a);
	CHECK_STR_EQ(a, "R=Y%DF=Y%T=40%W=0%O=%CC=Y%Q=U");
	ip[9] = 17;
	CHECK(nmap_reply_attributes(ip, sizeof ip, probe_seq, 77, 2, NMAP_LINE_T, a, sizeof a) < 0);
}

int main(void)
{
	test_reply_tests();
	test_expressions();
	test_parser();
	test_db_entries();
	return check_done("nmap_os_db");
}
