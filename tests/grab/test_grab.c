/* Grab pool unit tests: the MPSC ring under contention, every protocol module on recorded
 * banners (fed in pieces, as the network would), greeting detection, the nmap-service-probes
 * parser and matcher (a small inline db, and Debian's full file on the lab's banners), JSON
 * escaping, and the pool itself over loopback against misbehaving in-process servers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/followup/grab.h"
#include "output/grab_json.h"
#include "core/followup/module.h"
#include "core/followup/probes.h"
#include "core/base/ring.h"
#include "tests/unit/check.h"

/* ---- ring ---- */

#define PRODUCERS 4
#define PER_PRODUCER 200000

static struct ring test_ring;

static void *producer(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	struct scan_result r;
	memset(&r, 0, sizeof(r));
	for (uint32_t i = 0; i < PER_PRODUCER; i++) {
		r.addr = id;
		r.tcp_tsval = i;
		while (!ring_push(&test_ring, &r))
			;
	}
	return NULL;
}

static void test_ring_basic(void)
{
	struct ring q;
	CHECK(ring_init(&q, 3) == 0); /* rounds up to 4 */
	struct scan_result r, out;
	memset(&r, 0, sizeof(r));
	CHECK(ring_empty(&q));
	CHECK(!ring_pop(&q, &out));
	for (int i = 0; i < 4; i++) {
		r.port = (uint16_t)i;
		CHECK(ring_push(&q, &r));
	}
	CHECK(!ring_push(&q, &r)); /* full */
	for (int i = 0; i < 4; i++) {
		CHECK(ring_pop(&q, &out));
		CHECK_EQ_U64(out.port, i);
	}
	CHECK(!ring_pop(&q, &out));
	ring_free(&q);

	/* 4 producers, 1 consumer: every item once, each producer's items in order */
	CHECK(ring_init(&test_ring, 1024) == 0);
	pthread_t th[PRODUCERS];
	for (uintptr_t i = 0; i < PRODUCERS; i++)
		pthread_create(&th[i], NULL, producer, (void *)i);
	uint32_t next[PRODUCERS] = {0};
	uint64_t got = 0, bad = 0;
	while (got < (uint64_t)PRODUCERS * PER_PRODUCER) {
		if (!ring_pop(&test_ring, &out))
			continue;
		if (out.addr >= PRODUCERS || out.tcp_tsval != next[out.addr])
			bad++;
		else
			next[out.addr]++;
		got++;
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ_U64(bad, 0);
	CHECK(ring_empty(&test_ring));
	ring_free(&test_ring);
}

/* ---- modules on recorded answers ---- */

struct run {
	struct grab_session s;
	uint8_t buf[8192];
	enum grab_verdict v;
	const struct grab_module *m;
	struct grab_result r;
	char sent[2048];
	size_t sent_len;
};

static void take_tx(struct run *x)
{
	if (x->s.tx_len && x->sent_len + x->s.tx_len < sizeof(x->sent)) {
		memcpy(x->sent + x->sent_len, x->s.tx, x->s.tx_len);
		x->sent_len += x->s.tx_len;
		x->sent[x->sent_len] = 0;
	}
	x->s.tx_len = 0;
	x->s.wait_ms = 0;
}

static void run_start(struct run *x, const struct grab_module *m, uint16_t port)
{
	memset(x, 0, sizeof(*x));
	x->m = m;
	x->s.addr = 0xc6120a0bu;
	x->s.port = port;
	x->s.rx = x->buf;
	x->s.rx_limit = sizeof(x->buf);
	x->v = m->start(&x->s);
	take_tx(x);
}

/* Feeds bytes one piece at a time (pieces of `step` bytes) as the network might. */
static void run_feed(struct run *x, const void *data, size_t n, size_t step)
{
	const uint8_t *p = data;
	for (size_t off = 0; off < n && x->v == GRAB_MORE; off += step) {
		size_t k = n - off < step ? n - off : step;
		memcpy(x->buf + x->s.rx_len, p + off, k);
		x->s.rx_len += k;
		x->v = x->m->on_data(&x->s);
		take_tx(x);
	}
}

static void run_eof(struct run *x)
{
	x->s.eof = true;
	if (x->v == GRAB_MORE)
		x->v = x->m->on_data(&x->s);
}

static void run_finish(struct run *x)
{
	grab_result_not_grabbed(&x->r, &(struct scan_result){0});
	x->m->finish(&x->s, &x->r);
}

static const char *field(struct run *x, const char *k)
{
	const char *v = grab_field_get(&x->r, k);
	return v ? v : "(none)";
}

static void test_ssh(void)
{
	struct run x;
	run_start(&x, &grab_mod_ssh, 22);
	const char id[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
	run_feed(&x, id, strlen(id), 7);
	CHECK(x.v == GRAB_MORE);
	CHECK(strncmp(x.sent, "SSH-2.0-orbit", 13) == 0);
	/* a KEXINIT packet: len, padding, msg 20, cookie, 10 name-lists, bool, uint32 */
	uint8_t pkt[512];
	size_t k = 4;
	pkt[k++] = 4;
	pkt[k++] = 20;
	memset(pkt + k, 0xab, 16);
	k += 16;
	const char *lists[10] = {"curve25519-sha256,diffie-hellman-group14-sha256",
				 "rsa-sha2-512,ssh-ed25519", "aes128-ctr", "chacha20-poly1305@openssh.com",
				 "hmac-sha2-256", "umac-128-etm@openssh.com", "none", "none,zlib@openssh.com",
				 "", ""};
	for (int i = 0; i < 10; i++) {
		uint32_t l = (uint32_t)strlen(lists[i]);
		pkt[k++] = (uint8_t)(l >> 24);
		pkt[k++] = (uint8_t)(l >> 16);
		pkt[k++] = (uint8_t)(l >> 8);
		pkt[k++] = (uint8_t)l;
		memcpy(pkt + k, lists[i], l);
		k += l;
	}
	pkt[k++] = 0;
	memset(pkt + k, 0, 4 + 4);
	k += 8;
	uint32_t len = (uint32_t)(k - 4);
	pkt[0] = (uint8_t)(len >> 24);
	pkt[1] = (uint8_t)(len >> 16);
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	run_feed(&x, pkt, k, 13);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.service, "ssh");
	CHECK_STR_EQ(x.r.product, "OpenSSH");
	CHECK_STR_EQ(x.r.version, "9.2p1 Debian 2+deb12u10");
	CHECK_STR_EQ(x.r.info, "protocol 2.0");
	CHECK_STR_EQ(x.r.ostype, "Linux");
	CHECK_STR_EQ(field(&x, "ssh.kex_algorithms"), "curve25519-sha256,diffie-hellman-group14-sha256");
	CHECK_STR_EQ(field(&x, "ssh.host_key_algorithms"), "rsa-sha2-512,ssh-ed25519");
	CHECK_STR_EQ(field(&x, "ssh.ciphers"), "chacha20-poly1305@openssh.com");
	CHECK_STR_EQ(field(&x, "ssh.compression"), "none,zlib@openssh.com");

	struct grab_result r;
	memset(&r, 0, sizeof(r));
	grab_ssh_ident("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6", &r);
	CHECK_STR_EQ(r.version, "8.9p1 Ubuntu 3ubuntu0.6");
	CHECK_STR_EQ(r.info, "Ubuntu Linux; protocol 2.0");
	memset(&r, 0, sizeof(r));
	grab_ssh_ident("SSH-2.0-dropbear_2022.83", &r);
	CHECK_STR_EQ(r.product, "Dropbear sshd");
	CHECK_STR_EQ(r.version, "2022.83");
	memset(&r, 0, sizeof(r));
	grab_ssh_ident("SSH-1.99-Cisco-1.25", &r);
	CHECK_STR_EQ(r.product, "Cisco");
	CHECK_STR_EQ(r.version, "1.25");
	CHECK_STR_EQ(r.info, "protocol 1.99");

	/* binary junk is not SSH */
	run_start(&x, &grab_mod_ssh, 22);
	const uint8_t junk[] = {0x16, 0x03, 0x01, 0x00, 0xff, 0x00};
	run_feed(&x, junk, sizeof(junk), 6);
	CHECK(x.v == GRAB_MISMATCH);
}

static void test_http(void)
{
	struct run x;
	run_start(&x, &grab_mod_http, 80);
	CHECK(strstr(x.sent, "GET / HTTP/1.1\r\nHost: 198.18.10.11\r\n") == x.sent);
	CHECK(strstr(x.sent, "OPTIONS / HTTP/1.1\r\nHost: 198.18.10.11\r\n") != NULL);
	CHECK(strstr(x.sent, "Connection: close\r\n\r\n") != NULL);
	const char body[] = "<html><head><title>orbit\n  lab h10</title></head></html>\n";
	char resp[1024];
	int rl = snprintf(resp, sizeof(resp),
			  "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n"
			  "Content-Length: %zu\r\n\r\n%s"
			  "HTTP/1.1 405 Not Allowed\r\nServer: nginx/1.22.1\r\nAllow: GET, HEAD\r\n"
			  "Content-Length: 10\r\nConnection: close\r\n\r\n",
			  strlen(body), body);
	run_feed(&x, resp, (size_t)rl, 10);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.service, "http");
	CHECK_STR_EQ(x.r.product, "nginx");
	CHECK_STR_EQ(x.r.version, "1.22.1");
	CHECK_STR_EQ(field(&x, "http.status"), "200");
	CHECK_STR_EQ(field(&x, "http.title"), "orbit lab h10");
	CHECK_STR_EQ(field(&x, "http.methods"), "GET, HEAD");
	CHECK_STR_EQ(field(&x, "http.options_status"), "405");

	/* chunked body, then close */
	run_start(&x, &grab_mod_http, 8080);
	CHECK(strstr(x.sent, "Host: 198.18.10.11:8080\r\n") != NULL);
	const char ch[] = "HTTP/1.1 200 OK\r\nServer: Apache/2.4.6 (CentOS) OpenSSL/1.0.2k\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n5\r\n<titl\r\n0\r\n\r\n";
	run_feed(&x, ch, strlen(ch), 1000);
	CHECK(x.v == GRAB_MORE); /* waiting for the OPTIONS answer */
	run_eof(&x);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "Apache httpd");
	CHECK_STR_EQ(x.r.version, "2.4.6");
	CHECK_STR_EQ(x.r.info, "(CentOS)");

	run_start(&x, &grab_mod_http, 8080);
	run_feed(&x, "orbit lab h14\n", 14, 14);
	CHECK(x.v == GRAB_MISMATCH);
}

