/* The outputs of one scan: the main format (-O, to -o or stdout) plus the per-format
 * files -oN (text), -oX (XML), -oG (grepable), behind one small vtable of formats
 * (ndjson, csv, text, xml, grepable). No global state: everything hangs off the set.
 * Contract:
 *  - output_set_open() validates every option first (format names, -f fields, the
 *    --output-filter expression: bad ones give a one-line message and status 2), then
 *    opens the files (failure: status 1). Two outputs on stdout are refused unless the
 *    main format was only the default (then -oN - etc. take stdout alone).
 *  - output_set_begin() writes the headers (CSV's header row) and starts the set's one
 *    writer thread. Results reach it through lock-free bounded FIFO queues
 *    (core/base/ring.h, OUTPUT_QUEUE_RESULTS results each): a thread that writes a lot (a
 *    receive thread) opens its own with output_producer_open() -- one producer, one
 *    consumer -- and writes with output_producer_write(); output_set_write() takes a
 *    batch from any thread into the set's one shared queue (many producers). The writer
 *    takes them out, each queue in order, applies the filter (rejects are counted),
 *    formats streaming formats (ndjson, csv) and appends them to their streams -- one
 *    thread writes, so lines are never interleaved and each producer's results keep
 *    their order -- and collects results for grouped formats (text, xml, grepable),
 *    which output_set_finish() renders after draining the queues -- also after Ctrl-C,
 *    so every document is complete and well-formed. Every write must have returned
 *    before output_set_write_unanswered() or output_set_finish() is called.
 *  - Back-pressure: a slow consumer (a pipe) first fills the stream's bounded buffer,
 *    then the queue; then the write blocks its producer (a receive thread), whose NIC
 *    ring then overflows: those frames are counted by the NIC (rx-missed), never
 *    silently lost. A queue rides out stalls of seconds at lab rates. A -o path ending
 *    in .zst or .gz is compressed by the writer (sink.h), its frame ended every
 *    OUTPUT_SYNC_NS and at the end. Results are
 *    dropped only when they cannot be kept at all (the stream failed, e.g. EPIPE after
 *    `| head`; memory for the grouped formats ran out): output_set_stats() counts them,
 *    and the summary and metadata show the count.
 *  - Unresponsive targets (the complement of the responders) are offered through
 *    output_set_write_unanswered() once the receive threads are done: they reach
 *    streaming outputs only with --report-all. Grouped reports take them as Nmap's
 *    reports list filtered ports: for hosts that answered something, when the walked
 *    space is at most OUTPUT_REPORT_WALK probes (the walk at the end stays ~1 s; memory:
 *    the answering hosts' ports), -Pn or not; for every host also with -Pn in scans of at
 *    most OUTPUT_SMALL_SCAN probes (memory: every probe), or --report-all (asked for: no
 *    limit). What a report leaves out it says (report_scan.complement and
 *    silent_probes_unlisted), so its "Not shown" counts are never short silently. */
#ifndef ORBIT_OUTPUT_OUTPUT_H
#define ORBIT_OUTPUT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"
#include "core/base/result.h"
#include "targets/ports.h"

#define OUTPUT_QUEUE_RESULTS (1u << 18)
#define OUTPUT_SMALL_SCAN 65536
#define OUTPUT_REPORT_WALK (1u << 24)
#define OUTPUT_SYNC_NS 1000000000u /* compressed streams end a frame this often */
#define OUTPUT_PRODUCERS_MAX 64 /* own queues; more producers share output_set_write's */

struct output_set;
struct output_producer;
struct host_names;
struct service_names; /* output/services.h */

/* Reverse DNS for the hosts the reports list (called once, from output_set_finish()):
 * adds a PTR entry to out for each address it resolved. */
typedef void (*output_rdns_fn)(const uint32_t *addrs, size_t n, struct host_names *out,
			       void *arg);

