/* IMAP: the greeting (→ product), then CAPABILITY. */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

static enum grab_verdict wait_greeting(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE;
}

static bool imap_greeting(const uint8_t *p, size_t n)
{
	return (n >= 4 && memcmp(p, "* OK", 4) == 0) || (n >= 9 && memcmp(p, "* PREAUTH", 9) == 0) ||
	       (n >= 5 && memcmp(p, "* BYE", 5) == 0);
}

static enum grab_verdict imap_data(struct grab_session *s)
{
	if (s->phase == 0) {
		size_t k = s->rx_len < 4 ? s->rx_len : 4;
		if (memcmp(s->rx, "* OK", k) != 0 && !imap_greeting(s->rx, s->rx_len) &&
		    (s->rx_len >= 4 || s->rx[0] != '*')) {
			s->why = "not imap";
			return GRAB_MISMATCH;
		}
		const uint8_t *e = grab_line_end(s->rx, s->rx_len);
		if (!e)
			return GRAB_MORE;
		if (memcmp(s->rx, "* BYE", 5) == 0)
			return GRAB_DONE;
		s->mark = (size_t)(e - s->rx);
		grab_send_str(s, "a1 CAPABILITY\r\n");
		s->phase = 1;
		return GRAB_MORE;
	}
	const uint8_t *p = s->rx + s->mark;
	size_t n = s->rx_len - s->mark;
	for (const uint8_t *e; n && (e = grab_line_end(p, n)); n -= (size_t)(e - p), p = e)
		if ((size_t)(e - p) >= 3 && memcmp(p, "a1 ", 3) == 0)
			return GRAB_DONE;
	return s->eof ? GRAB_DONE : GRAB_MORE;
}

static void imap_finish(const struct grab_session *s, struct grab_result *r)
{
	if (!imap_greeting(s->rx, s->rx_len))
		return;
	GRAB_SETS(r->service, "imap");
	char g[256];
	grab_line(g, sizeof(g), s->rx, s->rx_len);
	grab_field(r, "imap.greeting", g, strlen(g));
	grab_mail_product(g, r, "imapd");
	if (s->phase >= 1) {
		const uint8_t *p = s->rx + s->mark;
		const uint8_t *c = grab_memcasemem(p, s->rx_len - s->mark, "* CAPABILITY ");
		if (c) {
			char l[1024];
			grab_line(l, sizeof(l), c + 13, s->rx_len - (size_t)(c + 13 - s->rx));
			grab_field(r, "imap.capabilities", l, strlen(l));
		}
	}
}

static bool imap_detect(const uint8_t *p, size_t n)
{
	return imap_greeting(p, n);
}

static const char *const imap_probes[] = {"GenericLines", NULL};

const struct grab_module grab_mod_imap = {
	.name = "imap",
	.service = "imap",
	.nmap_probes = imap_probes,
	.start = wait_greeting,
	.on_data = imap_data,
	.on_idle = NULL,
	.finish = imap_finish,
	.detect = imap_detect,
};
