/* --output-postgres CONNINFO: results into PostgreSQL (libpq), each exactly once.
 * Schema (created when missing; one table for every scan, keyed by a scan id):
 *   orbit_results(scan_id text, addr inet, proto text, port int, state text, reason text,
 *                 ttl int, responder inet, ts timestamptz, record jsonb,
 *                 PRIMARY KEY (scan_id, addr, proto, port))
 *   orbit_checkpoints(scan_id text, shard int, checkpoint text, rows bigint,
 *                     committed_at timestamptz, PRIMARY KEY (scan_id, shard))
 * record is the result's NDJSON object (output/ndjson.h), the columns are taken from it.
 * Contract: pg_sink_open() checks the CONNINFO's syntax (libpq's parser), connects and
 * creates the schema, or returns -1 with one line (the caller exits 2: before any packet).
 * pg_sink_row() buffers one NDJSON line. pg_sink_commit() sends the buffered rows with
 * COPY into a temporary table and, in ONE transaction, inserts them (ON CONFLICT DO
 * NOTHING: a resumed scan re-sends the probes after its checkpoint, their results land
 * once) and stores the checkpoint text given (NULL: the last one again). So the database
 * never holds a checkpoint without the rows it covers: after Ctrl-C, kill -9 or a lost
 * connection, --resume from the stored checkpoint ends with every result exactly once
 * (the caller gives checkpoints old enough that their probes' replies are all in).
 * A failed commit reconnects with backoff (0.1 s doubling to 5 s, for PG_RETRY_SECONDS)
 * and retries with the rows kept; past that the rows are counted as dropped. The buffer
 * is bounded: past PG_BUFFER_BYTES the rows are committed early (with the last
 * checkpoint), and the writer blocks meanwhile -- back-pressure through the output
 * queues, the time counted. One thread (the output writer) calls everything. */
#ifndef ORBIT_OUTPUT_PGSINK_H
#define ORBIT_OUTPUT_PGSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

#define PG_BUFFER_BYTES (32u << 20)
#define PG_RETRY_SECONDS 60

struct pg_sink;

struct pg_stats {
	uint64_t rows_sent;     /* rows in committed batches (duplicates included) */
	uint64_t rows_dropped;  /* rows of batches that could not be committed */
	uint64_t commits, early_commits, reconnects;
	double blocked_seconds; /* the writer waiting on the database */
};

/* check_only: the syntax check alone (no connection). */
int pg_sink_open(struct pg_sink **out, const char *conninfo, bool check_only, struct errbuf *e);
/* Set before the first commit: whose rows these are. */
void pg_sink_set_scan(struct pg_sink *s, const char *scan_id, unsigned shard);
void pg_sink_row(struct pg_sink *s, const char *ndjson_line, size_t len);
int pg_sink_commit(struct pg_sink *s, const char *checkpoint);
void pg_sink_stats(const struct pg_sink *s, struct pg_stats *st);
void pg_sink_close(struct pg_sink *s);

#endif
