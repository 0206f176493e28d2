/* The target space of one scan: allowed addresses x (protocol, port) list.
 * Contract: target_space_build() turns what the user wrote (targets, -iL file, -w
 * allowlist, -b blocklist or the embedded default, ports) into the allowed address set
 * and its index, warning once per target range that lost addresses to the blocklist or
 * the allowlist; an empty result is an error. Index i in [0, n) decodes to address
 * i / nports and port entry i % nports (libdivide: no divide instruction). The digest
 * identifies the space (addresses and ports) for checkpoints. */
#ifndef ORBIT_TARGETS_TARGETS_H
#define ORBIT_TARGETS_TARGETS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"
#include "targets/ipset.h"
#include "targets/libdivide_wrap.h"
#include "targets/ports.h"

struct target_inputs {
	const char *const *targets; /* positional specs */
	size_t ntargets;
	const char *input_file;     /* -iL: more target specs */
	const char *allowlist_file; /* -w */
	const char *blocklist_file; /* -b; NULL = embedded default */
	const char *ports;          /* -p, may be NULL */
	unsigned top_ports;         /* --top-ports, 0 = none */
	const char *services_file;  /* nmap-services for --top-ports; NULL: the shipped lists */
	unsigned default_protos;    /* PROTO_BIT set for unprefixed ports and --top-ports */
	int icmp_only;              /* ping sweep: the port list is {ICMP, 0} */
};

/* A target the user named by its hostname (the reports print the name). */
struct target_name {
	uint32_t addr;
	char *name; /* owned */
};

struct target_space {
	struct ipset allowed;
	struct target_name *names; /* only the named targets: bare addresses cost nothing */
	size_t nnames;
	struct ipindex index;
	struct portlist ports;
	uint64_t naddrs;
	uint64_t n; /* naddrs * ports.n */
	struct libdivide_u64_t port_div;
};

/* warn may be NULL to stay quiet. */
int target_space_build(struct target_space *ts, const struct target_inputs *in, FILE *warn,
		       struct errbuf *e);
/* Takes ownership of allowed and ports (the sets are moved, the arguments emptied): for
 * callers that build the sets themselves (benchmarks, tests, the engine's helpers). */
int target_space_init(struct target_space *ts, struct ipset *allowed, struct portlist *ports,
		      struct errbuf *e);
void target_space_free(struct target_space *ts);
/* Adds (proto, port) entries to every address's list -- host discovery's pings
 * (core/scan/discovery.h) -- or, with replace, makes them the whole list; sorted and
 * deduplicated, n and the divider recomputed. Before the walk is planned. */
int target_space_add_entries(struct target_space *ts, const struct port_entry *v, size_t n,
			     bool replace, struct errbuf *e);
uint64_t target_space_digest(const struct target_space *ts);

static inline void target_space_decode(const struct target_space *ts, uint64_t i, uint32_t *addr,
				       struct port_entry *pe)
{
	uint64_t a = ts->ports.n == 1 ? i : libdivide_u64_do(i, &ts->port_div);
	*addr = ipindex_addr(&ts->index, a);
	*pe = ts->ports.v[i - a * ts->ports.n];
}

/* Inverse of decode; -1 when (addr, proto, port) is not in the space. */
int64_t target_space_encode(const struct target_space *ts, uint32_t addr, uint8_t proto,
			    uint16_t port);

extern const char default_blocklist_conf[];

#endif
