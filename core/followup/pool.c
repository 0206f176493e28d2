/* The grab pool (grab.h): `threads` workers, each a thread with its own event loop
 * (loop.h), its own share of the connection slots and its own bounded MPSC ring fed by
 * the RX threads. Here: the workers' lifecycle, submission, admission from the ring into
 * free slots, and delivery (one result per port, built from the connection, the module and
 * the probe database). The connections themselves run in conn.c, TLS in tls.c. */
#include "core/followup/grab.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/base/clock.h"
#include "core/followup/conn.h"
#include "core/followup/loop.h"
#include "core/followup/probes.h"
#include "core/followup/tls.h"

#define ADMIT_PER_TURN 512 /* new connections per loop turn: events are not starved */

struct grab_pool {
	struct grab_params p;
	struct ssl_ctx_st *tls_ctx;
	atomic_bool stop;
	unsigned nworkers;
	struct grab_worker *w;
};

void grab_result_not_grabbed(struct grab_result *r, const struct scan_result *scan)
{
	memset(r, 0, offsetof(struct grab_result, banner));
	r->nfields = 0;
	r->arena_used = 0;
	r->scan = *scan;
	r->status = GRAB_STATUS_NOT_GRABBED;
}

/* ---- slots ---- */

struct conn *worker_take_slot(struct grab_worker *w)
{
	if (w->free_head == UINT32_MAX)
		return NULL;
	struct conn *c = &w->conns[w->free_head];
	w->free_head = c->next_free;
	w->active++;
	atomic_store_explicit(&w->active_pub, w->active, memory_order_relaxed);
	if (w->active > atomic_load_explicit(&w->peak, memory_order_relaxed))
		atomic_store_explicit(&w->peak, w->active, memory_order_relaxed);
	return c;
}

void worker_put_slot(struct grab_worker *w, struct conn *c)
{
	c->state = CONN_FREE;
	c->next_free = w->free_head;
	w->free_head = (unsigned)(c - w->conns);
	w->active--;
	atomic_store_explicit(&w->active_pub, w->active, memory_order_relaxed);
}

/* ---- delivery ---- */

static void count_status(struct grab_worker *w, enum grab_status st)
{
	atomic_fetch_add_explicit(&w->by_status[st & 7], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->completed, 1, memory_order_relaxed);
}

static void set_error(struct grab_result *r, const char *msg)
{
	if (msg && !r->error[0])
		grab_set(r->error, sizeof(r->error), msg, strlen(msg));
}

void worker_deliver_early(struct grab_worker *w, const struct scan_result *scan,
			  enum grab_status st, const char *why, uint64_t start_ns)
{
	struct grab_result *r = &w->res;
	grab_result_not_grabbed(r, scan);
	r->status = (uint8_t)st;
	set_error(r, why);
	r->duration_us = (clock_mono_ns() - start_ns) / 1000;
	count_status(w, st);
	w->p->on_result(r, w->p->user);
}

/* Service, product, version...: the module's parse, then nmap's probes; "ssl/" in front
 * of the service when the connection ran over TLS, as nmap names it. */
static void identify(struct grab_worker *w, const struct conn *c, enum grab_status st,
		     struct grab_result *r)
{
	GRAB_SETS(r->module, c->mod->name);
	if (c->ssl && c->state == CONN_ACTIVE)
		grab_tls_finish(c->ssl, r);
	if (c->state == CONN_ACTIVE && (c->s.rx_len || st == GRAB_STATUS_SUCCESS))
		c->mod->finish(&c->s, r);
	if (w->p->probes && c->s.rx_len && st != GRAB_STATUS_CONNECTION_REFUSED) {
		size_t g = c->sent_any ? c->greeting : c->s.rx_len;
		probe_db_match(w->p->probes, w->psc, c->mod->nmap_probes, c->rx, g, c->rx + g,
			       c->s.rx_len - g, r);
	}
	if (!r->service[0] && st == GRAB_STATUS_SUCCESS && c->mod->service)
		GRAB_SETS(r->service, c->mod->service);
	vscan_identify(w, c, r);
	if (r->tls && r->service[0] && strncmp(r->service, "ssl/", 4) != 0 &&
	    strlen(r->service) + 4 < sizeof(r->service)) {
		char tmp[sizeof(r->service)];
		snprintf(tmp, sizeof(tmp), "ssl/%s", r->service);
		memcpy(r->service, tmp, sizeof(tmp));
	}
}

