/* libFuzzer target for core/osfp/nmap_os_db: the input is an nmap-os-db text, then (after
 * a line "----") a subject fingerprint. Checks: parsing never fails on content; every
 * accuracy is within [0, 1]; matches come best first; an entry's own text re-parsed as a
 * subject never crashes the matcher. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/osfp/nmap_os_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *sep = NULL;
	for (size_t i = 0; i + 5 <= size; i++)
		if (memcmp(text + i, "----\n", 5) == 0) {
			sep = text + i;
			break;
		}
	size_t db_len = sep ? (size_t)(sep - text) : size;
	struct nmap_os_db *db = nmap_os_db_parse(text, db_len, NULL);
	if (!db)
		return 0;
	const char *s = sep ? sep + 5 : text;
	size_t slen = sep ? size - db_len - 5 : size;
	struct nmap_fp *subj = nmap_fp_parse_subject(s, slen);
	struct nmap_os_match m[4];
	size_t n = subj ? nmap_os_match(db, subj, m, 4) : 0;
	for (size_t i = 0; i < n; i++)
		if (!(m[i].accuracy >= 0.0 && m[i].accuracy <= 1.0) ||
		    (i && m[i].accuracy > m[i - 1].accuracy))
			abort();
	nmap_fp_free(subj);
	for (size_t i = 0; i < nmap_os_db_count(db) && i < 4; i++) {
		char *t = nmap_fp_text(nmap_os_db_entry(db, i));
		struct nmap_fp *self = t ? nmap_fp_parse_subject(t, strlen(t)) : NULL;
		if (self && nmap_os_accuracy(db, nmap_os_db_entry(db, i), self) > 1.0)
			abort();
		nmap_fp_free(self);
		free(t);
	}
	nmap_os_db_free(db);
	return 0;
}
