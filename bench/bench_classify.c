/* Receive-path benchmark: N crafted replies in memory (default 1 M) through reply_classify
 * and dedupe, on one core; prints replies/s and the outcome counts.
 *   bench_classify [--count N] [--mix mixed|synack|rst|icmp|udp|echo|junk] [--no-dedupe]
 * mixed = 40 % SYN-ACK (Linux options), 30 % RST-ACK, 15 % ICMP unreachable from a router,
 * 10 % bad cookie, 5 % not to us. Every (address, port) is distinct, as in a scan without
 * retries. The timed loop is classify_all(), so
 *   valgrind --tool=callgrind --toggle-collect=classify_all bench_classify --count N
 * counts its instructions alone (bench/classify_instructions.sh does the arithmetic). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/error.h"
#include "core/scan/dedupe.h"
#include "targets/targets.h"
#include "core/probe/reply.h"
#include "tests/support/craft.h"

#define SPORT_BASE 32768
#define SPORT_COUNT 28232
#define RX_NS 1700000000000000000ull

enum mix { MIX_MIXED, MIX_SYNACK, MIX_RST, MIX_ICMP, MIX_UDP, MIX_ECHO, MIX_JUNK };

struct frames {
	uint8_t *bytes;     /* packed back to back */
	uint32_t *offset;
	uint16_t *len;
	size_t n;
};

struct outcome {
	struct rx_counters cnt;
	struct dedupe dedupe;
	uint64_t states[HOST_UP + 1];
};

static enum mix kind_of(enum mix mix, size_t i)
{
	if (mix != MIX_MIXED)
		return mix;
	unsigned pct = (unsigned)((i * 37) % 100); /* interleaved, not in blocks */
	if (pct < 40)
		return MIX_SYNACK;
	if (pct < 70)
		return MIX_RST;
	if (pct < 85)
		return MIX_ICMP;
	return MIX_JUNK;
}

/* --space-ports N: the replies of a scan of 198.19.0.0/16 x TCP 1..N, every probe answered
 * once, in a scattered order (i * a prime, modulo the probe count: a bijection). */
static void space_pair(size_t i, unsigned space_ports, uint32_t *target, uint16_t *port)
{
	uint64_t total = 65536ull * space_ports;
	uint64_t j = ((uint64_t)i * 2654435761ull) % total;
	*target = CRAFT_TARGET(j / space_ports);
	*port = (uint16_t)(1 + j % space_ports);
}

static void craft_one(struct craft *c, const struct craft_scan *s, enum mix kind, size_t i,
		      unsigned space_ports)
{
	/* i -> distinct (address in 198.19.0.0/16, port), scattered over the range */
	uint32_t spread = (uint32_t)(i * 2654435761u);
	uint32_t target = CRAFT_TARGET(spread >> 16);
	uint16_t port = (uint16_t)(1 + (i >> 16) * 1021 + (spread & 0x3ff));
	if (space_ports)
		space_pair(i, space_ports, &target, &port);
	static const uint8_t codes[] = {13, 1, 3, 10};
	switch (kind) {
	case MIX_SYNACK:
		craft_tcp_reply(c, s, target, port, CRAFT_SYN | CRAFT_ACK);
		c->tsecr = (uint32_t)(RX_NS / 1000 - 1000 - (i & 0xfff));
		break;
	case MIX_RST: craft_tcp_reply(c, s, target, port, CRAFT_RST | CRAFT_ACK); break;
	case MIX_ICMP:
		craft_icmp_error(c, s, CRAFT_ROUTER, target, port, IPPROTO_TCP, TCP_PROBE_SYN, 3,
				 codes[i & 3], 0);
		break;
	case MIX_UDP:
		craft_udp_reply(c, s, target, port, (const uint8_t *)"0123456789abcdef", 16);
		break;
	case MIX_ECHO: craft_echo_reply(c, s, target, RX_NS - 3000000); break;
	case MIX_JUNK:
	default:
		craft_tcp_reply(c, s, target, port, CRAFT_SYN | CRAFT_ACK);
		if (i % 3 == 0)
			c->dst = 0xc6120063u; /* not to us */
		else
			c->ack ^= 0x10000; /* bad cookie */
		break;
	}
	c->ip_id = (uint16_t)i;
}

