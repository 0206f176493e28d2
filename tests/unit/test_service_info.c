/* -sV's extras in nmap's shapes (output/service_info.h): the '?' rule, the SF fingerprint
 * string and its 71-column wrapping, and the Service Info line. */
#include <stdlib.h>
#include <string.h>

#include "output/service_info.h"
#include "tests/unit/check.h"

static struct grab_result grab(uint16_t port, const char *service, const char *banner)
{
	struct grab_result g;
	memset(&g, 0, sizeof g);
	g.scan.addr = 0xc612010eu;
	g.scan.port = port;
	g.scan.proto = 6;
	g.scan.state = PORT_OPEN;
	snprintf(g.service, sizeof g.service, "%s", service);
	snprintf(g.module, sizeof g.module, "generic");
	g.banner_len = (uint16_t)strlen(banner);
	memcpy(g.banner, banner, g.banner_len);
	return g;
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void test_guess(void)
{
	struct grab_result g = grab(8080, "", "orbit lab h14\n");
	struct scan_result r = g.scan;
	r.grab = &g;
	CHECK(service_guessed(&r));
	CHECK(service_fp_wanted(&r));
	snprintf(g.service, sizeof g.service, "http");
	CHECK(!service_guessed(&r));
	CHECK(!service_fp_wanted(&r));
	g.service[0] = '\0';
	g.banner_len = 0; /* nothing came: '?' but no fingerprint */
	CHECK(service_guessed(&r));
	CHECK(!service_fp_wanted(&r));
	r.grab = NULL; /* no -sV: the table's name as it is */
	CHECK(!service_guessed(&r));
}

static void write_fp(FILE *f, const void *fp)
{
	service_fp_write(f, fp);
}

static void test_fingerprint(void)
{
	struct grab_result g = grab(8080, "", "orbit lab h14\n");
	g.tx_bytes = 18;
	char fp[4096];
	size_t n = service_fp_string(&g, 1764633600ull * 1000000000ull, fp, sizeof fp);
	CHECK(n == strlen(fp));
	CHECK(strncmp(fp, "Port8080-TCP:V=" ORBIT_VERSION "%I=7%D=", 19 + strlen(ORBIT_VERSION)) == 0);
	CHECK(strstr(fp, "%Time=69") != NULL); /* hex seconds */
	CHECK(strstr(fp, "-pc-linux-gnu%r(GetRequest,E,\"orbit\\x20lab\\x20h14\\n\");") != NULL);
	/* nmap's escapes: \0 \r \" \\ and \xHH for the rest. */
	static const char odd[] = {'a', 0, '\r', '"', '\\', (char)0xff, ' '};
	g.banner_len = sizeof odd;
	memcpy(g.banner, odd, sizeof odd);
	g.tx_bytes = 0;
	service_fp_string(&g, 0, fp, sizeof fp);
	CHECK(strstr(fp, "%r(NULL,7,\"a\\0\\r\\\"\\\\\\xff\\x20\");") != NULL);
	/* Wrapping: 71 characters a line after "SF-" / "SF:". */
	char *text = capture(write_fp, "0123456789012345678901234567890123456789012345678901234567890123456789"
				       "0ABCDEFGHIJ");
	CHECK_STR_EQ(text, "SF-0123456789012345678901234567890123456789012345678901234567890123456789"
			   "0\nSF:ABCDEFGHIJ\n");
	free(text);
	/* A tiny buffer cuts, never overflows. */
	char small[8];
	CHECK(service_fp_string(&g, 0, small, sizeof small) == 7);
}

static void write_info(FILE *f, const void *arg)
{
	const struct scan_result *v = arg;
	service_info_write(f, v, 3);
}

static void test_service_info(void)
{
	struct grab_result a = grab(22, "ssh", ""), b = grab(80, "http", ""), c = grab(161, "snmp", "");
	snprintf(a.ostype, sizeof a.ostype, "Linux");
	snprintf(a.cpe, sizeof a.cpe, "cpe:/a:openbsd:openssh:9.2p1");
	snprintf(a.cpe_more[0], sizeof a.cpe_more[0], "cpe:/o:linux:linux_kernel");
	snprintf(b.ostype, sizeof b.ostype, "Linux"); /* said once */
	snprintf(b.hostname, sizeof b.hostname, "h10.lab.orbit");
	snprintf(c.devicetype, sizeof c.devicetype, "router");
	snprintf(c.ostype, sizeof c.ostype, "IOS");
	struct scan_result v[3] = {a.scan, b.scan, c.scan};
	v[0].grab = &a;
	v[1].grab = &b;
	v[2].grab = &c;
	char *text = capture(write_info, v);
	CHECK_STR_EQ(text, "Service Info: Host: h10.lab.orbit; OSs: Linux, IOS; Device: router; "
			   "CPE: cpe:/o:linux:linux_kernel\n");
	free(text);
	v[0].grab = v[1].grab = v[2].grab = NULL; /* nothing learnt: no line */
	text = capture(write_info, v);
	CHECK_STR_EQ(text, "");
	free(text);
}

int main(void)
{
	test_guess();
	test_fingerprint();
	test_service_info();
	return check_done("service_info");
}
