/* Scan parameters: the whole configuration as typed, validated values, made before
 * anything else happens. Contract: scan_params_from_config() parses every string the
 * scan needs (--interface, -S, --source-mac, -G, --source-port, --tcp-options,
 * --udp-payload, --grab-source-ip, --service-probes, -O's nmap-os-db, --user, --contact, --notes, --shard
 * auto from the environment (shardenv.h), the backend name) and the SYN/ACK
 * choice, or returns -1 with one line in e naming the bad value (the caller exits
 * ORBIT_EXIT_BAD_INPUT). It opens no output file, creates no socket and starts no NIC
 * backend; it only reads the files a value names (PORT:@FILE, --service-probes). main.c
 * calls it before the targets, the outputs and the engine, --dry-run included; the
 * engine takes the result and parses no string. scan_params_free() releases what it
 * owns (the UDP payload table, the probe database). */
#ifndef ORBIT_SCAN_PARAMS_H
#define ORBIT_SCAN_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/base/error.h"
#include "core/probe/probe.h"
#include "core/probe/reply.h"
#include "core/scan/discovery.h"
#include "core/scan/privs.h"
#include "core/scan/shardenv.h"
#include "nic/nic.h"

/* Exit statuses of orbit: the one definition. 130 (128 + SIGINT): stopped by Ctrl-C or
 * SIGTERM, with what was found written out. */
enum {
	ORBIT_EXIT_OK = 0,
	ORBIT_EXIT_RUNTIME = 1,
	ORBIT_EXIT_BAD_INPUT = 2,
	ORBIT_EXIT_INTERRUPTED = 130
};

struct udp_payload_table;
struct probe_db;
struct script_catalog;
struct nmap_os_db;

struct scan_params {
	const struct orbit_config *cfg; /* numbers and flags, checked by config_check() */
	/* What the user gave of the addresses (have_* say which); the engine discovers the rest. */
	struct nic_addrs given;
	const char *backend;            /* dpdk | afpacket | pcap, resolved from the options */
	uint16_t sport_base;            /* source ports [sport_base, sport_base + sport_count) */
	uint32_t sport_count;
	uint8_t ttl;                    /* 0: 64 */
	enum tcp_option_profile tcp_options;
	enum tcp_probe_kind tcp_probe;      /* SYN or ACK: the one place the choice is made */
	struct udp_payload_table *udp_table; /* built-ins plus --udp-payload; owned */
	uint32_t grab_source_ip;        /* 0: the kernel picks */
	struct probe_db *probe_db;      /* -sV's nmap-service-probes, or NULL; owned */
	unsigned version_intensity;     /* 0-9 (--version-intensity/-light/-all) */
	unsigned version_budget_ms;     /* a port's whole probe sequence (6 x --grab-timeout) */
	struct script_catalog *scripts; /* -sC / --script: the selected scripts, or NULL; owned */
	struct nmap_os_db *os_db;       /* -O: nmap-os-db, or NULL; owned */
	struct privs_plan privs;        /* --user, --no-drop-privileges: who runs the scan */
	struct shard_choice shard;      /* --shards/--shard/--seed, --shard auto resolved */
	/* -Pn, -sn, --discovery, -P*: parsed here; the default is settled and the pings
	 * added to the space by main.c once the addresses are counted (discovery.h). */
	struct discovery_choice discovery;
};

int scan_params_from_config(const struct orbit_config *cfg, struct scan_params *p,
			    struct errbuf *e);
void scan_params_free(struct scan_params *p);

#endif
