/* The grab pool (see grab.h): threads, each with an epoll loop in the manner of Redis's
 * ae.c (one loop: wait for events until the nearest timer, handle them, fire timers), a
 * fixed array of connection slots, a min-heap of per-connection deadlines and a bounded
 * MPSC ring fed by the RX threads.
 *
 * Per connection: CONNECTING (EPOLLOUT) → TLS handshake (when the port speaks TLS) →
 * ACTIVE (module callbacks on bytes, EOF and idle timers) → finish: the module and the
 * probe database fill one result, the callback gets it, the socket closes with an RST
 * (SO_LINGER 0: no TIME_WAIT pile-up at thousands of grabs a second). */
#include "core/followup/grab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/followup/module.h"
#include "core/followup/probes.h"
#include "core/base/ring.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum cstate { C_FREE = 0, C_CONNECTING, C_TLS, C_ACTIVE };

#define RX_INITIAL 2048
#define MAX_SWITCHES 2
#define EVENTS_PER_WAIT 256
#define ADMIT_PER_LOOP 512 /* new connections per loop turn: events are not starved */

struct conn {
	int fd;
	uint8_t state;
	uint8_t switches;
	bool out_armed;  /* EPOLLOUT in the interest set */
	bool tls;
	bool reset;      /* ECONNRESET seen */
	bool truncated;
	bool sent_any;
	unsigned heap_idx;
	uint64_t start_ns, deadline_ns, idle_ns; /* idle_ns 0: no idle timer */
	const struct grab_module *mod;
	SSL *ssl;
	uint8_t *rx;
	size_t rx_cap;
	size_t tx_off;   /* bytes of s.tx already written */
	size_t greeting; /* rx_len at our first write */
	uint64_t tx_bytes;
	unsigned next_free;
	struct scan_result scan;
	struct grab_session s;
};

struct gthread {
	struct grab_pool *pool;
	pthread_t tid;
	bool started;
	int ep, evfd;
	struct ring ring;
	atomic_int sleeping;
	struct conn *conns;
	unsigned nconns, free_head, active;
	unsigned *heap, heap_n;
	struct grab_result res; /* scratch, filled at finish */
	struct probe_scratch *psc;
	/* Counters: written by this thread (or atomically by producers), read by stats. */
	atomic_uint_fast64_t submitted, overflow, started_n, completed, by_status[8];
	atomic_uint_fast64_t rx_bytes, tx_bytes;
	atomic_uint active_pub, peak;
};

struct grab_pool {
	struct grab_params p;
	SSL_CTX *ssl_ctx;
	atomic_bool stop;
	unsigned nthreads;
	struct gthread *t;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void grab_result_not_grabbed(struct grab_result *r, const struct scan_result *scan)
{
	memset(r, 0, offsetof(struct grab_result, banner));
	r->nfields = 0;
	r->arena_used = 0;
	r->scan = *scan;
	r->status = GRAB_STATUS_NOT_GRABBED;
}

/* ---- timer heap (min-heap of slot indices by due time) ---- */

static uint64_t conn_due(const struct conn *c)
{
	return c->idle_ns && c->idle_ns < c->deadline_ns ? c->idle_ns : c->deadline_ns;
}

static void heap_swap(struct gthread *t, unsigned i, unsigned j)
{
	unsigned a = t->heap[i], b = t->heap[j];
	t->heap[i] = b;
	t->heap[j] = a;
	t->conns[b].heap_idx = i;
	t->conns[a].heap_idx = j;
}

static void heap_fix(struct gthread *t, unsigned i)
{
	while (i > 0) {
		unsigned up = (i - 1) / 2;
		if (conn_due(&t->conns[t->heap[up]]) <= conn_due(&t->conns[t->heap[i]]))
			break;
		heap_swap(t, i, up);
		i = up;
	}
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->heap_n &&
		    conn_due(&t->conns[t->heap[l]]) < conn_due(&t->conns[t->heap[m]]))
			m = l;
		if (r < t->heap_n &&
		    conn_due(&t->conns[t->heap[r]]) < conn_due(&t->conns[t->heap[m]]))
			m = r;
		if (m == i)
			break;
		heap_swap(t, i, m);
		i = m;
	}
}

