/* The Nmap-style text report's complement: with -Pn and more than OUTPUT_SMALL_SCAN
 * probes, the filtered ports of a host that answered are still listed and counted (they
 * were silently left out, under a "Not shown" that looked complete), and what the report
 * leaves out -- the probes of hosts that never answered -- it says with its count. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "tests/unit/check.h"

static const uint32_t H14 = 0xc612010eu; /* 198.18.1.14: drops tcp 22 and 443 */
static const uint32_t H16 = 0xc6120110u; /* 198.18.1.16: nothing there */

static struct scan_result result(uint32_t addr, uint16_t port, uint8_t state, uint8_t reason)
{
	struct scan_result r = {0};
	r.addr = addr;
	r.responder = reason == REASON_NO_RESPONSE ? 0 : addr;
	r.proto = 6;
	r.port = port;
	r.state = state;
	r.reason = reason;
	r.rtt_ns = reason == REASON_NO_RESPONSE ? -1 : 300000;
	return r;
}

static bool dropped(uint32_t addr, uint16_t port)
{
	return addr == H16 || port == 22 || port == 443;
}

/* Two hosts x TCP 1-65535 with -Pn: H14 answers every port but 22 and 443 with a RST
 * (8080 open), H16 nothing. Returns the text report. */
static char *scan_text(const char *path)
{
	static struct port_entry ports[65535];
	for (unsigned i = 0; i < 65535; i++)
		ports[i] = (struct port_entry){(uint16_t)(i + 1), 6};
	struct output_options o = {.format = "ndjson", .path = "/dev/null", .normal_path = path};
	struct errbuf e;
	struct output_set *os;
	CHECK_EQ_U64(output_set_open(&os, &o, &e), 0);
	struct output_scan_info info = {.command_line = "orbit -Pn -p 1-65535 198.18.1.14,16",
					.start_ns = 1795606437000000000ull, .all_hosts_up = true,
					.ports = ports, .nports = 65535, .addresses = 2};
	output_set_begin(os, &info);
	for (unsigned p = 1; p <= 65535; p++) {
		if (dropped(H14, (uint16_t)p))
			continue;
		struct scan_result r = p == 8080 ? result(H14, 8080, PORT_OPEN, REASON_SYN_ACK)
						 : result(H14, (uint16_t)p, PORT_CLOSED, REASON_RESET);
		output_set_write(os, &r, 1);
	}
	uint64_t walked = 2 * 65535;
	CHECK(walked > OUTPUT_SMALL_SCAN);
	CHECK(output_set_wants_unanswered(os, walked));
	const uint32_t hosts[2] = {H16, H14};
	for (int h = 0; h < 2; h++)
		for (unsigned p = 1; p <= 65535; p++)
			if (dropped(hosts[h], (uint16_t)p)) {
				struct scan_result r = result(hosts[h], (uint16_t)p, PORT_FILTERED,
							      REASON_NO_RESPONSE);
				output_set_write_unanswered(os, &r, 1);
			}
	CHECK_EQ_U64(output_set_finish(os, info.start_ns + 3000000000ull, false, &e), 0);
	output_set_close(os);
	FILE *f = fopen(path, "r");
	static char text[1 << 16];
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	return text;
}

int main(void)
{
	char path[] = "/tmp/orbit-test-report-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	const char *t = scan_text(path);
	unlink(path);
	CHECK(strstr(t, "orbit scan report for 198.18.1.14\n") != NULL);
	CHECK(strstr(t, "Not shown: 65532 closed tcp ports (reset)\n") != NULL);
	CHECK(strstr(t, "22/tcp   filtered ssh\n") != NULL);
	CHECK(strstr(t, "443/tcp  filtered https\n") != NULL);
	CHECK(strstr(t, "8080/tcp open") != NULL);
	/* The silent host's probes are not listed, and the report says so, with the count. */
	CHECK(strstr(t, "198.18.1.16") == NULL);
	CHECK(strstr(t, "# Not shown: 65535 unanswered probes of hosts that never answered") != NULL);
	if (check_failures)
		fputs(t, stderr);
	return check_done("report");
}
