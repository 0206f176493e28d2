/* Version detection: the nmap-service-probes language (every directive, errors naming
 * file:line, probe-string escapes), the matcher's substitutions ($1, $P, $SUBST, $I, h/ d/
 * and several cpe:), the probe order for a port (ports, sslports, rarity, intensity), and
 * the probe sequence of the pool against in-process loopback servers (a service that
 * answers only a later probe, a softmatch refined by a later probe, tcpwrapped). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/followup/grab.h"
#include "core/followup/probes.h"
#include "core/followup/udp_vscan.h"
#include "tests/unit/check.h"

static const char db_text[] =
	"# every directive\n"
	"Exclude 9100-9102,T:9200,U:30000-30001\n"
	"Probe TCP NULL q||\n"
	"totalwaitms 6000\n"
	"tcpwrappedms 2500\n"
	"softmatch pong m|^PONG| p/Some pong/ v/1/\n"
	"match ftp m=^220 Foo (\\d+)\\.(\\d+)\\r\\n=s p/FooFTPd/ v/$1.$2/ h/box$1/ d/router/ cpe:/a:foo:ftpd:$1.$2/ cpe:/o:linux:linux_kernel/a\n"
	"Probe TCP Ping q|PING\\r\\n|\n"
	"rarity 3\n"
	"ports 7000-7010,7100\n"
	"sslports 7443\n"
	"totalwaitms 1500\n"
	"match pong m|PONG orbit ([\\d.]+)|i p/Orbit pong/ v/$1/ i/x=$I(2,\">\")/\n"
	"Probe TCP Rare q|\\x01\\x02\\0\\t\\\\z|\n"
	"rarity 8\n"
	"fallback Ping\n"
	"match bin m|^\\x00\\x10(..)|s p/Bin/ v/$I(1,\"<\")/ i/$SUBST(1,\"x\",\"y\")/\n"
	"Probe TCP Common q|HELLO\\n|\n"
	"rarity 1\n"
	"match hello m|^HELLO (\\S+) (.*)| p/$P(1)/ v/$P(2)/ o/Unix/\n"
	"Probe UDP Udp1 q|u|\n"
	"rarity 1\n"
	"ports 53\n"
	"match echo m|^ECHO (\\d+)| p/Echo/ v/$1/\n";

static struct probe_db *load(void)
{
	struct errbuf e = {{0}};
	struct probe_db *db = probe_db_parse(db_text, strlen(db_text), "t", &e);
	if (!db)
		fprintf(stderr, "parse: %s\n", e.msg);
	return db;
}

static void test_parse_directives(void)
{
	struct probe_db *db = load();
	CHECK(db != NULL);
	if (!db)
		return;
	struct probe_db_stats st;
	probe_db_stats(db, &st);
	CHECK_EQ_U64(st.probes, 5);
	CHECK_EQ_U64(st.matches, 5);
	CHECK_EQ_U64(st.softmatches, 1);
	CHECK(probe_db_excluded(db, 9101, false) && probe_db_excluded(db, 9101, true));
	CHECK(probe_db_excluded(db, 9200, false) && !probe_db_excluded(db, 9200, true));
	CHECK(!probe_db_excluded(db, 30000, false) && probe_db_excluded(db, 30001, true));
	CHECK(!probe_db_excluded(db, 9103, false));
	int ping = probe_db_find(db, "Ping", false), rare = probe_db_find(db, "Rare", false);
	CHECK(ping > 0 && rare > 0 && probe_db_find(db, "Udp1", true) > 0);
	CHECK_EQ_U64(probe_db_find(db, "Udp1", false), (uint64_t)-1);
	CHECK_EQ_U64(probe_db_waitms(db, probe_db_null(db), 5000), 6000);
	CHECK_EQ_U64(probe_db_waitms(db, ping, 5000), 1500);
	CHECK_EQ_U64(probe_db_waitms(db, rare, 5000), 5000); /* no totalwaitms: the default */
	CHECK_EQ_U64(probe_db_tcpwrappedms(db), 2500);
	size_t len;
	const uint8_t *p = probe_db_payload(db, rare, &len);
	/* \x01 \x02 \0 \t \\ z */
	CHECK_EQ_U64(len, 6);
	CHECK(memcmp(p, "\x01\x02\0\t\\z", 6) == 0);
	p = probe_db_payload(db, ping, &len);
	CHECK(len == 6 && memcmp(p, "PING\r\n", 6) == 0);
	probe_db_free(db);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"Probe TCP N q||\n\nfrob 1\n", "t:3: unknown directive 'frob 1'"},
		{"match x m|a|\n", "t:1: match before any Probe"},
		{"Probe TCP X q|abc\n", "t:1: unterminated probe string"},
		{"Probe SCTP X q||\n", "t:1: Probe protocol 'SCTP'"},
		{"Probe TCP N q||\nmatch x m|a| q/zz/\n", "t:2: unknown field"},
		{"Probe TCP N q||\nmatch x m|a\n", "t:2: bad match pattern"},
		{"Probe TCP N q||\nmatch x m|a|x\n", "t:2: unknown pattern flag 'x'"},
		{"Probe TCP N q||\nmatch x m|a| p/x\n", "t:2: unterminated field"},
		{"Probe TCP N q||\nrarity 10\n", "t:2: rarity '10'"},
		{"Probe TCP N q||\nports 80,x\n", "t:2: bad port list"},
		{"Probe TCP N q||\nports 90-80\n", "t:2: bad port range"},
		{"Probe TCP N q||\ntotalwaitms soon\n", "t:2: totalwaitms 'soon'"},
		{"Exclude T:70000\n", "t:1: bad port list"},
		{"rarity 3\n", "t:1: 'rarity 3' before any Probe"},
		{"# nothing\n", "t: no probes"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct errbuf e = {{0}};
		struct probe_db *db = probe_db_parse(bad[i].text, strlen(bad[i].text), "t", &e);
		CHECK(db == NULL);
		if (strncmp(e.msg, bad[i].want, strlen(bad[i].want)) != 0) {
			fprintf(stderr, "case %zu: got '%s', want '%s...'\n", i, e.msg, bad[i].want);
			CHECK(0);
		}
		probe_db_free(db);
	}
	struct errbuf e = {{0}};
	CHECK(probe_db_load("/nonexistent/probes", &e) == NULL);
	CHECK(strstr(e.msg, "/nonexistent/probes") != NULL);
}

