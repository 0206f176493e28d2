#include "core/scan/params.h"

#include "core/osfp/nmap_os_db.h"

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/followup/probes.h"
#include "core/probe/udp_payloads.h"
#include "core/scan/rdns.h"
#include "core/script/script.h"
#include "targets/addrspec.h"

#define DEFAULT_SERVICE_PROBES "/usr/share/nmap/nmap-service-probes"

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* "A-B" or "A" within 1-65535. */
static int parse_port_range(const char *s, uint16_t *base, uint32_t *count)
{
	unsigned lo, hi;
	char tail;
	int n = sscanf(s, "%u-%u%c", &lo, &hi, &tail);
	if (n == 1)
		hi = lo;
	else if (n != 2)
		return -1;
	if (lo < 1 || hi > 65535 || hi < lo)
		return -1;
	*base = (uint16_t)lo;
	*count = hi - lo + 1;
	return 0;
}

/* The addresses the user named; the engine discovers what is missing. */
static int parse_given_addresses(const struct orbit_config *cfg, struct nic_addrs *a,
				 struct errbuf *e)
{
	memset(a, 0, sizeof *a);
	if (cfg->interface) {
		if (strlen(cfg->interface) >= sizeof a->ifname)
			return err_set(e, "invalid interface '%s': name too long", cfg->interface);
		strcpy(a->ifname, cfg->interface);
	}
	if (cfg->source_ip) {
		if (addrspec_parse_ipv4(cfg->source_ip, &a->src_addr) < 0)
			return err_set(e, "invalid --source-ip '%s'", cfg->source_ip);
		a->have_src_addr = true;
	}
	if (cfg->source_mac) {
		if (parse_mac(cfg->source_mac, a->src_mac) < 0)
			return err_set(e, "invalid --source-mac '%s'", cfg->source_mac);
		a->have_src_mac = true;
	}
	if (cfg->gateway_mac) {
		if (parse_mac(cfg->gateway_mac, a->gw_mac) < 0)
			return err_set(e, "invalid --gateway-mac '%s'", cfg->gateway_mac);
		a->have_gw_mac = true;
	}
	return 0;
}

static const char *backend_of(const struct orbit_config *cfg)
{
	return cfg->backend ? cfg->backend
	       : cfg->rx_pcap ? "pcap"
	       : cfg->dpdk_args ? "dpdk" : "afpacket";
}

static int parse_udp_payloads(const struct orbit_config *cfg, struct scan_params *p,
			      struct errbuf *e)
{
	p->udp_table = udp_payload_table_new(true);
	if (!p->udp_table)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < cfg->udp_payloads.n; i++)
		if (udp_payload_parse_option(p->udp_table, cfg->udp_payloads.v[i], e) < 0)
			return -1;
	return 0;
}

/* --rx-filter is compiled here, on a dead handle, so a typo is refused before anything opens;
 * the nic compiles it again on its sockets. DPDK's queues have no kernel filter. */
