/* The option table, the one-pass command-line parser built from it (config/load.c
 * orders it with the -c file), and the checks that span several options (see config/config.h and config/option_table.h for the contracts). */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config/option_table.h"
#include "targets/ports.h"

#define FIELD(f) offsetof(struct orbit_config, f)
#define NOSET OPTION_NOSET

/* Order matters: --help, the man page and --print-config list options in this order,
 * under the headings of option_sections[]. The trailing members (cli_only, choices) are
 * named only by the few entries that have them; the rest leave them zero. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct option_spec option_table[] = {
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
	{"rx-filter", 0, NULL, OPT_STRING, FIELD(rx_filter), NOSET, 0, 0, "BPF",
	 "also drop received frames that fail this pcap filter, in the kernel (afpacket, pcap)"},
	{"backend", 0, NULL, OPT_STRING, FIELD(backend), NOSET, 0, 0, "NAME",
	 "packet I/O: dpdk, afpacket, pcap (default: dpdk with --dpdk-args, else afpacket)", .choices = "dpdk|afpacket|pcap"},
	{"interface", 'i', NULL, OPT_STRING, FIELD(interface), NOSET, 0, 0, "IF",
	 "interface to send on (default: the route to the first target)"},
	{"source-ip", 'S', NULL, OPT_STRING, FIELD(source_ip), NOSET, 0, 0, "ADDR",
	 "source address of probes (default: the interface's)"},
	{"source-mac", 0, NULL, OPT_STRING, FIELD(source_mac), NOSET, 0, 0, "MAC",
	 "source MAC (default: the interface's)"},
	{"gateway-mac", 'G', NULL, OPT_STRING, FIELD(gateway_mac), NOSET, 0, 0, "MAC",
	 "next hop's MAC for routed targets (default: the neighbour table, else orbit's own ARP request)"},
	{"dpdk-args", 0, NULL, OPT_STRING, FIELD(dpdk_args), NOSET, 0, 0, "ARGS",
	 "DPDK EAL arguments, e.g. \"--no-huge --vdev=net_af_packet0,iface=eth1\""},
	{"dpdk-port", 0, NULL, OPT_STRING, FIELD(dpdk_port), NOSET, 0, 0, "NAME",
	 "DPDK port by name or PCI address (default: port 0)"},
	{"qdisc-bypass", 0, NULL, OPT_FLAG, FIELD(qdisc_bypass), NOSET, 0, 0, NULL,
	 "afpacket: send past the kernel's qdisc (faster; off by default so tcpdump on the "
	 "interface and tc see every probe)"},
	{"user", 0, NULL, OPT_STRING, FIELD(user), NOSET, 0, 0, "NAME",
	 "once the NIC, sockets and files are open, run as NAME (default: nobody when root)"},
	{"drop-privileges", 0, NULL, OPT_FLAG, FIELD(drop_privileges), NOSET, 0, 0, NULL,
	 "drop root and every capability once set up (default on; --no-drop-privileges keeps them)"},
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
	{"max-retries", 0, NULL, OPT_UINT, FIELD(max_retries), NOSET, 0, 50, "N",
	 "UDP: resend unanswered probes of hosts that answered, up to N rounds >= 1.1 s "
	 "apart, until a round brings nothing (default 10, as nmap; 0 = once; closed ports "
	 "answer ~1 ICMP/s per host after 6). Free for TCP and silent hosts; on a large sweep "
	 "each round re-walks every probe (CPU) and resends the open|filtered ports of "
	 "answering hosts"},
	{"rx-threads", 0, NULL, OPT_UINT, FIELD(rx_threads), NOSET, 1, 16, "N",
	 "receive threads (default 1)"},
	{"vlan", 0, NULL, OPT_UINT, FIELD(vlan), NOSET, 1, 4094, "ID",
	 "send every probe with one 802.1Q tag (masscan's --vlan); replies may come tagged"},
	{"probe-ttl", 0, NULL, OPT_UINT, FIELD(probe_ttl), NOSET, 1, 255, "TTL",
	 "IP TTL of probes (default 64)"},
	{"tcp-options", 0, NULL, OPT_STRING, FIELD(tcp_options), NOSET, 0, 0, "PROFILE",
	 "SYN options: linux (default), windows, mss-only, none", .choices = "linux|windows|mss-only|none"},
	{"udp-payload", 0, NULL, OPT_LIST, FIELD(udp_payloads), NOSET, 0, 0, "PORT:DATA",
	 "UDP payload for a port: PORT:HEX, PORT:@FILE or PORT:NAME (repeatable)"},
	{"rx-pcap", 0, NULL, OPT_STRING, FIELD(rx_pcap), NOSET, 0, 0, "FILE",
	 "pcap backend: classify the replies in FILE instead of listening"},
	{"output-file", 'o', NULL, OPT_STRING, FIELD(output_file), NOSET, 0, 0, "FILE",
	 "write results to FILE (default stdout)"},
	{"output-format", 'O', NULL, OPT_STRING, FIELD(output_format), NOSET, 0, 0, "FORMAT",
	 "ndjson, csv, text or xml (default: text on a terminal, else ndjson)", .choices = "ndjson|csv|text|xml|grepable"},
	{"fields", 'f', NULL, OPT_STRING, FIELD(fields), NOSET, 0, 0, "LIST",
	 "CSV fields to print, in order (see --list-fields)"},
	{"list-fields", 0, NULL, OPT_FLAG, FIELD(list_fields), NOSET, 0, 0, NULL,
	 "print the result fields and exit", .cli_only = true},
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
	 "read options from a YAML file (keys are the long option names)", .cli_only = true},
	{"print-config", 0, NULL, OPT_FLAG, FIELD(print_config), NOSET, 0, 0, NULL,
	 "print the effective configuration as YAML and exit", .cli_only = true},
	{"grab", 0, "-sV", OPT_FLAG, FIELD(grab), NOSET, 0, 0, NULL,
	 "follow open TCP ports up: banner, service and version"},
	{"grab-concurrency", 0, NULL, OPT_UINT, FIELD(grab_concurrency), NOSET, 1, 100000, "N",
	 "connections open at once for banner grabs (default 1000)"},
	{"grab-threads", 0, NULL, OPT_UINT, FIELD(grab_threads), NOSET, 1, 64, "N",
	 "follow-up threads, each with its own event loop (default 1)"},
	{"grab-timeout", 0, NULL, OPT_UINT, FIELD(grab_timeout), NOSET, 1, 3600, "SECONDS",
	 "time limit per banner-grab connection (default 10)"},
	{"grab-max-bytes", 0, NULL, OPT_SI, FIELD(grab_max_bytes), NOSET, 1, 1ULL << 30, "BYTES",
	 "bytes read per connection at most (default 65536)"},
	{"grab-source-ip", 0, NULL, OPT_STRING, FIELD(grab_source_ip), NOSET, 0, 0, "ADDR",
	 "source address of banner-grab connections"},
	{"service-probes", 0, NULL, OPT_STRING, FIELD(service_probes), NOSET, 0, 0, "FILE",
	 "nmap-service-probes file for -sV (default /usr/share/nmap/nmap-service-probes)"},
	{"version-intensity", 0, NULL, OPT_UINT, FIELD(version_intensity), NOSET, 0, 9, "N",
	 "-sV: send the probes of rarity <= N (0-9, default 7) after the port's own"},
	{"version-light", 0, NULL, OPT_FLAG, FIELD(version_light), NOSET, 0, 0, NULL,
	 "-sV: --version-intensity 2"},
	{"version-all", 0, NULL, OPT_FLAG, FIELD(version_all), NOSET, 0, 0, NULL,
	 "-sV: --version-intensity 9 (every probe)"},
	{"version-trace", 0, NULL, OPT_FLAG, FIELD(version_trace), NOSET, 0, 0, NULL,
	 "-sV: one line on stderr per probe sent and answer judged"},
	{"quiet", 'q', NULL, OPT_FLAG, FIELD(quiet), NOSET, 0, 0, NULL, "no status or notes on stderr"},
	{"help", 'h', NULL, OPT_FLAG, FIELD(show_help), NOSET, 0, 0, NULL, "this help",
	 .cli_only = true},
	{"version", 'V', NULL, OPT_FLAG, FIELD(show_version), NOSET, 0, 0, NULL,
	 "print the version", .cli_only = true},
};
#pragma GCC diagnostic pop


const size_t option_count = sizeof option_table / sizeof option_table[0];
enum { NOPTIONS = sizeof option_table / sizeof option_table[0] };

const struct option_section option_sections[] = {
	{"ports", "Targets and ports"},
	{"syn", "Scan type"},
	{"seed", "Probe order, shards and limits"},
	{"backend", "Sending and receiving"},
	{"output-file", "Output and status"},
	{"config", "Configuration files"},
	{"grab", "Banners, services and versions"},
	{"quiet", "General"},
};
const size_t option_section_count = sizeof option_sections / sizeof option_sections[0];

void config_init(struct orbit_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->shards = 1;
	cfg->tx_threads = 1;
	cfg->rate = 10000;
	cfg->probes = 1;
	cfg->cooldown = 8;
	cfg->max_retries = 10; /* nmap's default: enough for a host whose ICMP bucket is empty (1/s) */
	cfg->drop_privileges = true;
	cfg->rx_threads = 1;
	cfg->probe_ttl = 64;
	cfg->tcp_options = "linux";
	cfg->source_ports = "32768-61000";
	cfg->grab_concurrency = 1000;
	cfg->grab_threads = 1;
	cfg->grab_timeout = 10;
	cfg->grab_max_bytes = 65536;
	cfg->version_intensity = 7;
}

