/* The engine's thread: a queue of submitted ports, the portrules, the invocations (each
 * its own lua_State and one coroutine on the loop), their limits, and the delivery of
 * each port with its script results (core/base/script_result.h).
 * A port goes through two phases: -sV's version scripts (nmap runs them within version
 * detection), then, once those ended, the selection's other scripts, whose rules see the
 * service fields the version scripts set. */
#include <arpa/inet.h>
#include <lauxlib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/grab_result.h"
#include "core/base/script_result.h"
#include "core/followup/grab.h"
#include "core/followup/loop.h"
#include "core/followup/tls.h"
#include "core/script/script_internal.h"
#include "output/services.h"

struct piece {
	char *data;
	size_t len;
};

enum job_phase { PHASE_VERSION, PHASE_SELECTION };

struct job {
	struct scan_result res;
	size_t next_script; /* the next catalog entry whose rule is to be asked */
	unsigned pending;   /* invocations running */
	uint8_t phase;      /* enum job_phase */
	bool queued;        /* in the ready queue: its end waits for pump() to let it go */
	struct piece *pieces; /* per catalog entry */
	struct job *next;
};

struct script_inv {
	struct script_engine *en;
	struct job *job;
	size_t script;
	struct lstate_ctx ctx;
	lua_State *L, *co;
	uint64_t deadline_timer;
	uint64_t slice_timer; /* preempted: resumes on the loop's next turn */
	struct nsock *socks;
	struct script_inv *next, **prevp;
};

struct script_engine {
	struct script_params p;
	struct script_catalog *cat;
	struct script_io io;
	const struct service_names *services; /* nmap-services, for port.service */
	struct service_names *own_services;   /* loaded here when the caller lent none */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *inbox, **inbox_tail; /* submitted, under mu */
	struct job *ready, **ready_tail; /* taken by the thread: rules still to ask */
	struct script_inv *running;
	unsigned inflight;
	uint64_t submitted, delivered; /* under mu */
	struct script_stats st;         /* the thread's; copied under mu */
	bool stopping;   /* the thread's copy of stop_asked */
	bool stop_asked; /* under mu */
};

struct script_io *inv_io(struct script_inv *inv) { return &inv->en->io; }
uint32_t inv_target(struct script_inv *inv) { return inv->job->res.addr; }
struct nsock **inv_socks(struct script_inv *inv) { return &inv->socks; }

/* ---- host and port tables, with nmap's field names ---- */

static void set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void push_host(lua_State *L, const struct scan_result *r)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = {htonl(r->addr)};
	inet_ntop(AF_INET, &a, ip, sizeof ip);
	lua_newtable(L);
	set_str(L, "ip", ip);
	set_str(L, "name", "");
	lua_newtable(L);
	lua_setfield(L, -2, "registry");
	lua_newtable(L);
	lua_setfield(L, -2, "os");
}

/* port.version's cpe: the grab's first CPE and the ones after it. */
static void push_cpes(lua_State *L, const struct grab_result *g)
{
	lua_newtable(L);
	lua_Integer n = 0;
	if (g && g->cpe[0]) {
		lua_pushstring(L, g->cpe);
		lua_rawseti(L, -2, ++n);
		for (size_t i = 0; i < sizeof g->cpe_more / sizeof g->cpe_more[0]; i++)
			if (g->cpe_more[i][0]) {
				lua_pushstring(L, g->cpe_more[i]);
				lua_rawseti(L, -2, ++n);
			}
	}
	lua_setfield(L, -2, "cpe");
}

