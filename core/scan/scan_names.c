/* The reports' host names: the targets given by name, and reverse DNS (rdns.h) for the
 * hosts the reports list, once the scan is over -- nothing waits on DNS while probes are
 * in flight, and a scan stopped with Ctrl-C skips it so its report comes out at once. */
#include <inttypes.h>
#include <stdio.h>

#include "core/scan/rdns.h"
#include "core/scan/scan_internal.h"
#include "output/host_names.h"

static void add_ptr(uint32_t addr, const char *name, void *arg)
{
	host_names_add(arg, addr, NULL, name);
}

static void resolve_reported(const uint32_t *addrs, size_t n, struct host_names *out, void *arg)
{
	const struct scan *s = arg;
	if (s->interrupted || n == 0)
		return;
	struct rdns_options opt = {.servers = s->cfg->dns_servers, .system = s->cfg->system_dns};
	struct rdns_stats st;
	struct errbuf e = {0};
	if (rdns_resolve(&opt, addrs, n, add_ptr, out, &st, &e) < 0) {
		fprintf(stderr, "orbit: %s\n", e.msg);
		return;
	}
	if (!s->cfg->quiet)
		fprintf(stderr, "orbit: reverse DNS: %" PRIu64 " of %" PRIu64 " hosts named in %.2f s%s\n",
			st.named, st.asked, (double)st.elapsed_ns / 1e9,
			st.failed ? " (some queries failed: timeouts or server errors)" : "");
}

void scan_names_setup(struct scan *s, struct output_scan_info *info)
{
	for (size_t i = 0; i < s->ts->nnames; i++)
		host_names_add(&s->user_names, s->ts->names[i].addr, s->ts->names[i].name, NULL);
	host_names_seal(&s->user_names);
	info->names = &s->user_names;
	if (!s->cfg->no_dns && !s->replay) {
		info->rdns = resolve_reported;
		info->rdns_arg = s;
		info->rdns_all = s->cfg->resolve_all;
	}
}

void scan_names_free(struct scan *s)
{
	host_names_free(&s->user_names);
}
