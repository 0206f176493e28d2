#include "targets/addrspec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void range_list_free(struct range_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int range_list_push(struct range_list *l, uint32_t first, uint32_t last, const char *name,
			   struct errbuf *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct named_range *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return err_set(e, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return err_set(e, "out of memory");
	l->v[l->n++] = (struct named_range){first, last, copy, 0};
	return 0;
}

int addrspec_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t addr = 0;
	for (int octet = 0; octet < 4; octet++) {
		if (octet > 0 && *s++ != '.')
			return -1;
		if (!isdigit((unsigned char)*s))
			return -1;
		unsigned v = 0, digits = 0;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -1;
		}
		addr = (addr << 8) | v;
	}
	if (*s != '\0')
		return -1;
	*out = addr;
	return 0;
}

void addrspec_format_ipv4(uint32_t addr, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
}

void addrspec_format_range(uint32_t first, uint32_t last, char *buf, size_t len)
{
	char a[16], b[16];
	addrspec_format_ipv4(first, a);
	uint64_t size = (uint64_t)last - first + 1;
	if ((size & (size - 1)) == 0 && (first & (uint32_t)(size - 1)) == 0) {
		int prefix = 32;
		while (size > 1) {
			size >>= 1;
			prefix--;
		}
		snprintf(buf, len, "%s/%d", a, prefix);
		return;
	}
	addrspec_format_ipv4(last, b);
	snprintf(buf, len, "%s-%s", a, b);
}

/* RFC 1123 host name syntax: letters, digits, hyphens; labels of 1-63; at most 253. */
static int looks_like_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;
	if (len == 0 || len > 253)
		return 0;
	int has_alpha = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
		if (isalpha((unsigned char)*p))
			has_alpha = 1;
		if (++label > 63)
			return 0;
	}
	/* All-numeric dotted strings are malformed addresses, not names. */
	return has_alpha;
}

static int resolve_hostname(const char *name, struct range_list *out, struct errbuf *e)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return err_set(e, "cannot resolve hostname '%s': %s", name,
			       rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	int added = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)ai->ai_addr;
		uint32_t a = ntohl(sin->sin_addr.s_addr);
		char label[300], abuf[16];
		addrspec_format_ipv4(a, abuf);
		snprintf(label, sizeof label, "%s (%s)", name, abuf);
		if (range_list_push(out, a, a, label, e) < 0) {
			freeaddrinfo(res);
			return -1;
		}
		out->v[out->n - 1].hostname_len = strlen(name);
		added++;
	}
	freeaddrinfo(res);
	if (!added)
		return err_set(e, "cannot resolve hostname '%s': no IPv4 address", name);
	return 0;
}

int addrspec_parse(const char *spec, unsigned flags, struct range_list *out, struct errbuf *e)
{
	char buf[256];
	size_t len = strlen(spec);
	if (len == 0)
		return err_set(e, "empty target");
	if (len >= sizeof buf)
		return err_set(e, "invalid target '%.40s...': too long", spec);
	memcpy(buf, spec, len + 1);

	char *slash = strchr(buf, '/');
	char *dash = strchr(buf, '-');
	uint32_t first, last;
	if (slash) {
		*slash = '\0';
		char *end;
		errno = 0;
		long prefix = strtol(slash + 1, &end, 10);
		if (addrspec_parse_ipv4(buf, &first) < 0)
			return err_set(e, "invalid target '%s': '%s' is not an IPv4 address", spec, buf);
		if (slash[1] == '\0' || *end != '\0' || !isdigit((unsigned char)slash[1]) ||
		    prefix < 0 || prefix > 32)
			return err_set(e, "invalid target '%s': prefix length must be 0-32", spec);
		uint32_t mask = prefix == 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
		first &= mask;
		last = first | ~mask;
	} else if (dash && !looks_like_hostname(buf)) {
		*dash = '\0';
		if (addrspec_parse_ipv4(buf, &first) < 0)
			return err_set(e, "invalid target '%s': '%s' is not an IPv4 address", spec, buf);
		if (dash[1] == '\0')
			return err_set(e, "invalid target '%s': range has no end address", spec);
		if (addrspec_parse_ipv4(dash + 1, &last) < 0)
			return err_set(e, "invalid target '%s': '%s' is not an IPv4 address", spec,
				       dash + 1);
		if (last < first)
			return err_set(e, "invalid target '%s': range ends before it starts", spec);
	} else if (addrspec_parse_ipv4(buf, &first) == 0) {
		last = first;
	} else if (looks_like_hostname(buf)) {
		if (!(flags & ADDRSPEC_ALLOW_HOSTNAMES))
			return err_set(e, "invalid address '%s': hostnames are not allowed here", spec);
		return resolve_hostname(buf, out, e);
	} else if (strspn(buf, "0123456789.") == len) {
		return err_set(e, "invalid target '%s': not a valid IPv4 address", spec);
	} else {
		return err_set(e, "invalid target '%s': not an address, CIDR, range or hostname", spec);
	}
	return range_list_push(out, first, last, spec, e);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Parses one line; name_hint is the line's comment, used as the range's name. */
static int parse_line(char *line, const char *origin, size_t lineno, unsigned flags,
		      struct range_list *out, struct errbuf *e)
{
	char *comment = strchr(line, '#');
	if (comment)
		*comment++ = '\0';
	char *spec = trim(line);
	if (*spec == '\0')
		return 0;
	size_t before = out->n;
	struct errbuf inner;
	if (addrspec_parse(spec, flags, out, &inner) < 0)
		return err_set(e, "%s:%zu: %s", origin, lineno, inner.msg);
	if (comment && *trim(comment)) {
		for (size_t i = before; i < out->n; i++) {
			char label[512];
			snprintf(label, sizeof label, "%s (%s)", out->v[i].name, trim(comment));
			char *copy = strdup(label);
			if (!copy)
				return err_set(e, "out of memory");
			free(out->v[i].name);
			out->v[i].name = copy;
		}
	}
	return 0;
}

int addrspec_parse_text(const char *text, const char *origin, unsigned flags,
			struct range_list *out, struct errbuf *e)
{
	size_t lineno = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char line[1024];
		lineno++;
		if (len >= sizeof line)
			return err_set(e, "%s:%zu: line too long", origin, lineno);
		memcpy(line, text, len);
		line[len] = '\0';
		if (parse_line(line, origin, lineno, flags, out, e) < 0)
			return -1;
		text += nl ? len + 1 : len;
	}
	return 0;
}

int addrspec_parse_file(const char *path, const char *what, unsigned flags, int allow_empty,
			struct range_list *out, struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, "cannot open %s '%s': %s", what, path, strerror(errno));
	char *line = NULL;
	size_t cap = 0, lineno = 0, before = out->n;
	ssize_t len;
	int rc = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)len))
			rc = err_set(e, "%s:%zu: %s '%s' holds binary data, not text", path, lineno,
				     what, path);
		else
			rc = parse_line(line, path, lineno, flags, out, e);
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, "cannot read %s '%s': %s", what, path, strerror(errno));
	free(line);
	fclose(f);
	if (rc == 0 && out->n == before && !allow_empty)
		rc = err_set(e, "%s '%s' names no addresses", what, path);
	return rc;
}
