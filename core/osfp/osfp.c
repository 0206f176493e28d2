/* Passive OS fingerprinting: the signature text, the sig-file parser, the matcher
 * (osfp.h). The syntax is p0f v3's documented format; the code is orbit's own. */
#include "core/osfp/osfp.h"
#include "core/base/file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TTL_DISTANCE 35 /* farther than this from the sig's TTL: only a fuzzy match */
#define ANY -1

/* p0f's quirks, in the order p0f prints them. */
enum quirk {
	Q_DF, Q_ID_PLUS, Q_ID_MINUS, Q_ECN, Q_ZERO_PLUS, Q_FLOW, Q_SEQ_MINUS, Q_ACK_PLUS,
	Q_ACK_MINUS, Q_UPTR_PLUS, Q_URGF_PLUS, Q_PUSHF_PLUS, Q_TS1_MINUS, Q_TS2_PLUS,
	Q_OPT_PLUS, Q_EXWS, Q_BAD, Q_COUNT
};
static const char *const quirk_names[Q_COUNT] = {
	"df", "id+", "id-", "ecn", "0+", "flow", "seq-", "ack+", "ack-", "uptr+", "urgf+",
	"pushf+", "ts1-", "ts2+", "opt+", "exws", "bad",
};
/* A sig whose quirks differ from the reply's only in these still matches, fuzzily
 * (p0f's own fuzzy rule: middleboxes rewrite DF and the IP ID). */
#define FUZZY_QUIRKS ((1u << Q_DF) | (1u << Q_ID_PLUS) | (1u << Q_ID_MINUS))

enum wsize_kind { WS_ANY, WS_EXACT, WS_MSS, WS_MTU, WS_MOD };

struct sig {
	int ver, ittl, olen, mss, scale, pclass;
	enum wsize_kind wsize_kind;
	unsigned wsize;
	uint8_t layout[TCP_LAYOUT_SLOTS];
	unsigned nlayout, eol_pad;
	unsigned quirks;
	unsigned profiles; /* enum osfp_profile bits */
	size_t label;      /* index into db->labels */
};

struct label {
	char *name, *klass;
	const char *source;
	bool generic; /* p0f's "g:" labels: a family, not a system */
};

struct osfp_db {
	struct sig *sigs;
	size_t nsigs, sigs_cap;
	struct label *labels;
	size_t nlabels, labels_cap;
};

unsigned osfp_profile_from_name(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"linux", OSFP_PROFILE_LINUX},
		     {"windows", OSFP_PROFILE_WINDOWS},
		     {"mss-only", OSFP_PROFILE_MSS_ONLY},
		     {"none", OSFP_PROFILE_NONE}};
	for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].bit;
	return 0;
}

/* Which layout codes a profile's SYN offered (bit per code): orbit's SYN options
 * (core/probe/tcp_syn.c). NOP and EOL are padding, always possible; MSS too (RFC 9293:
 * a SYN-ACK may carry it unasked, and Linux does: the lab's answer to a bare SYN). */
static unsigned offered_codes(unsigned profile)
{
	unsigned pad = 1u << TCP_LAYOUT_NOP | 1u << TCP_LAYOUT_EOL | 1u << TCP_LAYOUT_MSS;
	unsigned codes = 0;
	if (profile & OSFP_PROFILE_LINUX)
		codes |= 1u << TCP_LAYOUT_MSS | 1u << TCP_LAYOUT_SOK | 1u << TCP_LAYOUT_TS |
			 1u << TCP_LAYOUT_WS;
	if (profile & OSFP_PROFILE_WINDOWS)
		codes |= 1u << TCP_LAYOUT_MSS | 1u << TCP_LAYOUT_SOK | 1u << TCP_LAYOUT_WS;
	if (profile & OSFP_PROFILE_MSS_ONLY)
		codes |= 1u << TCP_LAYOUT_MSS;
	return codes | pad;
}

