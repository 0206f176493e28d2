/* One host's -O result in nmap's three forms: the text report's lines (Device type,
 * Running, OS CPE, OS details or Aggressive OS guesses, Network Distance, and the warning
 * when the host had no open/closed port pair), XML's <os> and <distance> elements, and
 * NDJSON's "os" object. Pure formatting over the matcher's ranked matches
 * (core/osfp/nmap_os_db.h): nothing here sends or matches. */
#ifndef ORBIT_OUTPUT_OS_REPORT_H
#define ORBIT_OUTPUT_OS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/base/result.h"
#include "core/osfp/nmap_os_db.h"
#include "output/json.h"

#define OS_REPORT_MATCHES 36 /* nmap keeps as many */
#define OS_GUESS_THRESHOLD 0.85 /* nmap's: guesses below it are not printed */
#define OS_FINGERPRINT_MAX 2048
#define OS_TOO_MANY 8 /* nmap's: more perfect matches than this say nothing */ /* the subject's test lines */

struct os_host_result {
	struct nmap_os_match matches[OS_REPORT_MATCHES]; /* best first */
	size_t nmatches;
	int distance;      /* hops; < 0 unknown */
	bool no_port_pair; /* no open or no closed TCP port: nmap's "may be unreliable" */
	/* Why the fingerprint is not ideal, in nmap's words ("Missing a closed TCP port so
	 * results incomplete"), "" when it is: nmap then guesses and prints no fingerprint. */
	char reason[96];
	/* The host's fingerprint, "NAME(K=V%...)\n" lines ("": none): printed, as nmap's
	 * "TCP/IP fingerprint:" block, when no match is perfect; XML's <osfingerprint>. */
	char fingerprint[OS_FINGERPRINT_MAX];
};

/* A host's -O result as it travels to the outputs on its scan_result (.os, proto
 * RESULT_PROTO_OS): plain heap memory (one free()), owned as a record's grab is; db is
 * borrowed and outlives the output set; guess: --osscan-guess. NDJSON writes it as
 * {"addr", "proto":"os", "state":"up", "time", "os": os_report_json()} (output/ndjson.c). */
struct os_record {
	struct os_host_result result;
	const struct nmap_os_db *db;
	bool guess;
};

/* The text report's lines, by nmap's rules: matches below the threshold are none; more
 * than OS_TOO_MANY perfect ones say nothing; the classification (Device type, Running,
 * OS CPE) only while each of its lists stays within nmap's eight members; without a
 * perfect match the guesses only with guess (--osscan-guess) or a reason, else the
 * fingerprint block. */
void os_report_text(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r,
		    bool guess);
/* Grepable's "\tOS: NAME|NAME": the perfect matches, as nmap writes them (none when
 * there are none or too many). */
void os_report_grepable(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r);
/* <os><osmatch name accuracy><osclass ...><cpe/></osclass></osmatch></os><distance/> */
void os_report_xml(FILE *f, const struct nmap_os_db *db, const struct os_host_result *r);
/* "os": {"matches": [{"name", "accuracy", "classes": [{"type", "vendor", "osfamily",
 * "osgen", "cpe": [...]}]}], "distance": N} -- the caller has written the key. */
void os_report_json(struct json *j, const struct nmap_os_db *db, const struct os_host_result *r);

#endif
