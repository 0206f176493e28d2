/* One grab connection on its worker's loop (conn.h):
 *   CONNECTING (writable) → TLS handshake (ports that speak TLS first) → ACTIVE (module
 *   callbacks on bytes, EOF and idle timers) → closed: the pool delivers the result, the
 *   socket closes with an RST (SO_LINGER 0: no TIME_WAIT pile-up at thousands of grabs a
 *   second).
 * Each connection holds one loop timer for its overall deadline (timeout_ms from connect
 * to close) and, while a module waits (grab_wait), one idle timer that ends before it. */
#include "core/followup/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/followup/loop.h"
#include "core/followup/tls.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define RX_INITIAL 2048
#define MAX_SWITCHES 2

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

/* ---- closing ---- */

void conn_close_socket(struct conn *c)
{
	if (c->fd < 0)
		return;
	struct linger lg = {1, 0}; /* an RST: no TIME_WAIT pile-up (see the top of this file) */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	loop_close_fd(c->w->loop, c->fd);
	c->fd = -1;
}

void conn_close(struct conn *c, enum grab_status st, const char *why)
{
	struct grab_worker *w = c->w;
	if (vscan_after_first(c, st, why))
		return; /* the probe sequence took the slot over */
	vscan_restore(c);
	worker_deliver(w, c, st, why);
	vscan_release(c);
	tls_session_free(c->ssl);
	c->ssl = NULL;
	conn_close_socket(c);
	free(c->rx);
	c->rx = NULL;
	c->rx_cap = 0;
	loop_del_timer(w->loop, c->deadline_timer);
	loop_del_timer(w->loop, c->idle_timer);
	worker_put_slot(w, c);
}

void conn_stop(struct conn *c)
{
	conn_close(c, c->state == CONN_CONNECTING ? GRAB_STATUS_CONNECTION_TIMEOUT
						  : GRAB_STATUS_IO_TIMEOUT,
		   "stopped");
}

/* ---- timers ---- */

static void idle_disarm(struct conn *c)
{
	loop_del_timer(c->w->loop, c->idle_timer);
	c->idle_timer = 0;
}

static void conn_verdict(struct conn *c, enum grab_verdict v);

static void on_idle(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct conn *c = data;
	c->idle_timer = 0;
	if (c->state == CONN_ACTIVE)
		conn_verdict(c, c->mod->on_idle ? c->mod->on_idle(&c->s) : GRAB_DONE);
}

static void on_deadline(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct conn *c = data;
	c->deadline_timer = 0;
	if (c->state == CONN_CONNECTING)
		conn_close(c, GRAB_STATUS_CONNECTION_TIMEOUT, "connect timed out");
	else
		conn_close(c, GRAB_STATUS_IO_TIMEOUT, "timed out");
}

/* The module asked for an idle timer: one that ends before the deadline (else the
 * deadline comes first and ends the connection as a timeout). */
static void idle_arm(struct conn *c, unsigned ms)
{
	idle_disarm(c);
	uint64_t due = clock_mono_ns() + (uint64_t)ms * 1000000u;
	if (due < c->deadline_ns)
		c->idle_timer = loop_add_timer(c->w->loop, due, on_idle, c);
}

/* ---- writing ---- */

static void want_write(struct conn *c, bool on)
{
	loop_mod_fd(c->w->loop, c->fd, LOOP_READABLE | (on ? LOOP_WRITABLE : 0u));
}

/* One write of p[0..n): bytes written (> 0), 0 when the socket is full, -1 on error. */
static ssize_t send_some(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->ssl) {
		size_t k;
		enum tls_step st = tls_write(c->ssl, p, n, &k);
		if (st == TLS_OK)
			return (ssize_t)k;
		return st == TLS_WANT_WRITE || st == TLS_WANT_READ ? 0 : -1;
	}
	for (;;) {
		ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k >= 0)
			return k;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Writes pending tx bytes. Returns 0 (all written or waiting for room), -1 on error. */
static int conn_flush(struct conn *c)
{
	while (c->tx_off < c->s.tx_len) {
		if (!c->sent_any) {
			c->sent_any = true;
			c->greeting = c->s.rx_len;
		}
		ssize_t k = send_some(c, c->s.tx + c->tx_off, c->s.tx_len - c->tx_off);
		if (k < 0)
			return -1;
		if (k == 0) {
			want_write(c, true);
			return 0;
		}
		c->tx_off += (size_t)k;
		c->tx_bytes += (uint64_t)k;
	}
	c->s.tx_len = 0;
	c->tx_off = 0;
	want_write(c, false);
	return 0;
}

/* ---- module dispatch ---- */

/* The answer is not the module's protocol: hand it to the one whose detect() accepts the
 * greeting. Returns false when there is none (or the connection changed too often). */
static bool switch_module(struct conn *c, enum grab_verdict *v)
{
	const struct grab_module *m = grab_module_detect(c->rx, c->s.rx_len);
	if (!m || m == c->mod || c->switches >= MAX_SWITCHES)
		return false;
	c->switches++;
	c->mod = m;
	c->s.phase = 0;
	c->s.mark = 0;
	c->s.aux = 0;
	c->s.why = NULL;
	c->s.wait_ms = 0;
	idle_disarm(c);
	*v = m->on_data(&c->s);
	return true;
}

