/* MySQL / MariaDB: the server's handshake packet (protocol 10: version string) or its
 * error packet ("Host ... is not allowed": Nmap's "unauthorized"). Nothing is sent. */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

static enum grab_verdict start(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE;
}

static size_t pkt_len(const uint8_t *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
}

static bool plausible(const uint8_t *p, size_t n)
{
	if (n < 5)
		return false;
	size_t len = pkt_len(p);
	return len >= 2 && len < 8192 && p[3] == 0 && (p[4] == 10 || p[4] == 9 || p[4] == 0xff);
}

static enum grab_verdict on_data(struct grab_session *s)
{
	if (s->rx_len >= 5 && !plausible(s->rx, s->rx_len)) {
		s->why = "not mysql";
		return GRAB_MISMATCH;
	}
	if (s->rx_len >= 5 && s->rx_len >= 4 + pkt_len(s->rx))
		return GRAB_DONE;
	if (s->eof) {
		s->why = "short mysql packet";
		return s->rx_len ? GRAB_ERROR : GRAB_MORE;
	}
	return GRAB_MORE;
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	if (!plausible(s->rx, s->rx_len))
		return;
	const uint8_t *p = s->rx + 4;
	size_t n = pkt_len(s->rx);
	if (n > s->rx_len - 4)
		n = s->rx_len - 4;
	GRAB_SETS(r->service, "mysql");
	if (p[0] == 0xff) {
		size_t off = 3; /* 0xff, error code (2) */
		if (n > off && p[off] == '#')
			off += 6; /* "#" SQL state */
		char msg[200];
		grab_set(msg, sizeof(msg), (const char *)p + off, n > off ? n - off : 0);
		grab_field(r, "mysql.error", msg, strlen(msg));
		GRAB_SETS(r->product, strstr(msg, "MariaDB") ? "MariaDB" : "MySQL");
		if (strstr(msg, "is not allowed to connect"))
			GRAB_SETS(r->info, "unauthorized");
		return;
	}
	grab_fieldf(r, "mysql.protocol", "%u", p[0]);
	const uint8_t *z = memchr(p + 1, 0, n - 1);
	size_t vl = z ? (size_t)(z - (p + 1)) : n - 1;
	char v[64];
	grab_set(v, sizeof(v), (const char *)p + 1, vl);
	grab_field(r, "mysql.version", v, strlen(v));
	GRAB_SETS(r->product, "MySQL"); /* Nmap names MariaDB's handshake "MySQL" too */
	GRAB_SETS(r->version, v);
	if (strstr(v, "MariaDB"))
		grab_field(r, "mysql.flavor", "MariaDB", 7);
}

static bool detect(const uint8_t *p, size_t n)
{
	return plausible(p, n) && p[4] == 10 && n > 5 && p[5] >= '1' && p[5] <= '9';
}

const struct grab_module grab_mod_mysql = {
	.name = "mysql",
	.service = "mysql",
	.nmap_probes = NULL,
	.start = start,
	.on_data = on_data,
	.on_idle = NULL,
	.finish = finish,
	.detect = detect,
};
