/* nmap-service-probes: the PCRE2 matcher, the version-field substitutions and the probe
 * planner (see probes.h). Written from the Nmap book's description of the format and of
 * the version-detection technique; no Nmap code. */
#include "core/followup/probes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/module.h"
#include "core/followup/probes_db.h"

struct probe_scratch {
	pcre2_match_data *md;
};

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

/* Publishes c in *slot unless another thread was first; returns the one published. */
static pcre2_code *publish(_Atomic(pcre2_code *) *slot, pcre2_code *c)
{
	pcre2_code *expected = NULL;
	if (atomic_compare_exchange_strong(slot, &expected, c))
		return c;
	pcre2_code_free(c);
	return expected;
}

/* A JIT compile costs as much as a hundred or so interpreted matches of a short answer,
 * and most patterns that are used at all are used a few times in a run (a port's rare
 * service): a pattern is JIT-compiled (a copy, as others may be matching with the
 * first) on its JIT_AFTER-th use. */
#define JIT_AFTER 256

/* The pattern compiled for the interpreter, on first need: see probes.h. */
static pcre2_code *interpreted(struct pmatch *m)
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
	return publish(&m->code, c);
}

/* The code to match with: the JIT copy once there is one, made on the JIT_AFTER-th use. */
static pcre2_code *compiled(struct pmatch *m)
{
	pcre2_code *j = atomic_load_explicit(&m->jit, memory_order_acquire);
	if (j)
		return j;
	pcre2_code *c = interpreted(m);
	if (c && atomic_fetch_add_explicit(&m->uses, 1, memory_order_relaxed) + 1 == JIT_AFTER) {
		pcre2_code *k = pcre2_code_copy(c);
		if (k && pcre2_jit_compile(k, PCRE2_JIT_COMPLETE) == 0)
			return publish(&m->jit, k);
		pcre2_code_free(k);
	}
	return c;
}

/* ---- compiling ahead ---- */

static bool warm_probe(struct probe_db *db, size_t pi)
{
	for (size_t i = 0; i < db->p[pi].nm; i++) {
		if (atomic_load_explicit(&db->warm_stop, memory_order_relaxed))
			return false;
		interpreted(&db->p[pi].m[i]);
	}
	return true;
}

/* The NULL probe's patterns first: greetings are the first answers a scan has. */
static void *warm_main(void *arg)
{
	struct probe_db *db = arg;
	if (db->null_probe >= 0 && !warm_probe(db, (size_t)db->null_probe))
		return NULL;
	for (size_t pi = 0; pi < db->n; pi++)
		if ((int)pi != db->null_probe && !warm_probe(db, pi))
			return NULL;
	return NULL;
}

void probe_db_warm(struct probe_db *db)
{
	if (db && !db->warming)
		db->warming = pthread_create(&db->warm, NULL, warm_main, db) == 0;
}

void probe_db_warm_wait(struct probe_db *db)
{
	if (db->warming)
		pthread_join(db->warm, NULL);
	db->warming = false;
}

void probe_db_warm_join(struct probe_db *db)
{
	atomic_store(&db->warm_stop, true);
	probe_db_warm_wait(db);
}

/* ---- substitutions ---- */

struct groups {
	const uint8_t *subj;
	const size_t *ov; /* pairs: start, end (PROBE_UNSET: the group did not take part) */
	uint32_t n;
};

/* Appends group g to out. mode: 0 raw, 'P' printable only. */
static void put_group(const struct groups *gr, int g, int mode, char *out, size_t cap, size_t *k)
{
	if (g < 0 || (uint32_t)g >= gr->n || gr->ov[2 * g] == PROBE_UNSET ||
	    gr->ov[2 * g + 1] < gr->ov[2 * g])
		return;
	for (size_t i = gr->ov[2 * g]; i < gr->ov[2 * g + 1] && *k + 1 < cap; i++) {
		uint8_t c = gr->subj[i];
		if (mode == 'P' && (c < 0x20 || c >= 0x7f))
			continue;
		out[(*k)++] = (char)c;
	}
}

