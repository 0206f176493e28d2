/* What -sV learned, in nmap's shapes: the SERVICE column's name (with nmap's '?'), the
 * "SF-Port..." fingerprint of services that answered but matched nothing, and the host's
 * "Service Info:" line. Pure formatting over grab results (core/base/grab_result.h); the
 * report (output/report.c) decides where each goes.
 * Contract:
 *  - service_guessed(): true when an open port was grabbed (-sV ran) but no answer named
 *    the service, so the name is only the port table's guess: nmap prints it with a '?'
 *    ("8080/tcp open  http-proxy?"); a port the table does not name stays "unknown".
 *  - service_fp_wanted(): the grab got bytes and nothing matched them.
 *  - service_fp_string(): the fingerprint as one string, "Port8080-TCP:V=...%r(NULL,E,\"...\");"
 *    (escaped as nmap escapes: \r \n \t \0 \" \\ kept as such, other bytes outside graphic
 *    ASCII as \xHH); service_fp_write() wraps it nmap's way: 71 characters a line, the
 *    first line "SF-", the others "SF:". `now` is the scan's end (the D= and Time= fields).
 *  - service_info_write(): "Service Info: Host: x; OS: Linux; Device: router; CPE: ..."
 *    from every port's h/, o/, d/ and OS/hardware CPEs (cpe:/o, cpe:/h), each value once,
 *    in port order, plural labels ("Hosts:", "OSs:", "Devices:") for several; nothing
 *    when there is nothing to say. The *_collect() form gives the parts for XML. */
#ifndef ORBIT_OUTPUT_SERVICE_INFO_H
#define ORBIT_OUTPUT_SERVICE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/grab_result.h"
#include "core/base/result.h"

bool service_guessed(const struct scan_result *r);
bool service_fp_wanted(const struct scan_result *r);
/* Returns the length written (always NUL-terminated; cut at cap - 1). */
size_t service_fp_string(const struct grab_result *g, uint64_t now_ns, char *out, size_t cap);
void service_fp_write(FILE *f, const char *fp);
/* The probe whose answer the banner is: "NULL" when orbit sent nothing. */
const char *service_fp_probe_name(const struct grab_result *g);

/* Every CPE of one grab, first the match's own: calls fn for each. */
void service_cpes(const struct grab_result *g, void (*fn)(const char *cpe, void *arg), void *arg);

/* v: one host's results (any protocol). */
void service_info_write(FILE *f, const struct scan_result *v, size_t n);

#endif
