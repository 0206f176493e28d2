#include "output/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/base/grab_result.h"
#include "output/host_names.h"
#include "output/mac_vendors.h"
#include "output/script_fmt.h"
#include "output/os_report.h"
#include "output/output.h"
#include "output/service_info.h"
#include "output/services.h"

/* Nmap summarises a state (other than open) when more than this many ports have it. */
enum { MAX_LISTED_PER_STATE = 25, NSTATES = PORT_STATE_MAX + 1, NREASONS = REASON_NO_RESPONSE + 1 };

static uint64_t sort_key(const struct scan_result *r)
{
	return ((uint64_t)r->addr << 24) | ((uint64_t)r->proto << 16) | r->port;
}

static int cmp_result(const void *a, const void *b)
{
	uint64_t x = sort_key(a), y = sort_key(b);
	return x < y ? -1 : x > y;
}

void report_sort(struct scan_result *v, size_t *n)
{
	/* A stable order among equal keys is not needed: equal keys are dropped, and which
	 * copy survives only matters when two rx queues both saw one reply (no RSS). */
	if (*n == 0)
		return; /* v may be NULL: qsort must not see it (UBSan) */
	qsort(v, *n, sizeof *v, cmp_result);
	size_t out = 0;
	for (size_t i = 0; i < *n; i++)
		if (out == 0 || sort_key(&v[out - 1]) != sort_key(&v[i]))
			v[out++] = v[i];
	*n = out;
}

static void addr_text(uint32_t a, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* Nmap's "Wed Nov 25 11:33:57 2026" (ctime without the newline), local time. */
static void date_text(uint64_t ns, char out[64])
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 64, "%a %b %e %H:%M:%S %Y", &tm);
}

/* Nmap prints latency with two significant digits, never in exponent form. */
static void latency_text(int64_t ns, char *out, size_t cap)
{
	double s = (double)ns / 1e9;
	if (s <= 0) {
		snprintf(out, cap, "0.0");
		return;
	}
	int decimals = 1 - (int)floor(log10(s));
	if (decimals < 0)
		decimals = 0;
	snprintf(out, cap, "%.*f", decimals, s);
}

/* One host's results, analysed once for every format. */
struct host {
	uint32_t addr;
	const struct scan_result *v;
	size_t n;
	bool answered;        /* at least one real reply */
	bool down;            /* a ping sweep's HOST_DOWN entry */
	bool up_result;       /* a ping sweep's HOST_UP entry */
	const struct scan_result *first_answer;
	const uint8_t *mac;   /* an on-link host's MAC, or NULL */
	const struct os_record *os; /* -O's result, or NULL */
	int64_t min_rtt_ns;   /* -1: not measured */
	uint64_t state_count[NSTATES];
	bool ignored[NSTATES];
	size_t nports;        /* port results (TCP/UDP) */
};

static void host_analyse(struct host *h, const struct scan_result *v, size_t n)
{
	memset(h, 0, sizeof *h);
	h->addr = v[0].addr;
	h->v = v;
	h->n = n;
	h->min_rtt_ns = -1;
	for (size_t i = 0; i < n; i++) {
		const struct scan_result *r = &v[i];
		if (r->state == HOST_DOWN) {
			h->down = true;
			continue;
		}
		if (r->state == HOST_UP)
			h->up_result = true;
		if (r->has_mac && !h->mac)
			h->mac = r->mac;
		if (r->os)
			h->os = r->os;
		/* Only a reply from the host itself says it is up: a router's host-unreachable
		 * says rather the opposite (Nmap counts such a host as down). */
		bool from_host = !r->responder || r->responder == r->addr;
		if (r->reason != REASON_NO_RESPONSE && from_host) {
			if (!h->answered)
				h->first_answer = r;
			h->answered = true;
			if (r->rtt_ns >= 0 && (h->min_rtt_ns < 0 || r->rtt_ns < h->min_rtt_ns))
				h->min_rtt_ns = r->rtt_ns;
		}
		if (r->proto == 6 || r->proto == 17) {
			h->nports++;
			if (r->state < NSTATES)
				h->state_count[r->state]++;
		}
	}
	for (int s = 0; s < NSTATES; s++)
		h->ignored[s] = s != PORT_OPEN && h->state_count[s] > MAX_LISTED_PER_STATE;
}