struct output_options {
	const char *format;        /* -O: ndjson | csv | text | xml | grepable; NULL: default */
	const char *path;          /* -o: NULL or "-" is stdout */
	const char *fields;        /* -f: for csv and ndjson; NULL: every field that applies */
	const char *filter;        /* --output-filter, or NULL */
	const char *normal_path;   /* -oN */
	const char *xml_path;      /* -oX */
	const char *grepable_path; /* -oG */
	const char *postgres;      /* --output-postgres CONNINFO (output/pgsink.h), or NULL */
	bool report_all;
	bool reason;               /* --reason: a REASON column in the text report */
	bool hits_only;            /* streaming formats: open ports and hosts up only */
	bool stdout_is_tty;        /* picks the default format: text on a terminal */
	bool validate_only;        /* check the options, open nothing (*out stays NULL) */
	const char *tcp_options;   /* the SYN option profile (os fields match by it); NULL: linux */
};

/* Scan facts for headers and reports (copied; strings must outlive the set). */
struct output_scan_info {
	const char *command_line;
	uint64_t start_ns;
	bool tcp_ack, ping_sweep, all_hosts_up;
	const struct port_entry *ports;
	size_t nports;
	uint64_t addresses;
	/* Names the targets were given by (sealed; borrowed; NULL: none): the reports and
	 * NDJSON's `hostname` print them. */
	const struct host_names *names;
	output_rdns_fn rdns;  /* NULL: no reverse DNS (-n) */
	void *rdns_arg;
	bool rdns_all;        /* -R: every host of the reports, not only those up */
};

struct output_stats {
	uint64_t written;      /* results accepted by the filter (counted once per result) */
	uint64_t filtered_out; /* rejected by --output-filter */
	uint64_t dropped;      /* accepted but lost: stream failure or out of memory */
	uint64_t unanswered;   /* complement entries accepted */
};

/* Returns 0, or the exit status (2 bad option, 1 cannot open a file) with e filled. */
int output_set_open(struct output_set **out, const struct output_options *opt, struct errbuf *e);
int output_set_begin(struct output_set *os, const struct output_scan_info *info);
void output_set_write(struct output_set *os, const struct scan_result *r, size_t n);
/* A queue of the calling thread's own (any time after output_set_open): only one thread
 * may write through a handle; it lives until output_set_close(). Never fails: without
 * memory (or past OUTPUT_PRODUCERS_MAX) the handle is the shared queue's. */
struct output_producer *output_producer_open(struct output_set *os);
void output_producer_write(struct output_producer *p, const struct scan_result *r, size_t n);
/* Does the end of the scan need the complement walked? walked: probes sent. */
bool output_set_wants_unanswered(const struct output_set *os, uint64_t walked);
void output_set_write_unanswered(struct output_set *os, const struct scan_result *r, size_t n);
/* Renders grouped formats, flushes every stream. Returns -1 when a stream failed for a
 * reason other than its reader leaving (EPIPE), with e naming it. */
int output_set_finish(struct output_set *os, uint64_t end_ns, bool interrupted, struct errbuf *e);
void output_set_stats(const struct output_set *os, struct output_stats *st);
/* Where the SERVICE names came from (for metadata), or NULL. */
const char *output_set_services_source(const struct output_set *os);
/* The SERVICE names themselves, valid until output_set_close (NULL: none loaded). */
const struct service_names *output_set_services(const struct output_set *os);
/* The main format's name as chosen ("ndjson" ...), or NULL when stdout went to -oN -. */
const char *output_set_main_format(const struct output_set *os);
void output_set_close(struct output_set *os);

/* --output-postgres (pgsink.h): whose rows (before output_set_begin), and the checkpoint
 * the next commit stores with every row written so far (any thread; the writer commits
 * it; output_set_finish() commits the last one given). A copy is taken. */
void output_set_postgres_scan(struct output_set *os, const char *scan_id, unsigned shard);
void output_set_checkpoint(struct output_set *os, const char *checkpoint);

/* --list-fields. */
void output_list_fields(FILE *out);

#endif
