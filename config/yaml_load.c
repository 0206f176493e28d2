/* YAML config files: one mapping from long option names (and "targets") to values, read
 * with libyaml's document API and applied through the same option_apply() as the command
 * line, so a file accepts exactly what the flags accept. Every error carries the libyaml
 * mark (file:line:column, counted from 1) of the key or value at fault. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config.h"
#include "config/option_table.h"

struct yaml_source {
	const char *name; /* for messages */
	const char *text;
	size_t len;
};

/* A new message at name:line:column (lines and columns counted from 1). */
__attribute__((format(printf, 4, 5))) static int err_at(struct errbuf *e,
						       const struct yaml_source *src,
						       yaml_mark_t mark, const char *fmt, ...)
{
	char msg[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, "%s:%lu:%lu: %s", src->name, (unsigned long)mark.line + 1,
		       (unsigned long)mark.column + 1, msg);
}

/* Puts name:line:column in front of the message already in e (from option_apply). */
static int locate(struct errbuf *e, const struct yaml_source *src, yaml_mark_t mark)
{
	char msg[sizeof e->msg];
	snprintf(msg, sizeof msg, "%s", e->msg);
	return err_at(e, src, mark, "%s", msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool plain_is(const yaml_node_t *n, const char *const *words)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (; *words; words++)
		if (strcmp(scalar(n), *words) == 0)
			return true;
	return false;
}

/* YAML's core schema: what an unquoted null and boolean look like (plus YAML 1.1's
 * yes/no/on/off for booleans, which other tools still write). */
static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					 "on", "On", "ON", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", "no", "No", "NO",
					  "off", "Off", "OFF", NULL};
static const char *const strict_bool_words[] = {"true", "True", "TRUE", "false", "False",
						"FALSE", NULL};

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* The value of a scalar node as a string owned by cfg; NULL (with e set) for a string
 * holding a NUL, which no option can take. */
static const char *keep_scalar(struct orbit_config *cfg, const struct yaml_source *src,
			       const yaml_node_t *n, const char *key, struct errbuf *e)
{
	size_t len = n->data.scalar.length;
	if (memchr(scalar(n), '\0', len)) {
		err_at(e, src, n->start_mark, "value of key '%s' holds a NUL character", key);
		return NULL;
	}
	const char *s = config_keep_string(cfg, scalar(n), len);
	if (!s)
		err_set(e, "out of memory");
	return s;
}

/* A string item of a list or a string option: any scalar but a null, and not an unquoted
 * boolean (status-file: true is a mistake, not a file named "true"). */
static int check_string_node(const struct yaml_source *src, const yaml_node_t *n,
			     const char *key, const char *what, struct errbuf *e)
{
	if (n->type != YAML_SCALAR_NODE)
		return err_at(e, src, n->start_mark, "wrong type for key '%s': expected %s, got %s",
			      key, what, node_kind(n));
	if (plain_is(n, null_words))
		return err_at(e, src, n->start_mark, "wrong type for key '%s': expected %s, got null",
			      key, what);
	if (plain_is(n, strict_bool_words))
		return err_at(e, src, n->start_mark,
			      "wrong type for key '%s': expected %s, got the boolean '%s'", key, what,
			      scalar(n));
	return 0;
}

/* A list value: a sequence of strings, or one string. add() takes each item. */
static int load_list(struct orbit_config *cfg, const struct yaml_source *src,
		     yaml_document_t *doc, const yaml_node_t *value, const char *key,
		     const char *what,
		     int (*add)(struct orbit_config *, const void *, const char *, struct errbuf *),
		     const void *ctx, struct errbuf *e)
{
	yaml_node_item_t *first = NULL, *last = NULL;
	if (value->type == YAML_SEQUENCE_NODE) {
		first = value->data.sequence.items.start;
		last = value->data.sequence.items.top;
	}
	if (!first) {
		if (value->type == YAML_SEQUENCE_NODE)
			return 0; /* [] */
		if (check_string_node(src, value, key, what, e) < 0)
			return -1;
		const char *s = keep_scalar(cfg, src, value, key, e);
		if (!s || add(cfg, ctx, s, e) < 0)
			return s ? locate(e, src, value->start_mark) : -1;
		return 0;
	}
	for (yaml_node_item_t *it = first; it < last; it++) {
		const yaml_node_t *item = yaml_document_get_node(doc, *it);
		if (check_string_node(src, item, key, what, e) < 0)
			return -1;
		const char *s = keep_scalar(cfg, src, item, key, e);
		if (!s || add(cfg, ctx, s, e) < 0)
			return s ? locate(e, src, item->start_mark) : -1;
	}
	return 0;
}