static bool host_listed(const struct host *h, const struct report_scan *scan)
{
	return h->answered || (scan->all_hosts_up && !h->down);
}

/* Calls fn for each host group of the sorted results. */
typedef int (*host_fn)(FILE *f, const struct report_scan *scan, const struct host *h, void *arg);

static int for_each_host(FILE *f, const struct report_scan *scan, const struct scan_result *v,
			 size_t n, host_fn fn, void *arg)
{
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].addr == v[i].addr)
			j++;
		struct host h;
		host_analyse(&h, v + i, j - i);
		if (fn(f, scan, &h, arg) < 0)
			return -1;
		i = j;
	}
	return 0;
}

struct tally {
	uint64_t up, down;
};

size_t report_hosts_up(const struct report_scan *scan, const struct scan_result *v, size_t n,
		       bool all_hosts, uint32_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].addr == v[i].addr)
			j++;
		struct host h;
		host_analyse(&h, v + i, j - i);
		if (all_hosts || host_listed(&h, scan))
			out[k++] = h.addr;
		i = j;
	}
	return k;
}

static const char *service_or_unknown(const struct report_scan *scan, const struct scan_result *r)
{
	if (r->grab && r->grab->service[0]) /* -sV named it from the answer */
		return r->grab->service;
	const char *s = service_name(scan->services, r->proto, r->port);
	return s ? s : "unknown";
}

/* The SERVICE column: nmap's '?' after a name that is only the port table's guess. */
static const char *service_shown(const struct report_scan *scan, const struct scan_result *r,
				 char out[40])
{
	const char *s = service_or_unknown(scan, r);
	if (!service_guessed(r) || strcmp(s, "unknown") == 0)
		return s;
	snprintf(out, 40, "%s?", s);
	return out;
}

/* Nmap's VERSION column: product, version, then extra information in parentheses. */
static void version_text(const struct scan_result *r, char *out, size_t cap)
{
	out[0] = '\0';
	if (!r->grab)
		return;
	const struct grab_result *g = r->grab;
	snprintf(out, cap, "%s%s%s%s%s%s", g->product, g->product[0] && g->version[0] ? " " : "",
		 g->version, g->info[0] && (g->product[0] || g->version[0]) ? " " : "",
		 g->info[0] ? "(" : "", g->info);
	if (g->info[0] && strlen(out) + 1 < cap)
		strcat(out, ")");
}

/* "1-21,23-79,81-1024": the ports of one (state, reason, proto) group, Nmap's way. */
static void print_port_ranges(FILE *f, const struct host *h, uint8_t state, int reason,
			      uint8_t proto)
{
	bool first = true;
	for (size_t i = 0; i < h->n;) {
		const struct scan_result *r = &h->v[i];
		if (r->state != state || r->proto != proto || (reason >= 0 && r->reason != reason)) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < h->n && h->v[j].state == state && h->v[j].proto == proto &&
		       (reason < 0 || h->v[j].reason == reason) && h->v[j].port == h->v[j - 1].port + 1)
			j++;
		fprintf(f, "%s%u", first ? "" : ",", r->port);
		if (j - i > 1)
			fprintf(f, "-%u", h->v[j - 1].port);
		first = false;
		i = j;
	}
}

/* Counts of one ignored state for one protocol, by reason. */
static uint64_t reason_counts(const struct host *h, uint8_t state, uint8_t proto,
			      uint64_t by_reason[NREASONS])
{
	memset(by_reason, 0, NREASONS * sizeof *by_reason);
	uint64_t total = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].state == state && h->v[i].proto == proto && h->v[i].reason < NREASONS) {
			by_reason[h->v[i].reason]++;
			total++;
		}
	return total;
}

static const uint8_t port_protos[] = {6, 17};

/* ---- normal (text) ------------------------------------------------------------------ */

