/* nmap's socket objects for scripts, on the engine's loop: every call that would block
 * registers the fd (and a timer for the socket's timeout) and yields the invocation's
 * coroutine; the loop's callback finishes the call, pushes its results and resumes it.
 * Results as nmap's: true / data, or nil and "TIMEOUT", "EOF" or an error text. The Lua
 * side (scripts/nselib/nmap.lua) builds receive_lines, receive_buf ... on recv. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/followup/loop.h"
#include "core/followup/tls.h"
#include "core/script/script_internal.h"

#define NSOCK_META "orbit.nsock"

enum nsock_op { OP_NONE, OP_CONNECT, OP_HANDSHAKE, OP_SEND, OP_RECV };

struct nsock {
	struct script_inv *inv;
	lua_State *L; /* the coroutine that waits */
	int fd;
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	bool want_tls, registered;
	struct ssl_st *ssl;
	unsigned timeout_ms;
	enum nsock_op op;
	uint64_t timer;
	const char *tx; /* send: the string (kept alive by tx_ref) */
	size_t tx_len, tx_off;
	int tx_ref;
	struct nsock *next, **prevp;
};

static struct nsock *check_sock(lua_State *L)
{
	return luaL_checkudata(L, 1, NSOCK_META);
}

static void unwait(struct nsock *s)
{
	struct loop *l = inv_io(s->inv)->loop;
	if (s->registered)
		loop_del_fd(l, s->fd);
	s->registered = false;
	if (s->timer)
		loop_del_timer(l, s->timer);
	s->timer = 0;
	s->op = OP_NONE;
	if (s->tx_ref != LUA_NOREF)
		luaL_unref(s->L, LUA_REGISTRYINDEX, s->tx_ref);
	s->tx_ref = LUA_NOREF;
}

static void sock_close(struct nsock *s)
{
	unwait(s);
	if (s->ssl)
		tls_session_free(s->ssl);
	s->ssl = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->prevp) {
		*s->prevp = s->next;
		if (s->next)
			s->next->prevp = s->prevp;
	}
	s->prevp = NULL;
	s->next = NULL;
}

void nsock_close_all(struct script_inv *inv)
{
	struct nsock **head = inv_socks(inv);
	while (*head)
		sock_close(*head);
}

/* Finishes the waiting call with nres values already pushed, and resumes. Last thing the
 * callback does: the resume may end the invocation and free s. */
static void finish(struct nsock *s, int nres)
{
	struct script_inv *inv = s->inv;
	unwait(s);
	inv_resume(inv, nres);
}

static void fail(struct nsock *s, const char *why)
{
	lua_pushnil(s->L);
	lua_pushstring(s->L, why);
	finish(s, 2);
}

static void on_ready(struct loop *l, int fd, unsigned fired, void *data);
static void on_timeout(struct loop *l, uint64_t id, void *data);

/* Makes the coroutine wait for mask on the socket; returns lua_yield's value. */
static int wait_for(lua_State *L, struct nsock *s, enum nsock_op op, unsigned mask)
{
	struct loop *l = inv_io(s->inv)->loop;
	s->L = L;
	s->op = op;
	if (!s->registered) {
		if (loop_add_fd(l, s->fd, mask, on_ready, s) < 0) {
			s->op = OP_NONE;
			lua_pushnil(L);
			lua_pushstring(L, strerror(errno));
			return 2;
		}
		s->registered = true;
		s->timer = loop_add_timer(l, clock_mono_ns() + (uint64_t)s->timeout_ms * 1000000u,
					  on_timeout, s);
	} else {
		loop_mod_fd(l, s->fd, mask);
	}
	return lua_yield(L, 0);
}

static void on_timeout(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct nsock *s = data;
	s->timer = 0;
	fail(s, "TIMEOUT");
}

/* ---- steps: each returns 0 when done (results pushed: their count in *nres), or the
 * readiness mask it waits for ---- */

static unsigned tls_mask(enum tls_step st)
{
	return st == TLS_WANT_WRITE ? LOOP_WRITABLE : LOOP_READABLE;
}

static unsigned step_handshake(struct nsock *s, int *nres)
{
	enum tls_step st = tls_handshake(s->ssl);
	if (st == TLS_WANT_READ || st == TLS_WANT_WRITE)
		return tls_mask(st);
	if (st == TLS_OK) {
		lua_pushboolean(s->L, 1);
		*nres = 1;
	} else {
		lua_pushnil(s->L);
		lua_pushstring(s->L, "SSL handshake failed");
		*nres = 2;
	}
	return 0;
}