static int add_target(struct orbit_config *cfg, const void *ctx, const char *s, struct errbuf *e)
{
	(void)ctx;
	return config_add_target(cfg, s) < 0 ? err_set(e, "out of memory") : 0;
}

static int add_list_item(struct orbit_config *cfg, const void *ctx, const char *s,
			 struct errbuf *e)
{
	const struct option_spec *o = ctx;
	char label[80];
	snprintf(label, sizeof label, "key '%s'", o->name);
	return option_apply(cfg, o, s, label, e);
}

static int load_option(struct orbit_config *cfg, const struct yaml_source *src,
		       yaml_document_t *doc, const struct option_spec *o, const yaml_node_t *value,
		       struct errbuf *e)
{
	if (plain_is(value, null_words)) {
		option_reset(cfg, o);
		return 0;
	}
	switch (o->kind) {
	case OPT_FLAG:
		if (plain_is(value, true_words))
			*(bool *)((char *)cfg + o->offset) = true;
		else if (plain_is(value, false_words))
			*(bool *)((char *)cfg + o->offset) = false;
		else if (value->type == YAML_SCALAR_NODE &&
			 value->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return err_at(e, src, value->start_mark,
				      "wrong type for key '%s': expected true or false, got the "
				      "quoted string '%s'", o->name, scalar(value));
		else if (value->type == YAML_SCALAR_NODE)
			return err_at(e, src, value->start_mark,
				      "invalid value '%s' for key '%s': expected true or false",
				      scalar(value), o->name);
		else
			return err_at(e, src, value->start_mark,
				      "wrong type for key '%s': expected true or false, got %s", o->name,
				      node_kind(value));
		return 0;
	case OPT_LIST:
		((struct str_list *)((char *)cfg + o->offset))->n = 0;
		return load_list(cfg, src, doc, value, o->name, o->arg, add_list_item, o, e);
	case OPT_STRING:
		if (check_string_node(src, value, o->name, o->arg, e) < 0)
			return -1;
		break;
	case OPT_UINT:
	case OPT_MS:
	case OPT_U64:
	case OPT_SI:
		if (value->type != YAML_SCALAR_NODE)
			return err_at(e, src, value->start_mark,
				      "wrong type for key '%s': expected a number, got %s", o->name,
				      node_kind(value));
		break;
	}
	const char *s = keep_scalar(cfg, src, value, o->name, e);
	if (!s)
		return -1;
	char label[80];
	snprintf(label, sizeof label, "key '%s'", o->name);
	if (option_apply(cfg, o, s, label, e) < 0)
		return locate(e, src, value->start_mark);
	return 0;
}

/* "unknown key 'sS'" is more use with the name it should have been. */
static int unknown_key(const struct yaml_source *src, const yaml_node_t *key, struct errbuf *e)
{
	const char *k = scalar(key);
	const char *bare = k + strspn(k, "-");
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		bool alias = o->nmap_alias && strcmp(o->nmap_alias + 1, bare) == 0;
		bool letter = o->short_name && bare[0] == o->short_name && bare[1] == '\0';
		if (strcmp(o->name, bare) == 0 && bare != k)
			return err_at(e, src, key->start_mark,
				      "unknown key '%s': keys are option names without dashes ('%s')",
				      k, o->name);
		if ((alias || letter) && !o->cli_only)
			return err_at(e, src, key->start_mark,
				      "unknown key '%s': the key for %s%s is '%s'", k,
				      alias ? "" : "-", alias ? o->nmap_alias : bare, o->name);
	}
	return err_at(e, src, key->start_mark, "unknown key '%s'", k);
}

