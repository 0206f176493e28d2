#include "output/script_fmt.h"

#include <stdbool.h>
#include <string.h>

#include "core/base/script_result.h"
#include "output/json.h"

/* ---- text ------------------------------------------------------------------------ */

/* A line as nmap prints it: bytes that are not printable (CR, other controls, DEL) as
 * \xHH, so a report stays one line per line. */
static void text_line(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			fprintf(f, "\\x%02X", c);
		else
			fputc(c, f);
	}
}

/* nmap's lines: every line but the last starts "| ", the last "|_". */
static void text_one(FILE *f, const char *id, const char *out)
{
	const char *line = out;
	bool first = true;
	for (;;) {
		const char *nl = strchr(line, '\n');
		/* A final line break ends the last line; it does not start an empty one. */
		bool last = nl == NULL || nl[1] == 0;
		fputs(last ? "|_" : "| ", f);
		if (first)
			fprintf(f, "%s: ", id);
		first = false;
		text_line(f, line, nl ? (size_t)(nl - line) : strlen(line));
		fputc('\n', f);
		if (last)
			break;
		line = nl + 1;
	}
}

void script_text_write(FILE *f, const char *blob)
{
	struct script_token t;
	for (const char *p = script_blob_next(blob, &t); p; p = script_blob_next(p, &t))
		if (t.tag == SCRIPT_TAG_SCRIPT)
			text_one(f, t.a, t.b);
}

/* ---- XML ------------------------------------------------------------------------- */

/* Attribute and text escaping as nmap writes it: markup characters as entities, line
 * breaks and tabs as character references, other control bytes dropped. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#xa;", f); break;
		case '\r': fputs("&#xd;", f); break;
		case '\t': fputs("&#x9;", f); break;
		default:
			if (c >= 0x20 && c != 0x7f)
				fputc(c, f);
		}
	}
}

static void xml_open(FILE *f, const char *name, const char *key)
{
	fprintf(f, "<%s", name);
	if (*key) {
		fputs(" key=\"", f);
		xml_text(f, key);
		fputc('"', f);
	}
	fputc('>', f);
}

void script_xml_write(FILE *f, const char *blob)
{
	struct script_token t;
	bool open = false, children = false;
	for (const char *p = script_blob_next(blob, &t); p; p = script_blob_next(p, &t)) {
		switch (t.tag) {
		case SCRIPT_TAG_SCRIPT:
			fputs("<script id=\"", f);
			xml_text(f, t.a);
			fputs("\" output=\"", f);
			xml_text(f, t.b);
			fputc('"', f);
			open = true;
			children = false;
			break;
		case SCRIPT_TAG_ELEM:
		case SCRIPT_TAG_TABLE:
			if (open && !children)
				fputc('>', f);
			children = true;
			if (t.tag == SCRIPT_TAG_TABLE) {
				xml_open(f, "table", t.a);
				fputc('\n', f);
			} else {
				xml_open(f, "elem", t.a);
				xml_text(f, t.b);
				fputs("</elem>\n", f);
			}
			break;
		case SCRIPT_TAG_UNTABLE:
			fputs("</table>\n", f);
			break;
		case SCRIPT_TAG_DONE:
			fputs(children ? "</script>" : "/>", f);
			open = false;
			break;
		default:
			return;
		}
	}
}

/* ---- NDJSON ---------------------------------------------------------------------- */

/* Whether the table starting after p (at its first child) has keys on all its direct
 * children: then it is a JSON object. */
static bool table_keyed(const char *p)
{
	struct script_token t;
	int depth = 0;
	bool any = false;
	for (; (p = script_blob_next(p, &t)) != NULL;) {
		if (t.tag == SCRIPT_TAG_UNTABLE || t.tag == SCRIPT_TAG_DONE) {
			if (depth-- == 0)
				return any;
			continue;
		}
		if (depth == 0) {
			if (!*t.a)
				return false;
			any = true;
		}
		if (t.tag == SCRIPT_TAG_TABLE)
			depth++;
	}
	return any;
}

/* Writes the children of one table (or of the script's top level) up to its end. */
static const char *json_children(struct json *j, const char *p, bool keyed)
{
	struct script_token t;
	const char *next;
	for (; (next = script_blob_next(p, &t)) != NULL; p = next) {
		if (t.tag == SCRIPT_TAG_UNTABLE || t.tag == SCRIPT_TAG_DONE)
			return next;
		if (keyed)
			json_key(j, t.a);
		if (t.tag == SCRIPT_TAG_ELEM) {
			json_cstring(j, t.b);
			continue;
		}
		bool sub = table_keyed(next);
		sub ? json_object_begin(j) : json_array_begin(j);
		next = json_children(j, next, sub);
		sub ? json_object_end(j) : json_array_end(j);
		if (!next)
			return NULL;
	}
	return NULL;
}

size_t script_json_splice(char *buf, size_t len, size_t cap, const char *blob)
{
	if (len < 2 || buf[len - 1] != '\n' || buf[len - 2] != '}')
		return 0;
	struct json j;
	json_init(&j, buf + len - 2, cap - (len - 2));
	json_append(&j, ",\"scripts\":", 11);
	json_object_begin(&j);
	struct script_token t;
	const char *p = script_blob_next(blob, &t);
	while (p && t.tag == SCRIPT_TAG_SCRIPT) {
		json_key(&j, t.a);
		json_object_begin(&j);
		json_key(&j, "output");
		json_cstring(&j, t.b);
		bool keyed = table_keyed(p);
		struct script_token first;
		if (script_blob_next(p, &first) && first.tag != SCRIPT_TAG_DONE) {
			json_key(&j, "elements");
			keyed ? json_object_begin(&j) : json_array_begin(&j);
			p = json_children(&j, p, keyed);
			keyed ? json_object_end(&j) : json_array_end(&j);
		} else {
			p = script_blob_next(p, &first);
		}
		json_object_end(&j);
		p = script_blob_next(p, &t);
	}
	json_object_end(&j);
	json_append(&j, "}\n", 2);
	size_t n = json_len(&j);
	if (n)
		return len - 2 + n;
	memcpy(buf + len - 2, "}\n", 2); /* too long: the record without its scripts */
	if (len < cap)
		buf[len] = 0;
	return len;
}