static void heap_add(struct gthread *t, unsigned slot)
{
	t->heap[t->heap_n] = slot;
	t->conns[slot].heap_idx = t->heap_n;
	t->heap_n++;
	heap_fix(t, t->heap_n - 1);
}

static void heap_del(struct gthread *t, unsigned slot)
{
	unsigned i = t->conns[slot].heap_idx;
	t->heap_n--;
	if (i != t->heap_n) {
		heap_swap(t, i, t->heap_n);
		heap_fix(t, i);
	}
}

/* ---- module helpers (module.h) ---- */

bool grab_send(struct grab_session *s, const void *p, size_t n)
{
	if (n > GRAB_TX_MAX - s->tx_len)
		return false;
	memcpy(s->tx + s->tx_len, p, n);
	s->tx_len += n;
	return true;
}

bool grab_send_str(struct grab_session *s, const char *str)
{
	return grab_send(s, str, strlen(str));
}

void grab_wait(struct grab_session *s, unsigned ms)
{
	s->wait_ms = ms;
}

/* ---- connection lifecycle ---- */

static void count_status(struct gthread *t, enum grab_status st)
{
	atomic_fetch_add_explicit(&t->by_status[st & 7], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->completed, 1, memory_order_relaxed);
}

static void set_error(struct grab_result *r, const char *msg)
{
	if (msg && !r->error[0])
		grab_set(r->error, sizeof(r->error), msg, strlen(msg));
}

/* Delivers a result for a slot that never got a socket (socket/connect failed at once). */
static void deliver_early(struct gthread *t, const struct scan_result *scan,
			  enum grab_status st, const char *why, uint64_t start)
{
	struct grab_result *r = &t->res;
	grab_result_not_grabbed(r, scan);
	r->status = (uint8_t)st;
	set_error(r, why);
	r->duration_us = (now_ns() - start) / 1000;
	count_status(t, st);
	t->pool->p.on_result(r, t->pool->p.user);
}

static void conn_close(struct gthread *t, unsigned slot, enum grab_status st, const char *why)
{
	struct conn *c = &t->conns[slot];
	struct grab_result *r = &t->res;
	const struct grab_params *p = &t->pool->p;

	grab_result_not_grabbed(r, &c->scan);
	r->status = (uint8_t)st;
	r->tls = c->tls;
	r->rx_bytes = c->s.rx_len;
	r->tx_bytes = c->tx_bytes;
	r->duration_us = (now_ns() - c->start_ns) / 1000;
	size_t bn = c->s.rx_len < GRAB_BANNER_MAX ? c->s.rx_len : GRAB_BANNER_MAX;
	if (bn)
		memcpy(r->banner, c->rx, bn);
	r->banner_len = (uint16_t)bn;
	r->banner_truncated = c->truncated || c->s.rx_len > GRAB_BANNER_MAX;
	if (c->state == C_ACTIVE || c->state == C_TLS) {
		GRAB_SETS(r->module, c->mod->name);
		if (c->ssl && c->state == C_ACTIVE)
			grab_tls_finish(c->ssl, r);
		if (c->state == C_ACTIVE && (c->s.rx_len || st == GRAB_STATUS_SUCCESS))
			c->mod->finish(&c->s, r);
		if (p->probes && c->s.rx_len && st != GRAB_STATUS_CONNECTION_REFUSED) {
			size_t g = c->sent_any ? c->greeting : c->s.rx_len;
			probe_db_match(p->probes, t->psc, c->mod->nmap_probes, c->rx, g,
				       c->rx + g, c->s.rx_len - g, r);
		}
		if (!r->service[0] && st == GRAB_STATUS_SUCCESS && c->mod->service)
			GRAB_SETS(r->service, c->mod->service);
		if (r->tls && r->service[0] && strncmp(r->service, "ssl/", 4) != 0 &&
		    strlen(r->service) + 4 < sizeof(r->service)) {
			char tmp[sizeof(r->service)];
			snprintf(tmp, sizeof(tmp), "ssl/%s", r->service);
			memcpy(r->service, tmp, sizeof(tmp));
		}
	}
	if (st != GRAB_STATUS_SUCCESS)
		set_error(r, why ? why : c->s.why);
	count_status(t, st);
	atomic_fetch_add_explicit(&t->rx_bytes, c->s.rx_len, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->tx_bytes, c->tx_bytes, memory_order_relaxed);
	p->on_result(r, p->user);

	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		struct linger lg = {1, 0};
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->fd); /* also removes it from the epoll set */
		c->fd = -1;
	}
	free(c->rx);
	c->rx = NULL;
	c->rx_cap = 0;
	heap_del(t, slot);
	c->state = C_FREE;
	c->next_free = t->free_head;
	t->free_head = slot;
	t->active--;
	atomic_store_explicit(&t->active_pub, t->active, memory_order_relaxed);
}

