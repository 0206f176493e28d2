/* Live status, once a second: elapsed, % done, ETA, probes sent and the current send
 * rate, frames received, results, open ports ("hits") and the hit rate, drops, and the
 * follow-up queue (-sV: open ports the grab pool accepted and has not reported yet;
 * "-" without -sV).
 * Contract: the engine's supervisor calls monitor_tick() as often as it likes with a
 * snapshot of counters it read with relaxed atomic loads (the threads that own them
 * never take a lock for it); at most once per interval the monitor prints one line on
 * stderr (when asked: a terminal, or --status; never with -q) and/or appends one NDJSON
 * object to --status-file, flushed at once so `tail -f` sees it. Current rates are the
 * difference to the previous line. monitor_close() closes the status file. */
#ifndef ORBIT_CORE_MONITOR_H
#define ORBIT_CORE_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"

struct monitor_sample {
	uint64_t now_ns;      /* CLOCK_MONOTONIC */
	uint64_t sent;
	uint64_t expected;    /* probes this run will send in all (0: unknown) */
	uint64_t received;    /* frames seen by the receive threads */
	uint64_t results;     /* unique results */
	uint64_t hits;        /* open ports / up hosts */
	uint64_t drops;       /* receive drops of every cause + NIC misses + output drops */
	int64_t followup_queue; /* -1: no follow-up stage */
	bool cooling_down;    /* sending is over; waiting for late replies */
	bool interrupted;     /* Ctrl-C: sending stopped early; done is what was sent */
	double cooldown_left_s;
};

struct monitor {
	FILE *human;          /* stderr, or NULL */
	FILE *machine;        /* --status-file, or NULL */
	uint64_t start_ns, interval_ns, next_ns;
	struct monitor_sample prev;
	bool have_prev;
};

/* status_path may be NULL; human false keeps stderr quiet. Returns -1 (message in e)
 * when the status file cannot be opened. */
int monitor_open(struct monitor *m, bool human, const char *status_path, uint64_t start_ns,
		 struct errbuf *e);
/* True when a line is due at now_ns: the caller then gathers a sample for monitor_tick. */
bool monitor_due(const struct monitor *m, uint64_t now_ns);
void monitor_tick(struct monitor *m, const struct monitor_sample *s);
void monitor_close(struct monitor *m);

#endif