static unsigned start_tls(struct nsock *s, int *nres)
{
	s->ssl = tls_session_new(inv_io(s->inv)->tls, s->fd);
	if (!s->ssl) {
		lua_pushnil(s->L);
		lua_pushstring(s->L, "SSL unavailable");
		*nres = 2;
		return 0;
	}
	s->op = OP_HANDSHAKE;
	return step_handshake(s, nres);
}

static unsigned step_connect(struct nsock *s, int *nres)
{
	int err = 0;
	socklen_t len = sizeof err;
	getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		lua_pushnil(s->L);
		lua_pushstring(s->L, err == ECONNREFUSED ? "ECONNREFUSED" : strerror(err));
		*nres = 2;
		return 0;
	}
	if (s->want_tls)
		return start_tls(s, nres);
	lua_pushboolean(s->L, 1);
	*nres = 1;
	return 0;
}

static unsigned step_send(struct nsock *s, int *nres)
{
	while (s->tx_off < s->tx_len) {
		size_t n = 0;
		if (s->ssl) {
			enum tls_step st = tls_write(s->ssl, s->tx + s->tx_off, s->tx_len - s->tx_off, &n);
			if (st == TLS_WANT_READ || st == TLS_WANT_WRITE)
				return tls_mask(st);
			if (st != TLS_OK)
				goto broken;
		} else {
			ssize_t w = send(s->fd, s->tx + s->tx_off, s->tx_len - s->tx_off, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return LOOP_WRITABLE;
			if (w < 0)
				goto broken;
			n = (size_t)w;
		}
		s->tx_off += n;
	}
	lua_pushboolean(s->L, 1);
	*nres = 1;
	return 0;
broken:
	lua_pushnil(s->L);
	lua_pushstring(s->L, errno == ECONNREFUSED ? "ECONNREFUSED" : "ERROR");
	*nres = 2;
	return 0;
}

static unsigned step_recv(struct nsock *s, int *nres)
{
	char buf[16384];
	size_t n = 0;
	const char *why = NULL;
	if (s->ssl) {
		enum tls_step st = tls_read(s->ssl, buf, sizeof buf, &n);
		if (st == TLS_WANT_READ || st == TLS_WANT_WRITE)
			return tls_mask(st);
		if (st == TLS_CLOSED)
			why = "EOF";
		else if (st != TLS_OK)
			why = "ERROR";
	} else {
		ssize_t r = recv(s->fd, buf, sizeof buf, 0);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return LOOP_READABLE;
		if (r < 0)
			why = errno == ECONNREFUSED ? "ECONNREFUSED" : errno == ECONNRESET ? "EOF" : "ERROR";
		else if (r == 0 && s->type == SOCK_STREAM)
			why = "EOF";
		else
			n = (size_t)r;
	}
	if (why) {
		lua_pushnil(s->L);
		lua_pushstring(s->L, why);
		*nres = 2;
	} else {
		lua_pushlstring(s->L, buf, n);
		*nres = 1;
	}
	return 0;
}

static unsigned step(struct nsock *s, int *nres)
{
	switch (s->op) {
	case OP_CONNECT: return step_connect(s, nres);
	case OP_HANDSHAKE: return step_handshake(s, nres);
	case OP_SEND: return step_send(s, nres);
	case OP_RECV: return step_recv(s, nres);
	default: return 0;
	}
}

static void on_ready(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)fd;
	(void)fired;
	struct nsock *s = data;
	int nres = 0;
	unsigned mask = step(s, &nres);
	if (mask) {
		loop_mod_fd(l, s->fd, mask);
		return;
	}
	finish(s, nres);
}

/* Runs the first attempt now; waits only when it cannot finish. */
static int run_op(lua_State *L, struct nsock *s, enum nsock_op op)
{
	s->L = L;
	s->op = op;
	int nres = 0;
	unsigned mask = step(s, &nres);
	if (!mask) {
		enum nsock_op was = s->op;
		s->op = OP_NONE;
		if (was == OP_SEND && s->tx_ref != LUA_NOREF) {
			luaL_unref(L, LUA_REGISTRYINDEX, s->tx_ref);
			s->tx_ref = LUA_NOREF;
		}
		return nres;
	}
	return wait_for(L, s, s->op, mask);
}

/* ---- the Lua functions ---- */