/* Acts on a module verdict (after start/on_data/on_idle). */
static void conn_verdict(struct conn *c, enum grab_verdict v)
{
	while (v == GRAB_MISMATCH) {
		if (!switch_module(c, &v)) {
			if (!c->s.why)
				c->s.why = "unexpected answer";
			conn_close(c, GRAB_STATUS_PROTOCOL_ERROR, NULL);
			return;
		}
	}
	if (v == GRAB_DONE || v == GRAB_ERROR) {
		conn_close(c, v == GRAB_DONE ? GRAB_STATUS_SUCCESS : GRAB_STATUS_PROTOCOL_ERROR,
			   NULL);
		return;
	}
	/* GRAB_MORE */
	if (c->s.rx_len >= c->s.rx_limit) {
		c->truncated = true;
		conn_close(c, GRAB_STATUS_SUCCESS, NULL);
		return;
	}
	if (c->s.eof) {
		conn_close(c, GRAB_STATUS_CONNECTION_CLOSED,
			   c->reset ? "connection reset by peer" : "closed by the server");
		return;
	}
	if (c->s.tx_len > c->tx_off && conn_flush(c) < 0) {
		conn_close(c, GRAB_STATUS_CONNECTION_CLOSED, "write failed");
		return;
	}
	if (c->s.wait_ms) {
		idle_arm(c, c->s.wait_ms);
		c->s.wait_ms = 0;
	}
}

/* ---- reading ---- */

/* Room for more bytes in c->rx (grown by doubling up to rx_limit); false: no memory. */
static bool rx_room(struct conn *c)
{
	if (c->s.rx_len < c->rx_cap)
		return true;
	size_t ncap = c->rx_cap ? c->rx_cap * 2 : RX_INITIAL;
	if (ncap > c->s.rx_limit)
		ncap = c->s.rx_limit;
	uint8_t *nb = realloc(c->rx, ncap);
	if (!nb)
		return false;
	c->rx = nb;
	c->s.rx = nb;
	c->rx_cap = ncap;
	return true;
}

/* One read into c->rx: bytes read (> 0), 0 when nothing is there now; sets s.eof when the
 * server closed or the connection failed. */
static ssize_t recv_some(struct conn *c)
{
	uint8_t *dst = c->rx + c->s.rx_len;
	size_t room = c->rx_cap - c->s.rx_len;
	if (c->ssl) {
		size_t k;
		enum tls_step st = tls_read(c->ssl, dst, room, &k);
		if (st == TLS_OK)
			return (ssize_t)k;
		if (st == TLS_WANT_WRITE)
			want_write(c, true);
		else if (st != TLS_WANT_READ)
			c->s.eof = true;
		return 0;
	}
	for (;;) {
		ssize_t k = recv(c->fd, dst, room, 0);
		if (k > 0)
			return k;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (k < 0 && errno == EINTR)
			continue;
		c->reset = k < 0 && errno == ECONNRESET;
		c->s.eof = true;
		return 0;
	}
}

/* Reads what is there (bounded by rx_limit), then hands it to the module. */
static void conn_read(struct conn *c)
{
	bool got = false;
	while (c->s.rx_len < c->s.rx_limit && !c->s.eof) {
		if (!rx_room(c)) {
			conn_close(c, GRAB_STATUS_UNKNOWN_ERROR, "out of memory");
			return;
		}
		ssize_t n = recv_some(c);
		if (n <= 0)
			break;
		c->s.rx_len += (size_t)n;
		got = true;
	}
	if (!got && !c->s.eof && c->s.rx_len < c->s.rx_limit)
		return; /* spurious wake-up */
	if (got && c->idle_timer) /* new bytes disarm the idle timer (modules re-arm it) */
		idle_disarm(c);
	conn_verdict(c, c->mod->on_data(&c->s));
}

/* ---- connecting ---- */

static void conn_active(struct conn *c)
{
	c->state = CONN_ACTIVE;
	c->s.tls_ssl = c->ssl;
	conn_verdict(c, c->mod->start(&c->s));
	if (c->state == CONN_ACTIVE)
		vscan_first_active(c);
}

static void conn_tls_step(struct conn *c)
{
	switch (tls_handshake(c->ssl)) {
	case TLS_OK:
		want_write(c, false);
		conn_active(c);
		return;
	case TLS_WANT_READ: want_write(c, false); return;
	case TLS_WANT_WRITE: want_write(c, true); return;
	case TLS_CLOSED:
		conn_close(c, GRAB_STATUS_CONNECTION_CLOSED, "closed during TLS handshake");
		return;
	case TLS_FAILED:
	default: conn_close(c, GRAB_STATUS_PROTOCOL_ERROR, "TLS handshake failed"); return;
	}
}

