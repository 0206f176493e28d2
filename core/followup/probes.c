/* nmap-service-probes: parser and PCRE2 matcher (see probes.h). Written from the format's
 * documentation (Nmap book, "nmap-service-probes File Format"); no Nmap code. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/followup/probes.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/module.h"

enum { T_P, T_V, T_I, T_H, T_O, T_D, T_N };

struct pmatch {
	bool soft;
	int16_t first; /* byte every match must start with, or -1 */
	int16_t first_alt;
	char *service;
	char *re;
	uint32_t opts;
	char *tmpl[T_N];
	char *cpe;
	char *cpe_extra[2]; /* further CPEs (often the OS's): grab fields "cpe" */
	_Atomic(pcre2_code *) code;
	atomic_int failed;
	unsigned line;
};

struct probe {
	char *name;
	bool udp;
	uint8_t *payload;
	size_t payload_len;
	struct pmatch *m;
	size_t nm, capm;
	char *fallback;
	int fb[8];
	int nfb;
};

struct probe_db {
	struct probe *p;
	size_t n, cap;
	unsigned nmatch, nsoft;
	int null_probe;
};

struct probe_scratch {
	pcre2_match_data *md;
};

static void *xrealloc(void *p, size_t n)
{
	return realloc(p, n);
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescapes a probe string (\\ \0 \a \b \f \n \r \t \v \xHH). */
static size_t unescape(const char *s, size_t n, uint8_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			out[k++] = (uint8_t)s[i];
			continue;
		}
		char c = s[++i];
		switch (c) {
		case '0': out[k++] = 0; break;
		case 'a': out[k++] = 7; break;
		case 'b': out[k++] = 8; break;
		case 'f': out[k++] = 12; break;
		case 'n': out[k++] = 10; break;
		case 'r': out[k++] = 13; break;
		case 't': out[k++] = 9; break;
		case 'v': out[k++] = 11; break;
		case 'x':
			if (i + 2 < n + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
				out[k++] = (uint8_t)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
				i += 2;
			} else {
				out[k++] = 'x';
			}
			break;
		default: out[k++] = (uint8_t)c; break;
		}
	}
	return k;
}

/* The literal first byte of an anchored pattern, or -1. */
static int first_byte(const char *re)
{
	if (re[0] != '^')
		return -1;
	const char *p = re + 1;
	int b;
	size_t len;
	if (*p == '\\') {
		char c = p[1];
		if (c == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
			b = hexval(p[2]) * 16 + hexval(p[3]);
			len = 4;
		} else if (c == '0' && !isdigit((unsigned char)p[2])) {
			b = 0;
			len = 2;
		} else if (c == 'r' || c == 'n' || c == 't') {
			b = c == 'r' ? 13 : c == 'n' ? 10 : 9;
			len = 2;
		} else if (c && strchr("\\.[](){}*+?|^$/-#:'\"<>=!@%&,;~`", c)) {
			b = (unsigned char)c;
			len = 2;
		} else {
			return -1; /* \d, \w, \s ... */
		}
	} else if (*p && !strchr(".[(*+?{|^$)\\", *p)) {
		b = (unsigned char)*p;
		len = 1;
	} else {
		return -1;
	}
	char q = p[len];
	if (q == '?' || q == '*' || q == '{' || q == '|')
		return -1;
	if (strchr(re, '|')) /* alternation at the top level could start elsewhere */
		return -1;
	return b;
}

static int add_probe(struct probe_db *db, const char *line, unsigned ln, struct errbuf *e)
{
	/* Probe <TCP|UDP> <name> q|payload| [no-payload] */
	char proto[8], name[128];
	int off = 0;
	if (sscanf(line, "Probe %7s %127s %n", proto, name, &off) < 2 || off == 0)
		return err_set(e, "line %u: bad Probe line", ln);
	const char *q = line + off;
	if (q[0] != 'q' || !q[1])
		return err_set(e, "line %u: Probe without q|...|", ln);
	char d = q[1];
	const char *end = strchr(q + 2, d);
	if (!end)
		return err_set(e, "line %u: unterminated probe string", ln);
	if (db->n == db->cap) {
		size_t nc = db->cap ? db->cap * 2 : 64;
		struct probe *np = xrealloc(db->p, nc * sizeof(*np));
		if (!np)
			return err_set(e, "out of memory");
		db->p = np;
		db->cap = nc;
	}
	struct probe *p = &db->p[db->n];
	memset(p, 0, sizeof(*p));
	db->n++; /* owned by db from here: probe_db_free releases it on any failure */
	p->name = dupn(name, strlen(name));
	p->udp = strcmp(proto, "UDP") == 0;
	size_t raw = (size_t)(end - (q + 2));
	p->payload = malloc(raw + 1);
	if (!p->name || !p->payload)
		return err_set(e, "out of memory");
	p->payload_len = unescape(q + 2, raw, p->payload);
	if (!p->udp && strcmp(p->name, "NULL") == 0)
		db->null_probe = (int)(db->n - 1);
	return 0;
}

