#include "output/output.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/fields.h"
#include "output/filter.h"
#include "core/base/clock.h"
#include "core/base/ring.h"
#include "output/grab_json.h"
#include "output/host_names.h"
#include "output/script_fmt.h"
#include "output/json.h"
#include "output/mac_vendors.h"
#include "output/ndjson.h"
#include "output/report.h"
#include "output/services.h"
#include "output/sink.h"
#include "core/osfp/osfp.h"
#include "output/pgsink.h"

/* A line of any streaming format fits in this (checked: a longer one is counted as
 * dropped, never truncated). */
enum { LINE_MAX_BYTES = 1024, CHUNK = 32, MAX_STREAMS = 4, WRITER_TAKE = 256 };

struct output_set;

/* The format vtable. Streaming formats have format_line (and maybe header); grouped
 * formats have render, called once at the end with the sorted results. */
struct format_ops {
	const char *name;
	void (*header)(const struct output_set *os, FILE *f);
	size_t (*format_line)(const struct output_set *os, const struct scan_result *r, char *buf,
			      size_t cap);
	int (*render)(FILE *f, const struct report_scan *scan, const struct scan_result *v, size_t n);
};

struct stream {
	const struct format_ops *fmt;
	struct sink sink;
	bool to_stdout;
	const char *option; /* "-oX" ..., for messages */
	const char *path;
};

/* One producer's queue to the writer thread: a RING_ONE_PRODUCER ring (or, for the set's
 * shared entry, output_set_write(), a RING_MANY_PRODUCERS one). */
struct output_producer {
	struct output_set *os;
	struct ring ring;
};

struct output_set {
	struct stream streams[MAX_STREAMS];
	size_t nstreams;
	bool any_grouped, any_streaming;
	bool any_compressed; /* a .zst / .gz stream: synced every OUTPUT_SYNC_NS */
	bool report_all;
	bool reason;
	bool hits_only;
	bool unanswered_to_reports;
	bool unanswered_every_host; /* -Pn small scan: hosts that never answered listed too */
	bool unanswered_walked;     /* the complement reached the set (for the report's notes) */
	uint64_t unanswered_unlisted; /* -Pn, larger scans: probes of silent hosts not listed */
	struct output_filter *filter;
	struct field_selection sel; /* n == 0: the format's own default */
	struct service_names *services;
	struct osfp_db *osfp;
	struct field_env env;
	struct output_scan_info info;
	const char *main_format;
	/* The queues to the writer thread (see output.h): lock-free; the lock and condition
	 * only wake an idle writer (a producer looks at writer_idle, one load per burst). */
	struct output_producer shared;
	struct output_producer *producers[OUTPUT_PRODUCERS_MAX];
	_Atomic size_t nproducers;
	pthread_mutex_t producers_lock; /* output_producer_open() only */
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	atomic_bool writer_idle, stop;
	bool writer_started;
	pthread_t writer;
	/* No writer thread (it could not start): callers write themselves, one at a time. */
	pthread_mutex_t direct_lock;
	/* Only the writer thread touches these while it runs (the caller's after it stops). */
	char *long_line; /* GRAB_JSON_MAX bytes for enriched records, or NULL */
	struct scan_result *collected; /* grouped formats' results */
	size_t ncollected, cap;
	size_t n_answered;     /* collected[0, n_answered): answers, sorted (see write_unanswered) */
	bool answered_sorted;
	_Atomic uint64_t written, filtered_out, dropped, unanswered;
	struct pg_sink *pg;              /* --output-postgres, or NULL */
	pthread_mutex_t checkpoint_lock; /* pending_checkpoint: any thread -> the writer */
	char *pending_checkpoint;
};

static void stop_writer(struct output_set *os);
static void release_enrichment(struct scan_result *v, size_t n);
static void *writer_main(void *arg);

/* ---- streaming formats -------------------------------------------------------------- */

/* -f with NDJSON: the chosen fields that apply, in the chosen order. */
static size_t ndjson_selected_line(const struct output_set *os, const struct scan_result *r,
				   char *buf, size_t cap)
{
	struct json j;
	json_init(&j, buf, cap);
	json_object_begin(&j);
	for (size_t i = 0; i < os->sel.n; i++) {
		const struct result_field *f = os->sel.v[i];
		struct field_value v;
		if (!f->get(r, &os->env, &v))
			continue;
		char val[256];
		int vl = field_value_format(f, &v, val, sizeof val);
		if (vl < 0 || (size_t)vl >= sizeof val)
			return 0;
		json_key(&j, f->name);
		if (f->type == FIELD_STRING || f->type == FIELD_ADDRESS)
			json_string(&j, val, (size_t)vl);
		else
			json_raw(&j, val, (size_t)vl);
	}
	json_object_end(&j);
	json_append(&j, "\n", 1);
	return json_len(&j);
}

