/* libFuzzer target for every grab module's parser of what a server sends: the first input
 * byte picks the module (and TLS off/on), the rest is the server's bytes, fed in two
 * pieces (as the network would) to on_data, then EOF, then finish() fills a result; the
 * exposed header parsers (HTTP Server:, SSH ident) get the same bytes. No sockets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/module.h"

static const struct grab_module *const mods[] = {
	&grab_mod_generic, &grab_mod_http, &grab_mod_ssh, &grab_mod_ftp, &grab_mod_smtp,
	&grab_mod_pop3, &grab_mod_imap, &grab_mod_mysql, &grab_mod_redis, &grab_mod_postgres,
	&grab_mod_telnet,
};

static void require(int cond)
{
	if (!cond)
		abort();
}

static enum grab_verdict feed(const struct grab_module *m, struct grab_session *s, size_t upto)
{
	s->rx_len = upto;
	s->tx_len = 0; /* the pool would have sent it */
	return m->on_data(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const size_t nm = sizeof(mods) / sizeof(mods[0]);
	const struct grab_module *m = mods[data[0] % nm];
	const uint8_t *rx = data + 1;
	size_t n = size - 1;
	static struct grab_session s;
	memset(&s, 0, sizeof(s));
	s.addr = 0xc6120a0a;
	s.port = 80;
	s.rx = rx;
	s.rx_limit = n;
	s.timeout_ms = 1000;
	enum grab_verdict v = m->start(&s);
	if (v == GRAB_MORE && n) {
		v = feed(m, &s, n / 2 ? n / 2 : n);
		if (v == GRAB_MORE)
			v = feed(m, &s, n);
		if (v == GRAB_MORE && m->on_idle)
			v = m->on_idle(&s);
		if (v == GRAB_MORE) {
			s.eof = true;
			v = m->on_data(&s);
		}
	}
	require(s.tx_len <= GRAB_TX_MAX && s.rx_len <= n);
	static struct grab_result r;
	memset(&r, 0, sizeof(r));
	m->finish(&s, &r);
	require(memchr(r.product, 0, sizeof(r.product)) && memchr(r.info, 0, sizeof(r.info)));
	require(r.arena_used <= sizeof(r.arena) && r.nfields <= GRAB_FIELDS_MAX);
	(void)grab_module_detect(rx, n);
	char line[256];
	size_t ll = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
	memcpy(line, rx, ll);
	line[ll] = 0;
	memset(&r, 0, sizeof(r));
	grab_http_server(line, &r);
	grab_ssh_ident(line, &r);
	return 0;
}
