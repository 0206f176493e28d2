#include "output/ndjson.h"

#include <time.h>

#include "output/json.h"

static void put_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_cstring(j, v);
}

static void put_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

static void put_true(struct json *j, const char *key)
{
	json_key(j, key);
	json_bool(j, true);
}

static void digits(char *out, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

/* RFC 3339 UTC with microseconds: 2026-11-25T09:33:57.123456Z. */
static void put_time(struct json *j, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000u);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char t[27] = "0000-00-00T00:00:00.000000Z";
	digits(t, (unsigned)(tm.tm_year + 1900) % 10000, 4);
	digits(t + 5, (unsigned)tm.tm_mon + 1, 2);
	digits(t + 8, (unsigned)tm.tm_mday, 2);
	digits(t + 11, (unsigned)tm.tm_hour, 2);
	digits(t + 14, (unsigned)tm.tm_min, 2);
	digits(t + 17, (unsigned)tm.tm_sec, 2);
	digits(t + 20, (unsigned)(ns % 1000000000u / 1000), 6);
	json_key(j, "time");
	json_string(j, t, sizeof t);
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
		json_key(j, "responder");
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
		json_key(j, "rtt_us");
		json_int(j, r->rtt_ns / 1000);
	}
}

size_t ndjson_format_result(const struct scan_result *r, char *buf, size_t cap)
{
	struct json j;
	json_init(&j, buf, cap);
	json_object_begin(&j);
	json_key(&j, "addr");
	json_ipv4(&j, r->addr);
	put_str(&j, "proto", result_proto_name(r->proto));
	if (r->proto != 1 && r->proto != RESULT_PROTO_ARP)
		put_uint(&j, "port", r->port);
	put_str(&j, "state", port_state_name((enum port_state)r->state));
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
