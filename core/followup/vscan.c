/* Nmap's version-detection sequence on top of a grab connection (conn.h, grab.h).
 *
 * The port's first connection is orbit's module (the fast path: a greeting is the NULL
 * probe's answer, HTTP/SSH/TLS/FTP... add their fields). When it ends without a hard
 * match of the probe file (on the greeting or the module's answer), and the server did
 * not close at once (tcpwrapped: closed before any byte, within the NULL probe's
 * tcpwrappedms, with nothing sent; a module that spoke first and got nothing puts a NULL
 * probe first in the plan, which decides), the probes of probe_db_plan() follow, one new
 * connection each. Nmap sends them one at a time per port, so a port's time is the sum
 * of its probes' waits (6 silent probes of an IRC server: 30 s). Here up to VSCAN_CONNS
 * connections to the port are open at once, its first one's included while it is open
 * (a host with N open ports sees at most 5N: the default cap of a single address's
 * connections in ngircd, say; no other per-host cap),
 * and their answers are decided in plan order, as the serial sequence would: the
 * first hard match in plan order wins, whichever lane answered first; a probe the
 * softmatch rules out is dropped unjudged. A lane whose answer is complete closes its
 * socket and waits, with its answer, for the entries before it (up to VSCAN_AHEAD
 * entries sent and undecided), so a silent probe holds one socket, not the sequence.
 * While the first connection is silent (nothing read, sent or waiting unread EARLY_MIN_MS
 * after the connect, or twice the kernel's round trip), the probes already go out beside
 * it: the NULL probe's wait (3 s) is then spent probing, and its answer still comes first
 * in the order (a late greeting that matches wins over every probe's). Each probe
 * connection: connect (TLS when the port spoke TLS), write the payload, read until the
 * answer matches hard, the server closes, the probe's wait passes (totalwaitms, else 5 s;
 * never longer than --grab-timeout), the answer reaches NMAP_READ_MAX without a match
 * (nmap then moves on too) or, once bytes came, QUIET_MS without more. A softmatch is
 * kept and only probes that could refine it follow.
 * An answer matching service "ssl" restarts the plan inside TLS (sslports first), with the
 * NULL probe first (its wait capped at NULL_WAIT_MS, Nmap waits 6 s).
 * Bounded: probes per port <= VSCAN_PLAN_MAX, bytes per answer <= NMAP_READ_MAX and one
 * read (VSCAN_AHEAD answers: 128 KiB a port at most), the whole sequence by
 * port_budget_ms (then the port is reported with what it gave). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
#define EARLY_MIN_MS 50
#define EARLY_RECHECK_NS 10000000u /* unread bytes at the early deadline: look again */
#define NMAP_READ_MAX 4096 /* nmap reads a probe's answer on only while it is shorter */

static void decide(struct conn *c);
static void fill(struct conn *c);

