#include "output/host_names.h"

#include <stdlib.h>
#include <string.h>

int host_names_add(struct host_names *t, uint32_t addr, const char *user, const char *ptr)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct host_name *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	struct host_name e = {addr, user ? strdup(user) : NULL, ptr ? strdup(ptr) : NULL};
	if ((user && !e.user) || (ptr && !e.ptr)) {
		free(e.user);
		free(e.ptr);
		return -1;
	}
	t->v[t->n++] = e;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct host_name *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Keeps the order of addition among equals (qsort is not stable). */
	return x < y ? -1 : x > y;
}

void host_names_seal(struct host_names *t)
{
	if (!t->n)
		return;
	qsort(t->v, t->n, sizeof *t->v, cmp_entry);
	size_t out = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct host_name *e = &t->v[i];
		if (out && t->v[out - 1].addr == e->addr) {
			struct host_name *keep = &t->v[out - 1];
			if (!keep->user) {
				keep->user = e->user;
				e->user = NULL;
			}
			if (!keep->ptr) {
				keep->ptr = e->ptr;
				e->ptr = NULL;
			}
			free(e->user);
			free(e->ptr);
			continue;
		}
		t->v[out++] = *e;
	}
	t->n = out;
}

const struct host_name *host_names_find(const struct host_names *t, uint32_t addr)
{
	if (!t)
		return NULL;
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].addr < addr)
			lo = mid + 1;
		else if (t->v[mid].addr > addr)
			hi = mid;
		else
			return &t->v[mid];
	}
	return NULL;
}

void host_names_free(struct host_names *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].user);
		free(t->v[i].ptr);
	}
	free(t->v);
	*t = (struct host_names){0};
}
