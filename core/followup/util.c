/* Result and parsing helpers shared by the modules (module.h), and port → module choice. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/followup/module.h"

void grab_set(char *dst, size_t cap, const char *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch == 0)
			break;
		dst[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	/* trim trailing blanks */
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	if (cap)
		dst[k] = 0;
}

void grab_field(struct grab_result *r, const char *key, const char *val, size_t n)
{
	if (r->nfields >= GRAB_FIELDS_MAX)
		return;
	size_t room = GRAB_ARENA_MAX - r->arena_used;
	if (room < 2)
		return;
	if (n > room - 1)
		n = room - 1;
	char *dst = r->arena + r->arena_used;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)val[i];
		if (ch == 0)
			break;
		dst[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[k] = 0;
	r->fields[r->nfields].key = key;
	r->fields[r->nfields].off = r->arena_used;
	r->nfields++;
	r->arena_used = (uint16_t)(r->arena_used + k + 1);
}

void grab_fieldf(struct grab_result *r, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grab_field(r, key, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

const char *grab_field_get(const struct grab_result *r, const char *key)
{
	for (unsigned i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0)
			return r->arena + r->fields[i].off;
	return NULL;
}

const uint8_t *grab_line_end(const uint8_t *p, size_t n)
{
	const uint8_t *nl = memchr(p, '\n', n);
	return nl ? nl + 1 : NULL;
}

const uint8_t *grab_memcasemem(const uint8_t *h, size_t hn, const char *needle)
{
	size_t nn = strlen(needle);
	if (nn == 0)
		return h;
	for (size_t i = 0; i + nn <= hn; i++) {
		if (tolower(h[i]) != tolower((unsigned char)needle[0]))
			continue;
		if (strncasecmp((const char *)h + i, needle, nn) == 0) {
			/* strncasecmp stops at NUL in h; make sure no NUL hid a mismatch */
			if (memchr(h + i, 0, nn) == NULL)
				return h + i;
		}
	}
	return NULL;
}

/* ---- port → module ---- */

struct port_map {
	uint16_t port;
	bool tls;
	const struct grab_module *mod;
};

static const struct port_map port_map[] = {
	{21, false, &grab_mod_ftp},     {22, false, &grab_mod_ssh},
	{23, false, &grab_mod_telnet},  {25, false, &grab_mod_smtp},
	{80, false, &grab_mod_http},    {81, false, &grab_mod_http},
	{110, false, &grab_mod_pop3},   {143, false, &grab_mod_imap},
	{443, true, &grab_mod_http},    {465, true, &grab_mod_smtp},
	{587, false, &grab_mod_smtp},   {591, false, &grab_mod_http},
	{993, true, &grab_mod_imap},    {995, true, &grab_mod_pop3},
	{2222, false, &grab_mod_ssh},   {2323, false, &grab_mod_telnet},
	{3000, false, &grab_mod_http},  {3306, false, &grab_mod_mysql},
	{5432, false, &grab_mod_postgres}, {6379, false, &grab_mod_redis},
	{8000, false, &grab_mod_http},  {8008, false, &grab_mod_http},
	{8080, false, &grab_mod_http},  {8081, false, &grab_mod_http},
	{8443, true, &grab_mod_http},   {8888, false, &grab_mod_http},
	{9200, false, &grab_mod_http},
};

const struct grab_module *grab_module_for_port(uint16_t port, bool *tls)
{
	for (size_t i = 0; i < sizeof(port_map) / sizeof(port_map[0]); i++) {
		if (port_map[i].port == port) {
			*tls = port_map[i].tls;
			return port_map[i].mod;
		}
	}
	*tls = false;
	return &grab_mod_generic;
}

/* Server-first protocols recognisable from their first bytes; order matters (SMTP and
 * FTP both greet with 220: FTP's detect rejects "SMTP"/"ESMTP" greetings). */
static const struct grab_module *const detectable[] = {
	&grab_mod_ssh, &grab_mod_smtp, &grab_mod_ftp, &grab_mod_pop3, &grab_mod_imap,
	&grab_mod_mysql, &grab_mod_telnet, &grab_mod_http, &grab_mod_redis,
};

const struct grab_module *grab_module_detect(const uint8_t *p, size_t n)
{
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(detectable) / sizeof(detectable[0]); i++)
		if (detectable[i]->detect && detectable[i]->detect(p, n))
			return detectable[i];
	return NULL;
}

static const struct grab_module *const all_modules[] = {
	&grab_mod_generic, &grab_mod_http, &grab_mod_ssh, &grab_mod_ftp, &grab_mod_smtp,
	&grab_mod_pop3, &grab_mod_imap, &grab_mod_mysql, &grab_mod_redis, &grab_mod_postgres,
	&grab_mod_telnet,
};

const struct grab_module *grab_module_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(all_modules) / sizeof(all_modules[0]); i++)
		if (strcmp(all_modules[i]->name, name) == 0)
			return all_modules[i];
	return NULL;
}

