#include "output/mac_vendors.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oui {
	uint32_t prefix; /* the MAC's first three bytes */
	const char *name; /* into text */
};

struct mac_vendors {
	char *text; /* the file, lines cut in place */
	struct oui *v;
	size_t n;
};

static int cmp_oui(const void *a, const void *b)
{
	uint32_t x = ((const struct oui *)a)->prefix, y = ((const struct oui *)b)->prefix;
	return x < y ? -1 : x > y;
}

/* "001422 Dell" -> prefix 0x001422, name "Dell"; false for anything else. */
static bool parse_line(char *line, struct oui *out)
{
	uint32_t prefix = 0;
	for (int i = 0; i < 6; i++) {
		int c = (unsigned char)line[i];
		if (!isxdigit(c))
			return false;
		prefix = prefix << 4 | (uint32_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
	}
	if (line[6] != ' ' && line[6] != '\t')
		return false;
	char *name = line + 7;
	while (*name == ' ' || *name == '\t')
		name++;
	size_t len = strlen(name);
	while (len && isspace((unsigned char)name[len - 1]))
		name[--len] = '\0';
	if (!len)
		return false;
	*out = (struct oui){prefix, name};
	return true;
}

static struct mac_vendors *build(char *text)
{
	struct mac_vendors *t = calloc(1, sizeof *t);
	if (!t) {
		free(text);
		return NULL;
	}
	t->text = text;
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	t->v = malloc(lines * sizeof *t->v);
	if (!t->v) {
		mac_vendors_free(t);
		return NULL;
	}
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (line[0] != '#' && parse_line(line, &t->v[t->n]))
			t->n++;
		line = nl ? nl + 1 : NULL;
	}
	qsort(t->v, t->n, sizeof *t->v, cmp_oui);
	return t;
}

struct mac_vendors *mac_vendors_parse(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	return build(copy);
}

struct mac_vendors *mac_vendors_load(const char *path)
{
	FILE *f = fopen(path ? path : MAC_VENDORS_DEFAULT_PATH, "r");
	if (!f)
		return mac_vendors_parse("", 0);
	char *text = NULL;
	size_t len = 0, cap = 0;
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got + 1 > cap) {
			cap = (len + got + 1) * 2;
			char *grown = realloc(text, cap);
			if (!grown) {
				free(text);
				fclose(f);
				return NULL;
			}
			text = grown;
		}
		memcpy(text + len, chunk, got);
		len += got;
	}
	fclose(f);
	if (!text)
		return mac_vendors_parse("", 0);
	text[len] = '\0';
	return build(text);
}

const char *mac_vendor(const struct mac_vendors *t, const uint8_t mac[6])
{
	if (!t || !t->n)
		return NULL;
	struct oui key = {(uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2], NULL};
	const struct oui *hit = bsearch(&key, t->v, t->n, sizeof *t->v, cmp_oui);
	return hit ? hit->name : NULL;
}

size_t mac_vendors_count(const struct mac_vendors *t)
{
	return t ? t->n : 0;
}

void mac_vendors_free(struct mac_vendors *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->text);
	free(t);
}
