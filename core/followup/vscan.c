/* Nmap's version-detection sequence on top of a grab connection (conn.h, grab.h).
 *
 * The port's first connection is orbit's module (the fast path: a greeting is the NULL
 * probe's answer, HTTP/SSH/TLS/FTP... add their fields). When it ends without a hard
 * match of the probe file (on the greeting or the module's answer), and the server did not close at
 * once (tcpwrapped: closed before any byte, within the NULL probe's tcpwrappedms), the
 * probes of probe_db_plan() follow, one new connection each, strictly one at a time per
 * port (as Nmap: a host with N open ports sees at most N connections at once; no other
 * per-host cap). Each probe connection: connect (TLS when the port spoke TLS), write the
 * payload, read until the answer matches hard, the server closes, the probe's wait
 * passes (totalwaitms, else 5 s; never longer than --grab-timeout) or, once bytes came,
 * QUIET_MS without more. A softmatch is kept and only probes that could refine it follow.
 * An answer matching service "ssl" restarts the plan inside TLS (sslports first), with the
 * NULL probe first (its wait capped at NULL_WAIT_MS, Nmap waits 6 s).
 * Bounded: probes per port <= VSCAN_PLAN_MAX, bytes per answer <= max_bytes, the whole
 * sequence by port_budget_ms (then the port is reported with what it gave). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/followup/conn.h"
#include "core/followup/loop.h"
#include "core/followup/probes.h"
#include "core/followup/tls.h"

#define DEFAULT_WAIT_MS 5000
#define NULL_WAIT_MS 3000
#define QUIET_MS 1000
#define RX_INITIAL 2048

static void next_probe(struct conn *c);

/* --version-trace: "vscan 198.18.1.12:53 DNSVersionBindReqTCP: 48 bytes, match domain" */
static void trace(const struct conn *c, const char *what, const char *detail)
{
	if (!c->w->p->version_trace)
		return;
	uint32_t a = c->scan.addr;
	fprintf(stderr, "vscan %u.%u.%u.%u:%u %s: %s\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		a & 255, c->scan.port, what, detail);
}

/* ---- the probe connection ---- */

static void probe_conn_close(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	loop_del_timer(c->w->loop, v->timer);
	v->timer = 0;
	if (c->ssl && c->ssl != v->tls_keep)
		tls_session_free(c->ssl);
	c->ssl = NULL;
	conn_close_socket(c);
}

/* The sequence is over: the port's one result. */
static void finish(struct conn *c)
{
	probe_conn_close(c);
	enum grab_status st = c->v.matched >= 0 || c->v.soft[0] ? GRAB_STATUS_SUCCESS
								: (enum grab_status)c->v.first_status;
	conn_close(c, st, c->v.first_why);
}

static void on_timer(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct conn *c = data;
	c->v.timer = 0;
	next_probe(c); /* waited long enough: no match from this probe */
}

static void arm(struct conn *c, unsigned ms)
{
	loop_del_timer(c->w->loop, c->v.timer);
	uint64_t due = clock_mono_ns() + (uint64_t)ms * 1000000u;
	if (due > c->v.probe_deadline_ns)
		due = c->v.probe_deadline_ns;
	c->v.timer = loop_add_timer(c->w->loop, due, on_timer, c);
}

/* Inside TLS from here: the plan starts over with the NULL probe, sslports first. */
static void restart_in_tunnel(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	const struct probe_db *db = c->w->p->probes;
	v->tunnel = true;
	v->restarts++;
	v->matched = v->soft_probe = -1;
	v->soft[0] = 0;
	v->nplan = 0;
	int null = probe_db_null(db);
	if (null >= 0)
		v->plan[v->nplan++] = (int16_t)null;
	int tmp[VSCAN_PLAN_MAX];
	unsigned n = probe_db_plan(db, c->scan.port, false, true, c->w->p->version_intensity, tmp,
				   VSCAN_PLAN_MAX - 1u);
	for (unsigned i = 0; i < n; i++)
		v->plan[v->nplan++] = (int16_t)tmp[i];
	v->next = 0;
}

/* The answer so far against the probe: true when the sequence is decided. */
static bool judge(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	struct grab_result *r = &c->w->res; /* scratch until delivery */
	grab_result_not_grabbed(r, &c->scan);
	char soft[sizeof(v->soft)];
	memcpy(soft, v->soft, sizeof(soft));
	int rc = probe_db_match_probe(c->w->p->probes, c->w->psc, v->cur, v->prx, v->prx_len, r,
				      soft, sizeof(soft));
	bool new_soft = rc != 2 && soft[0] && !v->soft[0];
	if (c->w->p->version_trace) {
		char d[96];
		snprintf(d, sizeof(d), "%zu bytes, %s %s", v->prx_len,
			 rc == 2 ? "match" : new_soft ? "softmatch" : "no match",
			 rc == 2 ? r->service : new_soft ? soft : "");
		trace(c, probe_db_probe_name(c->w->p->probes, v->cur), d);
	}
	if (rc != 2 && !new_soft)
		return false;
	free(v->keep); /* this answer is the one to report */
	v->keep = v->prx;
	v->keep_len = v->prx_len;
	v->prx = NULL;
	v->prx_len = v->prx_cap = 0;
	if (rc == 2)
		v->matched = v->cur;
	else
		v->soft_probe = v->cur;
	memcpy(v->soft, soft, sizeof(soft));
	const char *service = rc == 2 ? r->service : soft;
	if (strcmp(service, "ssl") == 0 && !v->tunnel && v->restarts == 0) {
		restart_in_tunnel(c);
		return false;
	}
	return rc == 2;
}

static bool prx_room(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	if (v->prx_len < v->prx_cap)
		return true;
	size_t ncap = v->prx_cap ? v->prx_cap * 2 : RX_INITIAL;
	if (ncap > c->s.rx_limit)
		ncap = c->s.rx_limit;
	if (ncap <= v->prx_len)
		return false;
	uint8_t *nb = realloc(v->prx, ncap);
	if (!nb)
		return false;
	v->prx = nb;
	v->prx_cap = ncap;
	return true;
}

/* Reads what is there; returns true at EOF (or the byte limit). */
static bool probe_read(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	for (;;) {
		if (!prx_room(c))
			return true;
		uint8_t *dst = v->prx + v->prx_len;
		size_t room = v->prx_cap - v->prx_len;
		if (c->ssl) {
			size_t k;
			enum tls_step st = tls_read(c->ssl, dst, room, &k);
			if (st == TLS_OK) {
				v->prx_len += k;
				continue;
			}
			return st != TLS_WANT_READ && st != TLS_WANT_WRITE;
		}
		ssize_t k = recv(c->fd, dst, room, 0);
		if (k > 0) {
			v->prx_len += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		return !(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
	}
}

/* Writes the rest of the payload; false on a write error. */
static bool probe_write(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	size_t len;
	const uint8_t *p = probe_db_payload(c->w->p->probes, v->cur, &len);
	while (v->tx_off < len) {
		ssize_t k;
		if (c->ssl) {
			size_t n;
			enum tls_step st = tls_write(c->ssl, p + v->tx_off, len - v->tx_off, &n);
			if (st == TLS_WANT_WRITE || st == TLS_WANT_READ)
				break;
			if (st != TLS_OK)
				return false;
			k = (ssize_t)n;
		} else {
			k = send(c->fd, p + v->tx_off, len - v->tx_off, MSG_NOSIGNAL);
			if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return false;
		}
		v->tx_off += (size_t)k;
		c->tx_bytes += (uint64_t)k;
	}
	v->sent = v->tx_off >= len;
	loop_mod_fd(c->w->loop, c->fd, LOOP_READABLE | (v->sent ? 0u : LOOP_WRITABLE));
	return true;
}

static void probe_active(struct conn *c, unsigned fired)
{
	struct vscan_conn *v = &c->v;
	if (!v->sent && !probe_write(c)) {
		next_probe(c);
		return;
	}
	if (!(fired & (LOOP_READABLE | LOOP_ERROR)))
		return;
	size_t before = v->prx_len;
	bool eof = probe_read(c);
	if (v->prx_len > before && judge(c)) {
		finish(c);
		return;
	}
	if (eof) {
		next_probe(c);
		return;
	}
	if (v->prx_len > before)
		arm(c, QUIET_MS);
}

static void probe_tls(struct conn *c)
{
	switch (tls_handshake(c->ssl)) {
	case TLS_OK:
		if (!c->v.tls_keep)
			c->v.tls_keep = c->ssl; /* its certificate goes into the result */
		c->v.phase = 2;
		probe_active(c, LOOP_WRITABLE);
		return;
	case TLS_WANT_READ: loop_mod_fd(c->w->loop, c->fd, LOOP_READABLE); return;
	case TLS_WANT_WRITE: loop_mod_fd(c->w->loop, c->fd, LOOP_READABLE | LOOP_WRITABLE); return;
	default: next_probe(c); return;
	}
}

static void probe_connected(struct conn *c)
{
	if (c->v.tunnel) {
		c->ssl = tls_session_new(c->w->tls_ctx, c->fd);
		if (!c->ssl) {
			finish(c);
			return;
		}
		c->v.phase = 1;
		probe_tls(c);
		return;
	}
	c->v.phase = 2;
	probe_active(c, LOOP_WRITABLE);
}

static void on_probe_fd(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)l;
	(void)fd;
	struct conn *c = data;
	if (c->v.phase == 0) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err || !(fired & LOOP_WRITABLE)) {
			finish(c); /* the port stopped answering: report what we have */
			return;
		}
		probe_connected(c);
	} else if (c->v.phase == 1) {
		probe_tls(c);
	} else {
		probe_active(c, fired);
	}
}