/* A target given by name: "hostname" goes into its records (before the closing brace).
 * Costs one binary search over the named targets, none when there are none. */
static size_t with_hostname(const struct output_set *os, const struct scan_result *r, char *buf,
			    size_t len, size_t cap)
{
	const struct host_name *hn = host_names_find(os->info.names, r->addr);
	if (!hn || !hn->user || len < 3 || buf[len - 1] != '\n' || buf[len - 2] != '}')
		return len;
	char extra[320];
	struct json j;
	json_init(&j, extra, sizeof extra);
	json_object_begin(&j);
	json_key(&j, "hostname");
	json_cstring(&j, hn->user);
	json_object_end(&j);
	size_t n = json_len(&j); /* {"hostname":"..."} */
	if (n < 2 || len - 2 + 1 + (n - 1) + 1 > cap)
		return len;
	size_t at = len - 2; /* the closing brace */
	buf[at++] = ',';
	memcpy(buf + at, extra + 1, n - 1); /* without the opening brace, with the closing one */
	at += n - 1;
	buf[at++] = '\n';
	return at;
}

/* A record whose line may be far longer than a plain one (a banner, scripts, -O). */
static bool is_enriched(const struct scan_result *r)
{
	return r->grab || r->scripts || r->os;
}

/* The NDJSON object of a record, without the -f selection or the hostname. */
static size_t ndjson_record(const struct scan_result *r, char *buf, size_t cap)
{
	return r->grab ? grab_result_json(r->grab, buf, cap) : ndjson_format_result(r, buf, cap);
}

static size_t ndjson_line(const struct output_set *os, const struct scan_result *r, char *buf,
			  size_t cap)
{
	if (os->sel.n)
		return ndjson_selected_line(os, r, buf, cap);
	size_t len = ndjson_record(r, buf, cap);
	if (r->scripts && len)
		len = script_json_splice(buf, len, cap, r->scripts);
	return os->info.names && os->info.names->n ? with_hostname(os, r, buf, len, cap) : len;
}

static const struct result_field *csv_field(const struct output_set *os, size_t i)
{
	return os->sel.n ? os->sel.v[i] : &result_fields[i];
}

static size_t csv_nfields(const struct output_set *os)
{
	return os->sel.n ? os->sel.n : result_field_count;
}

static void csv_header(const struct output_set *os, FILE *f)
{
	for (size_t i = 0; i < csv_nfields(os); i++)
		fprintf(f, "%s%s", i ? "," : "", csv_field(os, i)->name);
	fputc('\n', f);
}

/* RFC 4180: a value with a comma, quote or line break is quoted, quotes doubled. */
static size_t csv_line(const struct output_set *os, const struct scan_result *r, char *buf,
		       size_t cap)
{
	size_t len = 0;
	for (size_t i = 0; i < csv_nfields(os); i++) {
		const struct result_field *f = csv_field(os, i);
		struct field_value v;
		char val[256];
		int vl = 0;
		if (f->get(r, &os->env, &v))
			vl = field_value_format(f, &v, val, sizeof val);
		if (vl < 0 || (size_t)vl >= sizeof val)
			return 0;
		val[vl] = '\0';
		bool quote = strpbrk(val, ",\"\r\n") != NULL;
		if (len + 2 * (size_t)vl + 4 >= cap)
			return 0;
		if (i)
			buf[len++] = ',';
		if (quote)
			buf[len++] = '"';
		for (int k = 0; k < vl; k++) {
			if (val[k] == '"')
				buf[len++] = '"';
			buf[len++] = val[k];
		}
		if (quote)
			buf[len++] = '"';
	}
	buf[len++] = '\n';
	return len;
}

static const struct format_ops formats[] = {
	{"ndjson", NULL, ndjson_line, NULL},
	{"csv", csv_header, csv_line, NULL},
	{"text", NULL, NULL, report_write_text},
	{"xml", NULL, NULL, report_write_xml},
	{"grepable", NULL, NULL, report_write_grepable},
};

