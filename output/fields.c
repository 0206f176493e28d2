#include "output/fields.h"
#include "output/utc_time.h"
#include "core/base/grab_result.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "core/osfp/osfp.h"
#include "output/services.h"

/* The presence rules follow output/ndjson.c: reply details exist only for real replies. */
static bool answered(const struct scan_result *r)
{
	return r->reason != REASON_NO_RESPONSE && r->proto != RESULT_PROTO_ARP; /* ARP: no IP */
}

static bool is_tcp_reply(const struct scan_result *r)
{
	return r->proto == 6 && (r->reason == REASON_SYN_ACK || r->reason == REASON_RESET);
}

static bool is_icmp_error(const struct scan_result *r)
{
	return answered(r) && r->reason >= REASON_NET_UNREACH && r->reason <= REASON_ADMIN_PROHIBITED;
}

#define NUM_GETTER(fname, expr, cond)                                                         \
	static bool get_##fname(const struct scan_result *r, const struct field_env *env,     \
				struct field_value *v)                                        \
	{                                                                                     \
		(void)env;                                                                    \
		v->num = (uint64_t)(expr);                                                    \
		return (cond);                                                                \
	}

NUM_GETTER(addr, r->addr, true)
NUM_GETTER(port, r->port, r->proto != 1 && r->proto != RESULT_PROTO_ARP)
NUM_GETTER(ttl, r->ttl, answered(r))
NUM_GETTER(ipid, r->ip_id, answered(r))
NUM_GETTER(len, r->reply_len, answered(r))
NUM_GETTER(window, r->tcp_window, is_tcp_reply(r))
NUM_GETTER(mss, r->tcp_mss, is_tcp_reply(r) && (r->tcp_opts & TCPOPT_HAS_MSS))
NUM_GETTER(wscale, r->tcp_wscale, is_tcp_reply(r) && (r->tcp_opts & TCPOPT_HAS_WSCALE))
NUM_GETTER(sack, 1, is_tcp_reply(r) && (r->tcp_opts & TCPOPT_HAS_SACK_OK))
NUM_GETTER(timestamps, 1, is_tcp_reply(r) && (r->tcp_opts & TCPOPT_HAS_TIMESTAMP))
NUM_GETTER(rtt_us, r->rtt_ns / 1000, answered(r) && r->rtt_ns >= 0)
NUM_GETTER(responder, r->responder, answered(r) && r->responder && r->responder != r->addr)
NUM_GETTER(icmp_type, r->icmp_type, is_icmp_error(r))
NUM_GETTER(icmp_code, r->icmp_code, is_icmp_error(r))

static bool get_proto(const struct scan_result *r, const struct field_env *env,
		      struct field_value *v)
{
	(void)env;
	v->str = result_proto_name(r->proto);
	return true;
}

static bool get_mac(const struct scan_result *r, const struct field_env *env, struct field_value *v)
{
	(void)env;
	result_mac_text(r->mac, v->text);
	v->str = v->text;
	return r->has_mac;
}

static bool get_state(const struct scan_result *r, const struct field_env *env,
		      struct field_value *v)
{
	(void)env;
	v->str = port_state_name((enum port_state)r->state);
	return true;
}

static bool get_reason(const struct scan_result *r, const struct field_env *env,
		       struct field_value *v)
{
	(void)env;
	v->str = result_reason_name((enum result_reason)r->reason);
	return true;
}

static bool get_service(const struct scan_result *r, const struct field_env *env,
			struct field_value *v)
{
	if (r->proto != 6 && r->proto != 17)
		return false;
	if (r->grab && r->grab->service[0]) { /* -sV named it from the answer */
		v->str = r->grab->service;
		return true;
	}
	const char *name = env ? service_name(env->services, r->proto, r->port) : NULL;
	v->str = name ? name : "unknown";
	return true;
}

