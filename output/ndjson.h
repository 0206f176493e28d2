/* NDJSON: one JSON object per result, one line each, the default format for pipes.
 * Contract: ndjson_format_result() writes a complete line (with '\n') into buf and
 * returns its length, or 0 when cap is too small (NDJSON_LINE_MAX always suffices).
 * Field names: addr, proto, port, state, reason, ttl, ipid, len, window, mss, wscale,
 * sack, timestamps, rtt_us, responder (ICMP errors from another host), icmp_type,
 * icmp_code, time (RFC 3339 UTC, microseconds). Only fields that apply are present. */
#ifndef ORBIT_OUTPUT_NDJSON_H
#define ORBIT_OUTPUT_NDJSON_H

#include <stddef.h>

#include "core/base/result.h"

#define NDJSON_LINE_MAX 512

size_t ndjson_format_result(const struct scan_result *r, char *buf, size_t cap);

#endif