/* Reads a delimited value starting at *s (at the delimiter); returns a malloc'd copy. */
static char *delimited(const char **s)
{
	char d = **s;
	if (!d || isspace((unsigned char)d))
		return NULL;
	const char *end = strchr(*s + 1, d);
	if (!end)
		return NULL;
	char *v = dupn(*s + 1, (size_t)(end - (*s + 1)));
	*s = end + 1;
	return v;
}

static void free_match(struct pmatch *m)
{
	free(m->service);
	free(m->re);
	for (int i = 0; i < T_N; i++)
		free(m->tmpl[i]);
	free(m->cpe);
	free(m->cpe_extra[0]);
	free(m->cpe_extra[1]);
	pcre2_code *c = atomic_load(&m->code);
	if (c)
		pcre2_code_free(c);
}

#define MATCH_FAIL(...)                      \
	do {                                 \
		err_set(e, __VA_ARGS__);     \
		free_match(&m);              \
		return -1;                   \
	} while (0)

static int add_match(struct probe_db *db, const char *line, bool soft, unsigned ln,
		     struct errbuf *e)
{
	if (db->n == 0)
		return err_set(e, "line %u: match before any Probe", ln);
	struct probe *p = &db->p[db->n - 1];
	const char *s = line + (soft ? 9 : 5);
	while (*s == ' ')
		s++;
	size_t sl = strcspn(s, " ");
	if (!sl || s[sl] != ' ')
		return err_set(e, "line %u: match without a service", ln);
	struct pmatch m;
	memset(&m, 0, sizeof(m));
	m.soft = soft;
	m.line = ln;
	m.service = dupn(s, sl);
	s += sl;
	while (*s == ' ')
		s++;
	if (*s != 'm')
		MATCH_FAIL("line %u: match without m/.../", ln);
	s++;
	m.re = delimited(&s);
	if (!m.service || !m.re)
		MATCH_FAIL("line %u: bad match pattern", ln);
	for (; *s && !isspace((unsigned char)*s); s++) {
		if (*s == 'i')
			m.opts |= PCRE2_CASELESS;
		else if (*s == 's')
			m.opts |= PCRE2_DOTALL;
	}
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		int t = -1;
		bool cpe = false;
		switch (*s) {
		case 'p': t = T_P; break;
		case 'v': t = T_V; break;
		case 'i': t = T_I; break;
		case 'h': t = T_H; break;
		case 'o': t = T_O; break;
		case 'd': t = T_D; break;
		case 'c':
			if (strncmp(s, "cpe:", 4) == 0) {
				cpe = true;
				s += 3;
			}
			break;
		default: break;
		}
		if (t < 0 && !cpe)
			MATCH_FAIL("line %u: unknown field near '%.20s'", ln, s);
		s++;
		char *v = delimited(&s);
		if (!v)
			MATCH_FAIL("line %u: unterminated field", ln);
		if (cpe) {
			if (*s == 'a')
				s++;
			if (!m.cpe)
				m.cpe = v;
			else if (!m.cpe_extra[0])
				m.cpe_extra[0] = v;
			else if (!m.cpe_extra[1])
				m.cpe_extra[1] = v;
			else
				free(v);
		} else {
			free(m.tmpl[t]);
			m.tmpl[t] = v;
		}
	}
	int fb = first_byte(m.re);
	m.first = (int16_t)fb;
	m.first_alt = (int16_t)fb;
	if (fb >= 0 && (m.opts & PCRE2_CASELESS) && isalpha(fb)) {
		m.first = (int16_t)tolower(fb);
		m.first_alt = (int16_t)toupper(fb);
	}
	if (p->nm == p->capm) {
		size_t nc = p->capm ? p->capm * 2 : 16;
		struct pmatch *nm = xrealloc(p->m, nc * sizeof(*nm));
		if (!nm)
			MATCH_FAIL("out of memory");
		p->m = nm;
		p->capm = nc;
	}
	p->m[p->nm++] = m;
	if (soft)
		db->nsoft++;
	else
		db->nmatch++;
	return 0;
}