static int load_mapping(struct orbit_config *cfg, const struct yaml_source *src,
			yaml_document_t *doc, const yaml_node_t *root, struct errbuf *e)
{
	/* Where each setting was first given: a second key for the same field (twice the
	 * same key, or rate and max-rate) is an error, not a silent override. One slot per
	 * table entry, and one for the targets. */
	const size_t targets_slot = option_count;
	yaml_mark_t *seen_at = calloc(option_count + 1, sizeof *seen_at);
	const char **seen_as = calloc(option_count + 1, sizeof *seen_as);
	int rc = seen_at && seen_as ? 0 : err_set(e, "out of memory");

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yaml_document_get_node(doc, p->key);
		const yaml_node_t *value = yaml_document_get_node(doc, p->value);
		if (key->type != YAML_SCALAR_NODE) {
			rc = err_at(e, src, key->start_mark, "a key must be an option name, not %s",
				    node_kind(key));
			break;
		}
		const char *k = scalar(key);
		const struct option_spec *o = NULL;
		size_t slot = targets_slot;
		if (strcmp(k, CONFIG_TARGETS_KEY) != 0) {
			o = option_by_name(k);
			if (!o) {
				rc = unknown_key(src, key, e);
				break;
			}
			if (o->cli_only) {
				rc = err_at(e, src, key->start_mark,
					    "key '%s': --%s is a command-line action, not a "
					    "config-file setting", k, k);
				break;
			}
			slot = (size_t)(option_canonical(o) - option_table);
		}
		if (seen_as[slot]) {
			if (strcmp(seen_as[slot], k) == 0)
				rc = err_at(e, src, key->start_mark,
					    "duplicate key '%s' (first at line %lu)", k,
					    (unsigned long)seen_at[slot].line + 1);
			else
				rc = err_at(e, src, key->start_mark,
					    "key '%s' sets the same option as '%s' at line %lu", k,
					    seen_as[slot], (unsigned long)seen_at[slot].line + 1);
			break;
		}
		seen_as[slot] = k;
		seen_at[slot] = key->start_mark;
		if (!o) {
			cfg->ntargets = 0;
			rc = plain_is(value, null_words)
				     ? 0
				     : load_list(cfg, src, doc, value, k, "a target", add_target,
						 NULL, e);
		} else {
			rc = load_option(cfg, src, doc, o, value, e);
		}
	}
	free(seen_at);
	free(seen_as);
	return rc;
}

/* libyaml's reader reports a byte offset, not a mark: count lines up to it. */
static yaml_mark_t mark_of_offset(const struct yaml_source *src, size_t offset)
{
	yaml_mark_t m = {0};
	for (size_t i = 0; i < offset && i < src->len; i++) {
		if (src->text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)src->text[i] & 0xC0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static int syntax_error(const struct yaml_source *src, const yaml_parser_t *parser,
			struct errbuf *e)
{
	const char *problem = parser->problem ? parser->problem : "unreadable YAML";
	if (parser->error == YAML_READER_ERROR)
		return err_at(e, src, mark_of_offset(src, parser->problem_offset),
			      "not a valid YAML text: %s", problem);
	if (parser->context)
		return err_at(e, src, parser->problem_mark, "YAML syntax error: %s %s", problem,
			      parser->context);
	return err_at(e, src, parser->problem_mark, "YAML syntax error: %s", problem);
}

static int load_yaml(struct orbit_config *cfg, const char *name, const char *text, size_t len,
		     struct errbuf *e);

int config_load_yaml_string(struct orbit_config *cfg, const char *name, const char *text,
			    size_t len, struct errbuf *e)
{
	if (load_yaml(cfg, name, text, len, e) == 0)
		return 0;
	config_error_one_line(e);
	return -1;
}

static int load_yaml(struct orbit_config *cfg, const char *name, const char *text, size_t len,
		     struct errbuf *e)
{
	const struct yaml_source src = {name, text, len};
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return err_set(e, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		rc = syntax_error(&src, &parser, e);
		yaml_parser_delete(&parser);
		return rc;
	}
	const yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		/* An empty file: no settings. */
	} else if (root->type != YAML_MAPPING_NODE && !plain_is(root, null_words)) {
		rc = err_at(e, &src, root->start_mark,
			    "expected a mapping of option names to values, got %s", node_kind(root));
	} else if (root->type == YAML_MAPPING_NODE) {
		rc = load_mapping(cfg, &src, &doc, root, e);
	}
	yaml_document_delete(&doc);
	if (rc == 0 && root) {
		/* One document per file: a second one would be silently ignored otherwise. */
		yaml_document_t next;
		if (!yaml_parser_load(&parser, &next)) {
			rc = syntax_error(&src, &parser, e);
		} else {
			const yaml_node_t *again = yaml_document_get_root_node(&next);
			if (again)
				rc = err_at(e, &src, again->start_mark,
					    "a second YAML document: a config file holds one");
			yaml_document_delete(&next);
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

int config_load_yaml_file(struct orbit_config *cfg, const char *path, struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, "cannot read config file '%s': %s", path, strerror(errno));
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			char *grown = realloc(text, cap);
			if (!grown) {
				rc = err_set(e, "out of memory reading '%s'", path);
				break;
			}
			text = grown;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				rc = err_set(e, "cannot read config file '%s': %s", path,
					     strerror(errno));
			break;
		}
	}
	fclose(f);
	if (rc == 0)
		rc = config_load_yaml_string(cfg, path, text ? text : "", len, e);
	free(text);
	return rc;
}
