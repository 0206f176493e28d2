#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "targets/ports.h"

/* The option table: the one place that names every option. getopt_long's tables and
 * --help are generated from it, so they cannot drift apart. */
enum opt_kind {
	OPT_FLAG,
	OPT_STRING,
	OPT_UINT,
	OPT_U64,
	OPT_SI,   /* a number with an optional K/M/G suffix (powers of 1000) */
	OPT_LIST, /* repeatable string: appended to a struct str_list */
};

struct option_spec {
	const char *name;  /* long name, also the YAML key */
	int short_name;    /* 0 when none */
	const char *nmap_alias; /* nmap-style multi-letter flag ("-sS"), or NULL */
	enum opt_kind kind;
	size_t offset;     /* field in struct orbit_config */
	size_t set_offset; /* bool field set when given, or SIZE_MAX */
	uint64_t min, max; /* numeric bounds */
	const char *arg;   /* argument name for --help */
	const char *help;
};

#define FIELD(f) offsetof(struct orbit_config, f)
#define NOSET SIZE_MAX

static const struct option_spec option_table[] = {
	{"ports", 'p', NULL, OPT_STRING, FIELD(ports), NOSET, 0, 0, "PORTS",
	 "ports to probe: 80, 1-1024, 22,80,443, - (all), T:22,80,U:53,161"},
	{"top-ports", 0, NULL, OPT_UINT, FIELD(top_ports), NOSET, 1, 1000, "N",
	 "the N most frequently open ports (TCP, or UDP with -sU)"},
	{"input-file", 0, "-iL", OPT_STRING, FIELD(input_file), NOSET, 0, 0, "FILE",
	 "read targets from FILE, one per line (# comments)"},
	{"allowlist-file", 'w', NULL, OPT_STRING, FIELD(allowlist_file), NOSET, 0, 0, "FILE",
	 "scan only addresses in FILE (targets default to all of it)"},
	{"blocklist-file", 'b', NULL, OPT_STRING, FIELD(blocklist_file), NOSET, 0, 0, "FILE",
	 "never scan addresses in FILE (replaces the built-in IANA special-purpose list)"},
	{"syn", 0, "-sS", OPT_FLAG, FIELD(scan_syn), NOSET, 0, 0, NULL, "TCP SYN scan (default)"},
	{"udp", 0, "-sU", OPT_FLAG, FIELD(scan_udp), NOSET, 0, 0, NULL, "UDP scan"},
	{"ack", 0, "-sA", OPT_FLAG, FIELD(scan_ack), NOSET, 0, 0, NULL,
	 "TCP ACK scan (unfiltered / filtered)"},
	{"ping-sweep", 0, "-sn", OPT_FLAG, FIELD(ping_sweep), NOSET, 0, 0, NULL,
	 "ICMP echo sweep: which hosts are up"},
	{"no-ping", 0, "-Pn", OPT_FLAG, FIELD(no_ping), NOSET, 0, 0, NULL,
	 "accepted for nmap users: orbit never pings before probing"},
	{"seed", 'e', NULL, OPT_U64, FIELD(seed), FIELD(seed_given), 0, UINT64_MAX, "N",
	 "64-bit seed of the probe order (random when absent, and printed)"},
	{"shards", 0, NULL, OPT_UINT, FIELD(shards), NOSET, 1, 65535, "S",
	 "split the scan over S machines (same seed on each)"},
	{"shard", 0, NULL, OPT_UINT, FIELD(shard), NOSET, 0, 65534, "I",
	 "this machine's shard, 0 .. S-1"},
	{"tx-threads", 'T', NULL, OPT_UINT, FIELD(tx_threads), NOSET, 1, 256, "N",
	 "transmit threads (each walks its own arc)"},
	{"max-targets", 'n', NULL, OPT_U64, FIELD(max_targets), NOSET, 1, UINT64_MAX, "N",
	 "stop after N probes in all (split evenly over shards and threads)"},
	{"checkpoint", 0, NULL, OPT_STRING, FIELD(checkpoint_file), NOSET, 0, 0, "FILE",
	 "write each arc's position to FILE when stopping, for --resume"},
	{"resume", 0, NULL, OPT_STRING, FIELD(resume_file), NOSET, 0, 0, "FILE",
	 "continue the walk saved in FILE (same targets, ports, blocklist)"},
	{"dry-run", 0, NULL, OPT_FLAG, FIELD(dry_run), NOSET, 0, 0, NULL,
	 "print ADDR,PROTO,PORT per probe in walk order; send nothing"},
	{"backend", 0, NULL, OPT_STRING, FIELD(backend), NOSET, 0, 0, "NAME",
	 "packet I/O: dpdk, afpacket, pcap (default: dpdk with --dpdk-args, else afpacket)"},
	{"interface", 'i', NULL, OPT_STRING, FIELD(interface), NOSET, 0, 0, "IF",
	 "interface to send on (default: the route to the first target)"},
	{"source-ip", 'S', NULL, OPT_STRING, FIELD(source_ip), NOSET, 0, 0, "ADDR",
	 "source address of probes (default: the interface's)"},
	{"source-mac", 0, NULL, OPT_STRING, FIELD(source_mac), NOSET, 0, 0, "MAC",
	 "source MAC (default: the interface's)"},
	{"gateway-mac", 'G', NULL, OPT_STRING, FIELD(gateway_mac), NOSET, 0, 0, "MAC",
	 "next hop's MAC (default: from the neighbour table)"},
	{"dpdk-args", 0, NULL, OPT_STRING, FIELD(dpdk_args), NOSET, 0, 0, "ARGS",
	 "DPDK EAL arguments, e.g. \"--no-huge --vdev=net_af_packet0,iface=eth1\""},
	{"dpdk-port", 0, NULL, OPT_STRING, FIELD(dpdk_port), NOSET, 0, 0, "NAME",
	 "DPDK port by name or PCI address (default: port 0)"},
	{"source-port", 's', NULL, OPT_STRING, FIELD(source_ports), NOSET, 0, 0, "A-B",
	 "source ports of probes (default 32768-61000)"},
	{"rate", 'r', NULL, OPT_SI, FIELD(rate), NOSET, 0, UINT64_MAX, "PPS",
	 "probes per second in all (default 10000; 0 = as fast as possible)"},
	{"max-rate", 0, NULL, OPT_SI, FIELD(rate), NOSET, 0, UINT64_MAX, "PPS",
	 "nmap's name for --rate"},
	{"bandwidth", 'B', NULL, OPT_SI, FIELD(bandwidth), NOSET, 1, UINT64_MAX, "BPS",
	 "bits per second on the wire (K, M, G suffixes); overrides --rate"},
	{"probes", 'P', NULL, OPT_UINT, FIELD(probes), NOSET, 1, 16, "N",
	 "probes per target, sent in N rounds (default 1)"},
	{"cooldown", 0, NULL, OPT_UINT, FIELD(cooldown), NOSET, 0, 3600, "SECONDS",
	 "keep receiving this long after the last probe (default 8)"},
	{"rx-threads", 0, NULL, OPT_UINT, FIELD(rx_threads), NOSET, 1, 16, "N",
	 "receive threads (default 1)"},
	{"probe-ttl", 0, NULL, OPT_UINT, FIELD(probe_ttl), NOSET, 1, 255, "TTL",
	 "IP TTL of probes (default 64)"},
	{"tcp-options", 0, NULL, OPT_STRING, FIELD(tcp_options), NOSET, 0, 0, "PROFILE",
	 "SYN options: linux (default), windows, mss-only, none"},
	{"udp-payload", 0, NULL, OPT_LIST, FIELD(udp_payloads), NOSET, 0, 0, "PORT:DATA",
	 "UDP payload for a port: PORT:HEX, PORT:@FILE or PORT:NAME (repeatable)"},
	{"output-file", 'o', NULL, OPT_STRING, FIELD(output_file), NOSET, 0, 0, "FILE",
	 "write results to FILE (default stdout)"},
	{"rx-pcap", 0, NULL, OPT_STRING, FIELD(rx_pcap), NOSET, 0, 0, "FILE",
	 "pcap backend: classify the replies in FILE instead of listening"},
	{"output-format", 'O', NULL, OPT_STRING, FIELD(output_format), NOSET, 0, 0, "FORMAT",
	 "ndjson, csv, text or xml (default: text on a terminal, else ndjson)"},
	{"fields", 'f', NULL, OPT_STRING, FIELD(fields), NOSET, 0, 0, "LIST",
	 "CSV fields to print, in order (see --list-fields)"},
	{"list-fields", 0, NULL, OPT_FLAG, FIELD(list_fields), NOSET, 0, 0, NULL,
	 "print the result fields and exit"},
	{"output-filter", 0, NULL, OPT_STRING, FIELD(output_filter), NOSET, 0, 0, "EXPR",
	 "report only results matching EXPR, e.g. \"state = open && port != 22\""},
	{"report-all", 0, NULL, OPT_FLAG, FIELD(report_all), NOSET, 0, 0, NULL,
	 "also report targets that never answered (filtered, open|filtered)"},
	{"output-normal", 0, "-oN", OPT_STRING, FIELD(normal_file), NOSET, 0, 0, "FILE",
	 "also write an Nmap-style text report to FILE (- for stdout)"},
	{"output-xml", 0, "-oX", OPT_STRING, FIELD(xml_file), NOSET, 0, 0, "FILE",
	 "also write Nmap XML to FILE (- for stdout)"},
	{"output-grepable", 0, "-oG", OPT_STRING, FIELD(grepable_file), NOSET, 0, 0, "FILE",
	 "also write Nmap grepable output to FILE (- for stdout)"},
	{"metadata", 'm', NULL, OPT_STRING, FIELD(metadata_file), NOSET, 0, 0, "FILE",
	 "write one JSON object of scan metadata to FILE at the end"},
	{"status", 0, NULL, OPT_FLAG, FIELD(status), NOSET, 0, 0, NULL,
	 "live status once a second on stderr even when it is not a terminal"},
	{"status-file", 0, NULL, OPT_STRING, FIELD(status_file), NOSET, 0, 0, "FILE",
	 "live status as NDJSON lines to FILE"},
	{"config", 'c', NULL, OPT_STRING, FIELD(config_file), NOSET, 0, 0, "FILE",
	 "read options from a YAML file (keys are the long option names)"},
	{"print-config", 0, NULL, OPT_FLAG, FIELD(print_config), NOSET, 0, 0, NULL,
	 "print the effective configuration as YAML and exit"},
	{"grab", 0, "-sV", OPT_FLAG, FIELD(grab), NOSET, 0, 0, NULL,
	 "follow open TCP ports up: banner, service and version"},
	{"grab-concurrency", 0, NULL, OPT_UINT, FIELD(grab_concurrency), NOSET, 1, 100000, "N",
	 "connections open at once for banner grabs (default 1000)"},
	{"grab-timeout", 0, NULL, OPT_UINT, FIELD(grab_timeout), NOSET, 1, 3600, "SECONDS",
	 "time limit per banner-grab connection (default 10)"},
	{"grab-max-bytes", 0, NULL, OPT_SI, FIELD(grab_max_bytes), NOSET, 1, 1ULL << 30, "BYTES",
	 "bytes read per connection at most (default 65536)"},
	{"grab-source-ip", 0, NULL, OPT_STRING, FIELD(grab_source_ip), NOSET, 0, 0, "ADDR",
	 "source address of banner-grab connections"},
	{"service-probes", 0, NULL, OPT_STRING, FIELD(service_probes), NOSET, 0, 0, "FILE",
	 "match banners with an nmap-service-probes file"},
	{"quiet", 'q', NULL, OPT_FLAG, FIELD(quiet), NOSET, 0, 0, NULL, "no status or notes on stderr"},
	{"help", 'h', NULL, OPT_FLAG, FIELD(show_help), NOSET, 0, 0, NULL, "this help"},
	{"version", 'V', NULL, OPT_FLAG, FIELD(show_version), NOSET, 0, 0, NULL, "print the version"},
};