/* -sV fields: present on open ports the follow-up stage looked at. */
#define GRAB_STRING_FIELD(fname, member)                                                  \
	static bool get_##fname(const struct scan_result *r, const struct field_env *env,     \
				struct field_value *v)                                        \
	{                                                                                 \
		(void)env;                                                                \
		if (!r->grab || !r->grab->member[0])                                      \
			return false;                                                     \
		v->str = r->grab->member;                                                 \
		return true;                                                              \
	}
GRAB_STRING_FIELD(product, product)
GRAB_STRING_FIELD(version, version)
GRAB_STRING_FIELD(info, info)

static bool get_grab_status(const struct scan_result *r, const struct field_env *env,
			    struct field_value *v)
{
	(void)env;
	if (!r->grab)
		return false;
	v->str = grab_status_name((enum grab_status)r->grab->status);
	return true;
}

static bool get_time(const struct scan_result *r, const struct field_env *env,
		     struct field_value *v)
{
	(void)env;
	if (!r->timestamp_ns)
		return false;
	_Static_assert(sizeof v->text > UTC_RFC3339_LEN, "field text holds a timestamp");
	utc_rfc3339_us(r->timestamp_ns, v->text);
	v->text[UTC_RFC3339_LEN] = '\0';
	v->str = v->text;
	return true;
}

/* Passive OS fingerprint (core/osfp/): computed here, per hit, never on the RX path. */
static bool get_os_sig(const struct scan_result *r, const struct field_env *env,
		       struct field_value *v)
{
	(void)env;
	if (!is_tcp_reply(r))
		return false;
	osfp_signature_text(r, v->text, sizeof v->text);
	v->str = v->text;
	return true;
}

NUM_GETTER(hops, osfp_initial_ttl(r->ttl) - r->ttl, is_tcp_reply(r))

static bool os_guess(const struct scan_result *r, const struct field_env *env,
		     struct osfp_guess *g)
{
	return env && env->osfp && osfp_match(env->osfp, r, env->osfp_profile, g);
}

static bool get_os(const struct scan_result *r, const struct field_env *env, struct field_value *v)
{
	struct osfp_guess g;
	if (!os_guess(r, env, &g))
		return false;
	v->str = g.name;
	return true;
}

static bool get_os_class(const struct scan_result *r, const struct field_env *env,
			 struct field_value *v)
{
	struct osfp_guess g;
	if (!os_guess(r, env, &g))
		return false;
	v->str = g.klass;
	return true;
}

static bool get_os_confidence(const struct scan_result *r, const struct field_env *env,
			      struct field_value *v)
{
	struct osfp_guess g;
	if (!os_guess(r, env, &g))
		return false;
	v->num = g.confidence;
	return true;
}