static void test_ftp(void)
{
	struct run x;
	run_start(&x, &grab_mod_ftp, 21);
	run_feed(&x, "220 (vsFTPd 3.0.3)\r\n", 20, 3);
	CHECK_STR_EQ(x.sent, "USER anonymous\r\n");
	run_feed(&x, "331 Please specify the password.\r\n", 34, 34);
	CHECK(strstr(x.sent, "PASS ") != NULL);
	run_feed(&x, "230 Login successful.\r\n", 23, 5);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.service, "ftp");
	CHECK_STR_EQ(x.r.product, "vsftpd");
	CHECK_STR_EQ(x.r.version, "3.0.3");
	CHECK_STR_EQ(x.r.ostype, "Unix");
	CHECK_STR_EQ(field(&x, "ftp.anonymous"), "true");

	run_start(&x, &grab_mod_ftp, 21);
	const char ml[] = "220-Welcome\r\n220-to the server\r\n220 ProFTPD 1.3.8 Server ready.\r\n";
	run_feed(&x, ml, strlen(ml), 4);
	CHECK_STR_EQ(x.sent, "USER anonymous\r\n");
	run_feed(&x, "530 Login incorrect.\r\n", 22, 22);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "ProFTPD");
	CHECK_STR_EQ(x.r.version, "1.3.8");
	CHECK_STR_EQ(field(&x, "ftp.anonymous"), "false");
}

