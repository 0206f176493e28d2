/* bench_probe: how fast probes are built on one core (template copy + patch + cookie +
 * checksums), per probe kind, into a ring of frame buffers the way a tx loop fills NIC
 * buffers in bursts. Targets are pre-generated (random 198.19.x.y addresses and ports,
 * like a walk's output) so only the build is measured.
 *   bench_probe [--count N] [--kind NAME] [--simd scalar|avx2|avx512] [--burst B]
 *               [--part all|build|cookie]
 * --part build: frames only, from cookies computed beforehand; cookie: cookies only.
 * --count sets probes per kind, so instructions per probe can be measured as the
 * difference of two callgrind runs (bench/probe_instructions.sh). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/cookie.h"
#include "core/probe/probe.h"
#include "core/probe/udp_payloads.h"

#define TARGETS 65536 /* a power of two: the ring index is a mask */
#define RING_FRAMES 512
#define FRAME_ROOM 2048 /* a DPDK mbuf's data room */

enum bench_part { PART_ALL, PART_BUILD, PART_COOKIE };

struct bench_args {
	enum bench_part part;
	uint64_t count;
	const char *kind; /* NULL: all */
	enum cookie_simd simd;
	int simd_forced;
	size_t burst;
};

struct bench_targets {
	uint32_t daddr[TARGETS];
	uint16_t dport[TARGETS];
	uint64_t cookie[TARGETS]; /* for --part build */
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_targets(struct bench_targets *t)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	static const uint16_t udp_ports[] = {53, 123, 161, 1900, 5353, 137, 80, 443};
	for (size_t i = 0; i < TARGETS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		t->daddr[i] = 0xc6130000u | (uint32_t)(x & 0xffff); /* 198.19.0.0/16 */
		t->dport[i] = (x >> 32) & 1 ? udp_ports[(x >> 40) & 7] : (uint16_t)(x >> 16);
	}
}

/* Builds count probes; returns a checksum of the lengths so nothing is optimised away.
 * The ring's buffer pointers are laid out once, so the loop adds almost nothing to the
 * instructions counted per probe. */
static uint64_t run(const struct probe_template *tmpl, const struct cookie_key *key,
		    const struct bench_targets *targets, uint8_t *const *ring, uint64_t count,
		    size_t burst, enum cookie_simd simd, enum bench_part part)
{
	uint16_t lens[PROBE_BURST_MAX];
	uint64_t total = 0;
	size_t pos = 0, slot = 0;
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done < burst ? (size_t)(count - done) : burst;
		if (pos + n > TARGETS)
			pos = 0;
		if (slot + n > RING_FRAMES)
			slot = 0;
		const uint32_t *daddr = targets->daddr + pos;
		const uint16_t *dport = targets->dport + pos;
		uint64_t now = now_ns(CLOCK_REALTIME);
		if (part == PART_ALL) {
			probe_build_burst_with(simd, tmpl, key, ring + slot, lens, daddr, dport, n,
					       now);
		} else if (part == PART_BUILD) {
			tmpl->kind->build_burst(tmpl, ring + slot, lens, daddr, dport,
						targets->cookie + pos, n, now);
		} else {
			uint64_t cookies[PROBE_BURST_MAX];
			cookie_compute_batch_with(simd, key, tmpl->saddr, daddr, dport,
						  tmpl->proto_lanes, n, cookies);
			lens[0] = (uint16_t)cookies[0];
			lens[n - 1] = (uint16_t)cookies[n - 1];
		}
		total += lens[0] + lens[n - 1];
		pos += n;
		slot += n;
		done += n;
	}
	return total;
}