unsigned osfp_initial_ttl(unsigned ttl)
{
	return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/* The reply's layout as codes; EOL's two count nibbles folded into eol_pad. */
static unsigned layout_decode(uint64_t layout, uint8_t codes[TCP_LAYOUT_SLOTS],
			      unsigned *eol_pad)
{
	unsigned n = 0;
	*eol_pad = 0;
	for (unsigned slot = 0; slot < TCP_LAYOUT_SLOTS; slot++) {
		unsigned c = (unsigned)(layout >> (4 * slot)) & 0x0f;
		if (c == TCP_LAYOUT_END)
			break;
		codes[n++] = (uint8_t)(c > TCP_LAYOUT_OTHER ? TCP_LAYOUT_OTHER : c); /* not from RX */
		if (c == TCP_LAYOUT_EOL) {
			unsigned lo = slot + 1 < TCP_LAYOUT_SLOTS ? (layout >> (4 * (slot + 1))) & 0xf : 0;
			unsigned hi = slot + 2 < TCP_LAYOUT_SLOTS ? (layout >> (4 * (slot + 2))) & 0xf : 0;
			*eol_pad = (unsigned)(lo | hi << 4);
			break;
		}
	}
	return n;
}

static unsigned option_bytes(const uint8_t *codes, unsigned n, unsigned eol_pad)
{
	static const unsigned len[] = {[TCP_LAYOUT_NOP] = 1, [TCP_LAYOUT_MSS] = 4,
				       [TCP_LAYOUT_WS] = 3, [TCP_LAYOUT_SOK] = 2,
				       [TCP_LAYOUT_SACK] = 10, [TCP_LAYOUT_TS] = 10,
				       [TCP_LAYOUT_EOL] = 1, [TCP_LAYOUT_OTHER] = 2};
	unsigned sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += codes[i] <= TCP_LAYOUT_OTHER ? len[codes[i]] : 0;
	return sum + eol_pad;
}

static bool is_tcp_reply(const struct scan_result *r)
{
	return r->proto == 6 && (r->reason == REASON_SYN_ACK || r->reason == REASON_RESET);
}

static unsigned observed_quirks(const struct scan_result *r)
{
	unsigned q = 0;
	bool df = r->ip_bits & RESULT_IP_DF;
	if (df)
		q |= 1u << Q_DF | (r->ip_id ? 1u << Q_ID_PLUS : 0);
	else if (!r->ip_id)
		q |= 1u << Q_ID_MINUS;
	/* our SYN asked for no ECN: ECN bits in IP, or ECE/CWR in the reply, are the host's */
	if ((r->ip_bits & RESULT_IP_ECN_MASK) || (r->tcp_flags & 0xc0))
		q |= 1u << Q_ECN;
	if (r->ip_bits & RESULT_IP_RESERVED)
		q |= 1u << Q_ZERO_PLUS;
	if (r->tcp_quirks & TCPQ_SEQ_ZERO)
		q |= 1u << Q_SEQ_MINUS;
	if (r->tcp_quirks & TCPQ_URP_NONZERO)
		q |= 1u << Q_UPTR_PLUS;
	if (r->tcp_flags & 0x20)
		q |= 1u << Q_URGF_PLUS;
	if (r->tcp_flags & 0x08)
		q |= 1u << Q_PUSHF_PLUS;
	if ((r->tcp_opts & TCPOPT_HAS_TIMESTAMP) && r->tcp_tsval == 0)
		q |= 1u << Q_TS1_MINUS;
	if (r->tcp_quirks & TCPQ_OPT_AFTER_EOL)
		q |= 1u << Q_OPT_PLUS;
	if ((r->tcp_opts & TCPOPT_HAS_WSCALE) && r->tcp_wscale > 14)
		q |= 1u << Q_EXWS;
	if (r->tcp_quirks & TCPQ_OPT_BAD)
		q |= 1u << Q_BAD;
	return q;
}

static const char *const code_names[] = {
	[TCP_LAYOUT_NOP] = "nop", [TCP_LAYOUT_MSS] = "mss", [TCP_LAYOUT_WS] = "ws",
	[TCP_LAYOUT_SOK] = "sok", [TCP_LAYOUT_SACK] = "sack", [TCP_LAYOUT_TS] = "ts",
	[TCP_LAYOUT_EOL] = "eol", [TCP_LAYOUT_OTHER] = "?",
};

/* The MSS the window is a multiple of, as p0f reads it: the MSS option, the MSS less a
 * timestamp option's 12 bytes, or the MTU (MSS + 40); 0 when none divides it. */
static unsigned mtu_of(const struct scan_result *r)
{
	return r->tcp_mss + 40u;
}

static unsigned window_unit(const struct scan_result *r)
{
	if (!(r->tcp_opts & TCPOPT_HAS_MSS) || !r->tcp_mss || !r->tcp_window)
		return 0;
	unsigned mss = r->tcp_mss, w = r->tcp_window;
	if (w % mss == 0)
		return mss;
	if ((r->tcp_opts & TCPOPT_HAS_TIMESTAMP) && mss > 12 && w % (mss - 12) == 0)
		return mss - 12;
	if (w % (mss + 40) == 0)
		return mss + 40;
	return 0;
}

/* snprintf into buf + *at, keeping *at within cap. */
#define APPEND(...)                                                                       \
	do {                                                                              \
		int w_ = snprintf(buf + at, at < cap ? cap - at : 0, __VA_ARGS__);       \
		total += w_ > 0 ? (size_t)w_ : 0;                                         \
		at = total < cap ? total : cap;                                           \
	} while (0)

int osfp_signature_text(const struct scan_result *r, char *buf, size_t cap)
{
	size_t total = 0, at = 0;
	if (cap)
		buf[0] = 0;
	if (!is_tcp_reply(r))
		return 0;
	uint8_t codes[TCP_LAYOUT_SLOTS];
	unsigned eol_pad, n = layout_decode(r->tcp_layout, codes, &eol_pad);
	/* p0f's raw_sig form: the TTL seen, "+" the hops to the initial TTL */
	APPEND("4:%u+%u:0:", r->ttl, osfp_initial_ttl(r->ttl) - r->ttl);
	if (r->tcp_opts & TCPOPT_HAS_MSS)
		APPEND("%u", r->tcp_mss);
	else
		APPEND("*");
	unsigned unit = window_unit(r);
	if (unit)
		APPEND(":%s*%u", unit == mtu_of(r) ? "mtu" : "mss", r->tcp_window / unit);
	else
		APPEND(":%u", r->tcp_window);
	APPEND(",%u:", (r->tcp_opts & TCPOPT_HAS_WSCALE) ? r->tcp_wscale : 0u);
	for (unsigned i = 0; i < n; i++) {
		APPEND("%s%s", i ? "," : "", code_names[codes[i]]);
		if (codes[i] == TCP_LAYOUT_EOL)
			APPEND("+%u", eol_pad);
	}
	APPEND(":");
	unsigned q = observed_quirks(r), nq = 0;
	for (unsigned i = 0; i < Q_COUNT; i++)
		if (q & (1u << i))
			APPEND("%s%s", nq++ ? "," : "", quirk_names[i]);
	unsigned payload = option_bytes(codes, n, eol_pad) + 40;
	APPEND(":%s", r->reply_len > payload ? "+" : "0");
	return (int)total;
}

/* ---- the signature files ---- */

struct osfp_db *osfp_db_new(void)
{
	return calloc(1, sizeof(struct osfp_db));
}

void osfp_db_free(struct osfp_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nlabels; i++) {
		free(db->labels[i].name);
		free(db->labels[i].klass);
	}
	free(db->labels);
	free(db->sigs);
	free(db);
}