static void test_smtp_pop_imap(void)
{
	struct run x;
	run_start(&x, &grab_mod_smtp, 25);
	run_feed(&x, "220 mx.lab.orbit ESMTP Exim 4.96 Mon, 1 Jan 2024\r\n", 50, 50);
	CHECK_STR_EQ(x.sent, "EHLO orbit.invalid\r\n");
	const char ehlo[] = "250-mx.lab.orbit Hello\r\n250-SIZE 52428800\r\n250-PIPELINING\r\n"
			    "250 STARTTLS\r\n";
	run_feed(&x, ehlo, strlen(ehlo), 9);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "Exim smtpd");
	CHECK_STR_EQ(x.r.version, "4.96");
	CHECK_STR_EQ(field(&x, "smtp.extensions"), "SIZE 52428800,PIPELINING,STARTTLS");
	CHECK_STR_EQ(field(&x, "smtp.hostname"), "mx.lab.orbit");

	run_start(&x, &grab_mod_pop3, 110);
	run_feed(&x, "+OK Dovecot (Debian) ready.\r\n", 29, 29);
	CHECK_STR_EQ(x.sent, "CAPA\r\n");
	const char capa[] = "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\n.\r\n";
	run_feed(&x, capa, strlen(capa), 3);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "Dovecot pop3d");
	CHECK_STR_EQ(field(&x, "pop3.capabilities"), "CAPA TOP UIDL");

	run_start(&x, &grab_mod_imap, 143);
	const char g[] = "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot (Debian) ready.\r\n";
	run_feed(&x, g, strlen(g), 20);
	CHECK_STR_EQ(x.sent, "a1 CAPABILITY\r\n");
	const char c[] = "* CAPABILITY IMAP4rev1 SASL-IR IDLE\r\na1 OK done\r\n";
	run_feed(&x, c, strlen(c), 20);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "Dovecot imapd");
	CHECK_STR_EQ(field(&x, "imap.capabilities"), "IMAP4rev1 SASL-IR IDLE");
}

