/* The Lua states of the script engine: a capped allocator (the memory limit), a count
 * hook (the instruction budget and the wall-clock limit of runaway code), the standard
 * libraries, and orbit's core module "orbit_core": the socket primitives (nsock.c),
 * digests and base64 through OpenSSL (no hand-written crypto), the clock, the TLS
 * certificate of a connected socket. */
#include <lauxlib.h>
#include <lualib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/script/script_internal.h"

enum { HOOK_EVERY = 1000 }; /* instructions between two looks at the budget and the clock */

struct lstate_ctx *rt_ctx(lua_State *L)
{
	return *(struct lstate_ctx **)lua_getextraspace(L);
}

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lstate_ctx *c = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		c->used -= old;
		return NULL;
	}
	if (nsize > old && c->used - old + nsize > c->cap)
		return NULL; /* Lua raises "not enough memory" */
	void *p = realloc(ptr, nsize);
	if (p) {
		c->used = c->used - old + nsize;
		if (c->used > c->peak)
			c->peak = c->used;
	}
	return p;
}

/* Past the budget or the deadline: a yield out of the running code where it can (the
 * engine then ends the invocation: pcall cannot catch it), else an error, raised again
 * every HOOK_EVERY instructions, so no loop outlives it. */
static void count_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct lstate_ctx *c = rt_ctx(L);
	c->instr += HOOK_EVERY;
	if (!c->killed && c->instr > c->instr_limit)
		c->killed = "instruction limit";
	if (!c->killed && c->deadline_ns && clock_mono_ns() > c->deadline_ns)
		c->killed = "timeout";
	if (!c->killed) {
		/* Only the action's own coroutine: a yield inside one the script made would go
		 * to the script, not to the engine. */
		if (L == c->co && c->slice_end_ns && clock_mono_ns() > c->slice_end_ns) {
			c->preempted = true;
			lua_yield(L, 0);
		}
		return;
	}
	if (L == c->co && lua_isyieldable(L))
		lua_yield(L, 0);
	else
		luaL_error(L, "%s", c->killed);
}

int rt_pcall(lua_State *L, int nargs, int nres)
{
	return lua_pcall(L, nargs, nres, 0);
}

/* ---- orbit_core: crypto, clock, certificates ---- */

static int l_digest(lua_State *L)
{
	const char *alg = luaL_checkstring(L, 1);
	size_t len;
	const char *data = luaL_checklstring(L, 2, &len);
	const EVP_MD *md = EVP_get_digestbyname(alg);
	if (!md)
		return luaL_error(L, "unknown digest '%s'", alg);
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(data, len, out, &n, md, NULL))
		return luaL_error(L, "digest failed");
	lua_pushlstring(L, (const char *)out, n);
	return 1;
}

static int l_b64enc(lua_State *L)
{
	size_t len;
	const char *data = luaL_checklstring(L, 1, &len);
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, 4 * ((len + 2) / 3) + 1);
	int n = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)data, (int)len);
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

static int l_b64dec(lua_State *L)
{
	size_t len;
	const char *data = luaL_checklstring(L, 1, &len);
	if (len % 4) {
		lua_pushnil(L);
		return 1;
	}
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, len / 4 * 3 + 1);
	int n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)data, (int)len);
	if (n < 0) {
		lua_pushnil(L);
		return 1;
	}
	while (len > 0 && data[len - 1] == '=') { /* EVP_DecodeBlock counts the padding */
		n--;
		len--;
	}
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

static int l_clock_ms(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)(clock_mono_ns() / 1000000u));
	return 1;
}

static void name_table(lua_State *L, X509_NAME *name)
{
	lua_newtable(L);
	for (int i = 0; i < X509_NAME_entry_count(name); i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		unsigned char *u = NULL;
		int n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
		if (n < 0)
			continue;
		lua_pushlstring(L, (const char *)u, (size_t)n);
		lua_setfield(L, -2, nid != NID_undef ? OBJ_nid2ln(nid) : "unknown");
		OPENSSL_free(u);
	}
}

static void time_field(lua_State *L, const ASN1_TIME *t, const char *key)
{
	struct tm tm;
	if (!ASN1_TIME_to_tm(t, &tm))
		return;
	char buf[32];
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	lua_pushstring(L, buf);
	lua_setfield(L, -2, key);
}

/* The peer certificate of an SSL session as a table (subject, issuer, validity, pubkey,
 * pem, digests), or nil. */
static int l_certificate(lua_State *L)
{
	SSL *ssl = lua_touserdata(L, 1);
	X509 *x = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	if (!x) {
		lua_pushnil(L);
		return 1;
	}
	lua_newtable(L);
	name_table(L, X509_get_subject_name(x));
	lua_setfield(L, -2, "subject");
	name_table(L, X509_get_issuer_name(x));
	lua_setfield(L, -2, "issuer");
	lua_newtable(L);
	time_field(L, X509_get0_notBefore(x), "notBefore");
	time_field(L, X509_get0_notAfter(x), "notAfter");
	lua_setfield(L, -2, "validity");
	EVP_PKEY *k = X509_get0_pubkey(x);
	lua_newtable(L);
	if (k) {
		int id = EVP_PKEY_get_base_id(k);
		lua_pushstring(L, id == EVP_PKEY_RSA ? "rsa" : id == EVP_PKEY_EC ? "ec" : OBJ_nid2sn(id));
		lua_setfield(L, -2, "type");
		lua_pushinteger(L, EVP_PKEY_get_bits(k));
		lua_setfield(L, -2, "bits");
	}
	lua_setfield(L, -2, "pubkey");
	lua_pushstring(L, OBJ_nid2ln(X509_get_signature_nid(x)));
	lua_setfield(L, -2, "sig_algorithm");
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n > 0) {
		lua_pushlstring(L, (const char *)der, (size_t)n);
		lua_setfield(L, -2, "der");
		OPENSSL_free(der);
	}
	X509_free(x);
	return 1;
}

