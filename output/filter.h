/* --output-filter: a small boolean expression over result fields, parsed once, evaluated
 * per result.
 *   expr  := and ( "||" and )*          and := unary ( "&&" unary )*
 *   unary := "!" unary | "(" expr ")" | FIELD OP VALUE
 *   OP    := = == != < > <= >=
 *   VALUE := number | "text" | 'text' | word      (word: letters, digits, . _ : - and a
 *            single | as in open|filtered)
 * FIELD is any name of output/fields.h. Values are checked against the field's type when
 * parsed: numbers for numeric fields, dotted IPv4 for addresses (compared numerically, so
 * `addr >= 198.18.1.10` works), true/false or 0/1 for bools, and for state, proto and
 * reason one of the names orbit prints (a typo is an error, not an empty output).
 * A field that does not apply to a result (an RST's mss) makes its comparison false,
 * except `!=`, which is true. Contract: output_filter_parse() returns NULL with a one-line
 * message naming the 1-based position of the problem; output_filter_match() allocates
 * nothing, touches no shared state and is safe from any thread. */
#ifndef ORBIT_OUTPUT_FILTER_H
#define ORBIT_OUTPUT_FILTER_H

#include <stdbool.h>

#include "core/base/error.h"
#include "output/fields.h"
#include "core/base/result.h"

struct output_filter;

struct output_filter *output_filter_parse(const char *expr, struct errbuf *e);
bool output_filter_match(const struct output_filter *f, const struct scan_result *r,
			 const struct field_env *env);
void output_filter_free(struct output_filter *f);

#endif
