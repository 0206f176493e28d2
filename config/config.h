/* The one scan configuration, filled from the command line and YAML files with the same
 * keys. Contract: config_parse_args() either fills every field or returns -1 with a
 * one-line message naming the bad flag, key or value (the caller exits 2); it never
 * touches the network, and reads no file but the -c config file. Defaults are set by
 * config_init(). Strings point into argv or into memory owned by the config (released by
 * config_free()). The option table (config/option_table.h) names every option. */
#ifndef ORBIT_CONFIG_CONFIG_H
#define ORBIT_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"

struct str_list {
	const char **v;
	size_t n;
};

struct orbit_config {
	/* What to scan. */
	const char **targets;
	size_t ntargets;
	const char *input_file;
	const char *allowlist_file;
	const char *blocklist_file;
	unsigned blocklist_reload; /* seconds between re-reads of blocklist_file; 0: SIGHUP only */
	const char *ports;
	unsigned top_ports;
	bool fast;           /* -F: top 100 */
	bool ports_in_order; /* -r: no randomisation */

	/* How: nmap's scan types. With none given, a TCP SYN scan. */
	bool scan_syn, scan_udp, scan_ack, ping_sweep;
	bool no_ping; /* -Pn: no host discovery, every target is taken as up */
	const char *discovery;        /* --discovery none|default|PROBES; NULL: automatic */
	struct str_list ping_probes;  /* -PE -PS80,443 ... as "PE", "PS80,443" (--ping-probe) */

	/* The walk. */
	uint64_t seed;
	bool seed_given;
	unsigned shards, shard;
	bool shard_auto; /* --shard auto: from Slurm's or Kubernetes' environment (params.c) */
	unsigned tx_threads;
	uint64_t max_targets;
	const char *checkpoint_file;
	const char *resume_file;
	bool dry_run;

	/* Sending and receiving. */
	const char *backend;     /* dpdk | afpacket | pcap; NULL: dpdk when --dpdk-args, else afpacket */
	const char *interface;   /* -i */
	const char *source_ip;   /* -S */
	const char *source_mac;  /* --source-mac */
	const char *gateway_mac; /* -G */
	const char *dpdk_args;
	const char *dpdk_port;
	const char *source_ports; /* "32768-61000" */
	bool qdisc_bypass;        /* afpacket TX: PACKET_QDISC_BYPASS (tcpdump no longer sees probes) */
	const char *user;         /* --user: who to become once set up; NULL: nobody when root */
	bool drop_privileges;     /* default true; --no-drop-privileges keeps root */
	uint64_t rate;            /* probes/s in all; 0 = as fast as the NIC takes them */
	uint64_t min_rate;        /* --min-rate: raises rate to it */
	const char *timing;       /* -T: nmap's template, 0-5 or its name; NULL: none */
	unsigned scan_delay_ms;   /* --scan-delay: at most one probe per this long */
	uint64_t bandwidth;       /* bits/s on the wire; overrides rate when set */
	unsigned probes;          /* probes per target, in rounds spread over the scan */
	unsigned cooldown;        /* seconds to keep receiving after the last probe */
	unsigned max_retries;     /* UDP retry rounds for unanswered ports of answering hosts */
	unsigned rx_threads;
	unsigned probe_ttl;
	unsigned vlan;             /* --vlan: 802.1Q id of every probe, 0 = untagged */
	const char *tcp_options;  /* linux | windows | mss-only | none */
	struct str_list udp_payloads; /* PORT:HEX, PORT:@FILE, PORT:NAME (repeatable) */
	const char *output_file;  /* -o; NULL or "-": stdout */
	const char *rx_pcap;      /* pcap backend: read replies from this file */

	/* Output (output/). */
	const char *output_format; /* ndjson | csv | text | xml; NULL: text on a TTY, else ndjson */
	const char *fields;        /* CSV field selection, comma separated */
	bool list_fields;
	const char *output_filter; /* e.g. "state = open && port != 22" */
	bool open_only;            /* --open: only open and open|filtered results */
	bool reason;               /* --reason: REASON column in the text report */
	bool packet_trace;         /* --packet-trace: SENT/RCVD lines on stderr */
	bool report_all;           /* also report unresponsive targets (filtered, open|filtered) */
	bool report_closed;        /* NDJSON/CSV: every answer, not only the hits */
	bool no_dns;               /* -n: no reverse DNS */
	bool resolve_all;          /* -R: reverse DNS for every reported host */
	const char *dns_servers;   /* reverse DNS servers; NULL: /etc/resolv.conf */
	bool system_dns;           /* reverse DNS through getnameinfo() */
	const char *normal_file;   /* -oN: Nmap-style text report */
	const char *xml_file;      /* -oX: Nmap XML */
	const char *grepable_file; /* -oG: Nmap grepable */
	const char *all_base;      /* -oA: BASE.nmap, BASE.xml, BASE.gnmap */
	unsigned verbosity, debug_level; /* -v, -d */
	bool nmap_noop;            /* --noninteractive, --send-eth: nothing to do */
	const char *metadata_file; /* -m */
	const char *output_postgres; /* --output-postgres CONNINFO (output/pgsink.h) */
	bool status;               /* live status on stderr even when it is not a TTY */
	const char *status_file;   /* status as NDJSON lines */
	const char *config_file;   /* -c: YAML, same keys as the long options */
	bool print_config;