void config_free(struct orbit_config *cfg)
{
	free(cfg->targets);
	cfg->targets = NULL;
	cfg->ntargets = 0;
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		if (o->kind != OPT_LIST || option_canonical(o) != o)
			continue;
		struct str_list *l = (struct str_list *)((char *)cfg + o->offset);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
	for (size_t i = 0; i < cfg->owned_strings.n; i++)
		free(cfg->owned_strings.v[i]);
	free(cfg->owned_strings.v);
	cfg->owned_strings.v = NULL;
	cfg->owned_strings.n = 0;
}

unsigned config_default_protos(const struct orbit_config *cfg)
{
	unsigned protos = cfg->scan_udp ? PROTO_BIT(PROTO_UDP) : 0;
	if (cfg->scan_syn || cfg->scan_ack || !cfg->scan_udp)
		protos |= PROTO_BIT(PROTO_TCP);
	return protos;
}

const char *config_keep_string(struct orbit_config *cfg, const char *s, size_t len)
{
	char **nv = realloc(cfg->owned_strings.v, (cfg->owned_strings.n + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	cfg->owned_strings.v = nv;
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	cfg->owned_strings.v[cfg->owned_strings.n++] = copy;
	return copy;
}

int config_add_target(struct orbit_config *cfg, const char *target)
{
	const char **nv = realloc(cfg->targets, (cfg->ntargets + 1) * sizeof *nv);
	if (!nv)
		return -1;
	cfg->targets = nv;
	cfg->targets[cfg->ntargets++] = target;
	return 0;
}

const struct option_spec *option_by_name(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(option_table[i].name, name) == 0)
			return &option_table[i];
	return NULL;
}

const struct option_spec *option_canonical(const struct option_spec *o)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (option_table[i].offset == o->offset)
			return &option_table[i];
	return o;
}

