/* Host discovery: the choice of ping probes and their place in the walk (discovery.h). */
#include "core/scan/discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static const struct discovery_set nmap_default = {
	.echo = true, .timestamp = true, .arp = true,
	.syn = {443}, .nsyn = 1, .ack = {80}, .nack = 1,
};

/* nmap's default ports for a letter given without any. */
enum { DEFAULT_SYN_PORT = 80, DEFAULT_ACK_PORT = 80, DEFAULT_UDP_PORT = 40125 };

static int add_port(uint16_t *v, unsigned *n, unsigned long port, const char *what,
		    struct errbuf *e)
{
	if (port < 1 || port > 65535)
		return err_set(e, "invalid port in '%s': expected 1-65535", what);
	for (unsigned i = 0; i < *n; i++)
		if (v[i] == port)
			return 0;
	if (*n == DISCOVERY_MAX_PORTS)
		return err_set(e, "too many ports in '%s': at most %d per probe type", what,
			       DISCOVERY_MAX_PORTS);
	v[(*n)++] = (uint16_t)port;
	return 0;
}

/* "80", "22-25": ports of one comma-separated item, added to v. */
static int add_port_item(uint16_t *v, unsigned *n, const char *item, const char *whole,
			 struct errbuf *e)
{
	char *end;
	unsigned long lo = strtoul(item, &end, 10), hi = lo;
	if (end == item)
		return err_set(e, "invalid ping probe '%s': expected PE, PP, PR, PS/PA/PU[PORTS]", whole);
	if (*end == '-') {
		const char *h = end + 1;
		hi = strtoul(h, &end, 10);
		if (end == h || hi < lo)
			return err_set(e, "invalid port range in '%s'", whole);
	}
	if (*end != '\0' && *end != ',')
		return err_set(e, "invalid ping probe '%s': expected PE, PP, PR, PS/PA/PU[PORTS]", whole);
	for (unsigned long p = lo; p <= hi; p++)
		if (add_port(v, n, p, whole, e) < 0)
			return -1;
	return 0;
}

/* One list of probes, "PE,PS443,PA80,PP" or a letter's value "PS80,443": items that
 * start with a digit add ports to the PS/PA/PU before them. */
static int parse_probe_list(const char *text, struct discovery_set *d, struct errbuf *e)
{
	uint16_t *ports = NULL;
	unsigned *nports = NULL;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, ",");
		char item[32];
		if (len == 0 || len >= sizeof item)
			return err_set(e, "invalid ping probe list '%s'", text);
		memcpy(item, p, len);
		item[len] = '\0';
		p += len + (p[len] == ',');
		if (item[0] >= '0' && item[0] <= '9') {
			if (!ports)
				return err_set(e, "invalid ping probe list '%s': ports follow PS, PA or PU",
					       text);
			if (add_port_item(ports, nports, item, text, e) < 0)
				return -1;
			continue;
		}
		char t = item[0] == 'P' ? item[1] : 0;
		ports = NULL;
		if ((t == 'E' || t == 'P' || t == 'R') && item[2] == '\0') {
			d->echo |= t == 'E';
			d->timestamp |= t == 'P';
			d->arp |= t == 'R';
			continue;
		}
		unsigned deflt = t == 'S' ? DEFAULT_SYN_PORT : t == 'A' ? DEFAULT_ACK_PORT
				 : DEFAULT_UDP_PORT;
		ports = t == 'S' ? d->syn : t == 'A' ? d->ack : t == 'U' ? d->udp : NULL;
		nports = t == 'S' ? &d->nsyn : t == 'A' ? &d->nack : &d->nudp;
		if (!ports)
			return err_set(e, "invalid ping probe '%s': expected PE, PP, PR, PS/PA/PU[PORTS]",
				       item);
		int rc = item[2] ? add_port_item(ports, nports, item + 2, text, e)
				 : add_port(ports, nports, deflt, text, e);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int discovery_parse(const char *spec, const char *const *letters, size_t nletters,
		    bool no_ping, bool ping_sweep, struct discovery_choice *out, struct errbuf *e)
{
	memset(out, 0, sizeof *out);
	out->mode = DISCOVERY_AUTO;
	if (spec && nletters)
		return err_set(e, "conflicting options --discovery '%s' and -%s: choose one", spec,
			       letters[0]);
	if (no_ping && (spec || nletters))
		return err_set(e, "conflicting options -Pn and %s: -Pn sends no discovery probe",
			       spec ? "--discovery" : "-P probes");
	if (no_ping && ping_sweep)
		return err_set(e, "conflicting options -Pn and -sn: a ping sweep is discovery only");
	if (no_ping) {
		out->mode = DISCOVERY_NONE;
		out->why = "-Pn: every target is up";
		return 0;
	}
	if (spec && strcmp(spec, "none") == 0) {
		if (ping_sweep)
			return err_set(e, "conflicting options -sn and --discovery none: the sweep "
					  "would send nothing");
		out->mode = DISCOVERY_NONE;
		return 0;
	}
	if (spec && strcmp(spec, "default") == 0) {
		out->mode = DISCOVERY_DEFAULT;
		return 0;
	}
	if (spec && *spec == '\0')
		return err_set(e, "invalid --discovery '': expected none, default or probes like "
				  "PE,PS443,PA80,PP");
	if (spec && parse_probe_list(spec, &out->set, e) < 0)
		return -1;
	for (size_t i = 0; i < nletters; i++)
		if (parse_probe_list(letters[i], &out->set, e) < 0)
			return -1;
	if (spec || nletters)
		out->mode = DISCOVERY_CHOSEN;
	return 0;
}