static int check_rx_filter(const struct orbit_config *cfg, const char *backend, struct errbuf *e)
{
	if (!cfg->rx_filter)
		return 0;
	if (backend && strcmp(backend, "dpdk") == 0)
		return err_set(e, "--rx-filter works with the afpacket and pcap backends, not dpdk");
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 2048);
	if (!dead)
		return err_set(e, "out of memory");
	struct bpf_program prog;
	int rc = 0;
	if (pcap_compile(dead, &prog, cfg->rx_filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		rc = err_set(e, "invalid --rx-filter '%s': %s", cfg->rx_filter, pcap_geterr(dead));
	else
		pcap_freecode(&prog);
	pcap_close(dead);
	return rc;
}

/* The probe file (~2 MB, ~10 ms to parse) is read on a thread of its own while the
 * scripts and the rest of the options are checked; both are joined before anything is
 * opened, and its error, if any, is the one reported (it comes first in the checks). */
struct probe_load {
	const char *path; /* NULL: nothing to load */
	struct probe_db *db;
	struct errbuf e;
	pthread_t tid;
	bool threaded;
};

static void *probe_load_main(void *arg)
{
	struct probe_load *l = arg;
	l->db = probe_db_load(l->path, &l->e);
	probe_db_warm(l->db); /* on the second core while the scan gets going */
	return NULL;
}

static void probe_load_start(struct probe_load *l)
{
	if (l->path)
		l->threaded = pthread_create(&l->tid, NULL, probe_load_main, l) == 0;
	if (l->path && !l->threaded)
		probe_load_main(l);
}

/* rc: the checks' result so far; the load's error takes precedence over theirs. */
static int probe_load_finish(struct probe_load *l, struct scan_params *p, int rc,
			     struct errbuf *e)
{
	if (!l->path)
		return rc;
	if (l->threaded)
		pthread_join(l->tid, NULL);
	p->probe_db = l->db;
	if (l->db)
		return rc;
	*e = l->e;
	return -1;
}

/* -sV's probe file (Debian's nmap-common copy unless --service-probes names one: a default
 * that is not installed leaves -sV to orbit's modules) and its intensity;
 * the file itself is loaded by probe_load_start(). */
static int parse_version_detection(const struct orbit_config *cfg, struct scan_params *p,
				   struct probe_load *load, struct errbuf *e)
{
	if (cfg->version_light && cfg->version_all)
		return err_set(e, "conflicting options --version-light and --version-all");
	if (cfg->version_intensity > 9)
		return err_set(e, "invalid --version-intensity '%u' (0-9)", cfg->version_intensity);
	p->version_intensity = cfg->version_all ? 9 : cfg->version_light ? 2 : cfg->version_intensity;
	p->version_budget_ms = cfg->grab_timeout * 6000u;
	if (!cfg->grab)
		return 0;
	const char *path = cfg->service_probes ? cfg->service_probes : DEFAULT_SERVICE_PROBES;
	if (!cfg->service_probes && access(path, R_OK) != 0)
		return 0;
	load->path = path;
	return 0;
}

static int parse_followup(const struct orbit_config *cfg, struct scan_params *p,
			  struct probe_load *load, struct errbuf *e)
{
	if (cfg->grab_source_ip && addrspec_parse_ipv4(cfg->grab_source_ip, &p->grab_source_ip) < 0)
		return err_set(e, "invalid --grab-source-ip '%s'", cfg->grab_source_ip);
	return parse_version_detection(cfg, p, load, e);
}

/* -sC and --script: the selection is checked (and the scripts loaded) here, before
 * anything opens: a name that selects nothing is bad input. -sV runs the version
 * category as well (nmap's version scripts), with or without a selection; with none of
 * those scripts installed it needs no engine. */
static int parse_scripts(const struct orbit_config *cfg, struct scan_params *p, struct errbuf *e)
{
	if (!cfg->script_default && !cfg->script && !cfg->grab)
		return 0;
	if (cfg->script_args && script_args_check(cfg->script_args, e) < 0)
		return -1;
	char sel[4096];
	snprintf(sel, sizeof sel, "%s%s%s", cfg->script_default ? "default" : "",
		 cfg->script_default && cfg->script ? "," : "", cfg->script ? cfg->script : "");
	const char *dirs[2] = {script_default_dir(), cfg->script_dir};
	p->scripts = script_catalog_load_for(dirs, cfg->script_dir ? 2 : 1, sel, cfg->grab, e);
	if (p->scripts && !script_catalog_selected(p->scripts) && !script_catalog_version(p->scripts)) {
		script_catalog_free(p->scripts);
		p->scripts = NULL;
		return 0;
	}
	return p->scripts ? 0 : -1;
}

/* -O: nmap's OS database, read now (core/osfp/nmap_os_db.h), so a missing or empty one
 * stops the run before anything opens. */
static int load_os_db(const struct orbit_config *cfg, struct scan_params *p, struct errbuf *e)
{
	if (!cfg->os_detect)
		return 0;
	p->os_db = nmap_os_db_load(NULL);
	if (!p->os_db || nmap_os_db_count(p->os_db) == 0)
		return err_set(e, "-O (--os-detect): cannot read nmap's OS fingerprints '%s' "
				  "(Debian's nmap-common)", NMAP_OS_DB_PATH);
	return 0;
}

/* --contact goes into an HTTP User-Agent comment and after the SSH version (RFC 9110's
 * comment, RFC 4253's comments): printable ASCII without the characters that would end
 * or nest the comment. --notes only into JSON (any text without control characters). */
enum { CONTACT_MAX = 200, NOTES_MAX = 2000 };

static int check_research(const struct orbit_config *cfg, struct errbuf *e)
{
	const char *c = cfg->contact;
	if (c) {
		size_t n = strlen(c);
		if (n == 0 || n > CONTACT_MAX)
			return err_set(e, "invalid --contact '%s': 1 to %d characters", c, CONTACT_MAX);
		for (size_t i = 0; i < n; i++)
			if (c[i] < 0x20 || c[i] > 0x7e || strchr("()\\", c[i]))
				return err_set(e, "invalid --contact '%s': printable ASCII without ( ) \\ "
						  "(it goes into HTTP and SSH)", c);
	}
	if (cfg->notes) {
		size_t n = strlen(cfg->notes);
		if (n > NOTES_MAX)
			return err_set(e, "invalid --notes: %zu characters, at most %d", n, NOTES_MAX);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)cfg->notes[i] < 0x20 || cfg->notes[i] == 0x7f)
				return err_set(e, "invalid --notes '%s': control character at %zu",
					       cfg->notes, i + 1);
	}
	if (cfg->blocklist_reload && !cfg->blocklist_file)
		return err_set(e, "invalid --blocklist-reload %u: needs --blocklist-file (the built-in "
				  "list is fixed)", cfg->blocklist_reload);
	return 0;
}