static void set_interest(struct gthread *t, unsigned slot, bool want_out)
{
	struct conn *c = &t->conns[slot];
	if (c->out_armed == want_out)
		return;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u),
				 .data.u32 = slot};
	epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->out_armed = want_out;
}

/* Writes pending tx bytes. Returns 0 (all written or waiting), -1 on error (closed). */
static int conn_flush(struct gthread *t, unsigned slot)
{
	struct conn *c = &t->conns[slot];
	while (c->tx_off < c->s.tx_len) {
		if (!c->sent_any) {
			c->sent_any = true;
			c->greeting = c->s.rx_len;
		}
		const uint8_t *p = c->s.tx + c->tx_off;
		size_t n = c->s.tx_len - c->tx_off;
		ssize_t w;
		if (c->ssl) {
			ERR_clear_error();
			int k = SSL_write(c->ssl, p, (int)n);
			if (k <= 0) {
				int e = SSL_get_error(c->ssl, k);
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
					set_interest(t, slot, true);
					return 0;
				}
				return -1;
			}
			w = k;
		} else {
			w = send(c->fd, p, n, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					set_interest(t, slot, true);
					return 0;
				}
				if (errno == EINTR)
					continue;
				return -1;
			}
		}
		c->tx_off += (size_t)w;
		c->tx_bytes += (uint64_t)w;
	}
	c->s.tx_len = 0;
	c->tx_off = 0;
	set_interest(t, slot, false);
	return 0;
}

/* Acts on a module verdict (after start/on_data/on_idle). */
static void conn_verdict(struct gthread *t, unsigned slot, enum grab_verdict v)
{
	struct conn *c = &t->conns[slot];
	for (;;) {
		if (v == GRAB_MISMATCH) {
			const struct grab_module *m = grab_module_detect(c->rx, c->s.rx_len);
			if (m && m != c->mod && c->switches < MAX_SWITCHES) {
				c->switches++;
				c->mod = m;
				c->s.phase = 0;
				c->s.mark = 0;
				c->s.aux = 0;
				c->s.why = NULL;
				c->s.wait_ms = 0;
				c->idle_ns = 0;
				v = m->on_data(&c->s);
				continue;
			}
			if (!c->s.why)
				c->s.why = "unexpected answer";
			conn_close(t, slot, GRAB_STATUS_PROTOCOL_ERROR, NULL);
			return;
		}
		break;
	}
	if (v == GRAB_DONE) {
		conn_close(t, slot, GRAB_STATUS_SUCCESS, NULL);
		return;
	}
	if (v == GRAB_ERROR) {
		conn_close(t, slot, GRAB_STATUS_PROTOCOL_ERROR, NULL);
		return;
	}
	/* GRAB_MORE */
	if (c->s.rx_len >= c->s.rx_limit) {
		c->truncated = true;
		conn_close(t, slot, GRAB_STATUS_SUCCESS, NULL);
		return;
	}
	if (c->s.eof) {
		conn_close(t, slot, GRAB_STATUS_CONNECTION_CLOSED,
			   c->reset ? "connection reset by peer" : "closed by the server");
		return;
	}
	if (c->s.tx_len > c->tx_off && conn_flush(t, slot) < 0) {
		conn_close(t, slot, GRAB_STATUS_CONNECTION_CLOSED, "write failed");
		return;
	}
	if (c->s.wait_ms) {
		c->idle_ns = now_ns() + (uint64_t)c->s.wait_ms * 1000000ull;
		c->s.wait_ms = 0;
		heap_fix(t, c->heap_idx);
	}
}

static void conn_active(struct gthread *t, unsigned slot)
{
	struct conn *c = &t->conns[slot];
	c->state = C_ACTIVE;
	c->s.tls_ssl = c->ssl;
	conn_verdict(t, slot, c->mod->start(&c->s));
}

