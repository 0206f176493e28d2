#include "targets/targets.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/siphash.h"
#include "targets/addrspec.h"

/* More warnings than this would drown the terminal; the rest are summed up. */
enum { MAX_DROP_WARNINGS = 32 };

static int ranges_to_set(const struct range_list *l, struct ipset *s, struct errbuf *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (ipset_add(s, l->v[i].first, l->v[i].last) < 0)
			return err_set(e, "out of memory");
	return 0;
}

static int load_blocklist(const struct target_inputs *in, struct range_list *blocks,
			  struct errbuf *e)
{
	if (in->blocklist_file)
		return addrspec_parse_file(in->blocklist_file, "blocklist", 0, 1, blocks, e);
	return addrspec_parse_text(default_blocklist_conf, "default blocklist", 0, blocks, e);
}

static int load_targets(const struct target_inputs *in, struct range_list *targets,
			struct errbuf *e)
{
	for (size_t i = 0; i < in->ntargets; i++)
		if (addrspec_parse(in->targets[i], ADDRSPEC_ALLOW_HOSTNAMES, targets, e) < 0)
			return -1;
	if (in->input_file &&
	    addrspec_parse_file(in->input_file, "target file", ADDRSPEC_ALLOW_HOSTNAMES, 0, targets,
				e) < 0)
		return -1;
	return 0;
}

/* One line per target range that lost addresses, naming the blocked ranges. */
static void warn_blocked(FILE *warn, const struct range_list *targets, const struct ipset *block_set,
			 const struct range_list *blocks, unsigned *warned)
{
	for (size_t t = 0; t < targets->n; t++) {
		const struct named_range *tr = &targets->v[t];
		uint64_t lost = ipset_count_in(block_set, tr->first, tr->last);
		if (lost == 0)
			continue;
		if (++*warned > MAX_DROP_WARNINGS)
			continue;
		char names[400] = "";
		size_t used = 0;
		for (size_t b = 0; b < blocks->n && used < sizeof names - 1; b++) {
			const struct named_range *br = &blocks->v[b];
			if (br->first > tr->last || br->last < tr->first)
				continue;
			int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
					 br->name);
			used += w > 0 ? (size_t)w : 0;
		}
		fprintf(warn, "orbit: warning: target %s: %llu address%s dropped, blocked by %s\n",
			tr->name, (unsigned long long)lost, lost == 1 ? "" : "es", names);
	}
}

static void warn_outside(FILE *warn, const struct range_list *targets, const struct ipset *allow,
			 unsigned *warned)
{
	for (size_t t = 0; t < targets->n; t++) {
		const struct named_range *tr = &targets->v[t];
		uint64_t size = (uint64_t)tr->last - tr->first + 1;
		uint64_t lost = size - ipset_count_in(allow, tr->first, tr->last);
		if (lost == 0 || ++*warned > MAX_DROP_WARNINGS)
			continue;
		fprintf(warn, "orbit: warning: target %s: %llu address%s outside the allowlist dropped\n",
			tr->name, (unsigned long long)lost, lost == 1 ? "" : "es");
	}
}

static int build_ports(struct target_space *ts, const struct target_inputs *in, struct errbuf *e)
{
	if (in->icmp_only) {
		if (in->ports || in->top_ports)
			return err_set(e, "a ping sweep (-sn) takes no ports: drop -p/--top-ports");
		return portlist_add(&ts->ports, PROTO_ICMP, 0) < 0 ? err_set(e, "out of memory") : 0;
	}
	if (in->ports && portlist_parse(in->ports, in->default_protos, &ts->ports, e) < 0)
		return -1;
	/* With -sS -sU, --top-ports N is the top N TCP ports and the top N UDP ports (nmap). */
	for (uint8_t proto = PROTO_TCP; in->top_ports && proto <= PROTO_UDP; proto++)
		if ((in->default_protos & PROTO_BIT(proto)) &&
		    portlist_add_top_from(&ts->ports, in->top_ports, proto, in->services_file, e) < 0)
			return -1;
	if (ts->ports.n == 0)
		return err_set(e, "no ports given: use -p PORTS or --top-ports N");
	return 0;
}