void probe_db_free(struct probe_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++) {
		struct probe *p = &db->p[i];
		for (size_t k = 0; k < p->nm; k++)
			free_match(&p->m[k]);
		free(p->m);
		free(p->name);
		free(p->payload);
		free(p->fallback);
	}
	free(db->p);
	free(db);
}

static int find_probe(const struct probe_db *db, const char *name, bool udp)
{
	for (size_t i = 0; i < db->n; i++)
		if (db->p[i].udp == udp && strcmp(db->p[i].name, name) == 0)
			return (int)i;
	return -1;
}

struct probe_db *probe_db_parse(const char *text, size_t len, const char *name,
				struct errbuf *e)
{
	struct probe_db *db = calloc(1, sizeof(*db));
	if (!db) {
		err_set(e, "out of memory");
		return NULL;
	}
	db->null_probe = -1;
	char line[16384];
	unsigned ln = 0;
	size_t off = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
		ln++;
		if (ll >= sizeof(line)) {
			err_set(e, "%s: line %u too long", name, ln);
			goto fail;
		}
		memcpy(line, text + off, ll);
		line[ll] = 0;
		off += ll + (nl ? 1 : 0);
		while (ll && (line[ll - 1] == '\r' || line[ll - 1] == ' '))
			line[--ll] = 0;
		const char *l = line;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		int rc = 0;
		if (strncmp(l, "Probe ", 6) == 0)
			rc = add_probe(db, l, ln, e);
		else if (strncmp(l, "match ", 6) == 0)
			rc = add_match(db, l, false, ln, e);
		else if (strncmp(l, "softmatch ", 10) == 0)
			rc = add_match(db, l, true, ln, e);
		else if (strncmp(l, "fallback ", 9) == 0) {
			if (!db->n) {
				err_set(e, "line %u: fallback before any Probe", ln);
				goto fail;
			}
			free(db->p[db->n - 1].fallback);
			db->p[db->n - 1].fallback = dupn(l + 9, strlen(l + 9));
		} else if (strncmp(l, "ports ", 6) == 0 || strncmp(l, "sslports ", 9) == 0 ||
			   strncmp(l, "rarity ", 7) == 0 || strncmp(l, "totalwaitms ", 12) == 0 ||
			   strncmp(l, "tcpwrappedms ", 13) == 0 || strncmp(l, "Exclude ", 8) == 0) {
			continue; /* scheduling hints: orbit's modules decide what to send */
		} else {
			err_set(e, "%s: line %u: unknown directive '%.30s'", name, ln, l);
			goto fail;
		}
		if (rc < 0) {
			if (e) {
				char tmp[sizeof(e->msg)];
				snprintf(tmp, sizeof(tmp), "%.100s: %.400s", name, e->msg);
				memcpy(e->msg, tmp, sizeof(tmp));
			}
			goto fail;
		}
	}
	/* resolve fallbacks */
	for (size_t i = 0; i < db->n; i++) {
		struct probe *p = &db->p[i];
		if (!p->fallback)
			continue;
		char *save = NULL, *copy = dupn(p->fallback, strlen(p->fallback));
		for (char *t = copy ? strtok_r(copy, ", ", &save) : NULL; t && p->nfb < 8;
		     t = strtok_r(NULL, ", ", &save)) {
			int k = find_probe(db, t, p->udp);
			if (k >= 0)
				p->fb[p->nfb++] = k;
		}
		free(copy);
	}
	if (db->n == 0) {
		err_set(e, "%s: no probes", name);
		goto fail;
	}
	return db;
fail:
	probe_db_free(db);
	return NULL;
}

struct probe_db *probe_db_load(const char *path, struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, "cannot open service probes '%s'", path);
		return NULL;
	}
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len < cap)
			break;
		if (cap >= (64u << 20)) {
			free(buf);
			buf = NULL;
			break;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	if (!buf) {
		err_set(e, "service probes '%s': too large or out of memory", path);
		return NULL;
	}
	struct probe_db *db = probe_db_parse(buf, len, path, e);
	free(buf);
	return db;
}

