/* -m/--metadata FILE: one JSON object describing a finished (or interrupted) scan, for
 * the record and for machines: orbit (and DPDK) versions, start and end times, the seed,
 * the effective configuration (every field of struct orbit_config, under its long-option
 * name), the target space, and the counters -- probes sent, frames received, results by
 * state, duplicates, receive drops by cause (core/reply.h's names), output drops and
 * filter rejects, and the NIC's own counts; the walk (digest, shard, complete) and the
 * blocklist reloads, with --contact and --notes at the top level.
 * Contract: metadata_write() writes the object atomically (temp file + rename, or
 * stdout for "-") and returns -1 with a message naming the file when it cannot. */
#ifndef ORBIT_OUTPUT_METADATA_H
#define ORBIT_OUTPUT_METADATA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "core/base/error.h"
#include "output/output.h"
#include "core/base/result.h"

struct metadata_nic {
	uint64_t tx_packets, tx_dropped, tx_errors;
	uint64_t rx_packets, rx_missed, rx_errors;
};

/* What orbit merge (and a reader of many shards) needs: which part of which walk. */
struct metadata_walk {
	uint64_t digest;         /* targets x ports (target_space_digest) */
	unsigned shards, shard;
	bool complete;           /* this shard's walk was sent to its end (not interrupted) */
};

/* Blocklist reloads (SIGHUP, --blocklist-reload): a send-time filter. */
struct metadata_reload {
	unsigned reloads, failures;
	uint64_t addresses_added;   /* blocked since the start, in effect at the end */
	uint64_t probes_suppressed; /* walked but not sent because of a reload */
};

struct scan_metadata {
	const struct orbit_config *cfg;
	const char *command_line;
	uint64_t seed;
	uint64_t start_ns, end_ns; /* CLOCK_REALTIME */
	double send_seconds;
	bool interrupted;
	const char *backend, *interface, *source_addr;
	const char *dpdk_version;    /* NULL unless the dpdk backend ran */
	const char *services_source; /* file the SERVICE names came from, or NULL */
	const char *main_format;     /* NULL when stdout went to -oN/-oX/-oG - */
	const char *discovery, *discovery_rule; /* "PE,PS443,PA80,PP" or "none"; why */
	uint64_t addresses, ports, probes;
	unsigned tx_threads, rx_threads;
	uint64_t sent, received, results, duplicates;
	uint64_t by_state[PORT_STATE_MAX + 1];
	const char *const *drop_names;
	const uint64_t *drops;
	unsigned ndrops;
	const char *const *note_names; /* counted facts besides drops (rx_note_name) */
	const uint64_t *notes;
	unsigned nnotes;
	struct output_stats output;
	struct metadata_nic nic;
	struct metadata_walk walk;
	struct metadata_reload reload;
};

int metadata_write(const char *path, const struct scan_metadata *m, struct errbuf *e);
/* The same object onto an open stream (a scan that has dropped root writes into a file it
 * opened before). -1 on a write error. */
int metadata_write_stream(FILE *f, const struct scan_metadata *m);

#endif