static void conn_tls_step(struct gthread *t, unsigned slot)
{
	struct conn *c = &t->conns[slot];
	ERR_clear_error();
	int k = SSL_connect(c->ssl);
	if (k == 1) {
		set_interest(t, slot, false);
		conn_active(t, slot);
		return;
	}
	int e = SSL_get_error(c->ssl, k);
	if (e == SSL_ERROR_WANT_READ) {
		set_interest(t, slot, false);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		set_interest(t, slot, true);
		return;
	}
	if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
		conn_close(t, slot, GRAB_STATUS_CONNECTION_CLOSED, "closed during TLS handshake");
	else
		conn_close(t, slot, GRAB_STATUS_PROTOCOL_ERROR, "TLS handshake failed");
}

static void conn_connected(struct gthread *t, unsigned slot)
{
	struct conn *c = &t->conns[slot];
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->tls) {
		c->ssl = SSL_new(t->pool->ssl_ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
			conn_close(t, slot, GRAB_STATUS_UNKNOWN_ERROR, "SSL_new failed");
			return;
		}
		c->state = C_TLS;
		conn_tls_step(t, slot);
		return;
	}
	set_interest(t, slot, false);
	conn_active(t, slot);
}

/* Reads what is there (bounded by rx_limit), then hands it to the module. */
static void conn_read(struct gthread *t, unsigned slot)
{
	struct conn *c = &t->conns[slot];
	bool got = false;
	while (c->s.rx_len < c->s.rx_limit && !c->s.eof) {
		if (c->s.rx_len == c->rx_cap) {
			size_t ncap = c->rx_cap ? c->rx_cap * 2 : RX_INITIAL;
			if (ncap > c->s.rx_limit)
				ncap = c->s.rx_limit;
			uint8_t *nb = realloc(c->rx, ncap);
			if (!nb) {
				conn_close(t, slot, GRAB_STATUS_UNKNOWN_ERROR, "out of memory");
				return;
			}
			c->rx = nb;
			c->rx_cap = ncap;
			c->s.rx = nb;
		}
		size_t room = c->rx_cap - c->s.rx_len;
		ssize_t n;
		if (c->ssl) {
			ERR_clear_error();
			int k = SSL_read(c->ssl, c->rx + c->s.rx_len, (int)(room > INT32_MAX ? INT32_MAX : room));
			if (k > 0) {
				n = k;
			} else {
				int e = SSL_get_error(c->ssl, k);
				if (e == SSL_ERROR_WANT_READ)
					break;
				if (e == SSL_ERROR_WANT_WRITE) {
					set_interest(t, slot, true);
					break;
				}
				c->s.eof = true;
				break;
			}
		} else {
			n = recv(c->fd, c->rx + c->s.rx_len, room, 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				if (errno == EINTR)
					continue;
				c->reset = errno == ECONNRESET;
				c->s.eof = true;
				break;
			}
			if (n == 0) {
				c->s.eof = true;
				break;
			}
		}
		c->s.rx_len += (size_t)n;
		got = true;
	}
	if (!got && !c->s.eof && c->s.rx_len < c->s.rx_limit)
		return; /* spurious wake-up */
	if (got && c->idle_ns) { /* new bytes disarm the idle timer (modules re-arm it) */
		c->idle_ns = 0;
		heap_fix(t, c->heap_idx);
	}
	conn_verdict(t, slot, c->mod->on_data(&c->s));
}