enum { NOPTIONS = sizeof option_table / sizeof option_table[0] };

void config_init(struct orbit_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->shards = 1;
	cfg->tx_threads = 1;
	cfg->rate = 10000;
	cfg->probes = 1;
	cfg->cooldown = 8;
	cfg->rx_threads = 1;
	cfg->probe_ttl = 64;
	cfg->tcp_options = "linux";
	cfg->source_ports = "32768-61000";
	cfg->grab_concurrency = 1000;
	cfg->grab_timeout = 10;
	cfg->grab_max_bytes = 65536;
}

void config_free(struct orbit_config *cfg)
{
	free(cfg->targets);
	cfg->targets = NULL;
	free(cfg->udp_payloads.v);
	cfg->udp_payloads.v = NULL;
}

uint8_t config_default_proto(const struct orbit_config *cfg)
{
	return cfg->scan_udp && !cfg->scan_syn && !cfg->scan_ack ? PROTO_UDP : PROTO_TCP;
}

static void *field(struct orbit_config *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* "10000", "1.5M", "10G": powers of 1000, as rates and bandwidths are written. */
static int parse_si(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mult = 1;
	if (*end == 'k' || *end == 'K')
		mult = 1e3, end++;
	else if (*end == 'M')
		mult = 1e6, end++;
	else if (*end == 'G')
		mult = 1e9, end++;
	if (errno || *end != '\0' || v * mult > 1.8e19)
		return -1;
	*out = (uint64_t)(v * mult + 0.5);
	return 0;
}

static int apply_option(struct orbit_config *cfg, const struct option_spec *o, const char *value,
			struct errbuf *e)
{
	uint64_t v = 0;
	switch (o->kind) {
	case OPT_SI:
		if (parse_si(value, &v) < 0 || v < o->min)
			return err_set(e, "invalid value '%s' for --%s: expected a number (K, M, G "
					  "suffixes allowed)", value, o->name);
		*(uint64_t *)field(cfg, o->offset) = v;
		break;
	case OPT_LIST: {
		struct str_list *l = field(cfg, o->offset);
		const char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
		if (!nv)
			return err_set(e, "out of memory");
		l->v = nv;
		l->v[l->n++] = value;
		break;
	}
	case OPT_FLAG:
		*(bool *)field(cfg, o->offset) = true;
		break;
	case OPT_STRING:
		if (*value == '\0')
			return err_set(e, "invalid value '' for --%s: expected %s", o->name, o->arg);
		*(const char **)field(cfg, o->offset) = value;
		break;
	case OPT_UINT:
	case OPT_U64:
		if (parse_u64(value, &v) < 0 || v < o->min || v > o->max)
			return err_set(e, "invalid value '%s' for --%s: expected a number %llu-%llu",
				       value, o->name, (unsigned long long)o->min,
				       (unsigned long long)o->max);
		if (o->kind == OPT_UINT)
			*(unsigned *)field(cfg, o->offset) = (unsigned)v;
		else
			*(uint64_t *)field(cfg, o->offset) = v;
		break;
	}
	if (o->set_offset != NOSET)
		*(bool *)field(cfg, o->set_offset) = true;
	return 0;
}

/* nmap's multi-letter flags ("-sS", "-iL") are not getopt material: rewrite them to
 * their long names first. */
static const char *nmap_alias_to_long(const char *arg)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (option_table[i].nmap_alias && strcmp(arg, option_table[i].nmap_alias) == 0)
			return option_table[i].name;
	return NULL;
}