void worker_deliver(struct grab_worker *w, const struct conn *c, enum grab_status st,
		    const char *why)
{
	struct grab_result *r = &w->res;
	grab_result_not_grabbed(r, &c->scan);
	r->status = (uint8_t)st;
	r->tls = c->tls;
	r->rx_bytes = c->s.rx_len;
	r->tx_bytes = c->tx_bytes;
	r->duration_us = (clock_mono_ns() - c->start_ns) / 1000;
	size_t bn = c->s.rx_len < GRAB_BANNER_MAX ? c->s.rx_len : GRAB_BANNER_MAX;
	if (bn)
		memcpy(r->banner, c->rx, bn);
	r->banner_len = (uint16_t)bn;
	r->banner_truncated = c->truncated || c->s.rx_len > GRAB_BANNER_MAX;
	if (c->state == CONN_ACTIVE || c->state == CONN_TLS)
		identify(w, c, st, r);
	else
		vscan_identify(w, c, r); /* tcpwrapped ... */
	if (st != GRAB_STATUS_SUCCESS)
		set_error(r, why ? why : c->s.why);
	count_status(w, st);
	atomic_fetch_add_explicit(&w->rx_bytes, c->s.rx_len, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->tx_bytes, c->tx_bytes, memory_order_relaxed);
	w->p->on_result(r, w->p->user);
}

/* ---- the worker thread ---- */

/* Before each wait: admit queued ports into free slots. With a slot free, arm the loop's
 * wake-up and look at the ring once more (a push after the look then wakes the loop); with
 * none, leave it unarmed: submitters need not wake a loop that cannot take their port. */
static bool admit(struct loop *l, void *data)
{
	struct grab_worker *w = data;
	struct scan_result sr;
	for (unsigned n = 0; n < ADMIT_PER_TURN && w->free_head != UINT32_MAX; n++) {
		if (!ring_pop(&w->ring, &sr))
			break;
		conn_start(w, &sr);
	}
	if (w->free_head == UINT32_MAX)
		return false;
	loop_arm_wake(l);
	return !ring_empty(&w->ring);
}

static void *worker_main(void *arg)
{
	struct grab_worker *w = arg;
	loop_run(w->loop);
	/* Stop: open connections end as they are, queued ports are not grabbed. */
	for (unsigned i = 0; i < w->nconns; i++)
		if (w->conns[i].state != CONN_FREE)
			conn_stop(&w->conns[i]);
	struct scan_result sr;
	while (ring_pop(&w->ring, &sr)) {
		grab_result_not_grabbed(&w->res, &sr);
		set_error(&w->res, "stopped");
		count_status(w, GRAB_STATUS_NOT_GRABBED);
		w->p->on_result(&w->res, w->p->user);
	}
	return NULL;
}

static int worker_init(struct grab_pool *pool, struct grab_worker *w, unsigned nconns,
		       struct errbuf *e)
{
	w->p = &pool->p;
	w->tls_ctx = pool->tls_ctx;
	w->nconns = nconns;
	w->conns = calloc(nconns, sizeof(*w->conns));
	if (!w->conns || ring_init(&w->ring, pool->p.queue) < 0 ||
	    (pool->p.probes && !(w->psc = probe_scratch_new())))
		return err_set(e, "grab pool: out of memory");
	for (unsigned k = 0; k < nconns; k++) {
		w->conns[k].w = w;
		w->conns[k].fd = -1;
		w->conns[k].next_free = k + 1 < nconns ? k + 1 : UINT32_MAX;
	}
	w->free_head = 0;
	/* a deadline timer per slot, an idle timer for some */
	w->loop = loop_new(nconns * 2);
	if (!w->loop)
		return err_set(e, "grab pool: epoll/eventfd: %s", strerror(errno));
	loop_set_hook(w->loop, admit, w);
	return 0;
}

static void worker_free(struct grab_worker *w)
{
	loop_free(w->loop);
	ring_free(&w->ring);
	free(w->conns);
	probe_scratch_free(w->psc);
}

/* ---- API ---- */

static void raise_nofile(unsigned need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	struct rlimit want = rl;
	want.rlim_cur = need;
	if (want.rlim_max < need)
		want.rlim_max = need; /* works as root (CAP_SYS_RESOURCE) */
	if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
		want.rlim_max = rl.rlim_max;
		want.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &want);
	}
}

static void pool_free(struct grab_pool *pool)
{
	for (unsigned i = 0; pool->w && i < pool->nworkers; i++)
		worker_free(&pool->w[i]);
	free(pool->w);
	tls_client_ctx_free(pool->tls_ctx);
	free(pool);
}

static void apply_defaults(struct grab_params *p)
{
	if (!p->threads)
		p->threads = 1;
	if (!p->concurrency)
		p->concurrency = 1000;
	if (p->threads > p->concurrency)
		p->threads = p->concurrency;
	if (!p->timeout_ms)
		p->timeout_ms = 10000;
	if (!p->port_budget_ms)
		p->port_budget_ms = p->timeout_ms * 6;
	if (!p->max_bytes)
		p->max_bytes = 65536;
	if (!p->queue)
		p->queue = p->concurrency * 4 / p->threads > 4096 ? p->concurrency * 4 / p->threads
								   : 4096;
}

