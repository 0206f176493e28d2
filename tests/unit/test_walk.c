/* The walk's promises: every allowed (address, protocol, port) exactly once per round,
 * none blocked, for any shards x threads; reproducible from the seed; exact resume.
 * Only indices are generated here: nothing is sent. */
#include <stdlib.h>
#include <unistd.h>

#include "targets/addrspec.h"
#include "targets/plan.h"
#include "targets/seedrng.h"
#include "targets/targets.h"
#include "tests/unit/check.h"

static const uint32_t LAB = 0xC6120000u; /* 198.18.0.0/15: 131072 addresses */
enum { LAB_SIZE = 1 << 17 };

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[8][128];
	static int slot;
	char *p = path[slot++ % 8];
	snprintf(p, 128, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static void random_cidr(struct seedrng *r, char *buf, size_t len)
{
	uint32_t a = LAB + (uint32_t)seedrng_below(r, LAB_SIZE);
	char s[16];
	if (seedrng_below(r, 3) == 0) {
		uint32_t b = a + (uint32_t)seedrng_below(r, 3000);
		if (b >= LAB + LAB_SIZE)
			b = LAB + LAB_SIZE - 1;
		addrspec_format_range(a, b, buf, len);
		if (!strchr(buf, '-')) { /* force the a-b form sometimes */
			char t[16];
			addrspec_format_ipv4(a, s);
			addrspec_format_ipv4(b, t);
			snprintf(buf, len, "%s-%s", s, t);
		}
		return;
	}
	addrspec_format_ipv4(a, s);
	snprintf(buf, len, "%s/%u", s, 15 + (unsigned)seedrng_below(r, 18)); /* /15 .. /32 */
}

/* Walks every arc of every shard; counts[] gets one increment per (addr, port idx). */
static int walk_all(const struct target_space *ts, uint64_t seed, unsigned shards,
		    unsigned threads, uint64_t max_targets, uint8_t *counts, uint64_t *emitted)
{
	struct errbuf e;
	*emitted = 0;
	for (unsigned s = 0; s < shards; s++) {
		struct walk_plan plan;
		struct walk_plan_params wp = {.seed = seed, .seed_given = 1, .shards = shards,
					      .shard = s, .threads = threads,
					      .max_targets = max_targets};
		if (walk_plan_init(&plan, ts, &wp, &e) < 0) {
			fprintf(stderr, "plan: %s\n", e.msg);
			return -1;
		}
		uint64_t idx[64];
		for (unsigned t = 0; t < threads; t++) {
			size_t k;
			while ((k = walk_next(&plan.arcs[t], &plan.cg, idx, 64)) > 0) {
				for (size_t i = 0; i < k; i++) {
					uint32_t addr;
					struct port_entry pe;
					target_space_decode(ts, idx[i], &addr, &pe);
					int64_t back = target_space_encode(ts, addr, pe.proto, pe.port);
					if (back != (int64_t)idx[i] || addr - LAB >= LAB_SIZE)
						return -1;
					uint64_t slot = (uint64_t)(addr - LAB) * ts->ports.n +
							(uint64_t)(idx[i] % ts->ports.n);
					if (counts[slot] < 255)
						counts[slot]++;
				}
				*emitted += k;
			}
		}
		walk_plan_free(&plan);
	}
	return 0;
}

static void test_random_coverage(void)
{
	struct seedrng r;
	seedrng_init(&r, 2026, 9);
	const char *ports_choice[] = {"80", "22,80,443", "T:22,80,U:53,161", "U:53", "1-7",
				      "80,U:80", "T:1-3,U:1-3,T:9"};
	int cases_ok = 0, cases = 0;
	for (int round = 0; round < 60; round++) {
		char targets[6][40], blocks[512] = "";
		const char *tv[6];
		unsigned nt = 1 + (unsigned)seedrng_below(&r, 6);
		for (unsigned i = 0; i < nt; i++) {
			random_cidr(&r, targets[i], sizeof targets[i]);
			tv[i] = targets[i];
		}
		unsigned nb = (unsigned)seedrng_below(&r, 5);
		for (unsigned i = 0; i < nb; i++) {
			char c[40];
			random_cidr(&r, c, sizeof c);
			strcat(blocks, c);
			strcat(blocks, "  # hole\n");
		}
		const char *bpath = write_file("block", blocks);
		struct target_inputs in = {.targets = tv, .ntargets = nt, .blocklist_file = bpath,
					   .ports = ports_choice[seedrng_below(&r, 7)],
					   .default_protos = PROTO_BIT(PROTO_TCP)};
		struct target_space ts;
		struct errbuf e;
		if (target_space_build(&ts, &in, NULL, &e) < 0)
			continue; /* everything blocked: an error by design, checked elsewhere */
		cases++;
		/* The expected set, computed independently: targets minus blocks, per address. */
		struct ipset want, blocked;
		ipset_init(&want);
		ipset_init(&blocked);
		struct range_list tl = {0}, bl = {0};
		for (unsigned i = 0; i < nt; i++)
			addrspec_parse(tv[i], 0, &tl, &e);
		addrspec_parse_file(bpath, "b", 0, 1, &bl, &e);
		for (size_t i = 0; i < tl.n; i++)
			ipset_add(&want, tl.v[i].first, tl.v[i].last);
		for (size_t i = 0; i < bl.n; i++)
			ipset_add(&blocked, bl.v[i].first, bl.v[i].last);
		range_list_free(&tl);
		range_list_free(&bl);

		unsigned shards = 1 + (unsigned)seedrng_below(&r, 4);
		unsigned threads = 1 + (unsigned)seedrng_below(&r, 4);
		uint64_t cap = seedrng_below(&r, 3) == 0 ? 1 + seedrng_below(&r, ts.n + 10) : 0;
		uint8_t *counts = calloc((size_t)LAB_SIZE * ts.ports.n, 1);
		uint64_t emitted;
		int ok = walk_all(&ts, 1000 + (uint64_t)round, shards, threads, cap, counts, &emitted) == 0;
		uint64_t ones = 0;
		for (uint64_t a = 0; ok && a < LAB_SIZE; a++) {
			int allowed = ipset_contains(&want, LAB + (uint32_t)a) &&
				      !ipset_contains(&blocked, LAB + (uint32_t)a);
			for (size_t p = 0; p < ts.ports.n; p++) {
				uint8_t c = counts[a * ts.ports.n + p];
				if (c > 1 || (c == 1 && !allowed) || (c == 0 && allowed && (!cap || cap >= ts.n)))
					ok = 0;
				ones += c;
			}
		}
		/* Exact when the cap leaves every arc room (cap <= n/2) or covers the space;
		 * in between an arc may run out before its share: never more than the cap. */
		if (cap && cap <= ts.n / 2)
			ok &= emitted == cap && ones == emitted;
		else if (cap && cap < ts.n)
			ok &= emitted <= cap && emitted > cap / 2 && ones == emitted;
		else
			ok &= emitted == ts.n && ones == ts.n;
		if (!ok)
			fprintf(stderr, "coverage case %d failed (shards %u threads %u cap %llu n %llu)\n",
				round, shards, threads, (unsigned long long)cap,
				(unsigned long long)ts.n);
		cases_ok += ok;
		free(counts);
		ipset_free(&want);
		ipset_free(&blocked);
		target_space_free(&ts);
	}
	CHECK(cases >= 40);
	CHECK_EQ_U64(cases_ok, cases);
}

static int make_space(struct target_space *ts, uint32_t first, uint32_t last, const char *ports)
{
	struct ipset s;
	struct portlist pl = {0};
	struct errbuf e;
	ipset_init(&s);
	ipset_add(&s, first, last);
	if (portlist_parse(ports, PROTO_BIT(PROTO_TCP), &pl, &e) < 0)
		return -1;
	return target_space_init(ts, &s, &pl, &e);
}

/* A whole /8 x 2 ports (33.5 M probes), 2 shards x 3 threads, checked with a bitmap. */
static void test_slash8(void)
{
	struct target_space ts;
	CHECK(make_space(&ts, 0x0A000000u, 0x0AFFFFFFu, "80,U:53") == 0);
	CHECK_EQ_U64(ts.n, 33554432);
	uint8_t *bits = calloc(ts.n / 8, 1);
	uint64_t dups = 0, total = 0, bad = 0;
	struct errbuf e;
	for (unsigned s = 0; s < 2; s++) {
		struct walk_plan plan;
		struct walk_plan_params wp = {.seed = 99, .seed_given = 1, .shards = 2, .shard = s,
					      .threads = 3};
		CHECK(walk_plan_init(&plan, &ts, &wp, &e) == 0);
		uint64_t idx[256];
		for (unsigned t = 0; t < 3; t++) {
			size_t k;
			while ((k = walk_next(&plan.arcs[t], &plan.cg, idx, 256)) > 0) {
				for (size_t i = 0; i < k; i++) {
					uint32_t addr;
					struct port_entry pe;
					target_space_decode(&ts, idx[i], &addr, &pe);
					uint64_t slot = (uint64_t)(addr - 0x0A000000u) * 2 +
							(pe.proto == 17);
					bad += (addr >> 24) != 10 || (pe.port != 80 && pe.port != 53);
					dups += (bits[slot / 8] >> (slot % 8)) & 1;
					bits[slot / 8] |= (uint8_t)(1 << (slot % 8));
				}
				total += k;
			}
		}
		walk_plan_free(&plan);
	}
	uint64_t set = 0;
	for (uint64_t i = 0; i < ts.n / 8; i++)
		set += (uint64_t)__builtin_popcount(bits[i]);
	CHECK_EQ_U64(total, ts.n);
	CHECK_EQ_U64(set, ts.n);
	CHECK_EQ_U64(dups, 0);
	CHECK_EQ_U64(bad, 0);
	free(bits);
	target_space_free(&ts);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* N > 2^40: all of IPv4 x 512 ports. Arcs tile the exponent range; the first 10^7
 * elements of each of 4 arcs are distinct and in range. */
static void test_huge(void)
{
	struct target_space ts;
	CHECK(make_space(&ts, 0, UINT32_MAX, "1-512") == 0);
	CHECK(ts.n > (1ULL << 40));
	struct errbuf e;
	enum { PER_ARC = 10000000, ARCS = 4 };
	uint64_t *all = malloc(sizeof(uint64_t) * PER_ARC * ARCS);
	size_t n = 0;
	uint64_t prev_end = 0;
	int tiles = 1;
	uint64_t p = 0;
	for (unsigned s = 0; s < 2; s++) {
		struct walk_plan plan;
		struct walk_plan_params wp = {.seed = 5, .seed_given = 1, .shards = 2, .shard = s,
					      .threads = 2};
		CHECK(walk_plan_init(&plan, &ts, &wp, &e) == 0);
		p = plan.cg.p;
		for (unsigned t = 0; t < 2; t++) {
			struct walk_arc *a = &plan.arcs[t];
			tiles &= a->begin == prev_end && a->end > a->begin;
			prev_end = a->end;
			size_t got = 0, k;
			while (got < PER_ARC && (k = walk_next(a, &plan.cg, all + n + got,
							       PER_ARC - got)) > 0)
				got += k;
			n += got;
		}
		walk_plan_free(&plan);
	}
	CHECK(tiles && prev_end == p - 1);
	CHECK_EQ_U64(n, (uint64_t)PER_ARC * ARCS);
	qsort(all, n, sizeof *all, cmp_u64);
	uint64_t repeats = 0;
	for (size_t i = 1; i < n; i++)
		repeats += all[i] == all[i - 1];
	CHECK_EQ_U64(repeats, 0);
	CHECK(all[n - 1] < ts.n);
	free(all);
	target_space_free(&ts);
}

static void first_indices(const struct target_space *ts, uint64_t seed, uint64_t *out, size_t n)
{
	struct walk_plan plan;
	struct errbuf e;
	struct walk_plan_params wp = {.seed = seed, .seed_given = 1, .shards = 1, .threads = 1};
	walk_plan_init(&plan, ts, &wp, &e);
	size_t got = 0, k;
	while (got < n && (k = walk_next(&plan.arcs[0], &plan.cg, out + got, n - got)) > 0)
		got += k;
	walk_plan_free(&plan);
}

static void test_seeds(void)
{
	struct target_space ts;
	CHECK(make_space(&ts, LAB, LAB + LAB_SIZE - 1, "22,80,443") == 0);
	static uint64_t a[10000], b[10000], c[10000];
	first_indices(&ts, 7, a, 10000);
	first_indices(&ts, 7, b, 10000);
	first_indices(&ts, 8, c, 10000);
	CHECK(memcmp(a, b, sizeof a) == 0);
	size_t same = 0;
	for (size_t i = 0; i < 10000; i++)
		same += a[i] == c[i];
	CHECK(same < 100);
	target_space_free(&ts);
}

/* nmap's -r: every index once, ascending within each arc and arc after arc, over shards
 * and threads; --max-targets still caps; the digest tells it from a permuted walk. */
static void test_in_order(void)
{
	struct target_space ts;
	CHECK(make_space(&ts, LAB, LAB + 999, "22,80,443") == 0);
	uint64_t next = 0, digest_in_order = 0;
	bool ascending = true;
	for (unsigned shard = 0; shard < 2; shard++) {
		struct walk_plan_params wp = {.seed = 9, .seed_given = 1, .shards = 2, .shard = shard,
					      .threads = 3, .in_order = 1};
		struct walk_plan plan;
		struct errbuf e;
		CHECK(walk_plan_init(&plan, &ts, &wp, &e) == 0);
		digest_in_order = plan.digest;
		for (unsigned t = 0; t < plan.threads; t++) {
			uint64_t idx[64];
			size_t k;
			while ((k = walk_next(&plan.arcs[t], &plan.cg, idx, 64)) > 0)
				for (size_t i = 0; i < k; i++)
					ascending = ascending && idx[i] == next++;
		}
		walk_plan_free(&plan);
	}
	CHECK(ascending);
	CHECK_EQ_U64(next, ts.n);
	struct walk_plan_params capped = {.seed = 9, .seed_given = 1, .shards = 1, .threads = 1,
					  .max_targets = 100, .in_order = 1};
	struct walk_plan plan;
	struct errbuf e;
	CHECK(walk_plan_init(&plan, &ts, &capped, &e) == 0);
	uint64_t idx[256];
	CHECK_EQ_U64(walk_next(&plan.arcs[0], &plan.cg, idx, 256), 100);
	CHECK(idx[99] == 99);
	walk_plan_free(&plan);
	capped.in_order = 0;
	CHECK(walk_plan_init(&plan, &ts, &capped, &e) == 0);
	CHECK(plan.digest != digest_in_order);
	walk_plan_free(&plan);
	target_space_free(&ts);
}

/* Stop after k probes (spread over the arcs), checkpoint, resume: exact union. */
static void test_resume(void)
{
	struct target_space ts;
	CHECK(make_space(&ts, LAB, LAB + 4095, "80,U:53,443") == 0);
	const char *cp = write_file("checkpoint", "");
	uint64_t ks[] = {0, 1, 17, 1000, 5000, 12287, 12288};
	for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
		uint8_t *counts = calloc(ts.n, 1);
		struct errbuf e;
		for (unsigned s = 0; s < 2; s++) {
			struct walk_plan plan;
			struct walk_plan_params wp = {.seed = 3, .seed_given = 1, .shards = 2,
						      .shard = s, .threads = 3};
			CHECK(walk_plan_init(&plan, &ts, &wp, &e) == 0);
			uint64_t idx[1];
			/* Round-robin, one at a time, until k/2 or the shard runs out. */
			for (uint64_t done = 0, progress = 1; done < ks[ki] / 2 && progress;) {
				progress = 0;
				for (unsigned t = 0; t < 3 && done < ks[ki] / 2; t++)
					if (walk_next(&plan.arcs[t], &plan.cg, idx, 1)) {
						counts[idx[0]]++;
						done++;
						progress = 1;
					}
			}
			CHECK(walk_plan_save(&plan, cp, &e) == 0);
			walk_plan_free(&plan);
			/* The second run: resumed, seed taken from the file. */
			struct walk_plan_params rp = {.shards = 2, .shard = s, .threads = 3,
						      .resume_path = cp};
			CHECK(walk_plan_init(&plan, &ts, &rp, &e) == 0);
			CHECK_EQ_U64(plan.seed, 3);
			uint64_t more[64];
			size_t k;
			for (unsigned t = 0; t < 3; t++)
				while ((k = walk_next(&plan.arcs[t], &plan.cg, more, 64)) > 0)
					for (size_t i = 0; i < k; i++)
						counts[more[i]]++;
			walk_plan_free(&plan);
		}
		uint64_t wrong = 0;
		for (uint64_t i = 0; i < ts.n; i++)
			wrong += counts[i] != 1;
		CHECK_EQ_U64(wrong, 0);
		free(counts);
	}
	/* Refusals: other ports, other seed, other layout. */
	struct errbuf e;
	struct walk_plan plan;
	struct walk_plan_params wp = {.seed = 3, .seed_given = 1, .shards = 2, .threads = 3};
	walk_plan_init(&plan, &ts, &wp, &e);
	walk_plan_save(&plan, cp, &e);
	walk_plan_free(&plan);
	struct target_space other;
	CHECK(make_space(&other, LAB, LAB + 4095, "80,U:53") == 0);
	struct walk_plan_params rp = {.shards = 2, .threads = 3, .resume_path = cp};
	CHECK(walk_plan_init(&plan, &other, &rp, &e) < 0 && strstr(e.msg, "other targets"));
	rp.seed = 4;
	rp.seed_given = 1;
	CHECK(walk_plan_init(&plan, &ts, &rp, &e) < 0 && strstr(e.msg, "seed"));
	rp.seed_given = 0;
	rp.threads = 2;
	CHECK(walk_plan_init(&plan, &ts, &rp, &e) < 0 && strstr(e.msg, "-T 3"));
	const char *junk = write_file("junk", "hello\n");
	rp.threads = 3;
	rp.resume_path = junk;
	CHECK(walk_plan_init(&plan, &ts, &rp, &e) < 0 && strstr(e.msg, junk));
	target_space_free(&other);
	target_space_free(&ts);
}

int main(void)
{
	strcpy(tmpdir, "/tmp/orbit-walk-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	test_random_coverage();
	test_seeds();
	test_in_order();
	test_resume();
	test_slash8();
	test_huge();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return check_done("walk");
}
