/* nmap-os-db parser and matcher (nmap_os_db.h). The syntax and the scoring are nmap's
 * documented ones; the code is orbit's. All strings live in one mutable copy of the
 * text (split in place), tests and attributes in two flat arrays. */
#include "core/osfp/nmap_os_db.h"
#include "core/base/file.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct attr {
	const char *key, *val;
};

struct test {
	const char *name;
	size_t attr0, nattr;
};

struct store {
	char *text;
	struct test *tests;
	size_t ntests, tests_cap;
	struct attr *attrs;
	size_t nattrs, attrs_cap;
	struct nmap_os_class *classes;
	size_t nclasses, classes_cap;
	const char **cpes;
	size_t *cpe_class; /* the Class line (store index) each CPE line follows */
	size_t ncpes, cpes_cap, cpe_class_cap;
};

struct nmap_fp {
	struct store *st;
	const char *name;
	size_t test0, ntests, class0, nclass, cpe0, ncpe;
	bool owns_store; /* a subject: its own store */
};

struct nmap_os_db {
	struct store st;
	struct nmap_fp *fps;
	size_t nfps, fps_cap;
	struct nmap_fp points; /* MatchPoints: values are decimal weights */
	bool have_points;
};

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 256;
	void *p = realloc(*v, c * size);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}

static void store_free(struct store *st)
{
	free(st->text);
	free(st->tests);
	free(st->attrs);
	free(st->classes);
	free(st->cpes);
	free(st->cpe_class);
}

