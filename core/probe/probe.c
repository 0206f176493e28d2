#include "core/probe/probe.h"

#include <string.h>

#include "core/probe/probe_internal.h"

/* The registry's table (PROBE_KIND_LIST, probe.h). */
#define PROBE_KIND_ENTRY(name, kind_proto, kind_tcp) &probe_kind_##name,
static const struct probe_kind *const probe_kinds[] = {PROBE_KIND_LIST(PROBE_KIND_ENTRY)};
#undef PROBE_KIND_ENTRY

size_t probe_kind_count(void)
{
	return sizeof probe_kinds / sizeof probe_kinds[0];
}

const struct probe_kind *probe_kind_at(size_t i)
{
	return i < probe_kind_count() ? probe_kinds[i] : NULL;
}

const struct probe_kind *probe_kind_by_name(const char *name)
{
	for (size_t i = 0; i < probe_kind_count(); i++)
		if (strcmp(probe_kinds[i]->name, name) == 0)
			return probe_kinds[i];
	return NULL;
}

const struct probe_kind *probe_kind_for(uint8_t ip_proto, enum tcp_probe_kind tcp_probe)
{
	for (size_t i = 0; i < probe_kind_count(); i++)
		if (probe_kind_matches(probe_kinds[i]->ip_proto, probe_kinds[i]->tcp_probe, ip_proto,
				       tcp_probe))
			return probe_kinds[i];
	return NULL;
}

static const char *const tcp_option_profile_names[] = {
	[TCP_OPTIONS_LINUX] = "linux",
	[TCP_OPTIONS_WINDOWS] = "windows",
	[TCP_OPTIONS_MSS_ONLY] = "mss-only",
	[TCP_OPTIONS_NONE] = "none",
};

const char *tcp_option_profile_name(enum tcp_option_profile p)
{
	return (unsigned)p <= TCP_OPTIONS_NONE ? tcp_option_profile_names[p] : "?";
}

int tcp_option_profile_parse(const char *name, enum tcp_option_profile *out, struct errbuf *e)
{
	for (int p = TCP_OPTIONS_LINUX; p <= TCP_OPTIONS_NONE; p++) {
		if (strcmp(name, tcp_option_profile_names[p]) == 0) {
			*out = (enum tcp_option_profile)p;
			return 0;
		}
	}
	return err_set(e, "bad TCP option profile '%s' (linux, windows, mss-only, none)", name);
}

int probe_template_init(struct probe_template *t, const struct probe_kind *kind,
			const struct probe_config *cfg, struct errbuf *e)
{
	memset(t, 0, sizeof *t);
	if (cfg->sport_count < 1 || cfg->sport_count > 65536 ||
	    (uint32_t)cfg->sport_base + cfg->sport_count - 1 > 65535)
		return err_set(e, "bad source port range %u+%u", (unsigned)cfg->sport_base,
			       (unsigned)cfg->sport_count);
	if (cfg->vlan_id > 4094)
		return err_set(e, "bad VLAN id %u (1..4094, 0 for none)", (unsigned)cfg->vlan_id);
	t->kind = kind;
	memset(t->proto_lanes, kind->ip_proto, sizeof t->proto_lanes);
	return kind->init(t, cfg, e);
}

size_t probe_template_ipv4(struct probe_template *t, const struct probe_config *cfg,
			   uint8_t proto, uint16_t total_len)
{
	size_t l3 = pkt_write_eth(t->frame, cfg->src_mac, cfg->dst_mac, cfg->vlan_id);
	uint8_t *ip = t->frame + l3;
	pkt_write_ipv4(ip, proto, cfg->saddr, 0, cfg->ttl ? cfg->ttl : 64, 0, total_len);
	pkt_put_be16(ip + 10, 0);
	t->ip_sum = csum_memory_order(csum_partial(ip, PKT_IPV4_HLEN, 0));
	t->l3_off = (uint16_t)l3;
	t->l4_off = (uint16_t)(l3 + PKT_IPV4_HLEN);
	t->saddr = cfg->saddr;
	t->sport_base = cfg->sport_base;
	t->sport_count = cfg->sport_count;
	return t->l4_off;
}

void probe_build_burst_with(enum cookie_simd simd, const struct probe_template *t,
			    const struct cookie_key *key, uint8_t *const *frames, uint16_t *lens,
			    const uint32_t *daddr, const uint16_t *dport, size_t n,
			    uint64_t now_ns)
{
	static const uint16_t no_ports[PROBE_BURST_MAX];
	uint64_t cookies[PROBE_BURST_MAX];
	while (n > 0) {
		size_t chunk = n < PROBE_BURST_MAX ? n : PROBE_BURST_MAX;
		cookie_compute_batch_with(simd, key, t->saddr, daddr,
					  t->kind->uses_port ? dport : no_ports, t->proto_lanes,
					  chunk, cookies);
		t->kind->build_burst(t, frames, lens, daddr, dport, cookies, chunk, now_ns);
		frames += chunk;
		lens += chunk;
		daddr += chunk;
		dport += chunk;
		n -= chunk;
	}
}

void probe_build_burst(const struct probe_template *t, const struct cookie_key *key,
		       uint8_t *const *frames, uint16_t *lens, const uint32_t *daddr,
		       const uint16_t *dport, size_t n, uint64_t now_ns)
{
	probe_build_burst_with(cookie_simd_best(), t, key, frames, lens, daddr, dport, n, now_ns);
}
