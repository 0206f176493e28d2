/* Redis: INFO server (RESP) → redis_version, mode, os; an error answer (NOAUTH,
 * "operation not permitted") still names Redis. */
#include <stdlib.h>
#include <string.h>

#include "core/followup/module.h"

static const char *const probes[] = {"redis-server", "GetRequest", NULL};

static enum grab_verdict start(struct grab_session *s)
{
	grab_send_str(s, "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n");
	return GRAB_MORE;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	char c = (char)s->rx[0];
	if (c != '$' && c != '-' && c != '+' && c != '*' && c != ':') {
		s->why = "not redis";
		return GRAB_MISMATCH;
	}
	const uint8_t *e = grab_line_end(s->rx, s->rx_len);
	if (!e)
		return s->eof ? GRAB_ERROR : GRAB_MORE;
	if (c != '$')
		return GRAB_DONE;
	if (s->rx_len > 1 && s->rx[1] == '-') /* $-1: nil */
		return GRAB_DONE;
	uint64_t len = grab_number(s->rx + 1, e, 10);
	if (len > s->rx_limit || (size_t)(e - s->rx) + (size_t)len + 2 <= s->rx_len)
		return GRAB_DONE;
	return s->eof ? GRAB_DONE : GRAB_MORE;
}

static void info_field(const uint8_t *p, size_t n, const char *key, char *dst, size_t cap)
{
	dst[0] = 0;
	char pat[48];
	size_t kl = strlen(key);
	if (kl + 3 > sizeof(pat))
		return;
	pat[0] = '\n';
	memcpy(pat + 1, key, kl);
	pat[kl + 1] = ':';
	pat[kl + 2] = 0;
	const uint8_t *h = grab_memcasemem(p, n, pat);
	if (h)
		grab_line(dst, cap, h + kl + 2, n - (size_t)(h + kl + 2 - p));
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	const uint8_t *p = s->rx;
	size_t n = s->rx_len;
	if (n < 3)
		return;
	if (p[0] == '-') {
		char l[200];
		grab_line(l, sizeof(l), p, n);
		if (!strstr(l, "NOAUTH") && !strstr(l, "operation not permitted") &&
		    !strstr(l, "wrong number of arguments") && !strstr(l, "DENIED") &&
		    !strstr(l, "unknown command"))
			return;
		GRAB_SETS(r->service, "redis");
		GRAB_SETS(r->product, "Redis key-value store");
		grab_field(r, "redis.error", l + 1, strlen(l + 1));
		return;
	}
	if (p[0] != '$')
		return;
	char v[64];
	info_field(p, n, "redis_version", v, sizeof(v));
	if (!v[0])
		return;
	GRAB_SETS(r->service, "redis");
	GRAB_SETS(r->product, "Redis key-value store");
	GRAB_SETS(r->version, v);
	grab_field(r, "redis.version", v, strlen(v));
	static const char *const keys[] = {"redis_mode", "os", "arch_bits", "tcp_port",
					   "process_id"};
	static const char *const names[] = {"redis.mode", "redis.os", "redis.arch_bits",
					    "redis.tcp_port", "redis.process_id"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		info_field(p, n, keys[i], v, sizeof(v));
		if (v[0])
			grab_field(r, names[i], v, strlen(v));
	}
}

static bool detect(const uint8_t *p, size_t n)
{
	/* answers to the generic module's HTTP request, or an unsolicited refusal */
	return (n >= 40 && memcmp(p, "-ERR wrong number of arguments for 'get'", 40) == 0) ||
	       (n >= 7 && memcmp(p, "-NOAUTH", 7) == 0) ||
	       (n >= 14 && memcmp(p, "-DENIED Redis ", 14) == 0);
}

const struct grab_module grab_mod_redis = {
	.name = "redis",
	.service = "redis",
	.nmap_probes = probes,
	.start = start,
	.on_data = on_data,
	.on_idle = NULL,
	.finish = finish,
	.detect = detect,
};
