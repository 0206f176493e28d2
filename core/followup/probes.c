/* nmap-service-probes: the parser (see probes.h; the matcher and the probe planner are in
 * probes_match.c). Written from the format's documentation (Nmap book, "nmap-service-probes
 * File Format"); no Nmap code. Every error names file:line. */
#include "core/followup/probes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/file.h"
#include "core/followup/probes_db.h"

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

size_t probe_unescape(const char *s, size_t n, uint8_t *out)
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
			if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
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

/* The literal first byte of an anchored pattern, or -1 (a cheap pre-filter before PCRE2). */
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

/* ---- ports ---- */

bool portset_has(const struct portset *s, uint16_t port)
{
	for (size_t i = 0; i < s->n; i++)
		if (port >= s->r[i].lo && port <= s->r[i].hi)
			return true;
	return false;
}

static int portset_add(struct portset *s, unsigned lo, unsigned hi)
{
	struct port_range *nr = realloc(s->r, (s->n + 1) * sizeof(*nr));
	if (!nr)
		return -1;
	s->r = nr;
	s->r[s->n].lo = (uint16_t)lo;
	s->r[s->n].hi = (uint16_t)hi;
	s->n++;
	return 0;
}

/* "21,80-90,443" into s. 0, or -1 with e set. */
static int parse_ports(struct portset *s, const char *list, struct errbuf *e)
{
	const char *p = list;
	while (*p) {
		char *end;
		errno = 0;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p || lo > 65535)
			return err_set(e, "bad port list '%.40s'", list);
		p = end;
		if (*p == '-') {
			hi = strtoul(p + 1, &end, 10);
			if (end == p + 1 || hi > 65535 || hi < lo)
				return err_set(e, "bad port range in '%.40s'", list);
			p = end;
		}
		if (portset_add(s, (unsigned)lo, (unsigned)hi) < 0)
			return err_set(e, "out of memory");
		while (*p == ',' || *p == ' ')
			p++;
		if (*p && !isdigit((unsigned char)*p))
			return err_set(e, "bad port list '%.40s'", list);
	}
	return 0;
}

/* Exclude: "T:9100-9107,U:30000-40000,53" (no prefix: both protocols). */
static int parse_exclude(struct probe_db *db, const char *list, struct errbuf *e)
{
	char *copy = dupn(list, strlen(list));
	if (!copy)
		return err_set(e, "out of memory");
	int rc = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		bool tcp = true, udp = true;
		if ((t[0] == 'T' || t[0] == 'U') && t[1] == ':') {
			tcp = t[0] == 'T';
			udp = !tcp;
			t += 2;
		}
		if (tcp)
			rc = parse_ports(&db->exclude_tcp, t, e);
		if (rc == 0 && udp)
			rc = parse_ports(&db->exclude_udp, t, e);
	}
	free(copy);
	return rc;
}

/* ---- Probe ---- */

static struct probe *new_probe(struct probe_db *db)
{
	if (db->n == db->cap) {
		size_t nc = db->cap ? db->cap * 2 : 64;
		struct probe *np = realloc(db->p, nc * sizeof(*np));
		if (!np)
			return NULL;
		db->p = np;
		db->cap = nc;
	}
	struct probe *p = &db->p[db->n++]; /* owned by db: probe_db_free releases it */
	memset(p, 0, sizeof(*p));
	return p;
}

/* Probe <TCP|UDP> <name> q|payload| [no-payload] */
static int add_probe(struct probe_db *db, const char *line, struct errbuf *e)
{
	char proto[8], name[64];
	int off = 0;
	if (sscanf(line, "Probe %7s %63s %n", proto, name, &off) < 2 || off == 0)
		return err_set(e, "bad Probe line");
	if (strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0)
		return err_set(e, "Probe protocol '%s' is neither TCP nor UDP", proto);
	const char *q = line + off;
	if (q[0] != 'q' || !q[1])
		return err_set(e, "Probe without q|...|");
	char d = q[1];
	const char *end = strchr(q + 2, d);
	if (!end)
		return err_set(e, "unterminated probe string");
	struct probe *p = new_probe(db);
	if (!p)
		return err_set(e, "out of memory");
	p->name = dupn(name, strlen(name));
	p->udp = strcmp(proto, "UDP") == 0;
	p->rarity = 9;
	size_t raw = (size_t)(end - (q + 2));
	p->payload = malloc(raw + 1);
	if (!p->name || !p->payload)
		return err_set(e, "out of memory");
	p->payload_len = probe_unescape(q + 2, raw, p->payload);
	if (!p->udp && strcmp(p->name, "NULL") == 0)
		db->null_probe = (int)(db->n - 1);
	return 0;
}

