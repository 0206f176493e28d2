/* nmap.set_port_version() for scripts (nmap's NSE API, as its documentation describes
 * it): a version script (-sV) hands back port.version (name, product, version,
 * extrainfo, hostname, ostype, devicetype, service_tunnel, cpe) with a probe state, and
 * those become the port's service fields, the ones -sV's probes fill (grab_result):
 * every field is taken from the table (a field the script left nil ends empty, as the
 * table the script got held the current values). "hardmatched" and "softmatched" name
 * the service with confidence 10 (method "probed"), "tcpwrapped" as -sV's tcpwrapped;
 * the probe field names the script (which answer named the service). */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "core/base/grab_result.h"
#include "core/script/script_internal.h"

static void take_str(lua_State *L, int t, const char *key, char *dst, size_t cap)
{
	lua_getfield(L, t, key);
	const char *v = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
				? lua_tostring(L, -1)
				: NULL;
	snprintf(dst, cap, "%s", v ? v : "");
	lua_pop(L, 1);
}

static void take_cpes(lua_State *L, int t, struct grab_result *g)
{
	g->cpe[0] = 0;
	for (size_t i = 0; i < sizeof g->cpe_more / sizeof g->cpe_more[0]; i++)
		g->cpe_more[i][0] = 0;
	if (lua_getfield(L, t, "cpe") == LUA_TTABLE) {
		size_t more = 0;
		for (lua_Integer i = 1; i <= 4; i++) {
			lua_geti(L, -1, i);
			const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
			if (v && i == 1)
				snprintf(g->cpe, sizeof g->cpe, "%s", v);
			else if (v && more < sizeof g->cpe_more / sizeof g->cpe_more[0])
				snprintf(g->cpe_more[more++], sizeof g->cpe_more[0], "%s", v);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

/* core.set_port_version(version_table, probestate) */
static int l_set_port_version(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	const char *state = luaL_optstring(L, 2, "hardmatched");
	bool hard = strcmp(state, "hardmatched") == 0, soft = strcmp(state, "softmatched") == 0;
	bool wrapped = strcmp(state, "tcpwrapped") == 0;
	if (!hard && !soft && !wrapped)
		return luaL_error(L, "set_port_version: unknown probe state '%s'", state);
	struct lstate_ctx *ctx = rt_ctx(L);
	if (!ctx->inv)
		return luaL_error(L, "set_port_version: only a script's action may call it");
	struct grab_result *g = inv_grab(ctx->inv);
	if (!g)
		return luaL_error(L, "not enough memory");
	take_str(L, 1, "name", g->service, sizeof g->service);
	take_str(L, 1, "product", g->product, sizeof g->product);
	take_str(L, 1, "version", g->version, sizeof g->version);
	take_str(L, 1, "extrainfo", g->info, sizeof g->info);
	take_str(L, 1, "hostname", g->hostname, sizeof g->hostname);
	take_str(L, 1, "ostype", g->ostype, sizeof g->ostype);
	take_str(L, 1, "devicetype", g->devicetype, sizeof g->devicetype);
	char tunnel[8];
	take_str(L, 1, "service_tunnel", tunnel, sizeof tunnel);
	g->tls = strcmp(tunnel, "ssl") == 0;
	take_cpes(L, 1, g);
	if (wrapped)
		snprintf(g->service, sizeof g->service, "tcpwrapped");
	g->softmatched = soft;
	g->tcpwrapped = wrapped;
	g->status = GRAB_STATUS_SUCCESS;
	g->error[0] = 0;
	g->conf = wrapped ? 8 : 10; /* nmap's confidences */
	snprintf(g->method, sizeof g->method, "probed");
	lua_getglobal(L, "SCRIPT_NAME");
	snprintf(g->probe, sizeof g->probe, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "script");
	lua_pop(L, 1);
	return 0;
}

void version_register(lua_State *L)
{
	lua_pushcfunction(L, l_set_port_version);
	lua_setfield(L, -2, "set_port_version");
}