static void push_port(lua_State *L, const struct script_engine *en, const struct scan_result *r)
{
	const struct grab_result *g = r->grab;
	const char *svc = g && g->service[0] ? g->service : NULL;
	if (!svc && en->services)
		svc = service_name(en->services, r->proto, r->port);
	lua_newtable(L);
	lua_pushinteger(L, r->port);
	lua_setfield(L, -2, "number");
	set_str(L, "protocol", r->proto == 17 ? "udp" : "tcp");
	set_str(L, "state", port_state_name((enum port_state)r->state));
	if (svc)
		set_str(L, "service", svc);
	lua_newtable(L); /* version */
	if (svc)
		set_str(L, "name", svc);
	lua_pushinteger(L, g && g->service[0] ? 10 : 3);
	lua_setfield(L, -2, "name_confidence");
	if (g) {
		if (g->product[0])
			set_str(L, "product", g->product);
		if (g->version[0])
			set_str(L, "version", g->version);
		if (g->info[0])
			set_str(L, "extrainfo", g->info);
		if (g->ostype[0])
			set_str(L, "ostype", g->ostype);
		if (g->hostname[0])
			set_str(L, "hostname", g->hostname);
		if (g->devicetype[0])
			set_str(L, "devicetype", g->devicetype);
	}
	set_str(L, "service_tunnel", g && g->tls ? "ssl" : "none");
	push_cpes(L, g);
	lua_setfield(L, -2, "version");
}

/* ---- results ---- */

static void piece_add(struct piece *pc, const char *s, size_t n)
{
	char *d = realloc(pc->data, pc->len + n);
	if (!d)
		return;
	memcpy(d + pc->len, s, n);
	pc->data = d;
	pc->len += n;
}

static void piece_str(struct piece *pc, const char *s)
{
	piece_add(pc, s, strlen(s) + 1);
}

static void piece_tag(struct piece *pc, char tag)
{
	piece_add(pc, &tag, 1);
}

static void piece_text(struct piece *pc, const char *id, const char *text)
{
	piece_tag(pc, SCRIPT_TAG_SCRIPT);
	piece_str(pc, id);
	piece_str(pc, text);
}

/* The action's results (nres values on co) to a piece, through nselib/orbit_output.lua:
 * it returns the text and a flat array of tokens {tag, a, b}. */
static void collect(struct script_inv *inv, int nres)
{
	lua_State *L = inv->L, *co = inv->co;
	struct script_entry *s = &inv->en->cat->v[inv->script];
	struct piece *pc = &inv->job->pieces[inv->script];
	if (nres == 0 || lua_isnil(co, 1) || !s->selected) /* -sV's own run: fields only */
		return;
	lua_getglobal(L, "require");
	lua_pushstring(L, "orbit_output");
	if (rt_pcall(L, 1, 1) != LUA_OK) {
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(co, 1);
	if (nres >= 2)
		lua_pushvalue(co, 2);
	else
		lua_pushnil(co);
	lua_xmove(co, L, 2);
	if (rt_pcall(L, 2, 2) != LUA_OK || !lua_isstring(L, -2)) {
		lua_pop(L, 1);
		return;
	}
	piece_text(pc, s->name, lua_tostring(L, -2));
	lua_Integer n = lua_istable(L, -1) ? luaL_len(L, -1) : 0;
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, -1, i);
		lua_geti(L, -1, 1);
		lua_geti(L, -2, 2);
		lua_geti(L, -3, 3);
		const char *tag = lua_tostring(L, -3), *a = lua_tostring(L, -2), *b = lua_tostring(L, -1);
		if (tag && *tag) {
			piece_tag(pc, *tag);
			if (*tag == SCRIPT_TAG_ELEM || *tag == SCRIPT_TAG_TABLE)
				piece_str(pc, a ? a : "");
			if (*tag == SCRIPT_TAG_ELEM)
				piece_str(pc, b ? b : "");
		}
		lua_pop(L, 4);
	}
	lua_pop(L, 2);
	piece_tag(pc, SCRIPT_TAG_DONE);
}

/* ---- delivery ---- */

static void deliver(struct script_engine *en, struct job *j)
{
	size_t total = 3; /* the three closing NULs */
	for (size_t i = 0; i < en->cat->n; i++)
		total += j->pieces[i].len;
	char *blob = total > 3 ? malloc(total) : NULL;
	if (blob) {
		size_t off = 0;
		for (size_t i = 0; i < en->cat->n; i++) {
			if (j->pieces[i].len)
				memcpy(blob + off, j->pieces[i].data, j->pieces[i].len);
			off += j->pieces[i].len;
		}
		memset(blob + off, 0, 3);
	}
	for (size_t i = 0; i < en->cat->n; i++)
		free(j->pieces[i].data);
	free(j->pieces);
	j->res.scripts = blob;
	en->p.on_done(&j->res, en->p.user);
	free(j);
	pthread_mutex_lock(&en->mu);
	en->delivered++;
	en->st.delivered++;
	pthread_cond_broadcast(&en->cv);
	pthread_mutex_unlock(&en->mu);
}

