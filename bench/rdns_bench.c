/* Reverse DNS throughput: PTR lookups of every address of a range through orbit's
 * resolver (core/scan/rdns.h: c-ares, bounded concurrency), against one server. Prints
 * lookups/s, answered and failed counts. Run inside a namespace that reaches the server
 * (bench/rdns_bench.sh sets up a lab DNS server with a /16 of PTRs and runs this):
 *   rdns_bench SERVER FIRST_ADDR COUNT [CONCURRENCY] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/scan/rdns.h"
#include "targets/addrspec.h"

static void count_name(uint32_t addr, const char *name, void *arg)
{
	(void)addr;
	(void)name;
	(*(uint64_t *)arg)++;
}

int main(int argc, char **argv)
{
	uint32_t first;
	if (argc < 4 || addrspec_parse_ipv4(argv[2], &first) < 0) {
		fprintf(stderr, "usage: rdns_bench SERVER FIRST_ADDR COUNT [CONCURRENCY]\n");
		return 2;
	}
	size_t n = strtoul(argv[3], NULL, 10);
	uint32_t *addrs = malloc((n ? n : 1) * sizeof *addrs);
	if (!addrs)
		return 1;
	for (size_t i = 0; i < n; i++)
		addrs[i] = first + (uint32_t)i;
	struct rdns_options opt = {.servers = argv[1],
				   .concurrency = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 0};
	struct rdns_stats st;
	struct errbuf e = {0};
	uint64_t named = 0;
	if (rdns_resolve(&opt, addrs, n, count_name, &named, &st, &e) < 0) {
		fprintf(stderr, "rdns_bench: %s\n", e.msg);
		return 1;
	}
	double secs = (double)st.elapsed_ns / 1e9;
	printf("rdns_bench: %" PRIu64 " PTR lookups via %s in %.2f s: %.0f lookups/s, %" PRIu64
	       " named, %" PRIu64 " failed (concurrency %u)\n",
	       st.asked, argv[1], secs, secs > 0 ? (double)st.asked / secs : 0.0, named, st.failed,
	       opt.concurrency ? opt.concurrency : RDNS_DEFAULT_CONCURRENCY);
	free(addrs);
	return named == n ? 0 : 1;
}