static void conn_start(struct gthread *t, const struct scan_result *scan)
{
	const struct grab_params *p = &t->pool->p;
	uint64_t start = now_ns();
	atomic_fetch_add_explicit(&t->started_n, 1, memory_order_relaxed);

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		deliver_early(t, scan, GRAB_STATUS_UNKNOWN_ERROR, strerror(errno), start);
		return;
	}
	if (p->source_ip) {
		int one = 1;
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		struct sockaddr_in src = {.sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(p->source_ip)};
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			int e = errno;
			close(fd);
			deliver_early(t, scan, GRAB_STATUS_UNKNOWN_ERROR, strerror(e), start);
			return;
		}
	}
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(scan->port),
				  .sin_addr.s_addr = htonl(scan->addr)};
	int rc = connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	if (rc < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		deliver_early(t, scan,
			      e == ECONNREFUSED ? GRAB_STATUS_CONNECTION_REFUSED
						: GRAB_STATUS_UNKNOWN_ERROR,
			      strerror(e), start);
		return;
	}

	unsigned slot = t->free_head;
	struct conn *c = &t->conns[slot];
	t->free_head = c->next_free;
	memset(c, 0, offsetof(struct conn, s));
	memset(&c->s, 0, offsetof(struct grab_session, tx));
	c->s.tx_len = 0;
	c->s.wait_ms = 0;
	c->s.tls_ssl = NULL;
	c->fd = fd;
	c->scan = *scan;
	c->start_ns = start;
	c->deadline_ns = start + (uint64_t)p->timeout_ms * 1000000ull;
	c->mod = grab_module_for_port(scan->port, &c->tls);
	c->s.addr = scan->addr;
	c->s.port = scan->port;
	c->s.tls = c->tls;
	c->s.rx_limit = p->max_bytes;
	c->s.timeout_ms = p->timeout_ms;
	c->state = C_CONNECTING;
	t->active++;
	atomic_store_explicit(&t->active_pub, t->active, memory_order_relaxed);
	if (t->active > atomic_load_explicit(&t->peak, memory_order_relaxed))
		atomic_store_explicit(&t->peak, t->active, memory_order_relaxed);
	heap_add(t, slot);

	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = slot};
	c->out_armed = true;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		conn_close(t, slot, GRAB_STATUS_UNKNOWN_ERROR, strerror(errno));
		return;
	}
	if (rc == 0)
		conn_connected(t, slot);
}

static void conn_event(struct gthread *t, unsigned slot, uint32_t events)
{
	struct conn *c = &t->conns[slot];
	switch (c->state) {
	case C_CONNECTING: {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == 0 && (events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLOUT))
			err = ECONNRESET;
		if (err) {
			/* accepted, then reset before we saw the connect finish: closed */
			enum grab_status st = err == ECONNREFUSED ? GRAB_STATUS_CONNECTION_REFUSED
					      : err == ETIMEDOUT  ? GRAB_STATUS_CONNECTION_TIMEOUT
					      : err == ECONNRESET || err == EPIPE
						      ? GRAB_STATUS_CONNECTION_CLOSED
						      : GRAB_STATUS_UNKNOWN_ERROR;
			conn_close(t, slot, st, strerror(err));
			return;
		}
		if (events & EPOLLOUT)
			conn_connected(t, slot);
		return;
	}
	case C_TLS:
		conn_tls_step(t, slot);
		return;
	case C_ACTIVE:
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
			conn_read(t, slot);
			if (c->state != C_ACTIVE)
				return;
		}
		if ((events & EPOLLOUT) && c->s.tx_len > c->tx_off && conn_flush(t, slot) < 0)
			conn_close(t, slot, GRAB_STATUS_CONNECTION_CLOSED, "write failed");
		return;
	default:
		return;
	}
}

static void conn_timer(struct gthread *t, unsigned slot, uint64_t now)
{
	struct conn *c = &t->conns[slot];
	if (c->idle_ns && c->idle_ns <= now && c->idle_ns < c->deadline_ns &&
	    c->state == C_ACTIVE) {
		c->idle_ns = 0;
		heap_fix(t, c->heap_idx);
		enum grab_verdict v = c->mod->on_idle ? c->mod->on_idle(&c->s) : GRAB_DONE;
		conn_verdict(t, slot, v);
		return;
	}
	if (c->state == C_CONNECTING)
		conn_close(t, slot, GRAB_STATUS_CONNECTION_TIMEOUT, "connect timed out");
	else
		conn_close(t, slot, GRAB_STATUS_IO_TIMEOUT, "timed out");
}

/* ---- the loop ---- */

