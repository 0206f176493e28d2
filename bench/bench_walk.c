/* bench_walk: permutation elements per second on one core.
 *   (a) all of IPv4 minus the default blocklist, one port;
 *   (b) a /8 x 1,000 ports;
 * each measured twice: raw group elements (walk_next: Montgomery step + range check)
 * and fully decoded probes (index -> address, protocol, port), the tx loop's real work.
 * The address space is walked as indices only: nothing is sent.
 *   bench_walk [--seconds S] [--count N]   (--count: fixed element count, for callgrind) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "targets/plan.h"
#include "targets/targets.h"

enum { BATCH = 64 };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
	uint64_t elements; /* indices produced */
	double seconds;
	uint64_t sink;     /* keeps the work observable */
};

static struct run run_walk(const struct target_space *ts, int decode, double seconds,
			   uint64_t count)
{
	struct walk_plan plan;
	struct errbuf e;
	struct walk_plan_params wp = {.seed = 1, .seed_given = 1, .shards = 1, .threads = 1};
	if (walk_plan_init(&plan, ts, &wp, &e) < 0) {
		fprintf(stderr, "bench_walk: %s\n", e.msg);
		exit(1);
	}
	struct run r = {0};
	uint64_t idx[BATCH];
	double start = now_s(), deadline = start + seconds;
	while (count ? r.elements < count : 1) {
		for (int rep = 0; rep < 256; rep++) {
			size_t k = walk_next(&plan.arcs[0], &plan.cg, idx, BATCH);
			r.elements += k;
			if (decode) {
				for (size_t i = 0; i < k; i++) {
					uint32_t addr;
					struct port_entry pe;
					target_space_decode(ts, idx[i], &addr, &pe);
					r.sink += addr ^ pe.port;
				}
			} else {
				r.sink += idx[k ? k - 1 : 0];
			}
		}
		if (!count && now_s() > deadline)
			break;
	}
	r.seconds = now_s() - start;
	walk_plan_free(&plan);
	return r;
}

static void report(const char *name, const struct target_space *ts, double seconds, uint64_t count)
{
	struct cyclic_group cg;
	struct errbuf e;
	cyclic_init(&cg, ts->n, 1, &e);
	printf("%s: N = %llu, p = %llu (%.1f %% of group elements skipped)\n", name,
	       (unsigned long long)ts->n, (unsigned long long)cg.p,
	       100.0 * (double)(cg.p - 1 - ts->n) / (double)(cg.p - 1));
	for (int decode = 0; decode <= 1; decode++) {
		struct run r = run_walk(ts, decode, seconds, count);
		printf("  %-28s %8.1f M/s per core  (%llu in %.2f s)  [%llx]\n",
		       decode ? "decoded probes (addr,port):" : "group elements (indices):",
		       (double)r.elements / r.seconds / 1e6, (unsigned long long)r.elements,
		       r.seconds, (unsigned long long)(r.sink & 0xfff));
	}
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	uint64_t count = 0;
	static const struct option opts[] = {{"seconds", required_argument, NULL, 's'},
					     {"count", required_argument, NULL, 'c'},
					     {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			seconds = atof(optarg);
		else if (c == 'c')
			count = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	struct errbuf e;
	struct target_space a, b;
	const char *all[] = {"0.0.0.0/0"};
	struct target_inputs in_a = {.targets = all, .ntargets = 1, .ports = "80", .default_protos = PROTO_BIT(PROTO_TCP)};
	if (target_space_build(&a, &in_a, NULL, &e) < 0) {
		fprintf(stderr, "bench_walk: %s\n", e.msg);
		return 1;
	}
	struct ipset s;
	struct portlist pl = {0};
	ipset_init(&s);
	ipset_add(&s, 0x0A000000u, 0x0AFFFFFFu); /* a /8 of index space: nothing is sent */
	portlist_parse("1-1000", PROTO_BIT(PROTO_TCP), &pl, &e);
	if (target_space_init(&b, &s, &pl, &e) < 0) {
		fprintf(stderr, "bench_walk: %s\n", e.msg);
		return 1;
	}
	report("(a) IPv4 minus default blocklist x 1 port", &a, seconds, count);
	report("(b) /8 x 1,000 ports", &b, seconds, count);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %ld KiB\n", ru.ru_maxrss);
	target_space_free(&a);
	target_space_free(&b);
	return 0;
}
