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

int main(void)
{
	test_distinct_fields();
	test_many();
	return check_done("dedupe");
}
