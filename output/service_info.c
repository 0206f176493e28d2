#include "output/service_info.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

bool service_guessed(const struct scan_result *r)
{
	return r->grab && !r->grab->service[0] && r->state == PORT_OPEN;
}

bool service_fp_wanted(const struct scan_result *r)
{
	return r->grab && !r->grab->service[0] && r->grab->banner_len > 0;
}

const char *service_fp_probe_name(const struct grab_result *g)
{
	/* orbit's generic grab waits for a greeting, then sends an HTTP GET (nmap's
	 * GetRequest); the protocol modules send their own first words. */
	if (g->tx_bytes == 0)
		return "NULL";
	return strcmp(g->module, "generic") == 0 || strcmp(g->module, "http") == 0 ? "GetRequest"
										   : "GenericLines";
}

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && b->len + 1 < b->cap; i++)
		b->p[b->len++] = s[i];
	b->p[b->len] = '\0';
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* nmap's escaping of a response inside %r(...,"..."). */
static void put_escaped(struct buf *b, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		switch (c) {
		case '\r': put(b, "\\r", 2); break;
		case '\n': put(b, "\\n", 2); break;
		case '\t': put(b, "\\t", 2); break;
		case '\0': put(b, "\\0", 2); break;
		case '"': put(b, "\\\"", 2); break;
		case '\\': put(b, "\\\\", 2); break;
		default:
			if (c > 0x20 && c < 0x7f)
				put(b, (const char *)&c, 1);
			else
				putf(b, "\\x%02x", c);
		}
	}
}

size_t service_fp_string(const struct grab_result *g, uint64_t now_ns, char *out, size_t cap)
{
	struct buf b = {out, 0, cap};
	if (!cap)
		return 0;
	out[0] = '\0';
	time_t t = (time_t)(now_ns / 1000000000u);
	struct tm tm;
	localtime_r(&t, &tm);
	struct utsname u;
	const char *machine = uname(&u) == 0 ? u.machine : "unknown";
	putf(&b, "Port%u-%s:V=%s%s%%I=7%%D=%d/%d%%Time=%" PRIX64 "%%P=%s-pc-linux-gnu",
	     g->scan.port, g->scan.proto == 17 ? "UDP" : "TCP", ORBIT_VERSION, g->tls ? "%T=SSL" : "",
	     tm.tm_mon + 1, tm.tm_mday, (uint64_t)t, machine);
	putf(&b, "%%r(%s,%X,\"", service_fp_probe_name(g), (unsigned)g->banner_len);
	put_escaped(&b, (const uint8_t *)g->banner, g->banner_len);
	put(&b, "\");", 3);
	return b.len;
}

void service_fp_write(FILE *f, const char *fp)
{
	enum { LINE = 71 };
	size_t n = strlen(fp);
	for (size_t off = 0; off < n; off += LINE)
		fprintf(f, "SF%c%.*s\n", off ? ':' : '-', (int)(n - off < LINE ? n - off : LINE),
			fp + off);
}

void service_cpes(const struct grab_result *g, void (*fn)(const char *cpe, void *arg), void *arg)
{
	if (g->cpe[0])
		fn(g->cpe, arg);
	for (size_t i = 0; i < sizeof g->cpe_more / sizeof g->cpe_more[0]; i++)
		if (g->cpe_more[i][0])
			fn(g->cpe_more[i], arg);
}

/* The distinct values of one kind, in the order first seen. */
enum { INFO_MAX = 8, HOSTS = 0, OSS, DEVICES, CPES, KINDS };

struct info_set {
	const char *v[KINDS][INFO_MAX];
	size_t n[KINDS];
};

static void info_add(struct info_set *s, int kind, const char *val)
{
	if (!val[0])
		return;
	for (size_t i = 0; i < s->n[kind]; i++)
		if (strcmp(s->v[kind][i], val) == 0)
			return;
	if (s->n[kind] < INFO_MAX)
		s->v[kind][s->n[kind]++] = val;
}

static void add_system_cpe(const char *cpe, void *arg)
{
	/* Application CPEs (cpe:/a) name the service, already in the VERSION column. */
	if (strncmp(cpe, "cpe:/o", 6) == 0 || strncmp(cpe, "cpe:/h", 6) == 0)
		info_add(arg, CPES, cpe);
}

void service_info_write(FILE *f, const struct scan_result *v, size_t n)
{
	struct info_set s = {0};
	for (size_t i = 0; i < n; i++) {
		const struct grab_result *g = v[i].grab;
		if (!g || v[i].state != PORT_OPEN)
			continue;
		info_add(&s, HOSTS, g->hostname);
		info_add(&s, OSS, g->ostype);
		info_add(&s, DEVICES, g->devicetype);
		service_cpes(g, add_system_cpe, &s);
	}
	static const char *const one[KINDS] = {"Host", "OS", "Device", "CPE"};
	static const char *const many[KINDS] = {"Hosts", "OSs", "Devices", "CPE"};
	bool any = false;
	for (int k = 0; k < KINDS; k++) {
		if (!s.n[k])
			continue;
		fprintf(f, "%s%s: ", any ? "; " : "Service Info: ", s.n[k] > 1 ? many[k] : one[k]);
		for (size_t i = 0; i < s.n[k]; i++)
			fprintf(f, "%s%s", i ? ", " : "", s.v[k][i]);
		any = true;
	}
	if (any)
		fputc('\n', f);
}
