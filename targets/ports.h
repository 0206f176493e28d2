/* Port lists: which (protocol, port) pairs each address is probed on.
 * Contract: nmap's -p grammar — "80", "1-1024", "22,80,443", "-" (1-65535), open ends
 * ("-1024", "60000-"), and protocol prefixes "T:" / "U:" that apply to what follows
 * until the next prefix ("T:22,80,U:53,161"); unprefixed ports go to every protocol of
 * the scan (as nmap: with -sS -sU, "-p 53,161" is TCP and UDP 53 and 161). The result is
 * sorted by (protocol, port) without duplicates; the protocol is part of every entry, so one scan can mix TCP and UDP. --top-ports N takes the N most
 * frequently open ports from the shipped lists (targets/top-ports-*.txt). ICMP probes
 * use a one-entry list {ICMP, 0}. Bad input: -1 and a message naming the bad value. */
#ifndef ORBIT_TARGETS_PORTS_H
#define ORBIT_TARGETS_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17 };
/* A set of protocols: PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP). */
#define PROTO_BIT(p) (1u << (p))

struct port_entry {
	uint16_t port;
	uint8_t proto;
};

struct portlist {
	struct port_entry *v;
	size_t n;
};

/* default_protos: the PROTO_BIT set unprefixed ports are added for (one entry each). */
int portlist_parse(const char *spec, unsigned default_protos, struct portlist *out,
		   struct errbuf *e);
/* Appends the top n ports for proto (TCP or UDP) to out, then sorts and dedupes. */
int portlist_add_top(struct portlist *out, unsigned n, uint8_t proto, struct errbuf *e);
int portlist_add(struct portlist *out, uint8_t proto, uint16_t port);
/* Sorts by (proto, port) and drops duplicates; called by the parsers. */
void portlist_normalize(struct portlist *l);
void portlist_free(struct portlist *l);
size_t portlist_top_available(uint8_t proto);
/* The same from nmap-services read at run time (Debian's nmap-common,
 * PORTLIST_NMAP_SERVICES): ranked by its open frequency, ties in file order, up to every
 * port of proto in the file. When the file cannot be read, the shipped lists above (the
 * top 1000, generated from the same file) are the fallback. */
#define PORTLIST_NMAP_SERVICES "/usr/share/nmap/nmap-services"
int portlist_add_top_from(struct portlist *out, unsigned n, uint8_t proto,
			  const char *services_path, struct errbuf *e);
const char *proto_name(uint8_t proto); /* "tcp", "udp", "icmp" */

#endif
