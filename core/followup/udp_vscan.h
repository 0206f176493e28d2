/* -sU -sV: Nmap's UDP probes (the probe file's `Probe UDP` lines) sent to UDP ports over
 * kernel UDP sockets, after the stateless scan (orbit's own payloads, core/probe/
 * udp_payloads.c, were the scan's probes already).
 *
 * Contract: udp_vscan_run() takes the open and open|filtered UDP ports and gives each one
 * exactly one on_result call, from the calling thread. Ports go in windows of
 * `parallel` ports; each port gets the probes of probe_db_plan(udp) at `intensity` (those
 * whose `ports` name it first), one connected socket per probe (so a reply names its
 * probe), at most UDP_VSCAN_PROBES_MAX at once per port, and the window waits wait_ms
 * for replies. Then per port: the first probe in plan order whose reply matches hard wins,
 * else a softmatch, else any reply; a reply makes the port open (reason udp-response), as
 * Nmap's version scan does. No reply: the port keeps its state, status io-timeout. */
#ifndef ORBIT_CORE_FOLLOWUP_UDP_VSCAN_H
#define ORBIT_CORE_FOLLOWUP_UDP_VSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/followup/grab.h"

#define UDP_VSCAN_PROBES_MAX 48

struct udp_vscan_params {
	const struct probe_db *db;
	unsigned intensity;
	unsigned wait_ms;   /* per window (default 2000) */
	unsigned parallel;  /* ports per window (default 64) */
	uint32_t source_ip; /* 0: the kernel picks */
	bool trace;
	grab_result_fn on_result;
	void *user;
};

/* Returns how many ports answered; -1 when no memory (then no port was reported). */
long udp_vscan_run(const struct udp_vscan_params *p, const struct scan_result *ports, size_t n);

#endif
