#include "core/scan/dedupe.h"

#include <Judy.h>

_Static_assert(sizeof(Word_t) == sizeof(uint64_t), "dedupe keys need a 64-bit Judy Word_t");

void dedupe_init(struct dedupe *d)
{
	*d = (struct dedupe){0};
}

int dedupe_insert(struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port)
{
	Pvoid_t set = d->judy;
	JError_t err;
	/* Judy1Set, not the J1S macro: the macro prints and exits on out-of-memory. */
	int rc = Judy1Set(&set, (Word_t)dedupe_key(addr, proto, port), &err);
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
	return Judy1Test((Pcvoid_t)d->judy, (Word_t)dedupe_key(addr, proto, port), PJE0) == 1;
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
