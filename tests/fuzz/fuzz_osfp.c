/* libFuzzer target for core/osfp: the input is a signature file (p0f format; the first
 * byte chooses whether a [tcp:response] header is put in front, so sigs are reached
 * without the fuzzer guessing it), and its last 40 bytes also fill a reply's raw bits
 * (any option layout nibbles, quirks, flags, TTL, window). Checks: parsing never fails
 * beyond counting bad lines; the signature text fits its buffer and is terminated; a
 * match names a label with a confidence of at most 100. The bytes are also an IPv4 TCP
 * reply for nmap's per-reply tests (core/osfp/nmap_tests.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/osfp/nmap_tests.h"
#include "core/osfp/osfp.h"

static struct scan_result reply_of(const uint8_t *d, size_t n)
{
	uint8_t b[40] = {0};
	memcpy(b, d + (n > sizeof b ? n - sizeof b : 0), n < sizeof b ? n : sizeof b);
	struct scan_result r;
	memset(&r, 0, sizeof r);
	r.proto = 6;
	r.reason = (b[0] & 1) ? REASON_SYN_ACK : REASON_RESET;
	r.ttl = b[1];
	r.ip_id = (uint16_t)(b[2] | b[3] << 8);
	r.ip_bits = b[4];
	r.tcp_flags = b[5];
	r.tcp_quirks = b[6];
	r.tcp_opts = b[7];
	r.tcp_window = (uint16_t)(b[8] | b[9] << 8);
	r.tcp_mss = (uint16_t)(b[10] | b[11] << 8);
	r.tcp_wscale = b[12];
	r.reply_len = (uint16_t)(b[13] | b[14] << 8);
	memcpy(&r.tcp_tsval, b + 15, 4);
	memcpy(&r.tcp_layout, b + 19, 8);
	return r;
}

static void check_reply(const struct osfp_db *db, const struct scan_result *r, unsigned profile)
{
	char sig[48];
	memset(sig, 'x', sizeof sig);
	int n = osfp_signature_text(r, sig, sizeof sig);
	if (n < 0 || memchr(sig, 0, sizeof sig) == NULL)
		abort();
	struct osfp_guess g;
	if (osfp_match(db, r, profile, &g) && (!g.name || !g.klass || g.confidence > 100))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const char header[] = "[tcp:response]\n";
	size_t hl = (data[0] & 1) ? sizeof header - 1 : 0;
	char *text = malloc(hl + size);
	if (!text)
		return 0;
	memcpy(text, header, hl);
	memcpy(text + hl, data + 1, size - 1);
	struct osfp_db *db = osfp_db_new();
	if (!db) {
		free(text);
		return 0;
	}
	size_t bad = 0;
	size_t added = osfp_db_parse(db, text, hl + size - 1, "fuzz", &bad);
	if (added != osfp_db_count(db))
		abort();
	struct scan_result r = reply_of(data, size);
	check_reply(db, &r, OSFP_PROFILE_ANY & (unsigned)(data[0] >> 1));
	check_reply(db, &r, OSFP_PROFILE_LINUX);
	/* nmap's per-reply tests on the same bytes as an IPv4 reply: never past its end */
	char attrs[160];
	nmap_reply_attributes(data, size, 1, 2, data[0] & 3, (enum nmap_test_line)(data[0] % 3),
			      attrs, sizeof attrs);
	osfp_db_free(db);
	free(text);
	return 0;
}
