/* Reverse DNS (PTR) for the hosts a report lists, as nmap does after discovery: on by
 * default, off with -n (--no-dns), for every reported host with -R (--resolve-all).
 * Contract: rdns_resolve() looks up each address once and calls fn(addr, name, arg) for
 * each address that has a PTR (in completion order, from the calling thread). Queries go
 * out through c-ares (libc-ares, Debian's asynchronous stub resolver: non-blocking UDP
 * with retries and per-try timeouts, driven here by poll()) at most `concurrency` at a
 * time, to `servers` ("198.18.1.12,198.18.1.13:5353") or, without them, the servers of
 * /etc/resolv.conf; /etc/hosts is not read (nmap's rDNS asks DNS too). With `system`
 * (--system-dns) the C library's getnameinfo() answers instead, one address at a time
 * (nsswitch.conf applies). Every query ends: c-ares gives up after `tries` tries of
 * `timeout_ms` each (doubling), so the whole call is bounded by about
 * n / concurrency * timeout_ms * (2^tries - 1). Returns 0, or -1 with e set when the
 * resolver cannot start (bad server list). */
#ifndef ORBIT_SCAN_RDNS_H
#define ORBIT_SCAN_RDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

#define RDNS_DEFAULT_CONCURRENCY 512
#define RDNS_DEFAULT_TIMEOUT_MS 1000
#define RDNS_DEFAULT_TRIES 2

struct rdns_options {
	const char *servers;  /* NULL: /etc/resolv.conf */
	bool system;          /* getnameinfo() instead of c-ares */
	unsigned concurrency; /* 0: the default */
	unsigned timeout_ms;  /* 0: the default */
	unsigned tries;       /* 0: the default */
};

struct rdns_stats {
	uint64_t asked, named, failed; /* failed: timeouts and server errors (not NXDOMAIN) */
	uint64_t elapsed_ns;
};

typedef void (*rdns_fn)(uint32_t addr, const char *name, void *arg);

int rdns_resolve(const struct rdns_options *opt, const uint32_t *addrs, size_t n, rdns_fn fn,
		 void *arg, struct rdns_stats *st, struct errbuf *e);

/* Checks a --dns-servers list ("a.b.c.d[:port],..."); -1 with e naming the bad entry. */
int rdns_check_servers(const char *servers, struct errbuf *e);

#endif