const char *option_section_starting_at(const struct option_spec *o)
{
	for (size_t s = 0; s < option_section_count; s++)
		if (strcmp(option_sections[s].first, o->name) == 0)
			return option_sections[s].title;
	return NULL;
}

static void *field(struct orbit_config *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

static const void *cfield(const struct orbit_config *cfg, size_t offset)
{
	return (const char *)cfg + offset;
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether o's field holds the same value in a and b (strings by content). */
static bool field_equal(const struct option_spec *o, const struct orbit_config *a,
			const struct orbit_config *b)
{
	switch (o->kind) {
	case OPT_FLAG:
		return *(const bool *)cfield(a, o->offset) == *(const bool *)cfield(b, o->offset);
	case OPT_STRING:
		return same_string(*(const char *const *)cfield(a, o->offset),
				   *(const char *const *)cfield(b, o->offset));
	case OPT_UINT:
		return *(const unsigned *)cfield(a, o->offset) ==
		       *(const unsigned *)cfield(b, o->offset);
	case OPT_U64:
	case OPT_SI:
		return *(const uint64_t *)cfield(a, o->offset) ==
		       *(const uint64_t *)cfield(b, o->offset);
	case OPT_LIST: {
		const struct str_list *la = cfield(a, o->offset), *lb = cfield(b, o->offset);
		if (la->n != lb->n)
			return false;
		for (size_t i = 0; i < la->n; i++)
			if (!same_string(la->v[i], lb->v[i]))
				return false;
		return true;
	}
	}
	return false;
}

bool config_same_settings(const struct orbit_config *a, const struct orbit_config *b)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		if (o->cli_only)
			continue;
		if (!field_equal(o, a, b))
			return false;
		if (o->set_offset != NOSET &&
		    *(const bool *)cfield(a, o->set_offset) != *(const bool *)cfield(b, o->set_offset))
			return false;
	}
	if (a->ntargets != b->ntargets)
		return false;
	for (size_t i = 0; i < a->ntargets; i++)
		if (!same_string(a->targets[i], b->targets[i]))
			return false;
	return true;
}