/* The hostnames the targets came from (what the reports call the hosts). */
static int keep_names(struct target_space *ts, const struct range_list *targets)
{
	size_t n = 0;
	for (size_t i = 0; i < targets->n; i++)
		n += targets->v[i].hostname_len > 0;
	if (!n)
		return 0;
	ts->names = calloc(n, sizeof *ts->names);
	if (!ts->names)
		return -1;
	for (size_t i = 0; i < targets->n; i++) {
		const struct named_range *r = &targets->v[i];
		if (!r->hostname_len)
			continue;
		char *name = strndup(r->name, r->hostname_len);
		if (!name)
			return -1;
		ts->names[ts->nnames++] = (struct target_name){r->first, name};
	}
	return 0;
}

int target_space_build(struct target_space *ts, const struct target_inputs *in, FILE *warn,
		       struct errbuf *e)
{
	memset(ts, 0, sizeof *ts);
	struct range_list targets = {0}, blocks = {0}, allows = {0};
	struct ipset block_set, allow_set;
	ipset_init(&block_set);
	ipset_init(&allow_set);
	int rc = -1;
	unsigned warned = 0;

	if (build_ports(ts, in, e) < 0 || load_targets(in, &targets, e) < 0 ||
	    load_blocklist(in, &blocks, e) < 0 || ranges_to_set(&blocks, &block_set, e) < 0)
		goto out;
	if (in->allowlist_file &&
	    (addrspec_parse_file(in->allowlist_file, "allowlist", 0, 0, &allows, e) < 0 ||
	     ranges_to_set(&allows, &allow_set, e) < 0))
		goto out;
	if (targets.n == 0 && !in->allowlist_file) {
		err_set(e, "no targets given: name addresses, CIDRs, ranges or hosts (or -iL/-w FILE)");
		goto out;
	}
	if (targets.n) {
		if (ranges_to_set(&targets, &ts->allowed, e) < 0)
			goto out;
		if (in->allowlist_file && ipset_intersect(&ts->allowed, &allow_set) < 0)
			goto oom;
	} else if (ipset_add_set(&ts->allowed, &allow_set) < 0) {
		goto oom;
	}
	if (ipset_subtract(&ts->allowed, &block_set) < 0)
		goto oom;
	if (ipset_count(&ts->allowed) == 0) {
		/* One line, not a warning per range followed by an error. */
		const struct range_list *given = targets.n ? &targets : &allows;
		const char *by = "the blocklist";
		for (size_t b = 0; b < blocks.n; b++)
			if (blocks.v[b].first <= given->v[0].last && blocks.v[b].last >= given->v[0].first) {
				by = blocks.v[b].name;
				break;
			}
		err_set(e, "no targets left: %s%s is blocked (%s)%s", given->v[0].name,
			given->n > 1 ? " and every other target" : "", by,
			in->allowlist_file && targets.n ? " or outside the allowlist" : "");
		goto out;
	}
	if (warn) {
		if (targets.n && in->allowlist_file)
			warn_outside(warn, &targets, &allow_set, &warned);
		warn_blocked(warn, targets.n ? &targets : &allows, &block_set, &blocks, &warned);
		if (warned > MAX_DROP_WARNINGS)
			fprintf(warn, "orbit: warning: %u more target ranges lost addresses (not shown)\n",
				warned - MAX_DROP_WARNINGS);
	}
	if (keep_names(ts, &targets) < 0)
		goto oom;
	struct ipset allowed = ts->allowed;
	struct portlist ports = ts->ports;
	struct target_name *names = ts->names;
	size_t nnames = ts->nnames;
	ts->names = NULL;
	ts->nnames = 0;
	ipset_init(&ts->allowed);
	memset(&ts->ports, 0, sizeof ts->ports);
	rc = target_space_init(ts, &allowed, &ports, e);
	ts->names = names;
	ts->nnames = nnames;
	goto out;
oom:
	err_set(e, "out of memory");
out:
	range_list_free(&targets);
	range_list_free(&blocks);
	range_list_free(&allows);
	ipset_free(&block_set);
	ipset_free(&allow_set);
	if (rc < 0)
		target_space_free(ts);
	return rc;
}