static void *grab_thread(void *arg)
{
	struct gthread *t = arg;
	struct grab_pool *pool = t->pool;
	struct epoll_event evs[EVENTS_PER_WAIT];
	struct scan_result sr;

	while (!atomic_load_explicit(&pool->stop, memory_order_acquire)) {
		unsigned admitted = 0;
		while (t->free_head != UINT32_MAX && admitted < ADMIT_PER_LOOP &&
		       ring_pop(&t->ring, &sr)) {
			conn_start(t, &sr);
			admitted++;
		}
		uint64_t now = now_ns();
		int timeout = 1000;
		if (t->heap_n) {
			uint64_t due = conn_due(&t->conns[t->heap[0]]);
			int64_t ms = due > now ? (int64_t)((due - now + 999999) / 1000000) : 0;
			if (ms < timeout)
				timeout = (int)ms;
		}
		bool can_admit = t->free_head != UINT32_MAX;
		if (can_admit) {
			atomic_store(&t->sleeping, 1);
			if (!ring_empty(&t->ring))
				timeout = 0;
		}
		int n = epoll_wait(t->ep, evs, EVENTS_PER_WAIT, timeout);
		atomic_store(&t->sleeping, 0);
		for (int i = 0; i < n; i++) {
			uint32_t slot = evs[i].data.u32;
			if (slot == UINT32_MAX) {
				uint64_t v;
				ssize_t r = read(t->evfd, &v, sizeof(v));
				(void)r;
				continue;
			}
			if (slot < t->nconns && t->conns[slot].state != C_FREE)
				conn_event(t, slot, evs[i].events);
		}
		now = now_ns();
		while (t->heap_n && conn_due(&t->conns[t->heap[0]]) <= now)
			conn_timer(t, t->heap[0], now);
	}
	/* Stop: open connections end as they are, queued ports are not grabbed. */
	while (t->heap_n) {
		unsigned slot = t->heap[0];
		if (t->conns[slot].state == C_CONNECTING)
			conn_close(t, slot, GRAB_STATUS_CONNECTION_TIMEOUT, "stopped");
		else
			conn_close(t, slot, GRAB_STATUS_IO_TIMEOUT, "stopped");
	}
	while (ring_pop(&t->ring, &sr)) {
		grab_result_not_grabbed(&t->res, &sr);
		set_error(&t->res, "stopped");
		count_status(t, GRAB_STATUS_NOT_GRABBED);
		pool->p.on_result(&t->res, pool->p.user);
	}
	return NULL;
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
	if (!pool)
		return;
	for (unsigned i = 0; pool->t && i < pool->nthreads; i++) {
		struct gthread *t = &pool->t[i];
		if (t->ep >= 0)
			close(t->ep);
		if (t->evfd >= 0)
			close(t->evfd);
		ring_free(&t->ring);
		free(t->conns);
		free(t->heap);
		probe_scratch_free(t->psc);
	}
	free(pool->t);
	if (pool->ssl_ctx)
		SSL_CTX_free(pool->ssl_ctx);
	free(pool);
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
	if (!p->threads)
		p->threads = 1;
	if (!p->concurrency)
		p->concurrency = 1000;
	if (p->threads > p->concurrency)
		p->threads = p->concurrency;
	if (!p->timeout_ms)
		p->timeout_ms = 10000;
	if (!p->max_bytes)
		p->max_bytes = 65536;
	if (!p->queue)
		p->queue = p->concurrency * 4 / p->threads > 4096 ? p->concurrency * 4 / p->threads
								   : 4096;
	raise_nofile(p->concurrency + 256);

	pool->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!pool->ssl_ctx) {
		err_set(e, "grab pool: SSL_CTX_new failed");
		goto fail;
	}
	SSL_CTX_set_verify(pool->ssl_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(pool->ssl_ctx, 0); /* see old servers as they are */
	SSL_CTX_set_min_proto_version(pool->ssl_ctx, 0);
	SSL_CTX_set_cipher_list(pool->ssl_ctx, "ALL:@SECLEVEL=0");

	pool->nthreads = p->threads;
	pool->t = calloc(p->threads, sizeof(*pool->t));
	if (!pool->t) {
		err_set(e, "grab pool: out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < p->threads; i++) {
		struct gthread *t = &pool->t[i];
		t->pool = pool;
		t->ep = t->evfd = -1;
		t->nconns = p->concurrency / p->threads + (i < p->concurrency % p->threads);
		t->conns = calloc(t->nconns, sizeof(*t->conns));
		t->heap = calloc(t->nconns, sizeof(*t->heap));
		if (!t->conns || !t->heap || ring_init(&t->ring, p->queue) < 0) {
			err_set(e, "grab pool: out of memory");
			goto fail;
		}
		for (unsigned k = 0; k < t->nconns; k++) {
			t->conns[k].fd = -1;
			t->conns[k].next_free = k + 1 < t->nconns ? k + 1 : UINT32_MAX;
		}
		t->free_head = 0;
		if (p->probes && !(t->psc = probe_scratch_new())) {
			err_set(e, "grab pool: out of memory");
			goto fail;
		}
		t->ep = epoll_create1(EPOLL_CLOEXEC);
		t->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (t->ep < 0 || t->evfd < 0) {
			err_set(e, "grab pool: epoll/eventfd: %s", strerror(errno));
			goto fail;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
		epoll_ctl(t->ep, EPOLL_CTL_ADD, t->evfd, &ev);
	}
	for (unsigned i = 0; i < p->threads; i++) {
		if (pthread_create(&pool->t[i].tid, NULL, grab_thread, &pool->t[i]) != 0) {
			err_set(e, "grab pool: cannot create thread");
			atomic_store(&pool->stop, true);
			for (unsigned k = 0; k < i; k++)
				pthread_join(pool->t[k].tid, NULL);
			goto fail;
		}
		pool->t[i].started = true;
	}
	return pool;
fail:
	pool_free(pool);
	return NULL;
}

static void wake(struct gthread *t)
{
	if (atomic_exchange(&t->sleeping, 0)) {
		uint64_t one = 1;
		ssize_t r = write(t->evfd, &one, sizeof(one));
		(void)r;
	}
}

bool grab_pool_submit(struct grab_pool *pool, const struct scan_result *r)
{
	uint32_t h = r->addr * 2654435761u;
	struct gthread *t = &pool->t[(h >> 16) % pool->nthreads];
	if (atomic_load_explicit(&pool->stop, memory_order_relaxed) || !ring_push(&t->ring, r)) {
		atomic_fetch_add_explicit(&t->overflow, 1, memory_order_relaxed);
		return false;
	}
	atomic_fetch_add_explicit(&t->submitted, 1, memory_order_relaxed);
	wake(t);
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
	for (unsigned i = 0; i < pool->nthreads; i++) {
		struct gthread *t = &pool->t[i];
		s->submitted += atomic_load(&t->submitted);
		s->overflow += atomic_load(&t->overflow);
		s->started += atomic_load(&t->started_n);
		s->completed += atomic_load(&t->completed);
		s->not_grabbed += atomic_load(&t->by_status[GRAB_STATUS_NOT_GRABBED]);
		s->success += atomic_load(&t->by_status[GRAB_STATUS_SUCCESS]);
		s->refused += atomic_load(&t->by_status[GRAB_STATUS_CONNECTION_REFUSED]);
		s->conn_timeout += atomic_load(&t->by_status[GRAB_STATUS_CONNECTION_TIMEOUT]);
		s->closed += atomic_load(&t->by_status[GRAB_STATUS_CONNECTION_CLOSED]);
		s->io_timeout += atomic_load(&t->by_status[GRAB_STATUS_IO_TIMEOUT]);
		s->protocol_error += atomic_load(&t->by_status[GRAB_STATUS_PROTOCOL_ERROR]);
		s->unknown_error += atomic_load(&t->by_status[GRAB_STATUS_UNKNOWN_ERROR]);
		s->rx_bytes += atomic_load(&t->rx_bytes);
		s->tx_bytes += atomic_load(&t->tx_bytes);
		s->active += atomic_load(&t->active_pub);
		s->peak_active += atomic_load(&t->peak);
	}
}

bool grab_pool_drain(struct grab_pool *pool, unsigned timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		uint64_t sub = 0, done = 0;
		for (unsigned i = 0; i < pool->nthreads; i++) {
			sub += atomic_load(&pool->t[i].submitted);
			done += atomic_load(&pool->t[i].completed);
		}
		if (done >= sub)
			return true;
		if (now_ns() >= end)
			return false;
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
}

void grab_pool_stop(struct grab_pool *pool)
{
	if (!pool)
		return;
	atomic_store(&pool->stop, true);
	for (unsigned i = 0; i < pool->nthreads; i++) {
		uint64_t one = 1;
		ssize_t r = write(pool->t[i].evfd, &one, sizeof(one));
		(void)r;
	}
	for (unsigned i = 0; i < pool->nthreads; i++)
		if (pool->t[i].started)
			pthread_join(pool->t[i].tid, NULL);
	pool_free(pool);
}