static void text_not_shown(FILE *f, const struct host *h)
{
	bool any = false;
	for (int s = 0; s < NSTATES; s++) {
		if (!h->ignored[s])
			continue;
		for (size_t p = 0; p < sizeof port_protos; p++) {
			uint64_t by_reason[NREASONS];
			uint64_t total = reason_counts(h, (uint8_t)s, port_protos[p], by_reason);
			if (!total)
				continue;
			fprintf(f, "%s%" PRIu64 " %s %s port%s (", any ? ", " : "Not shown: ", total,
				port_state_name((enum port_state)s), result_proto_name(port_protos[p]),
				total == 1 ? "" : "s");
			int kinds = 0;
			for (int r = 0; r < NREASONS; r++)
				kinds += by_reason[r] > 0;
			/* Most common reason first. */
			for (int k = 0; k < kinds; k++) {
				int best = 0;
				for (int r = 1; r < NREASONS; r++)
					if (by_reason[r] > by_reason[best])
						best = r;
				if (kinds > 1)
					fprintf(f, "%s%" PRIu64 " ", k ? ", " : "", by_reason[best]);
				fputs(result_reason_name((enum result_reason)best), f);
				by_reason[best] = 0;
			}
			fputc(')', f);
			any = true;
		}
	}
	fputc('\n', f); /* nmap leaves this line empty when every port is listed */
}

/* Nmap's line for a host on the local segment, with the vendor nmap's table names. */
static void text_mac(FILE *f, const struct report_scan *scan, const struct host *h)
{
	if (!h->mac)
		return;
	char mac[18];
	result_mac_text(h->mac, mac);
	const char *vendor = mac_vendor(scan->vendors, h->mac);
	fprintf(f, "MAC Address: %s (%s)\n", mac, vendor ? vendor : "Unknown");
}

/* -O's lines, after the MAC as nmap prints them. */
static void text_os(FILE *f, const struct host *h)
{
	if (h->os)
		os_report_text(f, h->os->db, &h->os->result, h->os->guess);
}

/* "orbit scan report for NAME (ADDR)": the user's name, else the PTR. */
static void text_host_line(FILE *f, const struct report_scan *scan, const char *a, uint32_t addr)
{
	const struct host_name *hn = host_names_find(scan->names, addr);
	const char *name = hn ? (hn->user ? hn->user : hn->ptr) : NULL;
	if (name)
		fprintf(f, "orbit scan report for %s (%s)\n", name, a);
	else
		fprintf(f, "orbit scan report for %s\n", a);
}

/* nmap's line after "Host is up" when the user's name and the PTR differ. */
static void text_rdns_line(FILE *f, const struct report_scan *scan, const char *a, uint32_t addr)
{
	const struct host_name *hn = host_names_find(scan->names, addr);
	if (hn && hn->user && hn->ptr && strcasecmp(hn->user, hn->ptr) != 0)
		fprintf(f, "rDNS record for %s: %s\n", a, hn->ptr);
}

/* nmap's note and SF blocks for services that answered and matched nothing. */
static void text_fingerprints(FILE *f, const struct report_scan *scan, const struct host *h)
{
	size_t count = 0;
	for (size_t i = 0; i < h->n; i++)
		count += service_fp_wanted(&h->v[i]);
	if (!count)
		return;
	fprintf(f, "%zu service%s unrecognized despite returning data. Fingerprint%s for "
		"research follow%s, in nmap's format:\n", count, count == 1 ? "" : "s",
		count == 1 ? "" : "s", count == 1 ? "s" : "");
	for (size_t i = 0; i < h->n; i++) {
		if (!service_fp_wanted(&h->v[i]))
			continue;
		char fp[6 * GRAB_BANNER_MAX + 256];
		service_fp_string(h->v[i].grab, scan->end_ns, fp, sizeof fp);
		if (count > 1)
			fputs("==============NEXT SERVICE FINGERPRINT (SUBMIT INDIVIDUALLY)==============\n", f);
		service_fp_write(f, fp);
	}
}

