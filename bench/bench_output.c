/* Output throughput: THREADS producer threads each push RESULTS results (bursts of 32,
 * like a receive thread) through one output set to FILE (default /dev/null) as --output-format FORMAT;
 * prints results/s from output_set_begin() to the end of output_set_finish(). Each thread
 * writes through its own queue (output_producer_open), as a receive thread does; "shared"
 * makes them all use output_set_write()'s one queue instead.
 *   bench_output [THREADS [RESULTS [FORMAT [FILE [shared]]]]]  (defaults: 1 2000000 ndjson)
 * "compressed" compares the stream kinds: NDJSON to DIR/bench_output.ndjson, .gz and .zst
 * (compressed on the fly by the writer, output/compress.h), results/s and bytes each:
 *   bench_output compressed [RESULTS [DIR]]  (defaults: 2000000 /dev/shm; files removed)
 * "postgres" times --output-postgres (output/pgsink.h): RESULTS rows through the writer
 * into the database (NDJSON to /dev/null alongside), committed at the end:
 *   bench_output postgres CONNINFO [RESULTS]  (default 500000; rows stay, scan id "orbit") */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "output/output.h"

enum { BURST = 32 };

struct producer {
	struct output_set *os;
	struct output_producer *own; /* NULL: output_set_write() */
	uint32_t base;
	long n;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct scan_result batch[BURST];
	for (long i = 0; i < p->n; i += BURST) {
		size_t k = 0;
		for (long j = i; j < i + BURST && j < p->n; j++) {
			batch[k++] = (struct scan_result){
				.addr = p->base + (uint32_t)(j >> 4), .responder = p->base + (uint32_t)(j >> 4),
				.port = (uint16_t)(1 + (j & 15) * 997), .proto = 6,
				.state = (j & 7) ? PORT_CLOSED : PORT_OPEN,
				.reason = (j & 7) ? REASON_RESET : REASON_SYN_ACK, .ttl = 63,
				.ip_id = (uint16_t)j, .reply_len = 44, .tcp_window = 64240, .tcp_mss = 1460,
				.tcp_opts = TCPOPT_HAS_MSS | TCPOPT_HAS_SACK_OK,
				.timestamp_ns = 1795606437123456789ull + (uint64_t)j * 1000,
				.rtt_ns = 420000};
		}
		if (p->own)
			output_producer_write(p->own, batch, k);
		else
			output_set_write(p->os, batch, k);
	}
	return NULL;
}

struct run {
	double seconds;
	struct output_stats st;
	int rc;
};

static int run_once(int threads, long n, struct output_options *o, bool shared, struct run *out)
{
	struct errbuf e;
	struct output_set *os;
	if (output_set_open(&os, o, &e) != 0) {
		fprintf(stderr, "bench_output: %s\n", e.msg);
		return 1;
	}
	struct output_scan_info info = {.command_line = "bench_output"};
	pthread_t t[64];
	struct producer p[64];
	uint64_t start = clock_mono_ns();
	output_set_begin(os, &info);
	for (int i = 0; i < threads; i++) {
		p[i] = (struct producer){os, shared ? NULL : output_producer_open(os),
					 0x0a000000u + (uint32_t)i * 0x100000u, n};
		pthread_create(&t[i], NULL, produce, &p[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	out->rc = output_set_finish(os, 1, false, &e);
	output_set_stats(os, &out->st);
	output_set_close(os); /* a compressed stream's last bytes are written by the close */
	out->seconds = (double)(clock_mono_ns() - start) / 1e9;
	return 0;
}

static int compare_compressed(long n, const char *dir)
{
	static const char *const endings[] = {"", ".gz", ".zst"};
	for (size_t i = 0; i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/bench_output.ndjson%s", dir, endings[i]);
		struct output_options o = {.format = "ndjson", .path = path};
		struct run r;
		if (run_once(1, n, &o, false, &r) != 0)
			return 1;
		struct stat sb;
		long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
		unlink(path);
		printf("ndjson%-4s %ld results: %.3f s, %.0f results/s, %lld bytes (%.1f per result)%s\n",
		       endings[i], n, r.seconds, (double)n / r.seconds, bytes, (double)bytes / (double)n,
		       r.rc < 0 || r.st.dropped ? " FAILED" : "");
	}
	return 0;
}

static int bench_postgres(const char *conninfo, long n)
{
	struct output_options o = {.format = "ndjson", .path = "/dev/null", .postgres = conninfo};
	struct run r;
	if (run_once(1, n, &o, false, &r) != 0)
		return 1;
	printf("postgres %ld rows: %.3f s, %.0f rows/s%s\n", n, r.seconds, (double)n / r.seconds,
	       r.rc < 0 || r.st.dropped ? " FAILED" : "");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "postgres") == 0)
		return bench_postgres(argv[2], argc > 3 ? atol(argv[3]) : 500000);
	if (argc > 1 && strcmp(argv[1], "compressed") == 0)
		return compare_compressed(argc > 2 ? atol(argv[2]) : 2000000,
					  argc > 3 ? argv[3] : "/dev/shm");
	int threads = argc > 1 ? atoi(argv[1]) : 1;
	long n = argc > 2 ? atol(argv[2]) : 2000000;
	struct output_options o = {.format = argc > 3 ? argv[3] : "ndjson",
				   .path = argc > 4 ? argv[4] : "/dev/null"};
	bool shared = argc > 5 && strcmp(argv[5], "shared") == 0;
	if (threads < 1 || threads > 64 || n < 1) {
		fprintf(stderr, "usage: bench_output [THREADS [RESULTS [FORMAT [FILE [shared]]]]]\n");
		return 2;
	}
	struct run r;
	if (run_once(threads, n, &o, shared, &r) != 0)
		return 1;
	printf("%d thread(s)%s x %ld results, %s: %.3f s, %.0f results/s (written %llu, dropped %llu)\n",
	       threads, shared ? " (shared queue)" : "", n, o.format, r.seconds,
	       (double)threads * (double)n / r.seconds, (unsigned long long)r.st.written,
	       (unsigned long long)r.st.dropped);
	return r.rc < 0;
}