static char *trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* "NAME(K=V%K=V)" into the store, in place. false: not a test line. */
static bool parse_test_line(struct store *st, char *line)
{
	char *open = strchr(line, '(');
	size_t len = strlen(line);
	if (!open || open == line || len < 2 || line[len - 1] != ')' || open - line > 7)
		return false;
	for (char *p = line; p < open; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	line[len - 1] = 0;
	*open = 0;
	if (!grow((void **)&st->tests, &st->tests_cap, st->ntests, sizeof *st->tests))
		return false;
	struct test t = {line, st->nattrs, 0};
	char *p = open + 1;
	while (*p) {
		char *pct = strchr(p, '%');
		if (pct)
			*pct = 0;
		char *eq = strchr(p, '=');
		if (eq && eq != p) {
			*eq = 0;
			if (!grow((void **)&st->attrs, &st->attrs_cap, st->nattrs, sizeof *st->attrs))
				return false;
			st->attrs[st->nattrs++] = (struct attr){p, eq + 1};
			t.nattr++;
		}
		if (!pct)
			break;
		p = pct + 1;
	}
	st->tests[st->ntests++] = t;
	return true;
}

/* "Class vendor | family | gen | type" */
static bool parse_class(struct store *st, char *v)
{
	if (!grow((void **)&st->classes, &st->classes_cap, st->nclasses, sizeof *st->classes))
		return false;
	const char *f[4] = {"", "", "", ""};
	for (int i = 0; i < 4 && v; i++) {
		char *bar = strchr(v, '|');
		if (bar)
			*bar = 0;
		f[i] = trim(v);
		v = bar ? bar + 1 : NULL;
	}
	st->classes[st->nclasses++] = (struct nmap_os_class){f[0], f[1], f[2], f[3]};
	return true;
}

static bool parse_cpe(struct store *st, char *v)
{
	if (!grow((void **)&st->cpes, &st->cpes_cap, st->ncpes, sizeof *st->cpes) ||
	    !grow((void **)&st->cpe_class, &st->cpe_class_cap, st->ncpes, sizeof *st->cpe_class))
		return false;
	st->cpe_class[st->ncpes] = st->nclasses ? st->nclasses - 1 : SIZE_MAX;
	char *sp = strchr(v, ' '); /* drop the trailing "auto" */
	if (sp)
		*sp = 0;
	st->cpes[st->ncpes++] = v;
	return true;
}

static void fp_begin(struct nmap_fp *fp, struct store *st, const char *name)
{
	*fp = (struct nmap_fp){st, name, st->ntests, 0, st->nclasses, 0, st->ncpes, 0, false};
}

static void fp_end(struct nmap_fp *fp)
{
	fp->ntests = fp->st->ntests - fp->test0;
	fp->nclass = fp->st->nclasses - fp->class0;
	fp->ncpe = fp->st->ncpes - fp->cpe0;
}

/* One line of the db. cur: the fingerprint being read (NULL before the first). */
static bool db_line(struct nmap_os_db *db, struct nmap_fp **cur, char *line, size_t *bad)
{
	if (strncmp(line, "Fingerprint ", 12) == 0 || strcmp(line, "MatchPoints") == 0) {
		if (*cur)
			fp_end(*cur);
		if (strcmp(line, "MatchPoints") == 0) {
			*cur = &db->points;
			db->have_points = true;
		} else {
			if (!grow((void **)&db->fps, &db->fps_cap, db->nfps, sizeof *db->fps))
				return false;
			*cur = &db->fps[db->nfps++];
		}
		fp_begin(*cur, &db->st, trim(line + (line[0] == 'F' ? 12 : 11)));
		return true;
	}
	if (!*cur) {
		(*bad)++;
		return true;
	}
	bool ok = strncmp(line, "Class ", 6) == 0  ? parse_class(&db->st, line + 6)
		  : strncmp(line, "CPE ", 4) == 0  ? parse_cpe(&db->st, trim(line + 4))
						   : parse_test_line(&db->st, line);
	if (!ok)
		(*bad)++;
	return true;
}

static struct nmap_os_db *db_finish(struct nmap_os_db *db, struct nmap_fp *cur)
{
	if (cur)
		fp_end(cur);
	return db;
}

struct nmap_os_db *nmap_os_db_parse(const char *text, size_t len, size_t *bad)
{
	size_t nbad = 0;
	struct nmap_os_db *db = calloc(1, sizeof *db);
	if (!db || !(db->st.text = malloc(len + 1))) {
		free(db);
		return NULL;
	}
	memcpy(db->st.text, text, len);
	db->st.text[len] = 0;
	struct nmap_fp *cur = NULL;
	for (char *p = db->st.text, *next; p; p = next) {
		char *nl = memchr(p, '\n', (size_t)(db->st.text + len - p));
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		char *line = trim(p);
		if (!*line || *line == '#')
			continue;
		/* db_line() ends the current fingerprint before the array can move */
		if (!db_line(db, &cur, line, &nbad)) {
			nmap_os_db_free(db);
			return NULL;
		}
	}
	if (bad)
		*bad = nbad;
	return db_finish(db, cur);
}

struct nmap_os_db *nmap_os_db_load(const char *path)
{
	size_t n;
	char *buf = file_read_all(path ? path : NMAP_OS_DB_PATH, 256u << 20, &n);
	struct nmap_os_db *db = buf ? nmap_os_db_parse(buf, n, NULL) : NULL;
	free(buf);
	return db;
}

void nmap_os_db_free(struct nmap_os_db *db)
{
	if (!db)
		return;
	store_free(&db->st);
	free(db->fps);
	free(db);
}

size_t nmap_os_db_count(const struct nmap_os_db *db)
{
	return db ? db->nfps : 0;
}

const struct nmap_fp *nmap_os_db_entry(const struct nmap_os_db *db, size_t i)
{
	return i < db->nfps ? &db->fps[i] : NULL;
}

const char *nmap_fp_name(const struct nmap_fp *fp)
{
	return fp->name;
}

size_t nmap_fp_class_count(const struct nmap_fp *fp)
{
	return fp->nclass;
}

struct nmap_os_class nmap_fp_class(const struct nmap_fp *fp, size_t i)
{
	return fp->st->classes[fp->class0 + i];
}

size_t nmap_fp_cpe_count(const struct nmap_fp *fp)
{
	return fp->ncpe;
}

const char *nmap_fp_cpe(const struct nmap_fp *fp, size_t i)
{
	return fp->st->cpes[fp->cpe0 + i];
}

size_t nmap_fp_cpe_class(const struct nmap_fp *fp, size_t i)
{
	size_t c = fp->st->cpe_class[fp->cpe0 + i];
	return c >= fp->class0 && c < fp->class0 + fp->nclass ? c - fp->class0 : SIZE_MAX;
}

char *nmap_fp_text(const struct nmap_fp *fp)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	for (size_t t = 0; t < fp->ntests; t++) {
		const struct test *ts = &fp->st->tests[fp->test0 + t];
		fprintf(f, "%s(", ts->name);
		for (size_t a = 0; a < ts->nattr; a++) {
			const struct attr *at = &fp->st->attrs[ts->attr0 + a];
			fprintf(f, "%s%s=%s", a ? "%" : "", at->key, at->val);
		}
		fputs(")\n", f);
	}
	fclose(f);
	return out;
}

struct nmap_fp *nmap_fp_parse_subject(const char *text, size_t len)
{
	struct nmap_fp *fp = calloc(1, sizeof *fp);
	struct store *st = calloc(1, sizeof *st);
	if (!fp || !st || !(st->text = malloc(len + 1))) {
		free(fp);
		free(st);
		return NULL;
	}
	memcpy(st->text, text, len);
	st->text[len] = 0;
	fp_begin(fp, st, "");
	fp->owns_store = true;
	for (char *p = st->text, *next; p; p = next) {
		char *nl = memchr(p, '\n', (size_t)(st->text + len - p));
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		char *line = trim(p);
		if (*line)
			parse_test_line(st, line); /* other lines: not tests, ignored */
	}
	fp_end(fp);
	return fp;
}

