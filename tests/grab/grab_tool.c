/* grab_tool: drives the grab pool (core/grab/) until the engine wiring lands, for tests and
 * the benchmark. One NDJSON line per target on stdout; a summary on stderr.
 *
 *   grab_tool [options] TARGET...      TARGET: A.B.C.D:PORT[,PORT...] or A.B.C.D-E:PORT...
 *   grab_tool [options] -f FILE        one TARGET per line
 *   -c N  concurrency (1000)   -t S timeout seconds (10)   -T MS timeout in ms
 *   -b N  max bytes (65536)    -s ADDR source address      -j N grab threads (1)
 *   -p FILE  nmap-service-probes file   -q  no NDJSON (summary only)   -r N repeat targets N times
 *   -V N  with -p: Nmap's probe sequence up to rarity N   -x  trace the sequence on stderr
 * Targets must be in 198.18.0.0/15 or 127.0.0.0/8 (the lab and namespaces), unless
 * ORBIT_GRAB_ANY=1. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/followup/grab.h"
#include "output/grab_json.h"
#include "core/followup/probes.h"

struct target {
	uint32_t addr;
	uint16_t port;
};

static struct target *targets;
static size_t ntargets, cap_targets;
static bool quiet;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char line[GRAB_JSON_MAX];

static int add(uint32_t a, uint16_t port)
{
	bool ok = (a >> 17) == (0xc6120000u >> 17) || (a >> 24) == 127;
	const char *any = getenv("ORBIT_GRAB_ANY");
	if (!ok && !(any && strcmp(any, "1") == 0)) {
		fprintf(stderr, "grab_tool: refusing target outside 198.18.0.0/15 and 127/8\n");
		return -1;
	}
	if (ntargets == cap_targets) {
		cap_targets = cap_targets ? cap_targets * 2 : 1024;
		targets = realloc(targets, cap_targets * sizeof(*targets));
		if (!targets)
			return -1;
	}
	targets[ntargets].addr = a;
	targets[ntargets].port = port;
	ntargets++;
	return 0;
}

static int parse_target(const char *s)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	char *colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = 0;
	char *dash = strchr(buf, '-');
	unsigned last = 0;
	if (dash) {
		*dash = 0;
		last = (unsigned)atoi(dash + 1);
	}
	struct in_addr ia;
	if (inet_pton(AF_INET, buf, &ia) != 1)
		return -1;
	uint32_t a = ntohl(ia.s_addr);
	uint32_t end = dash ? ((a & 0xffffff00u) | (last & 255)) : a;
	for (uint32_t x = a; x <= end; x++) {
		char *save = NULL, ports[128];
		snprintf(ports, sizeof(ports), "%s", colon + 1);
		for (char *p = strtok_r(ports, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			long v = strtol(p, NULL, 10);
			if (v <= 0 || v > 65535 || add(x, (uint16_t)v) < 0)
				return -1;
		}
	}
	return 0;
}

static void on_result(const struct grab_result *r, void *user)
{
	(void)user;
	if (quiet)
		return;
	pthread_mutex_lock(&out_lock);
	size_t n = grab_result_json(r, line, sizeof(line));
	fwrite(line, 1, n, stdout);
	pthread_mutex_unlock(&out_lock);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct grab_params p = {.threads = 1, .concurrency = 1000, .timeout_ms = 10000,
				.max_bytes = 65536, .on_result = on_result};
	const char *probes = NULL, *file = NULL;
	unsigned repeat = 1;
	int opt;
	while ((opt = getopt(argc, argv, "c:t:T:b:s:j:p:f:qr:V:x")) != -1) {
		switch (opt) {
		case 'c': p.concurrency = (unsigned)atoi(optarg); break;
		case 't': p.timeout_ms = (unsigned)atoi(optarg) * 1000; break;
		case 'T': p.timeout_ms = (unsigned)atoi(optarg); break;
		case 'b': p.max_bytes = strtoull(optarg, NULL, 10); break;
		case 's': {
			struct in_addr ia;
			if (inet_pton(AF_INET, optarg, &ia) != 1) {
				fprintf(stderr, "grab_tool: bad source address\n");
				return 2;
			}
			p.source_ip = ntohl(ia.s_addr);
			break;
		}
		case 'j': p.threads = (unsigned)atoi(optarg); break;
		case 'p': probes = optarg; break;
		case 'f': file = optarg; break;
		case 'q': quiet = true; break;
		case 'r': repeat = (unsigned)atoi(optarg); break;
		case 'V':
			p.probe_sequence = true;
			p.version_intensity = (unsigned)atoi(optarg);
			break;
		case 'x': p.version_trace = true; break;
		default:
			fprintf(stderr, "usage: grab_tool [-c N] [-t S|-T MS] [-b N] [-s ADDR] [-j N] "
					"[-p FILE] [-q] [-r N] [-f FILE] TARGET...\n");
			return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (parse_target(argv[i]) < 0) {
			fprintf(stderr, "grab_tool: bad target '%s'\n", argv[i]);
			return 2;
		}
	}
	if (file) {
		FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		char buf[256];
		while (f && fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\r\n")] = 0;
			if (buf[0] && parse_target(buf) < 0) {
				fprintf(stderr, "grab_tool: bad target '%s'\n", buf);
				return 2;
			}
		}
		if (f && f != stdin)
			fclose(f);
	}
	struct errbuf e = {{0}};
	struct probe_db *db = NULL;
	double t0 = now();
	if (probes) {
		db = probe_db_load(probes, &e);
		if (!db) {
			fprintf(stderr, "grab_tool: %s\n", e.msg);
			return 2;
		}
		struct probe_db_stats st;
		probe_db_stats(db, &st);
		fprintf(stderr, "grab_tool: %u probes, %u matches, %u softmatches (%.2f s)\n",
			st.probes, st.matches, st.softmatches, now() - t0);
	}
	p.probes = db;
	struct grab_pool *pool = grab_pool_start(&p, &e);
	if (!pool) {
		fprintf(stderr, "grab_tool: %s\n", e.msg);
		return 1;
	}
	t0 = now();
	uint64_t total = (uint64_t)ntargets * repeat, overflow_retries = 0;
	for (unsigned r = 0; r < repeat; r++) {
		for (size_t i = 0; i < ntargets; i++) {
			/* a driver can wait where the engine would report "not grabbed" */
			while (!grab_pool_submit_addr(pool, targets[i].addr, targets[i].port)) {
				overflow_retries++;
				usleep(1000);
			}
		}
	}
	bool drained = grab_pool_drain(pool, p.timeout_ms + 60000);
	double dt = now() - t0;
	struct grab_stats st;
	grab_pool_stats(pool, &st);
	grab_pool_stop(pool);
	probe_db_free(db);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr,
		"grab_tool: %llu grabs in %.3f s = %.0f grabs/s; success %llu refused %llu "
		"conn-timeout %llu closed %llu io-timeout %llu protocol-error %llu unknown %llu; "
		"peak open %u; peak RSS %ld KiB; cpu %.2f s; %s\n",
		(unsigned long long)total, dt, (double)total / dt, (unsigned long long)st.success,
		(unsigned long long)st.refused, (unsigned long long)st.conn_timeout,
		(unsigned long long)st.closed, (unsigned long long)st.io_timeout,
		(unsigned long long)st.protocol_error, (unsigned long long)st.unknown_error,
		st.peak_active, ru.ru_maxrss,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
		drained ? "drained" : "NOT drained");
	(void)overflow_retries;
	free(targets);
	return drained ? 0 : 1;
}
