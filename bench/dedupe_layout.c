/* dedupe_layout: what a new key costs the dedupe set (core/scan/dedupe.h) in its two key
 * layouts, for a scan of a /16 x PORTS TCP ports whose results arrive in random order (as
 * the walk's permutation sends them) at several hit rates: the plain key (address << 24 |
 * proto << 16 | port, dedupe_init) and the key by index in the target space
 * (dedupe_init_space, what the receive threads use). Prints ns per insert, inserts/s and
 * Judy's memory for each. A program, not a test:
 *   dedupe_layout [PORTS]      (default 65)                                           */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/base/clock.h"
#include "core/base/error.h"
#include "core/scan/dedupe.h"
#include "targets/targets.h"

struct key {
	uint32_t addr;
	uint16_t port;
};

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every (address, port) of the space kept with probability 1/every, shuffled. */
static size_t make_keys(const struct target_space *ts, unsigned every, struct key *out)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	size_t n = 0;
	for (uint64_t i = 0; i < ts->n; i++) {
		if (next_random(&rng) % every)
			continue;
		struct port_entry pe;
		target_space_decode(ts, i, &out[n].addr, &pe);
		out[n++].port = pe.port;
	}
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(next_random(&rng) % (i + 1));
		struct key t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	return n;
}

static void measure(const char *label, const struct target_space *space, const struct key *k,
		    size_t n)
{
	struct dedupe d;
	if (space)
		dedupe_init_space(&d, space);
	else
		dedupe_init(&d);
	uint64_t t0 = clock_mono_ns();
	for (size_t i = 0; i < n; i++)
		dedupe_insert(&d, k[i].addr, IPPROTO_TCP, k[i].port);
	double ns = (double)(clock_mono_ns() - t0) / (double)n;
	printf("  %-22s %8.1f ns/insert %7.2f M/s %8.2f MB  (unique %llu)\n", label, ns,
	       1e3 / ns, (double)dedupe_memory(&d) / 1e6, (unsigned long long)d.unique);
	dedupe_free(&d);
}

int main(int argc, char **argv)
{
	unsigned nports = argc > 1 ? (unsigned)atoi(argv[1]) : 65;
	if (nports < 1 || nports > 65535) {
		fprintf(stderr, "dedupe_layout: bad PORTS '%s' (1..65535)\n", argv[1]);
		return 2;
	}
	struct ipset set;
	struct portlist pl = {0};
	struct errbuf e;
	ipset_init(&set);
	ipset_add(&set, 0xc6130000u, 0xc613ffffu); /* 198.19.0.0/16 */
	for (unsigned p = 1; p <= nports; p++)
		portlist_add(&pl, IPPROTO_TCP, (uint16_t)p);
	portlist_normalize(&pl);
	struct target_space ts;
	if (target_space_init(&ts, &set, &pl, &e) < 0) {
		fprintf(stderr, "dedupe_layout: %s\n", e.msg);
		return 1;
	}
	struct key *keys = malloc(ts.n * sizeof *keys);
	if (!keys)
		return 1;
	printf("198.19.0.0/16 x %u TCP ports = %llu probes; results in random order\n", nports,
	       (unsigned long long)ts.n);
	static const unsigned every[] = {1, 3, 30, 300};
	for (size_t i = 0; i < sizeof every / sizeof every[0]; i++) {
		size_t n = make_keys(&ts, every[i], keys);
		printf("hit rate 1/%u: %zu results\n", every[i], n);
		measure("address<<24|proto|port", NULL, keys, n);
		measure("index in target space", &ts, keys, n);
	}
	free(keys);
	target_space_free(&ts);
	return 0;
}