/* ---- match / softmatch ---- */

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
	for (int i = 0; i < PMATCH_CPE_MAX; i++)
		free(m->cpe[i]);
	pcre2_code_free(atomic_load(&m->code)); /* (NULL: nothing) */
	pcre2_code_free(atomic_load(&m->jit));
}

static int template_kind(char c)
{
	switch (c) {
	case 'p': return T_P;
	case 'v': return T_V;
	case 'i': return T_I;
	case 'h': return T_H;
	case 'o': return T_O;
	case 'd': return T_D;
	default: return -1;
	}
}

/* The version fields after the pattern: p/.../ v/.../ ... cpe:/.../a */
static int parse_templates(struct pmatch *m, const char *s, struct errbuf *e)
{
	unsigned ncpe = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		bool cpe = strncmp(s, "cpe:", 4) == 0;
		int t = cpe ? -1 : template_kind(*s);
		if (t < 0 && !cpe)
			return err_set(e, "unknown field near '%.20s'", s);
		s += cpe ? 4 : 1;
		char *v = delimited(&s);
		if (!v)
			return err_set(e, "unterminated field");
		if (cpe) {
			if (*s == 'a')
				s++;
			if (ncpe < PMATCH_CPE_MAX)
				m->cpe[ncpe++] = v;
			else
				free(v);
		} else {
			free(m->tmpl[t]);
			m->tmpl[t] = v;
		}
		if (*s && !isspace((unsigned char)*s))
			return err_set(e, "junk after field near '%.20s'", s);
	}
	return 0;
}

/* <service> m<d>pattern<d>[flags] [fields] into m. */
static int parse_match(struct pmatch *m, const char *s, struct errbuf *e)
{
	while (*s == ' ')
		s++;
	size_t sl = strcspn(s, " ");
	if (!sl || s[sl] != ' ')
		return err_set(e, "match without a service");
	m->service = dupn(s, sl);
	s += sl;
	while (*s == ' ')
		s++;
	if (*s != 'm')
		return err_set(e, "match without m/.../");
	s++;
	m->re = delimited(&s);
	if (!m->service || !m->re)
		return err_set(e, "bad match pattern");
	for (; *s && !isspace((unsigned char)*s); s++) {
		if (*s == 'i')
			m->opts |= PCRE2_CASELESS;
		else if (*s == 's')
			m->opts |= PCRE2_DOTALL;
		else
			return err_set(e, "unknown pattern flag '%c'", *s);
	}
	if (parse_templates(m, s, e) < 0)
		return -1;
	int fb = first_byte(m->re);
	m->first = (int16_t)fb;
	m->first_alt = (int16_t)fb;
	if (fb >= 0 && (m->opts & PCRE2_CASELESS) && isalpha(fb)) {
		m->first = (int16_t)tolower(fb);
		m->first_alt = (int16_t)toupper(fb);
	}
	return 0;
}