static int check_conflicts(const struct orbit_config *cfg, struct errbuf *e)
{
	if (cfg->scan_syn && cfg->scan_ack)
		return err_set(e, "conflicting scan types -sS and -sA: choose one TCP probe");
	if (cfg->ping_sweep && (cfg->scan_syn || cfg->scan_ack || cfg->scan_udp))
		return err_set(e, "conflicting scan types: -sn (ping sweep) with a port scan");
	if (cfg->backend && strcmp(cfg->backend, "dpdk") != 0 && strcmp(cfg->backend, "afpacket") != 0 &&
	    strcmp(cfg->backend, "pcap") != 0)
		return err_set(e, "invalid --backend '%s': expected dpdk, afpacket or pcap", cfg->backend);
	if (cfg->rx_pcap && cfg->backend && strcmp(cfg->backend, "pcap") != 0)
		return err_set(e, "--rx-pcap reads replies with the pcap backend, not '%s'", cfg->backend);
	if (cfg->shard >= cfg->shards)
		return err_set(e, "invalid --shard %u: must be below --shards %u (shards count from 0)",
			       cfg->shard, cfg->shards);
	return 0;
}

int config_parse_args(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e)
{
	struct option longopts[NOPTIONS + 1];
	char shortopts[3 * NOPTIONS + 2];
	size_t ns = 0;
	shortopts[ns++] = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		int has_arg = o->kind == OPT_FLAG ? no_argument : required_argument;
		longopts[i] = (struct option){o->name, has_arg, NULL, (int)(1000 + i)};
		if (o->short_name) {
			shortopts[ns++] = (char)o->short_name;
			if (has_arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[NOPTIONS] = (struct option){0};
	shortopts[ns] = '\0';

	/* Rewrite nmap aliases in a private argv copy. */
	char **args = malloc((size_t)(argc + 1) * sizeof *args);
	char **rewritten = calloc((size_t)argc + 1, sizeof *rewritten);
	cfg->targets = malloc((size_t)(argc + 1) * sizeof *cfg->targets);
	if (!args || !rewritten || !cfg->targets) {
		free(args);
		free(rewritten);
		return err_set(e, "out of memory");
	}
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		const char *lng = i > 0 ? nmap_alias_to_long(argv[i]) : NULL;
		args[i] = argv[i];
		if (lng) {
			size_t len = strlen(lng) + 3;
			rewritten[i] = malloc(len);
			if (!rewritten[i]) {
				rc = err_set(e, "out of memory");
				break;
			}
			snprintf(rewritten[i], len, "--%s", lng);
			args[i] = rewritten[i];
		}
	}
	args[argc] = NULL;

	opterr = 0;
	optind = 1;
	int c, longindex;
	while (rc == 0 && (c = getopt_long(argc, args, shortopts, longopts, &longindex)) != -1) {
		const struct option_spec *o = NULL;
		if (c >= 1000) {
			o = &option_table[c - 1000];
		} else if (c == '?' || c == ':') {
			const char *bad = args[optind - 1];
			if (c == ':')
				rc = err_set(e, "option '%s' needs a value", bad);
			else if (optopt && bad && bad[0] == '-' && bad[1] != '-')
				rc = err_set(e, "unknown option '-%c'", optopt);
			else
				rc = err_set(e, "unknown option '%s'", bad);
			break;
		} else {
			for (size_t i = 0; i < NOPTIONS; i++)
				if (option_table[i].short_name == c)
					o = &option_table[i];
		}
		rc = apply_option(cfg, o, optarg, e);
	}
	for (int i = optind; rc == 0 && i < argc; i++)
		cfg->targets[cfg->ntargets++] = argv[i];
	for (int i = 0; i < argc; i++)
		free(rewritten[i]);
	free(rewritten);
	free(args);
	if (rc == 0)
		rc = check_conflicts(cfg, e);
	return rc;
}

void config_print_help(FILE *out)
{
	fprintf(out, "usage: orbit [options] TARGETS...\n"
		     "TARGETS: addresses, CIDRs, a.b.c.d-e.f.g.h ranges, hostnames\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		char flags[64];
		int len = 0;
		if (o->short_name)
			len = snprintf(flags, sizeof flags, "-%c, ", o->short_name);
		else if (o->nmap_alias)
			len = snprintf(flags, sizeof flags, "%s, ", o->nmap_alias);
		snprintf(flags + len, sizeof flags - (size_t)len, "--%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", flags, o->help);
	}
}
