/* One host's -O result in nmap's three forms: the text report's lines (Device type,
 * Running, OS CPE, OS details or Aggressive OS guesses, Network Distance, and the warning
 * when the host had no open/closed port pair), XML's <os> and <distance> elements, and
 * NDJSON's "os" object. Pure formatting over the matcher's ranked matches
 * (core/osfp/nmap_os_db.h): nothing here sends or matches. */
#ifndef ORBIT_OUTPUT_OS_REPORT_H
#define ORBIT_OUTPUT_OS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/osfp/nmap_os_db.h"
#include "output/json.h"

#define OS_REPORT_MATCHES 10
#define OS_GUESS_THRESHOLD 0.85 /* nmap's: guesses below it are not printed */

struct os_host_result {
	struct nmap_os_match matches[OS_REPORT_MATCHES]; /* best first */
	size_t nmatches;
	int distance;     /* hops; < 0 unknown */
	bool no_port_pair; /* no open and closed TCP port: nmap's "may be unreliable" */
	bool nonideal;     /* test conditions non-ideal (no_port_pair, missing replies) */
};

/* The text report's lines. Without a perfect match the guesses (those at or above the
 * threshold) are listed, as nmap lists them, only with guess (--osscan-guess) or when the
 * test conditions were non-ideal; with guess and none above it, the best one. */
void os_report_text(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r,
		    bool guess);
/* <os><osmatch name accuracy><osclass ...><cpe/></osclass></osmatch></os><distance/> */
void os_report_xml(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r);
/* "os": {"matches": [{"name", "accuracy", "classes": [{"type", "vendor", "osfamily",
 * "osgen", "cpe": [...]}]}], "distance": N} -- the caller has written the key. */
void os_report_json(struct json *j, const struct nmap_os_db *db, const struct os_host_result *r);

#endif