void nmap_fp_free(struct nmap_fp *fp)
{
	if (!fp || !fp->owns_store)
		return;
	store_free(fp->st);
	free(fp->st);
	free(fp);
}

/* A hex number, the whole of [s, e). */
static bool hex_value(const char *s, const char *e, uint64_t *v)
{
	if (s == e || e - s > 16)
		return false;
	uint64_t x = 0;
	for (; s < e; s++) {
		int d = isdigit((unsigned char)*s) ? *s - '0'
			: (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
			: (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 : -1;
		if (d < 0)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

static bool alt_matches(const char *a, const char *e, const char *value)
{
	size_t vl = strlen(value);
	uint64_t v, lo, hi;
	bool num = hex_value(value, value + vl, &v);
	if (e - a > 1 && (*a == '>' || *a == '<'))
		return num && hex_value(a + 1, e, &lo) && (*a == '>' ? v > lo : v < lo);
	const char *dash = memchr(a, '-', (size_t)(e - a));
	if (dash && dash > a && num && hex_value(a, dash, &lo) && hex_value(dash + 1, e, &hi))
		return v >= lo && v <= hi;
	return (size_t)(e - a) == vl && memcmp(a, value, vl) == 0;
}

bool nmap_expr_matches(const char *expr, const char *value)
{
	for (const char *a = expr;;) {
		const char *bar = strchr(a, '|');
		const char *e = bar ? bar : a + strlen(a);
		if (alt_matches(a, e, value))
			return true;
		if (!bar)
			return false;
		a = bar + 1;
	}
}

static const struct test *find_test(const struct nmap_fp *fp, const char *name)
{
	for (size_t t = 0; t < fp->ntests; t++)
		if (strcmp(fp->st->tests[fp->test0 + t].name, name) == 0)
			return &fp->st->tests[fp->test0 + t];
	return NULL;
}

static const char *find_attr(const struct store *st, const struct test *t, const char *key)
{
	for (size_t a = 0; a < t->nattr; a++)
		if (strcmp(st->attrs[t->attr0 + a].key, key) == 0)
			return st->attrs[t->attr0 + a].val;
	return NULL;
}

/* A MatchPoints weight: a decimal up to 10000 (anything else weighs nothing). */
static bool weight(const char *w, unsigned long *out)
{
	unsigned long v = 0;
	if (!*w || strlen(w) > 5)
		return false;
	for (; *w; w++) {
		if (!isdigit((unsigned char)*w))
			return false;
		v = v * 10 + (unsigned long)(*w - '0');
	}
	*out = v;
	return v <= 10000;
}

static double accuracy(const struct nmap_os_db *db, const struct nmap_fp *ref,
		       const struct nmap_fp *subj)
{
	unsigned long score = 0, possible = 0;
	for (size_t t = 0; t < subj->ntests; t++) {
		const struct test *st = &subj->st->tests[subj->test0 + t];
		const struct test *rt = find_test(ref, st->name);
		const struct test *pt = db->have_points ? find_test(&db->points, st->name) : NULL;
		if (!rt)
			continue;
		for (size_t a = 0; a < st->nattr; a++) {
			const struct attr *sa = &subj->st->attrs[st->attr0 + a];
			const char *expr = find_attr(ref->st, rt, sa->key);
			const char *w = pt ? find_attr(&db->st, pt, sa->key) : "1";
			unsigned long points;
			if (!expr || !w || !weight(w, &points))
				continue;
			possible += points;
			if (nmap_expr_matches(expr, sa->val))
				score += points;
		}
	}
	return possible ? (double)score / (double)possible : 0.0;
}

double nmap_os_accuracy(const struct nmap_os_db *db, const struct nmap_fp *ref,
			const struct nmap_fp *subject)
{
	return accuracy(db, ref, subject);
}

size_t nmap_os_match(const struct nmap_os_db *db, const struct nmap_fp *subject,
		     struct nmap_os_match *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; db && i < db->nfps && max; i++) {
		double acc = accuracy(db, &db->fps[i], subject);
		if (n == max && acc <= out[n - 1].accuracy)
			continue;
		size_t at = n < max ? n++ : n - 1; /* insertion sort, best first, stable */
		while (at > 0 && out[at - 1].accuracy < acc) {
			out[at] = out[at - 1];
			at--;
		}
		out[at] = (struct nmap_os_match){i, acc};
	}
	return n;
}