/* The port table's columns: widths, and whether VERSION and REASON are shown (reason_w 0:
 * no REASON column). */
struct port_columns {
	size_t port_w, state_w, svc_w;
	bool versions;
	size_t reason_w;
};

/* nmap's --reason cell: "syn-ack ttl 64", "reset ttl 63", "no-response". */
static void reason_cell(const struct scan_result *r, char *out, size_t cap)
{
	const char *name = result_reason_name((enum result_reason)r->reason);
	if (r->reason == REASON_NO_RESPONSE || r->reason == REASON_NONE)
		snprintf(out, cap, "%s", name);
	else
		snprintf(out, cap, "%s ttl %u", name, r->ttl);
}

static size_t reason_width(const struct host *h)
{
	size_t w = 6; /* "REASON" */
	for (size_t i = 0; i < h->n; i++) {
		const struct scan_result *r = &h->v[i];
		if ((r->proto != 6 && r->proto != 17) || h->ignored[r->state])
			continue;
		char cell[64];
		reason_cell(r, cell, sizeof cell);
		w = strlen(cell) > w ? strlen(cell) : w;
	}
	return w;
}

static void text_port_header(FILE *f, const struct port_columns *c)
{
	bool more = c->versions || c->reason_w;
	fprintf(f, "%-*s %-*s %-*s", (int)c->port_w, "PORT", (int)c->state_w, "STATE",
		more ? (int)c->svc_w : 0, "SERVICE");
	if (c->reason_w)
		fprintf(f, " %-*s", c->versions ? (int)c->reason_w : 0, "REASON");
	fputs(c->versions ? " VERSION\n" : "\n", f);
}

static void text_port_row(FILE *f, const struct report_scan *scan, const struct scan_result *r,
			  const struct port_columns *c)
{
	char port[16], version[300], reason[64], svc[40];
	snprintf(port, sizeof port, "%u/%s", r->port, result_proto_name(r->proto));
	version_text(r, version, sizeof version);
	bool has_version = c->versions && version[0];
	fprintf(f, "%-*s %-*s %-*s", (int)c->port_w, port, (int)c->state_w,
		port_state_name((enum port_state)r->state),
		has_version || c->reason_w ? (int)c->svc_w : 0, service_shown(scan, r, svc));
	if (c->reason_w) {
		reason_cell(r, reason, sizeof reason);
		fprintf(f, " %-*s", has_version ? (int)c->reason_w : 0, reason);
	}
	if (has_version)
		fprintf(f, " %s", version);
	fputc('\n', f);
}

