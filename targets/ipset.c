#include "targets/ipset.h"

#include <stdlib.h>
#include <string.h>

void ipset_init(struct ipset *s)
{
	memset(s, 0, sizeof *s);
}

void ipset_free(struct ipset *s)
{
	free(s->r);
	ipset_init(s);
}

static int reserve(struct ipset *s, size_t want)
{
	if (want <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 16;
	while (cap < want)
		cap *= 2;
	struct ip_range *r = realloc(s->r, cap * sizeof *r);
	if (!r)
		return -1;
	s->r = r;
	s->cap = cap;
	return 0;
}

/* Lower bound: first interval whose last >= addr. */
static size_t find_from(const struct ipset *s, uint32_t addr)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].last < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ipset_add(struct ipset *s, uint32_t first, uint32_t last)
{
	if (first > last)
		return 0;
	/* Merge with every interval that overlaps or touches [first, last]. */
	size_t i = find_from(s, first == 0 ? 0 : first - 1);
	size_t j = i;
	while (j < s->n && (last == UINT32_MAX || s->r[j].first <= last + 1)) {
		if (s->r[j].first < first)
			first = s->r[j].first;
		if (s->r[j].last > last)
			last = s->r[j].last;
		j++;
	}
	if (i == j) {
		if (reserve(s, s->n + 1) < 0)
			return -1;
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
		s->n++;
	} else if (j - i > 1) {
		memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof s->r[0]);
		s->n -= j - i - 1;
	}
	s->r[i].first = first;
	s->r[i].last = last;
	return 0;
}

int ipset_add_set(struct ipset *s, const struct ipset *other)
{
	for (size_t i = 0; i < other->n; i++)
		if (ipset_add(s, other->r[i].first, other->r[i].last) < 0)
			return -1;
	return 0;
}

/* Both operations walk the two sorted lists once into a fresh array. */
static int combine(struct ipset *s, const struct ipset *b, int keep_inside)
{
	struct ipset out;
	ipset_init(&out);
	size_t j = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t cur = s->r[i].first;
		uint64_t end = s->r[i].last;
		while (j < b->n && b->r[j].last < cur)
			j++;
		size_t k = j;
		while (cur <= end) {
			if (k >= b->n || b->r[k].first > end) {
				if (!keep_inside && ipset_add(&out, (uint32_t)cur, (uint32_t)end) < 0)
					goto fail;
				break;
			}
			uint64_t bf = b->r[k].first, bl = b->r[k].last;
			if (bf > cur && !keep_inside &&
			    ipset_add(&out, (uint32_t)cur, (uint32_t)(bf - 1)) < 0)
				goto fail;
			uint64_t in_first = bf > cur ? bf : cur;
			uint64_t in_last = bl < end ? bl : end;
			if (keep_inside && ipset_add(&out, (uint32_t)in_first, (uint32_t)in_last) < 0)
				goto fail;
			cur = bl + 1;
			k++;
		}
	}
	free(s->r);
	*s = out;
	return 0;
fail:
	ipset_free(&out);
	return -1;
}

int ipset_subtract(struct ipset *s, const struct ipset *b)
{
	return combine(s, b, 0);
}

int ipset_intersect(struct ipset *s, const struct ipset *b)
{
	return combine(s, b, 1);
}

uint64_t ipset_count(const struct ipset *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += (uint64_t)s->r[i].last - s->r[i].first + 1;
	return n;
}

uint64_t ipset_count_in(const struct ipset *s, uint32_t first, uint32_t last)
{
	uint64_t n = 0;
	for (size_t i = find_from(s, first); i < s->n && s->r[i].first <= last; i++) {
		uint32_t a = s->r[i].first > first ? s->r[i].first : first;
		uint32_t b = s->r[i].last < last ? s->r[i].last : last;
		n += (uint64_t)b - a + 1;
	}
	return n;
}

int ipset_contains(const struct ipset *s, uint32_t addr)
{
	size_t i = find_from(s, addr);
	return i < s->n && s->r[i].first <= addr;
}

int ipindex_build(struct ipindex *x, const struct ipset *s)
{
	memset(x, 0, sizeof *x);
	x->n = s->n;
	x->first = malloc((s->n ? s->n : 1) * sizeof *x->first);
	x->base = malloc((s->n + 1) * sizeof *x->base);
	if (!x->first || !x->base)
		goto fail;
	uint64_t total = 0;
	for (size_t i = 0; i < s->n; i++) {
		x->first[i] = s->r[i].first;
		x->base[i] = total;
		total += (uint64_t)s->r[i].last - s->r[i].first + 1;
	}
	x->base[s->n] = total;
	x->total = total;
	while (x->bin_shift < 63 && ((total ? total - 1 : 0) >> x->bin_shift) >= 65536)
		x->bin_shift++;
	size_t nbins = (size_t)((total ? total - 1 : 0) >> x->bin_shift) + 1;
	x->bin = malloc((nbins + 1) * sizeof *x->bin);
	if (!x->bin)
		goto fail;
	size_t k = 0;
	for (size_t b = 0; b <= nbins; b++) {
		uint64_t i = (uint64_t)b << x->bin_shift;
		if (i >= total)
			i = total ? total - 1 : 0;
		while (k + 1 < s->n && x->base[k + 1] <= i)
			k++;
		x->bin[b] = (uint32_t)k;
	}
	return 0;
fail:
	ipindex_free(x);
	return -1;
}

void ipindex_free(struct ipindex *x)
{
	free(x->first);
	free(x->base);
	free(x->bin);
	memset(x, 0, sizeof *x);
}

int64_t ipindex_lookup(const struct ipindex *x, uint32_t addr)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->first[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	size_t k = lo - 1;
	uint64_t off = addr - x->first[k];
	if (off >= x->base[k + 1] - x->base[k])
		return -1;
	return (int64_t)(x->base[k] + off);
}
