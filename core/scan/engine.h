/* The scan engine: one scan from plan to summary.
 * Contract: engine_run() takes the parameters scan_params_from_config() made (it parses
 * no string), opens the outputs, discovers the addresses the user did not give, opens
 * the NIC backend, starts the receive threads, then one transmit thread per arc of the
 * plan; each sends its arc's probes (--probes rounds) paced by its share of the rate, in
 * bursts of buffers lent by the NIC. When every transmit thread is done it keeps
 * receiving for the cooldown, then stops, reports unanswered targets when the outputs
 * want them, finishes every output (output/output.h: grouped reports are rendered then,
 * also after Ctrl-C), writes -m metadata and prints a one-line summary on stderr. A
 * monitor (core/scan/monitor.h) prints live status once a second while it runs.
 * command_line is what reports quote as the invocation. *stop_requests counts Ctrl-Cs:
 * the first stops sending (short cooldown), the second stops receiving at once; results
 * already received are always flushed. *reload_requests counts SIGHUPs: each re-reads
 * the blocklist (core/scan/reload.h). Returns the exit status (ORBIT_EXIT_*).
 * Files: engine.c the lifecycle, tx.c the transmit loop, rx.c the receive loop, totals.c
 * every counter, unanswered.c the complement; scan_internal.h their shared state. */
#ifndef ORBIT_CORE_ENGINE_H
#define ORBIT_CORE_ENGINE_H

#include <signal.h>

#include "config/config.h"
#include "core/scan/params.h"
#include "targets/plan.h"
#include "targets/targets.h"

/* Checks the output options (formats, -f, --output-filter, stdout conflicts) without
 * opening anything: 0, or 2 with a one-line message, so bad ones stop the run first. */
int engine_check_outputs(const struct orbit_config *cfg, struct errbuf *e);

int engine_run(const struct scan_params *p, const struct target_space *ts,
	       struct walk_plan *plan, volatile sig_atomic_t *stop_requests,
	       volatile sig_atomic_t *reload_requests, const char *command_line);

#endif