static int match(struct probe_db *db, struct probe_scratch *sc, const char *probe,
		 const void *answer, size_t n, struct grab_result *r, char *soft)
{
	memset(r, 0, sizeof(*r));
	return probe_db_match_probe(db, sc, probe_db_find(db, probe, false), answer, n, r, soft, 32);
}

static void test_substitutions(void)
{
	struct probe_db *db = load();
	struct probe_scratch *sc = probe_scratch_new();
	if (!db || !sc)
		return;
	struct grab_result r;
	char soft[32] = "";
	/* $1.$2, h/, d/, two cpe: (the second with its a flag) */
	CHECK_EQ_U64(match(db, sc, "NULL", "220 Foo 3.14\r\n", 14, &r, soft), 2);
	CHECK_STR_EQ(r.service, "ftp");
	CHECK_STR_EQ(r.product, "FooFTPd");
	CHECK_STR_EQ(r.version, "3.14");
	CHECK_STR_EQ(r.hostname, "box3");
	CHECK_STR_EQ(r.devicetype, "router");
	CHECK_STR_EQ(r.cpe, "cpe:/a:foo:ftpd:3.14");
	CHECK_STR_EQ(r.cpe_more[0], "cpe:/o:linux:linux_kernel");
	CHECK_STR_EQ(r.probe, "NULL");
	CHECK_STR_EQ(r.method, "probed");
	CHECK_EQ_U64(r.conf, 10);
	/* the i flag, $I(2) of a group that did not take part: 0 */
	CHECK_EQ_U64(match(db, sc, "Ping", "pong ORBIT 2.5\n", 15, &r, soft), 2);
	CHECK_STR_EQ(r.product, "Orbit pong");
	CHECK_STR_EQ(r.version, "2.5");
	CHECK_STR_EQ(r.info, "x=0");
	/* $I(1,"<"): little-endian 0x0102 = 513; $SUBST of a raw byte */
	CHECK_EQ_U64(match(db, sc, "Rare", "\x00\x10\x01\x02", 4, &r, soft), 2);
	CHECK_STR_EQ(r.version, "513");
	/* fallback: Rare's answer matched by Ping's patterns */
	CHECK_EQ_U64(match(db, sc, "Rare", "PONG orbit 9\r\n", 14, &r, soft), 2);
	CHECK_STR_EQ(r.product, "Orbit pong");
	CHECK_STR_EQ(r.probe, "Ping");
	/* $P(): non-printable bytes left out */
	CHECK_EQ_U64(match(db, sc, "Common", "HELLO ab\x7f" "c v\x05" "1", 14, &r, soft), 2);
	CHECK_STR_EQ(r.product, "abc");
	CHECK_STR_EQ(r.version, "v1");
	CHECK_STR_EQ(r.ostype, "Unix");
	/* softmatch (the NULL probe's, implicit fallback of every TCP probe) */
	CHECK_EQ_U64(match(db, sc, "Common", "PONG?", 5, &r, soft), 0);
	CHECK_STR_EQ(soft, "pong");
	CHECK_STR_EQ(r.service, "pong");
	CHECK(r.softmatched == 1);
	CHECK_STR_EQ(r.product, "Some pong"); /* a softmatch's fields, as Nmap reports them */
	CHECK_STR_EQ(r.version, "1");
	/* the substitution code alone: malformed references are copied as they are */
	const uint8_t subj[] = "abcdef";
	size_t ov[] = {0, 6, 1, 3, PROBE_UNSET, PROBE_UNSET};
	char out[64];
	probe_expand("[$1|$2|$9|$P(1)|$SUBST(1,\"b\",\"XY\")|$I(1,\">\")|$I(1,<)|$SUBST(1", subj, ov,
		     3, out, sizeof(out));
	CHECK_STR_EQ(out, "[bc|||bc|XYc|25187|$I(1,<)|$SUBST(1");
	probe_expand("$1$1$1$1", subj, ov, 3, out, 5);
	CHECK_STR_EQ(out, "bcbc");
	probe_scratch_free(sc);
	probe_db_free(db);
}