void option_reset(struct orbit_config *cfg, const struct option_spec *o)
{
	struct orbit_config defaults;
	config_init(&defaults);
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)field(cfg, o->offset) = *(bool *)field(&defaults, o->offset);
		break;
	case OPT_STRING:
		*(const char **)field(cfg, o->offset) = *(const char **)field(&defaults, o->offset);
		break;
	case OPT_UINT:
		*(unsigned *)field(cfg, o->offset) = *(unsigned *)field(&defaults, o->offset);
		break;
	case OPT_U64:
	case OPT_SI:
		*(uint64_t *)field(cfg, o->offset) = *(uint64_t *)field(&defaults, o->offset);
		break;
	case OPT_LIST:
		((struct str_list *)field(cfg, o->offset))->n = 0;
		break;
	}
	if (o->set_offset != NOSET)
		*(bool *)field(cfg, o->set_offset) = false;
}

/* Decimal, or hexadecimal after 0x; never octal (a leading zero is not a base). */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end != '\0' || end == s + (base == 16 ? 2 : 0))
		return -1;
	*out = v;
	return 0;
}

/* "10000", "1.5M", "10G": powers of 1000, as rates and bandwidths are written. Whole
 * numbers are exact over the full 64 bits; fractions go through a double. */
static int parse_si(const char *s, uint64_t *out)
{
	size_t digits = strspn(s, "0123456789.");
	if (digits == 0 || !isdigit((unsigned char)s[0]))
		return -1;
	const char *suffix = s + digits;
	uint64_t mult = 1;
	if (*suffix == 'k' || *suffix == 'K')
		mult = 1000;
	else if (*suffix == 'M')
		mult = 1000000;
	else if (*suffix == 'G')
		mult = 1000000000;
	if (mult != 1)
		suffix++;
	if (*suffix != '\0')
		return -1;
	const char *dot = memchr(s, '.', digits);
	if (!dot) {
		uint64_t whole = 0;
		for (size_t i = 0; i < digits; i++) {
			unsigned d = (unsigned)(s[i] - '0');
			if (whole > (UINT64_MAX - d) / 10)
				return -1;
			whole = whole * 10 + d;
		}
		if (whole > UINT64_MAX / mult)
			return -1;
		*out = whole * mult;
		return 0;
	}
	if (memchr(dot + 1, '.', digits - (size_t)(dot - s) - 1) || dot + 1 == s + digits)
		return -1;
	double v = strtod(s, NULL) * (double)mult;
	if (v >= 1.8e19)
		return -1;
	*out = (uint64_t)(v + 0.5);
	return 0;
}

/* Whether value is one of the '|'-separated words of choices. */
static bool is_choice(const char *choices, const char *value)
{
	size_t len = strlen(value);
	for (const char *c = choices; *c;) {
		size_t n = strcspn(c, "|");
		if (n == len && strncmp(c, value, n) == 0)
			return true;
		c += n + (c[n] == '|');
	}
	return false;
}

/* "a, b or c" from "a|b|c", for messages. */
static void describe_choices(const char *choices, char *buf, size_t size)
{
	size_t used = 0, words = 1;
	for (const char *c = choices; *c; c++)
		words += *c == '|';
	size_t w = 0;
	for (const char *c = choices; *c && used + 1 < size; w++) {
		size_t n = strcspn(c, "|");
		int len = snprintf(buf + used, size - used, "%s%.*s",
				   w == 0 ? "" : w + 1 == words ? " or " : ", ", (int)n, c);
		if (len < 0)
			break;
		used += (size_t)len;
		c += n + (c[n] == '|');
	}
	buf[used < size ? used : size - 1] = '\0';
}

