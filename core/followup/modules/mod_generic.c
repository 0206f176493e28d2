/* Generic: wait for a greeting; if one comes, hand it to the module that recognises it,
 * else read until the server is quiet. If none comes within GREETING_MS, send an HTTP
 * request (the most common client-first protocol) and read what answers -- unless Nmap's
 * probe sequence follows (s->probes_follow): then silence ends the connection. */
#include <string.h>

#include "core/followup/module.h"

#define GREETING_MS 3000
#define QUIET_MS 500

static const char *const probes[] = {"GetRequest", "GenericLines", NULL};

static enum grab_verdict start(struct grab_session *s)
{
	grab_wait(s, GREETING_MS);
	return GRAB_MORE;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	if (s->rx_len && grab_module_detect(s->rx, s->rx_len))
		return GRAB_MISMATCH; /* the pool switches to the module that detects it */
	if (s->eof)
		return s->rx_len ? GRAB_DONE : GRAB_MORE;
	grab_wait(s, QUIET_MS);
	return GRAB_MORE;
}

/* Quiet after bytes is the end of the answer when the bytes look finished: a full line,
 * a prompt, or binary. A trickle of text without a newline keeps the connection until its
 * deadline (io-timeout, with what came). */
static bool looks_finished(const uint8_t *p, size_t n)
{
	uint8_t last = p[n - 1];
	if (last == '\n' || (n >= 2 && p[n - 1] == ' ' && strchr(":>#$", p[n - 2])))
		return true;
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
			return true;
	return false;
}

static enum grab_verdict on_idle(struct grab_session *s)
{
	if (s->rx_len)
		return looks_finished(s->rx, s->rx_len) ? GRAB_DONE : GRAB_MORE;
	if (s->probes_follow)
		return GRAB_DONE; /* silent: the NULL probe's wait is over, Nmap's probes follow */
	if (s->phase == 0) {
		s->phase = 1;
		grab_send_str(s, "GET / HTTP/1.0\r\n\r\n");
	}
	return GRAB_MORE; /* silent even after our request: the overall timeout decides */
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	(void)s;
	(void)r;
}

const struct grab_module grab_mod_generic = {
	.name = "generic",
	.service = NULL,
	.nmap_probes = probes,
	.start = start,
	.on_data = on_data,
	.on_idle = on_idle,
	.finish = finish,
	.detect = NULL,
};