static void test_plan(void)
{
	struct probe_db *db = load();
	if (!db)
		return;
	int plan[16];
	int ping = probe_db_find(db, "Ping", false), rare = probe_db_find(db, "Rare", false),
	    common = probe_db_find(db, "Common", false);
	/* a port of Ping's: Ping first (rarity 3 > intensity 2 does not matter), then Common */
	unsigned n = probe_db_plan(db, 7005, false, false, 2, plan, 16);
	CHECK(n == 2 && plan[0] == ping && plan[1] == common);
	/* another port: file order by rarity <= intensity */
	n = probe_db_plan(db, 80, false, false, 7, plan, 16);
	CHECK(n == 2 && plan[0] == ping && plan[1] == common);
	n = probe_db_plan(db, 80, false, false, 9, plan, 16);
	CHECK(n == 3 && plan[0] == ping && plan[1] == rare && plan[2] == common);
	n = probe_db_plan(db, 80, false, false, 0, plan, 16);
	CHECK_EQ_U64(n, 0);
	/* in TLS, sslports count, ports do not */
	n = probe_db_plan(db, 7443, false, true, 2, plan, 16);
	CHECK(n == 2 && plan[0] == ping && plan[1] == common);
	n = probe_db_plan(db, 7005, false, true, 2, plan, 16);
	CHECK(n == 1 && plan[0] == common);
	/* UDP */
	n = probe_db_plan(db, 53, true, false, 0, plan, 16);
	CHECK(n == 1 && plan[0] == probe_db_find(db, "Udp1", true));
	/* bounded by max */
	n = probe_db_plan(db, 80, false, false, 9, plan, 1);
	CHECK_EQ_U64(n, 1);
	/* refinement: after softmatch "pong", Ping can refine it (and Rare through its fallback),
	 * Common cannot */
	CHECK(probe_db_can_refine(db, ping, "pong"));
	CHECK(probe_db_can_refine(db, rare, "pong"));
	CHECK(!probe_db_can_refine(db, common, "pong"));
	probe_db_free(db);
}