static int start_threads(struct grab_pool *pool, struct errbuf *e)
{
	for (unsigned i = 0; i < pool->nworkers; i++) {
		if (pthread_create(&pool->w[i].tid, NULL, worker_main, &pool->w[i]) != 0) {
			for (unsigned k = 0; k < i; k++) {
				loop_stop(pool->w[k].loop);
				pthread_join(pool->w[k].tid, NULL);
			}
			return err_set(e, "grab pool: cannot create thread");
		}
		pool->w[i].started = true;
	}
	return 0;
}

struct grab_pool *grab_pool_start(const struct grab_params *params, struct errbuf *e)
{
	if (!params->on_result) {
		err_set(e, "grab pool: no result callback");
		return NULL;
	}
	struct grab_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		err_set(e, "grab pool: out of memory");
		return NULL;
	}
	pool->p = *params;
	struct grab_params *p = &pool->p;
	apply_defaults(p);
	raise_nofile(p->concurrency + 256);
	pool->tls_ctx = tls_client_ctx_new();
	if (!pool->tls_ctx) {
		err_set(e, "grab pool: SSL_CTX_new failed");
		goto fail;
	}
	pool->nworkers = p->threads;
	pool->w = calloc(p->threads, sizeof(*pool->w));
	if (!pool->w) {
		err_set(e, "grab pool: out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < p->threads; i++) {
		unsigned share = p->concurrency / p->threads + (i < p->concurrency % p->threads);
		if (worker_init(pool, &pool->w[i], share, e) < 0)
			goto fail;
	}
	if (start_threads(pool, e) < 0)
		goto fail;
	return pool;
fail:
	pool_free(pool);
	return NULL;
}

bool grab_pool_submit(struct grab_pool *pool, const struct scan_result *r)
{
	/* by address: a worker's share of the ports is spread like the addresses are */
	uint32_t h = r->addr * 2654435761u;
	struct grab_worker *w = &pool->w[(h >> 16) % pool->nworkers];
	if (atomic_load_explicit(&pool->stop, memory_order_relaxed) || !ring_push(&w->ring, r)) {
		atomic_fetch_add_explicit(&w->overflow, 1, memory_order_relaxed);
		return false;
	}
	atomic_fetch_add_explicit(&w->submitted, 1, memory_order_relaxed);
	loop_wake(w->loop);
	return true;
}

bool grab_pool_submit_addr(struct grab_pool *pool, uint32_t addr, uint16_t port)
{
	struct scan_result r;
	memset(&r, 0, sizeof(r));
	r.addr = addr;
	r.responder = addr;
	r.port = port;
	r.proto = IPPROTO_TCP;
	r.state = PORT_OPEN;
	r.reason = REASON_SYN_ACK;
	r.rtt_ns = -1;
	return grab_pool_submit(pool, &r);
}

void grab_pool_stats(struct grab_pool *pool, struct grab_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < pool->nworkers; i++) {
		struct grab_worker *w = &pool->w[i];
		s->submitted += atomic_load(&w->submitted);
		s->overflow += atomic_load(&w->overflow);
		s->started += atomic_load(&w->started_n);
		s->completed += atomic_load(&w->completed);
		s->not_grabbed += atomic_load(&w->by_status[GRAB_STATUS_NOT_GRABBED]);
		s->success += atomic_load(&w->by_status[GRAB_STATUS_SUCCESS]);
		s->refused += atomic_load(&w->by_status[GRAB_STATUS_CONNECTION_REFUSED]);
		s->conn_timeout += atomic_load(&w->by_status[GRAB_STATUS_CONNECTION_TIMEOUT]);
		s->closed += atomic_load(&w->by_status[GRAB_STATUS_CONNECTION_CLOSED]);
		s->io_timeout += atomic_load(&w->by_status[GRAB_STATUS_IO_TIMEOUT]);
		s->protocol_error += atomic_load(&w->by_status[GRAB_STATUS_PROTOCOL_ERROR]);
		s->unknown_error += atomic_load(&w->by_status[GRAB_STATUS_UNKNOWN_ERROR]);
		s->rx_bytes += atomic_load(&w->rx_bytes);
		s->tx_bytes += atomic_load(&w->tx_bytes);
		s->active += atomic_load(&w->active_pub);
		s->peak_active += atomic_load(&w->peak);
	}
}

bool grab_pool_drain(struct grab_pool *pool, unsigned timeout_ms)
{
	uint64_t end = clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		uint64_t sub = 0, done = 0;
		for (unsigned i = 0; i < pool->nworkers; i++) {
			sub += atomic_load(&pool->w[i].submitted);
			done += atomic_load(&pool->w[i].completed);
		}
		if (done >= sub)
			return true;
		if (clock_mono_ns() >= end)
			return false;
		clock_sleep_ns(5000000u);
	}
}

void grab_pool_stop(struct grab_pool *pool)
{
	if (!pool)
		return;
	atomic_store(&pool->stop, true);
	for (unsigned i = 0; i < pool->nworkers; i++)
		loop_stop(pool->w[i].loop);
	for (unsigned i = 0; i < pool->nworkers; i++)
		if (pool->w[i].started)
			pthread_join(pool->w[i].tid, NULL);
	pool_free(pool);
}