int target_space_init(struct target_space *ts, struct ipset *allowed, struct portlist *ports,
		      struct errbuf *e)
{
	memset(ts, 0, sizeof *ts);
	ts->allowed = *allowed;
	ts->ports = *ports;
	ipset_init(allowed);
	memset(ports, 0, sizeof *ports);
	ts->naddrs = ipset_count(&ts->allowed);
	if (ts->naddrs == 0 || ts->ports.n == 0) {
		target_space_free(ts);
		return err_set(e, "empty target space");
	}
	if (ipindex_build(&ts->index, &ts->allowed) < 0) {
		target_space_free(ts);
		return err_set(e, "out of memory");
	}
	ts->n = ts->naddrs * ts->ports.n;
	ts->port_div = libdivide_u64_gen(ts->ports.n);
	return 0;
}

int target_space_add_entries(struct target_space *ts, const struct port_entry *v, size_t n,
			     bool replace, struct errbuf *e)
{
	if (replace)
		ts->ports.n = 0;
	for (size_t i = 0; i < n; i++)
		if (portlist_add(&ts->ports, v[i].proto, v[i].port) < 0)
			return err_set(e, "out of memory");
	portlist_normalize(&ts->ports);
	if (ts->ports.n == 0)
		return err_set(e, "empty target space");
	ts->n = ts->naddrs * ts->ports.n;
	ts->port_div = libdivide_u64_gen(ts->ports.n);
	return 0;
}

void target_space_free(struct target_space *ts)
{
	ipset_free(&ts->allowed);
	ipindex_free(&ts->index);
	portlist_free(&ts->ports);
	for (size_t i = 0; i < ts->nnames; i++)
		free(ts->names[i].name);
	free(ts->names);
	memset(ts, 0, sizeof *ts);
}

uint64_t target_space_digest(const struct target_space *ts)
{
	static const char tag[] = "orbit target space v1";
	struct siphash_state st;
	siphash24_init(&st, (struct siphash_key){0, 0});
	siphash24_update(&st, tag, sizeof tag);
	for (size_t i = 0; i < ts->allowed.n; i++) {
		uint8_t b[8];
		uint32_t f = ts->allowed.r[i].first, l = ts->allowed.r[i].last;
		for (int k = 0; k < 4; k++) {
			b[k] = (uint8_t)(f >> (24 - 8 * k));
			b[4 + k] = (uint8_t)(l >> (24 - 8 * k));
		}
		siphash24_update(&st, b, sizeof b);
	}
	siphash24_update(&st, "|", 1);
	for (size_t i = 0; i < ts->ports.n; i++) {
		uint8_t b[3] = {ts->ports.v[i].proto, (uint8_t)(ts->ports.v[i].port >> 8),
				(uint8_t)ts->ports.v[i].port};
		siphash24_update(&st, b, sizeof b);
	}
	return siphash24_final(&st);
}

int64_t target_space_encode(const struct target_space *ts, uint32_t addr, uint8_t proto,
			    uint16_t port)
{
	int64_t a = ipindex_lookup(&ts->index, addr);
	if (a < 0)
		return -1;
	/* Lower bound without branches on the data (a conditional move per halving): the
	 * receive threads' dedupe keys every result through here, in random order. */
	const struct port_entry *v = ts->ports.v;
	uint32_t key = (uint32_t)proto << 16 | port;
	size_t lo = 0, n = ts->ports.n;
	while (n > 1) {
		size_t half = n / 2;
		uint32_t k = (uint32_t)v[lo + half - 1].proto << 16 | v[lo + half - 1].port;
		lo = k < key ? lo + half : lo;
		n -= half;
	}
	if (n == 1 && ((uint32_t)v[lo].proto << 16 | v[lo].port) < key)
		lo++;
	if (lo == ts->ports.n || v[lo].proto != proto || v[lo].port != port)
		return -1;
	return a * (int64_t)ts->ports.n + (int64_t)lo;
}
