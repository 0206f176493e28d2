/* Passive OS fingerprinting from one SYN-ACK (or RST), in p0f v3's vocabulary.
 * The receive path only stores raw header bits in the result (core/base/result.h:
 * tcp_layout, tcp_quirks, tcp_flags, ip_bits); everything here runs later, per hit, in the
 * output path: the signature text, the hop count, and the match against a database.
 * Database: signature files in p0f's format -- the [tcp:response] section's `label =` and
 * `sig = ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass` lines -- read at run time:
 * Debian's /etc/p0f/p0f.fp (never copied into the tree) and orbit's own file for newer
 * stacks (data/osfp/orbit.fp, compiled in). orbit's file may add `profile = a,b` before
 * its sigs: the probe option profiles (--tcp-options) the sig was taken with. A sig
 * without it is valid for every profile that offered each option its layout names
 * (a server cannot answer an option the SYN did not carry).
 * Contract: parse never fails on content (bad lines are counted and skipped); a db is
 * read-only once built, safe from any thread. */
#ifndef ORBIT_CORE_OSFP_OSFP_H
#define ORBIT_CORE_OSFP_OSFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.h"

#define OSFP_P0F_PATH "/etc/p0f/p0f.fp"

/* The probe's offered options (bit per TCP_LAYOUT_* code), one value per --tcp-options
 * profile; OSFP_PROFILE_ANY accepts every sig. */
enum osfp_profile {
	OSFP_PROFILE_LINUX = 1u << 0,
	OSFP_PROFILE_WINDOWS = 1u << 1,
	OSFP_PROFILE_MSS_ONLY = 1u << 2,
	OSFP_PROFILE_NONE = 1u << 3,
	OSFP_PROFILE_ANY = 0x0fu,
};
/* "linux" | "windows" | "mss-only" | "none" (the --tcp-options names); 0 if unknown. */
unsigned osfp_profile_from_name(const char *name);

/* p0f's initial TTL guess: the next of 32, 64, 128, 255 at or above ttl. */
unsigned osfp_initial_ttl(unsigned ttl);

/* The reply's signature in p0f's observed form, e.g.
 * "4:64+0:0:1460:65160,7:mss,sok,ts,nop,ws:df:0". Returns snprintf's count. */
int osfp_signature_text(const struct scan_result *r, char *buf, size_t cap);

struct osfp_db;

struct osfp_guess {
	const char *name;  /* "Linux 5.x", points into the db */
	const char *klass; /* p0f's class: "unix", "win", "!" ... */
	const char *source; /* "p0f.fp" or "orbit.fp" */
	unsigned confidence; /* 0..100 */
};

struct osfp_db *osfp_db_new(void);
/* Adds the [tcp:response] sigs of one file's text; source names it in guesses. Returns
 * the number of sigs added; *bad counts the malformed lines skipped. */
size_t osfp_db_parse(struct osfp_db *db, const char *text, size_t len, const char *source,
		     size_t *bad);
/* orbit's file, then p0f_path (NULL: OSFP_P0F_PATH; a missing file is no error). NULL
 * only when out of memory. */
struct osfp_db *osfp_db_load_default(const char *p0f_path);
size_t osfp_db_count(const struct osfp_db *db);
void osfp_db_free(struct osfp_db *db);

/* The first sig (file order: orbit's, then p0f's) matching the reply exactly, else the
 * first matching fuzzily (TTL farther than 35 hops, or only DF/IP ID quirks differing).
 * profile: the scan's enum osfp_profile. false: no TCP reply or no match. */
bool osfp_match(const struct osfp_db *db, const struct scan_result *r, unsigned profile,
		struct osfp_guess *out);

/* The text of orbit's own signature file (generated from data/osfp/orbit.fp). */
extern const char osfp_orbit_signatures[];

#endif