/* ---- the sequence in the pool ---- */

enum srv_kind { S_PING, S_SOFT, S_WRAPPED, S_LOSES_LINE };

struct srv {
	int fd;
	uint16_t port;
	enum srv_kind kind;
	atomic_int conns;
	atomic_bool stop;
	pthread_t th;
};

/* Answers each connection: PING -> "PONG orbit 4.2"; S_SOFT greets "PONG?" and answers
 * PING; S_WRAPPED closes at once. */
static void serve_one(struct srv *s, int c)
{
	if (s->kind == S_WRAPPED) {
		close(c);
		return;
	}
	if (s->kind == S_LOSES_LINE) {
		/* h14's socat relaying `echo`: a client that spoke first can end it before the
		 * line is out (it closes with nothing); one that waits gets the line. */
		usleep(50000);
		char b[64];
		if (recv(c, b, sizeof(b), MSG_DONTWAIT) <= 0) {
			ssize_t w = write(c, "orbit lab line\n", 15);
			(void)w;
		}
		close(c);
		return;
	}
	if (s->kind == S_SOFT) {
		ssize_t w = write(c, "PONG?", 5);
		(void)w;
	}
	struct timeval tv = {.tv_sec = 5}; /* longer than tcpwrappedms */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[256];
	ssize_t n = read(c, buf, sizeof(buf) - 1);
	if (n >= 4 && memcmp(buf, "PING", 4) == 0) {
		ssize_t w = write(c, "PONG orbit 4.2\r\n", 16);
		(void)w;
	}
	close(c);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	struct timeval tv = {.tv_usec = 100000};
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&s->stop)) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		atomic_fetch_add(&s->conns, 1);
		serve_one(s, c); /* serially: the pool's parallel probes wait in the backlog */
	}
	return NULL;
}