/* --script-args as a table of strings (nmap.registry.args). */
static int l_args(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, "orbit.args") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	return 1;
}

static int open_core(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{"digest", l_digest}, {"base64_encode", l_b64enc}, {"base64_decode", l_b64dec},
		{"clock_ms", l_clock_ms}, {"certificate", l_certificate}, {"script_args", l_args},
		{NULL, NULL}};
	luaL_newlib(L, fns);
	nsock_register(L);
	version_register(L);
	return 1;
}

void lib_cache_free(struct lib_cache *c)
{
	while (c) {
		struct lib_cache *next = c->next;
		free(c->name);
		free(c->code);
		free(c);
		c = next;
	}
}

static int dump_to(lua_State *L, const void *p, size_t n, void *ud)
{
	(void)L;
	struct lib_cache *e = ud;
	char *code = realloc(e->code, e->len + n);
	if (!code)
		return 1;
	memcpy(code + e->len, p, n);
	e->code = code;
	e->len += n;
	return 0;
}

/* A package.searchers entry before Lua's own: the module from the cache, else from
 * package.path, compiled once and kept. */
static int cached_searcher(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct lstate_ctx *ctx = rt_ctx(L);
	for (struct lib_cache *e = *ctx->libs; e; e = e->next)
		if (strcmp(e->name, name) == 0) {
			if (luaL_loadbufferx(L, e->code, e->len, name, "b") != LUA_OK)
				return 1; /* the message */
			lua_pushstring(L, name);
			return 2;
		}
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	const char *path = lua_tostring(L, -1);
	lua_pop(L, 2);
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchpath");
	lua_remove(L, -2);
	lua_pushstring(L, name);
	lua_pushstring(L, path ? path : "");
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		return 1; /* the message of the paths tried */
	const char *file = lua_tostring(L, -2);
	if (luaL_loadfilex(L, file, "t") != LUA_OK)
		return luaL_error(L, "error loading module '%s': %s", name, lua_tostring(L, -1));
	struct lib_cache *e = calloc(1, sizeof *e);
	if (e && (e->name = strdup(name)) != NULL && lua_dump(L, dump_to, e, 0) == 0) {
		e->next = *ctx->libs;
		*ctx->libs = e;
	} else {
		lib_cache_free(e);
	}
	lua_pushvalue(L, -3); /* stack: file, nil, loader; the file goes second, as Lua's own */
	return 2;
}

static void add_cached_searcher(lua_State *L)
{
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchers");
	lua_Integer n = luaL_len(L, -1);
	for (lua_Integer i = n; i >= 2; i--) { /* after the preload searcher */
		lua_geti(L, -1, i);
		lua_seti(L, -2, i + 1);
	}
	lua_pushcfunction(L, cached_searcher);
	lua_seti(L, -2, 2);
	lua_pop(L, 2);
}

lua_State *rt_state_new(struct lstate_ctx *ctx, const char *lib_dir)
{
	lua_State *L = lua_newstate(capped_alloc, ctx);
	if (!L)
		return NULL;
	*(struct lstate_ctx **)lua_getextraspace(L) = ctx;
	luaL_openlibs(L);
	luaL_requiref(L, "orbit_core", open_core, 0);
	lua_pushstring(L, lib_dir);
	lua_setfield(L, -2, "lib_dir");
	lua_pop(L, 1);
	lua_getglobal(L, "package");
	/* orbit's library first; then nmap's own (Debian's nmap-common, read where it is
	 * installed), for the modules orbit does not have: they load when they use only
	 * the API orbit provides. */
	lua_pushfstring(L, "%s/?.lua;%s/?.luadb;/usr/share/nmap/nselib/?.lua", lib_dir, lib_dir);
	lua_setfield(L, -2, "path");
	lua_pushstring(L, ""); /* no C modules from disk */
	lua_setfield(L, -2, "cpath");
	lua_pop(L, 1);
	if (ctx->libs)
		add_cached_searcher(L);
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	return L;
}

static void put_arg(const char *k, size_t kl, const char *v, size_t vl, void *u)
{
	lua_State *L = u;
	lua_pushlstring(L, k, kl);
	lua_pushlstring(L, v, vl);
	lua_settable(L, -3);
}

void rt_set_args(lua_State *L, const char *args)
{
	lua_newtable(L);
	if (args) {
		struct errbuf e;
		args_parse(args, put_arg, L, &e);
	}
	lua_setfield(L, LUA_REGISTRYINDEX, "orbit.args");
}