static void test_mysql_redis_pg_telnet(void)
{
	struct run x;
	/* MariaDB handshake: len 3 bytes, seq 0, protocol 10, version, NUL, ... */
	uint8_t hs[80] = {0};
	const char v[] = "5.5.5-10.11.6-MariaDB-0+deb12u1";
	size_t k = 4;
	hs[k++] = 10;
	memcpy(hs + k, v, sizeof(v));
	k += sizeof(v);
	k += 20;
	hs[0] = (uint8_t)(k - 4);
	run_start(&x, &grab_mod_mysql, 3306);
	run_feed(&x, hs, k, 5);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "MySQL");
	CHECK_STR_EQ(x.r.version, v);
	CHECK_STR_EQ(field(&x, "mysql.flavor"), "MariaDB");
	CHECK(grab_module_detect(hs, k) == &grab_mod_mysql);

	const char err[] = "\x45\0\0\0\xffj\x04Host '198.18.0.2' is not allowed to connect to this "
			   "MariaDB server";
	run_start(&x, &grab_mod_mysql, 3306);
	run_feed(&x, err, sizeof(err) - 1, 100);
	run_eof(&x);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "MariaDB");
	CHECK_STR_EQ(x.r.info, "unauthorized");

	run_start(&x, &grab_mod_redis, 6379);
	CHECK_STR_EQ(x.sent, "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n");
	const char body[] = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
			    "os:Linux 6.1.0 x86_64\r\n";
	char info[256];
	int n = snprintf(info, sizeof(info), "$%zu\r\n%s\r\n", strlen(body), body);
	run_feed(&x, info, (size_t)n - 3, 7);
	CHECK(x.v == GRAB_MORE);
	run_feed(&x, info + n - 3, 3, 3);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "Redis key-value store");
	CHECK_STR_EQ(x.r.version, "7.0.15");
	CHECK_STR_EQ(field(&x, "redis.mode"), "standalone");

	run_start(&x, &grab_mod_postgres, 5432);
	CHECK_EQ_U64(x.sent_len, 8);
	run_feed(&x, "N", 1, 1);
	CHECK_EQ_U64(x.sent_len, 8 + 38);
	const char pe[] = "E\0\0\0\x38SFATAL\0C28000\0Mno pg_hba.conf entry for host\0Rauth\0\0";
	run_feed(&x, pe, sizeof(pe) - 1, 4);
	CHECK(x.v == GRAB_DONE);
	run_finish(&x);
	CHECK_STR_EQ(x.r.product, "PostgreSQL DB");
	CHECK_STR_EQ(field(&x, "postgres.ssl"), "false");
	CHECK_STR_EQ(field(&x, "postgres.code"), "28000");
	CHECK_STR_EQ(field(&x, "postgres.error"), "no pg_hba.conf entry for host");

	run_start(&x, &grab_mod_telnet, 23);
	const uint8_t tn[] = {255, 253, 24, 255, 253, 32, 255, 251, 1, 'D', 'e', 'b', 'i', 'a',
			      'n', '\r', '\n', 'l', 'o', 'g', 'i', 'n', ':', ' '};
	run_feed(&x, tn, 2, 2);
	CHECK_EQ_U64(x.sent_len, 0); /* incomplete negotiation: nothing yet */
	run_feed(&x, tn + 2, sizeof(tn) - 2, 5);
	CHECK(x.v == GRAB_DONE);
	CHECK_EQ_U64(x.sent_len, 9);
	CHECK(memcmp(x.sent, "\xff\xfc\x18\xff\xfc\x20\xff\xfe\x01", 9) == 0);
	run_finish(&x);
	CHECK_STR_EQ(field(&x, "telnet.banner"), "Debian login:");
}