size_t osfp_db_count(const struct osfp_db *db)
{
	return db ? db->nsigs : 0;
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 64;
	void *p = realloc(*v, c * size);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}

/* A decimal in [0, max], the whole of [s, end). */
static bool parse_uint(const char *s, const char *end, unsigned max, unsigned *out)
{
	if (s == end || end - s > 9)
		return false;
	unsigned v = 0;
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* "*" or a decimal. */
static bool parse_any_uint(const char *s, const char *end, unsigned max, int *out)
{
	if (end - s == 1 && *s == '*') {
		*out = ANY;
		return true;
	}
	unsigned v;
	if (!parse_uint(s, end, max, &v))
		return false;
	*out = (int)v;
	return true;
}

static bool parse_wsize(const char *s, const char *end, struct sig *g)
{
	unsigned v = 0;
	g->wsize_kind = WS_ANY;
	if (end - s == 1 && *s == '*')
		return true;
	if (end - s > 4 && memcmp(s, "mss*", 4) == 0)
		g->wsize_kind = WS_MSS, s += 4;
	else if (end - s > 4 && memcmp(s, "mtu*", 4) == 0)
		g->wsize_kind = WS_MTU, s += 4;
	else if (end - s > 1 && *s == '%')
		g->wsize_kind = WS_MOD, s += 1;
	else
		g->wsize_kind = WS_EXACT;
	if (!parse_uint(s, end, 65535, &v) || (g->wsize_kind == WS_MOD && v == 0))
		return false;
	g->wsize = v;
	return true;
}

static bool parse_layout(const char *s, const char *end, struct sig *g)
{
	g->nlayout = 0;
	g->eol_pad = 0;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *tok_end = comma ? comma : end;
		size_t len = (size_t)(tok_end - s);
		uint8_t code = TCP_LAYOUT_END;
		for (unsigned c = TCP_LAYOUT_NOP; c < TCP_LAYOUT_EOL; c++)
			if (strlen(code_names[c]) == len && memcmp(s, code_names[c], len) == 0)
				code = (uint8_t)c;
		if (len > 4 && memcmp(s, "eol+", 4) == 0) {
			if (!parse_uint(s + 4, tok_end, 40, &g->eol_pad) || comma)
				return false; /* EOL ends the list */
			code = TCP_LAYOUT_EOL;
		} else if (len > 1 && *s == '?') {
			unsigned kind;
			if (!parse_uint(s + 1, tok_end, 255, &kind))
				return false;
			code = TCP_LAYOUT_OTHER;
		}
		if (code == TCP_LAYOUT_END || g->nlayout == TCP_LAYOUT_SLOTS)
			return false;
		g->layout[g->nlayout++] = code;
		s = comma ? comma + 1 : end;
		if (comma && s == end)
			return false;
	}
	return true;
}

