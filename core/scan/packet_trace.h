/* --packet-trace: one line per probe sent and per reply received on stderr, in nmap's
 * SENT/RCVD shape ("SENT (0.0012s) TCP 198.18.0.2:40123 > 198.18.1.10:22 S ttl=64 id=1
 * iplen=44  seq=... win=..."), for the first PACKET_TRACE_LIMIT of each (a sweep would
 * otherwise print millions), then one line saying the rest is not shown.
 * Contract: packet_trace_frame() is safe from any thread (one write per line, atomic
 * counters) and reads the frame only; the engine calls it only when tracing is on. */
#ifndef ORBIT_CORE_SCAN_PACKET_TRACE_H
#define ORBIT_CORE_SCAN_PACKET_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PACKET_TRACE_LIMIT 1000

struct packet_trace {
	FILE *out;
	uint64_t start_ns; /* clock_mono_ns() of the scan's start: the "(0.0012s)" */
	atomic_uint lines[2]; /* [0] sent, [1] received */
};

void packet_trace_init(struct packet_trace *pt, FILE *out, uint64_t start_ns);
/* frame: Ethernet (an 802.1Q tag allowed) with IPv4 inside; others are not traced. */
void packet_trace_frame(struct packet_trace *pt, bool received, const uint8_t *frame, size_t len);

#endif
