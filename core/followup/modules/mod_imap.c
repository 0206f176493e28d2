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

/* Could the first bytes be an IMAP greeting (also while fewer than 4 have come)? */
static bool imap_greeting_may_be(const uint8_t *p, size_t n)
{
	size_t k = n < 4 ? n : 4;
	return memcmp(p, "* OK", k) == 0 || imap_greeting(p, n) || (n < 4 && p[0] == '*');
}

/* CAPABILITY's answer ends with the tagged line. */
static bool imap_reply_ends(const uint8_t *line, size_t len, bool first)
{
	(void)first;
	return len >= 3 && memcmp(line, "a1 ", 3) == 0;
}

static const struct grab_mail_dialog imap_dialog = {
	.greeting_may_be = imap_greeting_may_be,
	.mismatch = "not imap",
	.refusal = "* BYE",
	.command = "a1 CAPABILITY\r\n",
	.reply_ends = imap_reply_ends,
};

static enum grab_verdict imap_data(struct grab_session *s)
{
	return grab_mail_step(s, &imap_dialog);
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
