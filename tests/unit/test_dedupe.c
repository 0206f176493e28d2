/* Dedupe: first insert of a key is new, every later one a counted duplicate; address,
 * protocol and port each tell keys apart, including at their extremes. */
#include <netinet/in.h>

#include "core/scan/dedupe.h"
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

int main(void)
{
	test_distinct_fields();
	test_many();
	test_two_queues_one_result();
	return check_done("dedupe");
}
