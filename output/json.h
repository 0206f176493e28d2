/* The one JSON writer of orbit: appends to a caller's buffer (no allocation), tracks
 * commas, and escapes every string with one policy (RFC 8259):
 *   - '"' and '\' as \" and \\; \n, \r, \t as themselves escaped; every other control
 *     character (U+0000..U+001F) and DEL as \u00XX;
 *   - valid UTF-8 is copied as is; each byte that is not part of a valid UTF-8 sequence
 *     (binary banners, a Latin-1 file name) becomes \u00XX, the code point of its Latin-1
 *     reading: the output is always valid UTF-8 and no byte is lost silently.
 * Contract: a writer over a fixed buffer (json_init) sets `overflow` instead of writing
 * past cap, and json_len() then returns 0: a record is whole or not at all. With a spill
 * FILE (json_init_file) a full buffer is written to the file instead, for documents of
 * any size (metadata). Keys are written as given (they are orbit's own names). */
#ifndef ORBIT_OUTPUT_JSON_H
#define ORBIT_OUTPUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	char *buf;
	size_t cap, len;
	FILE *spill;     /* NULL: fixed buffer */
	bool overflow;   /* something did not fit (fixed buffer) or the file failed */
	bool need_comma; /* a value was written at this level */
};

void json_init(struct json *j, char *buf, size_t cap);
void json_init_file(struct json *j, char *buf, size_t cap, FILE *f);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key); /* then exactly one value */
/* The same for a key or string the program itself spells (a literal, a name from one of
 * its tables): printable ASCII without '"' or '\\', so it is copied, not escaped --
 * per record these are most of the bytes. JSON_KEY takes a literal. */
void json_key_plain(struct json *j, const char *key, size_t n);
#define JSON_KEY(j, literal) json_key_plain((j), "" literal, sizeof(literal) - 1)
void json_cstring_plain(struct json *j, const char *s); /* NULL: null */
void json_string_plain(struct json *j, const char *s, size_t n);

void json_string(struct json *j, const char *s, size_t n);
void json_cstring(struct json *j, const char *s); /* NULL: null */
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v, int decimals); /* fixed notation */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_ipv4(struct json *j, uint32_t addr); /* host byte order, as a string */
void json_raw(struct json *j, const char *text, size_t n); /* an already valid value */

/* Appends bytes outside any value (a line's '\n'). */
void json_append(struct json *j, const char *text, size_t n);
/* Bytes written so far, 0 after an overflow. With a spill file: flushes the buffer and
 * returns 0 on success, -1 when writing failed. */
size_t json_len(const struct json *j);
int json_flush(struct json *j);

#endif
