#include "core/scan/reload.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "targets/addrspec.h"

static int load_set(const char *path, struct ipset *out, struct errbuf *e)
{
	struct range_list l = {0};
	ipset_init(out);
	int rc = addrspec_parse_file(path, "blocklist", 0, 1, &l, e);
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		if (ipset_add(out, l.v[i].first, l.v[i].last) < 0)
			rc = err_set(e, "out of memory");
	range_list_free(&l);
	if (rc < 0)
		ipset_free(out);
	return rc;
}

int blocklist_reload_init(struct blocklist_reload *r, const char *path, unsigned period_s,
			  struct errbuf *e)
{
	memset(r, 0, sizeof *r);
	atomic_init(&r->added, NULL);
	ipset_init(&r->baseline);
	r->period_ns = (uint64_t)period_s * 1000000000u;
	r->last_ns = clock_mono_ns();
	if (!path)
		return 0;
	r->path = path;
	return load_set(path, &r->baseline, e);
}

/* Keeps s (owned from here on) until the end: a sender may still hold an older set, so
 * none is freed while the scan runs. At most RELOAD_SETS_MAX changes per scan. */
static bool keep_set(struct blocklist_reload *r, struct ipset *s)
{
	if (r->nsets == RELOAD_SETS_MAX)
		return false;
	r->sets[r->nsets++] = s;
	return true;
}

bool blocklist_reload_poll(struct blocklist_reload *r, bool hup, uint64_t now_ns, FILE *log)
{
	if (!r->path) {
		if (hup && log)
			fprintf(log, "orbit: SIGHUP: no --blocklist-file to reload (the built-in list is fixed)\n");
		return false;
	}
	bool due = r->period_ns && now_ns - r->last_ns >= r->period_ns;
	if (!hup && !due)
		return false;
	r->last_ns = now_ns;
	struct errbuf e;
	struct ipset *fresh = malloc(sizeof *fresh);
	if (!fresh || load_set(r->path, fresh, &e) < 0) {
		r->failures++;
		if (log)
			fprintf(log, "orbit: blocklist reload failed, keeping the last one: %s\n",
				fresh ? e.msg : "out of memory");
		free(fresh);
		return false;
	}
	const struct ipset *cur = blocklist_reload_current(r);
	if (ipset_subtract(fresh, &r->baseline) < 0 || fresh->n == 0 ||
	    (cur && cur->n == fresh->n &&
	     memcmp(cur->r, fresh->r, fresh->n * sizeof *fresh->r) == 0) ||
	    !keep_set(r, fresh)) {
		/* Nothing new (or no room): the senders keep what they have. */
		if (log && hup)
			fprintf(log, "orbit: blocklist '%s' reloaded: nothing added since the start%s\n",
				r->path, r->nsets == RELOAD_SETS_MAX ? " that can still be applied" : "");
		ipset_free(fresh);
		free(fresh);
		r->reloads++;
		return false;
	}
	atomic_store_explicit(&r->added, fresh, memory_order_release);
	r->reloads++;
	r->added_addresses = ipset_count(fresh);
	r->last_latency_ns = clock_mono_ns() - now_ns;
	if (log)
		fprintf(log, "orbit: blocklist '%s' reloaded: %llu addresses blocked since the start, "
			     "in effect %.1f ms after the %s\n",
			r->path, (unsigned long long)r->added_addresses,
			(double)r->last_latency_ns / 1e6, hup ? "SIGHUP was seen" : "period");
	return true;
}

void blocklist_reload_free(struct blocklist_reload *r)
{
	for (unsigned i = 0; i < r->nsets; i++) {
		ipset_free(r->sets[i]);
		free(r->sets[i]);
	}
	ipset_free(&r->baseline);
	memset(r, 0, sizeof *r);
}
