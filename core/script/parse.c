/* The two small languages of the command line: --script's boolean expressions over
 * script names and categories (nmap's: "default and safe", "not intrusive",
 * "(http-* or ftp-*) and default", "all"), and --script-args' "k=v,k2={a,b},k3='x,y'".
 * Both are bounded: nesting depth, token lengths. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/script/script_internal.h"

enum { SEL_DEPTH_MAX = 32, SEL_WORD_MAX = 256 };

struct sel {
	const char *p;
	const struct script_entry *s;
	struct errbuf *e;
	const char *expr;
	int depth;
	bool bad;
	char word[SEL_WORD_MAX];
};

/* The next token: "(", ")", or a word (in word[]); "" at the end. */
static const char *sel_token(struct sel *x, bool consume)
{
	const char *p = x->p;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '(' || *p == ')') {
		x->word[0] = *p;
		x->word[1] = 0;
		p++;
	} else {
		size_t n = 0;
		while (*p && !isspace((unsigned char)*p) && *p != '(' && *p != ')') {
			if (n + 1 < sizeof x->word)
				x->word[n++] = *p;
			p++;
		}
		x->word[n] = 0;
	}
	if (consume)
		x->p = p;
	return x->word;
}

static bool word_matches(const struct script_entry *s, const char *w)
{
	if (strcasecmp(w, "all") == 0)
		return true;
	for (size_t i = 0; i < s->ncategories; i++)
		if (strcasecmp(s->categories[i], w) == 0)
			return true;
	char name[SEL_WORD_MAX + 8];
	snprintf(name, sizeof name, "%s.nse", s->name);
	return fnmatch(w, s->name, 0) == 0 || fnmatch(w, name, 0) == 0;
}

static bool sel_or(struct sel *x);

static bool sel_fail(struct sel *x, const char *what)
{
	if (!x->bad)
		err_set(x->e, "--script: %s in '%s'", what, x->expr);
	x->bad = true;
	return false;
}

static bool sel_primary(struct sel *x)
{
	if (++x->depth > SEL_DEPTH_MAX)
		return sel_fail(x, "expression nested too deep");
	const char *t = sel_token(x, true);
	bool v;
	if (strcmp(t, "(") == 0) {
		v = sel_or(x);
		if (strcmp(sel_token(x, true), ")") != 0)
			return sel_fail(x, "missing ')'");
	} else if (strcasecmp(t, "not") == 0) {
		v = !sel_primary(x);
	} else if (!*t || strcmp(t, ")") == 0 || !strcasecmp(t, "and") || !strcasecmp(t, "or")) {
		return sel_fail(x, "a name or category expected");
	} else {
		v = word_matches(x->s, t);
	}
	x->depth--;
	return v;
}

static bool sel_and(struct sel *x)
{
	bool v = sel_primary(x);
	while (!x->bad && strcasecmp(sel_token(x, false), "and") == 0) {
		sel_token(x, true);
		bool r = sel_primary(x);
		v = v && r;
	}
	return v;
}

static bool sel_or(struct sel *x)
{
	bool v = sel_and(x);
	while (!x->bad && strcasecmp(sel_token(x, false), "or") == 0) {
		sel_token(x, true);
		bool r = sel_and(x);
		v = v || r;
	}
	return v;
}

int sel_match(const char *expr, const struct script_entry *s, struct errbuf *e)
{
	struct sel x = {.p = expr, .s = s, .e = e, .expr = expr};
	bool v = sel_or(&x);
	if (!x.bad && *sel_token(&x, false))
		sel_fail(&x, "unexpected text");
	return x.bad ? -1 : v;
}

/* ---- --script-args ---- */

/* The end of a value starting at p: up to a top-level ',' (braces nest, quotes hold). */
static const char *value_end(const char *p, struct errbuf *e, const char *all)
{
	int depth = 0;
	char quote = 0;
	for (; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '{') {
			if (++depth > SEL_DEPTH_MAX)
				break;
		} else if (*p == '}') {
			if (--depth < 0)
				break;
		} else if (*p == ',' && depth == 0) {
			return p;
		}
	}
	if (quote || depth != 0) {
		err_set(e, "--script-args: unbalanced quote or brace in '%s'", all);
		return NULL;
	}
	return p;
}

int args_parse(const char *s, void (*fn)(const char *k, size_t kl, const char *v, size_t vl,
					  void *u), void *u, struct errbuf *e)
{
	const char *p = s;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		const char *k = p;
		while (*p && *p != '=' && *p != ',')
			p++;
		size_t kl = (size_t)(p - k);
		while (kl && isspace((unsigned char)k[kl - 1]))
			kl--;
		if (kl == 0)
			return err_set(e, "--script-args: empty name in '%s'", s);
		const char *v = "1"; /* a bare name is a flag, as in nmap */
		size_t vl = 1;
		if (*p == '=') {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			const char *end = value_end(p, e, s);
			if (!end)
				return -1;
			v = p;
			vl = (size_t)(end - p);
			while (vl && isspace((unsigned char)v[vl - 1]))
				vl--;
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v++;
				vl -= 2;
			}
			p = end;
		}
		if (fn)
			fn(k, kl, v, vl, u);
		if (*p == ',')
			p++;
	}
	return 0;
}

int script_args_check(const char *args, struct errbuf *e)
{
	return args_parse(args, NULL, NULL, e);
}
