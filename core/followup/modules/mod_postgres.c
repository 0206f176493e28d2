/* PostgreSQL: SSLRequest ('S' / 'N'), then (without TLS) a StartupMessage for user
 * "orbit": the answer is an authentication request (method) or an error (fields S, C, M). */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

static const uint8_t ssl_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum grab_verdict start(struct grab_session *s)
{
	grab_send(s, ssl_request, sizeof(ssl_request));
	s->phase = 1;
	return GRAB_MORE;
}

/* A complete backend message at p? (type byte, int32 length including itself) */
static bool message(const uint8_t *p, size_t n, bool *bad)
{
	*bad = false;
	if (n < 5)
		return false;
	uint32_t len = be32(p + 1);
	if (len < 4 || len > 65536 || (p[0] != 'R' && p[0] != 'E' && p[0] != 'N')) {
		*bad = true;
		return false;
	}
	return n >= 1 + (size_t)len;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	bool bad;
	if (s->phase == 1) {
		uint8_t c = s->rx[0];
		if (c == 'S')
			return GRAB_DONE; /* TLS offered; we stop before the handshake */
		if (c == 'N') {
			static const uint8_t startup[] = {
				0, 0, 0, 38, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'o', 'r', 'b', 'i', 't', 0,
				'd', 'a', 't', 'a', 'b', 'a', 's', 'e', 0, 'o', 'r', 'b', 'i', 't', 0,
				0, 0, 0, 0};
			grab_send(s, startup, 38);
			s->mark = 1;
			s->phase = 2;
			return GRAB_MORE;
		}
		if (c == 'E') { /* pre-7.0 servers answer the SSLRequest with an error */
			if (s->rx_len > 1 && memchr(s->rx + 1, 0, s->rx_len - 1))
				return GRAB_DONE;
			return s->eof ? GRAB_DONE : GRAB_MORE;
		}
		s->why = "not postgresql";
		return GRAB_MISMATCH;
	}
	if (message(s->rx + s->mark, s->rx_len - s->mark, &bad))
		return GRAB_DONE;
	if (bad) {
		s->why = "bad postgresql message";
		return GRAB_ERROR;
	}
	return s->eof ? GRAB_DONE : GRAB_MORE;
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	if (!s->rx_len)
		return;
	uint8_t c = s->rx[0];
	if (c != 'S' && c != 'N' && c != 'E')
		return;
	GRAB_SETS(r->service, "postgresql");
	GRAB_SETS(r->product, "PostgreSQL DB");
	if (c != 'E')
		grab_field(r, "postgres.ssl", c == 'S' ? "true" : "false", c == 'S' ? 4 : 5);
	bool bad;
	if (s->phase < 2 || !message(s->rx + s->mark, s->rx_len - s->mark, &bad))
		return;
	const uint8_t *m = s->rx + s->mark;
	uint32_t len = be32(m + 1);
	if (m[0] == 'R' && len >= 8) {
		static const char *const methods[] = {
			[0] = "trust", [2] = "kerberos5", [3] = "password", [5] = "md5",
			[7] = "gss", [9] = "sspi", [10] = "scram-sha-256"};
		uint32_t code = be32(m + 5);
		const char *name = code < 11 && methods[code] ? methods[code] : "other";
		grab_field(r, "postgres.auth", name, strlen(name));
	} else if (m[0] == 'E') {
		/* fields: type byte + NUL-terminated string, until a 0 type */
		size_t off = 5, end = 1 + len;
		while (off < end && m[off]) {
			uint8_t f = m[off++];
			const uint8_t *z = memchr(m + off, 0, end - off);
			if (!z)
				break;
			size_t l = (size_t)(z - (m + off));
			if (f == 'C')
				grab_field(r, "postgres.code", (const char *)m + off, l);
			else if (f == 'M')
				grab_field(r, "postgres.error", (const char *)m + off, l);
			else if (f == 'S' && l < 16)
				grab_field(r, "postgres.severity", (const char *)m + off, l);
			off += l + 1;
		}
	}
}

const struct grab_module grab_mod_postgres = {
	.name = "postgres",
	.service = "postgresql",
	.nmap_probes = NULL,
	.start = start,
	.on_data = on_data,
	.on_idle = NULL,
	.finish = finish,
	.detect = NULL,
};
