/* The script engine (nmap's NSE, on Lua 5.4): -sC and --script.
 *
 * Contract:
 *  - script_catalog_load() reads the scripts of the given folders (every *.nse) and the
 *    files or folders the selection names, learns each script's name and categories, and
 *    applies the selection as nmap does: a comma-separated list of names (globs: "http-*"),
 *    categories, "all", paths, or boolean expressions of them ("default and safe",
 *    "not intrusive"). Anything that selects nothing is an error (one line, naming it).
 *    script_args_parse() checks --script-args "k=v,k2={a,b},..." the same way.
 *    script_catalog_load_for(..., version=true) is -sV's: the scripts of category
 *    "version" also run (selection may then be ""), as nmap -sV runs them: on each port
 *    they run first, and what they give nmap.set_port_version() becomes the port's
 *    service fields (its grab record: product, version, ...); their output is reported
 *    only when the selection names them too. The other scripts' rules see the result.
 *  - script_engine_start() runs one thread with its own event loop (core/followup/loop.h).
 *    script_engine_submit() (any thread) hands it one port record; it owns the record's
 *    heap parts (grab, scripts) from then on. For each selected script whose portrule
 *    accepts the port, one invocation runs as a Lua coroutine in its own lua_State;
 *    socket calls yield to the loop. When the port's last invocation ends, on_done gets
 *    the record with .scripts set (or NULL) and owns it.
 *  - Bounds: each invocation has a wall-clock limit (timeout_ms), a memory cap (a capped
 *    allocator) and an instruction budget (a count hook); at most max_inflight run at
 *    once. A script that errs, is killed or returns nothing adds no output, unless
 *    show_errors (nmap -d) is set: then its output is "ERROR: <why>". Connections go only
 *    to the address of the port being scripted (a script cannot aim elsewhere).
 *  - script_engine_drain() waits for every submitted port (false when timeout_ms passed);
 *    script_engine_stop() ends the running invocations, delivers what is left, frees. */
#ifndef ORBIT_CORE_SCRIPT_SCRIPT_H
#define ORBIT_CORE_SCRIPT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/base/result.h"

struct service_names; /* output/services.h */

struct script_catalog;
struct script_engine;

/* The folders searched for scripts by name: the build tree's scripts/ when this binary
 * runs uninstalled, else the installed data folder. */
const char *script_default_dir(void);

struct script_catalog *script_catalog_load(const char *const *dirs, size_t ndirs,
					   const char *selection, struct errbuf *e);
struct script_catalog *script_catalog_load_for(const char *const *dirs, size_t ndirs,
					       const char *selection, bool version,
					       struct errbuf *e);
void script_catalog_free(struct script_catalog *c);
size_t script_catalog_selected(const struct script_catalog *c);
size_t script_catalog_version(const struct script_catalog *c); /* scripts -sV runs */
const char *script_catalog_name(const struct script_catalog *c, size_t i);

/* 0, or -1 with e set. */
int script_args_check(const char *args, struct errbuf *e);

typedef void (*script_done_fn)(const struct scan_result *r, void *user);

struct script_params {
	const char *args;        /* --script-args, or NULL */
	unsigned timeout_ms;     /* per invocation (default 30000) */
	size_t mem_limit;        /* bytes per invocation (default 32 MiB) */
	uint64_t instr_limit;    /* Lua instructions per invocation (default 2e9) */
	unsigned max_inflight;   /* invocations at once (default 256) */
	bool show_errors;
	uint32_t source_ip;      /* bind connections to it (0: the kernel picks) */
	const char *lib_dir;     /* the Lua libraries (NULL: script_default_dir()/nselib) */
	/* port.service's names, borrowed until stop (NULL: the engine loads nmap-services) */
	const struct service_names *services;
	script_done_fn on_done;
	void *user;
};

struct script_stats {
	uint64_t submitted, delivered, invocations, errors, killed;
	unsigned peak_inflight;
	size_t peak_mem; /* largest memory any one invocation held */
};

/* Borrows the catalog (its rule states run on the engine's thread) until stop. */
struct script_engine *script_engine_start(const struct script_params *p, struct script_catalog *c,
					  struct errbuf *e);
void script_engine_submit(struct script_engine *en, const struct scan_result *r);
bool script_engine_drain(struct script_engine *en, unsigned timeout_ms);
void script_engine_stop(struct script_engine *en);
void script_engine_stats(struct script_engine *en, struct script_stats *s);

/* Whether the port can have script output worth the wait: open (or open|filtered UDP). */
bool script_wants(const struct scan_result *r);

#endif