/* The next probe of the plan that may still name (or refine) the service. */
static int pick(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	while (v->next < v->nplan) {
		int pi = v->plan[v->next++];
		if (!v->soft[0] || probe_db_can_refine(c->w->p->probes, pi, v->soft))
			return pi;
	}
	return -1;
}

static void next_probe(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	const struct grab_params *p = c->w->p;
	probe_conn_close(c);
	free(v->prx);
	v->prx = NULL;
	v->prx_len = v->prx_cap = 0;
	int pi = pick(c);
	uint64_t age_ms = (clock_mono_ns() - c->start_ns) / 1000000u;
	if (pi < 0 || age_ms >= p->port_budget_ms) {
		finish(c);
		return;
	}
	v->cur = (int16_t)pi;
	trace(c, probe_db_probe_name(p->probes, pi), "sent");
	v->sent = false;
	v->tx_off = 0;
	v->phase = 0;
	v->probes_sent++;
	bool now = false;
	int fd = conn_open_socket(p, &c->scan, &now);
	if (fd < 0) {
		finish(c);
		return;
	}
	c->fd = fd;
	unsigned wait = probe_db_waitms(p->probes, pi, DEFAULT_WAIT_MS);
	if (pi == probe_db_null(p->probes) && wait > NULL_WAIT_MS)
		wait = NULL_WAIT_MS;
	if (wait > p->timeout_ms)
		wait = p->timeout_ms;
	if (wait > p->port_budget_ms - age_ms)
		wait = (unsigned)(p->port_budget_ms - age_ms);
	v->probe_deadline_ns = clock_mono_ns() + (uint64_t)wait * 1000000u;
	arm(c, wait);
	if (loop_add_fd(c->w->loop, fd, LOOP_READABLE | LOOP_WRITABLE, on_probe_fd, c) < 0) {
		finish(c);
		return;
	}
	if (now)
		probe_connected(c);
}