static const struct format_ops *format_find(const char *name)
{
	if (strcmp(name, "json") == 0)
		name = "ndjson";
	else if (strcmp(name, "normal") == 0)
		name = "text";
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

/* ---- set-up ------------------------------------------------------------------------- */

static bool is_stdout_path(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

static void add_stream(struct output_set *os, const struct format_ops *fmt, const char *path,
		       const char *option)
{
	struct stream *s = &os->streams[os->nstreams++];
	s->fmt = fmt;
	s->path = path;
	s->option = option;
	s->to_stdout = is_stdout_path(path);
}

void output_set_close(struct output_set *os)
{
	if (!os)
		return;
	stop_writer(os);
	for (size_t i = 0; i < os->nstreams; i++)
		if (os->streams[i].sink.f)
			sink_close(&os->streams[i].sink);
	output_filter_free(os->filter);
	service_names_free(os->services);
	osfp_db_free(os->osfp);
	size_t np = atomic_load(&os->nproducers);
	for (size_t i = 0; i < np; i++) {
		ring_free(&os->producers[i]->ring);
		free(os->producers[i]);
	}
	ring_free(&os->shared.ring);
	pthread_mutex_destroy(&os->producers_lock);
	pthread_mutex_destroy(&os->wake_lock);
	pthread_cond_destroy(&os->wake);
	pthread_mutex_destroy(&os->direct_lock);
	pthread_mutex_destroy(&os->checkpoint_lock);
	free(os->pending_checkpoint);
	pg_sink_close(os->pg);
	free(os->long_line);
	release_enrichment(os->collected, os->ncollected);
	free(os->collected);
	free(os);
}

/* The passive OS signatures for the os fields: orbit's, then Debian's p0f.fp when
 * installed (read once here; matched per hit). -1: out of memory. */
static int output_osfp_open(struct output_set *os, const struct output_options *opt)
{
	os->osfp = osfp_db_load_default(NULL);
	if (!os->osfp)
		return -1;
	unsigned profile = osfp_profile_from_name(opt->tcp_options ? opt->tcp_options : "linux");
	os->env.osfp = os->osfp;
	os->env.osfp_profile = profile ? profile : OSFP_PROFILE_LINUX;
	return 0;
}

int output_set_open(struct output_set **out, const struct output_options *opt, struct errbuf *e)
{
	*out = NULL;
	struct output_set *os = calloc(1, sizeof *os);
	if (!os) {
		err_set(e, "out of memory");
		return 1;
	}
	pthread_mutex_init(&os->producers_lock, NULL);
	pthread_mutex_init(&os->wake_lock, NULL);
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&os->wake, &monotonic);
	pthread_condattr_destroy(&monotonic);
	pthread_mutex_init(&os->direct_lock, NULL);
	pthread_mutex_init(&os->checkpoint_lock, NULL);
	os->shared.os = os;
	os->report_all = opt->report_all;
	os->reason = opt->reason;
	os->hits_only = opt->hits_only && !opt->report_all && !opt->filter;

	const struct format_ops *main_fmt;
	bool main_implicit = opt->format == NULL;
	if (opt->format) {
		main_fmt = format_find(opt->format);
		if (!main_fmt) {
			err_set(e, "invalid --output-format '%s': expected ndjson, csv, text, xml or "
				   "grepable", opt->format);
			goto bad_input;
		}
	} else {
		main_fmt = format_find(is_stdout_path(opt->path) && opt->stdout_is_tty ? "text" : "ndjson");
	}
	add_stream(os, main_fmt, opt->path, "--output-file");
	if (opt->normal_path)
		add_stream(os, format_find("text"), opt->normal_path, "-oN");
	if (opt->xml_path)
		add_stream(os, format_find("xml"), opt->xml_path, "-oX");
	if (opt->grepable_path)
		add_stream(os, format_find("grepable"), opt->grepable_path, "-oG");

	/* One stdout: a per-format option that names it takes it from a default main output
	 * (orbit -oN - ... prints the report alone, as nmap does); anything else is a conflict. */
	size_t on_stdout = 0;
	for (size_t i = 1; i < os->nstreams; i++)
		on_stdout += os->streams[i].to_stdout;
	if (on_stdout > 1) {
		err_set(e, "more than one of -oN/-oX/-oG writes to stdout ('-'): give files");
		goto bad_input;
	}
	if (on_stdout == 1 && os->streams[0].to_stdout) {
		if (!main_implicit) {
			err_set(e, "-O %s and -oN/-oX/-oG - both write to stdout: send one to a file "
				   "(-o FILE)", main_fmt->name);
			goto bad_input;
		}
		memmove(&os->streams[0], &os->streams[1], (os->nstreams - 1) * sizeof os->streams[0]);
		os->nstreams--;
	} else {
		os->main_format = main_fmt->name;
	}

	if (opt->fields && field_selection_parse(&os->sel, opt->fields, e) < 0)
		goto bad_input;
	if (opt->filter && !(os->filter = output_filter_parse(opt->filter, e)))
		goto bad_input;

	for (size_t i = 0; i < os->nstreams; i++) {
		if (os->streams[i].fmt->render)
			os->any_grouped = true;
		else
			os->any_streaming = true;
	}

	/* A bad CONNINFO or no database: said before anything else happens (the check opens a
	 * connection too, and closes it). */
	if (opt->postgres && pg_sink_open(&os->pg, opt->postgres, false, e) < 0)
		goto bad_input;
	if (opt->validate_only) {
		output_set_close(os);
		return 0;
	}
	/* not for the check alone: two files of 27k and 300 lines at every start */
	os->services = service_names_load(NULL);
	if (!os->services) {
		err_set(e, "out of memory");
		output_set_close(os);
		return 1;
	}
	os->env.services = os->services;
	if (output_osfp_open(os, opt) < 0) {
		err_set(e, "out of memory");
		output_set_close(os);
		return 1;
	}
	/* The queue's memory is only touched as far as it fills (ring.h). */
	if (ring_init(&os->shared.ring, OUTPUT_QUEUE_RESULTS) < 0) {
		err_set(e, "out of memory");
		output_set_close(os);
		return 1;
	}
	for (size_t i = 0; i < os->nstreams; i++) {
		struct stream *s = &os->streams[i];
		if (sink_open(&s->sink, s->path) < 0) {
			err_set(e, "cannot write %s '%s': %s", s->option, s->path, strerror(errno));
			output_set_close(os);
			return 1;
		}
		if (s->sink.z)
			os->any_compressed = true;
	}
	*out = os;
	return 0;

bad_input:
	output_set_close(os);
	return 2;
}

int output_set_begin(struct output_set *os, const struct output_scan_info *info)
{
	os->info = *info;
	/* Headers first: from here on only the writer thread writes to the streams. */
	for (size_t i = 0; i < os->nstreams; i++) {
		struct stream *s = &os->streams[i];
		if (s->fmt->header)
			s->fmt->header(os, s->sink.f);
	}
	os->long_line = malloc(GRAB_JSON_MAX);
	if (pthread_create(&os->writer, NULL, writer_main, os) == 0)
		os->writer_started = true;
	return 0;
}

/* ---- results ------------------------------------------------------------------------ */

static void collect(struct output_set *os, const struct scan_result *r, size_t n)
{
	if (os->ncollected + n > os->cap) {
		size_t cap = os->cap ? os->cap : 1024;
		while (cap < os->ncollected + n)
			cap *= 2;
		struct scan_result *v = realloc(os->collected, cap * sizeof *v);
		if (!v) {
			release_enrichment((struct scan_result *)(uintptr_t)r, n);
			atomic_fetch_add_explicit(&os->dropped, n, memory_order_relaxed);
			return;
		}
		os->collected = v;
		os->cap = cap;
	}
	memcpy(os->collected + os->ncollected, r, n * sizeof *r);
	os->ncollected += n;
}

static void write_long_line(struct output_set *os, struct stream *st, const struct scan_result *r)
{
	char *big = os->long_line;
	size_t len = big ? st->fmt->format_line(os, r, big, GRAB_JSON_MAX) : 0;
	if (len == 0 || !sink_write(&st->sink, big, len))
		atomic_fetch_add_explicit(&os->dropped, 1, memory_order_relaxed);
}

/* The set owns every record's enrichment (grab result, scripts, -O record) from
 * output_set_write() on: freed once written, unless a grouped report keeps the record
 * (then at close). */
static void release_enrichment(struct scan_result *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)(uintptr_t)v[i].grab);
		free((void *)(uintptr_t)v[i].scripts);
		free((void *)(uintptr_t)v[i].os);
		v[i].grab = NULL;
		v[i].scripts = NULL;
		v[i].os = NULL;
	}
}

