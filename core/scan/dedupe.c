#include "core/scan/dedupe.h"

#include <stdlib.h>

#include <Judy.h>

#include "targets/targets.h"

_Static_assert(sizeof(Word_t) == sizeof(uint64_t), "dedupe keys need a 64-bit Judy Word_t");

void dedupe_init(struct dedupe *d)
{
	*d = (struct dedupe){0};
}

void dedupe_init_space(struct dedupe *d, const struct target_space *space)
{
	*d = (struct dedupe){.space = space};
}

/* Keys outside the space's indices (< 2^49: 2^32 addresses x 2 x 65536 ports). */
#define OUTSIDE_SPACE (1ull << 63)

static Word_t set_key(const struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port)
{
	if (d->space) {
		int64_t i = target_space_encode(d->space, addr, proto, port);
		if (i >= 0)
			return (Word_t)i;
	}
	return (Word_t)(OUTSIDE_SPACE | dedupe_key(addr, proto, port));
}

int dedupe_insert(struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port)
{
	Pvoid_t set = d->judy;
	JError_t err;
	/* Judy1Set, not the J1S macro: the macro prints and exits on out-of-memory. */
	int rc = Judy1Set(&set, set_key(d, addr, proto, port), &err);
	d->judy = set;
	if (rc == JERR)
		return -1;
	if (rc)
		d->unique++;
	else
		d->duplicates++;
	return rc;
}

int dedupe_contains(const struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port)
{
	return Judy1Test((Pcvoid_t)d->judy, set_key(d, addr, proto, port), PJE0) == 1;
}

/* Any key in [from, to)? */
static bool any_key_in(const struct dedupe *d, Word_t from, Word_t to)
{
	Word_t key = from;
	return Judy1First((Pcvoid_t)d->judy, &key, PJE0) == 1 && key < to;
}

int dedupe_has_addr(const struct dedupe *d, uint32_t addr)
{
	/* An address's keys are contiguous in both layouts: its ports' indices, and
	 * (addr, 0, 0) up to (addr + 1, 0, 0) outside the space. */
	Word_t outside = (Word_t)(OUTSIDE_SPACE | dedupe_key(addr, 0, 0));
	if (any_key_in(d, outside, outside + ((Word_t)1 << 24)))
		return 1;
	if (!d->space)
		return 0;
	int64_t a = ipindex_lookup(&d->space->index, addr);
	if (a < 0)
		return 0;
	Word_t n = (Word_t)d->space->ports.n;
	return any_key_in(d, (Word_t)a * n, ((Word_t)a + 1) * n);
}

size_t dedupe_memory(const struct dedupe *d)
{
	return (size_t)Judy1MemUsed((Pcvoid_t)d->judy);
}

void dedupe_free(struct dedupe *d)
{
	Pvoid_t set = d->judy;
	Judy1FreeArray(&set, PJE0);
	d->judy = NULL;
}

void dedupe_deferred_init(struct dedupe_deferred *q)
{
	*q = (struct dedupe_deferred){0};
}

int dedupe_defer(struct dedupe_deferred *q, const struct scan_result *r)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct scan_result *v = realloc(q->v, cap * sizeof *v);
		if (!v)
			return -1;
		q->v = v;
		q->cap = cap;
	}
	int rc = dedupe_insert(&q->seen, r->addr, r->proto, r->port);
	if (rc == 1)
		q->v[q->n++] = *r;
	return rc;
}

static bool in_any(const struct dedupe *sets, unsigned n, const struct scan_result *r)
{
	for (unsigned i = 0; i < n; i++)
		if (dedupe_contains(&sets[i], r->addr, r->proto, r->port))
			return true;
	return false;
}

size_t dedupe_resolve(struct dedupe *sets, struct dedupe_deferred *deferred, unsigned n,
		      dedupe_keep_fn keep, void *arg)
{
	size_t kept = 0;
	for (unsigned q = 0; q < n; q++) {
		sets[q].duplicates += deferred[q].seen.duplicates;
		deferred[q].seen.duplicates = 0;
		for (size_t i = 0; i < deferred[q].n; i++) {
			const struct scan_result *r = &deferred[q].v[i];
			if (in_any(sets, n, r)) {
				sets[q].duplicates++;
				continue;
			}
			/* Out of memory here: report it anyway, as rx does. */
			if (dedupe_insert(&sets[q], r->addr, r->proto, r->port) < 0)
				sets[q].unique++;
			keep(q, r, arg);
			kept++;
		}
		deferred[q].n = 0;
	}
	return kept;
}

void dedupe_deferred_free(struct dedupe_deferred *q)
{
	dedupe_free(&q->seen);
	free(q->v);
	*q = (struct dedupe_deferred){0};
}
