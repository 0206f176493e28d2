/* SMTP: the greeting (→ product/version), then EHLO for the extensions. */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

static const char *const probes[] = {"Hello", "Help", NULL};

static enum grab_verdict start(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	int code;
	size_t from = s->phase == 0 ? 0 : s->mark;
	size_t end = grab_reply_end(s->rx + from, s->rx_len - from, &code);
	if (s->rx_len - from >= 4 && code == 0) {
		s->why = "not smtp";
		return s->phase == 0 ? GRAB_MISMATCH : GRAB_ERROR;
	}
	if (!end)
		return s->eof && s->phase ? GRAB_DONE : GRAB_MORE;
	if (s->phase == 0) {
		if (code / 100 != 2)
			return GRAB_DONE; /* 554 no service ... */
		grab_send_str(s, "EHLO orbit.invalid\r\n");
		s->mark = end;
		s->phase = 1;
		return GRAB_MORE;
	}
	return GRAB_DONE;
}

static void greeting(const char *g, struct grab_result *r)
{
	const char *p;
	if ((p = strstr(g, "ESMTP Exim ")) != NULL) {
		GRAB_SETS(r->product, "Exim smtpd");
		GRAB_SET(r->version, p + 11, strcspn(p + 11, " "));
	} else if (strstr(g, "ESMTP Postfix")) {
		GRAB_SETS(r->product, "Postfix smtpd");
	} else if ((p = strstr(g, "Sendmail ")) != NULL) {
		GRAB_SETS(r->product, "Sendmail");
		GRAB_SET(r->version, p + 9, strcspn(p + 9, " ;"));
	} else if (strstr(g, "OpenSMTPD")) {
		GRAB_SETS(r->product, "OpenSMTPD");
	} else if (strstr(g, "Microsoft ESMTP MAIL Service")) {
		GRAB_SETS(r->product, "Microsoft ESMTP");
		GRAB_SETS(r->ostype, "Windows");
	}
	/* "220 mail.example.org ESMTP ..." → Nmap's "Host: mail.example.org" */
	if (strlen(g) > 4) {
		const char *h = g + 4;
		size_t hl = strcspn(h, " ");
		if (hl && memchr(h, '.', hl))
			grab_field(r, "smtp.hostname", h, hl);
	}
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	int code;
	grab_reply_end(s->rx, s->rx_len, &code);
	if (!code)
		return;
	GRAB_SETS(r->service, "smtp");
	char line[256];
	grab_line(line, sizeof(line), s->rx, s->rx_len);
	grab_field(r, "smtp.greeting", line, strlen(line));
	greeting(line, r);
	if (s->phase < 1 || s->rx_len <= s->mark)
		return;
	size_t end = grab_reply_end(s->rx + s->mark, s->rx_len - s->mark, &code);
	if (code != 250 || !end)
		return;
	/* the lines after "250-hostname greets": one extension each */
	char ext[1024];
	size_t k = 0;
	const uint8_t *p = s->rx + s->mark, *stop = p + end;
	const uint8_t *e = grab_line_end(p, (size_t)(stop - p));
	for (p = e; p && p < stop; p = e) {
		e = grab_line_end(p, (size_t)(stop - p));
		if ((size_t)(stop - p) < 5)
			break;
		char l[128];
		grab_line(l, sizeof(l), p + 4, (size_t)(stop - p) - 4);
		int w = snprintf(ext + k, sizeof(ext) - k, "%s%s", k ? "," : "", l);
		if (w < 0 || (size_t)w >= sizeof(ext) - k)
			break;
		k += (size_t)w;
	}
	if (k)
		grab_field(r, "smtp.extensions", ext, k);
}

static bool detect(const uint8_t *p, size_t n)
{
	if (n < 4 || memcmp(p, "220", 3) != 0)
		return false;
	const uint8_t *e = grab_line_end(p, n);
	size_t ln = e ? (size_t)(e - p) : n;
	return grab_memcasemem(p, ln, "SMTP") != NULL;
}

const struct grab_module grab_mod_smtp = {
	.name = "smtp",
	.service = "smtp",
	.nmap_probes = probes,
	.start = start,
	.on_data = on_data,
	.on_idle = NULL,
	.finish = finish,
	.detect = detect,
};