/* What zmap and masscan print by default: the answers that found something -- an open
 * port, a host up, an unfiltered port of an ACK scan. */
static bool is_hit(const struct scan_result *r)
{
	return r->state == PORT_OPEN || r->state == HOST_UP || r->state == PORT_UNFILTERED;
}

/* --output-postgres: each row is the result's NDJSON object (the columns come from it). */
static void rows_to_postgres(struct output_set *os, const struct scan_result *r, size_t n)
{
	char line[LINE_MAX_BYTES];
	for (size_t i = 0; i < n; i++) {
		bool big = is_enriched(&r[i]);
		char *buf = big && os->long_line ? os->long_line : line;
		size_t len = big && !os->long_line ? 0
			     : ndjson_record(&r[i], buf, big ? GRAB_JSON_MAX : sizeof line);
		if (len)
			pg_sink_row(os->pg, buf, len);
		else
			atomic_fetch_add_explicit(&os->dropped, 1, memory_order_relaxed);
	}
}

/* The writer's side of output_set_checkpoint(): commits the pending one, if any. */
static void commit_pending_checkpoint(struct output_set *os)
{
	pthread_mutex_lock(&os->checkpoint_lock);
	char *cp = os->pending_checkpoint;
	os->pending_checkpoint = NULL;
	pthread_mutex_unlock(&os->checkpoint_lock);
	if (cp)
		pg_sink_commit(os->pg, cp);
	free(cp);
}

