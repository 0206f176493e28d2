/* bench_match: what naming one answer with nmap-service-probes costs (core/followup/
 * probes.h), per kind of answer: a greeting the NULL probe names early in its list (SSH),
 * one it names late (a Dovecot POP3 banner), one nothing names (every pattern whose first
 * byte fits is tried), and an HTTP answer to GetRequest. Three figures each, in µs per
 * match: cold (the patterns compile on first use, as on a scan's first answers), warm
 * (compiled: probe_db_warm() done) and again (the same answer once more, as a port's
 * delivery re-reads the answer its sequence judged).
 *   bench_match [PROBES_FILE] [REPEAT]   (default /usr/share/nmap/nmap-service-probes, 200) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/grab_result.h"
#include "core/followup/probes.h"

struct answer {
	const char *name;
	const char *probe; /* whose answer it is: NULL for a greeting (the NULL probe) */
	const char *text;
};

static const struct answer answers[] = {
	{"ssh greeting", NULL, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"},
	{"pop3 greeting", NULL, "+OK Dovecot (Debian) ready.\r\n"},
	{"unknown greeting", NULL, "+XX welcome to the frobnicator 3.1\r\n"},
	{"http answer", "GetRequest",
	 "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 03 Dec 2026 17:00:00 GMT\r\n"
	 "Content-Type: text/html\r\nContent-Length: 615\r\nConnection: close\r\n\r\n"
	 "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n"},
};

static double match_us(const struct probe_db *db, struct probe_scratch *sc, int probe,
		       const struct answer *a, unsigned repeat, int *rc)
{
	struct grab_result r;
	char soft[32];
	uint64_t t0 = clock_mono_ns();
	for (unsigned i = 0; i < repeat; i++) {
		memset(&r, 0, sizeof(r));
		soft[0] = 0;
		*rc = probe_db_match_probe(db, sc, probe, (const uint8_t *)a->text, strlen(a->text),
					   &r, soft, sizeof(soft));
	}
	return (double)(clock_mono_ns() - t0) / 1e3 / repeat;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/usr/share/nmap/nmap-service-probes";
	unsigned repeat = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 200;
	if (!repeat)
		repeat = 1;
	struct errbuf e;
	struct probe_db *cold = probe_db_load(path, &e), *warm = probe_db_load(path, &e);
	struct probe_scratch *sc = probe_scratch_new();
	if (!cold || !warm || !sc) {
		fprintf(stderr, "bench_match: %s\n", cold && warm ? "out of memory" : e.msg);
		return 1;
	}
	uint64_t t0 = clock_mono_ns();
	probe_db_warm(warm);
	probe_db_warm_wait(warm);
	printf("probe_db_warm: every pattern compiled in %.1f ms\n",
	       (double)(clock_mono_ns() - t0) / 1e6);
	printf("%-18s %-6s %10s %10s %10s\n", "answer", "named", "cold us", "warm us", "again us");
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer *a = &answers[i];
		int probe = a->probe ? probe_db_find(warm, a->probe, false) : probe_db_null(warm);
		int rc;
		double c = match_us(cold, sc, probe, a, 1, &rc);
		double w = match_us(warm, sc, probe, a, 1, &rc);
		double again = match_us(warm, sc, probe, a, repeat, &rc);
		printf("%-18s %-6s %10.1f %10.1f %10.1f\n", a->name,
		       rc == 2 ? "match" : rc == 1 ? "soft" : "none", c, w, again);
	}
	probe_scratch_free(sc);
	probe_db_free(cold);
	probe_db_free(warm);
	return 0;
}
