#include "targets/ports.h"

#include "core/base/result.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char top_ports_tcp_txt[];
extern const char top_ports_udp_txt[];

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP: return "tcp";
	case PROTO_UDP: return "udp";
	case PROTO_ICMP: return "icmp";
	default: return result_proto_is_ping(proto) ? result_proto_name(proto) : "?";
	}
}

void portlist_free(struct portlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int portlist_add(struct portlist *out, uint8_t proto, uint16_t port)
{
	/* Grow in powers of two: n is a power of two exactly when the array is full. */
	if (out->n == 0 || (out->n & (out->n - 1)) == 0) {
		size_t cap = out->n ? out->n * 2 : 64;
		struct port_entry *v = realloc(out->v, cap * sizeof *v);
		if (!v)
			return -1;
		out->v = v;
	}
	out->v[out->n++] = (struct port_entry){port, proto};
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct port_entry *x = a, *y = b;
	uint32_t kx = (uint32_t)x->proto << 16 | x->port, ky = (uint32_t)y->proto << 16 | y->port;
	return (kx > ky) - (kx < ky);
}

void portlist_normalize(struct portlist *l)
{
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof l->v[0], cmp_entry);
	size_t w = 1;
	for (size_t i = 1; i < l->n; i++)
		if (cmp_entry(&l->v[i], &l->v[w - 1]) != 0)
			l->v[w++] = l->v[i];
	l->n = w;
}

/* Reads a port number at *p; 0 when absent. Returns -1 when out of range. */
static int read_port(const char **p, long *out)
{
	if (!isdigit((unsigned char)**p)) {
		*out = -1;
		return 0;
	}
	long v = 0;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > 1000000)
			v = 1000000; /* keep counting digits without overflow */
		(*p)++;
	}
	*out = v;
	return 0;
}

static int parse_item(const char *item, uint8_t proto, struct portlist *out, struct errbuf *e)
{
	const char *p = item;
	long lo, hi;
	read_port(&p, &lo);
	if (*p == '-') {
		p++;
		read_port(&p, &hi);
		if (lo < 0)
			lo = 1;
		if (hi < 0)
			hi = 65535;
	} else {
		if (lo < 0)
			return err_set(e, "invalid port '%s': not a number", item);
		hi = lo;
	}
	if (*p != '\0')
		return err_set(e, "invalid port '%s': not a number or range", item);
	if (lo < 1 || lo > 65535)
		return err_set(e, "invalid port '%ld' in '%s': ports are 1-65535", lo, item);
	if (hi < 1 || hi > 65535)
		return err_set(e, "invalid port '%ld' in '%s': ports are 1-65535", hi, item);
	if (hi < lo)
		return err_set(e, "invalid port range '%s': ends before it starts", item);
	for (long port = lo; port <= hi; port++)
		if (portlist_add(out, proto, (uint16_t)port) < 0)
			return err_set(e, "out of memory");
	return 0;
}

/* Adds one item for each protocol in protos. */
static int parse_item_for(const char *item, unsigned protos, struct portlist *out,
			  struct errbuf *e)
{
	for (uint8_t proto = 0; proto < 32; proto++)
		if ((protos & PROTO_BIT(proto)) && parse_item(item, proto, out, e) < 0)
			return -1;
	return 0;
}

int portlist_parse(const char *spec, unsigned default_protos, struct portlist *out,
		   struct errbuf *e)
{
	char buf[4096];
	if (strlen(spec) >= sizeof buf)
		return err_set(e, "invalid port list '%.40s...': too long", spec);
	if (*spec == '\0')
		return err_set(e, "invalid port list '': empty");
	if (default_protos == 0)
		return err_set(e, "invalid port list '%s': no protocol to scan", spec);
	strcpy(buf, spec);
	unsigned protos = default_protos;
	char *rest = buf, *item;
	while ((item = strsep(&rest, ",")) != NULL) {
		char *it = item;
		while (isspace((unsigned char)*it))
			it++;
		if ((it[0] == 'T' || it[0] == 'U' || it[0] == 't' || it[0] == 'u') && it[1] == ':') {
			protos = PROTO_BIT((it[0] == 'T' || it[0] == 't') ? PROTO_TCP : PROTO_UDP);
			it += 2;
			if (*it == '\0')
				return err_set(e, "invalid port list '%s': no ports after '%.2s'", spec,
					       item);
		}
		if (parse_item_for(it, protos, out, e) < 0)
			return -1;
	}
	if (out->n == 0)
		return err_set(e, "invalid port list '%s': no ports", spec);
	portlist_normalize(out);
	return 0;
}