static void test_detect(void)
{
	struct {
		const char *g;
		const struct grab_module *m;
	} cases[] = {
		{"SSH-2.0-x\r\n", &grab_mod_ssh},
		{"220 (vsFTPd 3.0.3)\r\n", &grab_mod_ftp},
		{"220 mail ESMTP Postfix\r\n", &grab_mod_smtp},
		{"+OK ready\r\n", &grab_mod_pop3},
		{"* OK IMAP ready\r\n", &grab_mod_imap},
		{"HTTP/1.0 400 Bad\r\n", &grab_mod_http},
		{"-ERR wrong number of arguments for 'get' command\r\n", &grab_mod_redis},
		{"hello world\r\n", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(grab_module_detect((const uint8_t *)cases[i].g, strlen(cases[i].g)) == cases[i].m);
	bool tls;
	CHECK(grab_module_for_port(443, &tls) == &grab_mod_http && tls);
	CHECK(grab_module_for_port(22, &tls) == &grab_mod_ssh && !tls);
	CHECK(grab_module_for_port(12345, &tls) == &grab_mod_generic && !tls);
	CHECK(grab_module_by_name("redis") == &grab_mod_redis);
}

/* ---- probe database ---- */

static const char small_db[] =
	"# test\n"
	"Exclude T:9100\n"
	"Probe TCP NULL q||\n"
	"totalwaitms 6000\n"
	"match ftp m|^220 \\(vsFTPd ([-.\\w]+)\\)\\r\\n| p/vsftpd/ v/$1/ o/Unix/ cpe:/a:vsftpd:vsftpd:$1/\n"
	"match ssh m|^SSH-([\\d.]+)-OpenSSH_([\\w._-]+) Debian-(\\S+)\\r?\\n| p/OpenSSH/ v/$2 Debian $3/ i/protocol $1/ o/Linux/ cpe:/a:openbsd:openssh:$2/\n"
	"match foo m/^FOO (\\w+)-(\\w+)/i p/Foo $SUBST(1,\"_\",\".\")/ v/$P(2)/ i/n=$I(3,\">\")/\n"
	"softmatch bar m|^BAR|\n"
	"Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|\n"
	"rarity 1\n"
	"ports 80\n"
	"match http m|^HTTP/1\\.[01] \\d\\d\\d.*\\r\\nServer: nginx/([\\d.]+)\\r\\n|s p/nginx/ v/$1/\n"
	"Probe TCP Other q|\\x01\\0x|\n"
	"fallback GetRequest\n";

static void test_probes_small(void)
{
	struct errbuf e = {{0}};
	struct probe_db *db = probe_db_parse(small_db, strlen(small_db), "small", &e);
	CHECK(db != NULL);
	if (!db) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	struct probe_db_stats st;
	probe_db_stats(db, &st);
	CHECK_EQ_U64(st.probes, 3);
	CHECK_EQ_U64(st.matches, 4);
	CHECK_EQ_U64(st.softmatches, 1);
	struct probe_scratch *sc = probe_scratch_new();
	struct grab_result r;
	const char g[] = "220 (vsFTPd 3.0.3)\r\n";
	memset(&r, 0, sizeof(r));
	CHECK_EQ_U64(probe_db_match(db, sc, NULL, (const uint8_t *)g, strlen(g), NULL, 0, &r), 2);
	CHECK_STR_EQ(r.service, "ftp");
	CHECK_STR_EQ(r.product, "vsftpd");
	CHECK_STR_EQ(r.version, "3.0.3");
	CHECK_STR_EQ(r.ostype, "Unix");
	CHECK_STR_EQ(r.cpe, "cpe:/a:vsftpd:vsftpd:3.0.3");
	const char f[] = "foo my_prod-v\x01" "2";
	memset(&r, 0, sizeof(r));
	CHECK_EQ_U64(probe_db_match(db, sc, NULL, (const uint8_t *)f, strlen(f), NULL, 0, &r), 2);
	CHECK_STR_EQ(r.product, "Foo my.prod");
	CHECK_STR_EQ(r.version, "v");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_U64(probe_db_match(db, sc, NULL, (const uint8_t *)"BARx", 4, NULL, 0, &r), 1);
	CHECK_STR_EQ(r.service, "bar");
	/* answers: the probe, its fallback, then the NULL probe's matches */
	const char *const other[] = {"Other", NULL};
	const char h[] = "HTTP/1.1 200 OK\r\nDate: x\r\nServer: nginx/1.22.1\r\n\r\n";
	memset(&r, 0, sizeof(r));
	CHECK_EQ_U64(probe_db_match(db, sc, other, NULL, 0, (const uint8_t *)h, strlen(h), &r), 2);
	CHECK_STR_EQ(r.product, "nginx");
	CHECK_STR_EQ(r.version, "1.22.1");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_U64(probe_db_match(db, sc, other, NULL, 0, (const uint8_t *)g, strlen(g), &r), 2);
	CHECK_STR_EQ(r.product, "vsftpd");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_U64(probe_db_match(db, sc, other, NULL, 0, (const uint8_t *)"zzz", 3, &r), 0);
	probe_scratch_free(sc);
	probe_db_free(db);

	const char *bad[] = {"match x m|a|\n", "Probe TCP X q|abc\n", "Probe TCP N q||\nfrob 1\n",
			     "Probe TCP N q||\nmatch x m|a| q/zz/\n", "Probe TCP N q||\nmatch x m|a\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = 0;
		struct probe_db *b = probe_db_parse(bad[i], strlen(bad[i]), "bad", &e);
		CHECK(b == NULL);
		CHECK(strncmp(e.msg, "bad:", 4) == 0); /* file:line: what (was "line N") */
		probe_db_free(b);
	}
}

static void test_probes_nmap(void)
{
	const char *path = "/usr/share/nmap/nmap-service-probes";
	if (access(path, R_OK) != 0) {
		printf("grab: %s missing, Nmap database test skipped\n", path);
		return;
	}
	struct errbuf e = {{0}};
	struct probe_db *db = probe_db_load(path, &e);
	CHECK(db != NULL);
	if (!db) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	struct probe_db_stats st;
	probe_db_stats(db, &st);
	CHECK(st.probes > 100 && st.matches > 10000);
	struct probe_scratch *sc = probe_scratch_new();
	struct {
		const char *probes[3], *greeting, *answer, *product, *version;
	} cases[] = {
		{{NULL}, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", NULL, "OpenSSH",
		 "9.2p1 Debian 2+deb12u10"},
		{{NULL}, "220 (vsFTPd 3.0.3)\r\n", NULL, "vsftpd", "3.0.3"},
		{{"GetRequest", NULL}, NULL,
		 "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon\r\n\r\n<html>", "nginx", "1.22.1"},
		{{"redis-server", NULL}, NULL,
		 "$123\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n", "Redis key-value store",
		 "7.0.15"},
	};
	CHECK(st.compiled < 100); /* compiled on first use: nothing yet */
	/* Three passes: on first use, while probe_db_warm() compiles the same patterns on its
	 * thread (both may compile one; one copy is kept), and once it is done. */
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 1)
			probe_db_warm(db);
		if (pass == 2)
			probe_db_warm_wait(db);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct grab_result r;
			memset(&r, 0, sizeof(r));
			const char *g = cases[i].greeting, *a = cases[i].answer;
			int rc = probe_db_match(db, sc, cases[i].probes, (const uint8_t *)g,
						g ? strlen(g) : 0, (const uint8_t *)a, a ? strlen(a) : 0,
						&r);
			CHECK_EQ_U64(rc, 2);
			CHECK_STR_EQ(r.product, cases[i].product);
			CHECK_STR_EQ(r.version, cases[i].version);
		}
	}
	probe_db_stats(db, &st);
	CHECK_EQ_U64(st.compiled + st.failed, st.matches + st.softmatches);
	printf("grab: probe_db_warm compiled %u patterns (%u refused by PCRE2)\n", st.compiled,
	       st.failed);
	probe_scratch_free(sc);
	probe_db_free(db);
	/* Freed while it warms: the thread stops at the next pattern and is joined. */
	db = probe_db_load(path, &e);
	probe_db_warm(db);
	probe_db_free(db);
}

