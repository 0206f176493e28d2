/* Host names for the reports: the name a target was given by (h10.lab.orbit on the
 * command line) and the PTR name reverse DNS found, keyed by address.
 * Contract: only named hosts take memory (an entry each; a /16 of bare addresses adds
 * nothing). Fill with host_names_add() from any one thread, then host_names_seal() once:
 * it sorts and merges entries of one address (the first user name and the first PTR
 * kept); host_names_find() is then a read-only binary search, safe from any thread.
 * Strings are copied. A NULL table finds nothing. */
#ifndef ORBIT_OUTPUT_HOST_NAMES_H
#define ORBIT_OUTPUT_HOST_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct host_name {
	uint32_t addr; /* host byte order */
	char *user;    /* as the user wrote it, or NULL */
	char *ptr;     /* reverse DNS, or NULL */
};

struct host_names {
	struct host_name *v;
	size_t n, cap;
};

/* user or ptr may be NULL. Returns -1 when out of memory. */
int host_names_add(struct host_names *t, uint32_t addr, const char *user, const char *ptr);
void host_names_seal(struct host_names *t);
const struct host_name *host_names_find(const struct host_names *t, uint32_t addr);
void host_names_free(struct host_names *t);

#endif