size_t portlist_top_available(uint8_t proto)
{
	const char *text = proto == PROTO_UDP ? top_ports_udp_txt : top_ports_tcp_txt;
	size_t n = 0;
	for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "")
		if (isdigit((unsigned char)*line))
			n++;
	return n;
}

int portlist_add_top(struct portlist *out, unsigned n, uint8_t proto, struct errbuf *e)
{
	size_t avail = portlist_top_available(proto);
	if (n < 1 || n > avail)
		return err_set(e, "invalid --top-ports %u: the shipped %s list has 1-%zu ports", n,
			       proto_name(proto), avail);
	const char *line = proto == PROTO_UDP ? top_ports_udp_txt : top_ports_tcp_txt;
	unsigned taken = 0;
	while (taken < n && *line) {
		if (isdigit((unsigned char)*line)) {
			if (portlist_add(out, proto, (uint16_t)strtoul(line, NULL, 10)) < 0)
				return err_set(e, "out of memory");
			taken++;
		}
		const char *nl = strchr(line, '\n');
		line = nl ? nl + 1 : "";
	}
	portlist_normalize(out);
	return 0;
}

/* One port of nmap-services and how often nmap's scans found it open. */
struct ranked_port {
	double freq;
	uint16_t port;
	size_t line; /* file order breaks ties */
};

static int by_frequency(const void *a, const void *b)
{
	const struct ranked_port *x = a, *y = b;
	if (x->freq != y->freq)
		return x->freq < y->freq ? 1 : -1;
	return (x->line > y->line) - (x->line < y->line);
}

/* The ports of proto in nmap-services ("name port/proto frequency ..."), most open first.
 * Returns the count, or -1 when the file cannot be read. */
static long read_services(const char *path, uint8_t proto, struct ranked_port **out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	struct ranked_port *v = NULL;
	size_t n = 0, cap = 0, lineno = 0;
	char line[512], name[128], proto_name_buf[8];
	unsigned port;
	double freq;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (sscanf(line, "%127s %u/%7s %lf", name, &port, proto_name_buf, &freq) != 4 ||
		    name[0] == '#' || port < 1 || port > 65535 ||
		    strcmp(proto_name_buf, proto_name(proto)) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			struct ranked_port *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				fclose(f);
				return -1;
			}
			v = nv;
		}
		v[n++] = (struct ranked_port){freq, (uint16_t)port, lineno};
	}
	fclose(f);
	qsort(v, n, sizeof *v, by_frequency);
	*out = v;
	return (long)n;
}

int portlist_add_top_from(struct portlist *out, unsigned n, uint8_t proto,
			  const char *services_path, struct errbuf *e)
{
	struct ranked_port *ranked = NULL;
	long avail = services_path ? read_services(services_path, proto, &ranked) : -1;
	if (avail < 0)
		return portlist_add_top(out, n, proto, e);
	int rc = 0;
	if (n < 1 || (long)n > avail)
		rc = err_set(e, "invalid --top-ports %u: %s has 1-%ld %s ports", n, services_path,
			     avail, proto_name(proto));
	for (unsigned i = 0; rc == 0 && i < n; i++)
		if (portlist_add(out, proto, ranked[i].port) < 0)
			rc = err_set(e, "out of memory");
	free(ranked);
	if (rc == 0)
		portlist_normalize(out);
	return rc;
}