/* --version-trace: "vscan 198.18.1.12:53 DNSVersionBindReqTCP: 48 bytes, match domain" */
static void trace(const struct conn *c, const char *what, const char *detail)
{
	if (!c->w->p->version_trace)
		return;
	uint32_t a = c->scan.addr;
	fprintf(stderr, "vscan %u.%u.%u.%u:%u %s: %s\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		a & 255, c->scan.port, what, detail);
}

/* ---- the probe connections (lanes) ---- */

/* A connection we reset may count at the server until the reset got there and was
 * seen (ngircd, say, refuses a sixth connection from one address): it counts here for
 * grace_ns as well. */
static void note_reset(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	unsigned oldest = 0;
	for (unsigned i = 1; i < VSCAN_CONNS; i++)
		if (v->reset_ns[i] < v->reset_ns[oldest])
			oldest = i;
	v->reset_ns[oldest] = clock_mono_ns();
}

/* Its socket goes (an RST, as conn_close_socket); its answer stays until judged. */
static void lane_shut(struct conn *c, struct vscan_lane *ln)
{
	loop_del_timer(c->w->loop, ln->timer);
	ln->timer = 0;
	if (ln->ssl && ln->ssl != c->v.tls_keep)
		tls_session_free(ln->ssl);
	ln->ssl = NULL;
	if (ln->open) {
		if (!ln->eof)
			note_reset(c);
		struct linger lg = {1, 0};
		setsockopt(ln->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		loop_close_fd(c->w->loop, ln->fd);
		ln->open = false;
	}
}

static void lane_free(struct conn *c, struct vscan_lane *ln)
{
	lane_shut(c, ln);
	free(ln->rx);
	memset(ln, 0, sizeof(*ln));
}

static void lanes_free(struct conn *c)
{
	for (unsigned i = 0; c->v.lane && i < VSCAN_AHEAD; i++)
		if (c->v.lane[i].used)
			lane_free(c, &c->v.lane[i]);
}

/* The lanes exist only while a port's probes go out (most ports never need them). */
static bool lanes_ready(struct conn *c)
{
	if (!c->v.lane)
		c->v.lane = calloc(VSCAN_AHEAD, sizeof(*c->v.lane));
	return c->v.lane != NULL;
}

/* The port's connections as its server may count them: the lanes', the first one while
 * open, and those we reset within grace_ns (*until: when the first of these ends). */
static unsigned connections(const struct conn *c, uint64_t now, uint64_t *until)
{
	const struct vscan_conn *v = &c->v;
	unsigned n = c->fd >= 0;
	for (unsigned i = 0; i < VSCAN_AHEAD; i++)
		n += v->lane[i].used && v->lane[i].open;
	*until = UINT64_MAX;
	for (unsigned i = 0; i < VSCAN_CONNS; i++) {
		uint64_t end = v->reset_ns[i] + v->grace_ns;
		if (v->reset_ns[i] && end > now) {
			n++;
			*until = end < *until ? end : *until;
		}
	}
	return n;
}

static void on_cooled(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct conn *c = data;
	c->v.cool_timer = 0;
	decide(c);
}

/* The sequence is over: the port's one result. */
static void finish(struct conn *c)
{
	lanes_free(c);
	enum grab_status st = c->v.matched >= 0 || c->v.soft[0] ? GRAB_STATUS_SUCCESS
								: (enum grab_status)c->v.first_status;
	conn_close(c, st, c->v.first_why);
}

/* The lane's answer is complete (EOF, its wait or its quiet time passed). */
static void lane_over(struct conn *c, struct vscan_lane *ln)
{
	ln->over = true;
	lane_shut(c, ln);
	decide(c);
}

static void on_lane_timer(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct vscan_lane *ln = data;
	ln->timer = 0;
	if (!ln->c->v.on && !ln->rx_len)
		return; /* early, unanswered: it waits for the first connection's end (early_grace) */
	lane_over(ln->c, ln); /* waited long enough: no match from this probe */
}

static void lane_arm(struct conn *c, struct vscan_lane *ln, unsigned ms)
{
	loop_del_timer(c->w->loop, ln->timer);
	uint64_t due = clock_mono_ns() + (uint64_t)ms * 1000000u;
	if (due > ln->deadline_ns)
		due = ln->deadline_ns;
	ln->timer = loop_add_timer(c->w->loop, due, on_lane_timer, ln);
}

/* Inside TLS from here: the plan starts over with the NULL probe, sslports first. */
static void restart_in_tunnel(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	const struct probe_db *db = c->w->p->probes;
	lanes_free(c);
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
	v->next = v->judged = 0;
}

enum verdict { V_NONE, V_HARD, V_RESTART };

/* The lane's answer so far against its probe, as the serial sequence judges each read:
 * a hard match decides the port; the first softmatch is kept (its answer moves to keep,
 * as the serial sequence keeps that read); "ssl" restarts the plan inside TLS. */
static enum verdict judge(struct conn *c, struct vscan_lane *ln)
{
	struct vscan_conn *v = &c->v;
	struct grab_result *r = &c->w->res; /* scratch until delivery */
	ln->judged_len = ln->rx_len;
	grab_result_not_grabbed(r, &c->scan);
	char soft[sizeof(v->soft)];
	memcpy(soft, v->soft, sizeof(soft));
	int rc = probe_db_match_probe(c->w->p->probes, c->w->psc, ln->probe, ln->rx, ln->rx_len, r,
				      soft, sizeof(soft));
	bool new_soft = rc != 2 && soft[0] && !v->soft[0];
	if (c->w->p->version_trace) {
		char d[96];
		snprintf(d, sizeof(d), "%zu bytes, %s %s", ln->rx_len,
			 rc == 2 ? "match" : new_soft ? "softmatch" : "no match",
			 rc == 2 ? r->service : new_soft ? soft : "");
		trace(c, probe_db_probe_name(c->w->p->probes, ln->probe), d);
	}
	if (rc != 2 && !new_soft)
		return V_NONE;
	free(v->keep); /* this answer is the one to report */
	v->keep = ln->rx;
	v->keep_len = ln->rx_len;
	ln->rx = NULL;
	ln->rx_len = ln->rx_cap = ln->judged_len = 0;
	if (rc == 2)
		v->matched = ln->probe;
	else
		v->soft_probe = ln->probe;
	memcpy(v->soft, soft, sizeof(soft));
	const char *service = rc == 2 ? r->service : soft;
	if (strcmp(service, "ssl") == 0 && !v->tunnel && v->restarts == 0) {
		restart_in_tunnel(c);
		return V_RESTART;
	}
	return rc == 2 ? V_HARD : V_NONE;
}

static bool rx_room(struct conn *c, struct vscan_lane *ln)
{
	if (ln->rx_len < ln->rx_cap)
		return true;
	size_t ncap = ln->rx_cap ? ln->rx_cap * 2 : RX_INITIAL;
	if (ncap > c->s.rx_limit)
		ncap = c->s.rx_limit;
	if (ncap <= ln->rx_len)
		return false;
	uint8_t *nb = realloc(ln->rx, ncap);
	if (!nb)
		return false;
	ln->rx = nb;
	ln->rx_cap = ncap;
	return true;
}

/* Reads what is there; returns true at EOF (or the byte limit). */
static bool lane_read(struct conn *c, struct vscan_lane *ln)
{
	for (;;) {
		if (ln->rx_len >= NMAP_READ_MAX || !rx_room(c, ln))
			return true;
		uint8_t *dst = ln->rx + ln->rx_len;
		size_t room = ln->rx_cap - ln->rx_len;
		if (ln->ssl) {
			size_t k;
			enum tls_step st = tls_read(ln->ssl, dst, room, &k);
			if (st == TLS_OK) {
				ln->rx_len += k;
				continue;
			}
			if (st == TLS_WANT_READ || st == TLS_WANT_WRITE)
				return false;
			ln->eof = st == TLS_CLOSED;
			return true;
		}
		ssize_t k = recv(ln->fd, dst, room, 0);
		if (k > 0) {
			ln->rx_len += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		ln->eof = true;
		return true;
	}
}

/* Writes the rest of the payload; false on a write error. */
static bool lane_write(struct conn *c, struct vscan_lane *ln)
{
	size_t len;
	const uint8_t *p = probe_db_payload(c->w->p->probes, ln->probe, &len);
	while (ln->tx_off < len) {
		ssize_t k;
		if (ln->ssl) {
			size_t n;
			enum tls_step st = tls_write(ln->ssl, p + ln->tx_off, len - ln->tx_off, &n);
			if (st == TLS_WANT_WRITE || st == TLS_WANT_READ)
				break;
			if (st != TLS_OK)
				return false;
			k = (ssize_t)n;
		} else {
			k = send(ln->fd, p + ln->tx_off, len - ln->tx_off, MSG_NOSIGNAL);
			if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return false;
		}
		ln->tx_off += (size_t)k;
		c->tx_bytes += (uint64_t)k;
	}
	ln->sent = ln->tx_off >= len;
	loop_mod_fd(c->w->loop, ln->fd, LOOP_READABLE | (ln->sent ? 0u : LOOP_WRITABLE));
	return true;
}

/* A lane's answer ahead of its judgement: does it match hard already? (fill() sends
 * nothing past it; judge() decides it in its turn.) */
static void note_hard(struct conn *c, struct vscan_lane *ln)
{
	struct vscan_conn *v = &c->v;
	if (ln->hard || !ln->rx_len || (v->on && ln->idx == v->judged))
		return; /* the entry in judgement is judged on this read anyway */
	char soft[sizeof(v->soft)];
	memcpy(soft, v->soft, sizeof(soft));
	struct grab_result *r = &c->w->res; /* scratch until delivery */
	grab_result_not_grabbed(r, &c->scan);
	ln->hard = probe_db_match_probe(c->w->p->probes, c->w->psc, ln->probe, ln->rx, ln->rx_len,
					r, soft, sizeof(soft)) == 2;
}

static void lane_active(struct conn *c, struct vscan_lane *ln, unsigned fired)
{
	if (!ln->sent && !lane_write(c, ln)) {
		lane_over(c, ln);
		return;
	}
	if (!(fired & (LOOP_READABLE | LOOP_ERROR)))
		return;
	size_t before = ln->rx_len;
	bool eof = lane_read(c, ln);
	if (ln->rx_len > before)
		note_hard(c, ln);
	if (eof) {
		lane_over(c, ln);
		return;
	}
	if (ln->rx_len > before) {
		lane_arm(c, ln, QUIET_MS);
		decide(c); /* the serial sequence judges every read of the probe on the wire */
	}
}

static void lane_tls(struct conn *c, struct vscan_lane *ln)
{
	switch (tls_handshake(ln->ssl)) {
	case TLS_OK:
		if (!c->v.tls_keep && c->v.on) /* early: the first connection's session is kept */
			c->v.tls_keep = ln->ssl; /* its certificate goes into the result */
		ln->phase = 2;
		lane_active(c, ln, LOOP_WRITABLE);
		return;
	case TLS_WANT_READ: loop_mod_fd(c->w->loop, ln->fd, LOOP_READABLE); return;
	case TLS_WANT_WRITE: loop_mod_fd(c->w->loop, ln->fd, LOOP_READABLE | LOOP_WRITABLE); return;
	default: lane_over(c, ln); return;
	}
}

static void lane_connected(struct conn *c, struct vscan_lane *ln)
{
	if (c->v.tunnel) {
		ln->ssl = tls_session_new(c->w->tls_ctx, ln->fd);
		if (!ln->ssl) {
			lane_over(c, ln);
			return;
		}
		ln->phase = 1;
		lane_tls(c, ln);
		return;
	}
	ln->phase = 2;
	lane_active(c, ln, LOOP_WRITABLE);
}

static void on_lane_fd(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)l;
	(void)fd;
	struct vscan_lane *ln = data;
	struct conn *c = ln->c;
	if (ln->phase == 0) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(ln->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (!err && conn_still_connecting(ln->fd))
			return;
		if (err || !(fired & LOOP_WRITABLE)) {
			if (!c->v.on)
				lane_over(c, ln); /* early: the first connection is still the port's */
			else
				finish(c); /* the port stopped answering: report what we have */
			return;
		}
		lane_connected(c, ln);
	} else if (ln->phase == 1) {
		lane_tls(c, ln);
	} else {
		lane_active(c, ln, fired);
	}
}

/* Sends plan entry idx on a new connection; false when not (no lane, the budget, or,
 * beside the first connection, no socket: later) or when the port was finished. */
static bool lane_start(struct conn *c, unsigned idx)
{
	struct vscan_conn *v = &c->v;
	const struct grab_params *p = c->w->p;
	struct vscan_lane *ln = NULL;
	for (unsigned i = 0; i < VSCAN_AHEAD && !ln; i++)
		if (!v->lane[i].used)
			ln = &v->lane[i];
	uint64_t age_ms = (clock_mono_ns() - c->start_ns) / 1000000u;
	if (!ln || age_ms >= p->port_budget_ms)
		return false; /* launched later, or never: decide() ends the port */
	int pi = v->plan[idx];
	bool now = false;
	int fd = conn_open_socket(p, &c->scan, &now);
	if (fd >= 0 && loop_add_fd(c->w->loop, fd, LOOP_READABLE | LOOP_WRITABLE, on_lane_fd, ln) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		if (v->on)
			finish(c); /* else early: the first connection is still the port's */
		return false;
	}
	*ln = (struct vscan_lane){.c = c, .used = true, .open = true, .idx = (uint8_t)idx,
				  .probe = (int16_t)pi, .fd = fd};
	trace(c, probe_db_probe_name(p->probes, pi), "sent");
	v->probes_sent++;
	unsigned wait = probe_db_waitms(p->probes, pi, DEFAULT_WAIT_MS);
	if (pi == probe_db_null(p->probes) && wait > NULL_WAIT_MS)
		wait = NULL_WAIT_MS;
	if (wait > p->timeout_ms)
		wait = p->timeout_ms;
	if (wait > p->port_budget_ms - age_ms)
		wait = (unsigned)(p->port_budget_ms - age_ms);
	ln->start_ns = clock_mono_ns();
	ln->deadline_ns = ln->start_ns + (uint64_t)wait * 1000000u;
	lane_arm(c, ln, wait);
	if (now)
		lane_connected(c, ln);
	return true;
}

/* The first entry whose answer already matches hard: nothing after it can be the
 * port's answer unless the softmatch rules it out (then it is dropped, and this moves). */
static unsigned first_hard(const struct conn *c)
{
	unsigned first = VSCAN_PLAN_MAX;
	for (unsigned i = 0; i < VSCAN_AHEAD; i++)
		if (c->v.lane[i].used && c->v.lane[i].hard && c->v.lane[i].idx < first)
			first = c->v.lane[i].idx;
	return first;
}

/* Launches the plan's next entries while a connection (VSCAN_CONNS, as connections()
 * counts them) and a lane are free, up to an entry that already matches hard; an entry
 * a softmatch already rules out (it cannot refine it) is never sent. */
static void fill(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	const struct probe_db *db = c->w->p->probes;
	unsigned stop = first_hard(c);
	while (v->next < v->nplan && v->next < stop && v->next - v->judged < VSCAN_AHEAD) {
		uint64_t now = clock_mono_ns(), until;
		if (connections(c, now, &until) >= VSCAN_CONNS) {
			if (until != UINT64_MAX && !v->cool_timer) /* a reset still counts: later */
				v->cool_timer = loop_add_timer(c->w->loop, until, on_cooled, c);
			return;
		}
		unsigned idx = v->next;
		if ((now - c->start_ns) / 1000000u >= c->w->p->port_budget_ms)
			return;
		if (v->soft[0] && !probe_db_can_refine(db, v->plan[idx], v->soft)) {
			v->next++;
			continue;
		}
		if (!lane_start(c, idx))
			return; /* (the port may be finished: c is not touched again) */
		v->next++;
	}
}

static struct vscan_lane *lane_of(struct conn *c, unsigned idx)
{
	for (unsigned i = 0; i < VSCAN_AHEAD; i++)
		if (c->v.lane[i].used && c->v.lane[i].idx == idx)
			return &c->v.lane[i];
	return NULL;
}

/* The NULL probe of a null_again plan, closed at once with nothing: the first
 * connection's close was the server's own after all (nmap's tcpwrapped). */
static bool null_probe_wrapped(const struct conn *c, const struct vscan_lane *ln)
{
	const struct probe_db *db = c->w->p->probes;
	return c->v.null_again && ln->idx == 0 && ln->probe == probe_db_null(db) && ln->eof &&
	       ln->rx_len == 0 &&
	       (clock_mono_ns() - ln->start_ns) / 1000000u < probe_db_tcpwrappedms(db);
}

/* A null_again plan's NULL probe stands in for the first connection's greeting: its
 * answer is the port's banner (and fingerprint) unless a match gives another. */
static void keep_greeting(struct conn *c, struct vscan_lane *ln)
{
	struct vscan_conn *v = &c->v;
	if (!v->null_again || ln->idx != 0 || v->keep || !ln->rx_len)
		return;
	v->keep = ln->rx;
	v->keep_len = ln->rx_len;
	ln->rx = NULL;
	ln->rx_len = ln->rx_cap = ln->judged_len = 0;
}

/* The plan's entries in order, as the serial sequence would take them: the first hard
 * match ends the port, whichever lane answered first; an entry whose answer is not
 * complete holds the ones after it. */
static void decide(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	const struct probe_db *db = c->w->p->probes;
	if (!v->on) { /* early: nothing is judged before the first connection's answer */
		fill(c);
		return;
	}
	while (v->judged < v->next) {
		struct vscan_lane *ln = lane_of(c, v->judged);
		if (!ln) { /* never sent */
			v->judged++;
			continue;
		}
		if (v->soft[0] && !probe_db_can_refine(db, ln->probe, v->soft)) {
			lane_free(c, ln); /* sent before the softmatch: the serial order skips it */
			v->judged++;
			continue;
		}
		if (ln->rx_len > ln->judged_len) {
			enum verdict vd = judge(c, ln);
			if (vd == V_HARD) {
				finish(c);
				return;
			}
			if (vd == V_RESTART)
				break; /* a new plan, launched below */
		}
		if (!ln->over)
			break; /* its answer may still grow: more reads call again */
		if (null_probe_wrapped(c, ln)) {
			v->tcpwrapped = true;
			finish(c);
			return;
		}
		keep_greeting(c, ln);
		lane_free(c, ln);
		v->judged++;
	}
	fill(c); /* a connection may be free while the entry in judgement still reads */
	if (c->state != CONN_PROBING)
		return; /* fill() ended the port */
	bool active = false;
	for (unsigned i = 0; i < VSCAN_AHEAD; i++)
		active |= c->v.lane[i].used;
	if (!active)
		finish(c); /* the plan (or the budget) is spent */
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
	v->nplan = 0;
	int null = probe_db_null(p->probes);
	if (v->null_again && null >= 0)
		v->plan[v->nplan++] = (int16_t)null;
	unsigned n = probe_db_plan(p->probes, c->scan.port, false, v->tunnel, p->version_intensity,
				   tmp, VSCAN_PLAN_MAX - v->nplan);
	for (unsigned i = 0; i < n; i++)
		v->plan[v->nplan++] = (int16_t)tmp[i];
	v->next = v->judged = 0;
}

/* The sequence can follow this port's first connection at all. */
static bool sequence_applies(const struct conn *c)
{
	const struct grab_params *p = c->w->p;
	return p->probe_sequence && p->probes && !probe_db_excluded(p->probes, c->scan.port, false) &&
	       !loop_stopped(c->w->loop);
}

/* A reset we send reaches the server in half a round trip; 20 ms more for it to see it
 * (ngircd under the bench's ten copies needed less than that). */
static uint64_t reset_grace_ns(int fd)
{
	return conn_rtt_ns(fd) + 20000000u;
}

/* Still the NULL probe's silence: nothing read, nothing sent. */
static bool first_silent(const struct conn *c)
{
	return c->state == CONN_ACTIVE && c->s.rx_len == 0 && !c->sent_any && c->s.tx_len == 0;
}

/* Bytes the kernel holds for the connection that the loop has not read yet: a busy turn
 * of the loop sees a greeting late, and that is no silence. */
static bool unread_bytes(int fd)
{
	int n = 0;
	return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

static void on_early(struct loop *l, uint64_t id, void *data)
{
	(void)id;
	struct conn *c = data;
	struct vscan_conn *v = &c->v;
	v->early_timer = 0;
	if (v->on || !first_silent(c) || !sequence_applies(c) || !lanes_ready(c))
		return;
	if (unread_bytes(c->fd)) { /* their read decides; look again after it */
		v->early_timer = loop_add_timer(l, clock_mono_ns() + EARLY_RECHECK_NS, on_early, c);
		return;
	}
	trace(c, "NULL", "silent so far: the probes go out beside it");
	v->early = true;
	v->tunnel = c->tls; /* the first connection is in its TLS session, if any */
	v->grace_ns = reset_grace_ns(c->fd);
	build_plan(c);
	fill(c);
}

void vscan_first_active(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	if (v->early_timer || v->on || !first_silent(c) || !sequence_applies(c))
		return;
	/* A greeting comes about a round trip after the connect (the lab's daemons greet
	 * within 12 ms): EARLY_MIN_MS from the connect, not from when a busy loop saw it
	 * complete, or twice the kernel's round trip after that on a distant host. 50 ms:
	 * the bench's ten copies (every daemon busy) found the same 120 silent ports with
	 * 50 as with 100 (25 found 120-132: greetings later than 25 ms under that load) and
	 * the probes of its slowest port went out ~60 ms earlier. */
	uint64_t due = c->start_ns + (uint64_t)EARLY_MIN_MS * 1000000u;
	uint64_t by_rtt = clock_mono_ns() + 2 * conn_rtt_ns(c->fd);
	v->early_timer = loop_add_timer(c->w->loop, due > by_rtt ? due : by_rtt, on_early, c);
}

/* A server that serves one connection at a time reaches the early lanes only once the
 * first connection is gone: a lane with no answer yet (its wait may be over: on_lane_timer
 * kept it) gets QUIET_MS from then at least, within the port's budget. */
static void early_grace(struct conn *c)
{
	uint64_t now = clock_mono_ns();
	uint64_t until = now + (uint64_t)QUIET_MS * 1000000u;
	uint64_t budget_end = c->start_ns + (uint64_t)c->w->p->port_budget_ms * 1000000u;
	if (until > budget_end)
		until = budget_end;
	for (unsigned i = 0; i < VSCAN_AHEAD; i++) {
		struct vscan_lane *ln = &c->v.lane[i];
		if (!ln->used || !ln->open || ln->rx_len || ln->deadline_ns >= until)
			continue;
		ln->deadline_ns = until;
		lane_arm(c, ln, QUIET_MS);
	}
}

bool vscan_after_first(struct conn *c, enum grab_status st, const char *why)
{
	struct vscan_conn *v = &c->v;
	const struct grab_params *p = c->w->p;
	loop_del_timer(c->w->loop, v->early_timer);
	v->early_timer = 0;
	if (v->on || !sequence_applies(c) || c->state == CONN_CONNECTING ||
	    st == GRAB_STATUS_CONNECTION_REFUSED || st == GRAB_STATUS_NOT_GRABBED)
		return false;
	uint64_t age_ms = (clock_mono_ns() - c->start_ns) / 1000000u;
	/* tcpwrapped is the NULL probe's verdict: a close at once with nothing sent. After our
	 * own request it is no proof: a server that answers and closes may lose its answer to
	 * the request (h14's socat relays `echo`, and the GET can end it first, or its reset
	 * costs us the line); the plan then starts with a real NULL probe, which decides. */
	if (c->s.rx_len == 0 && st == GRAB_STATUS_CONNECTION_CLOSED) {
		if (!c->sent_any && age_ms < probe_db_tcpwrappedms(p->probes)) {
			v->tcpwrapped = true;
			return false;
		}
		v->null_again = c->sent_any;
	}
	char soft[sizeof(v->soft)] = "";
	if (first_decided(c, soft, sizeof(soft)) || !lanes_ready(c))
		return false; /* (no memory for the lanes: the first answer is the port's) */
	v->on = true;
	memcpy(v->soft, soft, sizeof(soft));
	v->first_state = c->state;
	v->first_status = (uint8_t)st;
	v->first_why = why ? why : c->s.why;
	if (!v->early) {
		v->tunnel = c->tls && c->state == CONN_ACTIVE;
		v->grace_ns = reset_grace_ns(c->fd);
	}
	if (st != GRAB_STATUS_CONNECTION_CLOSED)
		note_reset(c); /* conn_close_socket() below resets it */
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
	if (v->early)
		early_grace(c); /* the plan is out already, its answers wait to be judged */
	else
		build_plan(c);
	decide(c);
	return true;
}

void vscan_restore(struct conn *c)
{
	struct vscan_conn *v = &c->v;
	if (!v->on || c->state != CONN_PROBING)
		return;
	lanes_free(c);
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
	} else if (v->on && v->soft[0]) {
		GRAB_SETS(r->service, v->soft);
		r->softmatched = 1;
	}
	if (v->on && !r->banner_len && v->keep_len) {
		size_t bn = v->keep_len < GRAB_BANNER_MAX ? v->keep_len : GRAB_BANNER_MAX;
		memcpy(r->banner, v->keep, bn);
		r->banner_len = (uint16_t)bn;
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
	loop_del_timer(c->w->loop, v->early_timer);
	loop_del_timer(c->w->loop, v->cool_timer);
	lanes_free(c);
	free(v->lane);
	tls_session_free(v->tls_keep);
	free(v->keep);
	memset(v, 0, sizeof(*v));
	v->matched = v->soft_probe = -1;
}