static bool parse_quirks(const char *s, const char *end, unsigned *out)
{
	*out = 0;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *tok_end = comma ? comma : end;
		size_t len = (size_t)(tok_end - s);
		unsigned i = 0;
		while (i < Q_COUNT && !(strlen(quirk_names[i]) == len && memcmp(s, quirk_names[i], len) == 0))
			i++;
		if (i == Q_COUNT)
			return false;
		*out |= 1u << i;
		s = comma ? comma + 1 : end;
	}
	return true;
}

/* "ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass" into g. */
static bool parse_sig(const char *s, const char *end, struct sig *g)
{
	const char *f[9];
	size_t nf = 0;
	f[nf++] = s;
	for (const char *p = s; p < end && nf < 9; p++)
		if (*p == ':')
			f[nf++] = p + 1;
	if (nf != 8 || memchr(f[7], ':', (size_t)(end - f[7])))
		return false;
#define FIELD_END(i) ((i) + 1 < 8 ? f[(i) + 1] - 1 : end)
	const char *comma = memchr(f[4], ',', (size_t)(FIELD_END(4) - f[4]));
	unsigned ttl;
	const char *ttl_end = FIELD_END(1);
	const char *dash = memchr(f[1], '-', (size_t)(ttl_end - f[1])); /* "64-": a bad ttl guess */
	if (!comma || !parse_uint(f[1], dash ? dash : ttl_end, 255, &ttl) ||
	    (dash && dash + 1 != ttl_end))
		return false;
	g->ittl = (int)ttl;
	unsigned olen;
	if (!(FIELD_END(0) - f[0] == 1 && strchr("46*", *f[0])) ||
	    !parse_uint(f[2], FIELD_END(2), 40, &olen) ||
	    !parse_any_uint(f[3], FIELD_END(3), 65535, &g->mss) ||
	    !parse_wsize(f[4], comma, g) ||
	    !parse_any_uint(comma + 1, FIELD_END(4), 255, &g->scale) ||
	    !parse_layout(f[5], FIELD_END(5), g) || !parse_quirks(f[6], FIELD_END(6), &g->quirks))
		return false;
	g->ver = *f[0] == '*' ? ANY : *f[0] - '0';
	g->olen = (int)olen;
	size_t pl = (size_t)(end - f[7]);
	if (pl != 1 || !strchr("0+*", *f[7]))
		return false;
	g->pclass = *f[7] == '*' ? ANY : *f[7] == '+';
#undef FIELD_END
	return true;
}