void discovery_resolve(struct discovery_choice *c, uint64_t naddrs, bool ping_sweep,
		       bool interactive)
{
	if (c->mode == DISCOVERY_AUTO) {
		if (ping_sweep) {
			c->mode = DISCOVERY_DEFAULT;
			c->why = "default for -sn";
		} else if (naddrs <= DISCOVERY_AUTO_MAX_ADDRS && interactive) {
			c->mode = DISCOVERY_DEFAULT;
			c->why = "default: a report of at most 4096 addresses";
		} else {
			c->mode = DISCOVERY_NONE;
			c->why = naddrs > DISCOVERY_AUTO_MAX_ADDRS
					 ? "none: more than 4096 addresses; up = a port answered"
					 : "none: ndjson/csv output or --checkpoint/--resume; up = a port answered";
		}
	} else if (!c->why) {
		c->why = "as given";
	}
	if (c->mode == DISCOVERY_DEFAULT)
		c->set = nmap_default;
	else if (c->mode == DISCOVERY_NONE)
		memset(&c->set, 0, sizeof c->set);
}

bool discovery_active(const struct discovery_set *d)
{
	return d->echo || d->timestamp || d->nsyn || d->nack || d->nudp;
}

static void append_ports(char *out, size_t *len, const char *letters, const uint16_t *v,
			 unsigned n)
{
	if (!n)
		return;
	*len += (size_t)snprintf(out + *len, DISCOVERY_TEXT_MAX - *len, "%s%s", *len ? "," : "",
				 letters);
	for (unsigned i = 0; i < n && *len < DISCOVERY_TEXT_MAX; i++)
		*len += (size_t)snprintf(out + *len, DISCOVERY_TEXT_MAX - *len, "%s%u", i ? "," : "",
					 v[i]);
}

void discovery_text(const struct discovery_set *d, char out[DISCOVERY_TEXT_MAX])
{
	size_t len = 0;
	out[0] = '\0';
	if (d->echo)
		len += (size_t)snprintf(out + len, DISCOVERY_TEXT_MAX - len, "PE");
	append_ports(out, &len, "PS", d->syn, d->nsyn);
	append_ports(out, &len, "PA", d->ack, d->nack);
	append_ports(out, &len, "PU", d->udp, d->nudp);
	if (d->timestamp && len < DISCOVERY_TEXT_MAX)
		len += (size_t)snprintf(out + len, DISCOVERY_TEXT_MAX - len, "%sPP", len ? "," : "");
	if (d->arp && len < DISCOVERY_TEXT_MAX)
		len += (size_t)snprintf(out + len, DISCOVERY_TEXT_MAX - len, "%sPR", len ? "," : "");
	if (len == 0)
		snprintf(out, DISCOVERY_TEXT_MAX, "none");
}