static void enqueue(struct script_engine *en, struct job *j)
{
	j->next = NULL;
	j->queued = true;
	*en->ready_tail = j;
	en->ready_tail = &j->next;
}

/* A job out of the ready queue whose invocations all ended: the selection's phase
 * follows the version scripts' (back into the queue), else it is delivered. */
static void maybe_deliver(struct script_engine *en, struct job *j)
{
	if (j->queued || j->pending || j->next_script < en->cat->n)
		return;
	if (j->phase == PHASE_VERSION) {
		j->phase = PHASE_SELECTION;
		j->next_script = 0;
		enqueue(en, j);
		return;
	}
	deliver(en, j);
}

struct grab_result *inv_grab(struct script_inv *inv)
{
	struct job *j = inv->job;
	/* The record's grab is the job's own heap block (script.h: the engine owns the
	 * record's heap parts), const only to the outputs. */
	struct grab_result *g = (struct grab_result *)j->res.grab;
	if (!g && (g = malloc(sizeof *g)) != NULL) {
		grab_result_not_grabbed(g, &j->res);
		j->res.grab = g;
	}
	return g;
}

/* ---- invocations ---- */

static void inv_end(struct script_inv *inv, const char *why)
{
	struct script_engine *en = inv->en;
	struct job *j = inv->job;
	if (why) {
		en->st.errors++;
		if (inv->ctx.killed)
			en->st.killed++;
		if (en->p.show_errors && en->cat->v[inv->script].selected) {
			struct piece *pc = &j->pieces[inv->script];
			free(pc->data);
			*pc = (struct piece){0};
			char msg[512];
			snprintf(msg, sizeof msg, "ERROR: %s", why);
			piece_text(pc, en->cat->v[inv->script].name, msg);
			piece_tag(pc, SCRIPT_TAG_DONE);
		}
	}
	nsock_close_all(inv);
	loop_del_timer(en->io.loop, inv->deadline_timer);
	loop_del_timer(en->io.loop, inv->slice_timer);
	if (inv->ctx.peak > en->st.peak_mem)
		en->st.peak_mem = inv->ctx.peak;
	if (inv->L)
		lua_close(inv->L);
	*inv->prevp = inv->next;
	if (inv->next)
		inv->next->prevp = inv->prevp;
	free(inv);
	en->inflight--;
	j->pending--;
	maybe_deliver(en, j);
}

enum { SLICE_NS = 10000000 }; /* CPU time a script runs before the others get a turn */

static void on_slice(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct script_inv *inv = data;
	inv->slice_timer = 0;
	inv_resume(inv, 0);
}

void inv_resume(struct script_inv *inv, int nargs)
{
	int nres = 0;
	inv->ctx.preempted = false;
	inv->ctx.slice_end_ns = clock_mono_ns() + SLICE_NS;
	int rc = lua_resume(inv->co, inv->L, nargs, &nres);
	if (rc == LUA_YIELD) {
		lua_pop(inv->co, nres);
		if (inv->ctx.killed)
			inv_end(inv, inv->ctx.killed);
		else if (inv->ctx.preempted)
			inv->slice_timer = loop_add_timer(inv->en->io.loop, clock_mono_ns(), on_slice, inv);
		return; /* else a socket waits; its callback resumes */
	}
	if (rc != LUA_OK) {
		char why[400];
		const char *m = lua_tostring(inv->co, -1);
		snprintf(why, sizeof why, "%s", inv->ctx.killed ? inv->ctx.killed : m ? m : "error");
		inv_end(inv, why);
		return;
	}
	collect(inv, nres);
	inv_end(inv, NULL);
}

static void on_deadline(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct script_inv *inv = data;
	inv->deadline_timer = 0;
	inv->ctx.killed = "timeout";
	inv_end(inv, "timeout");
}

