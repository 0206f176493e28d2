/* Nmap's service-probe database (nmap-service-probes format), matched with PCRE2.
 *
 * Contract: probe_db_load() parses the file (Probe, match, softmatch, ports, sslports,
 * rarity, totalwaitms, tcpwrappedms, fallback, Exclude; unknown directives are errors
 * with the line number). Regexes compile lazily, on first use: threads that race on one
 * may each compile it, one compare-and-swap keeps a single copy (the others are freed).
 * Those compiled-code pointers are the only thing written after load; the db is shared by
 * all grab threads, and each passes its own scratch (probe_scratch_new/free) to
 * probe_db_match().
 *
 * probe_db_match(): tries the TCP probe named "NULL" on `greeting` (bytes the server sent
 * before we wrote anything), then each probe named in `probes` (and their fallbacks) on
 * `answer` (bytes after our first write). The first hard `match` wins: it sets service,
 * product, version, info, ostype, cpe in r with $1..$9, $P(n), $SUBST(n,"a","b") and
 * $I(n,">"|"<") substituted; a `softmatch` sets only the service (and is used when no
 * hard match follows). Returns 2 for a match, 1 for a softmatch, 0 for none. */
#ifndef ORBIT_CORE_GRAB_PROBES_H
#define ORBIT_CORE_GRAB_PROBES_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/base/grab_result.h"

struct probe_db;
struct probe_scratch;

struct probe_db *probe_db_load(const char *path, struct errbuf *e);
/* The same from a string (tests). */
struct probe_db *probe_db_parse(const char *text, size_t len, const char *name,
				struct errbuf *e);
void probe_db_free(struct probe_db *db);

struct probe_db_stats {
	unsigned probes, matches, softmatches;
};
void probe_db_stats(const struct probe_db *db, struct probe_db_stats *s);

struct probe_scratch *probe_scratch_new(void);
void probe_scratch_free(struct probe_scratch *sc);

int probe_db_match(const struct probe_db *db, struct probe_scratch *sc,
		   const char *const *probes, const uint8_t *greeting, size_t greeting_len,
		   const uint8_t *answer, size_t answer_len, struct grab_result *r);

#endif
