/* The one clock of orbit. clock_mono_ns(): CLOCK_MONOTONIC nanoseconds, for deadlines,
 * pacing, timers and durations; clock_wall_ns(): CLOCK_REALTIME nanoseconds, for
 * timestamps that leave the process (records, metadata, probe TSvals/RTTs that must
 * survive a reply's round trip). clock_sleep_ns() sleeps on the monotonic clock. */
#ifndef ORBIT_BASE_CLOCK_H
#define ORBIT_BASE_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock_mono_ns(void) { return clock_ns_of(CLOCK_MONOTONIC); }
static inline uint64_t clock_wall_ns(void) { return clock_ns_of(CLOCK_REALTIME); }

static inline void clock_sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
			      .tv_nsec = (long)(ns % 1000000000u)};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

#endif
