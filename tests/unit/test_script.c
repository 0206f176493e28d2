/* The script engine (core/script/): --script's expressions and --script-args' syntax;
 * invocations as coroutines on the loop against a local server (a socket call yields and
 * resumes: receive_lines gets two lines written 50 ms apart); the bounds (a runaway loop,
 * pcall-protected; endless allocation; a silent server) end each invocation while the
 * other scripts on the same port complete; results in the blob's layout. -sV's version
 * scripts: nmap.set_port_version() fills the port's service fields, their output shows
 * only when selected, and the other scripts' rules see what they set. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/grab_result.h"
#include "core/base/script_result.h"
#include "core/script/script.h"
#include "tests/unit/check.h"

static char dir[64];

static void write_script(const char *name, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s.nse", dir, name);
	FILE *f = fopen(path, "w");
	fputs(body, f);
	fclose(f);
}

#define RULE "portrule = function(host, port) return port.protocol == 'tcp' end\n"

static void make_scripts(void)
{
	write_script("t-lines", "categories = {'default', 'safe'}\n" RULE
		     "action = function(host, port)\n"
		     "  local s = require('nmap').new_socket()\n"
		     "  assert(s:connect(host, port))\n"
		     "  local ok, data = s:receive_lines(2)\n"
		     "  s:close()\n"
		     "  local t = require('stdnse').output_table()\n"
		     "  local a, b = data:match('^(%w+)\\n(%w+)')\n"
		     "  t.first = a\n"
		     "  t.second = b\n"
		     "  t.list = {'a', 'b'}\n"
		     "  return t\n"
		     "end\n");
	write_script("t-loop", "categories = {'hostile'}\n" RULE
		     "action = function() while true do pcall(function() while true do end end) end end\n");
	write_script("t-alloc", "categories = {'hostile'}\n" RULE
		     "action = function() local t = {} while true do t[#t + 1] = string.rep('x', 65536) .. #t end end\n");
	write_script("t-silent", "categories = {'hostile', 'intrusive'}\n" RULE
		     "action = function(host, port)\n"
		     "  local s = require('nmap').new_socket()\n"
		     "  s:set_timeout(60000)\n"
		     "  assert(s:connect(host, port))\n"
		     "  local ok, err = s:receive_bytes(1000000)\n"
		     "  return 'got ' .. tostring(err)\n"
		     "end\n");
	write_script("t-elsewhere", "categories = {'safe'}\n" RULE
		     "action = function(host, port)\n"
		     "  local ok, err = require('nmap').new_socket():connect('192.0.2.1', 80)\n"
		     "  return tostring(ok) .. ' ' .. tostring(err)\n"
		     "end\n");
}

static void test_selection(void)
{
	const char *dirs[] = {dir};
	struct errbuf e;
	struct script_catalog *c = script_catalog_load(dirs, 1, "default", &e);
	CHECK(c && script_catalog_selected(c) == 1);
	CHECK_STR_EQ(script_catalog_name(c, 0), "t-lines");
	script_catalog_free(c);
	c = script_catalog_load(dirs, 1, "hostile and not intrusive", &e);
	CHECK(c && script_catalog_selected(c) == 2);
	script_catalog_free(c);
	c = script_catalog_load(dirs, 1, "(safe or hostile) and not t-loop, t-l*", &e);
	CHECK(c && script_catalog_selected(c) == 5);
	script_catalog_free(c);
	CHECK(script_catalog_load(dirs, 1, "nosuch", &e) == NULL);
	CHECK(strstr(e.msg, "'nosuch'") != NULL);
	CHECK(script_catalog_load(dirs, 1, "(default", &e) == NULL);
	CHECK(script_catalog_load(dirs, 1, "default and", &e) == NULL);
	CHECK(script_args_check("a=1,b={x,y},c='p,q',flag", &e) == 0);
	CHECK(script_args_check("a={x", &e) < 0);
	CHECK(script_args_check("=x", &e) < 0);
}

/* A server: every connection gets "hello\n", 50 ms later "world\n", then stays silent
 * until the client goes. */
struct server {
	int fd;
	uint16_t port;
};