static int text_host(FILE *f, const struct report_scan *scan, const struct host *h, void *arg)
{
	struct tally *t = arg;
	char a[16];
	addr_text(h->addr, a);
	if (!host_listed(h, scan)) {
		t->down++;
		return 0;
	}
	t->up++;
	text_host_line(f, scan, a, h->addr);
	if (h->min_rtt_ns >= 0) {
		char lat[32];
		latency_text(h->min_rtt_ns, lat, sizeof lat);
		fprintf(f, "Host is up (%ss latency).\n", lat);
	} else {
		fprintf(f, "Host is up.\n");
	}
	text_rdns_line(f, scan, a, h->addr);
	if (h->nports == 0 || scan->ping_sweep) {
		text_mac(f, scan, h);
		text_os(f, h);
		return ferror(f) ? -1 : 0;
	}

	size_t shown = 0, port_w = 4, state_w = 5;
	for (size_t i = 0; i < h->n; i++) {
		const struct scan_result *r = &h->v[i];
		if ((r->proto != 6 && r->proto != 17) || h->ignored[r->state])
			continue;
		char port[16];
		size_t pl = (size_t)snprintf(port, sizeof port, "%u/%s", r->port, result_proto_name(r->proto));
		size_t sl = strlen(port_state_name((enum port_state)r->state));
		port_w = pl > port_w ? pl : port_w;
		state_w = sl > state_w ? sl : state_w;
		shown++;
	}
	if (shown == 0)
		fprintf(f, "All %zu scanned ports on %s are in ignored states.\n", h->nports, a);
	text_not_shown(f, h);
	if (shown) {
		/* The VERSION column appears when -sV learned something, as in Nmap. */
		size_t svc_w = 7;
		bool versions = false;
		for (size_t i = 0; i < h->n; i++) {
			const struct scan_result *r = &h->v[i];
			if ((r->proto != 6 && r->proto != 17) || h->ignored[r->state])
				continue;
			char svc[40];
			size_t l = strlen(service_shown(scan, r, svc));
			svc_w = l > svc_w ? l : svc_w;
			versions |= r->grab != NULL;
		}
		struct port_columns cols = {port_w, state_w, svc_w, versions,
					    scan->reason ? reason_width(h) : 0};
		text_port_header(f, &cols);
		for (size_t i = 0; i < h->n; i++) {
			const struct scan_result *r = &h->v[i];
			if ((r->proto != 6 && r->proto != 17) || h->ignored[r->state])
				continue;
			text_port_row(f, scan, r, &cols);
			if (r->scripts)
				script_text_write(f, r->scripts);
		}
		text_fingerprints(f, scan, h);
	}
	text_mac(f, scan, h);
	text_os(f, h);
	service_info_write(f, h->v, h->n);
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

static void footer_summary(char *out, size_t cap, const struct report_scan *scan, uint64_t up,
			   const char *date_sep)
{
	char end[64];
	date_text(scan->end_ns, end);
	double secs = (double)(scan->end_ns - scan->start_ns) / 1e9;
	snprintf(out, cap, "orbit done at %s%s %" PRIu64 " IP address%s (%" PRIu64 " host%s up) "
		 "scanned in %.2f seconds", end, date_sep, scan->addresses,
		 scan->addresses == 1 ? "" : "es", up, up == 1 ? "" : "s", secs);
}

static void header_line(FILE *f, const struct report_scan *scan, const char *prefix,
			const char *suffix)
{
	char start[64];
	date_text(scan->start_ns, start);
	fprintf(f, "%sorbit %s scan initiated %s as: %s%s\n", prefix, ORBIT_VERSION, start,
		scan->command_line ? scan->command_line : "orbit", suffix);
}

/* What the port tables above could not count: said once, so no "Not shown" is read as
 * covering probes it never saw. */
static void text_complement_note(FILE *f, const struct report_scan *scan)
{
	if (scan->ping_sweep || scan->nports == 0)
		return;
	if (scan->complement == REPORT_COMPLEMENT_NONE)
		fprintf(f, "# ports that did not answer are not listed or counted (more than %u "
			"probes, or the scan stopped early; --report-all lists them)\n",
			OUTPUT_REPORT_WALK);
	if (scan->silent_probes_unlisted)
		fprintf(f, "# Not shown: %" PRIu64 " unanswered probes of hosts that never answered "
			"(-Pn lists those hosts in scans of at most %u probes; --report-all lists "
			"them)\n", scan->silent_probes_unlisted, OUTPUT_SMALL_SCAN);
}

int report_write_text(FILE *f, const struct report_scan *scan, const struct scan_result *v,
		      size_t n)
{
	struct tally t = {0};
	header_line(f, scan, "# ", "");
	if (for_each_host(f, scan, v, n, text_host, &t) < 0)
		return -1;
	if (scan->interrupted)
		fprintf(f, "# interrupted: this report covers the probes sent before the stop\n");
	text_complement_note(f, scan);
	char sum[256];
	footer_summary(sum, sizeof sum, scan, t.up, " --");
	fprintf(f, "# %s\n", sum);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* ---- grepable ----------------------------------------------------------------------- */

static int grep_host(FILE *f, const struct report_scan *scan, const struct host *h, void *arg)
{
	struct tally *t = arg;
	char a[16];
	addr_text(h->addr, a);
	/* nmap's grepable names a host by its PTR only. */
	const struct host_name *hn = host_names_find(scan->names, h->addr);
	const char *ptr = hn && hn->ptr ? hn->ptr : "";
	if (!host_listed(h, scan)) {
		if (h->down) {
			fprintf(f, "Host: %s (%s)\tStatus: Down\n", a, ptr);
			t->down++;
		}
		return ferror(f) ? -1 : 0;
	}
	t->up++;
	fprintf(f, "Host: %s (%s)\tStatus: Up\n", a, ptr);
	if (h->nports == 0 || scan->ping_sweep)
		return ferror(f) ? -1 : 0;
	/* Grepable output names one ignored state: the most common one, if it is ignored. */
	int ignored = -1;
	for (int s = 0; s < NSTATES; s++)
		if (h->ignored[s] && (ignored < 0 || h->state_count[s] > h->state_count[ignored]))
			ignored = s;
	fprintf(f, "Host: %s (%s)\tPorts: ", a, ptr);
	bool first = true;
	for (size_t i = 0; i < h->n; i++) {
		const struct scan_result *r = &h->v[i];
		if ((r->proto != 6 && r->proto != 17) || r->state == ignored)
			continue;
		fprintf(f, "%s%u/%s/%s//%s///", first ? "" : ", ", r->port,
			port_state_name((enum port_state)r->state), result_proto_name(r->proto),
			service_or_unknown(scan, r));
		first = false;
	}
	if (ignored >= 0)
		fprintf(f, "\tIgnored State: %s (%" PRIu64 ")", port_state_name((enum port_state)ignored),
			h->state_count[ignored]);
	if (h->os)
		os_report_grepable(f, h->os->db, &h->os->result);
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

int report_write_grepable(FILE *f, const struct report_scan *scan, const struct scan_result *v,
			  size_t n)
{
	struct tally t = {0};
	header_line(f, scan, "# ", "");
	if (for_each_host(f, scan, v, n, grep_host, &t) < 0)
		return -1;
	char sum[256];
	footer_summary(sum, sizeof sum, scan, t.up, " --");
	fprintf(f, "# %s\n", sum);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* ---- XML ---------------------------------------------------------------------------- */

static void xml_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* Control characters are not allowed in XML 1.0 at all. */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

/* The comment form must not contain "--". */
static void xml_comment_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '-' && s[1] == '-')
			fputs("- ", f);
		else
			fputc(*s, f);
	}
}

static void xml_scaninfo(FILE *f, const struct report_scan *scan)
{
	for (size_t p = 0; p < sizeof port_protos; p++) {
		uint8_t proto = port_protos[p];
		size_t count = 0;
		for (size_t i = 0; i < scan->nports; i++)
			count += scan->ports[i].proto == proto;
		if (!count)
			continue;
		fprintf(f, "<scaninfo type=\"%s\" protocol=\"%s\" numservices=\"%zu\" services=\"",
			proto == 17 ? "udp" : scan->tcp_ack ? "ack" : "syn", result_proto_name(proto), count);
		bool first = true;
		for (size_t i = 0; i < scan->nports;) {
			if (scan->ports[i].proto != proto) {
				i++;
				continue;
			}
			size_t j = i + 1;
			while (j < scan->nports && scan->ports[j].proto == proto &&
			       scan->ports[j].port == scan->ports[j - 1].port + 1)
				j++;
			fprintf(f, "%s%u", first ? "" : ",", scan->ports[i].port);
			if (j - i > 1)
				fprintf(f, "-%u", scan->ports[j - 1].port);
			first = false;
			i = j;
		}
		fputs("\"/>\n", f);
	}
}

static void xml_attr(FILE *f, const char *name, const char *val)
{
	if (!val || !val[0])
		return;
	fprintf(f, " %s=\"", name);
	xml_escaped(f, val);
	fputc('"', f);
}

static void xml_cpe(const char *cpe, void *arg)
{
	FILE *f = arg;
	fputs("<cpe>", f);
	xml_escaped(f, cpe);
	fputs("</cpe>", f);
}

/* <service name=... product=... ostype=... devicetype=... servicefp=...><cpe>...</cpe>. */
static void xml_service(FILE *f, const struct report_scan *scan, const struct scan_result *r)
{
	const struct grab_result *g = r->grab;
	bool probed = g && g->service[0];
	const char *svc = probed ? g->service : service_name(scan->services, r->proto, r->port);
	bool fp = service_fp_wanted(r);
	if (!svc && !fp)
		return;
	fputs("<service", f);
	/* ssl/http is name="http" tunnel="ssl" in nmap's XML */
	bool ssl = probed && strncmp(svc, "ssl/", 4) == 0;
	xml_attr(f, "name", svc ? svc + (ssl ? 4 : 0) : "unknown");
	if (probed) {
		xml_attr(f, "product", g->product);
		xml_attr(f, "version", g->version);
		xml_attr(f, "extrainfo", g->info);
		xml_attr(f, "hostname", g->hostname);
		xml_attr(f, "ostype", g->ostype);
		xml_attr(f, "devicetype", g->devicetype);
	}
	if (fp) {
		char sf[6 * GRAB_BANNER_MAX + 256] = "SF-";
		service_fp_string(g, scan->end_ns, sf + 3, sizeof sf - 3);
		xml_attr(f, "servicefp", sf);
	}
	if (ssl)
		fputs(" tunnel=\"ssl\"", f);
	if (probed)
		fprintf(f, " method=\"%s\" conf=\"%u\"", g->method[0] ? g->method : "probed",
			g->conf ? g->conf : 10u);
	else
		fputs(" method=\"table\" conf=\"3\"", f);
	if (probed && g->cpe[0]) {
		fputc('>', f);
		service_cpes(g, xml_cpe, f);
		fputs("</service>", f);
	} else {
		fputs("/>", f);
	}
}

static void xml_hostnames(FILE *f, const struct report_scan *scan, uint32_t addr)
{
	fputs("<hostnames>\n", f);
	const struct host_name *hn = host_names_find(scan->names, addr);
	if (hn && hn->user) {
		fputs("<hostname", f);
		xml_attr(f, "name", hn->user);
		fputs(" type=\"user\"/>\n", f);
	}
	if (hn && hn->ptr) {
		fputs("<hostname", f);
		xml_attr(f, "name", hn->ptr);
		fputs(" type=\"PTR\"/>\n", f);
	}
	fputs("</hostnames>\n", f);
}

static int xml_host(FILE *f, const struct report_scan *scan, const struct host *h, void *arg)
{
	struct tally *t = arg;
	char a[16];
	addr_text(h->addr, a);
	bool listed = host_listed(h, scan);
	if (!listed && !h->down)
		return 0;
	if (listed) {
		t->up++;
		const struct scan_result *fa = h->first_answer;
		fprintf(f, "<host><status state=\"up\" reason=\"%s\" reason_ttl=\"%u\"/>\n",
			fa ? result_reason_name((enum result_reason)fa->reason) : "user-set",
			fa ? fa->ttl : 0);
	} else {
		t->down++;
		fprintf(f, "<host><status state=\"down\" reason=\"no-response\" reason_ttl=\"0\"/>\n");
	}
	fprintf(f, "<address addr=\"%s\" addrtype=\"ipv4\"/>\n", a);
	if (h->mac) {
		char mac[18];
		result_mac_text(h->mac, mac);
		fprintf(f, "<address addr=\"%s\" addrtype=\"mac\"", mac);
		xml_attr(f, "vendor", mac_vendor(scan->vendors, h->mac));
		fputs("/>\n", f);
	}
	xml_hostnames(f, scan, h->addr);
	if (listed && h->nports && !scan->ping_sweep) {
		fputs("<ports>", f);
		for (int s = 0; s < NSTATES; s++) {
			if (!h->ignored[s])
				continue;
			fprintf(f, "<extraports state=\"%s\" count=\"%" PRIu64 "\">\n",
				port_state_name((enum port_state)s), h->state_count[s]);
			for (size_t p = 0; p < sizeof port_protos; p++) {
				uint64_t by_reason[NREASONS];
				reason_counts(h, (uint8_t)s, port_protos[p], by_reason);
				for (int r = 0; r < NREASONS; r++) {
					if (!by_reason[r])
						continue;
					fprintf(f, "<extrareasons reason=\"%s\" count=\"%" PRIu64
						"\" proto=\"%s\" ports=\"",
						result_reason_name((enum result_reason)r), by_reason[r],
						result_proto_name(port_protos[p]));
					print_port_ranges(f, h, (uint8_t)s, r, port_protos[p]);
					fputs("\"/>\n", f);
				}
			}
			fputs("</extraports>\n", f);
		}
		for (size_t i = 0; i < h->n; i++) {
			const struct scan_result *r = &h->v[i];
			if ((r->proto != 6 && r->proto != 17) || h->ignored[r->state])
				continue;
			fprintf(f, "<port protocol=\"%s\" portid=\"%u\"><state state=\"%s\" reason=\"%s\" "
				"reason_ttl=\"%u\"",
				result_proto_name(r->proto), r->port, port_state_name((enum port_state)r->state),
				result_reason_name((enum result_reason)r->reason),
				r->reason == REASON_NO_RESPONSE ? 0 : r->ttl);
			if (r->reason != REASON_NO_RESPONSE && r->responder && r->responder != r->addr) {
				char ra[16];
				addr_text(r->responder, ra);
				fprintf(f, " reason_ip=\"%s\"", ra);
			}
			fputs("/>", f);
			xml_service(f, scan, r);
			if (r->scripts)
				script_xml_write(f, r->scripts);
			fputs("</port>\n", f);
		}
		fputs("</ports>\n", f);
	}
	if (listed && h->os)
		os_report_xml(f, h->os->db, &h->os->result);
	if (listed && h->min_rtt_ns >= 0)
		fprintf(f, "<times srtt=\"%" PRId64 "\" rttvar=\"0\" to=\"100000\"/>\n",
			h->min_rtt_ns / 1000);
	fputs("</host>\n", f);
	return ferror(f) ? -1 : 0;
}

int report_write_xml(FILE *f, const struct report_scan *scan, const struct scan_result *v,
		     size_t n)
{
	char start[64], end[64];
	date_text(scan->start_ns, start);
	date_text(scan->end_ns, end);
	const char *cmd = scan->command_line ? scan->command_line : "orbit";
	/* scanner="nmap" is what nmap.dtd allows (an enumeration of one); the version, the
	 * args and the leading comment say it is orbit. */
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n<!-- ", f);
	fprintf(f, "orbit %s scan initiated %s as: ", ORBIT_VERSION, start);
	xml_comment_text(f, cmd);
	fputs(" -->\n<nmaprun scanner=\"nmap\" args=\"", f);
	xml_escaped(f, cmd);
	fprintf(f, "\" start=\"%" PRIu64 "\" startstr=\"%s\" version=\"%s\" xmloutputversion=\"1.05\">\n",
		scan->start_ns / 1000000000u, start, ORBIT_VERSION);
	if (!scan->ping_sweep)
		xml_scaninfo(f, scan);
	fputs("<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n", f);
	struct tally t = {0};
	if (for_each_host(f, scan, v, n, xml_host, &t) < 0)
		return -1;
	char sum[256];
	footer_summary(sum, sizeof sum, scan, t.up, ";");
	double secs = (double)(scan->end_ns - scan->start_ns) / 1e9;
	uint64_t down = scan->addresses > t.up ? scan->addresses - t.up : 0;
	/* nmap.dtd allows exit="success" or "error" with an errormsg: a stopped scan is not a
	 * success, whatever it found. */
	fprintf(f, "<runstats><finished time=\"%" PRIu64 "\" timestr=\"%s\" summary=\"%s\" "
		"elapsed=\"%.2f\" exit=\"%s\"/><hosts up=\"%" PRIu64 "\" down=\"%" PRIu64
		"\" total=\"%" PRIu64 "\"/>\n</runstats>\n</nmaprun>\n",
		scan->end_ns / 1000000000u, end, sum, secs,
		scan->interrupted ? "error\" errormsg=\"interrupted" : "success", t.up, down,
		scan->addresses);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
