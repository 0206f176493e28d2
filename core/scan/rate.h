/* Send pacing: a token bucket per transmit thread, each holding its share of the global
 * rate. Contract: rate_init(r, pps, now) starts empty; rate_take(r, now, want)
 * returns how many probes may go now (0..want) and consumes them; rate_wait_ns() says
 * how long until the next one; rate_take_all(r, now, n) takes n or nothing and
 * rate_wait_for_ns(r, n) says how long until n are there (senders that wait for a full
 * burst and sleep meanwhile). Tokens are fractional (a double), so rates from well
 * under 1 pps per thread to tens of millions stay exact over a second; at most 1/100 s
 * of tokens accumulate, so a long idle moment does not turn into a flood later. pps 0 means
 * unlimited. Clock: CLOCK_MONOTONIC nanoseconds, read once per burst by the caller. */
#ifndef ORBIT_CORE_RATE_H
#define ORBIT_CORE_RATE_H

#include <stdint.h>

struct rate_limiter {
	double per_ns;  /* tokens per nanosecond; 0 = unlimited */
	double tokens;
	double burst;
	uint64_t last_ns;
};

static inline void rate_init(struct rate_limiter *r, double pps, uint64_t now_ns)
{
	r->per_ns = pps / 1e9;
	r->tokens = 0;
	/* Up to 1/100 s of traffic may accumulate: a sender descheduled for a few ms (two
	 * cores shared with receive threads and the kernel) catches up instead of losing
	 * the time, and the rate stays within 1 % over a second. Each call still takes at
	 * most `want` (a NIC burst), so catching up is spread over successive bursts. */
	double cap = pps / 100.0;
	r->burst = cap < 1 ? 1 : cap;
	r->last_ns = now_ns;
}

static inline unsigned rate_take(struct rate_limiter *r, uint64_t now_ns, unsigned want)
{
	if (r->per_ns == 0)
		return want;
	r->tokens += (double)(now_ns - r->last_ns) * r->per_ns;
	r->last_ns = now_ns;
	if (r->tokens > r->burst)
		r->tokens = r->burst;
	unsigned n = r->tokens >= want ? want : (unsigned)r->tokens;
	r->tokens -= n;
	return n;
}

static inline uint64_t rate_wait_ns(const struct rate_limiter *r)
{
	if (r->per_ns == 0 || r->tokens >= 1)
		return 0;
	return (uint64_t)((1.0 - r->tokens) / r->per_ns) + 1;
}

/* n tokens or none: a sender at a low rate sends whole bursts, one wake-up each. */
static inline unsigned rate_take_all(struct rate_limiter *r, uint64_t now_ns, unsigned n)
{
	if (r->per_ns == 0)
		return n;
	r->tokens += (double)(now_ns - r->last_ns) * r->per_ns;
	r->last_ns = now_ns;
	if (r->tokens > r->burst)
		r->tokens = r->burst;
	if (r->tokens < (double)n)
		return 0;
	r->tokens -= n;
	return n;
}

static inline uint64_t rate_wait_for_ns(const struct rate_limiter *r, unsigned n)
{
	if (r->per_ns == 0 || r->tokens >= (double)n)
		return 0;
	return (uint64_t)(((double)n - r->tokens) / r->per_ns) + 1;
}

#endif
