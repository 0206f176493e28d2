/* Script engine throughput: runs the selected scripts on PORT of every address in
 * FIRST..LAST (a listener farm: bench/script_bench.sh), REPEAT times over, through the
 * engine orbit's scans use (core/script/), and prints invocations/s, ports/s, the peak of
 * invocations in flight, the largest memory one invocation held and the process's peak RSS.
 *   bench_script SCRIPTS FIRST LAST PORT [REPEAT] [CONCURRENCY] */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "core/base/clock.h"
#include "core/script/script.h"

static void on_done(const struct scan_result *r, void *user)
{
	(*(uint64_t *)user) += r->scripts != NULL; /* one thread delivers: no race */
	free((void *)(uintptr_t)r->scripts);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: bench_script SCRIPTS FIRST LAST PORT [REPEAT] [CONCURRENCY]\n");
		return 2;
	}
	struct in_addr first, last;
	if (inet_pton(AF_INET, argv[2], &first) != 1 || inet_pton(AF_INET, argv[3], &last) != 1) {
		fprintf(stderr, "bench_script: bad address\n");
		return 2;
	}
	unsigned port = (unsigned)atoi(argv[4]);
	unsigned repeat = argc > 5 ? (unsigned)atoi(argv[5]) : 1;
	unsigned conc = argc > 6 ? (unsigned)atoi(argv[6]) : 256;
	const char *dirs[] = {script_default_dir()};
	struct errbuf e;
	struct script_catalog *c = script_catalog_load(dirs, 1, argv[1], &e);
	if (!c) {
		fprintf(stderr, "bench_script: %s\n", e.msg);
		return 2;
	}
	uint64_t with_output = 0;
	struct script_params p = {.timeout_ms = 10000, .max_inflight = conc, .on_done = on_done,
				  .user = &with_output};
	struct script_engine *en = script_engine_start(&p, c, &e);
	if (!en) {
		fprintf(stderr, "bench_script: %s\n", e.msg);
		return 1;
	}
	uint32_t a0 = ntohl(first.s_addr), a1 = ntohl(last.s_addr);
	uint64_t t0 = clock_mono_ns(), ports = 0;
	for (unsigned r = 0; r < repeat; r++)
		for (uint32_t a = a0; a <= a1; a++) {
			struct scan_result res = {.addr = a, .port = (uint16_t)port, .proto = 6,
						  .state = PORT_OPEN};
			script_engine_submit(en, &res);
			ports++;
		}
	bool done = script_engine_drain(en, 600000);
	double secs = (double)(clock_mono_ns() - t0) / 1e9;
	struct script_stats st;
	script_engine_stats(en, &st);
	script_engine_stop(en);
	script_catalog_free(c);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_script: %s on %" PRIu64 " ports: %" PRIu64 " invocations in %.2f s = %.0f invocations/s, "
	       "%.0f ports/s; %" PRIu64 " ports with output, %" PRIu64 " errors; at most %u in flight; "
	       "largest invocation %zu KiB; peak RSS %ld KiB%s\n",
	       argv[1], ports, st.invocations, secs, (double)st.invocations / secs, (double)ports / secs,
	       with_output, st.errors, st.peak_inflight, st.peak_mem / 1024, ru.ru_maxrss,
	       done ? "" : " (NOT all delivered)");
	return done ? 0 : 1;
}