/* $SUBST(g,"a","b") at t: every "a" in group g replaced by "b". The text after it, or NULL. */
static const char *subst(const char *t, const struct groups *gr, char *out, size_t cap, size_t *k)
{
	int g = t[7] - '0';
	const char *a = strchr(t + 8, '"');
	const char *ae = a ? strchr(a + 1, '"') : NULL;
	const char *b = ae ? strchr(ae + 1, '"') : NULL;
	const char *be = b ? strchr(b + 1, '"') : NULL;
	const char *close = be ? strchr(be + 1, ')') : NULL;
	if (!close)
		return NULL;
	char grp[256];
	size_t gk = 0;
	put_group(gr, g, 0, grp, sizeof(grp), &gk);
	size_t al = (size_t)(ae - a - 1), bl = (size_t)(be - b - 1);
	for (size_t i = 0; i < gk && *k + 1 < cap;) {
		if (al && i + al <= gk && memcmp(grp + i, a + 1, al) == 0) {
			for (size_t j = 0; j < bl && *k + 1 < cap; j++)
				out[(*k)++] = b[1 + j];
			i += al;
		} else {
			out[(*k)++] = grp[i++];
		}
	}
	return close + 1;
}

/* $I(g,">") at t: group g as an unsigned big-endian (">") or little-endian ("<") integer. */
static const char *integer(const char *t, const struct groups *gr, char *out, size_t cap,
			   size_t *k)
{
	int g = t[3] - '0';
	if (t[4] != ',' || t[5] != '"' || (t[6] != '>' && t[6] != '<') || t[7] != '"' ||
	    t[8] != ')')
		return NULL;
	bool little = t[6] == '<';
	unsigned long long v = 0;
	if ((uint32_t)g < gr->n && gr->ov[2 * g] != PROBE_UNSET && gr->ov[2 * g + 1] >= gr->ov[2 * g]) {
		size_t n = gr->ov[2 * g + 1] - gr->ov[2 * g];
		for (size_t i = 0; i < n && i < 8; i++) {
			uint8_t c = gr->subj[gr->ov[2 * g] + (little ? n - 1 - i : i)];
			v = v << 8 | c;
		}
	}
	int w = snprintf(out + *k, cap - *k, "%llu", v);
	if (w > 0)
		*k += (size_t)w < cap - *k ? (size_t)w : cap - *k - 1;
	return t + 9;
}

void probe_expand(const char *t, const uint8_t *subj, const size_t *ov, uint32_t ngroups,
		  char *out, size_t cap)
{
	if (!cap)
		return;
	struct groups gr = {subj, ov, ngroups};
	size_t k = 0;
	while (*t && k + 1 < cap) {
		const char *next = NULL;
		if (t[0] == '$' && isdigit((unsigned char)t[1])) {
			put_group(&gr, t[1] - '0', 0, out, cap, &k);
			next = t + 2;
		} else if (strncmp(t, "$P(", 3) == 0 && isdigit((unsigned char)t[3]) &&
			   t[4] == ')') {
			put_group(&gr, t[3] - '0', 'P', out, cap, &k);
			next = t + 5;
		} else if (strncmp(t, "$SUBST(", 7) == 0 && isdigit((unsigned char)t[7])) {
			next = subst(t, &gr, out, cap, &k);
		} else if (strncmp(t, "$I(", 3) == 0 && isdigit((unsigned char)t[3])) {
			next = integer(t, &gr, out, cap, &k);
		}
		if (next) {
			t = next;
			continue;
		}
		out[k++] = *t++; /* a literal (also a malformed $... written as it is) */
	}
	out[k] = 0;
}

/* ---- matching ---- */

