/* libFuzzer target for the nmap-service-probes parser, the matcher and the substitution
 * code. The input is split at the first "\n--\n": before it, a probe file (it parses, or
 * fails with one "NAME:LINE: ..." line); after it, a server's answer, matched against every
 * probe of the parsed file (all of $1 $P $SUBST $I run on whatever the patterns capture).
 * Then the input's first 200 bytes are also used as a template for probe_expand() against
 * fixed groups of the answer. Invariants: output NUL-terminated and within its buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/probes.h"

static void require(int cond)
{
	if (!cond)
		abort();
}

static void expand_template(const uint8_t *data, size_t size, const uint8_t *subj, size_t n)
{
	char tmpl[201];
	size_t tl = size < 200 ? size : 200;
	memcpy(tmpl, data, tl);
	tmpl[tl] = 0;
	size_t ov[8] = {0, n, 0, n / 2, n / 2, n, PROBE_UNSET, PROBE_UNSET};
	char out[64];
	memset(out, 'x', sizeof(out));
	probe_expand(tmpl, subj, ov, 4, out, sizeof(out));
	require(memchr(out, 0, sizeof(out)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	for (size_t i = 0; i + 4 <= size; i++)
		if (memcmp(data + i, "\n--\n", 4) == 0) {
			sep = data + i;
			break;
		}
	size_t flen = sep ? (size_t)(sep - data) : size;
	const uint8_t *ans = sep ? sep + 4 : data;
	size_t alen = sep ? size - flen - 4 : size;
	expand_template(data, size, ans, alen);
	struct errbuf e = {{0}};
	struct probe_db *db = probe_db_parse((const char *)data, flen, "f", &e);
	if (!db) {
		require(strncmp(e.msg, "f:", 2) == 0 && strlen(e.msg) < sizeof(e.msg));
		return 0;
	}
	struct probe_scratch *sc = probe_scratch_new();
	static struct grab_result r;
	struct probe_db_stats st;
	probe_db_stats(db, &st);
	for (unsigned i = 0; sc && i < st.probes && i < 16; i++) {
		char soft[32] = "";
		memset(&r, 0, sizeof(r));
		int rc = probe_db_match_probe(db, sc, (int)i, ans, alen, &r, soft, sizeof(soft));
		require(rc == 0 || rc == 2);
		require(memchr(r.product, 0, sizeof(r.product)) && memchr(r.version, 0, sizeof(r.version)));
		int plan[128];
		require(probe_db_plan(db, (uint16_t)i, i & 1, i & 2, 9, plan, 128) <= st.probes);
	}
	probe_scratch_free(sc);
	probe_db_free(db);
	return 0;
}