static void emit(struct output_set *os, const struct scan_result *in, size_t n, bool to_streams,
		 bool to_reports)
{
	char buf[CHUNK * LINE_MAX_BYTES];
	struct scan_result kept[CHUNK];
	while (n > 0) {
		size_t take = n < CHUNK ? n : CHUNK, k = 0;
		for (size_t i = 0; i < take; i++) {
			if (output_filter_match(os->filter, &in[i], &os->env)) {
				kept[k++] = in[i];
			} else {
				atomic_fetch_add_explicit(&os->filtered_out, 1, memory_order_relaxed);
				struct scan_result rejected = in[i];
				release_enrichment(&rejected, 1);
			}
		}
		in += take;
		n -= take;
		if (k == 0)
			continue;
		for (size_t s = 0; s < os->nstreams && to_streams; s++) {
			struct stream *st = &os->streams[s];
			if (!st->fmt->format_line)
				continue;
			size_t used = 0;
			unsigned lines = 0;
			for (size_t i = 0; i < k; i++) {
				if (os->hits_only && !is_hit(&kept[i]))
					continue;
				if (is_enriched(&kept[i])) {
					/* An enriched record (banner, protocol fields) may be far longer
					 * than a plain line: written on its own, in order. */
					if (!sink_write(&st->sink, buf, used))
						atomic_fetch_add_explicit(&os->dropped, lines, memory_order_relaxed);
					used = 0;
					lines = 0;
					write_long_line(os, st, &kept[i]);
					continue;
				}
				size_t len = st->fmt->format_line(os, &kept[i], buf + used, LINE_MAX_BYTES);
				if (len == 0) {
					atomic_fetch_add_explicit(&os->dropped, 1, memory_order_relaxed);
					continue;
				}
				used += len;
				lines++;
			}
			if (!sink_write(&st->sink, buf, used))
				atomic_fetch_add_explicit(&os->dropped, lines, memory_order_relaxed);
		}
		if (os->pg && to_streams)
			rows_to_postgres(os, kept, k);
		if (os->any_grouped && to_reports)
			collect(os, kept, k); /* the collection now owns the grab results */
		else
			release_enrichment(kept, k);
		atomic_fetch_add_explicit(&os->written, k, memory_order_relaxed);
	}
}

/* ---- the queues to the writer --------------------------------------------------------- */

static bool all_queues_empty(struct output_set *os)
{
	size_t np = atomic_load_explicit(&os->nproducers, memory_order_acquire);
	for (size_t i = 0; i < np; i++)
		if (!ring_empty(&os->producers[i]->ring))
			return false;
	return ring_empty(&os->shared.ring);
}

/* One pass over every queue, a bounded take from each (none can starve the others).
 * Returns how many results it wrote. */
static size_t drain_pass(struct output_set *os, struct scan_result *take)
{
	size_t total = 0, np = atomic_load_explicit(&os->nproducers, memory_order_acquire);
	for (size_t i = 0; i <= np; i++) {
		struct ring *q = i < np ? &os->producers[i]->ring : &os->shared.ring;
		size_t m = ring_pop_burst(q, take, WRITER_TAKE);
		emit(os, take, m, true, true);
		total += m;
	}
	return total;
}

/* Idle: sleep until a producer wakes us (or a while has passed: a safety net only). The
 * flag is set before the queues are looked at again, and a producer looks at the flag
 * after it has pushed (both with a full fence): one of the two sees the other. */