static void inv_start(struct script_engine *en, struct job *j, size_t script)
{
	struct script_entry *s = &en->cat->v[script];
	struct script_inv *inv = calloc(1, sizeof *inv);
	if (!inv)
		return;
	uint64_t now = clock_mono_ns();
	inv->en = en;
	inv->job = j;
	inv->script = script;
	inv->ctx = (struct lstate_ctx){.cap = en->p.mem_limit, .instr_limit = en->p.instr_limit,
				       .deadline_ns = now + (uint64_t)en->p.timeout_ms * 1000000u,
				       .inv = inv, .libs = &en->cat->libs};
	inv->next = en->running;
	if (inv->next)
		inv->next->prevp = &inv->next;
	en->running = inv;
	inv->prevp = &en->running;
	en->inflight++;
	j->pending++;
	en->st.invocations++;
	if (en->inflight > en->st.peak_inflight)
		en->st.peak_inflight = en->inflight;
	inv->deadline_timer = loop_add_timer(en->io.loop, inv->ctx.deadline_ns, on_deadline, inv);
	lua_State *L = inv->L = rt_state_new(&inv->ctx, en->cat->lib_dir);
	if (!L) {
		inv_end(inv, "out of memory");
		return;
	}
	rt_set_args(L, en->p.args);
	lua_pushstring(L, s->name);
	lua_setglobal(L, "SCRIPT_NAME");
	char chunk[300];
	snprintf(chunk, sizeof chunk, "@%s", s->path);
	if (luaL_loadbuffer(L, s->source, s->source_len, chunk) != LUA_OK ||
	    rt_pcall(L, 0, 0) != LUA_OK) {
		char why[400];
		snprintf(why, sizeof why, "%s", lua_tostring(L, -1));
		inv_end(inv, why);
		return;
	}
	inv->co = inv->ctx.co = lua_newthread(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "orbit.co"); /* keeps it alive */
	lua_getglobal(inv->co, "action");
	push_host(inv->co, &j->res);
	push_port(inv->co, en, &j->res);
	inv_resume(inv, 2);
}

/* Asks the script's portrule in its rule state; false on any error. */
static bool rule_accepts(struct script_engine *en, struct script_entry *s, const struct scan_result *r)
{
	lua_State *L = s->rules;
	if (!L || !s->has_portrule)
		return false;
	s->rules_ctx.instr = 0;
	s->rules_ctx.killed = NULL;
	lua_getglobal(L, "portrule");
	push_host(L, r);
	push_port(L, en, r);
	bool yes = rt_pcall(L, 2, 1) == LUA_OK && lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_gc(L, LUA_GCSTEP, 0);
	return yes;
}

/* Starts what the in-flight bound allows, in submission order. */
static void pump(struct script_engine *en)
{
	while (!en->stopping && en->ready && en->inflight < en->p.max_inflight) {
		struct job *j = en->ready;
		if (j->next_script >= en->cat->n) {
			if (j->phase == PHASE_VERSION && j->pending == 0) { /* none ran: go on */
				j->phase = PHASE_SELECTION;
				j->next_script = 0;
				continue;
			}
			en->ready = j->next;
			if (!en->ready)
				en->ready_tail = &en->ready;
			j->queued = false;
			maybe_deliver(en, j);
			continue;
		}
		size_t i = j->next_script++;
		struct script_entry *s = &en->cat->v[i];
		bool runs = j->phase == PHASE_VERSION ? s->version_run : s->selected && !s->version_run;
		if (runs && rule_accepts(en, s, &j->res))
			inv_start(en, j, i);
	}
}

static bool before_wait(struct loop *l, void *data)
{
	struct script_engine *en = data;
	loop_arm_wake(l);
	pthread_mutex_lock(&en->mu);
	en->stopping = en->stop_asked;
	struct job *in = en->inbox;
	en->inbox = NULL;
	en->inbox_tail = &en->inbox;
	pthread_mutex_unlock(&en->mu);
	while (in) {
		struct job *next = in->next;
		enqueue(en, in);
		in = next;
	}
	pump(en);
	return false;
}