static void test_json(void)
{
	struct grab_result r;
	struct scan_result s = {.addr = 0xc6120a0bu, .port = 80, .proto = 6, .state = PORT_OPEN,
				.reason = REASON_SYN_ACK};
	grab_result_not_grabbed(&r, &s);
	r.status = GRAB_STATUS_SUCCESS;
	GRAB_SETS(r.service, "http");
	memcpy(r.banner, "a\"b\\\n\x01\xff", 7);
	r.banner_len = 7;
	grab_field(&r, "http.title", "T", 1);
	grab_field(&r, "tls.version", "TLSv1.3", 7);
	grab_field(&r, "http.status", "200", 3);
	char buf[GRAB_JSON_MAX];
	size_t n = grab_result_json(&r, buf, sizeof(buf));
	CHECK(n > 0 && buf[n - 1] == '\n');
	buf[n] = 0;
	CHECK(strstr(buf, "\"addr\":\"198.18.10.11\"") != NULL);
	CHECK(strstr(buf, "\"grab_status\":\"success\"") != NULL);
	CHECK(strstr(buf, "\"banner\":\"a\\\"b\\\\\\n\\u0001\\u00ff\"") != NULL);
	CHECK(strstr(buf, "\"http\":{\"title\":\"T\",\"status\":\"200\"}") != NULL);
	CHECK(strstr(buf, "\"tls\":{\"version\":\"TLSv1.3\"}") != NULL);
	CHECK_EQ_U64(grab_result_json(&r, buf, 20), 0);
}