int scan_params_from_config(const struct orbit_config *cfg, struct scan_params *p,
			    struct errbuf *e)
{
	memset(p, 0, sizeof *p);
	p->cfg = cfg;
	p->backend = backend_of(cfg);
	p->ttl = (uint8_t)cfg->probe_ttl;
	p->tcp_probe = cfg->scan_ack ? TCP_PROBE_ACK : TCP_PROBE_SYN;
	int rc = check_research(cfg, e);
	if (rc == 0)
		rc = parse_given_addresses(cfg, &p->given, e);
	if (rc == 0 && parse_port_range(cfg->source_ports, &p->sport_base, &p->sport_count) < 0)
		rc = err_set(e, "invalid --source-port '%s': expected A-B within 1-65535",
			     cfg->source_ports);
	if (rc == 0)
		rc = tcp_option_profile_parse(cfg->tcp_options, &p->tcp_options, e);
	if (rc == 0)
		rc = parse_udp_payloads(cfg, p, e);
	struct probe_load load = {0};
	if (rc == 0)
		rc = parse_followup(cfg, p, &load, e);
	if (rc == 0)
		probe_load_start(&load);
	if (rc == 0)
		rc = parse_scripts(cfg, p, e);
	if (rc == 0)
		rc = load_os_db(cfg, p, e);
	if (rc == 0)
		rc = check_rx_filter(cfg, p->backend, e);
	if (rc == 0 && cfg->dns_servers)
		rc = rdns_check_servers(cfg->dns_servers, e);
	if (rc == 0 && cfg->no_dns && cfg->resolve_all)
		rc = err_set(e, "conflicting options --no-dns and -R: no reverse DNS, or for every host");
	if (rc == 0)
		rc = discovery_parse(cfg->discovery, cfg->ping_probes.v, cfg->ping_probes.n,
				     cfg->no_ping, cfg->ping_sweep, &p->discovery, e);
	if (rc == 0)
		rc = privs_plan_from(cfg->user, cfg->drop_privileges, &p->privs, e);
	if (rc == 0)
		rc = shard_choice_resolve(cfg, getenv, &p->shard, e);
	rc = probe_load_finish(&load, p, rc, e);
	if (rc < 0) {
		scan_params_free(p);
		return -1;
	}
	return 0;
}

void scan_params_free(struct scan_params *p)
{
	udp_payload_table_free(p->udp_table);
	probe_db_free(p->probe_db);
	script_catalog_free(p->scripts);
	nmap_os_db_free(p->os_db);
	p->os_db = NULL;
	p->scripts = NULL;
	p->udp_table = NULL;
	p->probe_db = NULL;
}