static void *engine_main(void *arg)
{
	struct script_engine *en = arg;
	loop_run(en->io.loop);
	/* Stopped: what runs ends now, what waits is delivered without scripts. */
	while (en->running)
		inv_end(en->running, "stopped");
	before_wait(en->io.loop, en);
	while (en->ready) {
		struct job *j = en->ready;
		en->ready = j->next;
		j->queued = false;
		j->phase = PHASE_SELECTION;
		j->next_script = en->cat->n;
		maybe_deliver(en, j);
	}
	en->ready_tail = &en->ready;
	return NULL;
}

struct script_engine *script_engine_start(const struct script_params *p, struct script_catalog *c,
					  struct errbuf *e)
{
	struct script_engine *en = calloc(1, sizeof *en);
	if (!en) {
		err_set(e, "out of memory");
		return NULL;
	}
	en->p = *p;
	if (!en->p.timeout_ms)
		en->p.timeout_ms = 30000;
	if (!en->p.mem_limit)
		en->p.mem_limit = 32u << 20;
	if (!en->p.instr_limit)
		en->p.instr_limit = 2000000000u;
	if (!en->p.max_inflight)
		en->p.max_inflight = 256;
	en->cat = c;
	en->services = p->services;
	if (!en->services) /* NULL after this: port.service stays unset */
		en->services = en->own_services = service_names_load(NULL);
	en->io.source_ip = p->source_ip;
	en->inbox_tail = &en->inbox;
	en->ready_tail = &en->ready;
	pthread_mutex_init(&en->mu, NULL);
	pthread_cond_init(&en->cv, NULL);
	en->io.loop = loop_new(256);
	en->io.tls = tls_client_ctx_new();
	if (!en->io.loop || !en->io.tls) {
		service_names_free(en->own_services);
		err_set(e, "script engine: cannot create its loop or TLS context");
		goto fail;
	}
	loop_set_hook(en->io.loop, before_wait, en);
	if (pthread_create(&en->tid, NULL, engine_main, en) != 0) {
		err_set(e, "script engine: cannot start its thread");
		goto fail;
	}
	return en;
fail:
	if (en->io.loop)
		loop_free(en->io.loop);
	if (en->io.tls)
		tls_client_ctx_free(en->io.tls);
	free(en);
	return NULL;
}

void script_engine_submit(struct script_engine *en, const struct scan_result *r)
{
	struct job *j = calloc(1, sizeof *j);
	struct piece *pieces = calloc(en->cat->n ? en->cat->n : 1, sizeof *pieces);
	if (!j || !pieces) { /* out of memory: the port goes out without scripts */
		free(j);
		free(pieces);
		en->p.on_done(r, en->p.user);
		return;
	}
	j->res = *r;
	j->res.scripts = NULL;
	j->pieces = pieces;
	pthread_mutex_lock(&en->mu);
	*en->inbox_tail = j;
	en->inbox_tail = &j->next;
	en->submitted++;
	en->st.submitted++;
	pthread_mutex_unlock(&en->mu);
	loop_wake(en->io.loop);
}

bool script_engine_drain(struct script_engine *en, unsigned timeout_ms)
{
	uint64_t until = clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	pthread_mutex_lock(&en->mu);
	while (en->delivered < en->submitted && clock_mono_ns() < until) {
		pthread_mutex_unlock(&en->mu);
		clock_sleep_ns(2000000);
		pthread_mutex_lock(&en->mu);
	}
	bool done = en->delivered >= en->submitted;
	pthread_mutex_unlock(&en->mu);
	return done;
}

void script_engine_stats(struct script_engine *en, struct script_stats *s)
{
	pthread_mutex_lock(&en->mu);
	*s = en->st;
	pthread_mutex_unlock(&en->mu);
}

void script_engine_stop(struct script_engine *en)
{
	if (!en)
		return;
	pthread_mutex_lock(&en->mu);
	en->stop_asked = true;
	pthread_mutex_unlock(&en->mu);
	loop_stop(en->io.loop);
	loop_wake(en->io.loop);
	pthread_join(en->tid, NULL);
	loop_free(en->io.loop);
	tls_client_ctx_free(en->io.tls);
	service_names_free(en->own_services);
	pthread_mutex_destroy(&en->mu);
	pthread_cond_destroy(&en->cv);
	free(en);
}
