/* Dedupe: first insert of a key is new, every later one a counted duplicate; address,
 * protocol and port each tell keys apart, including at their extremes. */
#include <netinet/in.h>

#include "core/base/error.h"
#include "core/scan/dedupe.h"
#include "targets/targets.h"
#include "tests/unit/check.h"

static void test_distinct_fields(void)
{
	struct dedupe d;
	dedupe_init(&d);
	const uint32_t a = 0xc6130102u;
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 80), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 80), 0);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_UDP, 80), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 81), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a + 1, IPPROTO_TCP, 80), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_ICMP, 0), 1);
	CHECK_EQ_U64(dedupe_insert(&d, 0xffffffffu, 255, 65535), 1);
	CHECK_EQ_U64(dedupe_insert(&d, 0, 0, 0), 1);
	CHECK_EQ_U64(dedupe_insert(&d, 0xffffffffu, 255, 65535), 0);
	CHECK_EQ_U64(dedupe_insert(&d, 0, 0, 0), 0);
	CHECK_EQ_U64(d.unique, 7);
	CHECK_EQ_U64(d.duplicates, 3);
	CHECK(dedupe_key(1, 0, 0) != dedupe_key(0, 1, 0));
	CHECK(dedupe_key(0, 1, 0) != dedupe_key(0, 0, 1));
	CHECK(dedupe_key(0xffffffffu, 0, 0) > dedupe_key(0xfffffffeu, 255, 65535));
	dedupe_free(&d);
	CHECK(d.judy == NULL);
}

static void test_many(void)
{
	struct dedupe d;
	dedupe_init(&d);
	enum { N = 200000 };
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < N; i++) {
			uint32_t addr = i * 2654435761u; /* odd multiplier: distinct, spread wide */
			dedupe_insert(&d, addr, IPPROTO_TCP, (uint16_t)(i % 3 + 80));
		}
	}
	CHECK_EQ_U64(d.unique + d.duplicates, 2 * N);
	CHECK_EQ_U64(d.unique, N);
	CHECK(dedupe_memory(&d) > 0);
	dedupe_free(&d);
	CHECK_EQ_U64(dedupe_memory(&d), 0);
	/* usable again after free */
	CHECK_EQ_U64(dedupe_insert(&d, 1, IPPROTO_TCP, 1), 1);
	dedupe_free(&d);
}

static struct scan_result reply(uint32_t addr, uint32_t responder, uint8_t state, uint8_t reason)
{
	struct scan_result r = {0};
	r.addr = addr;
	r.responder = responder;
	r.proto = IPPROTO_TCP;
	r.port = 22;
	r.state = state;
	r.reason = reason;
	return r;
}

struct kept {
	unsigned n, queue;
	struct scan_result last;
};

static void keep(unsigned queue, const struct scan_result *r, void *arg)
{
	struct kept *k = arg;
	k->n++;
	k->queue = queue;
	k->last = *r;
}

/* Two receive queues, as rx.c drives them: queue 0 gets a router's admin-prohibited for
 * 198.19.1.2:22 (it hashed on the router's address), queue 1 the target's own RST for the
 * same key. Each queue deduplicating alone reported both; now one result, the target's. */