static int make_frames(struct frames *f, size_t n, enum mix mix, unsigned space_ports)
{
	const size_t slot_max = 128; /* every crafted reply here fits */
	f->bytes = malloc(n * slot_max);
	f->offset = malloc(n * sizeof *f->offset);
	f->len = malloc(n * sizeof *f->len);
	if (!f->bytes || !f->offset || !f->len)
		return -1;
	struct cookie_key key = craft_test_key();
	struct craft_scan s = {&key, CRAFT_US, SPORT_BASE, SPORT_COUNT};
	struct craft c;
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		craft_one(&c, &s, kind_of(mix, i), i, space_ports);
		size_t len = craft_frame(f->bytes + used, slot_max, &c);
		if (len == 0)
			return -1;
		f->offset[i] = (uint32_t)used;
		f->len[i] = (uint16_t)len;
		used += len;
	}
	f->n = n;
	return 0;
}

/* The measured loop: classify every frame, dedupe the results. Two loops by hand, so the
 * harness's own test of `dedupe` stays out of the count whatever the compiler unswitches. */
/* One burst of up to 32 frames (rx.c's size) through reply_classify_burst(). */
static void classify_burst_of(const struct classify_ctx *ctx, const struct frames *f, size_t at,
			      size_t n, enum csum_rx l4_csum, bool dedupe, struct outcome *o)
{
	struct reply_frame frames[32];
	struct scan_result r[32];
	uint8_t ok[32];
	for (size_t j = 0; j < n; j++)
		frames[j] = (struct reply_frame){f->bytes + f->offset[at + j], f->len[at + j], l4_csum,
						 RX_NS};
	reply_classify_burst(ctx, frames, (unsigned)n, r, ok, &o->cnt);
	for (size_t j = 0; j < n; j++)
		if (ok[j] && (!dedupe || dedupe_insert(&o->dedupe, r[j].addr, r[j].proto,
						       r[j].port) == 1))
			o->states[r[j].state]++;
}

