/* Telnet: refuse every option the server proposes (DO → WONT, WILL → DONT), collect the
 * text it prints until a login prompt or a quiet moment. */
#include <string.h>

#include "core/followup/module.h"

#define IAC 255
#define QUIET_MS 1500

static enum grab_verdict start(struct grab_session *s)
{
	grab_wait(s, 5000);
	return GRAB_MORE;
}

/* Walks bytes [s->mark, rx_len): answers negotiations, stops at an incomplete one. */
static void negotiate(struct grab_session *s)
{
	size_t i = s->mark;
	while (i < s->rx_len) {
		if (s->rx[i] != IAC) {
			i++;
			continue;
		}
		if (i + 1 >= s->rx_len)
			break;
		uint8_t cmd = s->rx[i + 1];
		if (cmd >= 251 && cmd <= 254) { /* WILL WONT DO DONT */
			if (i + 2 >= s->rx_len)
				break;
			uint8_t reply[3] = {IAC, cmd == 253 ? 252 : 254, s->rx[i + 2]};
			if (cmd == 251 || cmd == 253)
				grab_send(s, reply, 3);
			i += 3;
		} else if (cmd == 250) { /* SB ... IAC SE */
			size_t j = i + 2;
			while (j + 1 < s->rx_len && !(s->rx[j] == IAC && s->rx[j + 1] == 240))
				j++;
			if (j + 1 >= s->rx_len)
				break;
			i = j + 2;
		} else {
			i += 2;
		}
	}
	s->mark = i;
}

/* Printable text of the session (negotiation removed). */
static size_t text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap;) {
		if (p[i] == IAC && i + 1 < n) {
			uint8_t cmd = p[i + 1];
			if (cmd >= 251 && cmd <= 254)
				i += 3;
			else if (cmd == 250) {
				while (i + 1 < n && !(p[i] == IAC && p[i + 1] == 240))
					i++;
				i += 2;
			} else
				i += 2;
			continue;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f)
			out[k++] = (char)p[i];
		else if (p[i] == '\n' && k && out[k - 1] != ' ')
			out[k++] = ' ';
		i++;
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = 0;
	return k;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	negotiate(s);
	char t[1024];
	text(s->rx, s->rx_len, t, sizeof(t));
	if (strstr(t, "login:") || strstr(t, "Login:") || strstr(t, "Username:") ||
	    strstr(t, "Password:") || strstr(t, "User:"))
		return GRAB_DONE;
	if (s->eof)
		return s->rx_len ? GRAB_DONE : GRAB_MORE;
	grab_wait(s, QUIET_MS);
	return GRAB_MORE;
}

static enum grab_verdict on_idle(struct grab_session *s)
{
	return s->rx_len ? GRAB_DONE : GRAB_MORE;
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	if (!s->rx_len)
		return;
	GRAB_SETS(r->service, "telnet");
	char t[1024];
	size_t k = text(s->rx, s->rx_len, t, sizeof(t));
	if (k)
		grab_field(r, "telnet.banner", t, k);
}

static bool detect(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] == IAC && p[1] >= 251 && p[1] <= 254;
}

const struct grab_module grab_mod_telnet = {
	.name = "telnet",
	.service = "telnet",
	.nmap_probes = NULL,
	.start = start,
	.on_data = on_data,
	.on_idle = on_idle,
	.finish = finish,
	.detect = detect,
};