size_t grab_reply_end(const uint8_t *p, size_t n, int *code)
{
	*code = 0;
	if (n < 4 || !isdigit(p[0]) || !isdigit(p[1]) || !isdigit(p[2]))
		return 0;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	size_t off = 0;
	while (off < n) {
		const uint8_t *e = grab_line_end(p + off, n - off);
		if (!e)
			return 0;
		size_t len = (size_t)(e - (p + off));
		/* the last line: same code followed by a space (or a bare code) */
		if (len >= 4 && memcmp(p + off, p, 3) == 0 && (p[off + 3] == ' ' || p[off + 3] == '\r' ||
							    p[off + 3] == '\n'))
			return (size_t)(e - p);
		if (len == 3 || (off == 0 && p[3] != '-'))
			return (size_t)(e - p);
		off += len;
	}
	return 0;
}

void grab_line(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (k < n && p[k] != '\r' && p[k] != '\n')
		k++;
	grab_set(dst, cap, (const char *)p, k);
}

/* ---- mail protocols (POP3, IMAP) ---- */

const uint8_t *grab_next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *line = *p;
	const uint8_t *e = grab_line_end(line, (size_t)(end - line));
	if (!e)
		return NULL;
	*p = e;
	return line;
}

static bool starts_with(const uint8_t *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(p, prefix, k) == 0;
}

enum grab_verdict grab_mail_step(struct grab_session *s, const struct grab_mail_dialog *d)
{
	if (s->phase == 0) {
		if (!d->greeting_may_be(s->rx, s->rx_len)) {
			s->why = d->mismatch;
			return GRAB_MISMATCH;
		}
		const uint8_t *e = grab_line_end(s->rx, s->rx_len);
		if (!e)
			return GRAB_MORE;
		if (starts_with(s->rx, s->rx_len, d->refusal))
			return GRAB_DONE;
		s->mark = (size_t)(e - s->rx);
		grab_send_str(s, d->command);
		s->phase = 1;
		return GRAB_MORE;
	}
	const uint8_t *next = s->rx + s->mark, *end = s->rx + s->rx_len;
	bool first = true;
	for (const uint8_t *line; (line = grab_next_line(&next, end)) != NULL; first = false)
		if (d->reply_ends(line, (size_t)(next - line), first))
			return GRAB_DONE;
	return s->eof ? GRAB_DONE : GRAB_MORE;
}

void grab_mail_product(const char *g, struct grab_result *r, const char *suffix)
{
	const char *p;
	char buf[64];
	if (strstr(g, "Dovecot")) {
		snprintf(buf, sizeof(buf), "Dovecot %s", suffix);
		GRAB_SETS(r->product, buf);
	} else if (strstr(g, "Courier")) {
		snprintf(buf, sizeof(buf), "Courier %s", suffix);
		GRAB_SETS(r->product, buf);
	} else if ((p = strstr(g, "Cyrus ")) != NULL) {
		snprintf(buf, sizeof(buf), "Cyrus %s", suffix);
		GRAB_SETS(r->product, buf);
		const char *v = strstr(p, " v");
		if (v)
			GRAB_SET(r->version, v + 2, strcspn(v + 2, " "));
	} else if (strstr(g, "Microsoft Exchange")) {
		snprintf(buf, sizeof(buf), "Microsoft Exchange %s", suffix);
		GRAB_SETS(r->product, buf);
		GRAB_SETS(r->ostype, "Windows");
	}
}

/* Joins the lines of [p, p+n) (each with its first `skip` bytes cut) with spaces. */
void grab_join_lines(const uint8_t *p, size_t n, size_t skip, const char *stop_prefix,
		       struct grab_result *r, const char *key)
{
	char out[1024];
	size_t k = 0;
	const uint8_t *end = p + n;
	for (const uint8_t *e; p < end; p = e) {
		e = grab_line_end(p, (size_t)(end - p));
		if (!e)
			break;
		if (stop_prefix && (size_t)(e - p) >= strlen(stop_prefix) &&
		    memcmp(p, stop_prefix, strlen(stop_prefix)) == 0)
			break;
		if ((size_t)(e - p) <= skip)
			continue;
		char l[256];
		grab_line(l, sizeof(l), p + skip, (size_t)(e - p) - skip);
		if (!l[0])
			continue;
		int w = snprintf(out + k, sizeof(out) - k, "%s%s", k ? " " : "", l);
		if (w < 0 || (size_t)w >= sizeof(out) - k)
			break;
		k += (size_t)w;
	}
	if (k)
		grab_field(r, key, out, k);
}


uint64_t grab_number(const uint8_t *p, const uint8_t *end, int base)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	uint64_t v = 0;
	for (; p < end; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0'
			: base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f' ? (*p | 0x20) - 'a' + 10
										: -1;
		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			break;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	return v;
}