static void writer_sleep(struct output_set *os)
{
	pthread_mutex_lock(&os->wake_lock);
	atomic_store(&os->writer_idle, true);
	atomic_thread_fence(memory_order_seq_cst);
	if (all_queues_empty(os) && !atomic_load(&os->stop)) {
		uint64_t deadline = clock_mono_ns() + 10 * 1000 * 1000; /* the cond's clock */
		struct timespec until = {.tv_sec = (time_t)(deadline / 1000000000u),
					 .tv_nsec = (long)(deadline % 1000000000u)};
		pthread_cond_timedwait(&os->wake, &os->wake_lock, &until);
	}
	atomic_store(&os->writer_idle, false);
	pthread_mutex_unlock(&os->wake_lock);
}

static void wake_writer(struct output_set *os)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&os->writer_idle, memory_order_relaxed))
		return;
	pthread_mutex_lock(&os->wake_lock);
	pthread_cond_signal(&os->wake);
	pthread_mutex_unlock(&os->wake_lock);
}

/* The writer thread: formats and writes everything the producers queued, each queue in
 * its order, so a slow stream costs them nothing until their queue is full. */
/* Compressed streams end their frame every OUTPUT_SYNC_NS (sink.h): a scan killed (or a
 * machine lost) leaves a file that zstdcat / zcat read up to the last second or so. */
static void sync_compressed(struct output_set *os, uint64_t *last_ns)
{
	uint64_t now = clock_mono_ns();
	if (now - *last_ns < OUTPUT_SYNC_NS)
		return;
	*last_ns = now;
	for (size_t i = 0; i < os->nstreams; i++)
		if (os->streams[i].sink.z)
			sink_sync(&os->streams[i].sink);
}

static void *writer_main(void *arg)
{
	struct output_set *os = arg;
	struct scan_result take[WRITER_TAKE];
	uint64_t last_sync = clock_mono_ns();
	for (;;) {
		/* Seen before a pass that finds nothing: every push happened before it. */
		bool stopping = atomic_load_explicit(&os->stop, memory_order_acquire);
		size_t wrote = drain_pass(os, take);
		if (os->any_compressed)
			sync_compressed(os, &last_sync);
		if (os->pg)
			commit_pending_checkpoint(os);
		if (wrote > 0)
			continue;
		if (stopping)
			break;
		writer_sleep(os);
	}
	return NULL;
}

/* Back-pressure: a full queue blocks the producer here (polling, with a growing pause)
 * until the writer has made room; nothing is dropped. */
static void enqueue(struct output_producer *p, const struct scan_result *r, size_t n)
{
	struct output_set *os = p->os;
	if (!os->writer_started) { /* no thread (could not start): write on the caller's */
		pthread_mutex_lock(&os->direct_lock);
		emit(os, r, n, true, true);
		pthread_mutex_unlock(&os->direct_lock);
		return;
	}
	uint64_t pause_ns = 20000;
	for (;;) {
		size_t k = ring_push_burst(&p->ring, r, n);
		r += k;
		n -= k;
		wake_writer(os);
		if (n == 0)
			return;
		clock_sleep_ns(pause_ns);
		if (pause_ns < 1000000)
			pause_ns *= 2;
	}
}

void output_set_write(struct output_set *os, const struct scan_result *r, size_t n)
{
	if (n)
		enqueue(&os->shared, r, n);
}

struct output_producer *output_producer_open(struct output_set *os)
{
	struct output_producer *p = calloc(1, sizeof *p);
	if (!p)
		return &os->shared;
	p->os = os;
	pthread_mutex_lock(&os->producers_lock);
	size_t np = atomic_load_explicit(&os->nproducers, memory_order_relaxed);
	if (np == OUTPUT_PRODUCERS_MAX ||
	    ring_init_for(&p->ring, OUTPUT_QUEUE_RESULTS, RING_ONE_PRODUCER) < 0) {
		pthread_mutex_unlock(&os->producers_lock);
		free(p);
		return &os->shared;
	}
	os->producers[np] = p;
	atomic_store_explicit(&os->nproducers, np + 1, memory_order_release);
	pthread_mutex_unlock(&os->producers_lock);
	return p;
}

void output_producer_write(struct output_producer *p, const struct scan_result *r, size_t n)
{
	if (n)
		enqueue(p, r, n);
}

/* Waits until the writer has written everything queued, then stops it: from here on the
 * caller's thread is the only one touching the set. */
