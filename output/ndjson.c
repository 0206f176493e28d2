#include "output/ndjson.h"

#include "output/json.h"
#include "output/os_report.h"
#include "output/utc_time.h"

/* key: a literal (JSON_KEY); v: a name from the program's own tables. */
#define put_str(j, key, v) (JSON_KEY((j), key), json_cstring_plain((j), (v)))
#define put_uint(j, key, v) (JSON_KEY((j), key), json_uint((j), (v)))
#define put_true(j, key) (JSON_KEY((j), key), json_bool((j), true))

/* RFC 3339 UTC with microseconds: 2026-11-25T09:33:57.123456Z. */
static void put_time(struct json *j, uint64_t ns)
{
	char t[UTC_RFC3339_LEN];
	utc_rfc3339_us(ns, t);
	JSON_KEY(j, "time");
	json_string_plain(j, t, sizeof t);
}

static bool shows_icmp(const struct scan_result *r)
{
	if (!r->icmp_type && !r->icmp_code && r->reason < REASON_NET_UNREACH)
		return false;
	return r->reason != REASON_ECHO_REPLY && r->reason != REASON_UDP_RESPONSE &&
	       r->reason != REASON_SYN_ACK && r->reason != REASON_RESET;
}

static void put_reply(struct json *j, const struct scan_result *r)
{
	put_uint(j, "ttl", r->ttl);
	put_uint(j, "ipid", r->ip_id);
	put_uint(j, "len", r->reply_len);
	if (r->responder && r->responder != r->addr) {
		JSON_KEY(j, "responder");
		json_ipv4(j, r->responder);
	}
	if (shows_icmp(r)) {
		put_uint(j, "icmp_type", r->icmp_type);
		put_uint(j, "icmp_code", r->icmp_code);
	}
	if (r->proto == 6 && (r->reason == REASON_SYN_ACK || r->reason == REASON_RESET)) {
		put_uint(j, "window", r->tcp_window);
		if (r->tcp_opts & TCPOPT_HAS_MSS)
			put_uint(j, "mss", r->tcp_mss);
		if (r->tcp_opts & TCPOPT_HAS_WSCALE)
			put_uint(j, "wscale", r->tcp_wscale);
		if (r->tcp_opts & TCPOPT_HAS_SACK_OK)
			put_true(j, "sack");
		if (r->tcp_opts & TCPOPT_HAS_TIMESTAMP)
			put_true(j, "timestamps");
	}
	if (r->rtt_ns >= 0) {
		JSON_KEY(j, "rtt_us");
		json_int(j, r->rtt_ns / 1000);
	}
}

size_t ndjson_format_result(const struct scan_result *r, char *buf, size_t cap)
{
	struct json j;
	json_init(&j, buf, cap);
	json_object_begin(&j);
	JSON_KEY(&j, "addr");
	json_ipv4(&j, r->addr);
	put_str(&j, "proto", result_proto_name(r->proto));
	if (r->proto != 1 && r->proto != RESULT_PROTO_ARP && r->proto != RESULT_PROTO_OS)
		put_uint(&j, "port", r->port);
	put_str(&j, "state", port_state_name((enum port_state)r->state));
	if (r->os) { /* -O's host record: its time and the os object */
		if (r->timestamp_ns)
			put_time(&j, r->timestamp_ns);
		JSON_KEY(&j, "os");
		os_report_json(&j, r->os->db, &r->os->result);
		json_object_end(&j);
		json_append(&j, "\n", 1);
		return json_len(&j);
	}
	put_str(&j, "reason", result_reason_name((enum result_reason)r->reason));
	if (r->has_mac) {
		char mac[18];
		result_mac_text(r->mac, mac);
		put_str(&j, "mac", mac);
	}
	/* An ARP reply has no IP header: no ttl, ipid, len. */
	if (r->reason != REASON_NO_RESPONSE && r->proto != RESULT_PROTO_ARP)
		put_reply(&j, r);
	if (r->timestamp_ns)
		put_time(&j, r->timestamp_ns);
	json_object_end(&j);
	json_append(&j, "\n", 1);
	return json_len(&j);
}
