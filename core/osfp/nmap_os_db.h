/* nmap's OS fingerprint database (Debian's /usr/share/nmap/nmap-os-db, read at run time,
 * never copied) and its matcher, as nmap documents the method (nmap.org/book/
 * osdetect-methods.html): a reference fingerprint is tests (SEQ, OPS, WIN, ECN, T1-T7,
 * U1, IE), each a list of attributes whose values are expressions -- alternatives "a|b",
 * hex ranges "a-b", bounds ">a" "<a", exact strings; a subject fingerprint (what a host
 * answered) has one value per attribute. Score: for every attribute both have, the
 * MatchPoints weight of that test and attribute counts toward the possible total, and
 * toward the score when the subject's value satisfies the reference's expression;
 * accuracy = score / possible.
 * Contract: parsing never fails on content (malformed lines are counted and skipped);
 * the db is read-only once built and safe from any thread. */
#ifndef ORBIT_CORE_OSFP_NMAP_OS_DB_H
#define ORBIT_CORE_OSFP_NMAP_OS_DB_H

#include <stdbool.h>
#include <stddef.h>

#define NMAP_OS_DB_PATH "/usr/share/nmap/nmap-os-db"

struct nmap_os_db;
struct nmap_fp; /* a fingerprint: reference (expressions) or subject (values) */

struct nmap_os_class {
	const char *vendor, *family, *gen, *type; /* "" when the Class line leaves one out */
};

struct nmap_os_db *nmap_os_db_parse(const char *text, size_t len, size_t *bad);
/* path NULL: NMAP_OS_DB_PATH. NULL when unreadable or out of memory. */
struct nmap_os_db *nmap_os_db_load(const char *path);
void nmap_os_db_free(struct nmap_os_db *db);
size_t nmap_os_db_count(const struct nmap_os_db *db);

const struct nmap_fp *nmap_os_db_entry(const struct nmap_os_db *db, size_t i);
const char *nmap_fp_name(const struct nmap_fp *fp);       /* the Fingerprint line */
size_t nmap_fp_class_count(const struct nmap_fp *fp);
struct nmap_os_class nmap_fp_class(const struct nmap_fp *fp, size_t i);
size_t nmap_fp_cpe_count(const struct nmap_fp *fp);
const char *nmap_fp_cpe(const struct nmap_fp *fp, size_t i); /* "cpe:/o:linux:linux_kernel:5" */
/* The Class (index within fp) whose line CPE i follows; SIZE_MAX when none. */
size_t nmap_fp_cpe_class(const struct nmap_fp *fp, size_t i);
/* The tests as nmap prints them, one "NAME(K=V%K=V)\n" line each (malloc'd). */
char *nmap_fp_text(const struct nmap_fp *fp);

/* A subject fingerprint from test lines in the same syntax (one value per attribute;
 * other lines ignored). NULL only when out of memory. */
struct nmap_fp *nmap_fp_parse_subject(const char *text, size_t len);
void nmap_fp_free(struct nmap_fp *fp);

/* Does value satisfy the reference expression? (exposed for tests and fuzzing) */
bool nmap_expr_matches(const char *expr, const char *value);

/* The accuracy (0..1) of subject against one reference, as nmap_os_match() ranks it. */
double nmap_os_accuracy(const struct nmap_os_db *db, const struct nmap_fp *ref,
			const struct nmap_fp *subject);

struct nmap_os_match {
	size_t entry;    /* index into the db */
	double accuracy; /* 0..1 */
};
/* The best matches, highest accuracy first (ties in db order), at most max of them.
 * Returns how many were written. */
size_t nmap_os_match(const struct nmap_os_db *db, const struct nmap_fp *subject,
		     struct nmap_os_match *out, size_t max);

#endif