/* ---- hooks of conn.c ---- */

/* Did the first connection name the service? Only a hard match of the probe file does:
 * a module's own product (PostgreSQL's, say) may say less than a later probe's match
 * ("9.6.0 or later"); it stays in the result when no probe matches. */
static bool first_decided(struct conn *c, char *soft, size_t softcap)
{
	struct grab_worker *w = c->w;
	struct grab_result *r = &w->res; /* scratch until delivery */
	grab_result_not_grabbed(r, &c->scan);
	size_t g = c->sent_any ? c->greeting : c->s.rx_len;
	const uint8_t *later = c->rx ? c->rx + g : NULL; /* nothing read yet: no buffer */
	int rc = probe_db_match(w->p->probes, w->psc, c->mod->nmap_probes, c->rx, g, later,
				c->s.rx_len - g, r);
	if (rc == 1)
		snprintf(soft, softcap, "%s", r->service);
	return rc == 2;
}

/* Every probe of Nmap's order, also those the module's answer was matched against: a
 * module's request is not Nmap's probe (POP3's CAPA is not GenericLines, whose answer
 * names Dovecot). */
static void build_plan(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	const struct grab_params *p = c->w->p;
	int tmp[VSCAN_PLAN_MAX];
	unsigned n = probe_db_plan(p->probes, c->scan.port, false, v->tunnel, p->version_intensity,
				   tmp, VSCAN_PLAN_MAX);
	for (unsigned i = 0; i < n; i++)
		v->plan[i] = (int16_t)tmp[i];
	v->nplan = (uint8_t)n;
	v->next = 0;
}

