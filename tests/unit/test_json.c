/* The one JSON writer (output/json.h): its escaping policy byte by byte, commas through
 * nesting, overflow (a record is whole or nothing) and spilling to a FILE; and the
 * single-producer ring (core/base/ring.h) that carries results to it, in order, across
 * wrap-arounds, from another thread. */
#include "core/base/ring.h"
#include "output/json.h"
#include "output/utc_time.h"
#include "tests/unit/check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *escaped(const char *s, size_t n)
{
	static char buf[256];
	struct json j;
	json_init(&j, buf, sizeof buf - 1);
	json_string(&j, s, n);
	buf[json_len(&j)] = '\0';
	return buf;
}

static void test_escaping(void)
{
	CHECK(strcmp(escaped("a\"b\\", 4), "\"a\\\"b\\\\\"") == 0);
	CHECK(strcmp(escaped("\n\r\t", 3), "\"\\n\\r\\t\"") == 0);
	CHECK(strcmp(escaped("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"") == 0);
	CHECK(strcmp(escaped("\0\xff", 2), "\"\\u0000\\u00ff\"") == 0);
	/* Valid UTF-8 as is: é, €, U+1F600. */
	CHECK(strcmp(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
		     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"") == 0);
	/* Invalid: a lone continuation, an overlong '/', a surrogate, a cut sequence. */
	CHECK(strcmp(escaped("\x80", 1), "\"\\u0080\"") == 0);
	CHECK(strcmp(escaped("\xc0\xaf", 2), "\"\\u00c0\\u00af\"") == 0);
	CHECK(strcmp(escaped("\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"") == 0);
	CHECK(strcmp(escaped("\xe2\x82", 2), "\"\\u00e2\\u0082\"") == 0);
	CHECK(strcmp(escaped("\xf4\x90\x80\x80", 4), "\"\\u00f4\\u0090\\u0080\\u0080\"") == 0);
}

static void test_structure(void)
{
	char buf[256];
	struct json j;
	json_init(&j, buf, sizeof buf);
	json_object_begin(&j);
	json_key(&j, "a");
	json_uint(&j, 18446744073709551615ull);
	json_key(&j, "b");
	json_array_begin(&j);
	json_int(&j, -42);
	json_cstring(&j, NULL);
	json_bool(&j, false);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_key(&j, "ip");
	json_ipv4(&j, 0xc612010au);
	json_key(&j, "d");
	json_double(&j, 1.25, 1);
	json_object_end(&j);
	json_append(&j, "\n", 1);
	size_t n = json_len(&j);
	CHECK(n > 0);
	buf[n < sizeof buf ? n : sizeof buf - 1] = '\0';
	CHECK(strcmp(buf, "{\"a\":18446744073709551615,\"b\":[-42,null,false,{}],"
			  "\"ip\":\"198.18.1.10\",\"d\":1.2}\n") == 0 ||
	      strcmp(buf, "{\"a\":18446744073709551615,\"b\":[-42,null,false,{}],"
			  "\"ip\":\"198.18.1.10\",\"d\":1.3}\n") == 0);

	json_init(&j, buf, 8);
	json_string(&j, "0123456789", 10);
	CHECK(j.overflow && json_len(&j) == 0);
}

static void test_spill(void)
{
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (!f)
		return;
	char small[16], big[3000];
	memset(big, 'x', sizeof big);
	struct json j;
	json_init_file(&j, small, sizeof small, f);
	json_array_begin(&j);
	json_string(&j, big, sizeof big);
	json_uint(&j, 7);
	json_array_end(&j);
	CHECK(json_flush(&j) == 0);
	CHECK_EQ_U64(ftell(f), 1 + 2 + sizeof big + 1 + 1 + 1);
	fclose(f);
}

enum { RING_RECORDS = 300000 };

static void *spsc_producer(void *arg)
{
	struct ring *q = arg;
	struct scan_result r = {0};
	for (uint32_t i = 0; i < RING_RECORDS;) {
		r.addr = i;
		if (ring_push(q, &r))
			i++;
	}
	return NULL;
}

static void test_ring_one_producer(void)
{
	struct ring q;
	CHECK(ring_init_for(&q, 1000, RING_ONE_PRODUCER) == 0);
	struct scan_result v[3] = {{.addr = 1}, {.addr = 2}, {.addr = 3}}, out[4];
	for (int lap = 0; lap < 700; lap++) { /* wraps around the 1024 cells */
		CHECK_EQ_U64(ring_push_burst(&q, v, 3), 3);
		CHECK_EQ_U64(ring_pop_burst(&q, out, 4), 3);
		CHECK(out[0].addr == 1 && out[2].addr == 3);
	}
	CHECK(ring_empty(&q));
	pthread_t t;
	pthread_create(&t, NULL, spsc_producer, &q);
	uint32_t next = 0;
	bool in_order = true;
	while (next < RING_RECORDS) {
		size_t m = ring_pop_burst(&q, out, 4);
		for (size_t i = 0; i < m; i++)
			in_order &= out[i].addr == next++;
	}
	pthread_join(t, NULL);
	CHECK(in_order);
	CHECK(ring_empty(&q));
	ring_free(&q);
}

/* The timestamp text equals gmtime_r's date and time, on leap days, ends of years and
 * centuries (2000 is a leap year, 2100 is not) and on a spread of other seconds. */
static void check_time(uint64_t secs, unsigned us)
{
	char got[UTC_RFC3339_LEN + 1] = {0}, want[64];
	utc_rfc3339_us(secs * 1000000000u + us * 1000u + 999, got);
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
	CHECK_STR_EQ(got, want);
}

static void test_utc_time(void)
{
	static const uint64_t edges[] = {0, 59, 86399, 86400, 951782399, 951782400, 951868800,
					 978307199, 1709164800, 1735689599, 4107456000, 4107542399,
					 4107542400, 4133894399, 16725225599};
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		check_time(edges[i], (unsigned)(i * 77777 % 1000000));
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		check_time(x % 4102444800u, (unsigned)(x >> 40) % 1000000);
	}
}

int main(void)
{
	test_escaping();
	test_structure();
	test_spill();
	test_utc_time();
	test_ring_one_producer();
	return check_done("json");
}
