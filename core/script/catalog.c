/* The scripts: found in folders (*.nse) or named by path, loaded once each into a rule
 * state (which learns their categories and keeps their portrule/hostrule), selected by
 * --script's expression as nmap selects; and --script-args' syntax. */
#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/script/script_internal.h"
#include "core/base/file.h"

#ifndef ORBIT_SOURCE_DIR
#define ORBIT_SOURCE_DIR "."
#endif
#ifndef ORBIT_DATA_DIR
#define ORBIT_DATA_DIR "/usr/local/share/orbit"
#endif

const char *script_default_dir(void)
{
	/* Uninstalled (run from a meson build folder): the source tree's scripts, so a test
	 * never reads a stale installed copy. */
	char exe[PATH_MAX], probe[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return ORBIT_DATA_DIR "/scripts";
	exe[n] = 0;
	/* The binary's folder or one above it (tests/, bench/ of the build folder). */
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = 0;
		snprintf(probe, sizeof probe, "%s/build.ninja", exe);
		if (access(probe, F_OK) == 0)
			return ORBIT_SOURCE_DIR "/scripts";
	}
	return ORBIT_DATA_DIR "/scripts";
}

static void entry_free(struct script_entry *s)
{
	if (s->rules)
		lua_close(s->rules);
	for (size_t i = 0; i < s->ncategories; i++)
		free(s->categories[i]);
	free(s->categories);
	free(s->name);
	free(s->path);
	free(s->source);
}

/* Runs the file in a fresh state and reads its categories and rules. -1 (e set) when
 * the script does not load. */
static int entry_load(struct script_catalog *c, struct script_entry *s, struct errbuf *e)
{
	s->rules_ctx = (struct lstate_ctx){.cap = 16u << 20, .instr_limit = 200000000,
					   .libs = &c->libs};
	lua_State *L = s->rules = rt_state_new(&s->rules_ctx, c->lib_dir);
	if (!L)
		return err_set(e, "%s: out of memory", s->path);
	lua_pushstring(L, s->name);
	lua_setglobal(L, "SCRIPT_NAME");
	lua_pushstring(L, s->path);
	lua_setglobal(L, "SCRIPT_PATH");
	char chunk[300];
	snprintf(chunk, sizeof chunk, "@%s", s->path);
	if (luaL_loadbuffer(L, s->source, s->source_len, chunk) != LUA_OK ||
	    rt_pcall(L, 0, 0) != LUA_OK)
		return err_set(e, "script %s does not load: %s", s->name, lua_tostring(L, -1));
	lua_getglobal(L, "categories");
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		s->categories = calloc((size_t)n + 1, sizeof *s->categories);
		for (lua_Integer i = 1; s->categories && i <= n; i++) {
			lua_geti(L, -1, i);
			if (lua_type(L, -1) == LUA_TSTRING)
				s->categories[s->ncategories++] = strdup(lua_tostring(L, -1));
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	lua_getglobal(L, "portrule");
	s->has_portrule = lua_isfunction(L, -1);
	lua_getglobal(L, "hostrule");
	s->has_hostrule = lua_isfunction(L, -1);
	lua_getglobal(L, "action");
	bool action = lua_isfunction(L, -1);
	lua_pop(L, 3);
	if (!action || (!s->has_portrule && !s->has_hostrule))
		return err_set(e, "script %s has no action or no rule", s->name);
	return 0;
}

static struct script_entry *find_path(struct script_catalog *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].path, path) == 0)
			return &c->v[i];
	return NULL;
}

/* Adds (and loads) one file; a file already known is returned as it is. */
static struct script_entry *add_file(struct script_catalog *c, const char *path, bool must,
				     struct errbuf *e)
{
	struct script_entry *known = find_path(c, path);
	if (known)
		return known;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct script_entry *v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			err_set(e, "out of memory");
			return NULL;
		}
		c->v = v;
		c->cap = cap;
	}
	struct script_entry *s = &c->v[c->n];
	memset(s, 0, sizeof *s);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t bl = strlen(base);
	if (bl > 4 && strcmp(base + bl - 4, ".nse") == 0)
		bl -= 4;
	s->name = strndup(base, bl);
	s->path = strdup(path);
	s->source = file_read_all(path, 8u << 20, &s->source_len);
	if (!s->name || !s->path || !s->source) {
		err_set(e, "cannot read script %s", path);
		entry_free(s);
		return NULL;
	}
	struct errbuf mine;
	if (entry_load(c, s, &mine) < 0) {
		entry_free(s);
		if (must && e)
			*e = mine;
		return NULL;
	}
	c->n++;
	return s;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.nse of a folder, in name order. must: a script that fails to load is an error
 * (a folder the user named), else skipped. */