static int parse_args(int argc, char **argv, struct bench_args *a)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'n'}, {"kind", required_argument, NULL, 'k'},
		{"simd", required_argument, NULL, 's'},  {"burst", required_argument, NULL, 'b'},
		{"part", required_argument, NULL, 'p'},  {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*a = (struct bench_args){.count = 5000000, .simd = cookie_simd_best(), .burst = 64};
	int c;
	while ((c = getopt_long(argc, argv, "n:k:s:b:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (strcmp(optarg, "all") == 0)
				a->part = PART_ALL;
			else if (strcmp(optarg, "build") == 0)
				a->part = PART_BUILD;
			else if (strcmp(optarg, "cookie") == 0)
				a->part = PART_COOKIE;
			else {
				fprintf(stderr, "bad --part '%s' (all, build, cookie)\n", optarg);
				return -1;
			}
			break;
		case 'n':
			a->count = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			a->kind = optarg;
			break;
		case 'b':
			a->burst = (size_t)strtoul(optarg, NULL, 10);
			if (a->burst < 1 || a->burst > PROBE_BURST_MAX) {
				fprintf(stderr, "bad --burst '%s' (1..%d)\n", optarg, PROBE_BURST_MAX);
				return -1;
			}
			break;
		case 's':
			a->simd_forced = 1;
			if (strcmp(optarg, "scalar") == 0)
				a->simd = COOKIE_SIMD_SCALAR;
			else if (strcmp(optarg, "avx2") == 0)
				a->simd = COOKIE_SIMD_AVX2;
			else if (strcmp(optarg, "avx512") == 0)
				a->simd = COOKIE_SIMD_AVX512;
			else {
				fprintf(stderr, "bad --simd '%s' (scalar, avx2, avx512)\n", optarg);
				return -1;
			}
			break;
		default:
			fprintf(stderr, "usage: %s [--count N] [--kind NAME] [--simd scalar|avx2|avx512]"
					" [--burst 1..64] [--part all|build|cookie]\n", argv[0]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_args args;
	if (parse_args(argc, argv, &args) < 0)
		return 2;
	if (args.simd_forced && !cookie_simd_available(args.simd)) {
		fprintf(stderr, "this CPU cannot run %s\n", cookie_simd_name(args.simd));
		return 2;
	}
	struct bench_targets *targets = malloc(sizeof *targets);
	uint8_t *buffers = calloc(RING_FRAMES, FRAME_ROOM);
	static uint8_t *ring[RING_FRAMES];
	struct udp_payload_table *payloads = udp_payload_table_new(true);
	struct cookie_key key;
	if (!targets || !buffers || !payloads || cookie_key_random(&key) < 0) {
		fprintf(stderr, "set-up failed\n");
		return 1;
	}
	make_targets(targets);
	for (size_t i = 0; i < RING_FRAMES; i++)
		ring[i] = buffers + i * FRAME_ROOM;
	struct probe_config cfg = {
		.src_mac = {0x02, 0, 0, 0, 0, 1}, .dst_mac = {0x02, 0, 0, 0, 0, 2},
		.saddr = 0xc6120001u, .sport_base = 32768, .sport_count = 28232, .ttl = 64,
		.tcp_options = TCP_OPTIONS_LINUX, .udp_payloads = payloads,
	};
	static const char *const part_names[] = {"cookie + build", "build only", "cookie only"};
	printf("%s; cookie batches: %s, burst %zu, %llu probes per kind\n",
	       part_names[args.part], cookie_simd_name(args.simd), args.burst,
	       (unsigned long long)args.count);
	int ran = 0;
	for (size_t k = 0; k < probe_kind_count(); k++) {
		const struct probe_kind *kind = probe_kind_at(k);
		if (args.kind && strcmp(args.kind, kind->name) != 0)
			continue;
		struct probe_template tmpl;
		struct errbuf e;
		if (probe_template_init(&tmpl, kind, &cfg, &e) < 0) {
			fprintf(stderr, "%s: %s\n", kind->name, e.msg);
			return 1;
		}
		for (size_t i = 0; i < TARGETS; i++)
			targets->cookie[i] = probe_cookie(&tmpl, &key, targets->daddr[i],
							  targets->dport[i]);
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		uint64_t bytes = run(&tmpl, &key, targets, ring, args.count, args.burst, args.simd,
				     args.part);
		uint64_t t1 = now_ns(CLOCK_MONOTONIC);
		double secs = (double)(t1 - t0) / 1e9;
		printf("%-10s %8.2f Mprobes/s  %6.2f ns/probe  (check %llu)\n", kind->name,
		       (double)args.count / secs / 1e6, secs * 1e9 / (double)args.count,
		       (unsigned long long)bytes);
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "no probe kind named '%s'\n", args.kind);
		return 2;
	}
	udp_payload_table_free(payloads);
	free(buffers);
	free(targets);
	return 0;
}
