/* The NDJSON form of an enriched open port (a grab_result); output/grab_json.c. */
#ifndef ORBIT_OUTPUT_GRAB_JSON_H
#define ORBIT_OUTPUT_GRAB_JSON_H

#include <stddef.h>

#include "core/base/grab_result.h"

/* One NDJSON line (with '\n') for an enriched open port: the scan fields plus service,
 * product, version, info, ostype, cpe, grab_status, banner (JSON-escaped, at most
 * GRAB_BANNER_MAX bytes) and the protocol fields as nested objects ("http": {...}).
 * Returns the length, or 0 when cap is too small (GRAB_JSON_MAX always suffices). */
#define GRAB_JSON_MAX 32768
size_t grab_result_json(const struct grab_result *r, char *buf, size_t cap);

#endif