const struct result_field result_fields[] = {
	{"addr", FIELD_ADDRESS, "target address", get_addr},
	{"proto", FIELD_STRING, "protocol of the probe: tcp, udp, icmp, arp", get_proto},
	{"port", FIELD_NUMBER, "target port (absent for ICMP and ARP)", get_port},
	{"state", FIELD_STRING,
	 "open, closed, filtered, unfiltered, open|filtered, up, down (Nmap's names)", get_state},
	{"reason", FIELD_STRING, "why: syn-ack, reset, udp-response, port-unreach, no-response ...",
	 get_reason},
	{"service", FIELD_STRING, "service name of the port (nmap-services or /etc/services)",
	 get_service},
	{"product", FIELD_STRING, "-sV: product, e.g. nginx, OpenSSH", get_product},
	{"version", FIELD_STRING, "-sV: product version", get_version},
	{"info", FIELD_STRING, "-sV: extra information (Nmap's extrainfo)", get_info},
	{"grab_status", FIELD_STRING, "-sV: success, connection-refused, io-timeout, not-grabbed ...",
	 get_grab_status},
	{"ttl", FIELD_NUMBER, "IP TTL of the reply", get_ttl},
	{"ipid", FIELD_NUMBER, "IP id of the reply", get_ipid},
	{"len", FIELD_NUMBER, "IP total length of the reply", get_len},
	{"window", FIELD_NUMBER, "TCP window of a SYN-ACK or RST", get_window},
	{"mss", FIELD_NUMBER, "TCP MSS option of the reply", get_mss},
	{"wscale", FIELD_NUMBER, "TCP window scale option of the reply", get_wscale},
	{"sack", FIELD_BOOL, "the reply offered SACK", get_sack},
	{"timestamps", FIELD_BOOL, "the reply carried TCP timestamps", get_timestamps},
	{"rtt_us", FIELD_NUMBER, "round-trip time in microseconds (when measurable)", get_rtt_us},
	{"responder", FIELD_ADDRESS, "sender of an ICMP error when it is not the target",
	 get_responder},
	{"icmp_type", FIELD_NUMBER, "ICMP type of an error reply", get_icmp_type},
	{"icmp_code", FIELD_NUMBER, "ICMP code of an error reply", get_icmp_code},
	{"time", FIELD_STRING, "receive time, RFC 3339 UTC with microseconds", get_time},
	{"mac", FIELD_STRING, "MAC address of an on-link host (learnt by the ARP sweep)", get_mac},
	{"os_sig", FIELD_STRING, "p0f-style signature of a SYN-ACK or RST (ver:ittl:olen:mss:...)",
	 get_os_sig},
	{"hops", FIELD_NUMBER, "hop distance: initial TTL (32/64/128/255) minus the reply's TTL",
	 get_hops},
	{"os", FIELD_STRING, "passive OS guess from the SYN-ACK (p0f.fp + orbit's signatures)", get_os},
	{"os_class", FIELD_STRING, "class of the passive OS guess: unix, win, other ...", get_os_class},
	{"os_confidence", FIELD_NUMBER, "0-100: 100 exact match, 50 fuzzy (quirks or TTL off)",
	 get_os_confidence},
};

const size_t result_field_count = sizeof result_fields / sizeof result_fields[0];

const struct result_field *result_field_find(const char *name, size_t len)
{
	for (size_t i = 0; i < result_field_count; i++)
		if (strlen(result_fields[i].name) == len && memcmp(result_fields[i].name, name, len) == 0)
			return &result_fields[i];
	return NULL;
}

int field_value_format(const struct result_field *f, const struct field_value *v, char *buf,
		       size_t cap)
{
	switch (f->type) {
	case FIELD_NUMBER:
		return snprintf(buf, cap, "%" PRIu64, v->num);
	case FIELD_BOOL:
		return snprintf(buf, cap, "%s", v->num ? "true" : "false");
	case FIELD_ADDRESS: {
		uint32_t a = (uint32_t)v->num;
		return snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
				a & 0xff);
	}
	case FIELD_STRING:
		return snprintf(buf, cap, "%s", v->str);
	}
	return 0;
}

static const char *type_name(enum field_type t)
{
	switch (t) {
	case FIELD_NUMBER: return "number";
	case FIELD_STRING: return "string";
	case FIELD_ADDRESS: return "address";
	case FIELD_BOOL: return "bool";
	}
	return "?";
}

void result_fields_print(FILE *out)
{
	for (size_t i = 0; i < result_field_count; i++)
		fprintf(out, "%-11s %-8s %s\n", result_fields[i].name, type_name(result_fields[i].type),
			result_fields[i].description);
}

int field_selection_parse(struct field_selection *sel, const char *list, struct errbuf *e)
{
	sel->n = 0;
	const char *p = list;
	for (;;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, ", ");
		const struct result_field *f = result_field_find(p, len);
		if (!f) {
			return err_set(e, "invalid --fields '%s': unknown field '%.*s' (see --list-fields)",
				 list, (int)len, p);
		}
		if (sel->n == FIELD_SELECTION_MAX) {
			return err_set(e, "invalid --fields '%s': more than %d fields", list,
				 FIELD_SELECTION_MAX);
		}
		sel->v[sel->n++] = f;
		p += len;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		p++; /* the comma */
		if (*p == '\0') {
			return err_set(e, "invalid --fields '%s': empty field name after ','", list);
		}
	}
	return 0;
}