/* port 0: any free one. */
static void srv_start_at(struct srv *s, enum srv_kind k, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons(port)};
	CHECK(bind(s->fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	socklen_t l = sizeof(a);
	getsockname(s->fd, (struct sockaddr *)&a, &l);
	s->port = ntohs(a.sin_port);
	listen(s->fd, 16);
	pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_start(struct srv *s, enum srv_kind k)
{
	srv_start_at(s, k, 0);
}

static void srv_stop(struct srv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	close(s->fd);
}

struct got {
	pthread_mutex_t lock;
	unsigned n;
	struct grab_result r[4];
};

static void on_result(const struct grab_result *r, void *user)
{
	struct got *g = user;
	pthread_mutex_lock(&g->lock);
	if (g->n < 4)
		g->r[g->n++] = *r;
	pthread_mutex_unlock(&g->lock);
}

static const struct grab_result *by_port(const struct got *g, uint16_t port)
{
	for (unsigned i = 0; i < g->n; i++)
		if (g->r[i].scan.port == port)
			return &g->r[i];
	return NULL;
}

/* The pool with nmap's sequence (intensity 7) over the n servers, every result in g. */
static bool run_sequence(const struct probe_db *db, const struct srv *s, int n, struct got *g)
{
	struct grab_params p = {.threads = 1, .concurrency = 8, .timeout_ms = 2000,
				.probes = db, .probe_sequence = true, .version_intensity = 7,
				.on_result = on_result, .user = g};
	struct errbuf e = {{0}};
	struct grab_pool *pool = grab_pool_start(&p, &e);
	CHECK(pool != NULL);
	if (!pool)
		return false;
	for (int i = 0; i < n; i++)
		CHECK(grab_pool_submit_addr(pool, 0x7f000001u, s[i].port));
	CHECK(grab_pool_drain(pool, 20000));
	grab_pool_stop(pool);
	CHECK_EQ_U64(g->n, (unsigned)n);
	return true;
}

/* On ports whose module speaks first (HTTP's 8081, 8000), a close with nothing after our
 * request is no tcpwrapped: the plan starts with a real NULL probe, which gets the line
 * (nmap's NULL probe always does) or, closed at once, says tcpwrapped itself. */
static void test_spoke_first(void)
{
	struct probe_db *db = load();
	if (!db)
		return;
	struct srv s[2];
	srv_start_at(&s[0], S_LOSES_LINE, 8081);
	srv_start_at(&s[1], S_WRAPPED, 8000);
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	if (!run_sequence(db, s, 2, &g))
		return;
	const struct grab_result *r = by_port(&g, 8081);
	CHECK(r && !r->tcpwrapped && strcmp(r->service, "tcpwrapped") != 0);
	CHECK(r && r->banner_len >= 14 && memcmp(r->banner, "orbit lab line", 14) == 0);
	CHECK(atomic_load(&s[0].conns) >= 2);
	r = by_port(&g, 8000);
	CHECK(r && r->tcpwrapped && strcmp(r->service, "tcpwrapped") == 0);
	/* the module's, then the NULL probe's (and the probes beside it) */
	CHECK(atomic_load(&s[1].conns) >= 2);
	for (int i = 0; i < 2; i++)
		srv_stop(&s[i]);
	probe_db_free(db);
}

static void test_sequence(void)
{
	struct probe_db *db = load();
	if (!db)
		return;
	struct srv s[3];
	srv_start(&s[0], S_PING);
	srv_start(&s[1], S_SOFT);
	srv_start(&s[2], S_WRAPPED);
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	if (!run_sequence(db, s, 3, &g))
		return;
	const struct grab_result *r = by_port(&g, s[0].port);
	/* silent at first (the module's connection), then the Ping probe on a new one */
	CHECK(r && r->status == GRAB_STATUS_SUCCESS);
	if (r) {
		CHECK_STR_EQ(r->service, "pong");
		CHECK_STR_EQ(r->product, "Orbit pong");
		CHECK_STR_EQ(r->version, "4.2");
		CHECK_STR_EQ(r->probe, "Ping");
		CHECK_STR_EQ(r->method, "probed");
	}
	CHECK(atomic_load(&s[0].conns) >= 2);
	r = by_port(&g, s[1].port);
	/* the greeting softmatches, Ping refines it; Common (cannot refine) is skipped */
	CHECK(r && strcmp(r->product, "Orbit pong") == 0 && !r->softmatched);
	r = by_port(&g, s[2].port);
	CHECK(r && r->tcpwrapped && strcmp(r->service, "tcpwrapped") == 0);
	CHECK_EQ_U64(atomic_load(&s[2].conns), 1);
	for (int i = 0; i < 3; i++)
		srv_stop(&s[i]);
	probe_db_free(db);
}

/* Probes in parallel, decided in plan order: Slow (first in the plan) answers 400 ms
 * late, Fast at once; both match hard. Serial nmap takes Slow's answer; so must the lanes,
 * although Fast's answer came first. The server serves connections at once (a thread
 * each) and counts how many were open together. */
static const char order_db[] =
	"Probe TCP NULL q||\n"
	"Probe TCP Slow q|SLOW\\r\\n|\n"
	"rarity 1\n"
	"totalwaitms 3000\n"
	"match slow m|^SLOW (\\d)| p/Slow/ v/$1/\n"
	"Probe TCP Fast q|FAST\\r\\n|\n"
	"rarity 2\n"
	"match fast m|^FAST (\\d)| p/Fast/ v/$1/\n";

struct order_srv {
	int fd;
	uint16_t port;
	atomic_int open, peak;
	atomic_bool stop;
	pthread_t th;
};

struct order_conn {
	struct order_srv *s;
	int c;
};

static void *order_one(void *arg)
{
	struct order_conn *oc = arg;
	struct order_srv *s = oc->s;
	int now = atomic_fetch_add(&s->open, 1) + 1, peak = atomic_load(&s->peak);
	while (now > peak && !atomic_compare_exchange_weak(&s->peak, &peak, now))
		;
	struct timeval tv = {.tv_sec = 5};
	setsockopt(oc->c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[64];
	ssize_t n = read(oc->c, buf, sizeof(buf));
	if (n >= 4 && memcmp(buf, "SLOW", 4) == 0) {
		usleep(400000);
		(void)!write(oc->c, "SLOW 1\r\n", 8);
	} else if (n >= 4 && memcmp(buf, "FAST", 4) == 0) {
		(void)!write(oc->c, "FAST 2\r\n", 8);
	}
	usleep(200000);
	atomic_fetch_sub(&s->open, 1);
	close(oc->c);
	free(oc);
	return NULL;
}

static void *order_main(void *arg)
{
	struct order_srv *s = arg;
	struct timeval tv = {.tv_usec = 100000};
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&s->stop)) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		struct order_conn *oc = malloc(sizeof(*oc));
		oc->s = s;
		oc->c = c;
		pthread_t t;
		pthread_create(&t, NULL, order_one, oc);
		pthread_detach(t);
	}
	return NULL;
}