static __attribute__((noinline)) void classify_all(const struct classify_ctx *ctx,
						   const struct frames *f, enum csum_rx l4_csum,
						   bool dedupe, bool burst, struct outcome *o)
{
	struct scan_result r;
	if (burst) {
		for (size_t i = 0; i < f->n; i += 32)
			classify_burst_of(ctx, f, i, f->n - i < 32 ? f->n - i : 32, l4_csum, dedupe, o);
		return;
	}
	if (dedupe) {
		for (size_t i = 0; i < f->n; i++)
			if (reply_classify(ctx, f->bytes + f->offset[i], f->len[i], l4_csum, RX_NS,
					   &r, &o->cnt) &&
			    dedupe_insert(&o->dedupe, r.addr, r.proto, r.port) == 1)
				o->states[r.state]++;
		return;
	}
	for (size_t i = 0; i < f->n; i++)
		if (reply_classify(ctx, f->bytes + f->offset[i], f->len[i], l4_csum, RX_NS, &r,
				   &o->cnt))
			o->states[r.state]++;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_mix(const char *s, enum mix *m)
{
	static const char *const names[] = {"mixed", "synack", "rst", "icmp", "udp", "echo", "junk"};
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*m = (enum mix)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	size_t count = 1000000;
	enum mix mix = MIX_MIXED;
	bool dedupe = true, burst = false;
	unsigned space_ports = 0;
	enum csum_rx l4_csum = CSUM_RX_UNKNOWN; /* pcap's, and most PMDs': verify in software */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			count = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--mix") == 0 && i + 1 < argc) {
			if (parse_mix(argv[++i], &mix) != 0)
				goto usage;
		} else if (strcmp(argv[i], "--l4-csum") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			if (strcmp(v, "unknown") == 0)
				l4_csum = CSUM_RX_UNKNOWN;
			else if (strcmp(v, "valid") == 0)
				l4_csum = CSUM_RX_VALID;
			else if (strcmp(v, "partial") == 0)
				l4_csum = CSUM_RX_PARTIAL;
			else
				goto usage;
		} else if (strcmp(argv[i], "--no-dedupe") == 0) {
			dedupe = false;
		} else if (strcmp(argv[i], "--space-ports") == 0 && i + 1 < argc) {
			space_ports = (unsigned)strtoul(argv[++i], NULL, 10);
			if (space_ports < 1 || space_ports > 65535)
				goto usage;
		} else if (strcmp(argv[i], "--burst") == 0) {
			burst = true;
		} else {
			goto usage;
		}
	}
	if (count == 0 || count > 50000000)
		goto usage;

	struct frames f;
	if (make_frames(&f, count, mix, space_ports) != 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	struct cookie_key key = craft_test_key();
	struct classify_ctx ctx = {
		.key = &key,
		.our_addrs = {CRAFT_US},
		.n_our_addrs = 1,
		.sport_base = SPORT_BASE,
		.sport_count = SPORT_COUNT,
	};
	static struct outcome o;
	struct target_space ts = {0};
	if (space_ports) { /* the receive threads' set: keyed by index in the scan's space */
		struct ipset set;
		struct portlist pl = {0};
		struct errbuf e;
		ipset_init(&set);
		ipset_add(&set, CRAFT_TARGET(0), CRAFT_TARGET(0xffff));
		for (unsigned p = 1; p <= space_ports; p++)
			portlist_add(&pl, IPPROTO_TCP, (uint16_t)p);
		portlist_normalize(&pl);
		if (target_space_init(&ts, &set, &pl, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		dedupe_init_space(&o.dedupe, &ts);
	} else {
		dedupe_init(&o.dedupe);
	}
	double t0 = now_s();
	classify_all(&ctx, &f, l4_csum, dedupe, burst, &o);
	double dt = now_s() - t0;

	printf("replies %zu  %.3f s  %.2f M replies/s per core  %.1f ns/reply%s\n", f.n, dt,
	       (double)f.n / dt / 1e6, dt * 1e9 / (double)f.n,
	       dedupe ? "  (classify + dedupe)" : "  (classify only)");
	printf("path: %s\n", burst ? "reply_classify_burst (32 frames, cookies in one SIMD batch)"
				   : "reply_classify (one frame at a time)");
	printf("results %llu: open %llu closed %llu filtered %llu unfiltered %llu up %llu\n",
	       (unsigned long long)o.cnt.results, (unsigned long long)o.states[PORT_OPEN],
	       (unsigned long long)o.states[PORT_CLOSED], (unsigned long long)o.states[PORT_FILTERED],
	       (unsigned long long)o.states[PORT_UNFILTERED], (unsigned long long)o.states[HOST_UP]);
	printf("drops:");
	for (int d = 0; d < RX_DROP_COUNT; d++)
		if (o.cnt.drops[d])
			printf(" %s %llu", rx_drop_name(d), (unsigned long long)o.cnt.drops[d]);
	printf("\n");
	if (dedupe)
		printf("dedupe: unique %llu duplicates %llu, Judy %.1f MB\n",
		       (unsigned long long)o.dedupe.unique, (unsigned long long)o.dedupe.duplicates,
		       (double)dedupe_memory(&o.dedupe) / 1e6);
	dedupe_free(&o.dedupe);
	if (space_ports)
		target_space_free(&ts);
	free(f.bytes);
	free(f.offset);
	free(f.len);
	return 0;
usage:
	fprintf(stderr, "usage: %s [--count N] [--mix mixed|synack|rst|icmp|udp|echo|junk] "
			"[--l4-csum unknown|valid|partial] [--no-dedupe] [--burst] [--space-ports N]\n", argv[0]);
	return 2;
}
