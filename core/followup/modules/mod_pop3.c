/* POP3: the greeting (→ product), then CAPA. */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

static enum grab_verdict wait_greeting(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE;
}

/* Could the first bytes be a POP3 greeting ("+OK ..." or "-ERR ...")? */
static bool pop3_greeting_may_be(const uint8_t *p, size_t n)
{
	return n < 3 || memcmp(p, "+OK", 3) == 0 || (n >= 4 && memcmp(p, "-ERR", 4) == 0);
}

/* CAPA's answer: one "-ERR" line, or lines up to a lone ".". */
static bool pop3_reply_ends(const uint8_t *line, size_t len, bool first)
{
	return (first && len >= 4 && memcmp(line, "-ERR", 4) == 0) ||
	       (len == 3 && memcmp(line, ".\r\n", 3) == 0);
}

static const struct grab_mail_dialog pop3_dialog = {
	.greeting_may_be = pop3_greeting_may_be,
	.mismatch = "not pop3",
	.refusal = "-",
	.command = "CAPA\r\n",
	.reply_ends = pop3_reply_ends,
};

static enum grab_verdict pop3_data(struct grab_session *s)
{
	return grab_mail_step(s, &pop3_dialog);
}

static void pop3_finish(const struct grab_session *s, struct grab_result *r)
{
	if (s->rx_len < 3 || (memcmp(s->rx, "+OK", 3) != 0 && memcmp(s->rx, "-ERR", 3) != 0))
		return;
	GRAB_SETS(r->service, "pop3");
	char g[256];
	grab_line(g, sizeof(g), s->rx, s->rx_len);
	grab_field(r, "pop3.greeting", g, strlen(g));
	grab_mail_product(g, r, "pop3d");
	if (s->phase >= 1 && s->rx_len > s->mark + 3 && memcmp(s->rx + s->mark, "+OK", 3) == 0) {
		const uint8_t *p = s->rx + s->mark;
		const uint8_t *e = grab_line_end(p, s->rx_len - s->mark);
		if (e)
			grab_join_lines(e, s->rx_len - (size_t)(e - s->rx), 0, ".\r", r,
				   "pop3.capabilities");
	}
}

static bool pop3_detect(const uint8_t *p, size_t n)
{
	return n >= 4 && memcmp(p, "+OK", 3) == 0 && (p[3] == ' ' || p[3] == '\r');
}

static const char *const pop3_probes[] = {"GenericLines", NULL};

const struct grab_module grab_mod_pop3 = {
	.name = "pop3",
	.service = "pop3",
	.nmap_probes = pop3_probes,
	.start = wait_greeting,
	.on_data = pop3_data,
	.on_idle = NULL,
	.finish = pop3_finish,
	.detect = pop3_detect,
};

