/* The script stage of a scan (core/scan/scripts.c): start, hand over, finish. */
#ifndef ORBIT_CORE_SCAN_SCRIPTS_H
#define ORBIT_CORE_SCAN_SCRIPTS_H

#include <signal.h>
#include <stdbool.h>

#include "core/base/error.h"
#include "core/base/result.h"

struct scan;

int scan_scripts_start(struct scan *s, struct errbuf *e);
/* True when the engine took the record (it reaches the outputs later, with scripts). */
bool scan_scripts_take(struct scan *s, const struct scan_result *r);
void scan_scripts_finish(struct scan *s, volatile sig_atomic_t *stops);
void scan_scripts_stop(struct scan *s);

#endif