/* "s:unix:Linux:3.x" -> name "Linux 3.x", class "unix". */
static bool parse_label(const char *s, const char *end, const char *source, struct label *l)
{
	const char *c1 = memchr(s, ':', (size_t)(end - s));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	const char *c3 = c2 ? memchr(c2 + 1, ':', (size_t)(end - c2 - 1)) : NULL;
	if (!c3 || c1 - s != 1 || (*s != 's' && *s != 'g') || c3 == c2 + 1)
		return false;
	size_t nlen = (size_t)(c3 - c2 - 1), flen = (size_t)(end - c3 - 1);
	l->name = malloc(nlen + 1 + flen + 1);
	l->klass = malloc((size_t)(c2 - c1));
	if (!l->name || !l->klass) {
		free(l->name);
		free(l->klass);
		return false;
	}
	memcpy(l->name, c2 + 1, nlen);
	l->name[nlen] = 0;
	if (flen) {
		l->name[nlen] = ' ';
		memcpy(l->name + nlen + 1, c3 + 1, flen);
		l->name[nlen + 1 + flen] = 0;
	}
	memcpy(l->klass, c1 + 1, (size_t)(c2 - c1 - 1));
	l->klass[c2 - c1 - 1] = 0;
	l->source = source;
	l->generic = *s == 'g';
	return true;
}

static unsigned parse_profiles(const char *s, const char *end)
{
	unsigned bits = 0;
	char word[16];
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *tok_end = comma ? comma : end;
		size_t len = (size_t)(tok_end - s);
		if (len < sizeof word) {
			memcpy(word, s, len);
			word[len] = 0;
			bits |= strcmp(word, "any") == 0 ? OSFP_PROFILE_ANY : osfp_profile_from_name(word);
		}
		s = comma ? comma + 1 : end;
	}
	return bits;
}

struct parse_state {
	bool in_section, have_label;
	unsigned profiles; /* 0: inferred from each sig's layout */
	const char *source;
};

/* One "key = value" line of the [tcp:response] section. Returns 1 sig added, 0 none,
 * -1 malformed, -2 out of memory. */
static int parse_entry(struct osfp_db *db, struct parse_state *st, const char *key,
		       size_t klen, const char *val, const char *end)
{
	if (klen == 5 && memcmp(key, "label", 5) == 0) {
		st->have_label = false;
		st->profiles = 0;
		if (!grow((void **)&db->labels, &db->labels_cap, db->nlabels, sizeof *db->labels))
			return -2;
		if (!parse_label(val, end, st->source, &db->labels[db->nlabels]))
			return -1;
		db->nlabels++;
		st->have_label = true;
		return 0;
	}
	if (klen == 7 && memcmp(key, "profile", 7) == 0) {
		st->profiles = parse_profiles(val, end);
		return st->profiles ? 0 : -1;
	}
	if (klen != 3 || memcmp(key, "sig", 3) != 0)
		return 0; /* sys = ... and other keys: not ours */
	struct sig g;
	memset(&g, 0, sizeof g);
	if (!st->have_label || !parse_sig(val, end, &g))
		return -1;
	g.label = db->nlabels - 1;
	g.profiles = st->profiles;
	if (!grow((void **)&db->sigs, &db->sigs_cap, db->nsigs, sizeof *db->sigs))
		return -2;
	db->sigs[db->nsigs++] = g;
	return 1;
}

