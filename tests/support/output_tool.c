/* Writes a synthetic scan through the output set, for tests/output/check_formats.py to
 * read back with independent parsers (python json and csv, xmllint with nmap.dtd, ndiff).
 *   output_tool DIR VARIANT
 * DIR gets: out.ndjson, out.csv, out.txt, out.xml, out.gnmap (one output set, every
 * format at once), sel.csv (-f addr,port,state), filt.ndjson (a filter), all.ndjson
 * (--report-all) and threads.ndjson (4 threads writing 5000 results each at once).
 * VARIANT 1 closes port 80 of the first host, so two runs differ by one port for ndiff. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/output.h"

static const uint32_t H10 = 0xc612010au; /* 198.18.1.10 */

static struct scan_result result(uint32_t addr, uint8_t proto, uint16_t port, uint8_t state,
				 uint8_t reason)
{
	struct scan_result r = {0};
	r.addr = addr;
	r.responder = addr;
	r.proto = proto;
	r.port = port;
	r.state = state;
	r.reason = reason;
	r.ttl = 63;
	r.tcp_window = reason == REASON_SYN_ACK ? 64240 : 0;
	r.tcp_opts = reason == REASON_SYN_ACK ? TCPOPT_HAS_MSS | TCPOPT_HAS_SACK_OK : 0;
	r.tcp_mss = 1460;
	r.rtt_ns = reason == REASON_SYN_ACK ? 420000 : -1;
	r.timestamp_ns = 1795606437123456789ull;
	return r;
}

static const struct port_entry *ports_1_1024_udp53(size_t *n)
{
	static struct port_entry v[1025];
	for (int i = 0; i < 1024; i++)
		v[i] = (struct port_entry){(uint16_t)(i + 1), 6};
	v[1024] = (struct port_entry){53, 17};
	*n = 1025;
	return v;
}

/* The scan: h10 22,80 open, the rest closed; h11 21 open, 23 filtered by an ICMP
 * error from the router, 1..20 closed, the rest unanswered (filtered); h12 nothing at
 * all (down); UDP 53 on h10 answered, elsewhere unanswered. */
static void feed(struct output_set *os, int variant, bool complement)
{
	struct scan_result batch[64];
	size_t k = 0;
	for (uint16_t p = 1024; p >= 1; p--) {
		uint8_t st = (p == 22 || (p == 80 && !variant)) ? PORT_OPEN : PORT_CLOSED;
		batch[k++] = result(H10, 6, p, st, st == PORT_OPEN ? REASON_SYN_ACK : REASON_RESET);
		if (k == 64) {
			output_set_write(os, batch, k);
			k = 0;
		}
	}
	batch[k++] = result(H10, 17, 53, PORT_OPEN, REASON_UDP_RESPONSE);
	batch[k++] = result(H10 + 1, 6, 21, PORT_OPEN, REASON_SYN_ACK);
	struct scan_result icmp = result(H10 + 1, 6, 23, PORT_FILTERED, REASON_ADMIN_PROHIBITED);
	icmp.responder = 0xc6120101u;
	icmp.icmp_type = 3;
	icmp.icmp_code = 13;
	batch[k++] = icmp;
	for (uint16_t p = 1; p <= 20; p++)
		batch[k++] = result(H10 + 1, 6, p, PORT_CLOSED, REASON_RESET);
	output_set_write(os, batch, k);
	if (!complement || !output_set_wants_unanswered(os, 3 * 1025))
		return;
	k = 0;
	for (uint32_t h = 1; h <= 2; h++)
		for (int i = 0; i < 1025; i++) {
			uint16_t port = i < 1024 ? (uint16_t)(i + 1) : 53;
			uint8_t proto = i < 1024 ? 6 : 17;
			if (h == 1 && proto == 6 && (port <= 21 || port == 23))
				continue;
			struct scan_result r = {.addr = H10 + h, .proto = proto, .port = port,
						.state = proto == 6 ? PORT_FILTERED : PORT_OPEN_FILTERED,
						.reason = REASON_NO_RESPONSE, .rtt_ns = -1};
			output_set_write_unanswered(os, &r, 1);
		}
}

static int run(const struct output_options *o, int variant, bool complement)
{
	struct errbuf e;
	struct output_set *os;
	if (output_set_open(&os, o, &e) != 0) {
		fprintf(stderr, "output_tool: %s\n", e.msg);
		return 1;
	}
	size_t nports;
	const struct port_entry *ports = ports_1_1024_udp53(&nports);
	struct output_scan_info info = {
		.command_line = "orbit -sS -p T:1-1024,U:53 --cooldown 2 198.18.1.10-198.18.1.12 'a&b<c>\"d\"'",
		.start_ns = 1795606437000000000ull,
		.ports = ports,
		.nports = nports,
		.addresses = 3,
	};
	output_set_begin(os, &info);
	feed(os, variant, complement);
	int rc = output_set_finish(os, info.start_ns + 2500000000ull, false, &e);
	if (rc < 0)
		fprintf(stderr, "output_tool: %s\n", e.msg);
	output_set_close(os);
	return rc < 0;
}

struct writer {
	struct output_set *os;
	uint32_t base;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct scan_result batch[32];
	for (int i = 0; i < 5000; i += 32) {
		size_t k = 0;
		for (int j = i; j < i + 32 && j < 5000; j++)
			batch[k++] = result(w->base + (uint32_t)j, 6, 443, PORT_OPEN, REASON_SYN_ACK);
		output_set_write(w->os, batch, k);
	}
	return NULL;
}

static int run_threads(const char *path)
{
	struct output_options o = {.format = "ndjson", .path = path};
	struct errbuf e;
	struct output_set *os;
	if (output_set_open(&os, &o, &e) != 0)
		return 1;
	struct output_scan_info info = {.command_line = "orbit"};
	output_set_begin(os, &info);
	pthread_t t[4];
	struct writer w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){os, 0x0a000000u + (uint32_t)i * 0x10000u};
		pthread_create(&t[i], NULL, writer_main, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int rc = output_set_finish(os, 1, false, &e);
	output_set_close(os);
	return rc < 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: output_tool DIR VARIANT\n");
		return 2;
	}
	const char *dir = argv[1];
	int variant = atoi(argv[2]);
	char p[6][512];
	const char *names[6] = {"out.ndjson", "out.txt", "out.xml", "out.gnmap", "out.csv", "sel.csv"};
	for (int i = 0; i < 6; i++)
		snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
	int rc = 0;
	struct output_options all = {.format = "ndjson", .path = p[0], .normal_path = p[1],
				     .xml_path = p[2], .grepable_path = p[3]};
	rc |= run(&all, variant, true);
	struct output_options csv = {.format = "csv", .path = p[4]};
	rc |= run(&csv, variant, true);
	struct output_options sel = {.format = "csv", .path = p[5], .fields = "addr,port,state,service"};
	rc |= run(&sel, variant, true);
	char q[512];
	snprintf(q, sizeof q, "%s/filt.ndjson", dir);
	struct output_options filt = {.format = "ndjson", .path = q,
				      .filter = "state = open && port != 22 || proto = udp"};
	rc |= run(&filt, variant, true);
	snprintf(q, sizeof q, "%s/all.ndjson", dir);
	struct output_options ra = {.format = "ndjson", .path = q, .report_all = true};
	rc |= run(&ra, variant, true);
	snprintf(q, sizeof q, "%s/threads.ndjson", dir);
	rc |= run_threads(q);
	return rc;
}
