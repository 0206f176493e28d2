/* Target specification parsing: the accepted forms and the rejected ones. */
#include <stdlib.h>
#include <unistd.h>

#include "targets/addrspec.h"
#include "tests/unit/check.h"

static int parses(const char *spec, uint32_t first, uint32_t last)
{
	struct range_list l = {0};
	struct errbuf e;
	int ok = addrspec_parse(spec, 0, &l, &e) == 0 && l.n == 1 && l.v[0].first == first &&
		 l.v[0].last == last;
	if (!ok)
		fprintf(stderr, "spec '%s' did not parse as expected\n", spec);
	range_list_free(&l);
	return ok;
}

/* Fails, and the message names the bad value. */
static int rejects(const char *spec, const char *named)
{
	struct range_list l = {0};
	struct errbuf e = {{0}};
	int ok = addrspec_parse(spec, ADDRSPEC_ALLOW_HOSTNAMES, &l, &e) < 0 && strstr(e.msg, named);
	if (!ok)
		fprintf(stderr, "spec '%s': message '%s' should name '%s'\n", spec, e.msg, named);
	range_list_free(&l);
	return ok;
}

static char *write_temp(const char *content, size_t len)
{
	static char path[64];
	strcpy(path, "/tmp/orbit-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		return NULL;
	close(fd);
	return path;
}

int main(void)
{
	CHECK(parses("198.18.0.7", 0xC6120007u, 0xC6120007u));
	CHECK(parses("198.18.0.0/22", 0xC6120000u, 0xC61203FFu));
	CHECK(parses("198.18.0.7/22", 0xC6120000u, 0xC61203FFu)); /* host bits masked */
	CHECK(parses("0.0.0.0/0", 0, UINT32_MAX));
	CHECK(parses("255.255.255.255/32", UINT32_MAX, UINT32_MAX));
	CHECK(parses("198.18.0.10-198.18.1.2", 0xC612000Au, 0xC6120102u));
	CHECK(rejects("1.2.3.4/33", "1.2.3.4/33"));
	CHECK(rejects("1.2.3.4/", "1.2.3.4/"));
	CHECK(rejects("1.2.3.4/-1", "1.2.3.4/-1"));
	CHECK(rejects("300.1.1.1", "300.1.1.1"));
	CHECK(rejects("1.2.3", "1.2.3"));
	CHECK(rejects("1.2.3.4.5", "1.2.3.4.5"));
	CHECK(rejects("10.0.0.0-", "10.0.0.0-"));
	CHECK(rejects("10.0.0.9-10.0.0.1", "10.0.0.9-10.0.0.1"));
	CHECK(rejects("1.2.3.4-300.0.0.0", "300.0.0.0"));
	CHECK(rejects("a_b!", "a_b!"));
	CHECK(rejects("", "empty"));

	uint32_t a;
	CHECK(addrspec_parse_ipv4("01.2.3.4", &a) == 0 && a == 0x01020304u);
	CHECK(addrspec_parse_ipv4("1.2.3.4 ", &a) < 0);
	CHECK(addrspec_parse_ipv4("1..3.4", &a) < 0);
	CHECK(addrspec_parse_ipv4("1.2.3.1000", &a) < 0);

	/* Hostnames: only where allowed; "localhost" resolves from /etc/hosts (no DNS). */
	struct range_list l = {0};
	struct errbuf e;
	CHECK(addrspec_parse("localhost", 0, &l, &e) < 0 && strstr(e.msg, "localhost"));
	CHECK(addrspec_parse("localhost", ADDRSPEC_ALLOW_HOSTNAMES, &l, &e) == 0 && l.n >= 1 &&
	      l.v[0].first == 0x7F000001u && strstr(l.v[0].name, "localhost"));
	range_list_free(&l);

	/* Files: comments, blank lines, names from comments; empty and binary files. */
	const char text[] = "# a list\n\n198.18.0.0/24   # lab hosts\n  198.19.0.1\n198.19.0.5-198.19.0.9#x\n";
	char *path = write_temp(text, sizeof text - 1);
	CHECK(path && addrspec_parse_file(path, "list", 0, 0, &l, &e) == 0);
	CHECK_EQ_U64(l.n, 3);
	if (l.n == 3) {
		CHECK_STR_EQ(l.v[0].name, "198.18.0.0/24 (lab hosts)");
		CHECK_EQ_U64(l.v[2].last, 0xC6130009u);
	}
	range_list_free(&l);
	unlink(path);
	path = write_temp("# nothing\n\n", 11);
	CHECK(addrspec_parse_file(path, "target file", 0, 0, &l, &e) < 0 && strstr(e.msg, path));
	CHECK(addrspec_parse_file(path, "blocklist", 0, 1, &l, &e) == 0);
	unlink(path);
	const char bin[] = {'\x7f', 'E', 'L', 'F', 0, 1, 2, '\n', 3};
	path = write_temp(bin, sizeof bin);
	CHECK(addrspec_parse_file(path, "target file", 0, 0, &l, &e) < 0 && strstr(e.msg, "binary"));
	unlink(path);
	path = write_temp("198.18.0.1\n198.18.0.300\n", 24);
	CHECK(addrspec_parse_file(path, "target file", 0, 0, &l, &e) < 0 &&
	      strstr(e.msg, ":2:") && strstr(e.msg, "198.18.0.300"));
	unlink(path);
	range_list_free(&l);
	CHECK(addrspec_parse_file("/nonexistent/x", "allowlist", 0, 0, &l, &e) < 0 &&
	      strstr(e.msg, "/nonexistent/x"));

	char buf[40];
	addrspec_format_range(0xC6120000u, 0xC613FFFFu, buf, sizeof buf);
	CHECK_STR_EQ(buf, "198.18.0.0/15");
	addrspec_format_range(0xC6120001u, 0xC6120002u, buf, sizeof buf);
	CHECK_STR_EQ(buf, "198.18.0.1-198.18.0.2");
	return check_done("addrspec");
}