static void fill_result(const struct probe *p, const struct pmatch *m, const struct groups *gr,
			struct grab_result *r)
{
	char buf[256];
	GRAB_SETS(r->service, m->service);
	r->product[0] = r->version[0] = r->info[0] = r->ostype[0] = r->cpe[0] = 0;
	r->hostname[0] = r->devicetype[0] = 0;
	memset(r->cpe_more, 0, sizeof(r->cpe_more));
	char *const dst[T_N] = {r->product, r->version, r->info, r->hostname, r->ostype,
				r->devicetype};
	const size_t cap[T_N] = {sizeof(r->product), sizeof(r->version), sizeof(r->info),
				 sizeof(r->hostname), sizeof(r->ostype), sizeof(r->devicetype)};
	for (int t = 0; t < T_N; t++) {
		if (!m->tmpl[t])
			continue;
		probe_expand(m->tmpl[t], gr->subj, gr->ov, gr->n, buf, sizeof(buf));
		grab_set(dst[t], cap[t], buf, strlen(buf));
	}
	for (int i = 0; i < PMATCH_CPE_MAX && m->cpe[i]; i++) {
		probe_expand(m->cpe[i], gr->subj, gr->ov, gr->n, buf, sizeof(buf));
		char cpe[sizeof(r->cpe)];
		snprintf(cpe, sizeof(cpe), "cpe:/%s", buf);
		if (i == 0)
			GRAB_SETS(r->cpe, cpe);
		else
			GRAB_SETS(r->cpe_more[i - 1], cpe);
	}
	GRAB_SETS(r->probe, p->name);
	GRAB_SETS(r->method, "probed");
	r->conf = 10;
	r->softmatched = 0;
	grab_fieldf(r, "nmap.match", "%s line %u", p->name, m->line);
}

/* The matches of probe pi on subj. soft: the service a softmatch gave ("" none), then only
 * matches of that service are tried. */
static int try_probe(const struct probe_db *db, struct probe_scratch *sc, int pi,
		     const uint8_t *subj, size_t n, struct grab_result *r, char *soft, size_t softcap)
{
	struct probe *p = &db->p[pi];
	int16_t b = n ? subj[0] : -2;
	for (size_t i = 0; i < p->nm; i++) {
		struct pmatch *m = &p->m[i];
		if (m->first >= 0 && m->first != b && m->first_alt != b)
			continue;
		if (soft[0] && m->soft) /* one softmatch is enough; hard matches refine it */
			continue;
		pcre2_code *c = compiled(m);
		int rc = c ? pcre2_match(c, subj, n, 0, 0, sc->md, NULL) : -1;
		if (rc < 0)
			continue;
		if (r) {
			/* rc: groups up to the last one set (later ones did not take part) */
			uint32_t ng = rc == 0 ? pcre2_get_ovector_count(sc->md) : (uint32_t)rc;
			struct groups gr = {subj, pcre2_get_ovector_pointer(sc->md), ng};
			fill_result(p, m, &gr, r); /* a softmatch's p/ v/ too: Nmap reports them */
			r->softmatched = m->soft;
		}
		if (m->soft) {
			snprintf(soft, softcap, "%s", m->service);
			continue;
		}
		return 2;
	}
	return 0;
}

/* The probes one answer was matched against already: the HTTP module's three probes
 * each fall back on GetRequest and then the NULL probe, ~27k patterns where ~9k are
 * distinct. A second try could only find what the first did not (a hard match ends
 * the walk; once a softmatch is kept, only hard matches are tried). */
#define TRIED_MAX 64
struct tried {
	int pi[TRIED_MAX];
	unsigned n;
};

static bool first_try(struct tried *t, int pi)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->pi[i] == pi)
			return false;
	if (t->n < TRIED_MAX)
		t->pi[t->n++] = pi;
	return true;
}

static int try_once(const struct probe_db *db, struct probe_scratch *sc, struct tried *t, int pi,
		    const uint8_t *a, size_t n, struct grab_result *r, char *soft, size_t cap)
{
	return first_try(t, pi) ? try_probe(db, sc, pi, a, n, r, soft, cap) : 0;
}

/* Probe pi's matches, then its fallbacks', then (TCP) the NULL probe's, on one answer. */
static int match_answer(const struct probe_db *db, struct probe_scratch *sc, struct tried *t,
			int pi, const uint8_t *a, size_t n, struct grab_result *r, char *soft,
			size_t cap)
{
	if (try_once(db, sc, t, pi, a, n, r, soft, cap))
		return 2;
	for (int f = 0; f < db->p[pi].nfb; f++)
		if (try_once(db, sc, t, db->p[pi].fb[f], a, n, r, soft, cap))
			return 2;
	if (!db->p[pi].udp && db->null_probe >= 0 &&
	    try_once(db, sc, t, db->null_probe, a, n, r, soft, cap))
		return 2;
	return 0;
}