static void conn_connected(struct conn *c)
{
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->tls) {
		c->ssl = tls_session_new(c->w->tls_ctx, c->fd);
		if (!c->ssl) {
			conn_close(c, GRAB_STATUS_UNKNOWN_ERROR, "SSL_new failed");
			return;
		}
		c->state = CONN_TLS;
		conn_tls_step(c);
		return;
	}
	want_write(c, false);
	conn_active(c);
}

static enum grab_status connect_status(int err)
{
	switch (err) {
	case ECONNREFUSED: return GRAB_STATUS_CONNECTION_REFUSED;
	case ETIMEDOUT: return GRAB_STATUS_CONNECTION_TIMEOUT;
	case ECONNRESET: /* accepted, then reset before we saw the connect finish */
	case EPIPE: return GRAB_STATUS_CONNECTION_CLOSED;
	default: return GRAB_STATUS_UNKNOWN_ERROR;
	}
}

static bool tcp_info_of(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0;
}

bool conn_still_connecting(int fd)
{
	struct tcp_info ti;
	return tcp_info_of(fd, &ti) && ti.tcpi_state == TCP_SYN_SENT;
}

uint64_t conn_rtt_ns(int fd)
{
	struct tcp_info ti;
	return tcp_info_of(fd, &ti) ? (uint64_t)ti.tcpi_rtt * 1000u : 0;
}

static void conn_connect_done(struct conn *c, unsigned fired)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0 && (fired & LOOP_ERROR) && !(fired & LOOP_WRITABLE))
		err = ECONNRESET;
	if (err)
		conn_close(c, connect_status(err), strerror(err));
	else if ((fired & LOOP_WRITABLE) && !conn_still_connecting(c->fd))
		conn_connected(c);
}

static void on_fd(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)l;
	(void)fd;
	struct conn *c = data;
	switch (c->state) {
	case CONN_CONNECTING: conn_connect_done(c, fired); return;
	case CONN_TLS: conn_tls_step(c); return;
	case CONN_ACTIVE:
		if (fired & LOOP_READABLE) {
			conn_read(c);
			if (c->state != CONN_ACTIVE)
				return;
		}
		if ((fired & LOOP_WRITABLE) && c->s.tx_len > c->tx_off && conn_flush(c) < 0)
			conn_close(c, GRAB_STATUS_CONNECTION_CLOSED, "write failed");
		return;
	default: return;
	}
}

/* ---- starting ---- */

/* A non-blocking socket, bound to source_ip when set, connecting to the port: the fd, or
 * -errno. *now is set when connect() finished at once. */
int conn_open_socket(const struct grab_params *p, const struct scan_result *scan, bool *now)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (p->source_ip) {
		int one = 1;
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		struct sockaddr_in src = {.sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(p->source_ip)};
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(scan->port),
				  .sin_addr.s_addr = htonl(scan->addr)};
	int rc = connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	if (rc < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	*now = rc == 0;
	return fd;
}

static void conn_init(struct conn *c, int fd, const struct scan_result *scan, uint64_t start)
{
	struct grab_worker *w = c->w;
	const struct grab_params *p = w->p;
	memset(c, 0, offsetof(struct conn, s)); /* not the tx buffer: tx_len says what is valid */
	c->v.matched = c->v.soft_probe = -1;
	memset(&c->s, 0, offsetof(struct grab_session, tx));
	c->w = w;
	c->fd = fd;
	c->scan = *scan;
	c->start_ns = start;
	c->deadline_ns = start + (uint64_t)p->timeout_ms * 1000000u;
	c->mod = grab_module_for_port(scan->port, &c->tls);
	c->s.addr = scan->addr;
	c->s.port = scan->port;
	c->s.tls = c->tls;
	c->s.rx_limit = p->max_bytes;
	c->s.timeout_ms = p->timeout_ms;
	c->s.contact = p->contact;
	c->s.probes_follow = p->probe_sequence && p->probes;
	c->s.tx_len = 0;
	c->s.wait_ms = 0;
	c->s.tls_ssl = NULL;
	c->state = CONN_CONNECTING;
}

void conn_start(struct grab_worker *w, const struct scan_result *scan)
{
	uint64_t start = clock_mono_ns();
	atomic_fetch_add_explicit(&w->started_n, 1, memory_order_relaxed);
	bool connected = false;
	int fd = conn_open_socket(w->p, scan, &connected);
	if (fd < 0) {
		enum grab_status st = fd == -ECONNREFUSED ? GRAB_STATUS_CONNECTION_REFUSED
							  : GRAB_STATUS_UNKNOWN_ERROR;
		worker_deliver_early(w, scan, st, strerror(-fd), start);
		return;
	}
	struct conn *c = worker_take_slot(w);
	conn_init(c, fd, scan, start);
	c->deadline_timer = loop_add_timer(w->loop, c->deadline_ns, on_deadline, c);
	if (!c->deadline_timer) {
		conn_close(c, GRAB_STATUS_UNKNOWN_ERROR, "out of memory");
		return;
	}
	if (loop_add_fd(w->loop, fd, LOOP_READABLE | LOOP_WRITABLE, on_fd, c) < 0) {
		conn_close(c, GRAB_STATUS_UNKNOWN_ERROR, strerror(errno));
		return;
	}
	if (connected)
		conn_connected(c);
}