static void test_lanes_in_order(void)
{
	struct errbuf e = {{0}};
	struct probe_db *db = probe_db_parse(order_db, strlen(order_db), "order", &e);
	CHECK(db != NULL);
	if (!db)
		return;
	struct order_srv s = {.fd = socket(AF_INET, SOCK_STREAM, 0)};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(s.fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t l = sizeof(a);
	getsockname(s.fd, (struct sockaddr *)&a, &l);
	s.port = ntohs(a.sin_port);
	listen(s.fd, 16);
	pthread_create(&s.th, NULL, order_main, &s);
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct grab_params p = {.threads = 1, .concurrency = 8, .timeout_ms = 2000,
				.probes = db, .probe_sequence = true, .version_intensity = 7,
				.on_result = on_result, .user = &g};
	struct grab_pool *pool = grab_pool_start(&p, &e);
	CHECK(pool != NULL);
	if (pool) {
		CHECK(grab_pool_submit_addr(pool, 0x7f000001u, s.port));
		CHECK(grab_pool_drain(pool, 20000));
		grab_pool_stop(pool);
	}
	CHECK_EQ_U64(g.n, 1);
	const struct grab_result *r = by_port(&g, s.port);
	CHECK(r && r->status == GRAB_STATUS_SUCCESS);
	if (r) {
		CHECK_STR_EQ(r->product, "Slow");
		CHECK_STR_EQ(r->version, "1");
		CHECK_STR_EQ(r->probe, "Slow");
	}
	CHECK(atomic_load(&s.peak) >= 2); /* Slow and Fast were on the wire together */
	atomic_store(&s.stop, true);
	pthread_join(s.th, NULL);
	close(s.fd);
	usleep(300000); /* the connection threads end */
	probe_db_free(db);
}

/* -sU -sV: a loopback UDP service that answers the probe "u" with "ECHO 7"; a silent port. */
struct udp_srv {
	int fd;
	uint16_t port;
	atomic_bool stop;
	pthread_t th;
};

static void *udp_main(void *arg)
{
	struct udp_srv *u = arg;
	struct timeval tv = {.tv_usec = 50000};
	setsockopt(u->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&u->stop)) {
		char buf[64];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(u->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n == 1 && buf[0] == 'u')
			sendto(u->fd, "ECHO 7", 6, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static uint16_t udp_bound(int fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

static void test_udp(void)
{
	struct probe_db *db = load();
	if (!db)
		return;
	struct udp_srv u = {.fd = socket(AF_INET, SOCK_DGRAM, 0)};
	u.port = udp_bound(u.fd);
	int silent = socket(AF_INET, SOCK_DGRAM, 0); /* bound, never answers */
	uint16_t silent_port = udp_bound(silent);
	pthread_create(&u.th, NULL, udp_main, &u);
	struct scan_result ports[2] = {
		{.addr = 0x7f000001u, .port = u.port, .proto = 17, .state = PORT_OPEN_FILTERED,
		 .reason = REASON_NO_RESPONSE},
		{.addr = 0x7f000001u, .port = silent_port, .proto = 17, .state = PORT_OPEN_FILTERED,
		 .reason = REASON_NO_RESPONSE},
	};
	struct got g = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct udp_vscan_params p = {.db = db, .intensity = 7, .wait_ms = 500, .on_result = on_result,
				     .user = &g};
	CHECK_EQ_U64(udp_vscan_run(&p, ports, 2), 1);
	CHECK_EQ_U64(g.n, 2);
	const struct grab_result *r = by_port(&g, u.port);
	CHECK(r && r->scan.state == PORT_OPEN && r->scan.reason == REASON_UDP_RESPONSE);
	if (r) {
		CHECK_STR_EQ(r->service, "echo");
		CHECK_STR_EQ(r->product, "Echo");
		CHECK_STR_EQ(r->version, "7");
		CHECK_STR_EQ(r->probe, "Udp1");
	}
	r = by_port(&g, silent_port);
	CHECK(r && r->scan.state == PORT_OPEN_FILTERED && r->status == GRAB_STATUS_IO_TIMEOUT);
	atomic_store(&u.stop, true);
	pthread_join(u.th, NULL);
	close(u.fd);
	close(silent);
	probe_db_free(db);
}

/* The real file: every line parses, and its size (the start cost is measured by
 * tests/grab/grab_tool -p). */
static void test_nmap_file(void)
{
	const char *path = "/usr/share/nmap/nmap-service-probes";
	if (access(path, R_OK) != 0) {
		printf("vscan: %s missing, skipped\n", path);
		return;
	}
	struct errbuf e = {{0}};
	struct probe_db *db = probe_db_load(path, &e);
	CHECK(db != NULL);
	if (!db) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	int plan[128];
	unsigned n7 = probe_db_plan(db, 80, false, false, 7, plan, 128);
	unsigned n9 = probe_db_plan(db, 80, false, false, 9, plan, 128);
	unsigned n2 = probe_db_plan(db, 80, false, false, 2, plan, 128);
	CHECK(n2 < n7 && n7 < n9);
	CHECK_STR_EQ(probe_db_probe_name(db, plan[0]), "GetRequest"); /* ports 80 */
	CHECK(probe_db_excluded(db, 9100, false));
	printf("vscan: port 80 plan: %u probes at intensity 2, %u at 7, %u at 9\n", n2, n7, n9);
	probe_db_free(db);
}

int main(void)
{
	test_parse_directives();
	test_parse_errors();
	test_substitutions();
	test_plan();
	test_sequence();
	test_spoke_first();
	test_lanes_in_order();
	test_udp();
	test_nmap_file();
	return check_done("vscan");
}