static void test_two_queues_one_result(void)
{
	const uint32_t target = 0xc6130102u, router = 0xc6130101u;
	struct dedupe sets[2];
	struct dedupe_deferred deferred[2];
	for (int q = 0; q < 2; q++) {
		dedupe_init(&sets[q]);
		dedupe_deferred_init(&deferred[q]);
	}
	struct scan_result icmp = reply(target, router, PORT_FILTERED, REASON_ADMIN_PROHIBITED);
	struct scan_result rst = reply(target, target, PORT_CLOSED, REASON_RESET);
	CHECK(dedupe_from_other_host(&icmp));
	CHECK(!dedupe_from_other_host(&rst));
	/* The old per-queue path: each set alone calls both new. */
	CHECK_EQ_U64(dedupe_insert(&sets[0], icmp.addr, icmp.proto, icmp.port), 1);
	CHECK_EQ_U64(dedupe_insert(&sets[1], rst.addr, rst.proto, rst.port), 1);
	dedupe_free(&sets[0]);
	dedupe_free(&sets[1]);
	dedupe_init(&sets[0]);
	dedupe_init(&sets[1]);
	/* Now: the router's error waits, the retry of it is a duplicate. */
	CHECK_EQ_U64(dedupe_defer(&deferred[0], &icmp), 1);
	CHECK_EQ_U64(dedupe_defer(&deferred[0], &icmp), 0);
	CHECK_EQ_U64(dedupe_insert(&sets[1], rst.addr, rst.proto, rst.port), 1);
	struct kept k = {0};
	CHECK_EQ_U64(dedupe_resolve(sets, deferred, 2, keep, &k), 0);
	CHECK_EQ_U64(k.n, 0);
	CHECK_EQ_U64(sets[0].unique + sets[1].unique, 1);
	CHECK_EQ_U64(sets[0].duplicates, 2);

	/* The router's error alone (the target never answered), seen on both queues: kept
	 * once, on the first queue, and then known to the sets (the complement skips it). */
	struct scan_result icmp2 = icmp;
	icmp2.port = 23;
	CHECK_EQ_U64(dedupe_defer(&deferred[0], &icmp2), 1);
	CHECK_EQ_U64(dedupe_defer(&deferred[1], &icmp2), 1);
	CHECK_EQ_U64(dedupe_resolve(sets, deferred, 2, keep, &k), 1);
	CHECK_EQ_U64(k.n, 1);
	CHECK_EQ_U64(k.queue, 0);
	CHECK_EQ_U64(k.last.port, 23);
	CHECK_EQ_U64(k.last.reason, REASON_ADMIN_PROHIBITED);
	CHECK(dedupe_contains(&sets[0], target, IPPROTO_TCP, 23));
	for (int q = 0; q < 2; q++) {
		dedupe_free(&sets[q]);
		dedupe_deferred_free(&deferred[q]);
	}
}

/* Keyed by the target space's index: the same answers as the plain keys, for keys inside
 * the space and outside it (a port or address the scan did not probe), and has_addr sees
 * an address through either kind of key. */
static void test_space_keys(void)
{
	struct ipset set;
	struct portlist pl = {0};
	struct errbuf e;
	ipset_init(&set);
	ipset_add(&set, 0xc6130000u, 0xc61300ffu);
	CHECK(portlist_parse("22,80,U:53", PROTO_BIT(PROTO_TCP), &pl, &e) == 0);
	struct target_space ts;
	CHECK(target_space_init(&ts, &set, &pl, &e) == 0);
	struct dedupe d;
	dedupe_init_space(&d, &ts);
	const uint32_t a = 0xc6130010u;
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 80), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 80), 0);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_UDP, 53), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 22), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a + 1, IPPROTO_TCP, 22), 1);
	/* outside the space: a port not probed, an address not probed, an echo reply */
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 443), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a, IPPROTO_TCP, 443), 0);
	CHECK_EQ_U64(dedupe_insert(&d, 0xc6140001u, IPPROTO_TCP, 80), 1);
	CHECK_EQ_U64(dedupe_insert(&d, a + 2, IPPROTO_ICMP, 0), 1);
	CHECK_EQ_U64(d.unique, 7);
	CHECK_EQ_U64(d.duplicates, 2);
	CHECK(dedupe_contains(&d, a, IPPROTO_UDP, 53));
	CHECK(!dedupe_contains(&d, a, IPPROTO_UDP, 54));
	CHECK(!dedupe_contains(&d, a + 1, IPPROTO_TCP, 80));
	CHECK(dedupe_contains(&d, 0xc6140001u, IPPROTO_TCP, 80));
	CHECK(dedupe_has_addr(&d, a));
	CHECK(dedupe_has_addr(&d, a + 1));
	CHECK(dedupe_has_addr(&d, a + 2));          /* only an outside key */
	CHECK(dedupe_has_addr(&d, 0xc6140001u));    /* outside the space entirely */
	CHECK(!dedupe_has_addr(&d, a + 3));
	CHECK(!dedupe_has_addr(&d, a - 1));
	CHECK(!dedupe_has_addr(&d, 0xc6140002u));
	/* the last address of the space and its last port: the top index */
	CHECK_EQ_U64(dedupe_insert(&d, 0xc61300ffu, IPPROTO_UDP, 53), 1);
	CHECK(dedupe_has_addr(&d, 0xc61300ffu));
	CHECK(!dedupe_has_addr(&d, 0xc61300feu));
	dedupe_free(&d);
	target_space_free(&ts);
}

int main(void)
{
	test_distinct_fields();
	test_many();
	test_space_keys();
	test_two_queues_one_result();
	return check_done("dedupe");
}
