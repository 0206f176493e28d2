/* Inside the script engine: the Lua states (runtime.c), the sockets (nsock.c), the
 * catalog (catalog.c) and the thread that runs invocations (engine.c). Everything here
 * runs on the engine's thread, except catalog loading (before it starts). */
#ifndef ORBIT_CORE_SCRIPT_INTERNAL_H
#define ORBIT_CORE_SCRIPT_INTERNAL_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/script/script.h"

struct loop;
struct ssl_ctx_st;
struct script_inv;

/* Compiled library modules (require'd files as bytecode), kept for the states that
 * follow: a module is read and parsed once per run, not once per invocation. Used by
 * one thread at a time (the catalog's loader, then the engine's thread). */
struct lib_cache {
	char *name;
	char *code;
	size_t len;
	struct lib_cache *next;
};
void lib_cache_free(struct lib_cache *c);

/* The limits and the accounting of one lua_State (its extra space points here). */
struct lstate_ctx {
	size_t used, cap, peak;
	uint64_t instr, instr_limit;
	uint64_t deadline_ns;     /* 0: none */
	const char *killed;       /* why the hook stopped it, or NULL */
	uint64_t slice_end_ns;    /* the hook yields past it, so one busy script cannot
				   * starve the others on the thread (0: no slices) */
	bool preempted;           /* the last yield was the hook's, not a socket's */
	struct script_inv *inv;   /* NULL in a catalog/rule state: no sockets there */
	lua_State *co;            /* the action's coroutine: the only one the hook yields */
	struct lib_cache **libs;  /* the run's module cache, or NULL */
};

/* A new state: the standard libraries, orbit's core module ("orbit_core"), package.path
 * on lib_dir, the limits of ctx (cap, hook). NULL when even that does not fit. */
lua_State *rt_state_new(struct lstate_ctx *ctx, const char *lib_dir);
struct lstate_ctx *rt_ctx(lua_State *L);
/* Runs f (on the stack with nargs above it) under the limits; LUA_OK or an error code
 * with the message on the stack. */
int rt_pcall(lua_State *L, int nargs, int nres);
/* Sets nmap.registry.args from --script-args (already checked). */
void rt_set_args(lua_State *L, const char *args);

/* ---- catalog ---- */
struct script_entry {
	char *name;      /* file name without ".nse" */
	char *path;
	char *source;    /* the file, read once */
	size_t source_len;
	char **categories;
	size_t ncategories;
	bool selected;    /* --script/-sC named it: it runs, and its output is reported */
	bool version_run; /* -sV and category "version": it runs before the selection's
			   * scripts, and only its set_port_version() counts unless selected */
	lua_State *rules;        /* a state holding the loaded script: its portrule/hostrule */
	struct lstate_ctx rules_ctx;
	bool has_portrule, has_hostrule;
};

struct script_catalog {
	struct script_entry *v;
	size_t n, cap;
	char lib_dir[4096];
	struct lib_cache *libs;
};

/* Parses --script-args into (key, value) pairs: calls fn for each; -1 on a syntax error. */
int args_parse(const char *s, void (*fn)(const char *k, size_t kl, const char *v, size_t vl,
					  void *u), void *u, struct errbuf *e);

/* The selection expression (nmap's --script): evaluates one item against a script.
 * sel_match() returns 1 when it selects the script, 0 when not, -1 on a syntax error. */
int sel_match(const char *expr, const struct script_entry *s, struct errbuf *e);

/* ---- sockets ---- */
struct script_io {
	struct loop *loop;
	struct ssl_ctx_st *tls;
	uint32_t source_ip;
};
/* Registers the socket primitives into the table on the top of the stack. */
void nsock_register(lua_State *L);
/* Called by nsock when an operation finished with nres values pushed on co. */
void inv_resume(struct script_inv *inv, int nres);
/* What the invocation's sockets need (engine.c). */
struct script_io *inv_io(struct script_inv *inv);
uint32_t inv_target(struct script_inv *inv);
/* The port's grab record, where set_port_version writes (made when the port had none);
 * NULL when out of memory (engine.c). */
struct grab_result;
struct grab_result *inv_grab(struct script_inv *inv);
/* Registers set_port_version into the table on the top of the stack (version.c). */
void version_register(lua_State *L);
/* Closes every socket of the invocation that is still open (before lua_close). */
struct nsock;
struct nsock **inv_socks(struct script_inv *inv);
void nsock_close_all(struct script_inv *inv);

#endif