static int l_new(lua_State *L)
{
	struct lstate_ctx *ctx = rt_ctx(L);
	if (!ctx->inv)
		return luaL_error(L, "sockets are for actions, not rules");
	struct nsock *s = lua_newuserdatauv(L, sizeof *s, 0);
	memset(s, 0, sizeof *s);
	s->inv = ctx->inv;
	s->fd = -1;
	s->tx_ref = LUA_NOREF;
	s->timeout_ms = 30000;
	luaL_setmetatable(L, NSOCK_META);
	return 1;
}

static int push_fail(lua_State *L, const char *why)
{
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}

/* connect(sock, ip, port, "tcp"|"udp"|"ssl") */
static int l_connect(lua_State *L)
{
	struct nsock *s = check_sock(L);
	const char *ip = luaL_checkstring(L, 2);
	lua_Integer port = luaL_checkinteger(L, 3);
	const char *mode = luaL_optstring(L, 4, "tcp");
	struct in_addr a;
	if (s->fd >= 0)
		sock_close(s);
	if (inet_pton(AF_INET, ip, &a) != 1 || port < 1 || port > 65535)
		return push_fail(L, "bad address or port");
	if (ntohl(a.s_addr) != inv_target(s->inv))
		return push_fail(L, "orbit: scripts connect only to the scanned host");
	s->type = strcmp(mode, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	s->want_tls = strcmp(mode, "ssl") == 0;
	s->fd = socket(AF_INET, s->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return push_fail(L, strerror(errno));
	struct nsock **head = inv_socks(s->inv);
	s->next = *head;
	if (*head)
		(*head)->prevp = &s->next;
	*head = s;
	s->prevp = head;
	uint32_t src = inv_io(s->inv)->source_ip;
	if (src) {
		struct sockaddr_in b = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(src)};
		if (bind(s->fd, (struct sockaddr *)&b, sizeof b) < 0)
			return push_fail(L, strerror(errno));
	}
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr = a};
	if (connect(s->fd, (struct sockaddr *)&to, sizeof to) == 0) {
		if (!s->want_tls) {
			lua_pushboolean(L, 1);
			return 1;
		}
		s->L = L;
		int nres = 0;
		unsigned mask = start_tls(s, &nres);
		return mask ? wait_for(L, s, OP_HANDSHAKE, mask) : nres;
	}
	if (errno != EINPROGRESS)
		return push_fail(L, errno == ECONNREFUSED ? "ECONNREFUSED" : strerror(errno));
	return wait_for(L, s, OP_CONNECT, LOOP_WRITABLE);
}

static int l_send(lua_State *L)
{
	struct nsock *s = check_sock(L);
	size_t len;
	const char *data = luaL_checklstring(L, 2, &len);
	if (s->fd < 0)
		return push_fail(L, "Trying to send through a closed socket");
	lua_pushvalue(L, 2);
	s->tx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	s->tx = data;
	s->tx_len = len;
	s->tx_off = 0;
	return run_op(L, s, OP_SEND);
}

static int l_recv(lua_State *L)
{
	struct nsock *s = check_sock(L);
	if (s->fd < 0)
		return push_fail(L, "Trying to receive through a closed socket");
	return run_op(L, s, OP_RECV);
}

static int l_close(lua_State *L)
{
	struct nsock *s = check_sock(L);
	sock_close(s);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_set_timeout(lua_State *L)
{
	struct nsock *s = check_sock(L);
	lua_Integer ms = luaL_checkinteger(L, 2);
	s->timeout_ms = ms < 1 ? 1 : ms > 600000 ? 600000 : (unsigned)ms;
	return 0;
}

static int l_ssl_session(lua_State *L)
{
	struct nsock *s = check_sock(L);
	lua_pushlightuserdata(L, s->ssl);
	return 1;
}

static int l_gc(lua_State *L)
{
	struct nsock *s = lua_touserdata(L, 1);
	if (s->inv)
		sock_close(s);
	return 0;
}

void nsock_register(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{"socket_new", l_new}, {"socket_connect", l_connect}, {"socket_send", l_send},
		{"socket_recv", l_recv}, {"socket_close", l_close},
		{"socket_set_timeout", l_set_timeout}, {"socket_ssl", l_ssl_session}, {NULL, NULL}};
	luaL_setfuncs(L, fns, 0);
	if (luaL_newmetatable(L, NSOCK_META)) {
		lua_pushcfunction(L, l_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
}
