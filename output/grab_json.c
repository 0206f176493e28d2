/* NDJSON for enriched open ports (grab.h: grab_result_json). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "output/grab_json.h"

struct jw {
	char *buf;
	size_t cap, len;
	bool over;
};

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct jw *w, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		w->over = true;
		return;
	}
	put(w, tmp, (size_t)n);
}

/* JSON string of raw bytes: printable ASCII as is, \" \\ \n \r \t, others \u00XX. */
static void str(struct jw *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(w, e, 2);
		} else if (c == '\n') {
			put(w, "\\n", 2);
		} else if (c == '\r') {
			put(w, "\\r", 2);
		} else if (c == '\t') {
			put(w, "\\t", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			putf(w, "\\u%04x", c);
		} else {
			put(w, (const char *)&c, 1);
		}
	}
	put(w, "\"", 1);
}

static void kv(struct jw *w, const char *k, const char *v)
{
	if (!v[0])
		return;
	putf(w, ",\"%s\":", k);
	str(w, v, strlen(v));
}

size_t grab_result_json(const struct grab_result *r, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, false};
	struct in_addr a = {.s_addr = htonl(r->scan.addr)};
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	putf(&w, "{\"addr\":\"%s\",\"proto\":\"tcp\",\"port\":%u,\"state\":\"%s\"", ip,
	     r->scan.port, port_state_name((enum port_state)r->scan.state));
	if (r->scan.reason)
		putf(&w, ",\"reason\":\"%s\"", result_reason_name((enum result_reason)r->scan.reason));
	putf(&w, ",\"grab_status\":\"%s\"", grab_status_name((enum grab_status)r->status));
	kv(&w, "module", r->module);
	kv(&w, "service", r->service);
	kv(&w, "product", r->product);
	kv(&w, "version", r->version);
	kv(&w, "info", r->info);
	kv(&w, "ostype", r->ostype);
	kv(&w, "cpe", r->cpe);
	kv(&w, "error", r->error);
	if (r->status != GRAB_STATUS_NOT_GRABBED) {
		if (r->banner_len) {
			put(&w, ",\"banner\":", 10);
			str(&w, r->banner, r->banner_len);
		}
		if (r->banner_truncated)
			put(&w, ",\"banner_truncated\":true", 24);
		putf(&w, ",\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"grab_ms\":%.1f",
		     (unsigned long long)r->rx_bytes, (unsigned long long)r->tx_bytes,
		     (double)r->duration_us / 1000.0);
	}
	/* protocol fields, grouped by the prefix before '.', in order of first appearance */
	bool done[GRAB_FIELDS_MAX] = {false};
	for (unsigned i = 0; i < r->nfields; i++) {
		if (done[i])
			continue;
		const char *dot = strchr(r->fields[i].key, '.');
		size_t pl = dot ? (size_t)(dot - r->fields[i].key) : strlen(r->fields[i].key);
		put(&w, ",", 1);
		str(&w, r->fields[i].key, pl);
		put(&w, ":{", 2);
		bool first = true;
		for (unsigned j = i; j < r->nfields; j++) {
			const char *k = r->fields[j].key;
			if (done[j] || strncmp(k, r->fields[i].key, pl) != 0 ||
			    (k[pl] != '.' && k[pl] != 0))
				continue;
			done[j] = true;
			if (!first)
				put(&w, ",", 1);
			first = false;
			const char *sub = k[pl] ? k + pl + 1 : k;
			str(&w, sub, strlen(sub));
			put(&w, ":", 1);
			const char *v = r->arena + r->fields[j].off;
			str(&w, v, strlen(v));
		}
		put(&w, "}", 1);
	}
	put(&w, "}\n", 2);
	if (w.over)
		return 0;
	return w.len;
}
