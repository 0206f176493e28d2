#include "core/scan/dryrun.h"

enum { BATCH = 256 };

/* Writes "a.b.c.d" without printf: the dry run prints millions of lines. */
static char *put_u8(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_line(char *p, uint32_t addr, struct port_entry pe)
{
	p = put_u8(p, addr >> 24);
	*p++ = '.';
	p = put_u8(p, (addr >> 16) & 0xff);
	*p++ = '.';
	p = put_u8(p, (addr >> 8) & 0xff);
	*p++ = '.';
	p = put_u8(p, addr & 0xff);
	*p++ = ',';
	for (const char *s = proto_name(pe.proto); *s; s++)
		*p++ = *s;
	*p++ = ',';
	char digits[5];
	int n = 0;
	unsigned port = pe.port;
	do {
		digits[n++] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	while (n)
		*p++ = digits[--n];
	*p++ = '\n';
	return p;
}

int dryrun_print(struct walk_plan *plan, const struct target_space *ts, FILE *out,
		 volatile sig_atomic_t *stop)
{
	uint64_t idx[BATCH];
	char buf[BATCH * 32];
	for (unsigned t = 0; t < plan->threads && !*stop; t++) {
		struct walk_arc *arc = &plan->arcs[t];
		size_t k;
		while (!*stop && (k = walk_next(arc, &plan->cg, idx, BATCH)) > 0) {
			char *p = buf;
			for (size_t i = 0; i < k; i++) {
				uint32_t addr;
				struct port_entry pe;
				target_space_decode(ts, idx[i], &addr, &pe);
				p = put_line(p, addr, pe);
			}
			if (fwrite(buf, 1, (size_t)(p - buf), out) != (size_t)(p - buf))
				return -1;
		}
	}
	return fflush(out) == 0 ? 0 : -1;
}