static void *serve_one(void *arg)
{
	int c = (int)(intptr_t)arg;
	(void)!write(c, "hello\n", 6);
	clock_sleep_ns(50000000);
	(void)!write(c, "world\n", 6);
	char buf[256];
	while (read(c, buf, sizeof buf) > 0)
		;
	close(c);
	return NULL;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		pthread_t t;
		pthread_create(&t, NULL, serve_one, (void *)(intptr_t)c);
		pthread_detach(t);
	}
}

struct got {
	pthread_mutex_t mu;
	char *blob;
	int n;
};

static void on_done(const struct scan_result *r, void *user)
{
	struct got *g = user;
	pthread_mutex_lock(&g->mu);
	g->blob = (char *)(uintptr_t)r->scripts;
	g->n++;
	pthread_mutex_unlock(&g->mu);
	free((void *)(uintptr_t)r->grab);
}

/* The output of script id in the blob, or NULL. */
static const char *output_of(const char *blob, const char *id)
{
	struct script_token t;
	for (const char *p = script_blob_next(blob, &t); p; p = script_blob_next(p, &t))
		if (t.tag == SCRIPT_TAG_SCRIPT && strcmp(t.a, id) == 0)
			return t.b;
	return NULL;
}

static void test_engine(void)
{
	struct server srv;
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	CHECK(bind(srv.fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(srv.fd, 16) == 0);
	getsockname(srv.fd, (struct sockaddr *)&a, &al);
	srv.port = ntohs(a.sin_port);
	pthread_t st;
	pthread_create(&st, NULL, serve, &srv);

	const char *dirs[] = {dir};
	struct errbuf e;
	struct script_catalog *c = script_catalog_load(dirs, 1, "all", &e);
	CHECK(c != NULL);
	struct got g = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct script_params p = {.timeout_ms = 1500, .mem_limit = 8u << 20,
				  .instr_limit = 50000000, .max_inflight = 2, .show_errors = true,
				  .on_done = on_done, .user = &g};
	struct script_engine *en = script_engine_start(&p, c, &e);
	CHECK(en != NULL);
	struct scan_result r = {.addr = INADDR_LOOPBACK, .port = srv.port, .proto = 6,
				.state = PORT_OPEN};
	uint64_t t0 = clock_mono_ns();
	script_engine_submit(en, &r);
	CHECK(script_engine_drain(en, 10000));
	double secs = (double)(clock_mono_ns() - t0) / 1e9;
	struct script_stats stats;
	script_engine_stats(en, &stats);
	script_engine_stop(en);
	script_catalog_free(c);
	CHECK(g.n == 1);
	/* Five scripts, two at a time; the silent one ends at its 1.5 s limit. */
	CHECK(secs < 4.5);
	CHECK_EQ_U64(stats.invocations, 5);
	CHECK(stats.peak_inflight <= 2);
	CHECK(stats.peak_mem <= (8u << 20));
	const char *lines = output_of(g.blob, "t-lines");
	CHECK_STR_EQ(lines, "\n  first: hello\n  second: world\n  list: \n    a\n    b");
	CHECK_STR_EQ(output_of(g.blob, "t-loop"), "ERROR: instruction limit");
	const char *alloc = output_of(g.blob, "t-alloc");
	CHECK(alloc && strstr(alloc, "not enough memory"));
	CHECK_STR_EQ(output_of(g.blob, "t-silent"), "ERROR: timeout");
	CHECK_STR_EQ(output_of(g.blob, "t-elsewhere"),
		     "nil orbit: scripts connect only to the scanned host");
	/* The structured part of t-lines: first, second, then the list as a table. */
	struct script_token t;
	const char *q = g.blob;
	while ((q = script_blob_next(q, &t)) && !(t.tag == SCRIPT_TAG_SCRIPT && !strcmp(t.a, "t-lines")))
		;
	char seen[64] = "";
	size_t k = 0;
	while (q && (q = script_blob_next(q, &t)) && t.tag != SCRIPT_TAG_DONE && k + 2 < sizeof seen)
		seen[k++] = (char)t.tag;
	CHECK_STR_EQ(seen, "EETEEU");
	free(g.blob);
	shutdown(srv.fd, SHUT_RDWR);
	close(srv.fd);
	pthread_join(st, NULL);
}

/* Scripts that run without a socket (an action that ends in its first resume): a
 * version script and a default one whose rule wants the version script's product. */
static void make_version_scripts(const char *vdir)
{
	char path[128];
	snprintf(path, sizeof path, "%s/t-ver.nse", vdir);
	FILE *f = fopen(path, "w");
	fputs("categories = {'version'}\n" RULE
	      "action = function(host, port)\n"
	      "  local v = port.version\n"
	      "  v.product = (v.product and v.product .. '; ' or '') .. 'Thing'\n"
	      "  v.name = 'thing'\n"
	      "  v.cpe = {'cpe:/a:x:thing', 'cpe:/o:x:os'}\n"
	      "  require('nmap').set_port_version(host, port, 'hardmatched')\n"
	      "  return 'shown'\n"
	      "end\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/t-after.nse", vdir);
	f = fopen(path, "w");
	fputs("categories = {'default'}\n"
	      "portrule = function(host, port) return port.version.product == 'Old; Thing' end\n"
	      "action = function(host, port) return port.version.name .. ' ' .. port.version.product end\n",
	      f);
	fclose(f);
}

struct vgot {
	char service[32], product[80], cpe[128], cpe2[80], probe[24];
	const char *blob;
	int n;
};

static void on_vdone(const struct scan_result *r, void *user)
{
	struct vgot *v = user;
	const struct grab_result *g = r->grab;
	if (g) {
		snprintf(v->service, sizeof v->service, "%s", g->service);
		snprintf(v->product, sizeof v->product, "%s", g->product);
		snprintf(v->cpe, sizeof v->cpe, "%s", g->cpe);
		snprintf(v->cpe2, sizeof v->cpe2, "%s", g->cpe_more[0]);
		snprintf(v->probe, sizeof v->probe, "%s", g->probe);
	}
	v->blob = r->scripts;
	v->n++;
	free((void *)(uintptr_t)r->grab);
}

/* One port through a catalog of vdir loaded as -sV with selection sel. */
static void run_version(const char *vdir, const char *sel, struct vgot *v)
{
	const char *dirs[] = {vdir};
	struct errbuf e;
	struct script_catalog *c = script_catalog_load_for(dirs, 1, sel, true, &e);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_EQ_U64(script_catalog_version(c), 1);
	struct script_params p = {.timeout_ms = 2000, .on_done = on_vdone, .user = v};
	struct script_engine *en = script_engine_start(&p, c, &e);
	CHECK(en != NULL);
	struct grab_result *g = calloc(1, sizeof *g);
	snprintf(g->service, sizeof g->service, "old");
	snprintf(g->product, sizeof g->product, "Old");
	struct scan_result r = {.addr = INADDR_LOOPBACK, .port = 9, .proto = 6, .state = PORT_OPEN,
				.grab = g};
	script_engine_submit(en, &r);
	CHECK(script_engine_drain(en, 5000));
	script_engine_stop(en);
	script_catalog_free(c);
}

static void test_version_scripts(void)
{
	char vdir[64];
	snprintf(vdir, sizeof vdir, "/tmp/orbit-vscript-test.XXXXXX");
	if (!mkdtemp(vdir))
		return;
	make_version_scripts(vdir);
	struct vgot v = {0};
	run_version(vdir, "", &v); /* -sV alone: fields set, no output */
	CHECK(v.n == 1);
	CHECK_STR_EQ(v.service, "thing");
	CHECK_STR_EQ(v.product, "Old; Thing");
	CHECK_STR_EQ(v.cpe, "cpe:/a:x:thing");
	CHECK_STR_EQ(v.cpe2, "cpe:/o:x:os");
	CHECK_STR_EQ(v.probe, "t-ver");
	CHECK(v.blob == NULL);
	v = (struct vgot){0};
	run_version(vdir, "default", &v); /* -sV -sC: the default script sees the product */
	CHECK(v.n == 1 && v.blob != NULL);
	CHECK(output_of(v.blob, "t-ver") == NULL);
	CHECK_STR_EQ(output_of(v.blob, "t-after"), "thing Old; Thing");
	free((void *)(uintptr_t)v.blob);
	v = (struct vgot){0};
	run_version(vdir, "t-ver", &v); /* named: its output is reported */
	CHECK(v.n == 1 && v.blob != NULL);
	CHECK_STR_EQ(output_of(v.blob, "t-ver"), "shown");
	free((void *)(uintptr_t)v.blob);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", vdir);
	(void)!system(cmd);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/orbit-script-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	make_scripts();
	test_selection();
	test_engine();
	test_version_scripts();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
	return check_done("script");
}
