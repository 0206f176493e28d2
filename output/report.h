/* Nmap-style reports, grouped per host: normal (text, -oN), XML (-oX) and grepable (-oG).
 * They need every result of a host before the host can be printed, so the output set
 * (output/output.h) collects results in memory (sized by the hits) and these renderers
 * write the whole document at the end of the scan -- also after Ctrl-C, so the document
 * is always complete and well-formed.
 * Contract: report_sort() orders results by (address, protocol, port) and drops repeated
 * keys (first kept). The writers take that sorted array and follow Nmap 7.9x's layouts
 * line for line where Nmap has one ("Not shown: 1023 closed tcp ports (reset)", states
 * other than open with more than 25 ports are summarised, not listed), so Nmap users and
 * Nmap-XML tools (ndiff, xmllint against nmap.dtd) read them unchanged. A host is listed
 * when it answered anything, or always with -Pn (Nmap's "user-set"); results with reason
 * no-response (the complement of the responders) only fill in ports of listed hosts.
 * Names (the target's as the user wrote it, the PTR record) come from report_scan.names;
 * -sV's extras (the '?', SF blocks, Service Info) from output/service_info.h. Writers
 * return -1 with errno when the stream failed. */
#ifndef ORBIT_OUTPUT_REPORT_H
#define ORBIT_OUTPUT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/result.h"
#include "targets/ports.h"

struct service_names;
struct mac_vendors;
struct host_names;

/* Which unanswered probes (no-response) the results hold, so that "Not shown" counts only
 * what was counted and the report says what it left out. */
enum report_complement {
	REPORT_COMPLEMENT_NONE,           /* none: the scan was too large, or stopped early */
	REPORT_COMPLEMENT_ANSWERED_HOSTS, /* every probe of the hosts that answered */
	REPORT_COMPLEMENT_EVERY_HOST,     /* every probe */
};

/* What the reports say about the scan as a whole. */
struct report_scan {
	const char *command_line;
	uint64_t start_ns, end_ns;       /* CLOCK_REALTIME */
	bool tcp_ack;                    /* TCP probes were ACKs (scaninfo type "ack") */
	bool ping_sweep;                 /* -sn: hosts only, no port tables */
	bool all_hosts_up;               /* -Pn: list hosts that never answered */
	bool interrupted;                /* stopped by Ctrl-C */
	const struct port_entry *ports;  /* the scan's port list */
	size_t nports;
	uint64_t addresses;              /* addresses in the target space */
	const struct service_names *services;
	enum report_complement complement;
	uint64_t silent_probes_unlisted; /* -Pn: probes of hosts that never answered, not listed */
	bool reason;                     /* --reason: a REASON column ("syn-ack ttl 64") */
	const struct mac_vendors *vendors; /* MAC vendors (output/mac_vendors.h), or NULL */
	const struct host_names *names;  /* user-given names and PTRs (output/host_names.h), or NULL */
};

void report_sort(struct scan_result *v, size_t *n);
/* The addresses of the hosts the reports list as up (every host with all_hosts: -R);
 * out holds room for n. Returns the count. */
size_t report_hosts_up(const struct report_scan *scan, const struct scan_result *v, size_t n,
		       bool all_hosts, uint32_t *out);
int report_write_text(FILE *f, const struct report_scan *scan, const struct scan_result *v,
		      size_t n);
int report_write_xml(FILE *f, const struct report_scan *scan, const struct scan_result *v,
		     size_t n);
int report_write_grepable(FILE *f, const struct report_scan *scan, const struct scan_result *v,
			  size_t n);

#endif