static int add_dir(struct script_catalog *c, const char *dir, bool select, bool must,
		   struct errbuf *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return must ? err_set(e, "cannot read script folder %s", dir) : 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".nse") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nv = realloc(names, cap * sizeof *nv);
			if (!nv)
				break;
			names = nv;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct script_entry *s = add_file(c, path, false, e);
		if (s && select)
			s->selected = true;
		free(names[i]);
	}
	free(names);
	return rc;
}

void script_catalog_free(struct script_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_free(&c->v[i]);
	free(c->v);
	lib_cache_free(c->libs);
	free(c);
}

size_t script_catalog_version(const struct script_catalog *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += c->v[i].version_run;
	return n;
}

size_t script_catalog_selected(const struct script_catalog *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += c->v[i].selected;
	return n;
}

const char *script_catalog_name(const struct script_catalog *c, size_t i)
{
	for (size_t k = 0; k < c->n; k++)
		if (c->v[k].selected && i-- == 0)
			return c->v[k].name;
	return NULL;
}

/* One element of --script: a path (file or folder), else an expression. */
static int select_item(struct script_catalog *c, const char *item, struct errbuf *e)
{
	struct stat st;
	bool pathlike = strchr(item, '/') || (strlen(item) > 4 && !strcmp(item + strlen(item) - 4, ".nse"));
	if (pathlike && stat(item, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return add_dir(c, item, true, true, e);
		struct script_entry *s = add_file(c, item, true, e);
		if (!s)
			return -1;
		s->selected = true;
		return 0;
	}
	size_t hits = 0;
	for (size_t i = 0; i < c->n; i++) {
		int m = sel_match(item, &c->v[i], e);
		if (m < 0)
			return -1;
		if (m) {
			c->v[i].selected = true;
			hits++;
		}
	}
	if (hits == 0)
		return err_set(e, "--script: '%s' did not match a category, filename, or directory", item);
	return 0;
}

static bool has_category(const struct script_entry *s, const char *cat)
{
	for (size_t i = 0; i < s->ncategories; i++)
		if (strcmp(s->categories[i], cat) == 0)
			return true;
	return false;
}

struct script_catalog *script_catalog_load(const char *const *dirs, size_t ndirs,
					   const char *selection, struct errbuf *e)
{
	return script_catalog_load_for(dirs, ndirs, selection, false, e);
}

struct script_catalog *script_catalog_load_for(const char *const *dirs, size_t ndirs,
					       const char *selection, bool version,
					       struct errbuf *e)
{
	struct script_catalog *c = calloc(1, sizeof *c);
	if (!c) {
		err_set(e, "out of memory");
		return NULL;
	}
	/* orbit's own library, whichever folders the scripts come from. */
	snprintf(c->lib_dir, sizeof c->lib_dir, "%s/nselib", script_default_dir());
	for (size_t i = 0; i < ndirs; i++)
		add_dir(c, dirs[i], false, false, e);
	/* Top-level commas split the list; commas inside parentheses belong to the item. */
	const char *p = selection;
	while (*p) {
		int depth = 0;
		const char *q = p;
		for (; *q && !(*q == ',' && depth == 0); q++)
			depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
		char item[1024];
		size_t l = (size_t)(q - p);
		while (l && isspace((unsigned char)p[l - 1]))
			l--;
		while (l && isspace((unsigned char)*p)) {
			p++;
			l--;
		}
		if (l == 0 || l >= sizeof item) {
			err_set(e, "--script: empty or overlong item in '%s'", selection);
			goto fail;
		}
		memcpy(item, p, l);
		item[l] = 0;
		if (select_item(c, item, e) < 0)
			goto fail;
		p = *q ? q + 1 : q;
	}
	/* -sV: the version category runs too (nmap's version scripts), selected or not. */
	for (size_t i = 0; version && i < c->n; i++)
		c->v[i].version_run = has_category(&c->v[i], "version");
	/* What runs neither way needs no state. */
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].selected && !c->v[i].version_run && c->v[i].rules) {
			lua_close(c->v[i].rules);
			c->v[i].rules = NULL;
		}
	return c;
fail:
	script_catalog_free(c);
	return NULL;
}

bool script_wants(const struct scan_result *r)
{
	return r->state == PORT_OPEN || (r->proto == 17 && r->state == PORT_OPEN_FILTERED);
}
