/* The one scan configuration, filled from the command line (and, later, YAML files with
 * the same keys). Contract: config_parse_args() either fills every field or returns -1
 * with a one-line message naming the bad flag or value (the caller exits 2); it never
 * touches the network or the filesystem beyond reading option values. Defaults are
 * set by config_init(). Strings point into argv or into memory owned by the config. */
#ifndef ORBIT_CONFIG_CONFIG_H
#define ORBIT_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

struct orbit_config {
	/* What to scan. */
	const char **targets;
	size_t ntargets;
	const char *input_file;
	const char *allowlist_file;
	const char *blocklist_file;
	const char *ports;
	unsigned top_ports;

	/* How: nmap's scan types. With none given, a TCP SYN scan. */
	bool scan_syn, scan_udp, scan_ack, ping_sweep;
	bool no_ping; /* -Pn: accepted for nmap users; orbit never pings first */

	/* The walk. */
	uint64_t seed;
	bool seed_given;
	unsigned shards, shard;
	unsigned tx_threads;
	uint64_t max_targets;
	const char *checkpoint_file;
	const char *resume_file;
	bool dry_run;

	bool quiet;
	bool show_help, show_version;
};

void config_init(struct orbit_config *cfg);
int config_parse_args(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e);
void config_free(struct orbit_config *cfg);
/* --help text, generated from the option table. */
void config_print_help(FILE *out);
/* The protocol unprefixed ports take: UDP for a UDP-only scan, else TCP. */
uint8_t config_default_proto(const struct orbit_config *cfg);

#endif