int probe_db_match(const struct probe_db *db, struct probe_scratch *sc,
		   const char *const *probes, const uint8_t *greeting, size_t greeting_len,
		   const uint8_t *answer, size_t answer_len, struct grab_result *r)
{
	char soft[32] = "";
	if (greeting_len && db->null_probe >= 0 &&
	    try_probe(db, sc, db->null_probe, greeting, greeting_len, r, soft, sizeof(soft)))
		return 2;
	struct tried t = {.n = 0};
	for (size_t i = 0; answer_len && probes && probes[i]; i++) {
		int pi = probe_db_find(db, probes[i], false);
		if (pi >= 0 && match_answer(db, sc, &t, pi, answer, answer_len, r, soft, sizeof(soft)))
			return 2;
	}
	/* Nmap's implicit fallback: the NULL probe's matches apply to any answer */
	if (answer_len && db->null_probe >= 0 &&
	    try_once(db, sc, &t, db->null_probe, answer, answer_len, r, soft, sizeof(soft)))
		return 2;
	return soft[0] ? 1 : 0;
}

int probe_db_match_probe(const struct probe_db *db, struct probe_scratch *sc, int probe,
			 const uint8_t *answer, size_t len, struct grab_result *r, char *soft,
			 size_t softcap)
{
	if (probe < 0 || (size_t)probe >= db->n || !len)
		return 0;
	struct tried t = {.n = 0};
	return match_answer(db, sc, &t, probe, answer, len, r, soft, softcap);
}

/* ---- the plan ---- */

bool probe_db_excluded(const struct probe_db *db, uint16_t port, bool udp)
{
	return portset_has(udp ? &db->exclude_udp : &db->exclude_tcp, port);
}

/* Could probe p's answer name `service` (a softmatch's) more precisely? */
static bool can_refine(const struct probe_db *db, const struct probe *p, const char *service)
{
	for (size_t i = 0; i < p->nm; i++)
		if (!p->m[i].soft && strcmp(p->m[i].service, service) == 0)
			return true;
	for (int f = 0; f < p->nfb; f++) {
		const struct probe *q = &db->p[p->fb[f]];
		for (size_t i = 0; i < q->nm; i++)
			if (!q->m[i].soft && strcmp(q->m[i].service, service) == 0)
				return true;
	}
	return false;
}

bool probe_db_can_refine(const struct probe_db *db, int probe, const char *service)
{
	if (probe < 0 || (size_t)probe >= db->n)
		return false;
	return !service || !service[0] || can_refine(db, &db->p[probe], service);
}

unsigned probe_db_plan(const struct probe_db *db, uint16_t port, bool udp, bool tls,
		       unsigned intensity, int *out, unsigned max)
{
	unsigned n = 0;
	/* first the probes registered for the port (any rarity), in file order */
	for (size_t i = 0; i < db->n && n < max; i++) {
		const struct probe *p = &db->p[i];
		if (p->udp != udp || (int)i == db->null_probe)
			continue;
		if (portset_has(tls ? &p->sslports : &p->ports, port))
			out[n++] = (int)i;
	}
	for (size_t i = 0; i < db->n && n < max; i++) {
		const struct probe *p = &db->p[i];
		if (p->udp != udp || (int)i == db->null_probe || p->rarity > intensity)
			continue;
		if (portset_has(tls ? &p->sslports : &p->ports, port))
			continue; /* already first */
		out[n++] = (int)i;
	}
	return n;
}

const char *probe_db_probe_name(const struct probe_db *db, int probe)
{
	return probe >= 0 && (size_t)probe < db->n ? db->p[probe].name : "";
}

const uint8_t *probe_db_payload(const struct probe_db *db, int probe, size_t *len)
{
	*len = db->p[probe].payload_len;
	return db->p[probe].payload;
}

unsigned probe_db_waitms(const struct probe_db *db, int probe, unsigned dflt)
{
	unsigned w = probe >= 0 && (size_t)probe < db->n ? db->p[probe].totalwaitms : 0;
	return w ? w : dflt;
}

unsigned probe_db_tcpwrappedms(const struct probe_db *db)
{
	unsigned w = db->null_probe >= 0 ? db->p[db->null_probe].tcpwrappedms : 0;
	return w ? w : 3000;
}

int probe_db_null(const struct probe_db *db)
{
	return db->null_probe;
}
