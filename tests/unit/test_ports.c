/* Port specifications: nmap's grammar, prefixes, open ends, errors, top-ports. */
#include <stdlib.h>

#include "targets/ports.h"
#include "tests/unit/check.h"

static int count_proto(const struct portlist *l, uint8_t proto)
{
	int n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].proto == proto;
	return n;
}

static int rejects_with(const char *spec, unsigned protos, const char *named)
{
	struct portlist l = {0};
	struct errbuf e = {{0}};
	int ok = portlist_parse(spec, protos, &l, &e) < 0 && strstr(e.msg, named);
	if (!ok)
		fprintf(stderr, "ports '%s': message '%s' should name '%s'\n", spec, e.msg, named);
	portlist_free(&l);
	return ok;
}

static int rejects(const char *spec, const char *named)
{
	return rejects_with(spec, PROTO_BIT(PROTO_TCP), named);
}

int main(void)
{
	struct portlist l = {0};
	struct errbuf e;
	CHECK(portlist_parse("80", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 1 && l.v[0].port == 80 &&
	      l.v[0].proto == PROTO_TCP);
	portlist_free(&l);
	CHECK(portlist_parse("1-1024", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 1024);
	portlist_free(&l);
	CHECK(portlist_parse("443,22,80,22", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 3 &&
	      l.v[0].port == 22 && l.v[2].port == 443);
	portlist_free(&l);
	CHECK(portlist_parse("-", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 65535);
	portlist_free(&l);
	CHECK(portlist_parse("60000-", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 5536);
	portlist_free(&l);
	CHECK(portlist_parse("-100", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 100);
	portlist_free(&l);
	CHECK(portlist_parse("T:22,80,U:53,161", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 4);
	CHECK(count_proto(&l, PROTO_TCP) == 2 && count_proto(&l, PROTO_UDP) == 2);
	portlist_free(&l);
	CHECK(portlist_parse("80,U:53", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 2 &&
	      l.v[0].proto == PROTO_TCP && l.v[1].proto == PROTO_UDP && l.v[1].port == 53);
	portlist_free(&l);
	/* The same port under both protocols is two entries; default protocol applies. */
	CHECK(portlist_parse("53,T:53", PROTO_BIT(PROTO_UDP), &l, &e) == 0 && l.n == 2);
	portlist_free(&l);
	CHECK(portlist_parse("U:-", PROTO_BIT(PROTO_TCP), &l, &e) == 0 && l.n == 65535 &&
	      count_proto(&l, PROTO_UDP) == 65535);
	portlist_free(&l);

	/* -sS -sU: unprefixed ports go to both protocols, prefixed ones to theirs only. */
	const unsigned both = PROTO_BIT(PROTO_TCP) | PROTO_BIT(PROTO_UDP);
	CHECK(portlist_parse("53,161", both, &l, &e) == 0 && l.n == 4 &&
	      count_proto(&l, PROTO_TCP) == 2 && count_proto(&l, PROTO_UDP) == 2);
	portlist_free(&l);
	CHECK(portlist_parse("22,U:53", both, &l, &e) == 0 && l.n == 3 &&
	      count_proto(&l, PROTO_TCP) == 1 && count_proto(&l, PROTO_UDP) == 2);
	portlist_free(&l);
	CHECK(rejects_with("80", 0, "no protocol"));

	CHECK(rejects("0", "'0'"));
	CHECK(rejects("70000", "70000"));
	CHECK(rejects("80-20", "80-20"));
	CHECK(rejects("U:", "U:"));
	CHECK(rejects("T:80,U:", "U:"));
	CHECK(rejects("http", "http"));
	CHECK(rejects("80,,81", "''"));
	CHECK(rejects("", "empty"));
	CHECK(rejects("1-99999999999999999999", "ports are 1-65535"));

	CHECK(portlist_add_top(&l, 10, PROTO_TCP, &e) == 0 && l.n == 10);
	int has80 = 0, has22 = 0;
	for (size_t i = 0; i < l.n; i++) {
		has80 |= l.v[i].port == 80;
		has22 |= l.v[i].port == 22;
	}
	CHECK(has80 && has22);
	portlist_free(&l);
	CHECK(portlist_top_available(PROTO_TCP) == 1000);
	CHECK(portlist_add_top(&l, 1000, PROTO_UDP, &e) == 0 && l.n == 1000 &&
	      count_proto(&l, PROTO_UDP) == 1000);
	portlist_free(&l);
	CHECK(portlist_add_top(&l, 1001, PROTO_TCP, &e) < 0 && strstr(e.msg, "1001"));
	portlist_free(&l);
	return check_done("ports");
}
