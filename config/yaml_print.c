/* --print-config: the effective configuration as a YAML config file. Every key is printed,
 * defaults included, so the output is a complete record of the scan; an option that is
 * unset (no value, or a default outside its own bounds such as --top-ports 0) prints as
 * null, which the loader reads back as "the default". Strings are always double-quoted
 * with YAML escapes, so colons, '#', leading dashes, quotes and newlines survive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/option_table.h"

/* Decodes one UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF); returns its
 * length, or 0 when s does not start with one. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len;
	uint32_t min;
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, min = 0x80, *cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, min = 0x800, *cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return len;
}

/* Characters that stand for themselves inside double quotes: what libyaml's reader
 * accepts (YAML 1.1 §5.1) minus the line breaks YAML 1.1 folds (NEL, U+2028, U+2029)
 * and the byte-order mark. The rest are written as escapes. */
static bool yaml_printable(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA0 && cp <= 0xD7FF && cp != 0x2028 &&
					      cp != 0x2029) ||
	       (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

static int print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);
		if (len == 0)
			return -1;
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp == '\r')
			fputs("\\r", out);
		else if (yaml_printable(cp))
			fwrite(p, 1, len, out);
		else if (cp <= 0xFF)
			fprintf(out, "\\x%02X", (unsigned)cp);
		else if (cp <= 0xFFFF)
			fprintf(out, "\\u%04X", (unsigned)cp);
		else
			fprintf(out, "\\U%08X", (unsigned)cp);
		p += len;
	}
	fputc('"', out);
	return 0;
}

static int print_list(FILE *out, const char *const *v, size_t n)
{
	if (n == 0) {
		fputs(" []\n", out);
		return 0;
	}
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		fputs("  - ", out);
		if (print_string(out, v[i]) < 0)
			return -1;
		fputc('\n', out);
	}
	return 0;
}

static const void *cfield(const struct orbit_config *cfg, size_t offset)
{
	return (const char *)cfg + offset;
}

/* Unset: a numeric option whose value is the default and the default is not a value the
 * option accepts (0 for --top-ports, --max-targets), or a value never given (--seed). */
static bool number_unset(const struct orbit_config *cfg, const struct option_spec *o,
			 uint64_t v)
{
	if (o->set_offset != OPTION_NOSET)
		return !*(const bool *)cfield(cfg, o->set_offset);
	struct orbit_config defaults;
	config_init(&defaults);
	uint64_t d = o->kind == OPT_UINT || o->kind == OPT_MS
			     ? *(const unsigned *)cfield(&defaults, o->offset)
					 : *(const uint64_t *)cfield(&defaults, o->offset);
	return v == d && (d < o->min || d > o->max);
}

static int print_option(FILE *out, const struct orbit_config *cfg, const struct option_spec *o)
{
	fprintf(out, "%s:", o->name);
	switch (o->kind) {
	case OPT_FLAG:
		fprintf(out, " %s\n", *(const bool *)cfield(cfg, o->offset) ? "true" : "false");
		return 0;
	case OPT_STRING: {
		const char *s = *(const char *const *)cfield(cfg, o->offset);
		if (!s) {
			fputs(" null\n", out);
			return 0;
		}
		fputc(' ', out);
		int rc = print_string(out, s);
		fputc('\n', out);
		return rc;
	}
	case OPT_UINT:
	case OPT_MS:
	case OPT_U64:
	case OPT_SI: {
		uint64_t v = o->kind == OPT_UINT || o->kind == OPT_MS
				     ? *(const unsigned *)cfield(cfg, o->offset)
						 : *(const uint64_t *)cfield(cfg, o->offset);
		if (number_unset(cfg, o, v))
			fputs(" null\n", out);
		else
			fprintf(out, " %llu\n", (unsigned long long)v);
		return 0;
	}
	case OPT_LIST: {
		const struct str_list *l = cfield(cfg, o->offset);
		return print_list(out, l->v, l->n);
	}
	}
	return 0;
}

int config_print_yaml(const struct orbit_config *cfg, FILE *out, struct errbuf *e)
{
	/* Into memory first: a string that cannot be printed must not leave half a file. */
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return err_set(e, "out of memory");
	fprintf(mem, "# orbit %s: the effective configuration. Load it with orbit -c FILE;\n"
		     "# null means the option's default (unset).\n",
		ORBIT_VERSION);
	fputs(CONFIG_TARGETS_KEY ":", mem);
	int rc = print_list(mem, cfg->targets, cfg->ntargets);
	if (rc < 0)
		err_set(e, "cannot print the config as YAML: a target is not valid UTF-8");
	for (size_t i = 0; rc == 0 && i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		if (o->cli_only || option_canonical(o) != o)
			continue;
		const char *title = option_section_starting_at(o);
		if (title)
			fprintf(mem, "\n# %s\n", title);
		if (print_option(mem, cfg, o) < 0)
			rc = err_set(e, "cannot print the config as YAML: the value of --%s is not "
					"valid UTF-8", o->name);
	}
	if (fclose(mem) != 0 && rc == 0)
		rc = err_set(e, "out of memory");
	if (rc == 0 && fwrite(text, 1, len, out) != len)
		rc = err_set(e, "cannot write the config");
	free(text);
	return rc;
}