/* "a number 1-16", or "a number" when any 64-bit value goes. */
static void describe_range(const struct option_spec *o, char *buf, size_t size)
{
	if (o->max == UINT64_MAX && o->min == 0)
		snprintf(buf, size, "a number");
	else if (o->max == UINT64_MAX)
		snprintf(buf, size, "a number from %llu", (unsigned long long)o->min);
	else
		snprintf(buf, size, "a number %llu-%llu", (unsigned long long)o->min,
			 (unsigned long long)o->max);
}

int option_apply(struct orbit_config *cfg, const struct option_spec *o, const char *value,
		 const char *label, struct errbuf *e)
{
	uint64_t v = 0;
	switch (o->kind) {
	case OPT_SI:
		if (parse_si(value, &v) < 0 || v < o->min || v > o->max) {
			char range[64];
			describe_range(o, range, sizeof range);
			return err_set(e, "invalid value '%s' for %s: expected %s (K, M, G "
					  "suffixes allowed)", value, label, range);
		}
		*(uint64_t *)field(cfg, o->offset) = v;
		break;
	case OPT_LIST: {
		struct str_list *l = field(cfg, o->offset);
		if (*value == '\0')
			return err_set(e, "invalid value '' for %s: expected %s", label, o->arg);
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
			return err_set(e, "invalid value '' for %s: expected %s", label, o->arg);
		if (o->choices && !is_choice(o->choices, value)) {
			char words[128];
			describe_choices(o->choices, words, sizeof words);
			return err_set(e, "invalid value '%s' for %s: expected %s", value, label,
				       words);
		}
		*(const char **)field(cfg, o->offset) = value;
		break;
	case OPT_UINT:
	case OPT_U64:
		if (parse_u64(value, &v) < 0 || v < o->min || v > o->max) {
			char range[64];
			describe_range(o, range, sizeof range);
			return err_set(e, "invalid value '%s' for %s: expected %s", value, label,
				       range);
		}
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

/* -sT, -oA, -iR, -PE...: nmap's flags that orbit lacks would otherwise parse as zmap's
 * -s/-o/-i/-P with a value ("-oA": results to a file named A); none of those takes a
 * value of one capital letter. */
static bool looks_like_nmap_flag(const char *arg)
{
	return arg[0] == '-' && arg[1] && strchr("soiP", arg[1]) && isupper((unsigned char)arg[2]) &&
	       arg[3] == '\0';
}

/* How an option is named in messages about the command line: as the user typed it when
 * that was an nmap alias, else by its long name. */
static void flag_label(const struct option_spec *o, bool typed_alias, char *buf, size_t size)
{
	if (typed_alias && o->nmap_alias)
		snprintf(buf, size, "%s", o->nmap_alias);
	else
		snprintf(buf, size, "--%s", o->name);
}

/* Outputs that would overwrite each other. Paths are compared as written; "-" (stdout)
 * is left to output/, which lets -oN - take stdout from the default output. */
static int check_output_clashes(const struct orbit_config *cfg, struct errbuf *e)
{
	const struct {
		const char *flag;
		const char *path;
	} outs[] = {
		{"-o", cfg->output_file},        {"-oN", cfg->normal_file},
		{"-oX", cfg->xml_file},          {"-oG", cfg->grepable_file},
		{"-m", cfg->metadata_file},      {"--status-file", cfg->status_file},
		{"--checkpoint", cfg->checkpoint_file},
	};
	size_t n = sizeof outs / sizeof outs[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (outs[i].path && outs[j].path && strcmp(outs[i].path, "-") != 0 &&
			    strcmp(outs[i].path, outs[j].path) == 0)
				return err_set(e, "conflicting outputs: %s and %s both write to '%s'",
					       outs[i].flag, outs[j].flag, outs[i].path);
	return 0;
}

int config_check(const struct orbit_config *cfg, struct errbuf *e)
{
	if (cfg->scan_syn && cfg->scan_ack)
		return err_set(e, "conflicting scan types -sS and -sA: choose one TCP probe");
	if (cfg->ping_sweep && (cfg->scan_syn || cfg->scan_ack || cfg->scan_udp))
		return err_set(e, "conflicting scan types: -sn (ping sweep) with a port scan");
	if (cfg->ping_sweep && (cfg->ports || cfg->top_ports))
		return err_set(e, "a ping sweep (-sn) takes no ports: drop -p/--top-ports");
	if (cfg->ping_sweep && cfg->grab)
		return err_set(e, "conflicting options -sV and -sn: banners need open TCP ports, "
				  "a ping sweep finds none");
	if (cfg->rx_pcap && cfg->backend && strcmp(cfg->backend, "pcap") != 0)
		return err_set(e, "--rx-pcap reads replies with the pcap backend, not '%s'", cfg->backend);
	if (cfg->shard >= cfg->shards)
		return err_set(e, "invalid --shard %u: must be below --shards %u (shards count from 0)",
			       cfg->shard, cfg->shards);
	/* A checkpoint holds one position per arc, not a round: resuming a multi-round
	 * scan would repeat the rounds already done. */
	if (cfg->probes > 1 && (cfg->checkpoint_file || cfg->resume_file))
		return err_set(e, "conflicting options --probes %u and --%s: checkpoints support one "
				  "probe per target", cfg->probes,
			       cfg->checkpoint_file ? "checkpoint" : "resume");
	return check_output_clashes(cfg, e);
}

/* An ambiguous abbreviation ("--grab-" for --grab-concurrency, --grab-timeout, ...) is
 * worth its own message: getopt calls it unknown. */
static int report_bad_option(const char *bad, int c, int bad_short,
			     const struct option *longopts, struct errbuf *e)
{
	if (c == ':')
		return err_set(e, "option '%s' needs a value", bad);
	if (bad_short)
		return err_set(e, "unknown option '-%c'", bad_short);
	if (bad && strncmp(bad, "--", 2) == 0) {
		size_t len = strcspn(bad + 2, "=");
		size_t matches = 0;
		for (const struct option *l = longopts; l->name; l++)
			matches += strncmp(l->name, bad + 2, len) == 0;
		if (matches > 1)
			return err_set(e, "ambiguous option '%.*s': give more of its name",
				       (int)(len + 2), bad);
	}
	return err_set(e, "unknown option '%s'", bad);
}

/* Where s was rewritten from an nmap alias: its argv index, or -1. */
static int rewritten_index(char *const *rewritten, int argc, const char *s)
{
	for (int i = 1; s && i < argc; i++)
		if (rewritten[i] == s)
			return i;
	return -1;
}

int option_apply_argv(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e)
{
	enum { LONG_BASE = 1000, NEGATED_BASE = 3000 };
	struct option longopts[2 * NOPTIONS + 1];
	char negated_names[NOPTIONS][64];
	char shortopts[3 * NOPTIONS + 2];
	size_t ns = 0, nl = 0;
	shortopts[ns++] = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		int has_arg = o->kind == OPT_FLAG ? no_argument : required_argument;
		longopts[nl++] = (struct option){o->name, has_arg, NULL, (int)(LONG_BASE + i)};
		if (o->kind == OPT_FLAG && !o->cli_only) {
			/* --no-FLAG: the way to clear, on the command line, a flag a file set. */
			snprintf(negated_names[i], sizeof negated_names[i], "no-%s", o->name);
			longopts[nl++] = (struct option){negated_names[i], no_argument, NULL,
							 (int)(NEGATED_BASE + i)};
		}
		if (o->short_name) {
			shortopts[ns++] = (char)o->short_name;
			if (has_arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){0};
	shortopts[ns] = '\0';

	/* Rewrite nmap aliases in a private argv copy. */
	char **args = malloc((size_t)(argc + 1) * sizeof *args);
	char **rewritten = calloc((size_t)argc + 1, sizeof *rewritten);
	if (!args || !rewritten) {
		free(args);
		free(rewritten);
		return err_set(e, "out of memory");
	}
	int rc = 0;
	bool after_dashes = false; /* after "--", everything is a target, as getopt has it */
	for (int i = 0; i < argc; i++) {
		const char *lng = i > 0 && !after_dashes ? nmap_alias_to_long(argv[i]) : NULL;
		after_dashes = after_dashes || (i > 0 && strcmp(argv[i], "--") == 0);
		if (i > 0 && !after_dashes && !lng && looks_like_nmap_flag(argv[i])) {
			rc = err_set(e, "unknown option '%s' (an nmap flag orbit does not take)",
				     argv[i]);
			break;
		}
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

	/* Per canonical option: given on this command line yet, under which name and with
	 * which value, so a second, different value is an error rather than a silent
	 * last-one-wins, and the first list item given here replaces the file's list. */
	const struct option_spec *given_as[NOPTIONS] = {0};
	const char *given_value[NOPTIONS] = {0};
	bool given_as_alias[NOPTIONS] = {0};

	opterr = 0;
	optind = 0; /* 0, not 1: a full reset of getopt's state from an earlier pass */
	int c, longindex;
	while (rc == 0 && (c = getopt_long(argc, args, shortopts, longopts, &longindex)) != -1) {
		const struct option_spec *o = NULL;
		if (c >= NEGATED_BASE) {
			o = &option_table[c - NEGATED_BASE];
			*(bool *)field(cfg, o->offset) = false;
			continue;
		}
		if (c >= LONG_BASE) {
			o = &option_table[c - LONG_BASE];
		} else if (c == '?' || c == ':') {
			const char *bad = args[optind - 1];
			bool short_bad = bad && bad[0] == '-' && bad[1] != '-';
			rc = report_bad_option(bad, c, short_bad ? optopt : 0, longopts, e);
			break;
		} else {
			for (size_t i = 0; i < NOPTIONS; i++)
				if (option_table[i].short_name == c)
					o = &option_table[i];
		}
		/* A value that looked like an nmap alias (-oN -sS) was rewritten like one:
		 * keep what was typed (and not the rewritten copy, freed below). */
		const char *value = optarg;
		int from = rewritten_index(rewritten, argc, optarg);
		if (from > 0)
			value = argv[from];
		/* The token that named the option: the one before a separate value (getopt
		 * permutes args, so indices into it do not map back to argv). */
		int at = optind - 1 - (optarg && optind >= 2 && optarg == args[optind - 1]);
		bool typed_alias = at > 0 && rewritten_index(rewritten, argc, args[at]) > 0 &&
				   strcmp(args[at] + 2, o->name) == 0;
		char label[64];
		flag_label(o, typed_alias, label, sizeof label);
		size_t ci = (size_t)(option_canonical(o) - option_table);
		if (o->kind == OPT_LIST && !given_as[ci])
			((struct str_list *)field(cfg, o->offset))->n = 0;
		struct orbit_config before = *cfg;
		rc = option_apply(cfg, o, value, label, e);
		if (rc == 0 && given_as[ci] && o->kind != OPT_FLAG && o->kind != OPT_LIST &&
		    !field_equal(o, &before, cfg)) {
			char first[64];
			flag_label(given_as[ci], given_as_alias[ci], first, sizeof first);
			rc = err_set(e, "%s '%s' contradicts %s '%s' given before it", label, value,
				     first, given_value[ci]);
		}
		if (!given_as[ci]) {
			given_as[ci] = o;
			given_value[ci] = value;
			given_as_alias[ci] = typed_alias;
		}
	}
	if (rc == 0 && optind < argc)
		cfg->ntargets = 0; /* targets on the command line replace the file's */
	/* From args, not argv: getopt moved the operands behind the options in args. */
	for (int i = optind; rc == 0 && i < argc; i++)
		if (config_add_target(cfg, args[i]) < 0)
			rc = err_set(e, "out of memory");
	for (int i = 0; i < argc; i++)
		free(rewritten[i]);
	free(rewritten);
	free(args);
	return rc;
}

void config_error_one_line(struct errbuf *e)
{
	char out[sizeof e->msg];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)e->msg; *p && n + 5 < sizeof out; p++) {
		if (*p == '\n')
			n += (size_t)snprintf(out + n, sizeof out - n, "\\n");
		else if (*p == '\t')
			n += (size_t)snprintf(out + n, sizeof out - n, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(out + n, sizeof out - n, "\\x%02x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	memcpy(e->msg, out, n + 1);
}
