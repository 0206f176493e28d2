/* Nmap's service-probe database (nmap-service-probes format), matched with PCRE2.
 *
 * Contract: probe_db_load() parses the whole language (Probe TCP|UDP name q|..|, match and
 * softmatch m<d>re<d>[is] with p/ v/ i/ h/ o/ d/ and cpe:/../[a], ports, sslports, rarity,
 * totalwaitms, tcpwrappedms, fallback, Exclude); any error, unknown directives included,
 * is one line "FILE:LINE: what". Regexes compile on first use (the load costs only the
 * parse), or ahead of it: probe_db_warm() compiles them all (~12k: 85 ms, 5 MB) on a
 * thread of its own, the NULL probe's first, while the scan starts; probe_db_free()
 * stops and joins it. Threads that race on one may each compile it, one
 * compare-and-swap keeps a single copy. Those pointers are the only thing written after
 * load; the db is shared by all grab threads, each passing its own scratch
 * (probe_scratch_new/free).
 *
 * Matching: a probe's matches in file order, then its fallbacks', then (TCP) the NULL
 * probe's. The first hard `match` wins and fills service, product, version, info,
 * hostname, ostype, devicetype, cpe (+cpe_more), probe, method "probed", conf 10, with
 * $1..$9, $P(n), $SUBST(n,"a","b") and $I(n,">"|"<") substituted. A `softmatch` fills the
 * same (softmatched = 1: its p/ v/ are what Nmap reports when no hard match follows) and
 * is kept while later hard matches may refine it.
 * Returns 2 for a match, 1 for a softmatch, 0 for none. r may be NULL (decide only).
 *
 * Planning (Nmap's version-detection order): probe_db_plan() lists the TCP or UDP probes
 * for a port after the NULL probe: those whose `ports` (in a TLS tunnel: `sslports`) name
 * the port, in file order and whatever their rarity, then every other probe whose rarity
 * is <= intensity, in file order. */
#ifndef ORBIT_CORE_GRAB_PROBES_H
#define ORBIT_CORE_GRAB_PROBES_H

#include <stdbool.h>
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
void probe_db_warm(struct probe_db *db);
void probe_db_warm_wait(struct probe_db *db); /* until every pattern is compiled (tests) */

struct probe_db_stats {
	unsigned probes, matches, softmatches;
	unsigned compiled, failed; /* patterns compiled so far; patterns PCRE2 refused */
};
void probe_db_stats(const struct probe_db *db, struct probe_db_stats *s);

struct probe_scratch *probe_scratch_new(void);
void probe_scratch_free(struct probe_scratch *sc);

int probe_db_match(const struct probe_db *db, struct probe_scratch *sc,
		   const char *const *probes, const uint8_t *greeting, size_t greeting_len,
		   const uint8_t *answer, size_t answer_len, struct grab_result *r);

/* Probe pi (an index from probe_db_plan / probe_db_find) against its answer; `soft` holds
 * the service of a softmatch seen before ("" none), updated here. */
int probe_db_match_probe(const struct probe_db *db, struct probe_scratch *sc, int probe,
			 const uint8_t *answer, size_t len, struct grab_result *r, char *soft,
			 size_t softcap);

unsigned probe_db_plan(const struct probe_db *db, uint16_t port, bool udp, bool tls,
		       unsigned intensity, int *out, unsigned max);
/* Exclude: the port gets no probes. */
bool probe_db_excluded(const struct probe_db *db, uint16_t port, bool udp);
/* May this probe's answer turn the softmatched `service` into a hard match? */
bool probe_db_can_refine(const struct probe_db *db, int probe, const char *service);
int probe_db_find(const struct probe_db *db, const char *name, bool udp); /* -1: none */
int probe_db_null(const struct probe_db *db);                                /* -1: none */
const char *probe_db_probe_name(const struct probe_db *db, int probe);
const uint8_t *probe_db_payload(const struct probe_db *db, int probe, size_t *len);
/* The probe's totalwaitms, or dflt when it has none; the NULL probe's tcpwrappedms (3000). */
unsigned probe_db_waitms(const struct probe_db *db, int probe, unsigned dflt);
unsigned probe_db_tcpwrappedms(const struct probe_db *db);

/* The substitution code alone (exposed for tests and the fuzzer): template t with the
 * groups of a match (ov: ngroups start/end pairs, PROBE_UNSET for a group that did not
 * take part) into out (always NUL-terminated, cap > 0). */
#define PROBE_UNSET ((size_t)-1)
void probe_expand(const char *t, const uint8_t *subj, const size_t *ov, uint32_t ngroups,
		  char *out, size_t cap);
/* Probe-string escapes (\0 \a \b \f \n \r \t \v \xHH, \c: c): out has room for n bytes. */
size_t probe_unescape(const char *s, size_t n, uint8_t *out);

#endif