/* ---- the pool over loopback, against in-process servers ---- */

enum behaviour { B_GREET, B_SILENT, B_CLOSE, B_RESET, B_FLOOD, B_JUNK };

struct server {
	int fd;
	uint16_t port;
	enum behaviour b;
	pthread_t th;
	atomic_bool stop;
};

static void *serve(void *arg)
{
	struct server *sv = arg;
	int held[64];
	int nheld = 0;
	static char big[65536];
	memset(big, 'A', sizeof(big));
	while (!atomic_load(&sv->stop)) {
		struct pollfd pf = {.fd = sv->fd, .events = POLLIN};
		if (poll(&pf, 1, 50) <= 0)
			continue;
		int c = accept(sv->fd, NULL, NULL);
		if (c < 0)
			continue;
		switch (sv->b) {
		case B_GREET: {
			const char g[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
			ssize_t w = write(c, g, strlen(g));
			(void)w;
			close(c);
			break;
		}
		case B_SILENT:
			if (nheld < 64)
				held[nheld++] = c;
			else
				close(c);
			break;
		case B_CLOSE:
			close(c);
			break;
		case B_RESET: {
			struct linger lg = {1, 0};
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(c);
			break;
		}
		case B_FLOOD:
			for (int i = 0; i < 32; i++)
				if (write(c, big, sizeof(big)) <= 0)
					break;
			close(c);
			break;
		case B_JUNK: {
			const uint8_t j[] = {0x00, 0xff, 0x13, 0x37, 0x80, 0x01, 0xfe};
			ssize_t w = write(c, j, sizeof(j));
			(void)w;
			if (nheld < 64)
				held[nheld++] = c;
			break;
		}
		}
	}
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	return NULL;
}

static void server_start(struct server *sv, enum behaviour b)
{
	memset(sv, 0, sizeof(*sv));
	sv->b = b;
	sv->fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(sv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(sv->fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t l = sizeof(a);
	getsockname(sv->fd, (struct sockaddr *)&a, &l);
	sv->port = ntohs(a.sin_port);
	listen(sv->fd, 128);
	pthread_create(&sv->th, NULL, serve, sv);
}

static void server_stop(struct server *sv)
{
	atomic_store(&sv->stop, true);
	pthread_join(sv->th, NULL);
	close(sv->fd);
}

struct collected {
	pthread_mutex_t lock;
	unsigned n;
	uint16_t port[64];
	uint8_t status[64];
	char product[64][96];
	uint64_t rx[64];
	uint8_t trunc[64];
};

static void collect(const struct grab_result *r, void *user)
{
	struct collected *c = user;
	pthread_mutex_lock(&c->lock);
	if (c->n < 64) {
		c->port[c->n] = r->scan.port;
		c->status[c->n] = r->status;
		snprintf(c->product[c->n], sizeof(c->product[0]), "%s", r->product);
		c->rx[c->n] = r->rx_bytes;
		c->trunc[c->n] = r->banner_truncated;
		c->n++;
	}
	pthread_mutex_unlock(&c->lock);
}

static int find(struct collected *c, uint16_t port)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->port[i] == port)
			return (int)i;
	return -1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_pool_loopback(void)
{
	struct server sv[6];
	for (int i = 0; i < 6; i++)
		server_start(&sv[i], (enum behaviour)i);
	/* a port with no listener: bind, read the port, close */
	int tmp = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(tmp, (struct sockaddr *)&a, sizeof(a));
	socklen_t l = sizeof(a);
	getsockname(tmp, (struct sockaddr *)&a, &l);
	uint16_t closed_port = ntohs(a.sin_port);
	close(tmp);

	struct collected col = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct grab_params p = {.threads = 1, .concurrency = 4, .timeout_ms = 600,
				.max_bytes = 100000, .on_result = collect, .user = &col};
	struct errbuf e = {{0}};
	struct grab_pool *pool = grab_pool_start(&p, &e);
	CHECK(pool != NULL);
	if (!pool)
		return;
	double t0 = mono();
	for (int i = 0; i < 6; i++)
		CHECK(grab_pool_submit_addr(pool, 0x7f000001u, sv[i].port));
	CHECK(grab_pool_submit_addr(pool, 0x7f000001u, closed_port));
	CHECK(grab_pool_drain(pool, 5000));
	double dt = mono() - t0;
	struct grab_stats st;
	grab_pool_stats(pool, &st);
	grab_pool_stop(pool);
	CHECK_EQ_U64(col.n, 7);
	CHECK(st.peak_active <= 4);
	/* 7 ports, 4 slots, the two silent ones take 0.6 s each: well under 2 s */
	CHECK(dt < 2.0);
	int k;
	CHECK((k = find(&col, sv[B_GREET].port)) >= 0 && col.status[k] == GRAB_STATUS_SUCCESS &&
	      strcmp(col.product[k], "OpenSSH") == 0);
	CHECK((k = find(&col, sv[B_SILENT].port)) >= 0 && col.status[k] == GRAB_STATUS_IO_TIMEOUT);
	CHECK((k = find(&col, sv[B_CLOSE].port)) >= 0 &&
	      col.status[k] == GRAB_STATUS_CONNECTION_CLOSED);
	CHECK((k = find(&col, sv[B_RESET].port)) >= 0 &&
	      col.status[k] == GRAB_STATUS_CONNECTION_CLOSED);
	CHECK((k = find(&col, sv[B_FLOOD].port)) >= 0 && col.status[k] == GRAB_STATUS_SUCCESS &&
	      col.rx[k] == 100000 && col.trunc[k]);
	CHECK((k = find(&col, sv[B_JUNK].port)) >= 0 && col.status[k] == GRAB_STATUS_SUCCESS &&
	      col.rx[k] == 7);
	CHECK((k = find(&col, closed_port)) >= 0 &&
	      col.status[k] == GRAB_STATUS_CONNECTION_REFUSED);
	for (int i = 0; i < 6; i++)
		server_stop(&sv[i]);
}

/* Overflow: a tiny ring and a stopped consumer (all slots held by a silent server). */
static void test_pool_overflow(void)
{
	struct server sv;
	server_start(&sv, B_SILENT);
	struct collected col = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct grab_params p = {.threads = 1, .concurrency = 2, .queue = 4, .timeout_ms = 300,
				.on_result = collect, .user = &col};
	struct errbuf e = {{0}};
	struct grab_pool *pool = grab_pool_start(&p, &e);
	CHECK(pool != NULL);
	if (!pool)
		return;
	unsigned ok = 0, refused = 0;
	for (int i = 0; i < 40; i++) {
		if (grab_pool_submit_addr(pool, 0x7f000001u, sv.port))
			ok++;
		else
			refused++;
	}
	CHECK(refused > 0);
	CHECK(ok >= 4);
	CHECK(grab_pool_drain(pool, 10000));
	struct grab_stats st;
	grab_pool_stats(pool, &st);
	CHECK_EQ_U64(st.overflow, refused);
	CHECK_EQ_U64(st.completed, ok);
	CHECK_EQ_U64(st.io_timeout, ok);
	CHECK(st.peak_active <= 2);
	grab_pool_stop(pool);
	CHECK_EQ_U64(col.n, ok);
	server_stop(&sv);

	struct grab_result r;
	struct scan_result s = {.addr = 1, .port = 2};
	grab_result_not_grabbed(&r, &s);
	CHECK_STR_EQ(grab_status_name((enum grab_status)r.status), "not-grabbed");
}

int main(void)
{
	test_ring_basic();
	test_ssh();
	test_http();
	test_ftp();
	test_smtp_pop_imap();
	test_mysql_redis_pg_telnet();
	test_detect();
	test_probes_small();
	test_probes_nmap();
	test_json();
	test_pool_loopback();
	test_pool_overflow();
	return check_done("grab");
}