static void stop_writer(struct output_set *os)
{
	if (!os->writer_started)
		return;
	atomic_store_explicit(&os->stop, true, memory_order_release);
	wake_writer(os);
	pthread_join(os->writer, NULL);
	os->writer_started = false;
}

bool output_set_wants_unanswered(const struct output_set *os, uint64_t walked)
{
	/* Decided once, when the scan is over: the set is no longer shared then. The
	 * reports always take the complement of the hosts that answered (memory: their
	 * ports), up to OUTPUT_REPORT_WALK probes walked; with -Pn the hosts that never
	 * answered too, but only in small scans (memory: every probe). */
	struct output_set *w = (struct output_set *)os;
	w->unanswered_to_reports = os->any_grouped && (os->report_all || walked <= OUTPUT_REPORT_WALK);
	w->unanswered_every_host = os->report_all ||
				   (os->info.all_hosts_up && walked <= OUTPUT_SMALL_SCAN);
	bool wanted = (os->report_all && os->any_streaming) || w->unanswered_to_reports;
	w->unanswered_walked = wanted;
	return wanted;
}

static bool host_answered(const struct output_set *os, uint32_t addr)
{
	size_t lo = 0, hi = os->n_answered;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (os->collected[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Any answer of the host itself among its results (a router's error does not count,
	 * as in output/report.c). */
	for (; lo < os->n_answered && os->collected[lo].addr == addr; lo++)
		if (!os->collected[lo].responder || os->collected[lo].responder == addr)
			return true;
	return false;
}

void output_set_write_unanswered(struct output_set *os, const struct scan_result *r, size_t n)
{
	stop_writer(os);
	uint64_t before = atomic_load(&os->written);
	if (os->unanswered_every_host || !os->unanswered_to_reports) {
		emit(os, r, n, os->report_all, os->unanswered_to_reports);
	} else {
		/* Reports only, and only for hosts that answered: the collected results are all
		 * answers until the first unanswered batch, so sort them once and search. */
		if (!os->answered_sorted) {
			report_sort(os->collected, &os->ncollected);
			os->n_answered = os->ncollected;
			os->answered_sorted = true;
		}
		struct scan_result kept[CHUNK];
		while (n > 0) {
			size_t take = n < CHUNK ? n : CHUNK, k = 0;
			for (size_t i = 0; i < take; i++)
				if (host_answered(os, r[i].addr))
					kept[k++] = r[i];
			if (os->info.all_hosts_up)
				os->unanswered_unlisted += take - k;
			emit(os, kept, k, false, true);
			r += take;
			n -= take;
		}
	}
	atomic_fetch_add(&os->unanswered, atomic_load(&os->written) - before);
}

/* The reports' names: the user's, then the PTRs of the hosts they list. */
static void report_names(const struct output_set *os, const struct report_scan *scan,
			 struct host_names *names)
{
	const struct host_names *user = os->info.names;
	for (size_t i = 0; user && i < user->n; i++)
		if (host_names_add(names, user->v[i].addr, user->v[i].user, NULL) < 0)
			break;
	uint32_t *addrs = os->info.rdns ? malloc((os->ncollected + 1) * sizeof *addrs) : NULL;
	if (addrs) {
		size_t n = report_hosts_up(scan, os->collected, os->ncollected, os->info.rdns_all,
					   addrs);
		os->info.rdns(addrs, n, names, os->info.rdns_arg);
		free(addrs);
	}
	host_names_seal(names);
}

/* NDJSON's reverse DNS: one {"addr","ptr"} record per named host after the results (the
 * names are known only once the scan is over). */
static void ndjson_ptr_records(struct output_set *os, const struct host_names *names)
{
	for (size_t i = 0; i < os->nstreams; i++) {
		struct stream *st = &os->streams[i];
		if (st->fmt->format_line != ndjson_line || st->sink.failed)
			continue;
		for (size_t k = 0; k < names->n; k++) {
			if (!names->v[k].ptr)
				continue;
			char line[400];
			struct json j;
			json_init(&j, line, sizeof line);
			json_object_begin(&j);
			json_key(&j, "addr");
			json_ipv4(&j, names->v[k].addr);
			json_key(&j, "ptr");
			json_cstring(&j, names->v[k].ptr);
			json_object_end(&j);
			json_append(&j, "\n", 1);
			size_t n = json_len(&j);
			if (n)
				sink_write(&st->sink, line, n);
		}
	}
}

/* nmap's OUI table, read only when a report has a host with a MAC. */
static struct mac_vendors *report_vendors(const struct output_set *os)
{
	for (size_t i = 0; i < os->ncollected; i++)
		if (os->collected[i].has_mac)
			return mac_vendors_load(NULL);
	return NULL;
}

void output_set_postgres_scan(struct output_set *os, const char *scan_id, unsigned shard)
{
	if (os->pg)
		pg_sink_set_scan(os->pg, scan_id, shard);
}

void output_set_checkpoint(struct output_set *os, const char *checkpoint)
{
	if (!os->pg)
		return;
	char *copy = strdup(checkpoint);
	pthread_mutex_lock(&os->checkpoint_lock);
	free(os->pending_checkpoint);
	os->pending_checkpoint = copy;
	pthread_mutex_unlock(&os->checkpoint_lock);
	wake_writer(os);
}

static void finish_postgres(struct output_set *os)
{
	commit_pending_checkpoint(os);
	pg_sink_commit(os->pg, NULL); /* rows after the last checkpoint given */
	struct pg_stats st;
	pg_sink_stats(os->pg, &st);
	fprintf(stderr, "orbit: postgres: %llu rows in %llu commits (%llu early), %llu reconnects, "
			"%llu dropped, writer blocked %.2f s\n",
		(unsigned long long)st.rows_sent, (unsigned long long)st.commits,
		(unsigned long long)st.early_commits, (unsigned long long)st.reconnects,
		(unsigned long long)st.rows_dropped, st.blocked_seconds);
	atomic_fetch_add(&os->dropped, st.rows_dropped);
}

int output_set_finish(struct output_set *os, uint64_t end_ns, bool interrupted, struct errbuf *e)
{
	int rc = 0;
	stop_writer(os);
	if (os->pg)
		finish_postgres(os);
	if (os->any_grouped) {
		report_sort(os->collected, &os->ncollected);
		struct report_scan scan = {
			.command_line = os->info.command_line,
			.start_ns = os->info.start_ns,
			.end_ns = end_ns,
			.tcp_ack = os->info.tcp_ack,
			.ping_sweep = os->info.ping_sweep,
			.all_hosts_up = os->info.all_hosts_up,
			.interrupted = interrupted,
			.ports = os->info.ports,
			.nports = os->info.nports,
			.addresses = os->info.addresses,
			.services = os->services,
			.complement = !os->unanswered_walked || !os->unanswered_to_reports
					      ? REPORT_COMPLEMENT_NONE
				      : os->unanswered_every_host ? REPORT_COMPLEMENT_EVERY_HOST
								  : REPORT_COMPLEMENT_ANSWERED_HOSTS,
			.silent_probes_unlisted = os->unanswered_unlisted,
			.reason = os->reason,
		};
		struct host_names names = {0};
		report_names(os, &scan, &names);
		struct mac_vendors *vendors = report_vendors(os);
		scan.names = &names;
		scan.vendors = vendors;
		for (size_t i = 0; i < os->nstreams; i++) {
			struct stream *s = &os->streams[i];
			if (!s->fmt->render || s->sink.failed)
				continue;
			errno = 0;
			if (s->fmt->render(s->sink.f, &scan, os->collected, os->ncollected) < 0)
				s->sink.failed = errno ? errno : EIO;
		}
		ndjson_ptr_records(os, &names);
		mac_vendors_free(vendors);
		host_names_free(&names);
	}
	for (size_t i = 0; i < os->nstreams; i++) {
		struct stream *s = &os->streams[i];
		sink_sync(&s->sink); /* a compressed stream's last frame ends here */
		if (s->sink.failed && s->sink.failed != EPIPE && rc == 0)
			rc = err_set(e, "writing %s '%s' failed: %s", s->option,
				     s->to_stdout ? "-" : s->path, strerror(s->sink.failed));
	}
	return rc;
}

void output_set_stats(const struct output_set *os, struct output_stats *st)
{
	struct output_set *w = (struct output_set *)os;
	st->written = atomic_load_explicit(&w->written, memory_order_relaxed);
	st->filtered_out = atomic_load_explicit(&w->filtered_out, memory_order_relaxed);
	st->dropped = atomic_load_explicit(&w->dropped, memory_order_relaxed);
	st->unanswered = atomic_load_explicit(&w->unanswered, memory_order_relaxed);
}

const char *output_set_services_source(const struct output_set *os)
{
	return service_names_source(os->services);
}

const struct service_names *output_set_services(const struct output_set *os)
{
	return os->services;
}

const char *output_set_main_format(const struct output_set *os)
{
	return os->main_format;
}

void output_list_fields(FILE *out)
{
	result_fields_print(out);
}