static int add_match(struct probe_db *db, const char *line, bool soft, unsigned ln,
		     struct errbuf *e)
{
	if (db->n == 0)
		return err_set(e, "match before any Probe");
	struct probe *p = &db->p[db->n - 1];
	struct pmatch m;
	memset(&m, 0, sizeof(m));
	m.soft = soft;
	m.line = ln;
	if (parse_match(&m, line + (soft ? 9 : 5), e) < 0) {
		free_match(&m);
		return -1;
	}
	if (p->nm == p->capm) {
		size_t nc = p->capm ? p->capm * 2 : 16;
		struct pmatch *nm = realloc(p->m, nc * sizeof(*nm));
		if (!nm) {
			free_match(&m);
			return err_set(e, "out of memory");
		}
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
	probe_db_warm_join(db);
	for (size_t i = 0; i < db->n; i++) {
		struct probe *p = &db->p[i];
		for (size_t k = 0; k < p->nm; k++)
			free_match(&p->m[k]);
		free(p->m);
		free(p->name);
		free(p->payload);
		free(p->fallback);
		free(p->ports.r);
		free(p->sslports.r);
	}
	free(db->exclude_tcp.r);
	free(db->exclude_udp.r);
	free(db->p);
	free(db);
}

int probe_db_find(const struct probe_db *db, const char *name, bool udp)
{
	for (size_t i = 0; i < db->n; i++)
		if (db->p[i].udp == udp && strcmp(db->p[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A number directive's value: "rarity 3" -> 3; -1 when it is not a number in [lo, hi]. */
static long number_arg(const char *v, long lo, long hi)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < lo || n > hi)
		return -1;
	return n;
}

/* The directives that set something on the current probe. */
static int probe_directive(struct probe_db *db, const char *l, const char *v, struct errbuf *e)
{
	if (!db->n)
		return err_set(e, "'%.20s' before any Probe", l);
	struct probe *p = &db->p[db->n - 1];
	long n;
	if (strncmp(l, "fallback ", 9) == 0) {
		free(p->fallback);
		p->fallback = dupn(v, strlen(v));
		return p->fallback ? 0 : err_set(e, "out of memory");
	}
	if (strncmp(l, "ports ", 6) == 0)
		return parse_ports(&p->ports, v, e);
	if (strncmp(l, "sslports ", 9) == 0)
		return parse_ports(&p->sslports, v, e);
	if (strncmp(l, "rarity ", 7) == 0) {
		if ((n = number_arg(v, 1, 9)) < 0)
			return err_set(e, "rarity '%.20s' is not 1-9", v);
		p->rarity = (uint8_t)n;
		return 0;
	}
	bool wrapped = strncmp(l, "tcpwrappedms ", 13) == 0;
	if ((n = number_arg(v, 1, 600000)) < 0)
		return err_set(e, "%s '%.20s' is not a number of ms", wrapped ? "tcpwrappedms" :
						"totalwaitms", v);
	if (wrapped)
		p->tcpwrappedms = (unsigned)n;
	else
		p->totalwaitms = (unsigned)n;
	return 0;
}

static const char *const probe_directives[] = {"fallback ", "ports ", "sslports ", "rarity ",
					       "totalwaitms ", "tcpwrappedms "};

/* One non-empty, non-comment line. */
static int parse_line(struct probe_db *db, const char *l, unsigned ln, struct errbuf *e)
{
	if (strncmp(l, "Probe ", 6) == 0)
		return add_probe(db, l, e);
	if (strncmp(l, "match ", 6) == 0)
		return add_match(db, l, false, ln, e);
	if (strncmp(l, "softmatch ", 10) == 0)
		return add_match(db, l, true, ln, e);
	if (strncmp(l, "Exclude ", 8) == 0)
		return parse_exclude(db, l + 8, e);
	for (size_t i = 0; i < sizeof(probe_directives) / sizeof(probe_directives[0]); i++) {
		size_t dl = strlen(probe_directives[i]);
		if (strncmp(l, probe_directives[i], dl) == 0) {
			const char *v = l + dl;
			while (*v == ' ')
				v++;
			return probe_directive(db, l, v, e);
		}
	}
	return err_set(e, "unknown directive '%.30s'", l);
}

static void resolve_fallbacks(struct probe_db *db)
{
	for (size_t i = 0; i < db->n; i++) {
		struct probe *p = &db->p[i];
		if (!p->fallback)
			continue;
		char *save = NULL, *copy = dupn(p->fallback, strlen(p->fallback));
		for (char *t = copy ? strtok_r(copy, ", ", &save) : NULL;
		     t && p->nfb < PROBE_FALLBACK_MAX; t = strtok_r(NULL, ", ", &save)) {
			/* the same protocol's probe of that name, else the other's (Nmap's TCP
			 * DNSVersionBindReqTCP falls back on the UDP DNSVersionBindReq) */
			int k = probe_db_find(db, t, p->udp);
			if (k < 0)
				k = probe_db_find(db, t, !p->udp);
			if (k >= 0 && (size_t)k != i)
				p->fb[p->nfb++] = k;
		}
		free(copy);
	}
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
	enum { LINE_CAP = 16384 };
	char *line = malloc(LINE_CAP);
	if (!line) {
		free(db);
		err_set(e, "out of memory");
		return NULL;
	}
	unsigned ln = 0;
	size_t off = 0;
	struct errbuf le = {{0}};
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
		ln++;
		if (ll >= LINE_CAP) {
			err_set(e, "%s:%u: line too long", name, ln);
			goto fail;
		}
		memcpy(line, text + off, ll);
		line[ll] = 0;
		off += ll + (nl ? 1 : 0);
		while (ll && (line[ll - 1] == '\r' || line[ll - 1] == ' ' || line[ll - 1] == '\t'))
			line[--ll] = 0;
		const char *l = line;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		if (parse_line(db, l, ln, &le) < 0) {
			err_set(e, "%.200s:%u: %.280s", name, ln, le.msg);
			goto fail;
		}
	}
	free(line);
	line = NULL;
	resolve_fallbacks(db);
	if (db->n == 0) {
		err_set(e, "%s: no probes", name);
		goto fail;
	}
	return db;
fail:
	free(line);
	probe_db_free(db);
	return NULL;
}

struct probe_db *probe_db_load(const char *path, struct errbuf *e)
{
	size_t len;
	char *buf = file_read_all(path, 64u << 20, &len);
	if (!buf) {
		err_set(e, "cannot read service probes '%s': %s", path, strerror(errno));
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
	s->compiled = s->failed = 0;
	for (size_t i = 0; i < db->n; i++)
		for (size_t k = 0; k < db->p[i].nm; k++) {
			s->compiled += atomic_load(&db->p[i].m[k].code) != NULL;
			s->failed += atomic_load(&db->p[i].m[k].failed) != 0;
		}
}