static bool space_has(const struct portlist *l, uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].proto == proto && l->v[i].port == port)
			return true;
	return false;
}

/* The pings as walk entries, minus those a scanned port already is. */
static int ping_entries(const struct discovery_set *d, const struct portlist *scanned,
			bool tcp_ack, struct portlist *out)
{
	int rc = 0;
	if (d->echo)
		rc |= portlist_add(out, PROTO_ICMP, 0);
	if (d->timestamp)
		rc |= portlist_add(out, RESULT_PROTO_PING_TIMESTAMP, 0);
	for (unsigned i = 0; i < d->nsyn; i++)
		if (tcp_ack || !space_has(scanned, PROTO_TCP, d->syn[i]))
			rc |= portlist_add(out, RESULT_PROTO_PING_SYN, d->syn[i]);
	for (unsigned i = 0; i < d->nack; i++)
		if (!tcp_ack || !space_has(scanned, PROTO_TCP, d->ack[i]))
			rc |= portlist_add(out, RESULT_PROTO_PING_ACK, d->ack[i]);
	for (unsigned i = 0; i < d->nudp; i++)
		if (!space_has(scanned, PROTO_UDP, d->udp[i]))
			rc |= portlist_add(out, RESULT_PROTO_PING_UDP, d->udp[i]);
	return rc;
}

int discovery_add_to_space(const struct discovery_set *d, struct target_space *ts,
			   bool ping_sweep, bool tcp_ack, struct errbuf *e)
{
	if (!discovery_active(d))
		return 0;
	struct portlist extra = {0};
	struct portlist none = {0};
	if (ping_entries(d, ping_sweep ? &none : &ts->ports, tcp_ack, &extra) < 0) {
		portlist_free(&extra);
		return err_set(e, "out of memory");
	}
	int rc = target_space_add_entries(ts, extra.v, extra.n, ping_sweep, e);
	portlist_free(&extra);
	return rc;
}

void discovery_ports_init(struct discovery_ports *dp, const struct target_space *ts,
			  bool tcp_ack)
{
	memset(dp, 0, sizeof *dp);
	dp->tcp_probe_ack = tcp_ack;
	const struct portlist *l = &ts->ports;
	for (size_t i = 0; i < l->n; i++) {
		uint8_t p = l->v[i].proto;
		uint16_t port = l->v[i].port;
		/* Pings that travel as the scan's own kind come back as TCP/UDP results. */
		bool same_kind = p == RESULT_PROTO_PING_UDP ||
				 (p == RESULT_PROTO_PING_SYN && !tcp_ack) ||
				 (p == RESULT_PROTO_PING_ACK && tcp_ack);
		if (!same_kind)
			continue;
		uint64_t *bits = p == RESULT_PROTO_PING_UDP ? dp->udp : dp->tcp;
		bits[port >> 6] |= 1ull << (port & 63);
		dp->any = true;
	}
}

bool discovery_report_output(const struct orbit_config *cfg, bool stdout_is_tty)
{
	if (cfg->normal_file || cfg->xml_file || cfg->grepable_file)
		return true;
	const char *f = cfg->output_format;
	if (f)
		return strcmp(f, "text") == 0 || strcmp(f, "xml") == 0 || strcmp(f, "grepable") == 0;
	/* output.c's default: text on a terminal, else ndjson. */
	bool to_stdout = !cfg->output_file || strcmp(cfg->output_file, "-") == 0;
	return to_stdout && stdout_is_tty;
}

int discovery_prepare(struct discovery_choice *c, const struct orbit_config *cfg,
		      bool tcp_ack, bool stdout_is_tty, struct target_space *ts, struct errbuf *e)
{
	/* A checkpointed or resumed scan keeps one walk whatever its outputs. */
	bool interactive = discovery_report_output(cfg, stdout_is_tty) && !cfg->checkpoint_file &&
			   !cfg->resume_file;
	discovery_resolve(c, ts->naddrs, cfg->ping_sweep, interactive);
	return discovery_add_to_space(&c->set, ts, cfg->ping_sweep, tcp_ack, e);
}