static void trim(const char **s, const char **end)
{
	while (*s < *end && isspace((unsigned char)**s))
		(*s)++;
	while (*end > *s && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

size_t osfp_db_parse(struct osfp_db *db, const char *text, size_t len, const char *source,
		     size_t *bad)
{
	struct parse_state st = {.source = source};
	size_t added = 0, nbad = 0;
	const char *p = text, *stop = text + len;
	while (p < stop) {
		const char *nl = memchr(p, '\n', (size_t)(stop - p));
		const char *s = p, *end = nl ? nl : stop;
		p = nl ? nl + 1 : stop;
		trim(&s, &end);
		if (s == end || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			st.in_section = (size_t)(end - s) == 14 && memcmp(s, "[tcp:response]", 14) == 0;
			st.have_label = false;
			continue;
		}
		if (!st.in_section)
			continue;
		const char *eq = memchr(s, '=', (size_t)(end - s));
		if (!eq) {
			nbad++;
			continue;
		}
		const char *kend = eq, *val = eq + 1;
		trim(&s, &kend);
		trim(&val, &end);
		int rc = parse_entry(db, &st, s, (size_t)(kend - s), val, end);
		if (rc == -2)
			break;
		if (rc < 0)
			nbad++;
		else
			added += (size_t)rc;
	}
	if (bad)
		*bad = nbad;
	return added;
}

struct osfp_db *osfp_db_load_default(const char *p0f_path)
{
	struct osfp_db *db = osfp_db_new();
	if (!db)
		return NULL;
	osfp_db_parse(db, osfp_orbit_signatures, strlen(osfp_orbit_signatures), "orbit.fp", NULL);
	size_t len;
	char *text = file_read_all(p0f_path ? p0f_path : OSFP_P0F_PATH, 16u << 20, &len);
	if (text) {
		osfp_db_parse(db, text, len, "p0f.fp", NULL);
		free(text);
	}
	return db;
}

/* ---- matching ---- */

static bool wsize_matches(const struct sig *g, const struct scan_result *r)
{
	unsigned mss = (r->tcp_opts & TCPOPT_HAS_MSS) ? r->tcp_mss : 0;
	switch (g->wsize_kind) {
	case WS_ANY: return true;
	case WS_EXACT: return r->tcp_window == g->wsize;
	case WS_MSS: /* the timestamp option's 12 bytes come off the MSS, as p0f reads it */
		return mss && (r->tcp_window == mss * g->wsize ||
			       ((r->tcp_opts & TCPOPT_HAS_TIMESTAMP) && mss > 12 &&
				r->tcp_window == (mss - 12) * g->wsize));
	case WS_MTU: return mss && r->tcp_window == (mss + 40) * g->wsize;
	case WS_MOD: return r->tcp_window % g->wsize == 0;
	}
	return false;
}

static bool profile_allows(const struct sig *g, unsigned profile)
{
	if (g->profiles)
		return (g->profiles & profile) != 0;
	unsigned offered = offered_codes(profile);
	for (unsigned i = 0; i < g->nlayout; i++)
		if (g->layout[i] != TCP_LAYOUT_OTHER && !(offered & (1u << g->layout[i])))
			return false;
	return true;
}

/* 2 exact, 1 fuzzy, 0 no match. */
static int sig_matches(const struct sig *g, const struct scan_result *r, unsigned profile,
		       const uint8_t *codes, unsigned n, unsigned eol_pad, unsigned quirks)
{
	unsigned scale = (r->tcp_opts & TCPOPT_HAS_WSCALE) ? r->tcp_wscale : 0;
	unsigned mss = (r->tcp_opts & TCPOPT_HAS_MSS) ? r->tcp_mss : 0;
	unsigned payload = option_bytes(codes, n, eol_pad) + 40;
	int pclass = r->reply_len > payload;
	if ((g->ver != ANY && g->ver != 4) || g->olen != 0 ||
	    (g->mss != ANY && (unsigned)g->mss != mss) ||
	    (g->scale != ANY && (unsigned)g->scale != scale) ||
	    (g->pclass != ANY && g->pclass != pclass) || !wsize_matches(g, r) ||
	    g->nlayout != n || memcmp(g->layout, codes, n) != 0 ||
	    (n && codes[n - 1] == TCP_LAYOUT_EOL && g->eol_pad != eol_pad) ||
	    !profile_allows(g, profile))
		return 0;
	if ((g->quirks ^ quirks) & ~FUZZY_QUIRKS)
		return 0;
	bool ttl_near = r->ttl <= (unsigned)g->ittl &&
			(unsigned)g->ittl - r->ttl <= MAX_TTL_DISTANCE;
	return g->quirks == quirks && ttl_near ? 2 : 1;
}

bool osfp_match(const struct osfp_db *db, const struct scan_result *r, unsigned profile,
		struct osfp_guess *out)
{
	if (!db || !is_tcp_reply(r))
		return false;
	uint8_t codes[TCP_LAYOUT_SLOTS];
	unsigned eol_pad, n = layout_decode(r->tcp_layout, codes, &eol_pad);
	unsigned quirks = observed_quirks(r);
	const struct sig *fuzzy = NULL;
	for (size_t i = 0; i < db->nsigs; i++) {
		int m = sig_matches(&db->sigs[i], r, profile, codes, n, eol_pad, quirks);
		if (m == 2 || (m == 1 && !fuzzy)) {
			fuzzy = &db->sigs[i];
			if (m == 2)
				break;
		}
	}
	if (!fuzzy)
		return false;
	const struct label *l = &db->labels[fuzzy->label];
	bool exact = sig_matches(fuzzy, r, profile, codes, n, eol_pad, quirks) == 2;
	out->name = l->name;
	out->klass = l->klass;
	out->source = l->source;
	/* orbit's scale: a specific system matched exactly 100, a family (g:) 75; a fuzzy
	 * match (quirks or TTL off by a middlebox) half of that. */
	out->confidence = (l->generic ? 75u : 100u) / (exact ? 1u : 2u);
	return true;
}
