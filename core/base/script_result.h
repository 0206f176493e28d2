/* Script results of one port (or host): what the script engine (core/script/) hands the
 * outputs. One heap block, freed with free(): a flat token stream, so the record stays a
 * plain struct and the writers (text report, XML, NDJSON) walk it without a tree.
 * Contract: a blob is a sequence of tokens, each a tag byte followed by NUL-terminated
 * strings, ended by a NUL tag:
 *   'S' id output    a script's result starts (output: nmap's text of it, may hold '\n')
 *   'E' key value    a leaf of its structured output (key "" when it has none)
 *   'T' key          a table opens (key "" when it has none)
 *   'U'              the innermost table closes
 *   'Z'              the script's result ends
 * and then three NUL bytes (the end tag and two more), so that a reader never passes the
 * end of the block even when the last token is cut short (two strings at most).
 * script_blob_next() returns the position after the token it read, or NULL at the end
 * (or on a malformed blob: the writers then stop, they never read past it). */
#ifndef ORBIT_BASE_SCRIPT_RESULT_H
#define ORBIT_BASE_SCRIPT_RESULT_H

#include <stddef.h>

enum script_tag {
	SCRIPT_TAG_END = 0,
	SCRIPT_TAG_SCRIPT = 'S',
	SCRIPT_TAG_ELEM = 'E',
	SCRIPT_TAG_TABLE = 'T',
	SCRIPT_TAG_UNTABLE = 'U',
	SCRIPT_TAG_DONE = 'Z',
};

struct script_token {
	enum script_tag tag;
	const char *a; /* id or key */
	const char *b; /* output or value */
};

const char *script_blob_next(const char *p, struct script_token *t);

#endif
