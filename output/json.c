/* The JSON writer (see json.h). */
#include "output/json.h"

#include <string.h>

void json_init(struct json *j, char *buf, size_t cap)
{
	*j = (struct json){.buf = buf, .cap = cap};
}

void json_init_file(struct json *j, char *buf, size_t cap, FILE *f)
{
	*j = (struct json){.buf = buf, .cap = cap, .spill = f};
}

static void spill_out(struct json *j)
{
	if (j->len && fwrite(j->buf, 1, j->len, j->spill) != j->len)
		j->overflow = true;
	j->len = 0;
}

/* Room for n more bytes (n <= cap when spilling). */
static bool room(struct json *j, size_t n)
{
	if (j->overflow)
		return false;
	if (n <= j->cap - j->len)
		return true;
	if (j->spill && n <= j->cap) {
		spill_out(j);
		return !j->overflow;
	}
	j->overflow = true;
	return false;
}

/* The rare case of put(): the buffer is full (spill it, or overflow). */
static void put_slow(struct json *j, const char *s, size_t n)
{
	while (j->spill && !j->overflow && n > j->cap - j->len) {
		size_t part = j->cap - j->len;
		memcpy(j->buf + j->len, s, part);
		j->len += part;
		s += part;
		n -= part;
		spill_out(j);
	}
	if (!room(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* Inline, with the test that nearly always holds first: every record is a few dozen of
 * these calls, most of a few bytes. */
static inline void put(struct json *j, const char *s, size_t n)
{
	if (__builtin_expect(!j->overflow && n <= j->cap - j->len, 1)) {
		memcpy(j->buf + j->len, s, n);
		j->len += n;
		return;
	}
	put_slow(j, s, n);
}

static inline void put_char(struct json *j, char c)
{
	if (__builtin_expect(!j->overflow && j->len < j->cap, 1))
		j->buf[j->len++] = c;
	else if (room(j, 1))
		j->buf[j->len++] = c;
}

void json_append(struct json *j, const char *text, size_t n)
{
	put(j, text, n);
}

size_t json_len(const struct json *j)
{
	return j->overflow ? 0 : j->len;
}

int json_flush(struct json *j)
{
	if (j->spill)
		spill_out(j);
	return j->overflow ? -1 : 0;
}

static void value_begins(struct json *j)
{
	if (j->need_comma)
		put_char(j, ',');
	j->need_comma = true;
}

void json_object_begin(struct json *j)
{
	value_begins(j);
	put_char(j, '{');
	j->need_comma = false;
}

void json_object_end(struct json *j)
{
	put_char(j, '}');
	j->need_comma = true;
}

void json_array_begin(struct json *j)
{
	value_begins(j);
	put_char(j, '[');
	j->need_comma = false;
}

void json_array_end(struct json *j)
{
	put_char(j, ']');
	j->need_comma = true;
}

/* Length of the valid UTF-8 sequence at s (n bytes left, s[0] >= 0x80), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void put_escaped_byte(struct json *j, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
	switch (c) {
	case '"': case '\\': e[1] = (char)c; put(j, e, 2); return;
	case '\n': put(j, "\\n", 2); return;
	case '\r': put(j, "\\r", 2); return;
	case '\t': put(j, "\\t", 2); return;
	default: put(j, e, 6);
	}
}

/* Bytes that go into a JSON string as they are: printable ASCII but the quote and the
 * backslash -- one bit each of 0..127 (a shift and a test instead of four compares). */
static inline bool plain_byte(unsigned char c)
{
	static const uint64_t plain[2] = {0xfffffffb00000000ull, 0x7fffffffefffffffull};
	return c < 128 && (plain[c >> 6] >> (c & 63)) & 1;
}

/* The same test for 8 bytes at once (SWAR): none below 0x20, none with the top bit, none
 * 0x7f, '"' or '\\'. has_zero(v) flags the bytes of v that are zero. */
static inline bool plain_word(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t x;
	memcpy(&x, s, 8);
#define HAS_ZERO(v) (((v) - ones) & ~(v) & highs)
	uint64_t bad = (x & highs) | ((x - 0x20 * ones) & ~x & highs) | HAS_ZERO(x ^ (0x22 * ones)) |
		       HAS_ZERO(x ^ (0x5c * ones)) | HAS_ZERO(x ^ (0x7f * ones));
#undef HAS_ZERO
	return bad == 0;
}

static void put_string(struct json *j, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + n;
	put_char(j, '"');
	while (s < end) {
		const unsigned char *run = s;
		while (end - s >= 8 && plain_word(s))
			s += 8;
		while (s < end && plain_byte(*s))
			s++;
		if (s > run)
			put(j, (const char *)run, (size_t)(s - run));
		if (s == end)
			break;
		size_t seq = *s >= 0x80 ? utf8_sequence(s, (size_t)(end - s)) : 0;
		if (seq) {
			put(j, (const char *)s, seq);
			s += seq;
		} else {
			put_escaped_byte(j, *s++);
		}
	}
	put_char(j, '"');
}

void json_key(struct json *j, const char *key)
{
	value_begins(j);
	put_string(j, key, strlen(key));
	put_char(j, ':');
	j->need_comma = false;
}

void json_key_plain(struct json *j, const char *key, size_t n)
{
	value_begins(j);
	if (__builtin_expect(!j->overflow && n + 3 <= j->cap - j->len, 1)) {
		char *o = j->buf + j->len;
		o[0] = '"';
		memcpy(o + 1, key, n);
		o[n + 1] = '"';
		o[n + 2] = ':';
		j->len += n + 3;
	} else {
		put_char(j, '"');
		put(j, key, n);
		put(j, "\":", 2);
	}
	j->need_comma = false;
}

void json_cstring_plain(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_string_plain(j, s, strlen(s));
}

void json_string_plain(struct json *j, const char *s, size_t n)
{
	value_begins(j);
	put_char(j, '"');
	put(j, s, n);
	put_char(j, '"');
}

void json_string(struct json *j, const char *s, size_t n)
{
	value_begins(j);
	put_string(j, s, n);
}

void json_cstring(struct json *j, const char *s)
{
	if (s)
		json_string(j, s, strlen(s));
	else
		json_null(j);
}

void json_uint(struct json *j, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof tmp;
	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	value_begins(j);
	put(j, tmp + i, sizeof tmp - i);
}

void json_int(struct json *j, int64_t v)
{
	if (v >= 0) {
		json_uint(j, (uint64_t)v);
		return;
	}
	value_begins(j);
	put_char(j, '-');
	j->need_comma = false;
	json_uint(j, -(uint64_t)v);
}

void json_double(struct json *j, double v, int decimals)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
	value_begins(j);
	if (n < 0 || (size_t)n >= sizeof tmp)
		j->overflow = true;
	else
		put(j, tmp, (size_t)n);
}

void json_bool(struct json *j, bool v)
{
	value_begins(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j)
{
	value_begins(j);
	put(j, "null", 4);
}

void json_ipv4(struct json *j, uint32_t a)
{
	char tmp[16];
	size_t n = 0;
	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned b = (a >> shift) & 0xff;
		if (b >= 100)
			tmp[n++] = (char)('0' + b / 100);
		if (b >= 10)
			tmp[n++] = (char)('0' + b / 10 % 10);
		tmp[n++] = (char)('0' + b % 10);
		if (shift)
			tmp[n++] = '.';
	}
	value_begins(j);
	put_char(j, '"');
	put(j, tmp, n);
	put_char(j, '"');
}

void json_raw(struct json *j, const char *text, size_t n)
{
	value_begins(j);
	put(j, text, n);
}
