#include "targets/ports.h"

#include "core/base/result.h"

#include <ctype.h>
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