void probe_db_stats(const struct probe_db *db, struct probe_db_stats *s)
{
	s->probes = (unsigned)db->n;
	s->matches = db->nmatch;
	s->softmatches = db->nsoft;
}

struct probe_scratch *probe_scratch_new(void)
{
	struct probe_scratch *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->md = pcre2_match_data_create(20, NULL);
	if (!sc->md) {
		free(sc);
		return NULL;
	}
	return sc;
}

void probe_scratch_free(struct probe_scratch *sc)
{
	if (!sc)
		return;
	pcre2_match_data_free(sc->md);
	free(sc);
}

static pcre2_code *compiled(struct pmatch *m)
{
	pcre2_code *c = atomic_load_explicit(&m->code, memory_order_acquire);
	if (c || atomic_load_explicit(&m->failed, memory_order_relaxed))
		return c;
	int err;
	PCRE2_SIZE eoff;
	c = pcre2_compile((PCRE2_SPTR)m->re, PCRE2_ZERO_TERMINATED, m->opts, &err, &eoff, NULL);
	if (!c) {
		atomic_store(&m->failed, 1);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	pcre2_code *expected = NULL;
	if (!atomic_compare_exchange_strong(&m->code, &expected, c)) {
		pcre2_code_free(c);
		c = expected;
	}
	return c;
}

/* Appends group g of the match to out. mode: 0 raw, 'P' printable only. */
static void put_group(const uint8_t *subj, const PCRE2_SIZE *ov, uint32_t ng, int g, int mode,
		      char *out, size_t cap, size_t *k)
{
	if (g < 0 || (uint32_t)g >= ng || ov[2 * g] == PCRE2_UNSET)
		return;
	for (PCRE2_SIZE i = ov[2 * g]; i < ov[2 * g + 1] && *k + 1 < cap; i++) {
		uint8_t c = subj[i];
		if (mode == 'P' && (c < 0x20 || c >= 0x7f))
			continue;
		out[(*k)++] = (char)c;
	}
}

/* Expands a template ($1, $P(1), $SUBST(1,"a","b"), $I(1,">")) into out. */
static void expand(const char *t, const uint8_t *subj, const PCRE2_SIZE *ov, uint32_t ng,
		   char *out, size_t cap)
{
	size_t k = 0;
	while (*t && k + 1 < cap) {
		if (t[0] == '$' && isdigit((unsigned char)t[1])) {
			put_group(subj, ov, ng, t[1] - '0', 0, out, cap, &k);
			t += 2;
		} else if (strncmp(t, "$P(", 3) == 0 && isdigit((unsigned char)t[3]) && t[4] == ')') {
			put_group(subj, ov, ng, t[3] - '0', 'P', out, cap, &k);
			t += 5;
		} else if (strncmp(t, "$SUBST(", 7) == 0 && isdigit((unsigned char)t[7])) {
			int g = t[7] - '0';
			const char *a = strchr(t + 8, '"');
			const char *ae = a ? strchr(a + 1, '"') : NULL;
			const char *b = ae ? strchr(ae + 1, '"') : NULL;
			const char *be = b ? strchr(b + 1, '"') : NULL;
			const char *close = be ? strchr(be + 1, ')') : NULL;
			if (!close)
				break;
			char grp[256];
			size_t gk = 0;
			put_group(subj, ov, ng, g, 0, grp, sizeof(grp), &gk);
			grp[gk] = 0;
			size_t al = (size_t)(ae - a - 1), bl = (size_t)(be - b - 1);
			for (size_t i = 0; i < gk && k + 1 < cap;) {
				if (al && i + al <= gk && memcmp(grp + i, a + 1, al) == 0) {
					for (size_t j = 0; j < bl && k + 1 < cap; j++)
						out[k++] = b[1 + j];
					i += al;
				} else {
					out[k++] = grp[i++];
				}
			}
			t = close + 1;
		} else if (strncmp(t, "$I(", 3) == 0 && isdigit((unsigned char)t[3])) {
			int g = t[3] - '0';
			const char *q = strchr(t, '"');
			const char *close = q ? strchr(q + 1, ')') : NULL;
			if (!close)
				break;
			bool little = q[1] == '<';
			unsigned long long v = 0;
			if ((uint32_t)g < ng && ov[2 * g] != PCRE2_UNSET) {
				size_t n = ov[2 * g + 1] - ov[2 * g];
				for (size_t i = 0; i < n && i < 8; i++) {
					uint8_t c = subj[ov[2 * g] + (little ? n - 1 - i : i)];
					v = v << 8 | c;
				}
			}
			int w = snprintf(out + k, cap - k, "%llu", v);
			if (w > 0)
				k += (size_t)w < cap - k ? (size_t)w : cap - k - 1;
			t = close + 1;
		} else {
			out[k++] = *t++;
		}
	}
	out[k] = 0;
}

static int try_probe(const struct probe_db *db, struct probe_scratch *sc, int pi,
		     const uint8_t *subj, size_t n, struct grab_result *r, int *soft_seen)
{
	struct probe *p = &db->p[pi];
	int16_t b = n ? subj[0] : -2;
	for (size_t i = 0; i < p->nm; i++) {
		struct pmatch *m = &p->m[i];
		if (m->first >= 0 && m->first != b && m->first_alt != b)
			continue;
		if (m->soft && *soft_seen)
			continue;
		pcre2_code *c = compiled(m);
		if (!c)
			continue;
		int rc = pcre2_match(c, subj, n, 0, 0, sc->md, NULL);
		if (rc < 0)
			continue;
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
		uint32_t ng = pcre2_get_ovector_count(sc->md);
		if (m->soft) {
			GRAB_SETS(r->service, m->service);
			*soft_seen = 1;
			continue;
		}
		char buf[256];
		GRAB_SETS(r->service, m->service);
		r->product[0] = r->version[0] = r->info[0] = r->ostype[0] = r->cpe[0] = 0;
		r->hostname[0] = r->devicetype[0] = 0;
		char *const dst[] = {r->product, r->version, r->info, r->hostname, r->ostype,
				     r->devicetype};
		const size_t cap[] = {sizeof(r->product), sizeof(r->version), sizeof(r->info),
				      sizeof(r->hostname), sizeof(r->ostype), sizeof(r->devicetype)};
		for (int t = 0; t < T_N; t++) {
			if (!m->tmpl[t])
				continue;
			expand(m->tmpl[t], subj, ov, ng, buf, sizeof(buf));
			grab_set(dst[t], cap[t], buf, strlen(buf));
		}
		if (m->cpe) {
			expand(m->cpe, subj, ov, ng, buf, sizeof(buf));
			char cpe[sizeof(r->cpe)];
			snprintf(cpe, sizeof(cpe), "cpe:/%s", buf);
			GRAB_SETS(r->cpe, cpe);
		}
		for (int k = 0; k < 2 && m->cpe_extra[k]; k++) {
			expand(m->cpe_extra[k], subj, ov, ng, buf, sizeof(buf));
			grab_fieldf(r, "cpe", "cpe:/%s", buf);
		}
		grab_fieldf(r, "nmap.match", "%s line %u", p->name, m->line);
		return 2;
	}
	return 0;
}

int probe_db_match(const struct probe_db *db, struct probe_scratch *sc,
		   const char *const *probes, const uint8_t *greeting, size_t greeting_len,
		   const uint8_t *answer, size_t answer_len, struct grab_result *r)
{
	int soft = 0;
	if (greeting_len && db->null_probe >= 0 &&
	    try_probe(db, sc, db->null_probe, greeting, greeting_len, r, &soft))
		return 2;
	if (answer_len && probes) {
		for (size_t i = 0; probes[i]; i++) {
			int pi = find_probe(db, probes[i], false);
			if (pi < 0)
				continue;
			if (try_probe(db, sc, pi, answer, answer_len, r, &soft))
				return 2;
			for (int f = 0; f < db->p[pi].nfb; f++)
				if (try_probe(db, sc, db->p[pi].fb[f], answer, answer_len, r, &soft))
					return 2;
		}
		/* Nmap's implicit fallback: the NULL probe's matches apply to any answer */
		if (db->null_probe >= 0 &&
		    try_probe(db, sc, db->null_probe, answer, answer_len, r, &soft))
			return 2;
	}
	return soft ? 1 : 0;
}
