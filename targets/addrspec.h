/* Parsing of target specifications: what a user writes to name addresses.
 * Contract: one spec is an IPv4 address (strict dotted quad), a CIDR (host bits are
 * masked off, as nmap and zmap do), a range "a.b.c.d-e.f.g.h", or — where allowed — a
 * hostname, resolved once (getaddrinfo, every A record). Lists in files: one spec per
 * line, '#' starts a comment, blank lines ignored; the comment of a line names the
 * range in messages (e.g. "RFC 1918: private-use"). On bad input every function
 * returns -1 with a one-line message naming the bad value (and file:line). */
#ifndef ORBIT_TARGETS_ADDRSPEC_H
#define ORBIT_TARGETS_ADDRSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

struct named_range {
	uint32_t first, last; /* inclusive, host byte order */
	char *name;           /* what the user wrote, or the line's comment; owned */
	size_t hostname_len;  /* > 0: name starts with the hostname the address came from */
};

struct range_list {
	struct named_range *v;
	size_t n, cap;
};

enum addrspec_flags {
	ADDRSPEC_ALLOW_HOSTNAMES = 1, /* targets may be names; block/allow lists may not */
};

/* "198.18.0.1" -> host-order address. Rejects anything but four decimal octets. */
int addrspec_parse_ipv4(const char *s, uint32_t *out);

/* Appends the ranges of one spec (a hostname may give several addresses). */
int addrspec_parse(const char *spec, unsigned flags, struct range_list *out, struct errbuf *e);

/* Appends every spec of a file; `what` names the list in messages ("blocklist").
 * An empty list is allowed only when allow_empty is set. */
int addrspec_parse_file(const char *path, const char *what, unsigned flags, int allow_empty,
			struct range_list *out, struct errbuf *e);

/* Same, over an in-memory text (the embedded default blocklist). */
int addrspec_parse_text(const char *text, const char *origin, unsigned flags,
			struct range_list *out, struct errbuf *e);

void range_list_free(struct range_list *l);

/* "198.18.0.0/15" when the range is one CIDR block, else "a.b.c.d-e.f.g.h". */
void addrspec_format_range(uint32_t first, uint32_t last, char *buf, size_t len);
void addrspec_format_ipv4(uint32_t addr, char buf[16]);

#endif
