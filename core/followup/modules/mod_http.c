/* HTTP: GET / with Host, then OPTIONS / (pipelined, "Connection: close") for the Allow
 * header. Status, Server (→ product/version as Nmap names them), <title>, Allow.
 * Over TLS on 443/8443 (the pool runs the handshake first). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/followup/module.h"

#define QUIET_MS 1500
#define UA "Mozilla/5.0 (compatible; orbit)"

static const char *const probes[] = {"GetRequest", "HTTPOptions", "FourOhFourRequest", NULL};

/* Length of a complete response at p (headers and body), 0 if not complete or the body
 * runs until close. *hdr gets the header length (0 while incomplete). */
static size_t resp_end(const uint8_t *p, size_t n, size_t *hdr)
{
	*hdr = 0;
	const uint8_t *e = NULL;
	for (size_t i = 0; i + 3 < n; i++) {
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
			e = p + i + 4;
			break;
		}
	}
	if (!e)
		return 0;
	*hdr = (size_t)(e - p);
	int code = n > 12 ? (int)grab_number(p + 9, p + *hdr, 10) : 0;
	if (code / 100 == 1 || code == 204 || code == 304)
		return *hdr;
	const uint8_t *cl = grab_memcasemem(p, *hdr, "\ncontent-length:");
	if (cl) {
		uint64_t len = grab_number(cl + 16, p + *hdr, 10);
		if (len <= n - *hdr)
			return *hdr + (size_t)len;
		return 0;
	}
	const uint8_t *te = grab_memcasemem(p, *hdr, "\ntransfer-encoding:");
	if (te && grab_memcasemem(te, *hdr - (size_t)(te - p), "chunked")) {
		size_t off = *hdr;
		for (int guard = 0; guard < 100000 && off < n; guard++) {
			const uint8_t *le = grab_line_end(p + off, n - off);
			if (!le)
				return 0;
			uint64_t sz = grab_number(p + off, le, 16);
			off = (size_t)(le - p);
			if (sz == 0) { /* last chunk; then trailers up to an empty line */
				for (;;) {
					le = grab_line_end(p + off, n - off);
					if (!le)
						return 0;
					size_t ll = (size_t)(le - (p + off));
					off += ll;
					if (ll <= 2)
						return off;
				}
			}
			if (sz > n - off)
				return 0;
			off += sz;
			le = grab_line_end(p + off, n - off);
			if (!le)
				return 0;
			off = (size_t)(le - p);
		}
	}
	return 0; /* body until close */
}

/* The User-Agent: with --contact, as crawlers sign theirs ("+URL" in the comment), so a
 * server's operator can see who scanned and how to opt out. */
static void user_agent(const struct grab_session *s, char *ua, size_t cap)
{
	if (s->contact)
		snprintf(ua, cap, "Mozilla/5.0 (compatible; orbit; +%s)", s->contact);
	else
		snprintf(ua, cap, "%s", UA);
}

static enum grab_verdict start(struct grab_session *s)
{
	char host[32], req[GRAB_TX_MAX], ua[256];
	user_agent(s, ua, sizeof ua);
	if (s->port == 80 || (s->port == 443 && s->tls))
		snprintf(host, sizeof(host), "%u.%u.%u.%u", s->addr >> 24, (s->addr >> 16) & 255,
			 (s->addr >> 8) & 255, s->addr & 255);
	else
		snprintf(host, sizeof(host), "%u.%u.%u.%u:%u", s->addr >> 24,
			 (s->addr >> 16) & 255, (s->addr >> 8) & 255, s->addr & 255, s->port);
	int n = snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
			 "Accept: */*\r\n\r\n"
			 "OPTIONS / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n",
			 host, ua, host, ua);
	grab_send(s, req, (size_t)n);
	s->phase = 2; /* two responses expected */
	return GRAB_MORE;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	if (s->rx_len >= 5 && memcmp(s->rx, "HTTP/", 5) != 0) {
		s->why = "not http";
		return GRAB_MISMATCH;
	}
	if (s->rx_len < 5) {
		if (s->eof && s->rx_len) {
			s->why = "not http";
			return GRAB_MISMATCH;
		}
		return s->eof ? GRAB_MORE : GRAB_MORE;
	}
	if (s->eof)
		return GRAB_DONE;
	size_t hdr, end = resp_end(s->rx, s->rx_len, &hdr);
	if (end) {
		s->mark = end;
		if (s->phase < 2)
			return GRAB_DONE;
		size_t hdr2;
		resp_end(s->rx + end, s->rx_len - end, &hdr2);
		if (hdr2)
			return GRAB_DONE; /* the OPTIONS headers are all we want from it */
	}
	if (hdr)
		grab_wait(s, QUIET_MS);
	return GRAB_MORE;
}

static enum grab_verdict on_idle(struct grab_session *s)
{
	return s->rx_len ? GRAB_DONE : GRAB_MORE;
}