	/* Follow-up: banners, service and version (core/grab/). */
	bool grab;                 /* -sV */
	const char *rx_filter;     /* --rx-filter: pcap expression for the receive sockets */
	unsigned grab_concurrency;
	unsigned grab_threads;     /* follow-up threads, each with its own event loop */
	unsigned grab_timeout;     /* seconds per connection */
	uint64_t grab_max_bytes;
	const char *grab_source_ip;
	const char *service_probes; /* nmap-service-probes file */
	unsigned version_intensity; /* probes of rarity <= this (default 7) */
	bool version_light, version_all; /* intensity 2, 9 */
	bool version_trace;

	/* Scripts (core/script/): -sC, --script and their limits. */
	bool script_default;       /* -sC: the "default" category */
	const char *script;        /* --script: names, categories, paths, expressions */
	const char *script_args;
	const char *script_dir;    /* more scripts, besides orbit's own */
	unsigned script_timeout;   /* seconds per invocation */
	unsigned script_concurrency;
	uint64_t script_memory;    /* bytes per invocation */
	bool script_errors;        /* "ERROR: ..." outputs, as nmap -d shows them */
	/* OS detection (-O, core/osfp/): nmap's probes and nmap-os-db. */
	bool os_detect;
	bool osscan_limit;
	bool osscan_guess;
	unsigned max_os_tries;
	/* Responsible research runs (issue 17): who runs the scan, why. */
	const char *contact; /* URL or e-mail: metadata, HTTP User-Agent, SSH comment */
	const char *notes;   /* free text: metadata only */

	bool quiet;
	bool show_help, show_version;

	/* Which options were given a value (command line or file), by the option table index
	 * of the canonical entry: a -T template fills in only the knobs left unset. */
	bool option_given[256];

	/* Strings copied out of config files: owned here, freed by config_free(). */
	struct {
		char **v;
		size_t n;
	} owned_strings;
};

void config_init(struct orbit_config *cfg);
/* config/load.c: the command line over the -c file when one is named (read first,
 * whatever its place in argv): a value given on the command line replaces the file's, a list option or
 * positional targets given there replace the file's list, and --no-FLAG clears a flag
 * the file set. Ends with config_check(). */
int config_parse_args(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e);
/* Options that cannot go together, and values outside an option's vocabulary. */
int config_check(const struct orbit_config *cfg, struct errbuf *e);
void config_free(struct orbit_config *cfg);

/* YAML config files (config/yaml_load.c): a mapping of long option names (and
 * "targets") to values, applied over what cfg holds. A null value (~, null or nothing)
 * puts the option back to its default. Errors name the file, line and column, and the
 * key or value; config_check() is left to the caller (the command line may still fix a
 * conflict). The string variant names the text `name` in messages. */
int config_load_yaml_file(struct orbit_config *cfg, const char *path, struct errbuf *e);
int config_load_yaml_string(struct orbit_config *cfg, const char *name, const char *text,
			    size_t len, struct errbuf *e);
/* The effective configuration as YAML (config/yaml_print.c): every config-file key, in
 * table order, defaults included (null where the option is unset), so that loading it
 * gives the same settings. Fails only on a string YAML cannot hold (not UTF-8). */
int config_print_yaml(const struct orbit_config *cfg, FILE *out, struct errbuf *e);
/* True when a and b hold the same settings: every config-file key, targets included. */
bool config_same_settings(const struct orbit_config *a, const struct orbit_config *b);

/* --help text and the orbit(1) man page, generated from the option table. */
void config_print_help(FILE *out);
void config_print_man(FILE *out);
/* The protocol unprefixed ports take: UDP for a UDP-only scan, else TCP. */
/* The protocols unprefixed ports and --top-ports apply to: TCP unless only -sU, UDP with -sU. */
unsigned config_default_protos(const struct orbit_config *cfg);

#endif