bool vscan_after_first(struct conn *c, enum grab_status st, const char *why)
{
	struct vscan_conn *v = &c->v;
	const struct grab_params *p = c->w->p;
	if (v->on || !p->probe_sequence || !p->probes || c->state == CONN_CONNECTING ||
	    st == GRAB_STATUS_CONNECTION_REFUSED || st == GRAB_STATUS_NOT_GRABBED ||
	    probe_db_excluded(p->probes, c->scan.port, false) || loop_stopped(c->w->loop))
		return false;
	uint64_t age_ms = (clock_mono_ns() - c->start_ns) / 1000000u;
	if (c->s.rx_len == 0 && st == GRAB_STATUS_CONNECTION_CLOSED &&
	    age_ms < probe_db_tcpwrappedms(p->probes)) {
		v->tcpwrapped = true;
		return false;
	}
	char soft[sizeof(v->soft)] = "";
	if (first_decided(c, soft, sizeof(soft)))
		return false;
	v->on = true;
	memcpy(v->soft, soft, sizeof(soft));
	v->first_state = c->state;
	v->first_status = (uint8_t)st;
	v->first_why = why ? why : c->s.why;
	v->tunnel = c->tls && c->state == CONN_ACTIVE;
	if (v->tunnel)
		v->tls_keep = c->ssl; /* the first session's certificate */
	else
		tls_session_free(c->ssl);
	c->ssl = NULL;
	conn_close_socket(c);
	loop_del_timer(c->w->loop, c->deadline_timer);
	loop_del_timer(c->w->loop, c->idle_timer);
	c->deadline_timer = c->idle_timer = 0;
	c->state = CONN_PROBING;
	build_plan(c);
	next_probe(c);
	return true;
}

void vscan_restore(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	if (!v->on || c->state != CONN_PROBING)
		return;
	probe_conn_close(c);
	c->state = v->first_state;
	c->ssl = v->tls_keep; /* conn_close frees it after delivery */
	v->tls_keep = NULL;
	if (v->tunnel && c->ssl)
		c->tls = true;
	if (c->ssl)
		c->state = CONN_ACTIVE;
}

void vscan_identify(struct grab_worker *w, const struct conn *c, struct grab_result *r)
{
	const struct vscan_conn *v = &c->v;
	if (v->tcpwrapped) {
		GRAB_SETS(r->service, "tcpwrapped");
		GRAB_SETS(r->method, "probed");
		r->conf = 8;
		r->tcpwrapped = 1;
		return;
	}
	int pi = v->matched >= 0 ? v->matched : v->soft_probe;
	if (v->on && pi >= 0 && w->p->probes) {
		char soft[32] = "";
		probe_db_match_probe(w->p->probes, w->psc, pi, v->keep, v->keep_len, r, soft,
				     sizeof(soft));
		if (!r->banner_len && v->keep_len) {
			size_t bn = v->keep_len < GRAB_BANNER_MAX ? v->keep_len : GRAB_BANNER_MAX;
			memcpy(r->banner, v->keep, bn);
			r->banner_len = (uint16_t)bn;
		}
	} else if (v->on && v->soft[0]) {
		GRAB_SETS(r->service, v->soft);
		r->softmatched = 1;
	}
	if (v->tunnel)
		r->tls = 1;
	if (v->on)
		grab_fieldf(r, "nmap.probes_sent", "%u", v->probes_sent);
	if (!r->method[0] && r->service[0]) {
		GRAB_SETS(r->method, r->product[0] ? "probed" : "table");
		r->conf = r->product[0] ? 10 : 3;
	}
}

void vscan_release(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	loop_del_timer(c->w->loop, v->timer);
	tls_session_free(v->tls_keep);
	free(v->prx);
	free(v->keep);
	memset(v, 0, sizeof(*v));
	v->cur = v->matched = v->soft_probe = -1;
}