/* Value of header `name` (with ':') in the header block, trimmed, into dst. */
static bool header(const uint8_t *p, size_t n, const char *name, char *dst, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\n%s", name);
	const uint8_t *h = grab_memcasemem(p, n, pat);
	if (!h)
		return false;
	h += strlen(pat);
	size_t left = n - (size_t)(h - p);
	while (left && (*h == ' ' || *h == '\t')) {
		h++;
		left--;
	}
	grab_line(dst, cap, h, left);
	return true;
}

/* "Server:" value → product, version, info, named as Nmap names them. */
void grab_http_server(const char *sv, struct grab_result *r)
{
	static const struct {
		const char *token, *product;
	} names[] = {
		{"Apache", "Apache httpd"},
		{"Microsoft-IIS", "Microsoft IIS httpd"},
		{"lighttpd", "lighttpd"},
		{"nginx", "nginx"},
		{"openresty", "OpenResty web app server"},
		{"Caddy", "Caddy httpd"},
		{"LiteSpeed", "LiteSpeed httpd"},
		{"Jetty", "Jetty"},
		{"gunicorn", "Gunicorn"},
		{"SimpleHTTP", "SimpleHTTPServer"},
		{"thttpd", "thttpd"},
		{"Werkzeug", "Werkzeug httpd"},
		{"cloudflare", "cloudflare"},
	};
	size_t tl = strcspn(sv, "/ ");
	const char *product = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].token) == tl && strncasecmp(sv, names[i].token, tl) == 0)
			product = names[i].product;
	if (product)
		GRAB_SETS(r->product, product);
	else
		GRAB_SET(r->product, sv, tl);
	if (sv[tl] == '/') {
		const char *v = sv + tl + 1;
		GRAB_SET(r->version, v, strcspn(v, " "));
		v += strcspn(v, " ");
		while (*v == ' ')
			v++;
		if (*v == '(') /* "(Debian)", "(CentOS)": Nmap's extrainfo */
			GRAB_SET(r->info, v, strcspn(v, ")") + 1);
	}
}

static void title(const uint8_t *p, size_t n, struct grab_result *r)
{
	const uint8_t *t = grab_memcasemem(p, n, "<title");
	if (!t)
		return;
	const uint8_t *gt = memchr(t, '>', n - (size_t)(t - p));
	if (!gt)
		return;
	gt++;
	size_t left = n - (size_t)(gt - p);
	const uint8_t *end = grab_memcasemem(gt, left, "</title");
	size_t len = end ? (size_t)(end - gt) : (left < 128 ? left : 128);
	char buf[256];
	size_t k = 0;
	bool space = true;
	for (size_t i = 0; i < len && k + 1 < sizeof(buf); i++) { /* collapse white space */
		unsigned char c = gt[i];
		if (isspace(c)) {
			if (!space)
				buf[k++] = ' ';
			space = true;
		} else {
			buf[k++] = (char)c;
			space = false;
		}
	}
	while (k && buf[k - 1] == ' ')
		k--;
	grab_field(r, "http.title", buf, k);
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	const uint8_t *p = s->rx;
	size_t n = s->rx_len;
	if (n < 12 || memcmp(p, "HTTP/", 5) != 0)
		return;
	GRAB_SETS(r->service, "http");
	char line[256];
	grab_line(line, sizeof(line), p, n);
	grab_field(r, "http.status_line", line, strlen(line));
	grab_fieldf(r, "http.status", "%d", atoi(line + 9));
	size_t hdr, end = resp_end(p, n, &hdr);
	size_t hn = hdr ? hdr : n;
	char sv[256];
	if (header(p, hn, "server:", sv, sizeof(sv))) {
		grab_field(r, "http.server", sv, strlen(sv));
		grab_http_server(sv, r);
	}
	char ct[128];
	if (header(p, hn, "content-type:", ct, sizeof(ct)))
		grab_field(r, "http.content_type", ct, strlen(ct));
	if (hdr)
		title(p + hdr, (end ? end : n) - hdr, r);
	/* The OPTIONS answer (second response), when there was one. */
	if (end && end < n && n - end > 12 && memcmp(p + end, "HTTP/", 5) == 0) {
		size_t hdr2;
		resp_end(p + end, n - end, &hdr2);
		char allow[256];
		if (header(p + end, hdr2 ? hdr2 : n - end, "allow:", allow, sizeof(allow)))
			grab_field(r, "http.methods", allow, strlen(allow));
		grab_line(line, sizeof(line), p + end, n - end);
		grab_fieldf(r, "http.options_status", "%d", atoi(line + 9));
	}
}

static bool detect(const uint8_t *p, size_t n)
{
	return n >= 5 && memcmp(p, "HTTP/", 5) == 0;
}

const struct grab_module grab_mod_http = {
	.name = "http",
	.service = "http",
	.nmap_probes = probes,
	.start = start,
	.on_data = on_data,
	.on_idle = on_idle,
	.finish = finish,
	.detect = detect,
};
