#include "output/ndjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *proto_text(uint8_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : "ip";
}

struct line {
	char *buf;
	size_t cap, len;
	int overflow;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	if (l->overflow)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->cap - l->len)
		l->overflow = 1;
	else
		l->len += (size_t)n;
}

static void put_addr(struct line *l, const char *key, uint32_t a)
{
	put(l, ",\"%s\":\"%u.%u.%u.%u\"", key, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

size_t ndjson_format_result(const struct scan_result *r, char *buf, size_t cap)
{
	struct line l = {buf, cap, 0, 0};
	uint32_t a = r->addr;
	put(&l, "{\"addr\":\"%u.%u.%u.%u\",\"proto\":\"%s\"", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff, proto_text(r->proto));
	if (r->proto != 1)
		put(&l, ",\"port\":%u", r->port);
	put(&l, ",\"state\":\"%s\",\"reason\":\"%s\"", port_state_name((enum port_state)r->state),
	    result_reason_name((enum result_reason)r->reason));
	if (r->reason != REASON_NO_RESPONSE) {
		put(&l, ",\"ttl\":%u,\"ipid\":%u,\"len\":%u", r->ttl, r->ip_id, r->reply_len);
		if (r->responder && r->responder != r->addr)
			put_addr(&l, "responder", r->responder);
		if (r->icmp_type || r->icmp_code || r->reason >= REASON_NET_UNREACH)
			if (r->reason != REASON_ECHO_REPLY && r->reason != REASON_UDP_RESPONSE &&
			    r->reason != REASON_SYN_ACK && r->reason != REASON_RESET)
				put(&l, ",\"icmp_type\":%u,\"icmp_code\":%u", r->icmp_type, r->icmp_code);
		if (r->proto == 6 && (r->reason == REASON_SYN_ACK || r->reason == REASON_RESET)) {
			put(&l, ",\"window\":%u", r->tcp_window);
			if (r->tcp_opts & TCPOPT_HAS_MSS)
				put(&l, ",\"mss\":%u", r->tcp_mss);
			if (r->tcp_opts & TCPOPT_HAS_WSCALE)
				put(&l, ",\"wscale\":%u", r->tcp_wscale);
			if (r->tcp_opts & TCPOPT_HAS_SACK_OK)
				put(&l, ",\"sack\":true");
			if (r->tcp_opts & TCPOPT_HAS_TIMESTAMP)
				put(&l, ",\"timestamps\":true");
		}
		if (r->rtt_ns >= 0)
			put(&l, ",\"rtt_us\":%lld", (long long)(r->rtt_ns / 1000));
	}
	if (r->timestamp_ns) {
		time_t secs = (time_t)(r->timestamp_ns / 1000000000u);
		struct tm tm;
		gmtime_r(&secs, &tm);
		put(&l, ",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06uZ\"", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (unsigned)(r->timestamp_ns % 1000000000u / 1000));
	}
	put(&l, "}\n");
	return l.overflow ? 0 : l.len;
}
