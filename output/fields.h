/* The result fields by name: one table that CSV columns, -f selections, --list-fields,
 * field-selected NDJSON and --output-filter all read, so a field has one name, one type
 * and one meaning everywhere (the names are NDJSON's, output/ndjson.h).
 * Contract: result_field_get() fills a value for one result and says whether the field
 * applies to it (an RST has no mss; ICMP results have no port); it allocates nothing and
 * is safe from any thread. New fields (banners, versions) are new rows of the table. */
#ifndef ORBIT_OUTPUT_FIELDS_H
#define ORBIT_OUTPUT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"
#include "core/base/result.h"

struct service_names;
struct osfp_db;

enum field_type {
	FIELD_NUMBER, /* unsigned integer */
	FIELD_STRING,
	FIELD_ADDRESS, /* IPv4, compared as a number, printed dotted */
	FIELD_BOOL,
};

struct field_value {
	uint64_t num;    /* NUMBER, ADDRESS (host order), BOOL (0/1) */
	const char *str; /* STRING: points into static text, the service table or text[] */
	char text[128];  /* room for a formatted string value (time, os_sig) */
};

/* What field getters may look at besides the result. */
struct field_env {
	const struct service_names *services; /* NULL: no service names */
	const struct osfp_db *osfp;           /* NULL: no os, os_class, os_confidence */
	unsigned osfp_profile;                /* the scan's SYN options (enum osfp_profile) */
};

struct result_field {
	const char *name;
	enum field_type type;
	const char *description;
	bool (*get)(const struct scan_result *r, const struct field_env *env, struct field_value *v);
};

extern const struct result_field result_fields[];
extern const size_t result_field_count;

const struct result_field *result_field_find(const char *name, size_t len);

/* Writes the value as text (numbers decimal, addresses dotted, bools true/false). Returns
 * the length written (snprintf rules: may be >= cap when it did not fit). */
int field_value_format(const struct result_field *f, const struct field_value *v, char *buf,
		       size_t cap);

/* --list-fields: one line per field, name, type and description. */
void result_fields_print(FILE *out);

/* A parsed -f list. Errors name the unknown field. */
#define FIELD_SELECTION_MAX 64
struct field_selection {
	const struct result_field *v[FIELD_SELECTION_MAX];
	size_t n;
};
int field_selection_parse(struct field_selection *sel, const char *list, struct errbuf *e);

#endif
