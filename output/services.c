#include "output/services.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names live in one growing blob; the table holds offsets into it (0 = no name), so the
 * whole thing is two allocations and 512 KiB of offsets however many names there are. */
struct service_names {
	uint32_t offset[2][65536]; /* [0] TCP, [1] UDP */
	float freq[2][65536];      /* open frequency of the name chosen (nmap-services) */
	char *blob;
	size_t len, cap;
	char *source;
};

static const char *const default_paths[] = {
	"/usr/share/nmap/nmap-services",
	"/etc/services",
	NULL,
};

static int proto_slot(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : -1;
}

static uint32_t blob_add(struct service_names *s, const char *name, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *b = realloc(s->blob, cap);
		if (!b)
			return 0;
		s->blob = b;
		s->cap = cap;
	}
	uint32_t off = (uint32_t)s->len;
	memcpy(s->blob + s->len, name, n);
	s->blob[s->len + n] = '\0';
	s->len += n + 1;
	return off;
}

static size_t word_len(const char *p)
{
	return strcspn(p, " \t\r\n#");
}

static const char *next_word(const char *p)
{
	p += word_len(p);
	return p + strspn(p, " \t\r\n");
}

/* One line of either format: "name port/proto [freq|aliases...] [# comment]". By hand,
 * not sscanf: nmap-services has 27k lines, read at every start. */
static void parse_line(struct service_names *s, const char *line)
{
	const char *name = line + strspn(line, " \t");
	size_t name_len = word_len(name);
	const char *pp = next_word(name);
	if (!name_len || !isdigit((unsigned char)*pp))
		return;
	char *end;
	unsigned long port = strtoul(pp, &end, 10);
	if (port > 65535 || *end != '/')
		return;
	const char *proto = end + 1;
	size_t proto_len = word_len(proto);
	int slot = proto_len == 3 && memcmp(proto, "tcp", 3) == 0   ? 0
		   : proto_len == 3 && memcmp(proto, "udp", 3) == 0 ? 1
								    : -1;
	if (slot < 0 || (name_len == 7 && memcmp(name, "unknown", 7) == 0))
		return;
	/* nmap-services' third column is the open frequency; /etc/services has aliases
	 * there, which read as 0 and so keep the file's first name for the port. */
	const char *third = next_word(proto);
	float freq = *third && *third != '#' ? strtof(third, NULL) : 0;
	if (s->offset[slot][port] && freq <= s->freq[slot][port])
		return;
	uint32_t off = blob_add(s, name, name_len);
	if (off) {
		s->offset[slot][port] = off;
		s->freq[slot][port] = freq;
	}
}

struct service_names *service_names_load(const char *const *paths)
{
	struct service_names *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (!blob_add(s, "", 0) && !s->blob) { /* offset 0 is "no name" */
		free(s);
		return NULL;
	}
	for (const char *const *p = paths ? paths : default_paths; *p; p++) {
		FILE *f = fopen(*p, "r");
		if (!f)
			continue;
		char line[1024];
		while (fgets(line, sizeof line, f))
			parse_line(s, line);
		fclose(f);
		s->source = strdup(*p);
		break;
	}
	return s;
}

const char *service_name(const struct service_names *s, uint8_t proto, uint16_t port)
{
	int slot = proto_slot(proto);
	if (!s || slot < 0 || !s->offset[slot][port])
		return NULL;
	return s->blob + s->offset[slot][port];
}

const char *service_names_source(const struct service_names *s)
{
	return s ? s->source : NULL;
}

void service_names_free(struct service_names *s)
{
	if (!s)
		return;
	free(s->blob);
	free(s->source);
	free(s);
}
