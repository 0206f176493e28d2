/* NDJSON for enriched open ports (grab_json.h), through the one JSON writer. */
#include "output/grab_json.h"

#include <string.h>

#include "output/json.h"

static void put_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_cstring(j, v);
}

static void put_nonempty(struct json *j, const char *key, const char *v)
{
	if (v[0])
		put_str(j, key, v);
}

static void put_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

/* Version detection: Nmap's fields (cpe as an array: a match may give several). */
static void put_version(struct json *j, const struct grab_result *r)
{
	put_nonempty(j, "hostname", r->hostname);
	put_nonempty(j, "ostype", r->ostype);
	put_nonempty(j, "devicetype", r->devicetype);
	if (r->cpe[0]) {
		json_key(j, "cpe");
		json_array_begin(j);
		json_cstring(j, r->cpe);
		for (size_t i = 0; i < sizeof(r->cpe_more) / sizeof(r->cpe_more[0]); i++)
			if (r->cpe_more[i][0])
				json_cstring(j, r->cpe_more[i]);
		json_array_end(j);
	}
	put_nonempty(j, "method", r->method);
	if (r->conf)
		put_uint(j, "confidence", r->conf);
	put_nonempty(j, "probe", r->probe);
}

static void put_grab(struct json *j, const struct grab_result *r)
{
	if (r->banner_len) {
		json_key(j, "banner");
		json_string(j, r->banner, r->banner_len);
	}
	if (r->banner_truncated) {
		json_key(j, "banner_truncated");
		json_bool(j, true);
	}
	put_uint(j, "rx_bytes", r->rx_bytes);
	put_uint(j, "tx_bytes", r->tx_bytes);
	json_key(j, "grab_ms");
	json_double(j, (double)r->duration_us / 1000.0, 1);
}

/* Protocol fields, grouped by the prefix before '.' into one object each ("http":
 * {"title": ...}), in order of first appearance. */
static void put_fields(struct json *j, const struct grab_result *r)
{
	bool done[GRAB_FIELDS_MAX] = {false};
	for (unsigned i = 0; i < r->nfields; i++) {
		if (done[i])
			continue;
		const char *group = r->fields[i].key, *dot = strchr(group, '.');
		size_t pl = dot ? (size_t)(dot - group) : strlen(group);
		char name[64];
		if (pl >= sizeof name)
			pl = sizeof name - 1;
		memcpy(name, group, pl);
		name[pl] = '\0';
		json_key(j, name);
		json_object_begin(j);
		for (unsigned k = i; k < r->nfields; k++) {
			const char *key = r->fields[k].key;
			if (done[k] || strncmp(key, group, pl) != 0 || (key[pl] != '.' && key[pl] != 0))
				continue;
			done[k] = true;
			put_str(j, key[pl] ? key + pl + 1 : key, r->arena + r->fields[k].off);
		}
		json_object_end(j);
	}
}

size_t grab_result_json(const struct grab_result *r, char *buf, size_t cap)
{
	struct json j;
	json_init(&j, buf, cap);
	json_object_begin(&j);
	json_key(&j, "addr");
	json_ipv4(&j, r->scan.addr);
	put_str(&j, "proto", result_proto_name(r->scan.proto));
	put_uint(&j, "port", r->scan.port);
	put_str(&j, "state", port_state_name((enum port_state)r->scan.state));
	if (r->scan.reason)
		put_str(&j, "reason", result_reason_name((enum result_reason)r->scan.reason));
	put_str(&j, "grab_status", grab_status_name((enum grab_status)r->status));
	put_nonempty(&j, "module", r->module);
	put_nonempty(&j, "service", r->service);
	put_nonempty(&j, "product", r->product);
	put_nonempty(&j, "version", r->version);
	put_nonempty(&j, "info", r->info);
	put_version(&j, r);
	put_nonempty(&j, "error", r->error);
	if (r->status != GRAB_STATUS_NOT_GRABBED)
		put_grab(&j, r);
	put_fields(&j, r);
	json_object_end(&j);
	json_append(&j, "\n", 1);
	return json_len(&j);
}
