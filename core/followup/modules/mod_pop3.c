/* POP3: the greeting (→ product), then CAPA. */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

static enum grab_verdict wait_greeting(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE;
}

static enum grab_verdict pop3_data(struct grab_session *s)
{
	if (s->phase == 0) {
		const uint8_t *e = grab_line_end(s->rx, s->rx_len);
		if (s->rx_len >= 3 && memcmp(s->rx, "+OK", 3) != 0 &&
		    (s->rx_len < 4 || memcmp(s->rx, "-ERR", 4) != 0)) {
			s->why = "not pop3";
			return GRAB_MISMATCH;
		}
		if (!e)
			return GRAB_MORE;
		if (s->rx[0] == '-')
			return GRAB_DONE;
		s->mark = (size_t)(e - s->rx);
		grab_send_str(s, "CAPA\r\n");
		s->phase = 1;
		return GRAB_MORE;
	}
	const uint8_t *p = s->rx + s->mark;
	size_t n = s->rx_len - s->mark;
	if (n >= 4 && memcmp(p, "-ERR", 4) == 0 && grab_line_end(p, n))
		return GRAB_DONE;
	if (n >= 5 && (memcmp(p + n - 5, "\r\n.\r\n", 5) == 0 || memcmp(p, ".\r\n", 3) == 0))
		return GRAB_DONE;
	return s->eof ? GRAB_DONE : GRAB_MORE;
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

